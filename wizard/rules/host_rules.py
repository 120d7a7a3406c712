"""The host rules: risks on the runner's machine that ``config.toml`` cannot express.

They sit in the same catalogue as the configuration rules (same ids, severities
per trust level, rationale and link) so reports and ``rules ID`` treat them
alike. Their ``check`` returns nothing: a host rule needs the filesystem, so
:func:`wizard.host.run_host_checks` runs them. None has an automatic fix; the
generated checklist says how to put each one right by hand.
"""

from __future__ import annotations

from wizard.base.model import Executor
from wizard.base.model import Severity as S
from wizard.rules.base import DOCS, Rule, advice_rule

SECURITY_DOCS = f"{DOCS}/security/"
DOCKER_DOCS = "https://docs.docker.com/engine/security"
DAEMON_DOCS = "https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"


def _host_rule(  # noqa: PLR0917 - entries below read as a table, in field order
    rule_id: str,
    title: str,
    severity: tuple[S, S, S],
    rationale: str,
    doc_url: str,
    table: str,
    key: str,
    remedy: str,
    executors: frozenset[Executor] | None = None,
) -> Rule:
    """Host rules are run by ``run_host_checks``, which can read the machine."""
    return advice_rule(
        "host", rule_id, title, severity, rationale, doc_url, table, key, remedy, executors
    )


