"""What the host checks need from ``config.toml``: executors, identity files, token expiry.

This is the one read-only place outside the document layer that parses the
file, with the standard library, because a host inspection must work even
where the rest of the tool would refuse the file. Nothing read here is printed
except runner names and dates; the token itself is only tested for presence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from wizard.base.errors import ConfigError
from wizard.base.model import Executor
from wizard.base.safe_text import Message
from wizard.host.fs import HostFiles, Unreadable
from wizard.host.result import HostContext
from wizard.rules.managed_files import managing_tool
from wizard.runner.reading import get_ci, iter_runners, sub_table
from wizard.runner.settings import runner_label
from wizard.tomlfile.document import parse_text

ROTATION_FLAG = "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION"


@dataclass(frozen=True)
class RunnerConfig:
    """The parsed config, or why there is none."""

    data: Mapping[str, Any] | None
    problem: str | None = None
    text: str = ""
    """The file as read, for what only its comments say (a managing tool's header)."""

    @property
    def executors(self) -> frozenset[Executor] | None:
        if self.data is None:
            return None
        return frozenset(r.executor for r in iter_runners(self.data) if r.executor is not None)

    @property
    def identity_files(self) -> set[str]:
        """Private keys the config tells the runner to use (not stray keys)."""
        if self.data is None:
            return set()
        paths = set()
        for runner in iter_runners(self.data):
            path = get_ci(sub_table(runner.data, "ssh"), "identity_file")
            if isinstance(path, str) and path.startswith("/"):
                paths.add(path)
        return paths


def load_runner_config(files: HostFiles, config_path: str) -> RunnerConfig:
    try:
        text = files.read_text(config_path)
    except Unreadable as error:
        return RunnerConfig(None, str(error))
    try:
        return RunnerConfig(parse_text(text, Path(config_path)), text=text)
    except ConfigError as error:
        return RunnerConfig(None, str(error))


def _expires(value: Any) -> str | None:
    """The expiry as text when it schedules a rotation (a zero time does not)."""
    if isinstance(value, datetime | date) and value.year > 1:
        return value.isoformat()
    return None


def check_token_rotation(context: HostContext, config: RunnerConfig, config_path: str) -> None:
    rule = "host-token-rotation-rewrites-file"
    managed_rule = "host-managed-file-token-rotation"
    if config.data is None:
        context.skip((rule, managed_rule), config.problem or f"{config_path} could not be read")
        return
    tool = managing_tool(config.text)
    for runner in iter_runners(config.data):
        token = get_ci(runner.data, "token")
        expires = _expires(get_ci(runner.data, "token_expires_at"))
        flags = sub_table(runner.data, "feature_flags")
        if not isinstance(token, str) or not token or expires is None:
            continue
        if get_ci(flags, ROTATION_FLAG) is True:
            continue
        name = runner_label(runner.name, runner.index)
        context.find(
            rule,
            Message.of(
                "runner {name} has a token expiring {expires}: the runner will rotate it and "
                "rewrite {config_path}, dropping its comments",
                name=name,
                expires=expires,
                config_path=config_path,
            ),
            config_path,
            runner_index=runner.index,
            runner=runner.name,
            table=("runners", runner.index, "feature_flags"),
            key=ROTATION_FLAG,
        )
        if tool is not None:
            context.find(
                managed_rule,
                Message.of(
                    "runner {name} rotates its token (expiring {expires}) in a file that says it "
                    "is managed by {tool}: {tool}'s next run writes the revoked token back and "
                    "the runner stops taking jobs",
                    name=name,
                    expires=expires,
                    tool=tool,
                ),
                config_path,
                runner_index=runner.index,
                runner=runner.name,
                table=("runners", runner.index),
                key="token_expires_at",
            )
