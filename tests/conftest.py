"""With ``CI`` set, a skip that :mod:`tests.ci` does not justify fails the test."""

from __future__ import annotations

from collections.abc import Generator

import pytest
from _pytest.reports import CollectReport, TestReport

from tests.ci import IN_CI, JUSTIFIED_SKIPS


def _skip_reason(report: TestReport | CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, TestReport, TestReport]:
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if reason not in JUSTIFIED_SKIPS:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where every test must run: {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, CollectReport, CollectReport]:
    """A whole module skipped while collecting is held to the same rule."""
    report = yield
    if IN_CI and report.skipped:
        reason = _skip_reason(report)
        if reason not in JUSTIFIED_SKIPS:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where every test must run: {reason}"
    return report
