"""Impacts: every fix that claims ``none`` is proved against what GitLab Runner does, every
fix that may break says what, and the changes answers and presets make are judged the
same way in every review."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import run_cli, write_config
from tests.corpus import require_corpus_file
from tests.rule_checks import fixed, issues
from wizard.answers.impact import change_report, changes_for_edits
from wizard.base.model import FixSafety, Impact, RemoveKey, SetValue
from wizard.rules.catalogue import ALL_RULES, get_rule
from wizard.runner.settings import effect_of
from wizard.session.presets import list_presets

# --------------------------------------------------------------------------- none claims

SSH_IMPLICIT = """
[[runners]]
executor = "ssh"
[runners.ssh]
host = "build.example.com"
"""

DEBUG_TRACE = """
[[runners]]
executor = "shell"
"""

CACHE_SHARED = """
[[runners]]
executor = "docker"
[runners.cache]
Type = "s3"
Shared = true
"""


def _only_change(rule_id: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    before = tomllib.loads(text)
    return before, fixed(rule_id, text)


def test_ssh_implicit_host_key_check_fix_writes_what_the_runner_already_does() -> None:
    """common/config.go: ``ShouldDisableStrictHostKeyChecking`` returns
    ``DisableStrictHostKeyChecking != nil && *DisableStrictHostKeyChecking``, so an
    absent key already means strict checking; writing ``false`` changes nothing."""
    before, after = _only_change("ssh-host-key-checking-implicit", SSH_IMPLICIT)
    assert after["runners"][0]["ssh"].pop("disable_strict_host_key_checking") is False
    assert after == before


def test_debug_trace_fix_only_turns_the_trace_off() -> None:
    """common/build_settings.go ``validateDebugTraceSettings``: with
    ``debug_trace_disabled`` a job asking for CI_DEBUG_TRACE gets a settings error that
    common/build.go only logs with ``Warningln``; the job runs, without the trace."""
    before, after = _only_change("debug-trace-enabled", DEBUG_TRACE)
    assert after["runners"][0].pop("debug_trace_disabled") is True
    assert after == before


def test_cache_shared_fix_may_break_jobs_that_count_on_another_runners_cache() -> None:
    """cache/cache.go ``GetAdapter``: with Shared = false the object path gains
    ``runner/<short token>``, so a job no longer finds what a job on another runner saved.
    A missing cache is only a warning, but a job that counts on it (artifacts passed
    through the cache between runners) then fails: may break, not none."""
    rule = get_rule("cache-shared")
    assert rule.fix is FixSafety.UNSAFE
    assert "another runner" in rule.breaks
    before, after = _only_change("cache-shared", CACHE_SHARED)
    assert after["runners"][0]["cache"].pop("Shared") is False
    before["runners"][0]["cache"].pop("Shared")
    assert after == before


def test_file_mode_fix_has_no_edit_and_matches_the_runners_own_mode() -> None:
    """common/config.go ``SaveConfig`` writes the file with ``0o600`` itself: the owner
    (the runner) keeps reading it, and the settings are untouched."""
    found = issues("config-file-permissions", DEBUG_TRACE, file_mode=0o644)
    assert found
    assert all(issue.edits == () for issue in found)


TOKEN_MASKING = """
[[runners]]
executor = "shell"
[runners.feature_flags]
FF_MASK_ALL_DEFAULT_TOKENS = false
"""


def test_token_masking_fix_only_changes_what_the_job_log_shows() -> None:
    """helpers/featureflags/flags.go: FF_MASK_ALL_DEFAULT_TOKENS defaults to true, and
    the runner reads it only in common/buildlogger/build_logger.go, to mask token
    prefixes in the job log: the job itself runs the same."""
    before, after = _only_change("token-masking-disabled", TOKEN_MASKING)
    flags = after["runners"][0].pop("feature_flags")
    assert flags == {"FF_MASK_ALL_DEFAULT_TOKENS": True}
    before["runners"][0].pop("feature_flags")
    assert after == before


NONE_PROOFS = {
    "token-masking-disabled": test_token_masking_fix_only_changes_what_the_job_log_shows,
    "ssh-host-key-checking-implicit": (
        test_ssh_implicit_host_key_check_fix_writes_what_the_runner_already_does
    ),
    "debug-trace-enabled": test_debug_trace_fix_only_turns_the_trace_off,
    "config-file-permissions": test_file_mode_fix_has_no_edit_and_matches_the_runners_own_mode,
}


def test_every_fix_claiming_no_impact_has_a_proof_here() -> None:
    """A new ``safe`` fix needs a proof above, citing the runner source it rests on."""
    safe = {rule.id for rule in ALL_RULES if rule.fix is FixSafety.SAFE}
    assert safe == set(NONE_PROOFS)


def test_every_fix_that_may_break_says_what_in_one_line() -> None:
    for rule in ALL_RULES:
        if rule.fix is FixSafety.UNSAFE:
            assert rule.breaks, rule.id
            assert "\n" not in rule.breaks, rule.id
            assert len(rule.breaks) < 160, rule.id
        else:
            assert not rule.breaks, rule.id


@pytest.mark.parametrize(
    ("rule_id", "words"),
    [
        ("metrics-server-exposed", "Prometheus"),  # remote scraping stops
        ("per-build-network-disabled", "network"),
        ("job-cleanup-disabled", "GIT_STRATEGY: none"),
        ("git-strategy-fetch-shared", "earlier job"),
    ],
)
def test_fixes_that_stop_working_setups_are_not_called_safe(rule_id: str, words: str) -> None:
    rule = next(r for r in ALL_RULES if r.id == rule_id)
    assert rule.fix is FixSafety.UNSAFE
    assert words in rule.breaks


# --------------------------------------------------------------------------- judging edits


@pytest.mark.parametrize(
    ("table", "key", "before", "after", "impact"),
    [
        ((), "listen_address", ":9252", "127.0.0.1:9252", Impact.MAY_BREAK),
        ((), "listen_address", "localhost:9252", "127.0.0.1:9252", Impact.NONE),
        (("session_server",), "listen_address", "[::]:8093", "127.0.0.1:8093", Impact.MAY_BREAK),
        (("runners", 0, "docker"), "privileged", True, False, Impact.MAY_BREAK),
        (("runners", 0, "docker"), "privileged", False, True, Impact.NONE),
        (("runners", 0, "docker"), "user", None, "1000:1000", Impact.MAY_BREAK),
        (("runners", 0, "docker"), "user", "1000:1000", None, Impact.NONE),
        (("runners", 0, "docker"), "cap_drop", None, ["SETUID"], Impact.MAY_BREAK),
        (("runners", 0, "docker"), "allowed_images", None, ["*"], Impact.MAY_BREAK),
        (("runners", 0, "docker"), "allowed_images", ["a/*"], None, Impact.NONE),
        (("runners", 0, "docker"), "image", "alpine:3.19", "alpine:3.20", Impact.MAY_BREAK),
        (("runners", 0, "docker"), "image", None, "alpine:3.20", Impact.NONE),
        (("runners", 0), "debug_trace_disabled", None, True, Impact.NONE),
        (("runners", 0), "some_future_key", None, 1, Impact.MAY_BREAK),  # unknown: never harmless
    ],
)
def test_judge(table: Any, key: str, before: Any, after: Any, impact: Impact) -> None:
    verdict = effect_of(table, key, before, after, {})
    assert verdict.impact is impact
    assert bool(verdict.reason) == (impact is Impact.MAY_BREAK)


def test_narrowing_allowed_pull_policies_names_the_refused_policy() -> None:
    table = {"pull_policy": "if-not-present"}
    verdict = effect_of(("runners", 0, "docker"), "allowed_pull_policies", None, ["always"], table)
    assert verdict.impact is Impact.MAY_BREAK
    assert "if-not-present" in verdict.reason
    widened = effect_of(
        ("runners", 0, "docker"),
        "allowed_pull_policies",
        ["always"],
        ["always", "if-not-present"],
        {},
    )
    assert widened.impact is Impact.NONE


def test_change_report_lists_may_break_first_with_secrets_masked() -> None:
    data = {
        "runners": [
            {"name": "r", "token": "glrt-AAAAAAAAAAAAAAAAAAAAA1234", "docker": {"privileged": True}}
        ]
    }
    changes, _after = changes_for_edits(
        data,
        [
            SetValue(("runners", 0), "debug_trace_disabled", True),
            SetValue(("runners", 0), "token", "glrt-BBBBBBBBBBBBBBBBBBBBB9876"),
            RemoveKey(("runners", 0, "docker"), "privileged"),
        ],
        source="answers",
        names={0: "r"},
    )
    lines = change_report(changes)
    text = "\n".join(lines)
    assert lines[0].startswith("may break jobs that work today (")
    assert text.index("privileged") < text.index("cannot break a job")
    assert "AAAAAAAAAAAA" not in text
    assert "BBBBBBBBBBBB" not in text
    assert "glrt-…9876" in text


# --------------------------------------------------------------------------- harden


def _corpus(name: str, tmp_path: Path) -> Path:
    target = tmp_path / "config.toml"
    shutil.copyfile(require_corpus_file(name), target)
    target.chmod(0o600)
    return target


JOB_SETTINGS = (
    "privileged", "volumes", "user", "pull_policy", "allowed_pull_policies", "image",
    "cap_drop", "security_opt", "network_mode", "environment", "feature_flags",
    "custom_build_dir", "allowed_images", "allowed_services",
)  # fmt: skip


def _job_settings(data: dict[str, Any]) -> list[Any]:
    out = [data.get("listen_address"), data.get("session_server")]
    for runner in data.get("runners", []):
        docker = runner.get("docker", {})
        out.append({key: docker.get(key, runner.get(key)) for key in JOB_SETTINGS})
    return out


def test_fix_safe_on_a_dind_runner_changes_nothing_a_job_depends_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _corpus("33-shell-ssh-docker-4runners.toml", tmp_path)
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    outcome = run_cli(capsys, "harden", str(path), "--runner", "docker-custom-runner")
    assert outcome.code == 0, outcome.err
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert _job_settings(after) == _job_settings(before)
    custom = after["runners"][3]["docker"]
    assert custom["privileged"] is True
    assert "/var/run/docker.sock:/var/run/docker.sock" in custom["volumes"]


def test_fix_safe_keeps_a_remote_metrics_listener(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, 'listen_address = ":9252"\n[[runners]]\nexecutor = "shell"\n')
    assert run_cli(capsys, "harden", str(path)).code == 0
    assert tomllib.loads(path.read_text(encoding="utf-8"))["listen_address"] == ":9252"


def test_dry_run_json_gives_every_planned_change_with_its_impact(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _corpus("33-shell-ssh-docker-4runners.toml", tmp_path)
    original = path.read_bytes()
    argv = ("harden", str(path), "--dry-run", "--format", "json", "--fix", "all")
    outcome = run_cli(capsys, *argv, "--runner", "docker-custom-runner")
    assert outcome.code == 1, outcome.err
    assert path.read_bytes() == original
    [entry] = json.loads(outcome.out)["files"]
    changes = entry["changes"]
    keys = {"rule", "source", "runner", "table", "key", "before", "after", "impact"}
    assert all(keys | {"impact_reason"} == set(change) for change in changes)
    impacts = [change["impact"] for change in changes]
    assert impacts == sorted(impacts, key=lambda i: i != "may-break")  # may-break first
    privileged = next(c for c in changes if c["key"] == "privileged")
    assert (privileged["before"], privileged["after"], privileged["impact"]) == (
        True,
        False,
        "may-break",
    )
    assert "Docker-in-Docker" in privileged["impact_reason"]
    assert {c["runner"] for c in changes} == {"docker-custom-runner"}
    assert entry["diff"].startswith("--- ")


def test_harden_runner_shared_by_two_runners_is_an_error_listing_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _corpus("30-ssh-docker-multi.toml", tmp_path)
    original = path.read_bytes()
    outcome = run_cli(capsys, "harden", str(path), "--runner", "Mr.Anderson", "--fix", "all")
    assert outcome.code == 2
    assert "2 runners are named 'Mr.Anderson'" in outcome.err
    assert "#1 Mr.Anderson (ssh" in outcome.err
    assert "#2 Mr.Anderson (docker" in outcome.err
    assert "pick one with --runner '#1' (its position) or --runner 'id:N'" in outcome.err
    assert path.read_bytes() == original


def test_harden_preset_leaves_the_runners_it_says_it_leaves_alone_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _corpus("33-shell-ssh-docker-4runners.toml", tmp_path)
    before = tomllib.loads(path.read_text(encoding="utf-8"))
    outcome = run_cli(capsys, "harden", str(path), "--preset", "multi-project-docker")
    assert outcome.code == 0, outcome.err
    assert "'rhel-shell-runner' uses shell" in outcome.out + outcome.err
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after["runners"][0] == before["runners"][0]  # shell: left alone
    assert after["runners"][1] == before["runners"][1]  # ssh: left alone
    # The user's own default images stay: jobs that name no image depend on them.
    assert after["runners"][2]["docker"]["image"] == "alpine:latest"
    assert after["runners"][3]["docker"]["image"] == "docker:stable"


def test_harden_preset_keeps_the_users_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = '[[runners]]\nname = "d"\nexecutor = "docker"\n[runners.docker]\nimage = "alpine:3.19"\n'
    path = write_config(tmp_path, text)
    assert run_cli(capsys, "harden", str(path), "--preset", "multi-project-docker").code == 0
    assert tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]["docker"]["image"] == (
        "alpine:3.19"
    )


# --------------------------------------------------------------------------- allowlists


def doublestar_match(pattern: str, name: str) -> bool:
    """doublestar.Match as common/allowed_images.go uses it: ``*`` stays inside one path
    segment, ``**`` spans any number, the name is matched as the job writes it."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:[^/]*/)*"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.fullmatch(out, name) is not None


