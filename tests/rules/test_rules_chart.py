"""Chart rules, checked against the chart's own templates and the runner's register command.

Sources (the chart at ../shared/reference/helm-chart/, the runner at 19.4.0):
- chart 0.52.0 ``templates/_env_vars.tpl``: ``runners.privileged`` becomes
  ``KUBERNETES_PRIVILEGED="true"``; its CHANGELOG at 0.53.0 removes the deprecated fields;
- chart 0.86.0 ``templates/role.yaml`` / ``role-binding.yaml``: rendered only under
  ``rbac.create`` (default ``false`` in ``values.yaml``); an empty ``rbac.rules`` renders
  ``apiGroups: [""]``, ``resources: ["*"]``, ``verbs: ["*"]``;
- chart 0.86.0 ``templates/_env_vars.tpl`` (``envVars``, ``extraEnv``) and
  ``templates/configmap.yaml`` (``--template-config`` from ``runners.configPath`` only when
  ``runners.config`` is empty);
- runner ``commands/register.go``: ``configTemplate.MergeTo`` merges with ``mergo.Merge``
  (no override: values set from the environment win); ``ensureServerConfigArgsEmpty``
  warns and ignores ``--locked``, ``--access-level``, ``--run-untagged``, ``--tag-list``
  when a ``glrt-`` token is given as the registration token; ``unregisterRunner`` calls
  ``UnregisterRunnerManager`` for such a token (``commands/unregister.go`` likewise).
"""

from __future__ import annotations

import tomllib
from typing import Any

from wizard.base.model import Issue, Severity, Trust
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import get_rule

PRIVILEGED_FALSE = """\
[[runners]]
  executor = "kubernetes"
  [runners.kubernetes]
    privileged = false
"""


def chart_issues(
    rule_id: str, values: dict[str, Any], toml: str = "", trust: Trust = Trust.MULTI_PROJECT
) -> list[Issue]:
    context = AuditContext(
        tomllib.loads(toml), trust, chart=values, chart_kind="helm", in_cluster=True
    )
    return list(get_rule(rule_id).check(context))


# --- chart-legacy-privileged ------------------------------------------------------------


def test_legacy_privileged_wins_over_config_privileged_false() -> None:
    """0.52.0 _env_vars.tpl sets KUBERNETES_PRIVILEGED, which MergeTo does not override."""
    values = {"runners": {"privileged": True, "config": PRIVILEGED_FALSE}}
    (issue,) = chart_issues("chart-legacy-privileged", values, PRIVILEGED_FALSE)
    assert issue.severity is None  # the rule's own high/critical, not a duplicate's low
    assert "KUBERNETES_PRIVILEGED" in issue.message
    assert "wins over privileged = false" in issue.message
    assert "0.52.0" in issue.message
    assert "0.53.0" in issue.message
    rule = get_rule("chart-legacy-privileged")
    assert "runners.config" in rule.rationale
    assert "0.53.0" in rule.rationale


def test_legacy_privileged_without_a_config_line_names_the_boundary() -> None:
    (issue,) = chart_issues("chart-legacy-privileged", {"runners": {"privileged": True}})
    assert "0.52.0" in issue.message
    assert "wins over" not in issue.message  # nothing in the config to win over


# --- chart-auth-token-as-registration-token ------------------------------------------------


def test_auth_token_as_registration_token_says_what_really_happens() -> None:
    """register.go: legacy-compatible path ignores locked/access-level/run-untagged/tags with a
    warning; unregister.go: a glrt- token only deletes the runner manager."""
    (issue,) = chart_issues(
        "chart-auth-token-as-registration-token", {"runnerRegistrationToken": "glrt-abc"}
    )
    for word in ("locked", "protected", "runUntagged", "tags", "manager", "keeps working"):
        assert word in issue.message, word
    assert "stops working" not in get_rule("chart-auth-token-as-registration-token").rationale
    assert get_rule("chart-auth-token-as-registration-token").doc_url.endswith(
        "#legacy-compatible-registration-process"
    )


# --- chart-cluster-wide-access / chart-rbac-wildcard ---------------------------------------


def test_cluster_wide_access_needs_a_rendered_role() -> None:
    """role.yaml and role-binding.yaml render nothing unless rbac.create is true."""
    assert chart_issues("chart-cluster-wide-access", {"rbac": {"clusterWideAccess": True}}) == []
    assert (
        chart_issues(
            "chart-cluster-wide-access", {"rbac": {"create": False, "clusterWideAccess": True}}
        )
        == []
    )
    (issue,) = chart_issues(
        "chart-cluster-wide-access", {"rbac": {"create": True, "clusterWideAccess": True}}
    )
    assert issue.key == "clusterWideAccess"


