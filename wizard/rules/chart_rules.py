"""Rules for the gitlab-runner Helm chart's own values and the Operator's Runner spec.

These read :attr:`AuditContext.chart` (the values around an embedded config)
and say nothing for a plain config.toml. Their table paths start with
``@values``, so findings point at lines of the YAML file and fixes replace a
value where it is written. Chart facts (checked against the chart's templates):
``runners.config`` is rendered with ``tpl`` into ``config.template.toml`` and
passed to ``register --template-config``; ``RUNNER_EXECUTOR`` defaults to
``kubernetes``; an ``rbac.rules`` entry without ``resources`` or ``verbs`` means
``"*"``; ``sessionServer.serviceType`` defaults to ``LoadBalancer``; a values
file merges over the chart's defaults, so only what it writes is judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import FixSafety, Issue, SetValue, Severity, TablePath
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust
from wizard.runner.reading import (
    container_table_name,
    get_ci,
    is_true,
    iter_runners,
    runner_path,
    spelled,
    sub_table,
)

_S = Severity
CHART = "@values"
"""The first item of a table path in the chart's values (see wizard.embedded.document)."""
CHART_DOCS = "https://docs.gitlab.com/runner/install/kubernetes/"
CHART_CONFIG_DOCS = "https://docs.gitlab.com/runner/install/kubernetes_helm_chart_configuration/"
"""The chart's optional settings (RBAC, privileged, non-root) moved here from CHART_DOCS."""
SETUP = f"{CHART_DOCS}#configure-gitlab-runner-with-the-helm-chart"
"""Where the docs name gitlabUrl and runnerToken, and say the token may live in a Secret."""
SESSION_SERVER_DOCS = f"{DOCS}/configuration/advanced-configuration/#the-session_server-section"
TEMPLATE_DOCS = f"{DOCS}/register/#register-with-a-configuration-template"
"""Where the docs say the environment takes precedence over the config template."""
LEGACY_REGISTRATION_DOCS = f"{DOCS}/register/#legacy-compatible-registration-process"


def _helm(ctx: AuditContext) -> Mapping[str, Any] | None:
    return ctx.chart if ctx.chart is not None and ctx.chart_kind == "helm" else None


def _at(values: Mapping[str, Any] | None, *path: str) -> Any:
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _templated(value: Any) -> bool:
    """A value Helm fills in at render time (blanked to ``_`` for reading) or from the env."""
    return isinstance(value, str) and (
        (bool(value) and set(value) <= {"_"}) or value.startswith("$") or "{{" in value
    )


def _table(*path: str | int) -> TablePath:
    return (CHART, *path)


# --- tokens --------------------------------------------------------------------------------


def _token_in_values(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    for key in ("runnerToken", "runnerRegistrationToken"):
        value = _at(values, key)
        if isinstance(value, str) and value.strip() and not _templated(value):
            yield Issue(
                Message.of(
                    "{key} is written in the values: anyone who can read this file or the "
                    "release's history can register jobs as this runner",
                    key=key,
                ),
                _table(),
                key,
            )


CHART_TOKEN_IN_VALUES = Rule(
    id="chart-token-in-values",
    title="The runner token is written in the Helm values",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "Values files live in Git repositories, CI variables and Helm's release history, all "
        "read by more people than should hold the runner's token. Whoever has the token can "
        "pick up jobs, and with them the CI variables and secrets jobs receive."
    ),
    doc_url=SETUP,
    table="values",
    key="runnerToken",
    fix=None,
    remedy=(
        "Put the token in a Kubernetes Secret (keys runner-token and runner-registration-token) "
        "and name it in runners.secret; remove runnerToken and runnerRegistrationToken."
    ),
    check=_token_in_values,
)


def _auth_token_as_registration(ctx: AuditContext) -> Iterator[Issue]:
    value = _at(_helm(ctx), "runnerRegistrationToken")
    if isinstance(value, str) and value.strip().startswith("glrt-"):
        yield Issue(
            Message.of(
                "runnerRegistrationToken holds a runner authentication token (glrt-): registration "
                "works, but the chart's locked, protected, runUntagged and tags values are ignored "
                "(the runner only warns), and when the pod stops (unregisterRunners) only this "
                "pod's runner manager is deleted, so the token keeps working"
            ),
            _table(),
            "runnerRegistrationToken",
        )