def test_our_matcher_agrees_with_the_runners_own_table() -> None:
    """Cases from executors/docker/docker_test.go ``testAllowedImages``."""
    assert doublestar_match("*", "ruby:3.3")
    assert not doublestar_match("*", "library/ruby")
    assert doublestar_match("**/*", "ruby")
    assert doublestar_match("my.registry.tld/**/*", "my.registry.tld/group/subgroup/ruby:3.3")
    assert not doublestar_match("my.registry.tld/*/*", "my.registry.tld/group/subgroup/ruby")


@pytest.mark.parametrize("preset", list_presets(), ids=lambda p: p.name)
def test_preset_allowlists_admit_ordinary_images_and_name_no_placeholder(preset: Any) -> None:
    docker = preset.settings.get("runners.docker", {})
    lists = {
        "allowed_images": preset.answers.allowed_images or (),
        "allowed_services": preset.answers.allowed_services
        or tuple(docker.get("allowed_services", ())),
    }
    for key, patterns in lists.items():
        assert not any("example" in p for p in patterns), (preset.name, key)
        if not patterns:
            continue  # no list: every image runs
        wanted = ("node:20", "postgres") if key == "allowed_images" else ()
        if key == "allowed_services" and preset.name != "privileged-dind":
            wanted = ("postgres", "redis:7")
        for image in wanted:
            assert any(doublestar_match(p, image) for p in patterns), (preset.name, key, image)


