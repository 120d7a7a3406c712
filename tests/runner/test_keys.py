"""The key catalogue answers like the runner's decoder: case-insensitive, per table."""

from __future__ import annotations

import dataclasses
import json
import re
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.runner import keys

CATALOGUE = json.loads(
    files("wizard.runner").joinpath("data", "runner_keys.json").read_text("utf-8")
)
NAMED_TABLES = sorted(name for name, table in CATALOGUE["tables"].items() if table)
KNOWN = [(table, key) for table in NAMED_TABLES for key in CATALOGUE["tables"][table]]


def test_lookup_matches_exact_spelling() -> None:
    info = keys.lookup("runners.docker", "privileged")
    assert info is not None
    assert (info.name, info.kind, info.since, info.duration) == (
        "privileged",
        "boolean",
        "0.1.5",
        False,
    )


@pytest.mark.parametrize(
    ("table", "written", "canonical"),
    [
        ("runners.machine", "maxbuilds", "MaxBuilds"),
        ("runners.machine", "IDLECOUNT", "IdleCount"),
        ("runners.cache.s3", "serveraddress", "ServerAddress"),
        ("runners", "TLS-CA-FILE", "tls-ca-file"),
        ("runners.feature_flags", "ff_network_per_build", "FF_NETWORK_PER_BUILD"),
    ],
)
def test_lookup_ignores_case_and_returns_canonical_name(
    table: str, written: str, canonical: str
) -> None:
    info = keys.lookup(table, written)
    assert info is not None
    assert info.name == canonical


def test_lookup_does_not_treat_separators_as_equal() -> None:
    # The runner compares names ignoring case only: max_builds is a different key.
    assert keys.lookup("runners.machine", "max_builds") is None
    assert keys.lookup("runners", "tls_ca_file") is None


def test_lookup_of_unknown_key_or_table_is_none() -> None:
    assert keys.lookup("runners.docker", "privilged") is None
    assert keys.lookup("runners.nonexistent", "privileged") is None


@pytest.mark.parametrize(
    ("table", "kind"),
    [
        ("", "root"),
        ("runners", "array-of-tables"),
        ("runners.docker", "table"),
        ("runners.docker.services", "array-of-tables"),
        ("runners.machine.autoscaling", "array-of-tables"),
        ("runners.autoscaler.policy", "array-of-tables"),
        ("runners.autoscaler.connector_config", "table"),
        ("runners.autoscaler.plugin_config", "map"),
        ("runners.kubernetes.node_selector", "map"),
        ("runners.docker.sysctls", "map"),
        ("runners.docker.services_devices", "map"),
        ("runners.feature_flags", "map"),
        ("session_server", "table"),
        ("runners.kubernetes.build_container_security_context.capabilities", "table"),
        ("runners.nonexistent", None),
    ],
)
def test_table_kind(table: str, kind: str | None) -> None:
    assert keys.table_kind(table) == kind
    assert keys.is_free_form(table) is (kind == "map")


def test_known_keys_of_a_fixed_table() -> None:
    docker = keys.known_keys("runners.docker")
    assert docker is not None
    assert {"privileged", "cap_drop", "security_opt", "allowed_images"} <= set(docker)
    assert docker["cap_drop"].kind == "array-of-strings"


@pytest.mark.parametrize(
    "table", ["runners.feature_flags", "runners.docker.sysctls", "runners.nonexistent"]
)
def test_known_keys_is_none_for_free_form_and_unknown_tables(table: str) -> None:
    assert keys.known_keys(table) is None


@pytest.mark.parametrize(
    ("table", "key", "kind", "duration", "values"),
    [
        ("runners", "unhealthy_interval", "string", True, None),
        ("runners.autoscaler.policy", "idle_time", "string", True, None),
        ("runners.ssh", "port", "string", False, None),
        ("runners.docker", "pull_policy", "string-or-array", False, None),
        ("runners", "environment", "array-of-strings", False, None),
        ("runners", "feature_flags", "map", False, "boolean"),
        ("runners.docker", "services_devices", "map", False, "array-of-strings"),
        ("runners.autoscaler", "plugin_config", "map", False, "any"),
        ("runners.machine", "IdleScaleFactor", "float", False, None),
        ("runners", "token_expires_at", "datetime", False, None),
    ],
)
def test_key_kinds(table: str, key: str, kind: str, duration: bool, values: str | None) -> None:
    info = keys.lookup(table, key)
    assert info is not None
    assert (info.kind, info.duration, info.values) == (kind, duration, values)


def test_key_info_is_immutable() -> None:
    info = keys.lookup("runners.docker", "privileged")
    assert info is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("table", "written", "meant"),
    [
        ("runners.docker", "privilged", "privileged"),
        ("runners.docker", "privilege", "privileged"),
        ("runners.machine", "maxbuild", "MaxBuilds"),
        ("runners.machine", "max_builds", "MaxBuilds"),
        ("runners.machine", "idle_count", "IdleCount"),
        ("runners", "tls_ca_file", "tls-ca-file"),
        ("runners.docker", "allowed_image", "allowed_images"),
        ("runners.autoscaler.connector_config", "key_pathname", "key_path"),
        ("", "concurent", "concurrent"),
        ("runners.feature_flags", "FF_NETWORK_PER_BULD", "FF_NETWORK_PER_BUILD"),
    ],
)
def test_suggest_finds_the_intended_key(table: str, written: str, meant: str) -> None:
    assert keys.suggest(table, written) == meant


