"""Rules for the Kubernetes executor's pod and container security settings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import Edit, Executor, FixSafety, Issue, SetValue, Severity, Trust
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for
from wizard.rules.privilege_rules import K8S_CONTAINER_CONTEXTS
from wizard.runner.reading import (
    feature_flag,
    feature_flag_default,
    get_ci,
    has_ci,
    runner_path,
    spelled,
    strings,
    sub_table,
)
from wizard.runner.settings import (
    ESCALATION_BREAKS,
    KUBERNETES_PULL_ALWAYS_BREAKS,
    SERVICE_ACCOUNT_TOKEN_BREAKS,
)

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
        # GetContainerSecurityContext (common/config.go): a container's own value wins over
        # the pod-wide one, so when every container forbids escalation the pod-wide gap
        # reaches none of them.
        every_container_forbids = all(
            get_ci(sub_table(k8s, name), "allow_privilege_escalation") is False
            for name in K8S_CONTAINER_CONTEXTS
        )
        if get_ci(k8s, "allow_privilege_escalation") is not False and not every_container_forbids:
            edits = list(_escalation_edits(entry.index, k8s_path, k8s, pod_privileged))
            for name in K8S_CONTAINER_CONTEXTS:
                context = sub_table(k8s, name)
                inherits = not has_ci(context, "allow_privilege_escalation")
                if inherits and get_ci(context, "privileged") is True:
                    path = runner_path(entry.index, "kubernetes", name)
                    edits.append(SetValue(path, spelled(context, "privileged"), False))
            yield Issue(
                Message.of(
                    "allow_privilege_escalation is not false: job processes may gain more "
                    "privileges than they started with"
                ),
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
                Message.of(
                    "{name} allow_privilege_escalation = true: that container may gain privileges",
                    name=name,
                ),
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
    breaks=ESCALATION_BREAKS,
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
                Message.of(
                    "neither run_as_non_root nor a non-zero run_as_user is set for the build "
                    "container: jobs may run as root"
                ),
                runner_path(entry.index, "kubernetes", "pod_security_context"),
                spelled(pod, "run_as_non_root"),
                entry.index,
            )
        if "0" in (user.strip() for user in strings(get_ci(k8s, "allowed_users"))):
            yield Issue(
                Message.of("allowed_users lists 0: jobs may ask to run as root"),
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
            Message.of(
                "automount_service_account_token is not false: every job can call the Kubernetes "
                "API as the pod's service account"
            ),
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
    breaks=SERVICE_ACCOUNT_TOKEN_BREAKS,
    remedy=(
        "Set automount_service_account_token = false; jobs that deploy to this cluster then "
        "need credentials of their own."
    ),
    check=_automount_token,
)

# --- k8s-job-overrides ------------------------------------------------------------------------

_OVERRIDES = (
    ("namespace_overwrite_allowed", "jobs choose the namespace their pod runs in"),
    ("service_account_overwrite_allowed", "jobs choose the service account, and its API rights"),
    ("pod_annotations_overwrite_allowed", "jobs set pod annotations (sidecars, profiles, policy)"),
    ("pod_labels_overwrite_allowed", "jobs set pod labels that network policies select on"),
    ("node_tolerations_overwrite_allowed", "jobs tolerate taints, reaching reserved nodes"),
    ("node_selector_overwrite_allowed", "jobs choose the nodes they run on"),
)
"""Regexes naming what a job may override with a variable; empty means no override."""


def _anchored(pattern: str) -> bool:
    return pattern.startswith("^") and pattern.endswith("$")


def _job_overrides(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        path = runner_path(entry.index, "kubernetes")
        for key, effect in _OVERRIDES:
            pattern = get_ci(k8s, key)
            if not isinstance(pattern, str) or pattern == "":
                continue
            written = spelled(k8s, key)
            loose = (
                Message.of("")
                if _anchored(pattern)
                else Message.of(
                    " (the pattern is not anchored with ^...$, so any value that merely "
                    "contains a match passes)"
                )
            )
            yield Issue(
                Message.of(
                    "{written} = {pattern!r}: {effect}{loose}",
                    written=written,
                    pattern=pattern,
                    effect=effect,
                    loose=loose,
                ),
                path,
                written,
                entry.index,
                (SetValue(path, written, ""),),
            )
        if get_ci(k8s, "bearer_token_overwrite_allowed") is True:
            written = spelled(k8s, "bearer_token_overwrite_allowed")
            yield Issue(
                Message.of(
                    "{written} = true: jobs supply the token the runner uses to create their pod, "
                    "and with it any namespace and rights that token has",
                    written=written,
                ),
                path,
                written,
                entry.index,
                (SetValue(path, written, False),),
            )


K8S_JOB_OVERRIDES = Rule(
    id="k8s-job-overrides",
    title="Jobs may override where and as whom their pod runs",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=KUBERNETES,
    rationale=(
        "Each *_overwrite_allowed setting is a regular expression that job variables such as "
        "KUBERNETES_NAMESPACE_OVERWRITE must match (evaluateOverwrite in "
        "executors/kubernetes/overwrites.go); Go's MatchString is not anchored, so 'ci-.*' "
        "also admits 'prod-ci-x'. A job that picks another namespace, service account or "
        "bearer token leaves the isolation the operator set up; annotations, labels, "
        "tolerations and node selectors steer it past policies and onto reserved nodes."
    ),
    doc_url=f"{K8S_DOCS}#overwrite-the-kubernetes-namespace",
    table="runners.kubernetes",
    key="namespace_overwrite_allowed",
    fix=FixSafety.UNSAFE,
    breaks="jobs that set KUBERNETES_*_OVERWRITE variables then run with the runner's defaults",
    remedy=(
        "Empty the *_overwrite_allowed settings (and bearer_token_overwrite_allowed = false), or "
        "anchor each pattern (^ci-[a-z0-9-]+$) to exactly what jobs may choose."
    ),
    check=_job_overrides,
)


# --- k8s-pull-policy-unset ---------------------------------------------------------------------


def _pull_policy_unset(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.trust is Trust.SINGLE_PROJECT:
        return
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        if strings(get_ci(k8s, "pull_policy")):
            continue
        path = runner_path(entry.index, "kubernetes")
        yield Issue(
            Message.of(
                "pull_policy is unset: the cluster's default applies, which is IfNotPresent for "
                "any image with a tag other than latest, so a job can run a private image another "
                "project pulled onto the node"
            ),
            path,
            spelled(k8s, "pull_policy"),
            entry.index,
            (SetValue(path, spelled(k8s, "pull_policy"), "always"),),
        )


K8S_PULL_POLICY_UNSET = Rule(
    id="k8s-pull-policy-unset",
    title="Kubernetes decides the pull policy",
    severity=by_trust(_S.INFO, _S.MEDIUM, _S.HIGH),
    executors=KUBERNETES,
    rationale=(
        "Without pull_policy the runner leaves imagePullPolicy empty (GetPullPolicies in "
        "common/config.go), and Kubernetes then uses IfNotPresent for tagged images: an image "
        "already on the node runs without the registry checking that this job may pull it. "
        "That is the private-image risk of if-not-present, chosen silently."
    ),
    doc_url=f"{K8S_DOCS}#set-a-pull-policy",
    table="runners.kubernetes",
    key="pull_policy",
    fix=FixSafety.UNSAFE,
    breaks=KUBERNETES_PULL_ALWAYS_BREAKS,
    remedy='Set pull_policy = "always" in [runners.kubernetes].',
    check=_pull_policy_unset,
)


# --- k8s-default-drop-replaced ------------------------------------------------------------------


def _default_drop_replaced(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        for name in K8S_CONTAINER_CONTEXTS:
            capabilities = sub_table(sub_table(k8s, name), "capabilities")
            if not has_ci(capabilities, "drop"):
                continue
            raw = get_ci(capabilities, "drop")
            dropped = {item.strip().upper().removeprefix("CAP_") for item in strings(raw)}
            if dropped & {"NET_RAW", "ALL"}:
                continue
            key = spelled(capabilities, "drop")
            path = runner_path(entry.index, "kubernetes", name, "capabilities")
            kept = list(raw) if isinstance(raw, list) else strings(raw)
            yield Issue(
                Message.of(
                    "{name} capabilities.{key} = {strings} replaces the runner's default "
                    "drop list, so NET_RAW is kept: jobs can craft raw packets and spoof on the "
                    "node's network",
                    name=name,
                    key=key,
                    strings=str(strings(raw)),
                ),
                path,
                key,
                entry.index,
                (SetValue(path, key, [*kept, "NET_RAW"]),),
            )


K8S_DEFAULT_DROP_REPLACED = Rule(
    id="k8s-default-drop-replaced",
    title="A container's drop list removes the default NET_RAW drop",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.MEDIUM),
    executors=KUBERNETES,
    rationale=(
        "The runner drops NET_RAW from every Linux container by default (defaultCapDrop in "
        "executors/kubernetes/kubernetes.go), but a container security context's own "
        "capabilities.drop replaces that list instead of adding to it "
        "(mergeCapabilitiesAddDrop in common/config.go): drop = [] or a list without NET_RAW "
        "quietly hands jobs raw sockets again."
    ),
    doc_url=f"{K8S_DOCS}#default-list-of-dropped-capabilities",
    table="runners.kubernetes.build_container_security_context.capabilities",
    key="drop",
    fix=FixSafety.UNSAFE,
    breaks="jobs that use ping or other raw-socket tools",
    remedy="Add NET_RAW to that container's capabilities.drop.",
    check=_default_drop_replaced,
)


# --- k8s-host-path-propagation ------------------------------------------------------------------


def _any_container_privileged(k8s: Mapping[str, Any]) -> bool:
    """True when some container of the job pod runs privileged (pod-wide or its own context)."""
    if get_ci(k8s, "privileged") is True:
        return True
    contexts = (sub_table(k8s, name) for name in K8S_CONTAINER_CONTEXTS)
    return any(get_ci(context, "privileged") is True for context in contexts)


def _bidirectional(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        volumes = get_ci(sub_table(k8s, "volumes"), "host_path")
        items = volumes if isinstance(volumes, list) else [volumes]
        privileged = _any_container_privileged(k8s)
        for item in items:
            if not isinstance(item, Mapping):
                continue
            mode = get_ci(item, "mount_propagation")
            if not isinstance(mode, str) or mode.strip().casefold() != "bidirectional":
                continue
            name = get_ci(item, "name")
            label = Message.of(" ({name})", name=name) if isinstance(name, str) else Message.of("")
            if not privileged:
                # validateMountPropagation (Kubernetes pkg/apis/core/validation): the API
                # server refuses Bidirectional in a container that is not privileged.
                yield Issue(
                    Message.of(
                        "host_path volume{label} uses mount_propagation = {mode!r} without "
                        "privileged mode: Kubernetes rejects such a pod, so no job of this runner "
                        "starts (a broken config, not an exposure)",
                        label=label,
                        mode=mode,
                    ),
                    runner_path(entry.index, "kubernetes", "volumes"),
                    "host_path",
                    entry.index,
                    severity=Severity.LOW,
                )
                continue
            yield Issue(
                Message.of(
                    "host_path volume{label} uses mount_propagation = {mode!r}: mounts a job makes "
                    "there appear on the node itself",
                    label=label,
                    mode=mode,
                ),
                runner_path(entry.index, "kubernetes", "volumes"),
                "host_path",
                entry.index,
            )


K8S_BIDIRECTIONAL_MOUNT = Rule(
    id="k8s-bidirectional-mount",
    title="A host path propagates mounts back to the node",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=KUBERNETES,
    rationale=(
        "With Bidirectional propagation, mounts made inside the container show up on the node "
        "and in every pod that shares the path, so a job can reshape the node's filesystem "
        "view. Kubernetes accepts it only in privileged containers: without privileged mode "
        "the API server rejects the pod and no job starts, which is reported as a broken "
        "config at low severity."
    ),
    doc_url=f"{K8S_DOCS}#hostpath-volume",
    table="runners.kubernetes.volumes.host_path",
    key="mount_propagation",
    fix=None,
    remedy='Use mount_propagation = "None" (or HostToContainer when a job must see new mounts).',
    check=_bidirectional,
)


# --- k8s-pod-spec-patches -------------------------------------------------------------------

_POD_SPEC_FLAG = "FF_USE_ADVANCED_POD_SPEC_CONFIGURATION"
_POD_SPEC_RISKS = ("privileged", "hostNetwork", "hostPID", "hostIPC", "hostPath", "Unconfined")


def _pod_spec(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        patches = get_ci(k8s, "pod_spec")
        if not isinstance(patches, list) or not patches:
            continue
        pinned = feature_flag(entry.data, _POD_SPEC_FLAG)
        if pinned is False:
            continue
        text = " ".join(
            str(get_ci(patch, "patch") or "") for patch in patches if isinstance(patch, Mapping)
        )
        risky = [word for word in _POD_SPEC_RISKS if word.casefold() in text.casefold()]
        detail = (
            Message.of("; they mention {risky}", risky=", ".join(risky))
            if risky
            else Message.of("")
        )
        if pinned:
            when = Message.of(
                "pod_spec patches apply ({pod_spec_flag} = true)", pod_spec_flag=_POD_SPEC_FLAG
            )
        else:
            # populateFeatureFlags (common/build_settings.go): an unpinned flag is read from
            # the job's variables, the runner's environment entries among them.
            default = feature_flag_default(entry.data, _POD_SPEC_FLAG)
            said = "environment turns it on and " if default else ""
            when = Message.of(
                "pod_spec patches apply whenever {pod_spec_flag} is on, and it is not pinned "
                "in [runners.feature_flags]: {said}any job can set it as a variable",
                pod_spec_flag=_POD_SPEC_FLAG,
                said=said,
            )
        yield Issue(
            Message.of(
                "{when}; they can change any field of the job pod, past the settings this audit "
                "checks{detail}",
                when=when,
                detail=detail,
            ),
            runner_path(entry.index, "kubernetes"),
            spelled(k8s, "pod_spec"),
            entry.index,
        )


K8S_POD_SPEC_PATCHES = Rule(
    id="k8s-pod-spec-patches",
    title="Pod spec patches override the checked settings",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=KUBERNETES,
    rationale=(
        "With FF_USE_ADVANCED_POD_SPEC_CONFIGURATION on, each [[runners.kubernetes.pod_spec]] "
        "patch is applied to the generated pod last, so it can turn on privileged mode, host "
        "namespaces or host paths whatever the settings this audit reads say. A flag left "
        "unpinned is a job's choice: a job variable turns the patches on. The audit cannot "
        "judge a patch; someone has to read it."
    ),
    doc_url=f"{K8S_DOCS}#overwrite-generated-pod-specifications",
    table="runners.kubernetes",
    key="pod_spec",
    fix=None,
    remedy=(
        "Review every pod_spec patch as you would the settings it overrides, and pin "
        "FF_USE_ADVANCED_POD_SPEC_CONFIGURATION in [runners.feature_flags] (false unless you "
        "use the patches) so that jobs cannot switch them on."
    ),
    check=_pod_spec,
)


# --- k8s-privileged-without-escalation -------------------------------------------------------


def _effective(k8s: Mapping[str, Any], context: Mapping[str, Any], key: str) -> Any:
    """A container's own value, else the pod-wide one.

    common/config.go getContainerSecurityContextEffectiveFlagValue.
    """
    own = get_ci(context, key)
    return own if isinstance(own, bool) else get_ci(k8s, key)


def _privileged_without_escalation(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, KUBERNETES):
        k8s = sub_table(entry.data, "kubernetes")
        clashing = [
            name.removesuffix("_security_context")
            for name in K8S_CONTAINER_CONTEXTS
            if _effective(k8s, sub_table(k8s, name), "privileged") is True
            and _effective(k8s, sub_table(k8s, name), "allow_privilege_escalation") is False
        ]
        if not clashing:
            continue
        always = {"build_container", "helper_container"} & set(clashing)
        when = (
            Message.of("no job of this runner starts")
            if always
            else Message.of("jobs that start those fail")
        )
        yield Issue(
            Message.of(
                "privileged = true with allow_privilege_escalation = false for "
                "{clashing}: Kubernetes rejects such a container, so {when}",
                clashing=", ".join(clashing),
                when=when,
            ),
            runner_path(entry.index, "kubernetes"),
            spelled(k8s, "allow_privilege_escalation"),
            entry.index,
        )


K8S_PRIVILEGED_WITHOUT_ESCALATION = Rule(
    id="k8s-privileged-without-escalation",
    title="Privileged job containers that forbid privilege escalation never start",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=KUBERNETES,
    rationale=(
        "A privileged container can do everything, so Kubernetes refuses one that also says "
        "allowPrivilegeEscalation: false (ValidateSecurityContext in pkg/apis/core/validation). "
        "The runner copies both settings into each container, a container's own value over "
        "the pod-wide one: where they meet, the pod is rejected and the runner's jobs fail "
        "before their first line. A broken config, not an exposure."
    ),
    doc_url=f"{K8S_DOCS}#set-a-security-policy-for-the-pod",
    table="runners.kubernetes",
    key="allow_privilege_escalation",
    fix=None,
    remedy=(
        "Decide per container: drop privileged (and keep allow_privilege_escalation = false), "
        "or, for a container that must be privileged, leave allow_privilege_escalation unset."
    ),
    check=_privileged_without_escalation,
)


RULES: tuple[Rule, ...] = (
    K8S_PRIVILEGE_ESCALATION,
    K8S_PRIVILEGED_WITHOUT_ESCALATION,
    K8S_RUN_AS_ROOT,
    K8S_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
    K8S_JOB_OVERRIDES,
    K8S_PULL_POLICY_UNSET,
    K8S_DEFAULT_DROP_REPLACED,
    K8S_BIDIRECTIONAL_MOUNT,
    K8S_POD_SPEC_PATCHES,
)
