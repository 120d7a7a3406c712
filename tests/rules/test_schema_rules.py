"""unknown-key and wrong-value-type: what the runner would skip or refuse, and nothing else."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.corpus import require_corpus
from wizard.base.model import Issue, Severity, Trust
from wizard.rules.base import AuditContext, Rule
from wizard.rules.schema import SCHEMA_RULES, UNKNOWN_KEY, WRONG_VALUE_TYPE
from wizard.runner import keys
from wizard.runner.keys import KeyInfo


def issues(rule: Rule, text: str, trust: Trust = Trust.MULTI_PROJECT) -> list[Issue]:
    return list(rule.check(AuditContext(tomllib.loads(text), trust)))


def only(rule: Rule, text: str) -> Issue:
    found = issues(rule, text)
    assert len(found) == 1, found
    return found[0]


# --- rule metadata ------------------------------------------------------------------------


def test_rules_are_exported_with_their_ids() -> None:
    assert [rule.id for rule in SCHEMA_RULES] == ["unknown-key", "wrong-value-type"]
    for rule in SCHEMA_RULES:
        assert rule.fix is None
        assert rule.executors is None
        assert rule.doc_url.startswith(
            "https://docs.gitlab.com/runner/configuration/advanced-configuration/#"
        )
    unknown, wrong_type = SCHEMA_RULES
    assert all(unknown.severity_for(trust) is Severity.MEDIUM for trust in Trust)
    # Most type errors stop the runner loading the file, hardening included.
    assert all(wrong_type.severity_for(trust) is Severity.HIGH for trust in Trust)


# --- unknown-key --------------------------------------------------------------------------


def test_misspelt_security_key_names_the_real_one_and_is_high() -> None:
    issue = only(
        UNKNOWN_KEY,
        """
        [[runners]]
        executor = "docker"
        [runners.docker]
        image = "alpine"
        privilged = false
        """,
    )
    assert issue.message == (
        "unknown key 'privilged' in [runners.docker]; did you mean 'privileged'?"
    )
    assert issue.table == ("runners", 0, "docker")
    assert issue.key == "privilged"
    assert issue.runner_index == 0
    assert issue.severity is Severity.HIGH
    assert issue.edits == ()


def test_misspelt_ordinary_key_keeps_the_rule_severity() -> None:
    issue = only(UNKNOWN_KEY, '[[runners]]\n[runners.docker]\nhostnme = "x"\n')
    assert "did you mean 'hostname'?" in issue.message
    assert issue.severity is None


def test_issue_points_at_the_right_runner_entry() -> None:
    issue = only(
        UNKNOWN_KEY,
        """
        [[runners]]
        name = "first"
        [[runners]]
        name = "second"
        [runners.machine]
        max_builds = 1
        """,
    )
    assert issue.table == ("runners", 1, "machine")
    assert issue.runner_index == 1
    assert "did you mean 'MaxBuilds'?" in issue.message
    assert issue.severity is Severity.HIGH


def test_keys_match_ignoring_case() -> None:
    text = """
    CONCURRENT = 2
    [[runners]]
    EXECUTOR = "docker+machine"
    [runners.MACHINE]
    maxbuilds = 1
    idlecount = 0
    [[runners.machine.AUTOSCALING]]
    periods = ["* * 9-17 * * mon-fri *"]
    """
    assert issues(UNKNOWN_KEY, text) == []
    assert issues(WRONG_VALUE_TYPE, text) == []


def test_runner_index_survives_an_odd_spelling_of_runners() -> None:
    issue = only(UNKNOWN_KEY, "[[Runners]]\n[Runners.Docker]\nprivilged = false\n")
    assert issue.table == ("Runners", 0, "Docker")
    assert issue.runner_index == 0


def test_misplaced_key_says_where_it_belongs() -> None:
    issue = only(UNKNOWN_KEY, '[[runners]]\nexecutor = "docker"\nprivileged = true\n')
    assert issue.message == (
        "unknown key 'privileged' in [[runners]]; it belongs in [runners.docker] or "
        "[runners.kubernetes]"
    )
    assert issue.table == ("runners", 0)
    assert issue.severity is Severity.HIGH


def test_global_key_written_in_a_runner() -> None:
    issue = only(UNKNOWN_KEY, '[[runners]]\nlisten_address = ":9252"\n')
    assert (
        "it belongs at the top of the file (before any table) or in [session_server]"
        in issue.message
    )


def test_unknown_key_without_a_near_name() -> None:
    issue = only(UNKNOWN_KEY, '[[runners]]\nfrobnicate_widgets = ["docker"]\n')
    assert issue.message == "unknown key 'frobnicate_widgets' in [[runners]]"


def test_unknown_sub_table_is_one_finding_and_not_entered() -> None:
    issue = only(UNKNOWN_KEY, "[[runners]]\n[runners.dockers]\nprivilged = true\nfoo = 1\n")
    assert issue.key == "dockers"
    assert issue.table == ("runners", 0)
    assert "did you mean 'docker'?" in issue.message


def test_global_unknown_key() -> None:
    issue = only(UNKNOWN_KEY, "concurent = 4\n")
    assert issue.table == ()
    assert issue.runner_index is None
    assert (
        issue.message == "unknown key 'concurent' in the global section; did you mean 'concurrent'?"
    )


@pytest.mark.parametrize(
    ("text", "table", "replacement"),
    [
        ('metrics_server = ":9252"\n', (), "listen_address"),
        ('[[runners]]\npre_clone_script = "echo"\n', ("runners", 0), "pre_get_sources_script"),
        ('[[runners]]\npost_clone_script = "x"\n', ("runners", 0), "post_get_sources_script"),
        (
            '[[runners]]\n[runners.cache]\nType = "s3"\nServerAddress = "s3.example.com"\n',
            ("runners", 0, "cache"),
            "[runners.cache.s3] ServerAddress",
        ),
        (
            "[[runners]]\n[runners.kubernetes]\nterminationGracePeriodSeconds = 30\n",
            ("runners", 0, "kubernetes"),
            "pod_termination_grace_period_seconds",
        ),
    ],
)
def test_removed_keys_say_what_replaced_them(
    text: str, table: tuple[Any, ...], replacement: str
) -> None:
    issue = only(UNKNOWN_KEY, text)
    assert issue.table == table
    assert "was removed after runner" in issue.message
    assert f"use {replacement}" in issue.message


def test_off_peak_keys_are_reported_as_ignored() -> None:
    found = issues(
        UNKNOWN_KEY,
        """
        [[runners]]
        [runners.machine]
        IdleCount = 2
        OffPeakPeriods = ["* * 0-9 * * * *"]
        OffPeakIdleCount = 0
        """,
    )
    assert [issue.key for issue in found] == ["OffPeakPeriods", "OffPeakIdleCount"]
    # common/config.go logDeprecationWarning: "has been removed since 14.0"; the runner
    # decodes the keys only to warn. The advice is to migrate, not to rename.
    for issue in found:
        assert "migrate it to [[runners.machine.autoscaling]]" in issue.message
        assert "removed in runner 14.0" in issue.message
        assert "Rename" not in issue.message
    assert "migrate a removed one" in UNKNOWN_KEY.remedy


def test_feature_flags_accept_any_flag_name_but_catch_typos_and_retired_flags() -> None:
    found = issues(
        UNKNOWN_KEY,
        """
        [[runners]]
        [runners.feature_flags]
        FF_NETWORK_PER_BUILD = true
        FF_SOME_FLAG_FROM_A_NEWER_RUNNER = true
        FF_GIT_URLS_WITHOUT_TOKEN = true
        FF_SKIP_NOOP_BUILD_STAGES = false
        network_per_build = true
        """,
    )
    by_key = {issue.key: issue for issue in found}
    assert set(by_key) == {
        "FF_GIT_URLS_WITHOUT_TOKEN",
        "FF_SKIP_NOOP_BUILD_STAGES",
        "network_per_build",
    }
    assert (
        "did you mean 'FF_GIT_URLS_WITHOUT_TOKENS'?" in by_key["FF_GIT_URLS_WITHOUT_TOKEN"].message
    )
    assert by_key["FF_GIT_URLS_WITHOUT_TOKEN"].severity is Severity.HIGH
    assert "no effect" in by_key["FF_SKIP_NOOP_BUILD_STAGES"].message
    assert by_key["FF_SKIP_NOOP_BUILD_STAGES"].table == ("runners", 0, "feature_flags")


def test_messages_never_show_a_token() -> None:
    token = "glrt-" + "A1b2C3d4E5f6G7h8J9k0"
    issue = only(UNKNOWN_KEY, f'[[runners]]\n"{token}" = "x"\n')
    assert token not in issue.message


CLEAN_CONFIG = """
concurrent = 4
check_interval = 0
log_level = "info"
connection_max_age = "15m"
shutdown_timeout = 30