CHART_AUTH_TOKEN_AS_REGISTRATION = Rule(
    id="chart-auth-token-as-registration-token",
    title="An authentication token is given as a registration token",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "Given a glrt- token as its registration token, the runner registers in its legacy-"
        "compatible way: the settings the chart passes along (locked, protected, run untagged, "
        "tags) are dropped with a warning, so the runner takes whatever jobs GitLab's own "
        "settings for it allow, not what the values file says. The pod's unregister hook "
        "deletes only the runner manager (commands/unregister.go), so the token stays valid "
        "after the release is gone."
    ),
    doc_url=LEGACY_REGISTRATION_DOCS,
    table="values",
    key="runnerRegistrationToken",
    fix=None,
    remedy=(
        "Move the glrt- token to runnerToken (better: to the Secret named in runners.secret) "
        "and set locked, protected, run untagged and tags on the runner in GitLab."
    ),
    check=_auth_token_as_registration,
)


# --- misplaced values ------------------------------------------------------------------------


def _config_ignored(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    if values is None or not isinstance(values.get("config"), str):
        return
    yield Issue(
        Message.of(
            "config is set at the top level: the chart only reads runners.config, so this TOML "
            "never reaches the runner"
        ),
        _table(),
        "config",
    )


CHART_CONFIG_IGNORED = Rule(
    id="chart-config-ignored",
    title="A config block the chart never reads",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "The chart renders runners.config into the template it registers with; a config key "
        "anywhere else is silently ignored, so the hardening it holds does not apply."
    ),
    doc_url=SETUP,
    table="values",
    key="config",
    fix=None,
    remedy="Move the block under runners: as runners.config.",
    check=_config_ignored,
)


# Settings the runner's register command reads from the environment (the ``env:`` tags
# of common/config.go). Registration merges the config template only into what the
# environment left empty (commands/register.go, configTemplate.MergeTo uses mergo.Merge
# without override), so these beat whatever runners.config says.
_ENV_TRUE_ONLY = frozenset(
    {
        "KUBERNETES_PRIVILEGED",
        "DOCKER_PRIVILEGED",
        "DOCKER_SERVICES_PRIVILEGED",
        "KUBERNETES_ALLOW_PRIVILEGE_ESCALATION",
        "KUBERNETES_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN",
    }
)
_ENV_ANY_VALUE = frozenset(
    {
        "KUBERNETES_CAP_ADD",
        "DOCKER_CAP_ADD",
        "DOCKER_DEVICES",
        "DOCKER_SERVICES_DEVICES",
        "DOCKER_VOLUMES",
        "DOCKER_SECURITY_OPT",
        "DOCKER_USERNS_MODE",
        "KUBERNETES_SERVICE_ACCOUNT",
        "KUBERNETES_ALLOWED_IMAGES",
        "KUBERNETES_ALLOWED_SERVICES",
        "KUBERNETES_ALLOWED_USERS",
        "KUBERNETES_ALLOWED_GROUPS",
        "KUBERNETES_ALLOWED_PULL_POLICIES",
        "KUBERNETES_PULL_POLICY",
        "KUBERNETES_HELPER_IMAGE",
        "DOCKER_ALLOWED_IMAGES",
        "DOCKER_ALLOWED_SERVICES",
        "DOCKER_ALLOWED_PRIVILEGED_IMAGES",
        "DOCKER_ALLOWED_PRIVILEGED_SERVICES",
        "DOCKER_ALLOWED_PULL_POLICIES",
        "DOCKER_PULL_POLICY",
        "DOCKER_HELPER_IMAGE",
    }
)
_TRUE_WORDS = frozenset({"1", "t", "true"})


def _env_entries(values: Mapping[str, Any]) -> Iterator[tuple[TablePath, str, str, Any]]:
    """(table, key, variable name, value) for each envVars item and extraEnv key."""
    env_vars = values.get("envVars")
    if isinstance(env_vars, list):
        for index, item in enumerate(env_vars):
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                yield _table("envVars", index), "name", item["name"], item.get("value")
    extra = values.get("extraEnv")
    if isinstance(extra, Mapping):
        for name, value in extra.items():
            if isinstance(name, str):
                yield _table("extraEnv"), name, name, value


