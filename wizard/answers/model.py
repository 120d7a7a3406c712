"""The answers model: what the operator decided, shared by every front-end and presets.

Every field is optional: ``None`` means "not answered yet", which is how a
scripted run knows what is missing and how a preset leaves a question open.
Values are plain strings, booleans and tuples so that an answers file is a
readable TOML table and two runs with the same answers produce the same file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from enum import Enum, StrEnum
from typing import Any

from wizard.base.model import Executor, Trust
from wizard.base.safe_text import Message
from wizard.base.sinks import unsafe_character


class PrivilegedNeed(StrEnum):
    """What the jobs need from the container runtime."""

    NONE = "none"
    """Ordinary builds: no privileged mode at all."""
    ROOTLESS = "rootless"
    """Image builds with rootless builders (no daemon, no privileged mode)."""
    PRIVILEGED = "privileged"
    """Docker-in-Docker: privileged containers, confined to ephemeral VMs."""


class PullPolicyChoice(StrEnum):
    """How job images are pulled."""

    ALWAYS = "always"
    """Pull every time, so registry permissions are checked for each job."""
    NEVER = "never"
    """Only images already on the host, from a pre-pulled allowlist."""
    IF_NOT_PRESENT = "if-not-present"
    """Reuse cached images; only for runners whose users all trust each other."""


class JobUser(StrEnum):
    """Which user the build container runs as (docker executors)."""

    IMAGE_DEFAULT = "image-default"
    """Whatever the image says, often root."""
    NON_ROOT = "non-root"
    """A fixed unprivileged user id, whatever the job asks for."""


class CloneStrategy(StrEnum):
    """Default ``GIT_STRATEGY`` the runner sets for jobs on reused hosts."""

    CLONE = "clone"
    """A fresh clone for every job: nothing left by an earlier job is reused."""
    FETCH = "fetch"
    """Reuse the working copy: faster, but a job can poison it for the next."""


HOST_MEASURES = ("metadata-endpoint", "inbound-ssh", "runner-to-runner", "own-segment")
"""Network measures taken on the host or in the cloud, outside ``config.toml``."""

NON_ROOT_USER = "1000:1000"
"""The user id written for :attr:`JobUser.NON_ROOT`."""


@dataclass(frozen=True)
class Answers:
    """One runner's answers to the wizard's questions (``None``: not answered)."""

    trust: Trust | None = None
    executor: Executor | None = None
    default_image: str | None = None
    """Image for jobs that name none (container executors); the runner needs one."""
    privileged: PrivilegedNeed | None = None
    job_user: JobUser | None = None
    pull_policy: PullPolicyChoice | None = None
    allowed_pull_policies: tuple[str, ...] | None = None
    """Policies a job may request in ``.gitlab-ci.yml``; empty means the runner's own."""
    allowed_images: tuple[str, ...] | None = None
    """Image allowlist (globs matched against the name as the job writes it); empty
    means any image."""
    allowed_services: tuple[str, ...] | None = None
    """Service image allowlist, matched the same way; empty means any service image."""
    per_build_network: bool | None = None
    isolate_host_network: bool | None = None
    """Refuse ``network_mode``/``pid_mode``/``ipcmode`` = host."""
    local_only_listeners: bool | None = None
    """Bind the metrics endpoint to localhost (the session server is never moved)."""
    host_measures: tuple[str, ...] | None = None
    """Which of :data:`HOST_MEASURES` the operator will put in place (the checklist)."""
    one_job_per_vm: bool | None = None
    job_cleanup: bool | None = None
    clone_strategy: CloneStrategy | None = None

    def merged(self, other: Answers) -> Answers:
        """These answers with every answered field of ``other`` on top."""
        updates = {f.name: getattr(other, f.name) for f in fields(other)}
        return replace(self, **{k: v for k, v in updates.items() if v is not None})

    def missing(self, names: list[str]) -> list[str]:
        return [name for name in names if getattr(self, name) is None]

    def to_dict(self) -> dict[str, Any]:
        """Answered fields as TOML-ready plain values, in declaration order."""
        result: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, Enum):
                result[name] = value.value
            elif isinstance(value, tuple):
                result[name] = list(value)
            else:
                result[name] = value
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "answers") -> Answers:
        """Build answers from plain data, with one clear error for anything unexpected."""
        kwargs: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for name, raw in data.items():
            if name not in known:
                raise AnswerError(
                    Message.of("{source}: unknown answer {name!r}", source=source, name=name)
                )
            kwargs[name] = _coerce(name, raw, source)
        return cls(**kwargs)


class AnswerError(ValueError):
    """An answer that cannot be taken, said as one of our messages (the value in a hole)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


_ENUMS: dict[str, type[Enum]] = {
    "trust": Trust,
    "executor": Executor,
    "privileged": PrivilegedNeed,
    "job_user": JobUser,
    "pull_policy": PullPolicyChoice,
    "clone_strategy": CloneStrategy,
}
_TUPLES = {"allowed_pull_policies", "allowed_images", "allowed_services", "host_measures"}
_STRINGS = {"default_image"}


def _coerce(name: str, raw: Any, source: str) -> Any:
    for text in raw if isinstance(raw, list) else [raw]:
        found = unsafe_character(text) if isinstance(text, str) else None
        if found is not None:
            # Answers end up in config.toml, values files, firewall rules and the
            # checklist: a line break would carry the rest of the value out of its slot.
            raise AnswerError(
                Message.of(
                    "{source}: {name}: the value holds a control character ({found})",
                    source=source,
                    name=name,
                    found=found,
                )
            )
    if name in _ENUMS:
        enum = _ENUMS[name]
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in enum)
            raise AnswerError(
                Message.of(
                    "{source}: {name} = {raw!r} is not one of: {allowed}",
                    source=source,
                    name=name,
                    raw=raw,
                    allowed=allowed,
                )
            ) from None
    if name in _TUPLES:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise AnswerError(
                Message.of("{source}: {name} must be a list of strings", source=source, name=name)
            )
        if name == "host_measures":
            unknown = [item for item in raw if item not in HOST_MEASURES]
            if unknown:
                raise AnswerError(
                    Message.of(
                        "{source}: unknown host measure(s): {unknown}",
                        source=source,
                        unknown=", ".join(unknown),
                    )
                )
        return tuple(raw)
    if name in _STRINGS:
        if not isinstance(raw, str) or not raw.strip():
            raise AnswerError(
                Message.of("{source}: {name} must be a non-empty string", source=source, name=name)
            )
        return raw.strip()
    if not isinstance(raw, bool):
        raise AnswerError(
            Message.of("{source}: {name} must be true or false", source=source, name=name)
        )
    return raw
