"""Rules about the cloud around autoscaled runners: what a job can ask the instance for.

A job on a cloud VM can reach the instance metadata service and, through it,
the VM's role credentials. Requiring session tokens with a hop limit of 1
keeps containers (one hop further) from getting a token at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from wizard.base.model import Executor, FixSafety, Issue, Severity
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust
from wizard.rules.cloud_edits import cloud_edits, uses_amazonec2
from wizard.runner.reading import iter_runners, machine_options, runner_path, spelled

_S = Severity


def _imds_open(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if entry.executor is not Executor.DOCKER_MACHINE:
            continue
        if not uses_amazonec2(machine_options(ctx.data, entry.index)):
            continue
        options = machine_options(ctx.data, entry.index)
        edits = cloud_edits(ctx.data, entry.index)
        if not edits:
            continue
        if has_instance_profile(options):
            message = Message.of(
                "amazonec2 VMs do not require IMDSv2 with hop limit 1: job containers can "
                "fetch the instance role's credentials from 169.254.169.254"
            )
            severity = None
        else:
            # No amazonec2-iam-instance-profile: no role, so no credentials to take today.
            message = Message.of(
                "amazonec2 VMs do not require IMDSv2 with hop limit 1: job containers can read "
                "the instance metadata (user data, network details); no instance profile is "
                "set, so there are no role credentials there unless one is added later"
            )
            severity = by_trust(_S.INFO, _S.LOW, _S.MEDIUM)[ctx.trust]
        yield Issue(
            message=message,
            table=("runners", entry.index, "machine"),
            key="MachineOptions",
            runner_index=entry.index,
            edits=tuple(edits),
            severity=severity,
        )


def has_instance_profile(options: list[str]) -> bool:
    """True when docker-machine gives its VMs an IAM role (amazonec2-iam-instance-profile)."""
    for option in options:
        name, _, value = option.strip().lstrip("-").partition("=")
        if name.strip().casefold() == "amazonec2-iam-instance-profile" and value.strip():
            return True
    return False


IMDS_REACHABLE = Rule(
    id="cloud-metadata-reachable",
    title="Job containers can read the VM's cloud credentials",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=frozenset({Executor.DOCKER_MACHINE}),
    rationale=(
        "Every autoscaled VM answers metadata requests on 169.254.169.254, including the "
        "temporary credentials of its instance role. Without session tokens and a hop limit "
        "of 1, any job container on the VM can fetch them and act in the cloud account with "
        "the VM's permissions, long after the job ends."
    ),
    doc_url=f"{DOCS}/security/#network-segmentation",
    table="runners.machine",
    key="MachineOptions",
    fix=FixSafety.UNSAFE,
    breaks=(
        "jobs that read instance credentials or metadata from the metadata endpoint lose access"
    ),
    remedy=(
        "Add amazonec2-metadata-token=required and "
        "amazonec2-metadata-token-response-hop-limit=1 to MachineOptions; software on the VM "
        "that still uses IMDSv1 then stops getting credentials."
    ),
    check=_imds_open,
)


def _metadata_outside_config(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if entry.executor is Executor.DOCKER_AUTOSCALER:
            message = Message.of(
                "the autoscaler's VMs are cloud instances whose metadata service job containers "
                "can reach; this file cannot require IMDSv2 with a hop limit of 1 (or block "
                "169.254.169.254): the instance template or VM image must, so check it there"
            )
        elif entry.executor is Executor.INSTANCE:
            message = Message.of(
                "instance jobs run on the cloud VM itself, one hop from its metadata service: "
                "IMDSv2 with a hop limit of 1 does not stop them; give the VMs no instance role "
                "jobs may not hold, or drop 169.254.169.254 for the job user in the VM image"
            )
        else:
            continue
        yield Issue(
            message,
            runner_path(entry.index),
            spelled(entry.data, "executor"),
            entry.index,
        )


METADATA_OUTSIDE_CONFIG = Rule(
    id="cloud-metadata-outside-config",
    title="Whether jobs reach the VMs' cloud credentials is set outside this file",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=frozenset({Executor.DOCKER_AUTOSCALER, Executor.INSTANCE}),
    rationale=(
        "Autoscaled VMs answer metadata requests, including their instance role's "
        "credentials. For docker-autoscaler and instance runners the VM's metadata options "
        "live in the cloud's instance template, not in config.toml, so an audit of the file "
        "cannot tell. A hop limit of 1 with required session tokens keeps Docker containers "
        "out; it does not keep out instance jobs, which run on the VM itself."
    ),
    doc_url=f"{DOCS}/security/#network-segmentation",
    table="runners",
    key="executor",
    fix=None,
    remedy=(
        "docker-autoscaler: require IMDSv2 with a hop limit of 1 in the instance template. "
        "instance: attach no role jobs may not hold, or drop the metadata address for the job "
        "user in the VM image (runner-wizard artifacts writes both steps into the checklist)."
    ),
    check=_metadata_outside_config,
)

RULES: tuple[Rule, ...] = (IMDS_REACHABLE, METADATA_OUTSIDE_CONFIG)
