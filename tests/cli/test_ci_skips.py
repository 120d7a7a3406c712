"""In CI every test runs: missing reference data or an unexplained skip is a failure there.

Each case runs pytest in a child process, once as a developer would (the test
skips, saying why) and once with ``CI`` set (the same test fails).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import REPO_ROOT


def _pytest(*args: str, ci: bool, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(extra_env)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("test", "variable"),
    [
        ("tests/rules/test_rule_links.py::test_docs_link_resolves", "RUNNER_WIZARD_RUNNER_DOCS"),
        ("tests/session/test_parity.py", "RUNNER_WIZARD_CORPUS"),
        (
            "tests/tomlfile/test_document.py::test_corpus_round_trip_is_byte_identical",
            "RUNNER_WIZARD_CORPUS",
        ),
        ("tests/embedded/test_embedded_corpus.py", "RUNNER_WIZARD_HELM_CORPUS"),
    ],
)
def test_missing_reference_data_skips_here_and_fails_in_ci(
    test: str, variable: str, tmp_path: Path
) -> None:
    missing = {variable: str(tmp_path / "absent")}
    here = _pytest(test, "-x", ci=False, extra_env=missing)
    assert here.returncode == 0, here.stdout
    assert "skipped" in here.stdout
    in_ci = _pytest(test, "-x", ci=True, extra_env=missing)
    assert in_ci.returncode == 1, in_ci.stdout
    assert "failed" in in_ci.stdout.splitlines()[-1]


def test_a_module_skipped_while_collecting_fails_in_ci(tmp_path: Path) -> None:
    module = tmp_path / "test_skipped_module.py"
    module.write_text(
        "import pytest\n"
        "pytest.skip('no data here', allow_module_level=True)\n"
        "def test_never():\n"
        "    pass\n",
        encoding="utf-8",
    )
    args = ("-p", "tests.conftest", "--rootdir", str(tmp_path), str(module))
    here = _pytest(*args, ci=False, extra_env={"PYTHONPATH": str(REPO_ROOT)})
    assert "1 skipped" in here.stdout, here.stdout
    in_ci = _pytest(*args, ci=True, extra_env={"PYTHONPATH": str(REPO_ROOT)})
    assert in_ci.returncode != 0, in_ci.stdout
    assert "skipped in CI, where every test must run: no data here" in in_ci.stdout


def test_an_unexplained_skip_fails_in_ci_and_a_justified_one_does_not(tmp_path: Path) -> None:
    module = tmp_path / "test_some_skips.py"
    module.write_text(
        "import pytest\n"
        "from tests.ci import skip_even_in_ci\n"
        "def test_plain_skip():\n"
        "    pytest.skip('some tool is missing')\n"
        "@pytest.mark.skipif(True, reason='not today')\n"
        "def test_skipif_mark():\n"
        "    pass\n"
        "def test_justified():\n"
        "    skip_even_in_ci('cannot run as root, and need not')\n",
        encoding="utf-8",
    )
    args = ("-p", "tests.conftest", "--rootdir", str(tmp_path), str(module))
    here = _pytest(*args, ci=False, extra_env={"PYTHONPATH": str(REPO_ROOT)})
    assert "3 skipped" in here.stdout, here.stdout
    in_ci = _pytest(*args, ci=True, extra_env={"PYTHONPATH": str(REPO_ROOT)})
    # The skipif mark acts while setting the test up, so that failure counts as an error.
    assert "1 failed, 1 skipped, 1 error" in in_ci.stdout, in_ci.stdout
    assert "skipped in CI, where every test must run: not today" in in_ci.stdout
    assert "skipped in CI, where every test must run: some tool is missing" in in_ci.stdout
