"""Every GitLab Runner docs link in the catalogue points at a page and heading that exist.

The docs live in the runner's repository under docs/; a page's URL is its path
without ``.md`` (``_index.md`` is the folder), and an anchor is its heading
lower-cased, with punctuation dropped and spaces turned into hyphens. The check
reads a local clone of the runner (``$RUNNER_WIZARD_RUNNER_SOURCE``, a git
directory) and skips when there is none. The Helm chart rules are left to their own
tests: their pages live in the chart's installation docs.
"""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from wizard.rules import chart_rules
from wizard.rules.base import DOCS
from wizard.rules.catalogue import ALL_RULES

_DEFAULT = Path(__file__).resolve().parents[2] / ".mirror" / "gitlabhq+gitlab-runner" / "repo"


def _source() -> Path | None:
    override = os.environ.get("RUNNER_WIZARD_RUNNER_SOURCE")
    candidate = Path(override) if override else _DEFAULT
    return candidate if candidate.is_dir() else None


SOURCE = _source()


@cache
def _page(path: str) -> str | None:
    assert SOURCE is not None
    for name in (f"docs/{path}.md", f"docs/{path}/_index.md"):
        result = subprocess.run(
            ["git", "--git-dir", str(SOURCE), "show", f"HEAD:{name}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return result.stdout
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
    sorted(
        {
            rule.doc_url
            for rule in ALL_RULES
            if rule.doc_url.startswith(DOCS) and rule not in chart_rules.RULES
        }
    ),
)
def test_docs_link_resolves(url: str) -> None:
    if SOURCE is None:
        pytest.skip("no runner source clone (set RUNNER_WIZARD_RUNNER_SOURCE)")
    rest = url.removeprefix(DOCS + "/")
    path, _, anchor = rest.partition("#")
    page = _page(path.rstrip("/"))
    assert page is not None, f"no docs page for {url}"
    if anchor:
        assert anchor in anchors(page), f"no heading for #{anchor} in {path}"