[session_server]
listen_address = "[::]:8093"
session_timeout = 1800

[[runners]]
name = "docker"
url = "https://gitlab.example.com"
token = "${RUNNER_TOKEN}"
token_obtained_at = 2024-01-01T00:00:00Z
token_expires_at = 0001-01-01T00:00:00Z
executor = "docker"
tls-ca-file = "/etc/ca.pem"
environment = ["GIT_DEPTH=10", "FOO=bar"]
unhealthy_interval = "1h"
[runners.feature_flags]
FF_NETWORK_PER_BUILD = true
[runners.custom_build_dir]
enabled = false
[runners.cache]
Type = "s3"
Shared = false
[runners.cache.s3]
ServerAddress = "s3.amazonaws.com"
BucketName = "cache"
AuthenticationType = "iam"
[runners.docker]
image = "alpine:3"
privileged = false
cap_drop = ["ALL"]
security_opt = ["no-new-privileges:true"]
pull_policy = "always"
allowed_pull_policies = ["always"]
shm_size = 0
volumes = ["/cache"]
[runners.docker.sysctls]
"net.ipv4.ip_forward" = "1"
[runners.docker.services_devices]
"registry.example.com/gpu:*" = ["/dev/dri"]
[runners.docker.tmpfs]
"/tmp" = "rw,noexec"
[[runners.docker.services]]
name = "postgres:16"
alias = "db"
environment = ["POSTGRES_PASSWORD=x"]

