"""Rules for the Kubernetes executor's pod and container security settings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.config_reading import get_ci, has_ci, runner_path, spelled, strings, sub_table
from wizard.model import Edit, Executor, FixSafety, Issue, SetValue, Severity
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for
from wizard.rules.privilege_rules import K8S_CONTAINER_CONTEXTS

_S = Severity
KUBERNETES = frozenset({Executor.KUBERNETES})
K8S_DOCS = f"{DOCS}/executors/kubernetes/"


# --- k8s-privilege-escalation ---------------------------------------------------------------


def _escalation_edits(
    index: int, path: tuple[str | int, ...], table: Mapping[str, Any], privileged: bool
) -> tuple[Edit, ...]:
    """Forbid escalation here, and drop privileged mode too where it would apply.

    Kubernetes refuses a container that is privileged yet forbids escalation,
    so applying only half of this would stop every job from starting.
    """
    edits: list[Edit] = [SetValue(path, spelled(table, "allow_privilege_escalation"), False)]
    if privileged:
        edits.append(SetValue(path, spelled(table, "privileged"), False))
    return tuple(edits)


def _privilege_escalation(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        k8s_path = runner_path(entry.index, "kubernetes")
        pod_privileged = get_ci(k8s, "privileged") is True
        if get_ci(k8s, "allow_privilege_escalation") is not False:
            edits = list(_escalation_edits(entry.index, k8s_path, k8s, pod_privileged))
            for name in K8S_CONTAINER_CONTEXTS:
                context = sub_table(k8s, name)
                inherits = not has_ci(context, "allow_privilege_escalation")
                if inherits and get_ci(context, "privileged") is True:
                    path = runner_path(entry.index, "kubernetes", name)
                    edits.append(SetValue(path, spelled(context, "privileged"), False))
            yield Issue(
                "allow_privilege_escalation is not false: job processes may gain more "
                "privileges than they started with",
                k8s_path,
                spelled(k8s, "allow_privilege_escalation"),
                entry.index,
                tuple(edits),
            )
        for name in K8S_CONTAINER_CONTEXTS:
            context = sub_table(k8s, name)
            if get_ci(context, "allow_privilege_escalation") is not True:
                continue
            own = get_ci(context, "privileged")
            privileged = own is True or (own is None and pod_privileged)
            path = runner_path(entry.index, "kubernetes", name)
            yield Issue(
                f"{name} allow_privilege_escalation = true: that container may gain privileges",
                path,
                spelled(context, "allow_privilege_escalation"),
                entry.index,
                _escalation_edits(entry.index, path, context, privileged),
            )


K8S_PRIVILEGE_ESCALATION = Rule(
    id="k8s-privilege-escalation",
    title="Job pods allow privilege escalation",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=KUBERNETES,
    rationale=(
        "Unless allow_privilege_escalation is false, setuid binaries such as sudo can lift a "
        "process in the job pod above the privileges it started with. Leaving the key out "
        "leaves the decision to cluster defaults, which usually allow it."
    ),
    doc_url=f"{K8S_DOCS}#set-a-security-policy-for-the-pod",
    table="runners.kubernetes",
    key="allow_privilege_escalation",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Set allow_privilege_escalation = false (and privileged = false, which Kubernetes "
        "requires with it); jobs that use sudo then fail."
    ),
    check=_privilege_escalation,
)


# --- k8s-run-as-root ---------------------------------------------------------------------------


def _non_root(context: Mapping[str, Any]) -> bool | None:
    """``True``/``False`` when the context decides the user, ``None`` when it leaves it open."""
    user = get_ci(context, "run_as_user")
    if isinstance(user, int) and not isinstance(user, bool):
        return user != 0
    if get_ci(context, "run_as_non_root") is True:
        return True
    return None


def _run_as_root(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        build = sub_table(k8s, "build_container_security_context")
        pod = sub_table(k8s, "pod_security_context")
        decided = _non_root(build)
        if decided is None:
            decided = _non_root(pod)
        if not decided:
            yield Issue(
                "neither run_as_non_root nor a non-zero run_as_user is set for the build "
                "container: jobs may run as root",
                runner_path(entry.index, "kubernetes", "pod_security_context"),
                spelled(pod, "run_as_non_root"),
                entry.index,
            )
        if "0" in (user.strip() for user in strings(get_ci(k8s, "allowed_users"))):
            yield Issue(
                "allowed_users lists 0: jobs may ask to run as root",
                runner_path(entry.index, "kubernetes"),
                spelled(k8s, "allowed_users"),
                entry.index,
            )


K8S_RUN_AS_ROOT = Rule(
    id="k8s-run-as-root",
    title="Job pods may run as root",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=KUBERNETES,
    rationale=(
        "Without run_as_non_root or a non-zero run_as_user, the build container runs as "
        "whatever user its image names, which is usually root. Root inside the pod is root on "
        "the node's kernel, so any escape or writable host mount becomes a node compromise."
    ),
    doc_url=f"{K8S_DOCS}#set-a-security-policy-for-the-pod",
    table="runners.kubernetes.pod_security_context",
    key="run_as_non_root",
    fix=None,
    remedy=(
        "Set run_as_non_root = true and a non-zero run_as_user in pod_security_context, using "
        "images that work as that user, and keep 0 out of allowed_users."
    ),
    check=_run_as_root,
)


# --- k8s-automount-service-account-token -----------------------------------------------------


def _automount_token(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        if get_ci(k8s, "automount_service_account_token") is False:
            continue
        key = spelled(k8s, "automount_service_account_token")
        yield Issue(
            "automount_service_account_token is not false: every job can call the Kubernetes "
            "API as the pod's service account",
            runner_path(entry.index, "kubernetes"),
            key,
            entry.index,
            (SetValue(runner_path(entry.index, "kubernetes"), key, False),),
        )


K8S_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN = Rule(
    id="k8s-automount-service-account-token",
    title="Job pods receive a Kubernetes API token",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=KUBERNETES,
    rationale=(
        "Kubernetes mounts the service account's token into every pod unless told otherwise, "
        "so any job script can read it and act on the cluster with that account's rights. Jobs "
        "that do not deploy to the cluster never need it."
    ),
    doc_url=K8S_DOCS,
    table="runners.kubernetes",
    key="automount_service_account_token",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Set automount_service_account_token = false; jobs that deploy to this cluster then "
        "need credentials of their own."
    ),
    check=_automount_token,
)

RULES: tuple[Rule, ...] = (
    K8S_PRIVILEGE_ESCALATION,
    K8S_RUN_AS_ROOT,
    K8S_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
)