def test_rbac_create_with_no_rules_is_every_verb_on_the_core_group() -> None:
    """role.yaml: `if empty .Values.rbac.rules` renders resources ["*"], verbs ["*"]."""
    for values in ({"rbac": {"create": True}}, {"rbac": {"create": True, "rules": []}}):
        (issue,) = chart_issues("chart-rbac-wildcard", values)
        assert "every verb on every resource of the core API group" in issue.message
    assert chart_issues("chart-rbac-wildcard", {"rbac": {"rules": []}}) == []
    # 0.52.0 role.yaml: `or (empty .Values.rbac.rules) (or .Values.rbac.resources ...)`
    # renders the deprecated lists instead; 0.53.0 removed them.
    legacy = {"rbac": {"create": True, "resources": ["pods"], "verbs": ["get"]}}
    (issue,) = chart_issues("chart-rbac-wildcard", legacy)
    assert issue.severity is Severity.LOW
    assert "only on charts up to 0.52.0" in issue.message


def test_rbac_rules_with_every_api_group() -> None:
    rules = [{"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]}]
    (issue,) = chart_issues("chart-rbac-wildcard", {"rbac": {"create": True, "rules": rules}})
    assert issue.key == "apiGroups"
    narrow = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    assert chart_issues("chart-rbac-wildcard", {"rbac": {"create": True, "rules": narrow}}) == []
    # Without rbac.create the rules are never rendered.
    assert chart_issues("chart-rbac-wildcard", {"rbac": {"rules": rules}}) == []


# --- chart-env-overrides-config -----------------------------------------------------------


def test_env_vars_that_beat_the_config_template() -> None:
    values = {
        "envVars": [
            {"name": "KUBERNETES_PRIVILEGED", "value": "true"},
            {"name": "CACHE_S3_BUCKET_NAME", "value": "cache"},
            {"name": "KUBERNETES_PRIVILEGED", "value": "false"},
        ],
        "extraEnv": {
            "KUBERNETES_NAMESPACE_OVERWRITE_ALLOWED": ".*",
            "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE_ALLOWED": ".*",
            "CACHE_TYPE": "s3",
        },
    }
    found = chart_issues("chart-env-overrides-config", values, PRIVILEGED_FALSE)
    named = sorted(issue.message.split(" ", 1)[0] for issue in found)
    assert named == [
        "KUBERNETES_NAMESPACE_OVERWRITE_ALLOWED",
        "KUBERNETES_PRIVILEGED",
        "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE_ALLOWED",
    ]
    assert all("registration keeps it over runners.config" in i.message for i in found)
    rule = get_rule("chart-env-overrides-config")
    assert rule.severity_for(Trust.PUBLIC) is Severity.CRITICAL


# --- chart-config-path-unseen -------------------------------------------------------------


def test_config_path_is_named_only_when_the_chart_uses_it() -> None:
    """configmap.yaml: --template-config takes configPath only when runners.config is empty."""
    (issue,) = chart_issues(
        "chart-config-path-unseen", {"runners": {"configPath": "/etc/tmpl/config.toml"}}
    )
    assert "cannot see" in issue.message
    both = {"runners": {"configPath": "/x", "config": PRIVILEGED_FALSE}}
    assert chart_issues("chart-config-path-unseen", both) == []


# --- chart-jobs-use-manager-service-account ---------------------------------------------
# chart 0.86.0 templates/_helpers.tpl gitlab-runner.serviceAccountName (serviceAccount.name,
# rbac.generatedServiceAccountName); runner executors/kubernetes: service_account and
# service_account_overwrite_allowed (a regular expression matched with MatchString).

MANAGER_SA = {"serviceAccount": {"create": True, "name": "gitlab-runner"}}


def test_job_pods_under_the_managers_service_account() -> None:
    toml = PRIVILEGED_FALSE.replace(
        "privileged = false", 'privileged = false\n    service_account = "gitlab-runner"'
    )
    (issue,) = chart_issues("chart-jobs-use-manager-service-account", MANAGER_SA, toml)
    assert "runner token's Secret" in issue.message
    assert issue.severity is None
    unmounted = toml + "    automount_service_account_token = false\n"
    (issue,) = chart_issues("chart-jobs-use-manager-service-account", MANAGER_SA, unmounted)
    assert issue.severity is Severity.LOW
    own = toml.replace('"gitlab-runner"', '"ci-jobs"')
    assert chart_issues("chart-jobs-use-manager-service-account", MANAGER_SA, own) == []


def test_overwrite_pattern_that_admits_the_managers_account() -> None:
    toml = PRIVILEGED_FALSE.replace(
        "privileged = false",
        'privileged = false\n    service_account_overwrite_allowed = "gitlab-.*"',
    )
    (issue,) = chart_issues("chart-jobs-use-manager-service-account", MANAGER_SA, toml)
    assert "lets a job choose gitlab-runner" in issue.message