# --------------------------------------------------------------------------- rough edges


@pytest.mark.parametrize(
    ("header", "tool"),
    [
        ("# Managed by Puppet (module). Do not edit by hand.\n", "Puppet"),
        ("# This file is managed by Ansible\n", "Ansible"),
        # Ansible's default ansible_managed string, and Puppet's capitalised banner.
        ("# Ansible managed\n", "Ansible"),
        ("# Ansible managed: config.toml.j2 modified on 2024-01-01\n", "Ansible"),
        ("# MANAGED BY PUPPET\n", "Puppet"),
        ("# generated by chef-client\n", "Chef"),
        ("# Generated by Chef\n", "Chef"),
        ("# salt: do not edit\n", "Salt"),
        ("# the build farm's runners\n", None),
    ],
)
def test_a_config_management_header_is_recognised(header: str, tool: str | None) -> None:
    from wizard.answers.managed_header import managed_warning

    warning = managed_warning(header + "concurrent = 1\n")
    if tool is None:
        assert warning is None
    else:
        assert warning is not None
        assert f"managed by {tool}" in warning
        assert "overwrites these changes" in warning


def test_harden_warns_that_the_next_config_management_run_overwrites_the_edit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = '# Managed by Ansible; do not edit\n[[runners]]\nname = "s"\nexecutor = "shell"\n'
    path = write_config(tmp_path, text)
    outcome = run_cli(capsys, "harden", str(path))
    assert outcome.code == 0
    assert "warning: this file says it is managed by Ansible" in outcome.err
    again = run_cli(capsys, "harden", str(path))  # nothing left to change: no warning
    assert "managed by" not in again.err


