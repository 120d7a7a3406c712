"""Every GitLab Runner docs link in the catalogue points at a page and heading that exist.

The docs live in the runner's repository under docs/; a page's URL is its path
without ``.md`` (``_index.md`` is the folder), and an anchor is its heading
lower-cased, with punctuation dropped and spaces turned into hyphens. The check
reads the runner's docs at the reference commit from
``../shared/reference/runner-docs/docs/`` (or ``$RUNNER_WIZARD_RUNNER_DOCS``); it
skips without them, and fails in CI. Chart and server rules are checked like
the rest: the chart's pages are runner docs too (``install/kubernetes`` and
``install/kubernetes_helm_chart_configuration``).

Links outside the runner's docs (GitLab's own CI and API pages, Docker's) cannot
be checked offline. Each is listed in ``EXTERNAL`` with the heading line as read
in that site's docs source; a test keeps the list and the catalogue in step, so a
new outside link fails until someone has read its page, and a listed anchor must
be the one the recorded heading produces.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from tests.corpus import require_runner_docs
from wizard.rules.base import DOCS
from wizard.rules.catalogue import ALL_RULES


@cache
def _page(path: str) -> str | None:
    docs = require_runner_docs()
    for candidate in (docs / f"{path}.md", docs / path / "_index.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None


def slug(heading: str) -> str:
    """The anchor the docs site gives a heading."""
    text = re.sub(r"\{#([^}]+)\}\s*$", "", heading).strip().casefold()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: str) -> set[str]:
    found = set()
    for line in page.splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            found.add(slug(match.group(1)))
            custom = re.search(r"\{#([^}]+)\}\s*$", match.group(1))
            if custom:
                found.add(custom.group(1))
    return found


def test_slug_matches_the_docs_site() -> None:
    assert slug("The `[runners.docker]` section") == "the-runnersdocker-section"
    assert (
        slug("Security risks when using `GIT_STRATEGY: fetch` on shared environments")
        == "security-risks-when-using-git_strategy-fetch-on-shared-environments"
    )


@pytest.mark.parametrize(
    "url",
    sorted({rule.doc_url for rule in ALL_RULES if rule.doc_url.startswith(DOCS + "/")}),
)
def test_docs_link_resolves(url: str) -> None:
    rest = url.removeprefix(DOCS + "/")
    path, _, anchor = rest.partition("#")
    page = _page(path.rstrip("/"))
    assert page is not None, f"no docs page for {url}"
    if anchor:
        assert anchor in anchors(page), f"no heading for #{anchor} in {path}"


# Outside links: URL -> (docs source file, the heading line it points at, as read there).
# GitLab's pages come from doc/ in the gitlab repository; a localized page keeps the English
# anchor in ``{#...}``, which is how the managers heading was read. Docker's come from its
# docs and CLI repositories. A URL without an anchor records the page's title line.
EXTERNAL: dict[str, tuple[str, str]] = {
    "https://docs.gitlab.com/api/runners/#verify-authentication-for-a-registered-runner": (
        "gitlab: doc/api/runners.md",
        "## Verify authentication for a registered runner",
    ),
    "https://docs.gitlab.com/api/runners/#list-all-runners-managers": (
        "gitlab: doc/api/runners.md (localized page)",
        "## Lister tous les gestionnaires d'un runner {#list-all-runners-managers}",
    ),
    "https://docs.gitlab.com/ci/runners/configure_runners/#authentication-token-security": (
        "gitlab: doc/ci/runners/configure_runners.md",
        "## Authentication token security",
    ),
    "https://docs.gitlab.com/ci/runners/configure_runners/#control-jobs-that-a-runner-can-run": (
        "gitlab: doc/ci/runners/configure_runners.md",
        "## Control jobs that a runner can run",
    ),
    "https://docs.gitlab.com/ci/runners/configure_runners/"
    "#prevent-runners-from-revealing-sensitive-information": (
        "gitlab: doc/ci/runners/configure_runners.md",
        "## Prevent runners from revealing sensitive information",
    ),
    "https://docs.gitlab.com/ci/runners/runners_scope/"
    "#prevent-a-project-runner-from-being-enabled-for-other-projects": (
        "gitlab: doc/ci/runners/runners_scope.md",
        "### Prevent a project runner from being enabled for other projects",
    ),
    "https://docs.docker.com/engine/security/protect-access/": (
        "docker docs: content/manuals/engine/security/protect-access.md",
        "title: Protect the Docker daemon socket",
    ),
    "https://docs.docker.com/engine/security/userns-remap/": (
        "docker docs: content/manuals/engine/security/userns-remap.md",
        "title: Isolate containers with a user namespace",
    ),
    "https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file": (
        "docker cli: docs/reference/commandline/dockerd.md",
        "### Daemon configuration file",
    ),
}


def test_every_outside_link_was_read() -> None:
    outside = {rule.doc_url for rule in ALL_RULES if not rule.doc_url.startswith(DOCS + "/")}
    assert outside - EXTERNAL.keys() == set(), "outside links nobody has checked"
    assert EXTERNAL.keys() - outside == set(), "checked links the catalogue no longer uses"


@pytest.mark.parametrize("url", sorted(EXTERNAL))
def test_outside_anchor_is_its_heading(url: str) -> None:
    _source_file, heading = EXTERNAL[url]
    _, _, anchor = url.partition("#")
    if not anchor:
        assert heading.startswith("title: "), "a page link records the page title"
        return
    assert anchor in anchors(heading), f"#{anchor} is not the anchor of {heading!r}"