[[runners]]
name = "machine"
executor = "docker+machine"
[runners.machine]
IdleCount = 1
IdleTime = 600
MaxBuilds = 1
MachineDriver = "amazonec2"
MachineName = "ci-%s"
MachineOptions = ["amazonec2-region=eu-west-1"]
IdleScaleFactor = 1
[[runners.machine.autoscaling]]
Periods = ["* * 9-17 * * mon-fri *"]
IdleCount = 5
IdleTime = 3600
Timezone = "UTC"

[[runners]]
name = "fleet"
executor = "docker-autoscaler"
[runners.autoscaler]
plugin = "aws"
capacity_per_instance = 1
max_use_count = 1
max_instances = 10
update_interval = "1m"
[runners.autoscaler.plugin_config]
name = "asg"
region = "eu-west-1"
profile = { anything = "goes", nested = [1, 2] }
[runners.autoscaler.connector_config]
username = "ec2-user"
use_external_addr = true
keepalive = "30s"
[[runners.autoscaler.policy]]
idle_count = 2
idle_time = "20m"
periods = ["* * * * *"]

[[runners]]
name = "k8s"
executor = "kubernetes"
[runners.kubernetes]
namespace = "ci"
privileged = false
allow_privilege_escalation = false
pull_policy = ["always", "if-not-present"]
cleanup_resources_timeout = "5m"
[runners.kubernetes.node_selector]
"kubernetes.io/os" = "linux"
[runners.kubernetes.node_tolerations]
"node-role=ci" = "NoSchedule"
[runners.kubernetes.pod_labels]
team = "ci"
[runners.kubernetes.pod_security_context]
run_as_non_root = true
run_as_user = 1000
[runners.kubernetes.build_container_security_context]
run_as_user = 1000
[runners.kubernetes.build_container_security_context.capabilities]
drop = ["ALL"]
[runners.kubernetes.affinity]
[runners.kubernetes.affinity.node_affinity]
[runners.kubernetes.affinity.node_affinity.required_during_scheduling_ignored_during_execution]
[[runners.kubernetes.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms]]
[[runners.kubernetes.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms.match_expressions]]
key = "ci"
operator = "In"
values = ["true"]
[[runners.kubernetes.volumes.host_path]]
name = "certs"
mount_path = "/certs"
read_only = true
[[runners.kubernetes.services]]
name = "redis:7"