def test_fail_on_never_reports_without_failing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = '[[runners]]\nname = "d"\nexecutor = "docker"\n[runners.docker]\nprivileged = true\n'
    path = write_config(tmp_path, text)
    assert run_cli(capsys, "audit", str(path)).code == 1
    never = run_cli(capsys, "audit", str(path), "--fail-on", "never")
    assert never.code == 0
    assert "privileged-container" in never.out
    assert run_cli(capsys, "audit", str(tmp_path / "missing.toml"), "--fail-on", "never").code == 2


def test_audit_help_says_nothing_of_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "audit", "--help").out
    assert "--fail-on" in out
    assert "--dry-run" not in out
    assert "never" in out


# --------------------------------------------------------------------------- reasons per key

K8S_PRIVILEGED = """\
[[runners]]
  name = "k8s"
  url = "https://gitlab.example.com"
  executor = "kubernetes"
  [runners.kubernetes]
    privileged = true
"""


def test_a_companion_edit_names_its_own_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """k8s-privilege-escalation also drops privileged (Kubernetes refuses the pair): that
    change breaks Docker-in-Docker, not sudo, and the plan must say so."""
    path = write_config(tmp_path, K8S_PRIVILEGED)
    out = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path)).out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "privileged: true → false" in line)
    assert "Docker-in-Docker" in lines[at + 1]
    assert "sudo" not in lines[at + 1]
    at = next(i for i, line in enumerate(lines) if "allow_privilege_escalation:" in line)
    assert "sudo" in lines[at + 1]


def test_rules_on_different_settings_do_not_share_a_reason() -> None:
    """A reason copied from another rule names the wrong thing that breaks."""
    owners: dict[str, set[tuple[str | None, str | None]]] = {}
    for rule in ALL_RULES:
        if rule.breaks:
            owners.setdefault(rule.breaks, set()).add((rule.table, rule.key))
    shared = {breaks: keys for breaks, keys in owners.items() if len(keys) > 1}
    assert not shared