def _env_overrides(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    if values is None:
        return
    for table, key, name, value in _env_entries(values):
        upper = name.strip().upper()
        if upper in _ENV_TRUE_ONLY:
            if str(value).strip().lower() not in _TRUE_WORDS:
                continue
        elif upper not in _ENV_ANY_VALUE and not upper.endswith("_OVERWRITE_ALLOWED"):
            continue
        yield Issue(
            Message.of(
                "{name} is set in the manager's environment: registration keeps it over "
                "runners.config, so job pods get this value whatever the audited config says",
                name=name,
            ),
            table,
            key,
        )


CHART_ENV_OVERRIDES_CONFIG = Rule(
    id="chart-env-overrides-config",
    title="Manager environment variables override runners.config",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=None,
    rationale=(
        "The chart passes envVars and extraEnv to the registering runner, which reads many "
        "settings from the environment (privileged mode, added capabilities, the overwrite "
        "allowlists, the service account, allowed images). The config template only fills in "
        "what the environment left unset, so a variable here silently beats the hardened "
        "runners.config this audit reads."
    ),
    doc_url=TEMPLATE_DOCS,
    table="values",
    key="extraEnv",
    fix=None,
    remedy=(
        "Remove the variable from envVars or extraEnv and write the setting in runners.config, "
        "where it is reviewed and audited."
    ),
    check=_env_overrides,
)


def _config_path(ctx: AuditContext) -> Iterator[Issue]:
    runners = _at(_helm(ctx), "runners")
    if not isinstance(runners, Mapping):
        return
    path = runners.get("configPath")
    if isinstance(path, str) and path.strip() and not runners.get("config"):
        # templates/configmap.yaml: --template-config {{ .Values.runners.configPath }}
        # only when runners.config is empty.
        yield Issue(
            Message.of(
                "runners.configPath: the runner is registered from {path}, a file outside this "
                "values file that this audit cannot see",
                path=path,
            ),
            _table("runners"),
            "configPath",
        )


CHART_CONFIG_PATH_UNSEEN = Rule(
    id="chart-config-path-unseen",
    title="The runner's config template is a file this audit cannot see",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "With runners.configPath and no runners.config the chart registers the runner from a "
        "template mounted from elsewhere (a Secret or ConfigMap volume). Nothing in this file "
        "says whether jobs run privileged or what they may mount, so a clean audit of it means "
        "nothing about the runner."
    ),
    doc_url=TEMPLATE_DOCS,
    table="values.runners",
    key="configPath",
    fix=None,
    remedy=(
        "Audit the mounted template as well (runner-wizard audit on the ConfigMap or file), "
        "or move it into runners.config."
    ),
    check=_config_path,
)


# --- privileges ------------------------------------------------------------------------------


def _config_privileged(ctx: AuditContext) -> bool:
    """True when runners.config itself makes job containers privileged."""
    for entry in iter_runners(ctx.data):
        table = container_table_name(entry.executor)
        if table is not None and is_true(get_ci(sub_table(entry.data, table), "privileged")):
            return True
    return False


def _config_says_unprivileged(ctx: AuditContext) -> bool:
    """True when runners.config writes privileged = false for a runner's containers."""
    for entry in iter_runners(ctx.data):
        table = container_table_name(entry.executor)
        if table is not None and get_ci(sub_table(entry.data, table), "privileged") is False:
            return True
    return False


def _legacy_privileged(ctx: AuditContext) -> Iterator[Issue]:
    runners = _at(_helm(ctx), "runners")
    if not isinstance(runners, Mapping):
        return
    if runners.get("privileged") is not True:
        return
    edits = (SetValue(_table("runners"), "privileged", False),)
    if _config_privileged(ctx):
        # privileged-container already reports the risk on the config's own line.
        yield Issue(
            Message.of(
                "runners.privileged: true repeats privileged = true in runners.config (see "
                "privileged-container): it adds no privilege of its own, but charts up to 0.52.0 "
                "would keep job pods privileged from it even after the config line is changed"
            ),
            _table("runners"),
            "privileged",
            edits=edits,
            severity=Severity.LOW,
        )
        return
    overridden = (
        Message.of(" and wins over privileged = false in runners.config")
        if _config_says_unprivileged(ctx)
        else Message.of("")
    )
    yield Issue(
        Message.of(
            "runners.privileged: true: charts up to 0.52.0 turn "
            "it into KUBERNETES_PRIVILEGED=true, "
            "which makes every job pod privileged{overridden}; chart 0.53.0 and later ignore it, "
            "so what the cluster does depends on the chart version",
            overridden=overridden,
        ),
        _table("runners"),
        "privileged",
        edits=edits,
    )