[[runners]]
name = "ssh"
executor = "ssh"
[runners.ssh]
host = "build.example.com"
port = "22"
user = "ci"
disable_strict_host_key_checking = false
"""


def test_a_broad_valid_config_raises_nothing() -> None:
    """The tables that are easy to get wrong: nested, free-form, arrays of tables."""
    assert issues(UNKNOWN_KEY, CLEAN_CONFIG) == []
    assert issues(WRONG_VALUE_TYPE, CLEAN_CONFIG) == []


# --- wrong-value-type ---------------------------------------------------------------------


def test_bare_integer_duration_is_nanoseconds() -> None:
    issue = only(WRONG_VALUE_TYPE, "[[runners]]\nunhealthy_interval = 3600\n")
    assert issue.table == ("runners", 0)
    assert issue.key == "unhealthy_interval"
    assert "3600 nanoseconds (3.6µs)" in issue.message
    assert '"3600s"' in issue.message
    assert issue.edits == ()
    assert issue.severity is Severity.MEDIUM  # the file still loads; only the timing is off


def test_a_huge_bare_duration_is_read_as_nanoseconds_not_seconds() -> None:
    """common/config.go decodes durations with Go's time.Duration: an integer is nanoseconds.
    1800000000000 is 30 minutes as written; suggesting "1800000000000s" would be 10^9 x."""
    issue = only(WRONG_VALUE_TYPE, "[[runners]]\nunhealthy_interval = 1800000000000\n")
    assert "(1800s)" in issue.message
    assert '"30m"' in issue.message
    assert '"1800000000000s"' not in issue.message
    odd = only(WRONG_VALUE_TYPE, "[[runners]]\nunhealthy_interval = 5400500000000\n")
    assert '"1h30m0.5s"' in odd.message


def test_zero_duration_means_the_same_in_any_unit() -> None:
    assert issues(WRONG_VALUE_TYPE, "[[runners]]\nunhealthy_interval = 0\n") == []


@pytest.mark.parametrize("value", ['"1h30m"', '"90s"', '"1.5h"', '"500ms"', '"-1s"', '"0"'])
def test_duration_strings_are_accepted(value: str) -> None:
    assert issues(WRONG_VALUE_TYPE, f"[[runners]]\nunhealthy_interval = {value}\n") == []


@pytest.mark.parametrize("value", ['"1 hour"', '"3600"', '"1d"'])
def test_unparseable_duration_strings_are_reported(value: str) -> None:
    issue = only(WRONG_VALUE_TYPE, f"[[runners]]\nunhealthy_interval = {value}\n")
    assert "not a duration the runner can parse" in issue.message


def test_duration_of_another_type() -> None:
    issue = only(WRONG_VALUE_TYPE, "[[runners]]\n[runners.autoscaler]\nupdate_interval = true\n")
    assert "must be a duration string" in issue.message
    assert "is a boolean" in issue.message


def test_ssh_port_must_be_a_string() -> None:
    issue = only(WRONG_VALUE_TYPE, '[[runners]]\nexecutor = "ssh"\n[runners.ssh]\nport = 22\n')
    assert issue.table == ("runners", 0, "ssh")
    assert issue.key == "port"
    assert 'port = "22"' in issue.message
    assert "is an integer" in issue.message


def test_quoted_boolean_on_a_security_key_is_high() -> None:
    issue = only(WRONG_VALUE_TYPE, '[[runners]]\n[runners.docker]\nprivileged = "false"\n')
    assert issue.message == (
        "'privileged' in [runners.docker] must be true or false, but is a string; "
        "the runner will refuse to load the file"
    )
    assert issue.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[runners]]\n[runners.docker]\nvolumes = "/cache"\n', "must be an array of strings"),
        ('[[runners]]\nenvironment = "A=1"\n', "must be an array of strings"),
        ('[[runners]]\n[runners.docker]\ncap_drop = ["ALL", 1]\n', "has an integer as item 2"),
        ('[[runners]]\n[runners.docker]\npull_policy = ["always", 1]\n', "item 2"),
        ('[[runners]]\n[runners.docker]\nshm_size = "256m"\n', "must be an integer"),
        ("[[runners]]\nlimit = 1.5\n", "must be an integer, but is a float"),
        ('[[runners]]\nexecutor = ["docker"]\n', "must be a string, but is an array"),
        ('[[runners]]\ndocker = "yes"\n', "must be a table"),
        ('[runners]\nname = "one"\n', "write the header as [[runners]]"),
        (
            "[[runners]]\n[runners.machine.autoscaling]\nIdleCount = 1\n",
            "[[runners.machine.autoscaling]]",
        ),
    ],
)
def test_kind_mismatches(text: str, fragment: str) -> None:
    issue = only(WRONG_VALUE_TYPE, text)
    assert fragment in issue.message
    assert issue.message.endswith("the runner will refuse to load the file")


def test_feature_flag_values_must_be_booleans() -> None:
    issue = only(WRONG_VALUE_TYPE, '[[runners]]\n[runners.feature_flags]\nFF_ANY_NAME = "true"\n')
    assert issue.table == ("runners", 0, "feature_flags")
    assert issue.key == "FF_ANY_NAME"
    assert "must be true or false, but is a string" in issue.message


def test_map_values_are_checked_against_the_map_type() -> None:
    found = issues(
        WRONG_VALUE_TYPE,
        """
        [[runners]]
        [runners.docker.sysctls]
        "net.core.somaxconn" = 1024
        [runners.docker.services_devices]
        "gpu:*" = "/dev/dri"
        [runners.kubernetes]
        node_tolerations = [{ key = "a" }]
        """,
    )
    assert [(issue.table[-1], issue.key) for issue in found] == [
        ("sysctls", "net.core.somaxconn"),
        ("services_devices", "gpu:*"),
        ("kubernetes", "node_tolerations"),
    ]


def test_plugin_config_values_are_not_judged() -> None:
    text = """
    [[runners]]
    [runners.autoscaler.plugin_config]
    x = 1
    y = [true]
    [runners.autoscaler.plugin_config.z]
    q = 2
    """
    assert issues(WRONG_VALUE_TYPE, text) == []
    assert issues(UNKNOWN_KEY, text) == []


def test_integers_widen_to_floats_and_datetimes_may_be_text() -> None:
    text = """
    [[runners]]
    token_expires_at = "2030-01-01T00:00:00Z"
    [runners.machine]
    IdleScaleFactor = 2
    """
    assert issues(WRONG_VALUE_TYPE, text) == []


# --- properties ---------------------------------------------------------------------------

_DOCKER: Mapping[str, KeyInfo] = keys.known_keys("runners.docker") or {}
_WORDS = st.text(alphabet="abc:/=", max_size=6)
_SCALARS = {
    "string": _WORDS,
    "integer": st.integers(-(2**31), 2**31),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "array-of-strings": st.lists(_WORDS, max_size=3),
    "string-or-array": st.one_of(_WORDS, st.lists(_WORDS, max_size=3)),
}
_SCALAR_KEYS = sorted(name for name, info in _DOCKER.items() if info.kind in _SCALARS)


@st.composite
def docker_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A ``[runners.docker]`` table of known keys, each with a value of its own kind,
    under whatever case the user typed."""
    names = draw(st.lists(st.sampled_from(_SCALAR_KEYS), unique=True, max_size=12))
    table: dict[str, Any] = {}
    for name in names:
        written = name.upper() if draw(st.booleans()) else name
        table[written] = draw(_SCALARS[_DOCKER[name].kind])
    return table


