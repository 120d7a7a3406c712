"""Run every host check against a root folder and collect one :class:`HostReport`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from wizard.base.model import Trust
from wizard.host.accounts import find_runner_user, load_accounts
from wizard.host.config_backups import check_config_backups
from wizard.host.config_file import check_config_file
from wizard.host.credentials import CREDENTIAL_RULES, check_credentials
from wizard.host.docker_daemon import check_docker_daemon
from wizard.host.fs import HostFiles, Unreadable
from wizard.host.result import HostContext, HostEnv, HostReport
from wizard.host.runner_config import check_token_rotation, load_runner_config
from wizard.host.runner_user import check_runner_user
from wizard.rules.host_rules import HOST_RULES_BY_ID

USER_RULES = ("host-runner-in-docker-group", "host-runner-sudo", "host-runner-login-shell")


def run_host_checks(
    root: Path, config_path: Path, trust: Trust, *, env: HostEnv | None = None
) -> HostReport:
    """Inspect the machine under ``root``; ``config_path`` is the path as the host sees it.

    Never raises for what it finds on the machine: anything it cannot read
    becomes a skipped check with the reason.
    """
    env = env or HostEnv.current()
    files = HostFiles.at(root)
    context = HostContext(files=files, env=env, trust=trust, rules=HOST_RULES_BY_ID)
    host_config = str(PurePosixPath("/") / PurePosixPath(config_path.as_posix()))
    config = load_runner_config(files, host_config)

    accounts = None
    runner = None
    if not env.is_linux:
        reason = f"users and groups are read from /etc/passwd on Linux only, not {env.system}"
        context.skip((*USER_RULES, *CREDENTIAL_RULES), reason)
    else:
        try:
            accounts = load_accounts(files)
        except Unreadable as error:
            context.skip((*USER_RULES, *CREDENTIAL_RULES), str(error))
        else:
            runner = find_runner_user(files, accounts)
            if runner is None:
                context.skip(
                    (*USER_RULES, *CREDENTIAL_RULES),
                    "no runner user: no service unit names one and /etc/passwd has no "
                    "gitlab-runner",
                )

    check_config_file(context, host_config, runner.user if runner else None, accounts)
    check_config_backups(context, host_config)
    if runner is not None and accounts is not None:
        check_runner_user(context, runner, accounts, config.executors)
        check_credentials(context, runner.user, config.identity_files)
    check_docker_daemon(context)
    check_token_rotation(context, config, host_config)
    return context.report
