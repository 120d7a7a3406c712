"""Rules about which images jobs may use and how the runner fetches them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import FixSafety, Issue, Severity, TomlValue, Trust
from wizard.base.safe_text import FileValue, Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for, set_in
from wizard.rules.image_patterns import admits_any_registry, public_registry_admitted
from wizard.runner.reading import (
    CONTAINER_EXECUTORS,
    container_table_name,
    get_ci,
    runner_path,
    spelled,
    strings,
    sub_table,
)
from wizard.runner.settings import PULL_ALWAYS_BREAKS

_S = Severity


def is_if_not_present(policy: str) -> bool:
    """``if-not-present`` in Docker's spelling or ``IfNotPresent`` in Kubernetes'."""
    return policy.strip().casefold().replace("-", "").replace("_", "") == "ifnotpresent"


def _without_if_not_present(raw: object, *, as_list: bool) -> TomlValue:
    kept: list[TomlValue] = [item for item in strings(raw) if not is_if_not_present(item)]
    if not kept:
        kept = ["always"]
    if as_list or len(kept) > 1:
        return kept
    return kept[0]


def _if_not_present(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, CONTAINER_EXECUTORS):
        name = container_table_name(entry.executor) or "docker"
        table = sub_table(entry.data, name)
        policy = get_ci(table, "pull_policy")
        if any(is_if_not_present(item) for item in strings(policy)):
            key = spelled(table, "pull_policy")
            value = _without_if_not_present(policy, as_list=isinstance(policy, list))
            yield Issue(
                Message.of(
                    "{key} uses if-not-present: a job can run a private image another project "
                    "pulled, without access to it",
                    key=key,
                ),
                runner_path(entry.index, name),
                key,
                entry.index,
                (set_in(entry, (name,), "pull_policy", value),),
            )
        allowed = get_ci(table, "allowed_pull_policies")
        if any(is_if_not_present(item) for item in strings(allowed)):
            key = spelled(table, "allowed_pull_policies")
            yield Issue(
                Message.of(
                    "{key} admits if-not-present: jobs may opt into reusing cached private images",
                    key=key,
                ),
                runner_path(entry.index, name),
                key,
                entry.index,
                (
                    set_in(
                        entry,
                        (name,),
                        "allowed_pull_policies",
                        _without_if_not_present(allowed, as_list=True),
                    ),
                ),
            )


PULL_POLICY_IF_NOT_PRESENT = Rule(
    id="pull-policy-if-not-present",
    title="Cached images are reused without checking access",
    severity=by_trust(_S.LOW, _S.HIGH, _S.HIGH),
    executors=CONTAINER_EXECUTORS,
    rationale=(
        "With if-not-present the runner uses an image already on the host without asking the "
        "registry, so the registry never checks whether this job may read it. A project can "
        "then run, and copy, a private image that another project's job pulled earlier. The "
        "security guidance keeps it to trusted builds and users only, so it is high wherever "
        "several projects share the runner."
    ),
    doc_url=f"{DOCS}/security/#usage-of-private-docker-images-with-if-not-present-pull-policy",
    table="runners.docker",
    key="pull_policy",
    fix=FixSafety.UNSAFE,
    breaks=PULL_ALWAYS_BREAKS,
    remedy=(
        'Use pull_policy = "always" (any image, checked against the registry for every job) '
        'or "never" (only images the operators put on the host), and keep if-not-present out '
        "of allowed_pull_policies; jobs that need images present only on the host then fail "
        'with "always".'
    ),
    check=_if_not_present,
)


def _images_unrestricted(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.trust == Trust.SINGLE_PROJECT:
        return
    for entry in runners_for(ctx, CONTAINER_EXECUTORS):
        name = container_table_name(entry.executor) or "docker"
        table = sub_table(entry.data, name)
        for key, what in (("allowed_images", "image"), ("allowed_services", "service image")):
            patterns = strings(get_ci(table, key))
            if not patterns:
                detail = Message.of("{key} is empty", key=key)
            else:
                wide = [pattern for pattern in patterns if allows_any_registry(pattern)]
                if not wide:
                    yield from _public_registries(
                        entry.index, name, table, key, what=what, patterns=patterns
                    )
                    continue
                detail = Message.of(
                    "{spelled} has {wide}, which matches",
                    spelled=spelled(table, key),
                    wide=", ".join(wide),
                )
            yield Issue(
                Message.of(
                    "{detail}: jobs may run any {what} from any registry", detail=detail, what=what
                ),
                runner_path(entry.index, name),
                spelled(table, key),
                entry.index,
            )


def _public_registries(
    index: int, name: str, table: Mapping[str, Any], key: str, *, what: str, patterns: list[str]
) -> Iterator[Issue]:
    """Patterns that admit every publisher's images on a public registry (docker.io/**)."""
    for pattern in patterns:
        registry = public_registry_admitted(pattern)
        if registry is None:
            continue
        yield Issue(
            Message.of(
                "{spelled} has {pattern}, which admits every publisher's {what}s on "
                "{registry}: anyone can push an image there for a job to name",
                spelled=spelled(table, key),
                pattern=pattern,
                what=what,
                registry=registry,
            ),
            runner_path(index, name),
            spelled(table, key),
            index,
        )


