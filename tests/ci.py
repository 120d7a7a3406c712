"""Tests run where they claim to: in CI a missing corpus, docs tree or tool is a failure.

A developer's checkout may lack ``../shared`` or a system tool, and then a test
skips saying what it needed. CI (the ``CI`` variable set to anything but ``0`` or
``false``) promises the whole suite ran, so the same absence fails there. The few
skips that are right even in CI (a check that needs not being root, say) go
through :func:`skip_even_in_ci` or :func:`skipif_even_in_ci` with the reason;
``tests/conftest.py`` turns every other skip into a failure when ``CI`` is set.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
"""Whether this run is CI, where every test must run."""

JUSTIFIED_SKIPS: set[str] = set()
"""Reasons of the skips allowed in CI; anything else skipped there fails."""


def unavailable(reason: str) -> NoReturn:
    """What the test needs is missing: skip here, fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason}; CI is set, so this test must run", pytrace=False)
    pytest.skip(reason)


def skip_even_in_ci(reason: str) -> NoReturn:
    """Skip, in CI too: ``reason`` must say why the test cannot and need not run."""
    JUSTIFIED_SKIPS.add(reason)
    pytest.skip(reason)


def skipif_even_in_ci(condition: bool, reason: str) -> pytest.MarkDecorator:
    """A ``skipif`` mark allowed in CI; ``reason`` must say why that is right."""
    JUSTIFIED_SKIPS.add(reason)
    return pytest.mark.skipif(condition, reason=reason)