@pytest.mark.parametrize(
    ("table", "written"),
    [
        ("runners", "tags"),
        ("runners", "run_untagged"),
        ("runners", "setuid"),
        ("runners.docker", "insecure_registries"),
        ("runners.nonexistent", "privileged"),
    ],
)
def test_suggest_offers_nothing_for_unrelated_names(table: str, written: str) -> None:
    assert keys.suggest(table, written) is None


def test_suggest_is_none_for_a_key_that_already_matches() -> None:
    assert keys.suggest("runners.machine", "maxbuilds") is None


def test_removed_keys_name_their_replacement() -> None:
    clone = keys.removed_key("runners", "PRE_CLONE_SCRIPT")
    assert clone is not None
    assert clone.replaced_by == "pre_get_sources_script"
    assert clone.last_seen == "16.11.4"
    metrics = keys.removed_key("", "metrics_server")
    assert metrics is not None
    assert metrics.replaced_by == "listen_address"
    cache = keys.removed_key("runners.cache", "SecretKey")
    assert cache is not None
    assert cache.replaced_by is not None
    assert "[runners.cache.s3]" in cache.replaced_by
    assert keys.removed_key("runners", "pre_get_sources_script") is None


def test_ignored_keys_are_known_but_marked() -> None:
    info = keys.lookup("runners.machine", "OffPeakIdleCount")
    assert info is not None
    assert info.ignored
    assert info.replaced_by == "[[runners.machine.autoscaling]]"
    max_builds = keys.lookup("runners.machine", "MaxBuilds")
    assert max_builds is not None
    assert not max_builds.ignored


def test_tables_with_key_finds_misplaced_settings() -> None:
    assert keys.tables_with_key("runners", "privileged") == (
        "runners.docker",
        "runners.kubernetes",
    )
    assert keys.tables_with_key("runners.docker", "MaxBuilds") == ("runners.machine",)
    assert keys.tables_with_key("runners", "no_such_key") == ()


def test_catalogue_release_is_a_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", keys.catalogue_release())


def test_child_table_names() -> None:
    assert keys.child_table("", "runners") == "runners"
    assert keys.child_table("runners", "docker") == "runners.docker"


# --- the data file itself -----------------------------------------------------------------

ALLOWED_FIELDS = {"kind", "since", "duration", "values", "ignored", "replaced_by", "removed_in"}


def test_data_file_holds_only_our_compact_facts() -> None:
    """No prose or source-level names leak in: every entry has only our fields."""
    assert CATALOGUE["schema"] == 1
    for table, entries in CATALOGUE["tables"].items():
        assert CATALOGUE["table_kinds"][table] in {"root", "table", "array-of-tables", "map"}
        for name, entry in entries.items():
            assert set(entry) <= ALLOWED_FIELDS, (table, name)
            assert entry["kind"] in keys.KINDS, (table, name)
            assert re.fullmatch(r"\d+\.\d+\.\d+", entry["since"]), (table, name)


def test_every_table_and_array_key_has_a_table_kind() -> None:
    for table, entries in CATALOGUE["tables"].items():
        for name, entry in entries.items():
            if entry["kind"] in ("table", "array-of-tables", "map"):
                assert keys.table_kind(keys.child_table(table, name)) == entry["kind"]


def test_fixed_tables_have_keys() -> None:
    for table, kind in CATALOGUE["table_kinds"].items():
        if kind != "map":
            assert CATALOGUE["tables"].get(table), table


# --- properties ---------------------------------------------------------------------------


@given(st.sampled_from(KNOWN), st.data())
def test_any_casing_of_a_known_key_finds_it(known: tuple[str, str], data: st.DataObject) -> None:
    table, key = known
    upper = data.draw(st.lists(st.booleans(), min_size=len(key), max_size=len(key)))
    written = "".join(c.upper() if up else c.lower() for c, up in zip(key, upper, strict=True))
    info = keys.lookup(table, written)
    assert info is not None
    assert info.name == key
    assert keys.suggest(table, written) is None


@given(st.sampled_from([(t, k) for t, k in KNOWN if len(k) >= 6]), st.data())
def test_a_key_missing_one_letter_gets_a_known_suggestion(
    known: tuple[str, str], data: st.DataObject
) -> None:
    table, key = known
    position = data.draw(st.integers(0, len(key) - 1))
    typo = key[:position] + key[position + 1 :]
    if keys.lookup(table, typo) is not None:
        return  # dropping the letter spelt another real key
    suggestion = keys.suggest(table, typo)
    assert suggestion is not None
    assert keys.lookup(table, suggestion) is not None
