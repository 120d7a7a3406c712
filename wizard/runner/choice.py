"""Which ``[[runners]]`` entry a command means, and how a picker tells entries apart.

Names are not unique: a file may hold three runners named ``build``. Every command
that takes a runner reads the same selector, documented in the README:

- ``NAME``: the runner of that name, when no other runner shares it;
- ``#N``: the N-th ``[[runners]]`` entry of the file, counting from 1;
- ``id:N``: the runner whose ``id`` (its ID on GitLab, written at registration) is N.

A name several runners share is refused with one line that lists them and says how
to pick one; nothing ever takes the first silently. Pickers, on screen and line by
line, label each entry with what tells it apart: position, name, executor, the
GitLab host and the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wizard.base.errors import WizardError
from wizard.base.masking import outward
from wizard.base.safe_text import FileValue, Message
from wizard.runner.reading import iter_runners

_POSITION = re.compile(r"#(\d+)")
_RUNNER_ID = re.compile(r"id:(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class RunnerChoice:
    """One entry as a picker or an error message shows it (nothing secret in it)."""

    index: int
    name: str | None
    executor: str | None
    host: str | None
    """The GitLab host of its ``url`` (no scheme, path or credentials)."""
    runner_id: int | None

    @property
    def selector(self) -> str:
        """The selector that always picks this entry: its position."""
        return f"#{self.index + 1}"

    def details(self) -> str:
        """What tells it apart from a namesake: executor, GitLab host, id."""
        parts = [self.executor or "no executor", self.host or "no url"]
        if self.runner_id is not None:
            parts.append(f"id {self.runner_id}")
        return ", ".join(parts)

    def label(self) -> str:
        """``#2 build — docker, gitlab.example.com, id 12``: one picker row."""
        name = self.name if self.name is not None else "(unnamed)"
        return outward(f"{self.selector} {name} — {self.details()}", one_line=True)


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    if url.strip().startswith("$"):
        return url.strip()  # expanded by the runner: the variable is all we know
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host or None


def _runner_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def runner_choices(data: Mapping[str, Any]) -> list[RunnerChoice]:
    """Every ``[[runners]]`` entry of ``data``, in file order, as pickers show them."""
    return [
        RunnerChoice(
            index=entry.index,
            name=entry.name,
            executor=entry.get("executor") if isinstance(entry.get("executor"), str) else None,
            host=_host(entry.get("url")),
            runner_id=_runner_id(entry.get("id")),
        )
        for entry in iter_runners(data)
    ]


def _listed(choices: Iterable[RunnerChoice]) -> Message:
    """Each entry with what tells it apart; a name is a value read from the file."""
    return Message.joined(
        "; ",
        [
            Message.of(
                "{selector} {name} ({details})",
                selector=c.selector,
                name=FileValue.read(c.name, "name"),
                details=c.details(),
            )
            if c.name
            else Message.of(
                "{selector} (unnamed) ({details})", selector=c.selector, details=c.details()
            )
            for c in choices
        ],
    )


def shared_name_error(
    where: str, name: str, matches: Sequence[RunnerChoice], flag: str = "--runner"
) -> WizardError:
    """The one line for a name several runners share: each of them, and how to pick one."""
    return WizardError(
        Message.of(
            "{where}: {count} runners are named {name!r}: {listed}; "
            "pick one with {flag} '{selector}' (its position) or {flag} 'id:N'",
            where=where,
            count=len(matches),
            name=FileValue.read(name, "name"),
            listed=_listed(matches),
            flag=flag,
            selector=matches[0].selector,
        )
    )


def select_runner(
    choices: Sequence[RunnerChoice], selector: str, *, where: str, flag: str = "--runner"
) -> RunnerChoice:
    """The one entry ``selector`` means; an error (exit code 2) naming the runners if none.

    ``where`` (the file) starts every message; ``flag`` is the option the message
    tells the user to repeat with a position or an id.
    """
    text = selector.strip()
    position = _POSITION.fullmatch(text)
    if position:
        number = int(position.group(1))
        if 1 <= number <= len(choices):
            return choices[number - 1]
        raise WizardError(
            Message.of(
                "{where}: no runner {text}: the file has {count} [[runners]] entr{ending}",
                where=where,
                text=text,
                count=len(choices),
                ending="y" if len(choices) == 1 else "ies",
            )
        )
    runner_id = _RUNNER_ID.fullmatch(text)
    if runner_id:
        wanted = int(runner_id.group(1))
        found = [c for c in choices if c.runner_id == wanted]
        if len(found) == 1:
            return found[0]
        if found:
            raise WizardError(
                Message.of(
                    "{where}: {count} runners have id {wanted}: {listed}; "
                    "pick one with {flag} '{selector}'",
                    where=where,
                    count=len(found),
                    wanted=wanted,
                    listed=_listed(found),
                    flag=flag,
                    selector=found[0].selector,
                )
            )
        raise WizardError(
            Message.of(
                "{where}: no runner has id {wanted} (runners: {listed})",
                where=where,
                wanted=wanted,
                listed=_listed(choices),
            )
        )
    matches = [c for c in choices if c.name == selector]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise shared_name_error(where, selector, matches, flag)
    raise WizardError(
        Message.of(
            "{where}: no runner named {selector!r} (runners: {listed})",
            where=where,
            selector=selector,
            listed=_listed(choices) or Message.of("none"),
        )
    )


def select_runners(
    choices: Sequence[RunnerChoice], selectors: Iterable[str], *, where: str, flag: str = "--runner"
) -> list[RunnerChoice]:
    """Each selector's entry, once each, in file order."""
    picked = {select_runner(choices, s, where=where, flag=flag).index for s in selectors}
    return [c for c in choices if c.index in picked]


def must_choose_error(
    where: str, choices: Sequence[RunnerChoice], flag: str = "--runner"
) -> WizardError:
    """Several runners and no selector: list them with the selector for each."""
    return WizardError(
        Message.of(
            "{where}: {count} runners ({listed}); choose one with "
            "{flag} NAME, {flag} '#N' or {flag} 'id:N'",
            where=where,
            count=len(choices),
            listed=_listed(choices),
            flag=flag,
        )
    )
