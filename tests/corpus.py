"""Where the shared reference data lives, for tests that read it.

It sits beside the repository (``../shared`` in CI and on developer machines),
outside the package: the corpus of real config.toml files (or
``$RUNNER_WIZARD_CORPUS``), the Helm values corpus (or
``$RUNNER_WIZARD_HELM_CORPUS``) and the runner's docs at the reference commit (or
``$RUNNER_WIZARD_RUNNER_DOCS``). A test that needs one skips, saying why, when it
is absent, and fails instead when ``CI`` is set (see :mod:`tests.ci`).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.ci import unavailable

SHARED = Path(__file__).resolve().parents[2] / "shared"
_DEFAULT = SHARED / "corpus" / "real-configs"


def _locate() -> Path | None:
    override = os.environ.get("RUNNER_WIZARD_CORPUS")
    candidate = Path(override) if override else _DEFAULT
    return candidate if candidate.is_dir() else None


CORPUS_DIR: Path | None = _locate()
"""The folder of real configs, or ``None`` when this checkout has no corpus beside it."""


def corpus_files() -> list[Path]:
    """Every ``*.toml`` in the corpus, sorted; empty when there is no corpus."""
    if CORPUS_DIR is None:
        return []
    return sorted(CORPUS_DIR.glob("*.toml"))


NO_CORPUS = "no config corpus found (set RUNNER_WIZARD_CORPUS or add ../shared)"


def require_corpus() -> list[Path]:
    """The corpus files; without them the calling test skips (fails in CI)."""
    files = corpus_files()
    if not files:
        unavailable(NO_CORPUS)
    return files


def require_corpus_file(name: str) -> Path:
    """One corpus file by name; without it the calling test skips (fails in CI)."""
    path = CORPUS_DIR / name if CORPUS_DIR is not None else None
    if path is None or not path.is_file():
        unavailable(f"{name} is not in the config corpus ({NO_CORPUS})")
    return path


def corpus_params() -> list[Path | None]:
    """Parameters for a test over every corpus file; ``[None]`` without a corpus.

    A test given ``None`` calls :func:`require_corpus`, so a missing corpus is a
    skip, or a failure in CI, rather than a test that silently has no cases.
    """
    return list(corpus_files()) or [None]


def corpus_id(path: Path | None) -> str:
    return path.name if path is not None else "no-corpus"


_HELM_DEFAULT = SHARED / "corpus" / "helm-values"


def helm_corpus_files() -> list[Path]:
    """Every Helm values file / manifest of the Helm corpus, sorted; empty when absent.

    ``RUNNER_WIZARD_HELM_CORPUS`` points elsewhere.
    """
    override = os.environ.get("RUNNER_WIZARD_HELM_CORPUS")
    folder = Path(override) if override else _HELM_DEFAULT
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.tsv")


def require_helm_corpus() -> list[Path]:
    """The Helm corpus files; without them the calling test skips (fails in CI)."""
    files = helm_corpus_files()
    if not files:
        unavailable("no Helm corpus found (set RUNNER_WIZARD_HELM_CORPUS or add ../shared)")
    return files


_RUNNER_DOCS_DEFAULT = SHARED / "reference" / "runner-docs" / "docs"


def runner_docs() -> Path | None:
    """The runner's ``docs/`` folder at the reference commit, or ``None`` when absent."""
    override = os.environ.get("RUNNER_WIZARD_RUNNER_DOCS")
    folder = Path(override) if override else _RUNNER_DOCS_DEFAULT
    return folder if folder.is_dir() else None


def require_runner_docs() -> Path:
    """The runner's docs folder; without it the calling test skips (fails in CI)."""
    folder = runner_docs()
    if folder is None:
        unavailable("no runner docs found (set RUNNER_WIZARD_RUNNER_DOCS or add ../shared)")
    return folder


def corpus_case(path: Path | None) -> Path:
    """The file of one case of a test over :func:`corpus_params` (``None``: no corpus)."""
    if path is None:
        unavailable(NO_CORPUS)
    return path