def allows_any_registry(pattern: str) -> bool:
    """True for an allowlist entry that admits a stranger's image on any registry.

    The runner matches the image name a job writes against each entry with
    doublestar (``common/allowed_images.go``; :mod:`wizard.rules.image_patterns`
    reads it the same way), so ``**/*``, ``*/*:*`` and ``*.*/**`` name no registry
    and no project: a job writes ``any.registry/x:tag``. A lone ``*`` (or ``*:*``)
    is narrower: ``*`` never crosses a ``/``, so it admits only names without a
    registry or namespace, Docker Hub's official images as jobs write them
    (``node:20``, ``postgres``); executors/docker/docker_test.go
    ``testAllowedImages`` has ``library/ruby`` and ``my.registry.tld/ruby``
    refused by ``*``.
    """
    return bool(pattern.strip()) and admits_any_registry(pattern)


IMAGES_UNRESTRICTED = Rule(
    id="images-unrestricted",
    title="Jobs may run any image",
    severity=by_trust(_S.INFO, _S.MEDIUM, _S.HIGH),
    executors=CONTAINER_EXECUTORS,
    rationale=(
        "An empty allowed_images or allowed_services list lets a job name any image from any "
        "registry, including one built to attack the runner host or to exfiltrate what it "
        "finds. On a runner shared by several projects, an allowlist keeps jobs on images the "
        "operators have vetted. The runner matches each pattern against the image name "
        "exactly as the job writes it (doublestar.Match in common/allowed_images.go, before "
        "any docker.io/library/ is added): * stays within one path segment and ** spans "
        "several, so node:20 and postgres are matched by *, not by docker.io/library/*, "
        "and registry.gitlab.com/mygroup/** admits that group's images. The runner's own "
        "default image is always allowed."
    ),
    doc_url=f"{DOCS}/executors/docker/#restrict-docker-images-and-services",
    table="runners.docker",
    key="allowed_images",
    fix=None,
    remedy=(
        'List what jobs may use in allowed_images and allowed_services, as jobs name it: "*" '
        'for Docker Hub\'s official images (node:20, postgres), "your.registry/group/**" for '
        "your own."
    ),
    check=_images_unrestricted,
)

# --- helper-image-unpinned ----------------------------------------------------------------------

_OFFICIAL_HELPER = (
    "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper",
    "gitlab/gitlab-runner-helper",
    "docker.io/gitlab/gitlab-runner-helper",
    "public.ecr.aws/gitlab/gitlab-runner-helper",
)
"""Where GitLab publishes the helper image (helpers/container/helperimage/info.go and the
docs' helper image section)."""


_PUBLIC_REGISTRIES = (
    "docker.io/",
    "index.docker.io/",
    "registry-1.docker.io/",
    "quay.io/",
    "ghcr.io/",
    "gcr.io/",
    "public.ecr.aws/",
    "mcr.microsoft.com/",
    "registry.gitlab.com/",
)
"""Registries where anyone can publish; a mirror on your own domain is not one of them."""


