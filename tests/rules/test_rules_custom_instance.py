"""Custom and instance executors: what the runner itself does (and does not) isolate.

Sources: executors/custom/custom.go (``prepareConfig`` requires only run_exec;
``Cleanup`` returns at once when cleanup_exec is empty; ``prepareCommand`` passes
every job variable as ``CUSTOM_ENV_*``), docs/executors/custom.md "Cleanup";
executors/internal/autoscaler/acquisition.go (with vm_isolation each job gets a
nested VM that is deleted when the job ends), common/config.go (``VMIsolation``
has its own ``ConnectorConfig`` with a password and a free ``nesting_config`` map).
"""

from __future__ import annotations

import pytest

from tests.rule_checks import issues
from wizard.audit.engine import audit_document
from wizard.base.model import Severity, Trust
from wizard.rules.catalogue import get_rule
from wizard.tomlfile.document import parse_config


def custom(body: str) -> str:
    return f'[[runners]]\nname = "c"\nexecutor = "custom"\n[runners.custom]\n{body}'


RUN = 'run_exec = "/opt/driver/run"\n'
PREPARE = 'prepare_exec = "/opt/driver/prepare"\n'
CLEANUP = 'cleanup_exec = "/opt/driver/cleanup"\n'


def test_a_driver_that_prepares_but_never_cleans_up() -> None:
    text = custom(PREPARE + RUN)
    (issue,) = issues("custom-executor-no-cleanup", text)
    assert issue.table == ("runners", 0, "custom")
    assert issue.key == "cleanup_exec"
    assert "prepare_exec" in issue.message
    assert issue.edits == ()  # the driver is the operator's code: advice only
    # What prepare made is certain to stay: worse than a run-only driver.
    assert issue.severity is Severity.MEDIUM
    (public,) = issues("custom-executor-no-cleanup", text, Trust.PUBLIC)
    assert public.severity is Severity.HIGH


def test_a_run_only_driver_gets_the_rule_severity() -> None:
    (issue,) = issues("custom-executor-no-cleanup", custom(RUN))
    assert issue.severity is None
    assert "run_exec" in issue.message
    rule = get_rule("custom-executor-no-cleanup")
    assert rule.severity[Trust.MULTI_PROJECT] is Severity.LOW
    assert rule.fix is None


@pytest.mark.parametrize(
    "body",
    [
        PREPARE + RUN + CLEANUP,
        # Keys are matched like the runner's decoder matches struct fields: any case.
        PREPARE + RUN + 'Cleanup_Exec = "/opt/driver/cleanup"\n',
        # No run_exec: the runner fails the job before any stage runs.
        PREPARE,
    ],
)
def test_quiet_when_the_driver_cleans_up_or_nothing_runs(body: str) -> None:
    assert issues("custom-executor-no-cleanup", custom(body)) == []


def test_blank_cleanup_exec_counts_as_none() -> None:
    (issue,) = issues("custom-executor-no-cleanup", custom(PREPARE + RUN + 'cleanup_exec = " "\n'))
    assert issue.key == "cleanup_exec"


def test_inline_and_dotted_spellings() -> None:
    inline = '[[runners]]\nexecutor = "custom"\ncustom = { prepare_exec = "/p", run_exec = "/r" }\n'
    dotted = '[[runners]]\nexecutor = "custom"\ncustom.run_exec = "/r"\n'
    assert len(issues("custom-executor-no-cleanup", inline)) == 1
    assert len(issues("custom-executor-no-cleanup", dotted)) == 1


def test_other_executors_are_not_judged() -> None:
    text = '[[runners]]\nexecutor = "shell"\n[runners.custom]\nrun_exec = "/r"\n'
    assert issues("custom-executor-no-cleanup", text) == []


def test_finding_lands_on_the_custom_table_line() -> None:
    text = custom(PREPARE + RUN)
    report = audit_document(parse_config(text.encode()), trust=Trust.MULTI_PROJECT)
    (finding,) = [f for f in report if f.rule == "custom-executor-no-cleanup"]
    assert finding.line == 4


# --- the instance executor's VM isolation settings ------------------------------------------


def test_nested_vm_password_and_nesting_config_credentials() -> None:
    text = (
        '[[runners]]\nexecutor = "instance"\n[runners.autoscaler]\nplugin = "x"\n'
        "max_use_count = 1\n"
        "[runners.autoscaler.vm_isolation]\nenabled = true\n"
        'nesting_config = { api_token = "abcdefabcdef1234", region = "eu" }\n'
        '[runners.autoscaler.vm_isolation.connector_config]\nusername = "admin"\n'
        'password = "s3cretpassword"\n'
    )
    found = issues("plaintext-secrets", text)
    assert sorted((issue.table, issue.key) for issue in found) == [
        (("runners", 0, "autoscaler", "vm_isolation", "connector_config"), "password"),
        (("runners", 0, "autoscaler", "vm_isolation", "nesting_config"), "api_token"),
    ]
    assert not any("s3cret" in issue.message or "abcdef" in issue.message for issue in found)


def test_nested_vm_per_job_is_not_reuse() -> None:
    """acquisition.go: with vm_isolation each job gets a nested VM, deleted at its end."""
    text = (
        '[[runners]]\nexecutor = "instance"\n[runners.autoscaler]\nplugin = "x"\n'
        "max_use_count = 0\ncapacity_per_instance = 2\n"
        "[runners.autoscaler.vm_isolation]\nenabled = true\n"
    )
    assert issues("autoscaler-vm-reuse", text) == []
    assert issues("job-cleanup-disabled", text) == []


def test_instance_vm_reuse_is_a_shared_host() -> None:
    """instance.go: jobs run on the VM itself, in a builds directory shared between jobs
    (SharedBuildsDir) unless max_use_count = 1 or vm_isolation."""
    text = (
        '[[runners]]\nexecutor = "instance"\n[runners.autoscaler]\nplugin = "x"\n'
        "max_use_count = 10\n"
    )
    assert [i.key for i in issues("autoscaler-vm-reuse", text)] == ["max_use_count"]
    assert len(issues("job-cleanup-disabled", text)) == 1