HOST_RULES: tuple[Rule, ...] = (
    _host_rule(
        "host-config-permissions",
        "config.toml readable or writable by other users, or owned by someone else",
        (S.HIGH, S.HIGH, S.CRITICAL),
        "The file holds the runner's authentication token: anyone who can read it can "
        "run a copy of the runner and receive other projects' jobs and their secrets. "
        "Anyone who can write it, or who owns it, can turn off every other setting.",
        f"{DOCS}/configuration/advanced-configuration/",
        "config.toml",
        "mode",
        "Make the file owned by root (or the runner's own user) with mode 0600.",
    ),
    _host_rule(
        "host-config-symlink",
        "config.toml or its folder is a symlink",
        (S.LOW, S.LOW, S.MEDIUM),
        "The runner follows the link, so whoever can change the link or its target "
        "controls the configuration, and a permission check of the link says nothing "
        "about the file behind it.",
        f"{DOCS}/configuration/advanced-configuration/",
        "config.toml",
        "symlink",
        "Keep config.toml as a regular file in a root-owned folder.",
    ),
    _host_rule(
        "host-config-dir-writable",
        "A folder above config.toml is writable by other users",
        (S.HIGH, S.HIGH, S.CRITICAL),
        "Whoever can write a folder on the way to the file can rename it away and put "
        "their own configuration in its place, whatever the file's own mode says.",
        f"{DOCS}/configuration/advanced-configuration/",
        "config.toml",
        "folder",
        "Remove group and other write permission from every folder above config.toml.",
    ),
    _host_rule(
        "host-runner-in-docker-group",
        "The shell runner's user is in the docker group",
        (S.MEDIUM, S.HIGH, S.CRITICAL),
        "Membership of the docker group is root on the host in all but name: a job run "
        "by the shell executor can start a privileged container that mounts the host's "
        "filesystem.",
        f"{DOCS}/executors/shell/#security",
        "/etc/group",
        "docker",
        "Remove the runner user from the docker group, or use the docker executor.",
        frozenset({Executor.SHELL}),
    ),
    _host_rule(
        "host-runner-sudo",
        "The runner's user can gain root through sudo",
        (S.MEDIUM, S.HIGH, S.CRITICAL),
        "Jobs of the shell executor run as this user, so any sudo right it has is a "
        "right every pipeline has; with NOPASSWD it needs no further step at all.",
        f"{SECURITY_DOCS}#usage-of-shell-executor",
        "/etc/sudoers",
        "user",
        "Remove the sudoers entries and sudo/wheel membership of the runner user.",
        frozenset({Executor.SHELL}),
    ),
    _host_rule(
        "host-runner-login-shell",
        "The runner's user has an interactive login shell",
        (S.INFO, S.LOW, S.LOW),
        "A service account that nobody logs in to does not need one; with a login shell, "
        "a leaked key or password for it becomes an interactive session on the host.",
        SECURITY_DOCS,
        "/etc/passwd",
        "shell",
        "Set the user's shell to nologin if nobody logs in as it, then run a test job.",
    ),
    _host_rule(
        "host-private-keys",
        "Private SSH keys in the runner user's home",
        (S.MEDIUM, S.HIGH, S.HIGH),
        "A job that runs as this user, or escapes its container, can copy the keys and "
        "use them to reach every machine that trusts them.",
        SECURITY_DOCS,
        "~/.ssh",
        "id_*",
        "Remove the keys from the runner host; give jobs deploy keys as CI/CD variables.",
    ),
    _host_rule(
        "host-cloud-credentials",
        "Cloud or cluster credentials in the runner user's home",
        (S.MEDIUM, S.HIGH, S.CRITICAL),
        "Credential files of cloud command-line tools are as good as the account they "
        "belong to; any job that can read them can act in that account.",
        f"{SECURITY_DOCS}#network-segmentation",
        "~",
        ".aws/credentials, .config/gcloud, .azure, .kube/config",
        "Remove them; let the runner manager use an instance role it alone can reach.",
    ),
    _host_rule(
        "host-git-credentials",
        "Stored Git or HTTP credentials in the runner user's home",
        (S.MEDIUM, S.HIGH, S.HIGH),
        ".netrc and .git-credentials hold passwords or tokens in plain text, used "
        "silently by git and curl: a job inherits access to every server listed.",
        SECURITY_DOCS,
        "~",
        ".netrc, .git-credentials",
        "Delete the files; jobs get their access from CI_JOB_TOKEN or CI/CD variables.",
    ),
    _host_rule(
        "host-docker-auths",
        "Registry passwords stored in the runner user's Docker config",
        (S.LOW, S.MEDIUM, S.HIGH),
        "An auths entry with an auth value is a base64 user name and password, not a "
        "hash: whoever reads the file can push to that registry.",
        f"{DOCS}/configuration/advanced-configuration/#use-a-private-container-registry",
        "~/.docker/config.json",
        "auths",
        "Log out (docker logout REGISTRY) or use a credential helper instead.",
    ),
    _host_rule(
        "host-docker-userns-remap-missing",
        "Docker daemon without user-namespace remapping",
        (S.LOW, S.MEDIUM, S.MEDIUM),
        "Without remapping, root in a job container is root on the host: one container "
        "escape is the whole machine. Remapping makes it an unprivileged user instead "
        "(it cannot be combined with privileged containers).",
        f"{DOCKER_DOCS}/userns-remap/",
        "/etc/docker/daemon.json",
        "userns-remap",
        'Set "userns-remap": "default" in daemon.json unless jobs need privileged mode.',
    ),
    _host_rule(
        "host-docker-icc-enabled",
        "Containers on the default bridge can talk to each other",
        (S.LOW, S.MEDIUM, S.MEDIUM),
        "With inter-container communication on, a job on the default bridge can reach "
        "the services and build containers of concurrent jobs.",
        DAEMON_DOCS,
        "/etc/docker/daemon.json",
        "icc",
        'Give each job its own network (FF_NETWORK_PER_BUILD) first, then set "icc": '
        "false; without per-job networks, jobs reach their services over the default bridge.",
    ),
    _host_rule(
        "host-docker-no-new-privileges-default",
        "Docker daemon does not default containers to no-new-privileges",
        (S.LOW, S.MEDIUM, S.MEDIUM),
        "Without it, a process in any container can become root through a setuid "
        "program, and the runner's own setting covers only the containers it starts.",
        DAEMON_DOCS,
        "/etc/docker/daemon.json",
        "no-new-privileges",
        'Set "no-new-privileges": true in daemon.json.',
    ),
    _host_rule(
        "host-docker-tcp-without-tls",
        "Docker daemon listens on TCP without client certificates",
        (S.HIGH, S.CRITICAL, S.CRITICAL),
        "The Docker API is root on the host. Over TCP without verified client "
        "certificates, anything that can reach the port (a job container included) "
        "can use it; TLS without verification encrypts but still lets anyone in.",
        f"{DOCKER_DOCS}/protect-access/",
        "/etc/docker/daemon.json",
        "hosts",
        "Listen on the Unix socket only, or set tlsverify with a client CA.",
    ),
    _host_rule(
        "host-token-rotation-rewrites-file",
        "The runner will rewrite config.toml when it rotates its token",
        (S.INFO, S.INFO, S.INFO),
        "A token with an expiry is rotated by the runner, which then writes the whole "
        "file back: comments and unknown keys are lost and a $VAR token reference is "
        "replaced by the literal new token.",
        f"{DOCS}/configuration/feature-flags/",
        "runners.feature_flags",
        "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION",
        "Accept the rewrite and keep the annotated file under version control; rotation is "
        "a security control, so turning it off is your call, not ours.",
    ),
    _host_rule(
        "host-config-backups",
        "Copies of config.toml beside it still hold runner tokens",
        (S.LOW, S.MEDIUM, S.HIGH),
        "Editors, package managers, configuration tools and this tool's own saves leave copies "
        "such as config.toml.bak or config.toml~ next to the file. Each holds the tokens of "
        "its day, often with looser permissions than the live file, and rotating or "
        "unregistering only changes the live file, so a copy can keep a working token.",
        f"{DOCS}/configuration/advanced-configuration/",
        "",
        "token",
        "Delete copies you no longer need, or move them out of the runner's folder with mode "
        "0600; rotate any token a readable copy held.",
    ),
    _host_rule(
        "host-managed-file-token-rotation",
        "A configuration tool manages config.toml while the runner rotates its token",
        (S.MEDIUM, S.MEDIUM, S.MEDIUM),
        "After rotating, the runner writes the new token into config.toml and GitLab revokes "
        "the old one. A configuration tool that owns the file then writes its copy back: the "
        "revoked token, so the runner stops taking jobs, and the usual way out is to turn "
        "rotation off, a security control lost. The tool's source also holds a live token.",
        f"{DOCS}/configuration/feature-flags/",
        "runners",
        "token_expires_at",
        "Have the tool leave the token lines alone (manage the file from a template that reads "
        "the current token, or manage only the other settings), then keep rotation on.",
    ),
)

HOST_RULES_BY_ID = {rule.id: rule for rule in HOST_RULES}