def _public_registry(repository: str) -> bool:
    first = repository.split("/", 1)[0]
    if "/" not in repository or ("." not in first and ":" not in first and first != "localhost"):
        return True  # a Docker Hub name such as someone/helper
    return repository.startswith(_PUBLIC_REGISTRIES) or first.endswith(".aliyuncs.com")


_OFFICIAL_STEP_RUNNER = ("registry.gitlab.com/gitlab-org/step-runner",)
"""Where GitLab publishes the step-runner image."""


def _helper_problem(image: str, key: str = "helper_image") -> Message | None:
    text = image.strip()
    shown = FileValue.read(text, key)
    if not text:
        return None  # empty means the runner's own default, pinned to its version
    name, _, digest = text.partition("@")
    repository, colon, tag = name.rpartition(":")
    if not colon or "/" in tag:
        repository, tag = name, ""
    official = repository.startswith(_OFFICIAL_HELPER + _OFFICIAL_STEP_RUNNER)
    if not official and _public_registry(repository):
        return Message.of(
            "{key} {image!r} comes from someone else's image on a public registry",
            key=key,
            image=shown,
        )
    if digest:
        return None
    if not tag or tag.endswith("latest"):
        return Message.of(
            "{key} {image!r} is not pinned to a version: whatever is pushed next runs",
            key=key,
            image=shown,
        )
    if "$" in _RUNNER_VERSION_VARIABLE.sub("", tag):
        return Message.of(
            "{key} {image!r} takes its tag from a variable the runner expands with the "
            "job's variables (executors/docker/docker.go ExpandValue), so a job can choose it",
            key=key,
            image=shown,
        )
    return None


_RUNNER_VERSION_VARIABLE = re.compile(
    r"\$(\{CI_RUNNER_(VERSION|REVISION)\}|CI_RUNNER_(VERSION|REVISION)\b)"
)
"""The runner's own version or revision, as the docs' helper_image examples spell them
(``x86_64-v${CI_RUNNER_VERSION}``): pinned to the runner binary, not chosen by a job."""


def _helper_image(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, CONTAINER_EXECUTORS):
        name = container_table_name(entry.executor) or "docker"
        table = sub_table(entry.data, name)
        image = get_ci(table, "helper_image")
        problem = _helper_problem(image) if isinstance(image, str) else None
        if problem is not None:
            yield Issue(
                Message.of(
                    "{problem}; the helper clones with the job token "
                    "and handles artifacts and caches",
                    problem=problem,
                ),
                runner_path(entry.index, name),
                spelled(table, "helper_image"),
                entry.index,
            )
        step_runner = get_ci(entry.data, "step_runner_image")
        key = spelled(entry.data, "step_runner_image")
        problem = _helper_problem(step_runner, key) if isinstance(step_runner, str) else None
        if problem is not None:
            yield Issue(
                Message.of(
                    "{problem}; its step-runner binary is copied into every build container and "
                    "runs the job's steps with the job's variables",
                    problem=problem,
                ),
                runner_path(entry.index),
                key,
                entry.index,
            )


HELPER_IMAGE_UNTRUSTED = Rule(
    id="helper-image-untrusted",
    title="The helper image is unpinned or from a third party",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=CONTAINER_EXECUTORS,
    rationale=(
        "The helper container runs in every job beside the job's own: it clones the "
        "repository with the job token, uploads artifacts and restores caches. Left unset, "
        "the runner uses GitLab's helper built for its own version. An image from another "
        "registry, or one tagged latest, runs whatever its publisher pushes next with all of "
        "those credentials; a private mirror is fine when it is pinned and yours. The same "
        "holds for step_runner_image, whose binary runs inside every build container."
    ),
    doc_url=f"{DOCS}/configuration/advanced-configuration/#helper-image",
    table="runners.docker",
    key="helper_image",
    fix=None,
    remedy=(
        "Remove helper_image, or pin it to GitLab's image for your runner version "
        "(x86_64-v<version>) or a digest, mirrored into a registry you control."
    ),
    check=_helper_image,
)

RULES: tuple[Rule, ...] = (PULL_POLICY_IF_NOT_PRESENT, IMAGES_UNRESTRICTED, HELPER_IMAGE_UNTRUSTED)
