"""Checks of the user jobs run as: docker group, sudo rights, login shell.

On a shell runner every job has exactly this user's rights, so anything the
user can do (start containers, sudo) every pipeline can do too.
"""

from __future__ import annotations

from wizard.base.model import Executor
from wizard.base.safe_text import Message
from wizard.host.accounts import Accounts, RunnerUser
from wizard.host.fs import Unreadable
from wizard.host.result import HostContext
from wizard.host.sudoers import sudo_grants

ADMIN_GROUPS = ("sudo", "wheel", "admin")
"""Groups that distributions' default sudoers files give full sudo rights."""


def check_runner_user(
    context: HostContext,
    runner: RunnerUser,
    accounts: Accounts,
    executors: frozenset[Executor] | None,
) -> None:
    """``executors`` is ``None`` when the config could not be read (shell-only checks skip)."""
    user = runner.user
    if user.has_login_shell:
        shell = user.shell or "/bin/sh (empty shell field)"
        context.find(
            "host-runner-login-shell",
            Message.of(
                "{name} (found in {source}) has the login shell {shell}",
                name=user.name,
                source=runner.source,
                shell=shell,
            ),
            "/etc/passwd",
        )
    shell_only = ("host-runner-in-docker-group", "host-runner-sudo")
    if executors is None:
        context.skip(shell_only, "the executors are unknown: config.toml could not be read")
        return
    if Executor.SHELL not in executors:
        context.skip(shell_only, "not applicable: no runner in config.toml uses the shell executor")
        return
    groups = accounts.groups_of(user)
    if "docker" in groups:
        context.find(
            "host-runner-in-docker-group",
            Message.of(
                "{name} runs shell jobs and is in the docker group: every job can control "
                "the Docker daemon, which is root on this host",
                name=user.name,
            ),
            "/etc/group",
        )
    if user.uid == 0:
        context.find(
            "host-runner-sudo",
            Message.of("shell jobs run as {name}, which is root", name=user.name),
            "/etc/passwd",
        )
        return
    for group in ADMIN_GROUPS:
        if group in groups:
            context.find(
                "host-runner-sudo",
                Message.of(
                    "{name} is in the {group} group, which usually grants sudo",
                    name=user.name,
                    group=group,
                ),
                "/etc/group",
            )
    try:
        grants, problems = sudo_grants(context.files, accounts, user)
    except Unreadable as error:
        if error.reason == "does not exist":
            return  # no sudo installed: nothing grants anything
        context.skip(("host-runner-sudo",), str(error))
        return
    for grant in grants:
        what = "any command" if grant.any_command else "some commands"
        how = " without a password" if grant.nopasswd else ""
        context.find(
            "host-runner-sudo",
            Message.of(
                "{path} line {line} lets {name} run {what} through sudo{how}",
                path=grant.path,
                line=grant.line,
                name=user.name,
                what=what,
                how=how,
            ),
            grant.path,
        )
    for problem in problems:
        context.skip(("host-runner-sudo",), f"an included sudoers file was not read: {problem}")
