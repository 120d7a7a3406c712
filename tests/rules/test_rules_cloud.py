"""cloud-metadata-reachable: what a job can take from the instance metadata service.

Rests on the docker-machine amazonec2 driver options the runner passes through
(docs/configuration/runner_autoscale_aws/, MachineOptions) and on the security
page's network segmentation advice (docs/security/_index.md).
"""

from __future__ import annotations

from tests.rule_checks import fixed, issues
from wizard.base.model import Trust


def machine(options: str) -> str:
    return (
        '[[runners]]\nexecutor = "docker+machine"\n[runners.machine]\n'
        f'MachineDriver = "amazonec2"\nMachineOptions = {options}\n'
    )


def test_with_an_instance_profile_the_role_credentials_are_at_stake() -> None:
    text = machine('["amazonec2-iam-instance-profile=ci-role", "amazonec2-region=eu-west-1"]')
    (issue,) = issues("cloud-metadata-reachable", text)
    assert "instance role's credentials" in issue.message
    assert issue.severity is None
    data = fixed("cloud-metadata-reachable", text)
    assert "amazonec2-metadata-token=required" in data["runners"][0]["machine"]["MachineOptions"]


def test_without_an_instance_profile_no_credentials_are_claimed() -> None:
    text = machine('["amazonec2-region=eu-west-1"]')
    (issue,) = issues("cloud-metadata-reachable", text)
    assert "no instance profile" in issue.message
    assert "role's credentials" not in issue.message
    assert issue.severity == "low"
    assert issues("cloud-metadata-reachable", text, Trust.PUBLIC)[0].severity == "medium"