CHART_LEGACY_PRIVILEGED = Rule(
    id="chart-legacy-privileged",
    title="The chart's legacy privileged value is on",
    severity=by_trust(_S.HIGH, _S.CRITICAL, _S.CRITICAL),
    executors=None,
    rationale=(
        "Charts up to 0.52.0 pass runners.privileged to the runner as the environment variable "
        "KUBERNETES_PRIVILEGED, even beside runners.config. Registration fills the config "
        "template in only where the environment left a setting empty, so that value wins over "
        "privileged = false in runners.config and every job pod is root on its node. Chart "
        "0.53.0 removed the value: the same file means opposite things on either side."
    ),
    doc_url=f"{CHART_CONFIG_DOCS}#use-privileged-containers-for-the-runners",
    table="values.runners",
    key="privileged",
    fix=FixSafety.UNSAFE,
    remedy="Set runners.privileged: false and say privileged = false in runners.config.",
    breaks="jobs that run Docker-in-Docker on a chart up to 0.52.0 stop working",
    check=_legacy_privileged,
)


def _role_rendered(values: Mapping[str, Any] | None) -> bool:
    """The chart renders its Role (or ClusterRole) only with rbac.create: true.

    ``templates/role.yaml`` is wrapped in ``if .Values.rbac.create``, and the
    chart's default is ``false`` (0.86.0 ``values.yaml``).
    """
    return _at(values, "rbac", "create") is True


