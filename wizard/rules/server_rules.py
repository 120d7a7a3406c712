"""The server rules: what only GitLab knows about a runner, joined with its config.

They share the catalogue with the config and host rules (ids, severities per
trust level, rationale, link) so ``rules ID``, JSON, SARIF and the README treat
them alike. Their ``check`` returns nothing: they need answers from GitLab, so
:func:`wizard.server.check.check_documents` runs them. None has an automatic fix:
the settings live on the server; each finding says what to change in GitLab's
UI and the API call that does it.
"""

from __future__ import annotations

from wizard.base.model import Severity as S
from wizard.rules.base import DOCS, Rule, advice_rule

CI_DOCS = "https://docs.gitlab.com/ci/runners"
API_DOCS = "https://docs.gitlab.com/api/runners"


def _server_rule(  # noqa: PLR0917 - entries below read as a table, in field order
    rule_id: str,
    title: str,
    severity: tuple[S, S, S],
    rationale: str,
    doc_url: str,
    key: str,
    remedy: str,
) -> Rule:
    """Server rules are run by ``check_documents``, which asks GitLab."""
    return advice_rule(
        "server", rule_id, title, severity, rationale, doc_url, "runners", key, remedy
    )


NOT_PROTECTED = "server-dangerous-runner-not-protected"
RUNS_UNTAGGED = "server-dangerous-runner-runs-untagged"
NOT_LOCKED = "server-project-runner-not-locked"
TOKEN_INVALID = "server-token-invalid"
TOKEN_EXPIRES_SOON = "server-token-expires-soon"
TOKEN_NEVER_EXPIRES = "server-token-never-expires"
MANAGER_TOO_OLD = "server-manager-too-old"
MIXED_VERSIONS = "server-managers-mixed-versions"
SHARED_TOKEN = "server-token-used-by-several-hosts"

SERVER_RULES: tuple[Rule, ...] = (
    _server_rule(
        NOT_PROTECTED,
        "A privileged or host-level runner takes jobs from unprotected branches",
        (S.MEDIUM, S.HIGH, S.CRITICAL),
        "A runner whose jobs are privileged, reach the Docker socket, share a host "
        "namespace or run on the host itself gives every job root on the machine. Unless "
        "GitLab runs only protected branches and tags on it, anyone who may push a branch "
        "can run such a job, and read what other jobs leave behind.",
        f"{CI_DOCS}/configure_runners/#prevent-runners-from-revealing-sensitive-information",
        "access_level",
        "In GitLab, edit the runner and tick Protected (access_level = ref_protected); jobs "
        "of unprotected branches and merge requests then need another runner.",
    ),
    _server_rule(
        RUNS_UNTAGGED,
        "A privileged or host-level runner also takes untagged jobs",
        (S.LOW, S.MEDIUM, S.HIGH),
        "With run_untagged on, any job without tags may land on this runner, so a "
        "pipeline that never asked for privileged mode or the host can get it. Tags "
        "make reaching the powerful runner a deliberate choice in the pipeline.",
        f"{CI_DOCS}/configure_runners/#control-jobs-that-a-runner-can-run",
        "run_untagged",
        "In GitLab, edit the runner and clear Run untagged jobs (run_untagged = false); "
        "jobs that need it then name one of its tags.",
    ),
    _server_rule(
        NOT_LOCKED,
        "A project runner is not locked to its projects",
        (S.INFO, S.MEDIUM, S.MEDIUM),
        "An unlocked project runner can be enabled for further projects by anyone who "
        "maintains one of its projects and another: code from outside the projects it "
        "was set up for then runs on it, next to their caches and credentials.",
        f"{CI_DOCS}/runners_scope/#prevent-a-project-runner-from-being-enabled-for-other-projects",
        "locked",
        "In GitLab, edit the runner and tick Lock to current projects (locked = true).",
    ),
    _server_rule(
        TOKEN_INVALID,
        "GitLab does not accept the runner's token, or no longer knows the runner",
        (S.HIGH, S.HIGH, S.HIGH),
        "The token in the file was revoked, reset or expired, or the runner was deleted: "
        "the entry is stale, or was copied from another host or GitLab. It runs no jobs, "
        "and a copied entry means a token that was meant for one machine is on two.",
        f"{API_DOCS}/#verify-authentication-for-a-registered-runner",
        "token",
        "Create the runner again in GitLab (Settings > CI/CD > Runners) and register with "
        "its new token, or remove the entry from config.toml.",
    ),
    _server_rule(
        TOKEN_EXPIRES_SOON,
        "The runner's token expires soon",
        (S.MEDIUM, S.MEDIUM, S.MEDIUM),
        "A runner rotates its own token before it expires, unless rotation is turned off "
        "or the runner is not running; otherwise the runner stops taking jobs the moment "
        "the token expires.",
        f"{CI_DOCS}/configure_runners/#authentication-token-security",
        "token_expires_at",
        "Let the runner run so it rotates the token, or reset the token in GitLab "
        "(POST /runners/:id/reset_authentication_token) and put the new one in config.toml.",
    ),
    _server_rule(
        TOKEN_NEVER_EXPIRES,
        "The runner's token never expires",
        (S.INFO, S.LOW, S.MEDIUM),
        "A runner token is a password for receiving jobs and their secrets. One that never "
        "expires stays good in every backup, image and copy of config.toml for as long as "
        "the runner exists.",
        f"{CI_DOCS}/configure_runners/#authentication-token-security",
        "token_expires_at",
        "Set a runner token expiration in GitLab (Admin > Settings > CI/CD, or the group's "
        "or project's CI/CD settings); runners then rotate their tokens themselves.",
    ),
    _server_rule(
        MANAGER_TOO_OLD,
        "The runner's host runs a release older than keys this config relies on",
        (S.LOW, S.MEDIUM, S.MEDIUM),
        "GitLab Runner ignores keys it does not know without a word. A setting added in a "
        "later release than the one running is silently not applied: the config reads as "
        "hardened while the runner does something else.",
        "https://docs.gitlab.com/runner/install/",
        "version",
        "Upgrade GitLab Runner on the host to at least the release named, or remove the "
        "keys it cannot read.",
    ),
    _server_rule(
        MIXED_VERSIONS,
        "Hosts of one runner run different releases",
        (S.INFO, S.LOW, S.LOW),
        "Every host that shares a runner's token takes its jobs. On different releases "
        "the same config.toml means different things, so a job's isolation depends on "
        "which host picked it up.",
        f"{API_DOCS}/#list-all-runners-managers",
        "version",
        "Upgrade every host of the runner to the same release.",
    ),
    _server_rule(
        SHARED_TOKEN,
        "One runner token is used from several hosts",
        (S.INFO, S.LOW, S.MEDIUM),
        "Whoever holds a runner's token can take its jobs, with their variables and secrets. "
        "GitLab lists a manager for every host that has used the token, so more than one "
        "means the token is on several machines: deliberate for a scaled runner, a leak when "
        "a VM image, a backup or a copied config.toml carried it somewhere else.",
        f"{DOCS}/security/#cloning-a-runner",
        "token",
        "Check every listed host is yours; if one is not, reset the runner's token in GitLab. "
        "Never bake a runner token into a VM image: register each host, or give it the token "
        "at start-up from a secret store.",
    ),
)

SERVER_RULES_BY_ID = {rule.id: rule for rule in SERVER_RULES}
