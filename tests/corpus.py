"""Where the shared corpus of real config.toml files lives, for tests that read it.

The corpus sits beside the repository (``../shared`` in CI and on developer
machines), outside the package. ``RUNNER_WIZARD_CORPUS`` points elsewhere.
Tests that need it skip, saying why, when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-configs"


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


def require_corpus() -> list[Path]:
    """The corpus files, or skip the calling test when there are none."""
    files = corpus_files()
    if not files:
        pytest.skip("no config corpus found (set RUNNER_WIZARD_CORPUS or add ../shared)")
    return files


_HELM_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "helm-values"


def helm_corpus_files() -> list[Path]:
    """Every Helm values file / manifest of the Helm corpus, sorted; empty when absent.

    ``RUNNER_WIZARD_HELM_CORPUS`` points elsewhere.
    """
    override = os.environ.get("RUNNER_WIZARD_HELM_CORPUS")
    folder = Path(override) if override else _HELM_DEFAULT
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.tsv")