def _cluster_wide(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    if _role_rendered(values) and _at(values, "rbac", "clusterWideAccess") is True:
        yield Issue(
            Message.of(
                "rbac.clusterWideAccess: true: the runner's service account may create pods and "
                "read secrets in every namespace of the cluster"
            ),
            _table("rbac"),
            "clusterWideAccess",
            edits=(SetValue(_table("rbac"), "clusterWideAccess", False),),
        )


CHART_CLUSTER_WIDE_ACCESS = Rule(
    id="chart-cluster-wide-access",
    title="The runner's service account reaches every namespace",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=None,
    rationale=(
        "With clusterWideAccess the chart binds its role cluster-wide: the manager, and any job "
        "that gets hold of its token, can act on pods and secrets of every team in the cluster "
        "instead of the one namespace the jobs run in."
    ),
    doc_url=f"{CHART_CONFIG_DOCS}#enable-rbac-support",
    table="values.rbac",
    key="clusterWideAccess",
    fix=FixSafety.UNSAFE,
    remedy="Set rbac.clusterWideAccess: false and run jobs in the release's namespace.",
    breaks="jobs that run in another namespace than the release's stop starting",
    check=_cluster_wide,
)


def _manager_accounts(values: Mapping[str, Any]) -> set[str]:
    """The names the chart may give the manager's service account (_helpers.tpl
    ``gitlab-runner.serviceAccountName``), where the values write one."""
    names = {
        _at(values, "serviceAccount", "name"),
        _at(values, "rbac", "generatedServiceAccountName"),
        _at(values, "rbac", "serviceAccountName"),
    }
    return {name.strip() for name in names if isinstance(name, str) and name.strip()}


def _jobs_as_manager(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    if values is None:
        return
    managers = _manager_accounts(values)
    if not managers:
        return
    for entry in iter_runners(ctx.data):
        k8s = sub_table(entry.data, "kubernetes")
        account = get_ci(k8s, "service_account")
        legacy = _at(values, "runners", "serviceAccountName")
        chosen = account if isinstance(account, str) and account.strip() else legacy
        pattern = get_ci(k8s, "service_account_overwrite_allowed")
        reachable = (
            sorted(m for m in managers if _overwrite_admits(pattern, m))
            if isinstance(pattern, str) and pattern
            else []
        )
        if not (isinstance(chosen, str) and chosen.strip() in managers) and not reachable:
            continue
        token = get_ci(k8s, "automount_service_account_token") is not False
        how = (
            Message.of(
                "job pods run as {account!r}, the manager's own service account",
                account=chosen.strip(),
            )
            if isinstance(chosen, str) and chosen.strip() in managers
            else Message.of(
                "service_account_overwrite_allowed lets a job choose {accounts}, "
                "the manager's own service account",
                accounts=", ".join(reachable),
            )
        )
        mounted = (
            Message.of(
                ": with its token mounted, a job can create pods and read secrets, the runner "
                "token's Secret among them"
            )
            if token
            else Message.of(" (its token is not mounted, which leaves the account's rights unused)")
        )
        yield Issue(
            Message.of("{how}{mounted}", how=how, mounted=mounted),
            runner_path(entry.index, "kubernetes"),
            spelled(k8s, "service_account"),
            entry.index,
            severity=None if token else Severity.LOW,
        )


_NESTED_QUANTIFIER = re.compile(r"\)[*+?{]")


def _overwrite_admits(pattern: str, name: str) -> bool:
    """The runner matches overwrite patterns with Go's regexp.MatchString (unanchored).

    Go's engine is linear; Python's backtracks, so a quantified group (``(a+)+``) or an
    overlong pattern or name is not evaluated (bounded work on hostile files).
    """
    if len(pattern) > 256 or len(name) > 253 or _NESTED_QUANTIFIER.search(pattern):
        return False
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


CHART_JOBS_AS_MANAGER = Rule(
    id="chart-jobs-use-manager-service-account",
    title="Job pods run under the manager's service account",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=None,
    rationale=(
        "The manager's service account may create and exec into pods and read secrets in the "
        "jobs' namespace, which is usually the release's, where the runner-token Secret "
        "lives. A job pod under the same account, with its token mounted, holds all of that: "
        "it can read the runner's token, start privileged pods the config forbids, or exec "
        "into other jobs."
    ),
    doc_url="https://docs.gitlab.com/runner/executors/kubernetes/#configure-runner-api-permissions",
    table="runners.kubernetes",
    key="service_account",
    fix=None,
    remedy=(
        "Give job pods their own service account without API rights (or none, with "
        "automount_service_account_token = false), and keep the manager's out of "
        "service_account_overwrite_allowed."
    ),
    check=_jobs_as_manager,
)


def _wildcards(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    if not _role_rendered(values):
        return
    rules = _at(values, "rbac", "rules")
    if not rules:
        # templates/role.yaml: `if empty .Values.rbac.rules` renders one rule of its own.
        # Charts up to 0.52.0 fill it from the deprecated rbac.resources and rbac.verbs.
        legacy = [_at(values, "rbac", key) for key in ("resources", "verbs")]
        narrow = all(isinstance(v, list) and v and "*" not in v for v in legacy)
        said = (
            Message.of("; rbac.resources and rbac.verbs narrow it only on charts up to 0.52.0")
            if narrow
            else Message.of("")
        )
        yield Issue(
            Message.of(
                "rbac.create: true with no rbac.rules: the chart's Role then grants every verb on "
                "every resource of the core API group (secrets, pods/exec, serviceaccounts){said}",
                said=said,
            ),
            _table("rbac"),
            "rules" if "rules" in (_at(values, "rbac") or {}) else "create",
            severity=Severity.LOW if narrow else None,
        )
        return
    if not isinstance(rules, list):
        return
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        for key in ("verbs", "resources"):
            items = rule.get(key)
            wild = not items or (isinstance(items, list) and "*" in items) or items == "*"
            if wild:
                said = (
                    Message.of("is missing, which the chart reads as")
                    if not items
                    else Message.of("lists")
                )
                yield Issue(
                    Message.of(
                        "rbac.rules entry {number}: {key} {said} '*'",
                        number=index + 1,
                        key=key,
                        said=said,
                    ),
                    _table("rbac", "rules", index),
                    key,
                )
        groups = rule.get("apiGroups")
        if (isinstance(groups, list) and "*" in groups) or groups == "*":
            yield Issue(
                Message.of(
                    "rbac.rules entry {number}: apiGroups lists '*': the rule reaches every API "
                    "group, roles and bindings included",
                    number=index + 1,
                ),
                _table("rbac", "rules", index),
                "apiGroups",
            )


CHART_RBAC_WILDCARD = Rule(
    id="chart-rbac-wildcard",
    title="The runner's role grants every verb or resource",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "The manager needs a short list of rights (pods, pods/exec, pods/attach, secrets, "
        "configmaps, services). A '*' verb, resource or API group, an entry that leaves verbs "
        "or resources out and so gets the chart's '*' default, or no rules at all (the chart "
        "then grants '*' on the core API group) hands it, and any job that reaches its token, "
        "everything in its namespace: every secret, exec into every pod."
    ),
    doc_url="https://docs.gitlab.com/runner/executors/kubernetes/#configure-runner-api-permissions",
    table="values.rbac.rules",
    key="verbs",
    fix=None,
    remedy=(
        "List the API groups, resources and verbs from the runner's documented permissions in "
        "rbac.rules instead."
    ),
    check=_wildcards,
)


def _manager_context(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    context = _at(values, "securityContext")
    if isinstance(context, Mapping):
        table = _table("securityContext")
        if context.get("runAsNonRoot") is False:
            yield Issue(
                Message.of("securityContext.runAsNonRoot: false: the manager may run as root"),
                table,
                "runAsNonRoot",
                edits=(SetValue(table, "runAsNonRoot", True),),
            )
        if context.get("allowPrivilegeEscalation") is True:
            yield Issue(
                Message.of(
                    "securityContext.allowPrivilegeEscalation: true: "
                    "the manager may gain privileges"
                ),
                table,
                "allowPrivilegeEscalation",
                edits=(SetValue(table, "allowPrivilegeEscalation", False),),
            )
        if context.get("privileged") is True:
            yield Issue(
                Message.of(
                    "securityContext.privileged: true: the manager container is root on the node"
                ),
                table,
                "privileged",
                edits=(SetValue(table, "privileged", False),),
            )
        capabilities = context.get("capabilities")
        if isinstance(capabilities, Mapping):
            drop = capabilities.get("drop")
            names = [str(item).upper() for item in drop] if isinstance(drop, list) else []
            if "ALL" not in names:
                yield Issue(
                    Message.of(
                        "securityContext.capabilities.drop does not list ALL: the manager keeps "
                        "Linux capabilities it never needs"
                    ),
                    _table("securityContext", "capabilities"),
                    "drop",
                )
    user = _at(values, "podSecurityContext", "runAsUser")
    if user == 0:
        yield Issue(
            Message.of("podSecurityContext.runAsUser: 0: the manager pod runs as root"),
            _table("podSecurityContext"),
            "runAsUser",
        )


CHART_MANAGER_SECURITY_CONTEXT = Rule(
    id="chart-manager-security-context",
    title="The manager pod's security context is weakened",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=None,
    rationale=(
        "The manager holds the runner's token and a service account that creates job pods. "
        "The chart's defaults run it as a non-root user without privilege escalation and with "
        "every capability dropped; a values file that turns these off widens what a flaw in "
        "the manager, or a job that reaches it, can do."
    ),
    doc_url=f"{CHART_CONFIG_DOCS}#run-with-non-root-user",
    table="values.securityContext",
    key="runAsNonRoot",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Keep runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false and "
        "capabilities.drop: [ALL] (the chart's defaults), and a non-zero runAsUser."
    ),
    breaks="a manager image that only works as root stops starting",
    check=_manager_context,
)


# --- exposure ------------------------------------------------------------------------------

_OUTSIDE = frozenset({"LoadBalancer", "NodePort"})


def _exposed(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    service = _at(values, "service")
    if (
        isinstance(service, Mapping)
        and service.get("enabled") is True
        and service.get("type") in _OUTSIDE
    ):
        yield Issue(
            Message.of(
                "service.type: {kind}: the metrics endpoint is reachable from outside the cluster",
                kind=service["type"],
            ),
            _table("service"),
            "type",
            edits=(SetValue(_table("service"), "type", "ClusterIP"),),
        )
    session = _at(values, "sessionServer")
    if isinstance(session, Mapping) and session.get("enabled") is True:
        kind = session.get("serviceType", "LoadBalancer")
        if kind in _OUTSIDE:
            written = "serviceType" in session
            yield Issue(
                Message.of(
                    "sessionServer is enabled with serviceType {kind}{default}: the web terminal "
                    "into running jobs is reachable from outside the cluster",
                    kind=kind,
                    default=Message.of("") if written else Message.of(" (the chart's default)"),
                ),
                _table("sessionServer"),
                "serviceType" if written else "enabled",
                edits=(SetValue(_table("sessionServer"), "serviceType", "ClusterIP"),)
                if written
                else (),
            )


CHART_SERVICE_EXPOSED = Rule(
    id="chart-service-exposed",
    title="The metrics or session service is exposed outside the cluster",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=None,
    rationale=(
        "A LoadBalancer or NodePort service puts the runner's metrics, or the session server "
        "that opens web terminals into running jobs, on an address outside the cluster; only "
        "in-cluster scrapers and GitLab itself need to reach them."
    ),
    doc_url=SESSION_SERVER_DOCS,
    table="values.service",
    key="type",
    fix=FixSafety.UNSAFE,
    remedy="Use ClusterIP (or limit loadBalancerSourceRanges to GitLab's addresses).",
    breaks="scrapers or web terminals reaching the runner from outside the cluster lose access",
    check=_exposed,
)


def _plain_http(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.chart is None:
        return
    url = ctx.chart.get("gitlabUrl")
    if isinstance(url, str) and url.strip().lower().startswith("http://"):
        yield Issue(
            Message.of(
                "gitlabUrl uses plain HTTP: the runner token and job secrets cross the network "
                "unencrypted"
            ),
            _table(),
            "gitlabUrl",
        )


CHART_INSECURE_GITLAB_URL = Rule(
    id="chart-insecure-gitlab-url",
    title="The manager talks to GitLab over plain HTTP",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "The manager sends its token and receives every job's variables from this URL; over "
        "HTTP anyone on the path can read or change them."
    ),
    doc_url=SETUP,
    table="values",
    key="gitlabUrl",
    fix=None,
    remedy="Use the https:// address of GitLab (and certsSecretName for a private CA).",
    check=_plain_http,
)


def _latest(ctx: AuditContext) -> Iterator[Issue]:
    values = _helm(ctx)
    image = _at(values, "image")
    tag = image.get("tag") if isinstance(image, Mapping) else None
    if isinstance(image, str) and ":" in image.rsplit("/", 1)[-1]:
        tag = image.rsplit(":", 1)[-1]
    if tag == "latest" or (isinstance(tag, str) and tag.endswith("-latest")):
        yield Issue(
            Message.of(
                "the manager image uses the latest tag: what runs "
                "changes without anyone choosing it"
            ),
            _table("image") if isinstance(image, Mapping) else _table(),
            "tag" if isinstance(image, Mapping) else "image",
        )
    if _at(values, "imagePullPolicy") == "Never":
        yield Issue(
            Message.of("imagePullPolicy: Never: a node keeps whatever manager image it has"),
            _table(),
            "imagePullPolicy",
        )


CHART_MANAGER_IMAGE_UNPINNED = Rule(
    id="chart-manager-image-unpinned",
    title="The manager image is not pinned",
    severity=by_trust(_S.LOW, _S.LOW, _S.MEDIUM),
    executors=None,
    rationale=(
        "With a latest tag each node may run a different runner version, and a new image goes "
        "live without review; with imagePullPolicy Never an old image stays. Leaving the tag "
        "out is fine: the chart then pins the version it was released with."
    ),
    doc_url=CHART_DOCS,
    table="values.image",
    key="tag",
    fix=None,
    remedy="Remove the tag (the chart's own version) or set a specific version.",
    check=_latest,
)


_TEMPLATE_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_ACTION_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
_ACTION_WORD = re.compile(r"[^\s()|,]+")
_OWN_FIELD = re.compile(
    r"\$?\.?|\$?\.(?:Values|Release|Chart|Capabilities|Template)(?:\.[A-Za-z0-9_]+)*"
    r"|\$[A-Za-z0-9_]+"
)
_OWN_WORDS = frozenset(
    {
        # control structure, comparison and plain formatting: nothing read from outside
        *("if", "else", "end", "with", "range", "and", "or", "not", ":=", "=", "-"),
        *("eq", "ne", "lt", "le", "gt", "ge", "empty", "default", "coalesce", "ternary"),
        *("quote", "squote", "toString", "lower", "upper", "title", "trim", "trimPrefix"),
        *("trimSuffix", "replace", "printf", "print", "join", "int", "int64", "float64"),
        *("toToml", "toJson", "toYaml", "indent", "nindent", "len", "index", "hasKey", "get"),
        # the chart's own named templates (the GitLab umbrella chart's cache settings)
        *("include", "template"),
    }
)
"""What an action of the file's own may say: references to the release, the chart and
this file's values, the chart's named templates, through pure formatting. Anything
else (``lookup`` reads live cluster objects, ``tpl`` renders a value's text as one more
template, ``.Files`` and ``getHostByName`` read outside the values) is named."""


def foreign_words(action: str) -> list[str]:
    """The words of a template action that are not the file's own (see :data:`_OWN_WORDS`)."""
    body = action[2:-2].strip()
    body = body.removeprefix("-").removesuffix("-")
    if body.startswith("/*") and body.endswith("*/"):
        return []  # a comment
    # Inside a TOML basic string the action's quotes are written \" (Helm sees them so).
    body = _ACTION_STRING.sub(" ", body.replace('\\"', '"'))
    found = []
    for word in _ACTION_WORD.findall(body):
        if word in _OWN_WORDS or _OWN_FIELD.fullmatch(word) or re.fullmatch(r"-?\d+", word):
            continue
        found.append(word)
    return found


def _foreign_template_actions(ctx: AuditContext) -> Iterator[Issue]:
    if _helm(ctx) is None:
        return
    for action in _TEMPLATE_ACTION.findall(ctx.config_text):
        words = foreign_words(action)
        if words:
            shown = " ".join(action.split())
            shown = shown if len(shown) <= 80 else shown[:79] + "…"
            yield Issue(
                Message.of(
                    "runners.config holds the template action {shown}, which the chart runs when "
                    "it renders the config ({names} reaches beyond the "
                    "values and the chart)",
                    shown=shown,
                    names=", ".join(dict.fromkeys(words)),
                ),
                _table("runners"),
                "config",
            )


CHART_CONFIG_TEMPLATE_ACTION = Rule(
    id="chart-config-template-action",
    title="runners.config runs a template action that reaches beyond the values",
    severity=by_trust(_S.HIGH, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "The chart renders runners.config as a template before the runner reads it, with "
        "whatever rights the person or pipeline running Helm has. References to the release, "
        "to this file's values and to the chart's named templates are ordinary; an action "
        "such as lookup copies live cluster "
        "objects, Secrets included, into the runner's ConfigMap, and tpl or include render "
        "further text as templates. What the runner ends up with can then not be read from "
        "the file under review, and one pasted preset value can be enough."
    ),
    doc_url=CHART_CONFIG_DOCS,
    table="values.runners",
    key="config",
    fix=None,
    remedy=(
        "Write the value itself, or put it under a value of this file and refer to it as "
        "{{ .Values.name }}; keep Secrets in runners.secret or a mounted Secret."
    ),
    check=_foreign_template_actions,
)


RULES: tuple[Rule, ...] = (
    CHART_TOKEN_IN_VALUES,
    CHART_AUTH_TOKEN_AS_REGISTRATION,
    CHART_CONFIG_IGNORED,
    CHART_ENV_OVERRIDES_CONFIG,
    CHART_CONFIG_PATH_UNSEEN,
    CHART_LEGACY_PRIVILEGED,
    CHART_CLUSTER_WIDE_ACCESS,
    CHART_RBAC_WILDCARD,
    CHART_JOBS_AS_MANAGER,
    CHART_MANAGER_SECURITY_CONTEXT,
    CHART_SERVICE_EXPOSED,
    CHART_INSECURE_GITLAB_URL,
    CHART_MANAGER_IMAGE_UNPINNED,
    CHART_CONFIG_TEMPLATE_ACTION,
)
