"""The package leaves the interpreter as it found it; only the program tunes its process.

``audit`` and ``harden`` raise the collector's thresholds because they build many
long-lived objects and exit. That is right for the ``runner-wizard`` process and
wrong for anyone calling :func:`wizard.cli.main` in-process (the test suite among
them), who would inherit it for everything that runs afterwards.
"""

from __future__ import annotations

import gc
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import wizard
from tests.cli_support import REPO_ROOT, RISKY_CONFIG, write_config
from wizard.cli import main

# Imports every module of the package in a fresh interpreter, and prints the settings
# that belong to the whole process before and after.
_IMPORT_ALL = """
import gc, importlib, json, signal, sys
def settings():
    return {
        "gc": list(gc.get_threshold()),
        "gc_enabled": gc.isenabled(),
        "recursion": sys.getrecursionlimit(),
        "switch": sys.getswitchinterval(),
        "int_digits": sys.get_int_max_str_digits(),
        "sigint": repr(signal.getsignal(signal.SIGINT)),
        "sigpipe": repr(signal.getsignal(signal.SIGPIPE)),
    }
before = settings()
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps({"before": before, "after": settings()}))
"""


def _every_module() -> list[str]:
    names = ["wizard.cli"]
    for module in pkgutil.walk_packages(wizard.__path__, "wizard."):
        if module.name != "wizard.__main__":  # runs the program when imported
            names.append(module.name)
    return names


def test_importing_every_module_changes_no_process_wide_setting() -> None:
    modules = _every_module()
    assert len(modules) > 50, modules
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, *modules],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=True,
    )
    settings = json.loads(result.stdout)
    assert settings["after"] == settings["before"]


def test_harden_called_in_process_keeps_the_collector_as_it_was(tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    before = gc.get_threshold()
    assert main(["harden", "--dry-run", str(path)]) in (0, 1)
    assert main(["audit", "--fail-on", "never", str(path)]) == 0
    assert gc.get_threshold() == before


def test_the_program_itself_tunes_the_collector_for_audit(tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    script = (
        "import gc, sys\n"
        "from wizard.cli import console_main\n"
        f"sys.argv = ['runner-wizard', 'audit', '--fail-on', 'never', {str(path)!r}]\n"
        "code = console_main()\n"
        "print(gc.get_threshold()[0], code, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=True,
    )
    threshold, code = result.stderr.split()[-2:]
    assert (int(threshold), int(code)) == (100_000, 0)