@given(docker_tables())
def test_well_typed_known_keys_raise_nothing(docker: dict[str, Any]) -> None:
    ctx = AuditContext({"runners": [{"executor": "docker", "docker": docker}]}, Trust.PUBLIC)
    assert list(UNKNOWN_KEY.check(ctx)) == []
    assert list(WRONG_VALUE_TYPE.check(ctx)) == []


@given(docker_tables(), st.sampled_from(_SCALAR_KEYS))
def test_a_typo_is_reported_at_its_own_path(docker: dict[str, Any], name: str) -> None:
    typo = name + "x_"
    docker[typo] = True
    ctx = AuditContext({"runners": [{}, {"docker": docker}]}, Trust.PUBLIC)
    found = list(UNKNOWN_KEY.check(ctx))
    assert [(issue.table, issue.key) for issue in found] == [(("runners", 1, "docker"), typo)]


# --- the corpus of real configurations ----------------------------------------------------


EXPECTED_UNKNOWN = {
    # registration options, not config.toml keys: the runner ignores them
    ("01-heavily-commented-docker.toml", "tags"),
    ("01-heavily-commented-docker.toml", "run_untagged"),
    ("33-shell-ssh-docker-4runners.toml", "tag_list"),
    ("42-docker-tmpfs-blank-lines.toml", "tag_list"),
    # deprecated autoscaling that is parsed but ignored
    ("08-machine-commented-array-items.toml", "OffPeakPeriods"),
    ("08-machine-commented-array-items.toml", "OffPeakIdleCount"),
    ("08-machine-commented-array-items.toml", "OffPeakIdleTime"),
    ("37-docker-and-machine-gce.toml", "OffPeakTimezone"),
    ("37-docker-and-machine-gce.toml", "OffPeakIdleCount"),
    ("37-docker-and-machine-gce.toml", "OffPeakIdleTime"),
    # typos and keys in the wrong table
    ("10-autoscaler-aws-aligned.toml", "key_pathname"),
    ("19-k8s-irregular-indent.toml", "volume"),
    ("20-k8s-single-quoted-script.toml", "dns_search"),
    ("21-k8s-tabs-deep-headers.toml", "tls_verify"),
    ("49-docker-stray-tab.toml", "privileged"),
    ("56-docker-trailing-comments.toml", "listen_address"),
    ("75-docker-allowed-pull-policies.toml", "environment"),
    # removed keys
    ("20-k8s-single-quoted-script.toml", "pre_clone_script"),
    ("23-custom-nspawn-escaped-string.toml", "pre_clone_script"),
    ("48-docker-multiline-literal.toml", "pre_clone_script"),
    ("68-docker-tuned-aligned-comments.toml", "pre_clone_script"),
    ("34-legacy-hyphen-keys-parallels.toml", "tls-skip-verify"),
    ("44-docker-escaped-json-env.toml", "Insecure"),
    # keys no runner release reads
    ("17-k8s-inline-tables.toml", "build_container_overwrite_resources"),
    ("23-custom-nspawn-escaped-string.toml", "run_exec_timeout"),
    ("28-batch-setuid.toml", "setuid"),
    ("28-batch-setuid.toml", "setuid_data_dir"),
    ("28-batch-setuid.toml", "allow_impersonation"),
    ("28-batch-setuid.toml", "impersonation_mappings"),
    ("29-batch-shell-placeholders.toml", "setuid"),
    ("29-batch-shell-placeholders.toml", "setuid_data_dir"),
    ("43-docker-unindented-allowed-images.toml", "insecure_registries"),
    ("51-docker-cjk-inline-comments.toml", "disable_legacy_registries"),
}
"""Every unknown key in the corpus, checked by hand against the catalogue."""


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    parsed = []
    for path in require_corpus():
        try:
            parsed.append((path.name, tomllib.loads(path.read_text(encoding="utf-8"))))
        except tomllib.TOMLDecodeError:
            continue  # a file the runner could not read either; nothing to audit
    return parsed


def test_corpus_unknown_keys_are_exactly_the_real_ones() -> None:
    found = set()
    for name, data in _corpus():
        for issue in UNKNOWN_KEY.check(AuditContext(data, Trust.MULTI_PROJECT)):
            found.add((name, issue.key))
    assert found == EXPECTED_UNKNOWN


def test_corpus_wrong_types_are_exactly_the_real_ones() -> None:
    found = set()
    for name, data in _corpus():
        for issue in WRONG_VALUE_TYPE.check(AuditContext(data, Trust.MULTI_PROJECT)):
            found.add((name, issue.key))
    assert found == {
        ("17-k8s-inline-tables.toml", "node_tolerations"),  # an array where a map is read
        ("72-minimal-docker-only.toml", "shm_size"),  # "256m" where bytes are read
    }
