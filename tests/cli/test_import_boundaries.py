"""Which module may import what: the fast paths stay fast and the layers stay apart.

Two views of the same promise. The process test runs real commands in a fresh
interpreter and looks at what they loaded; the static test reads every module's
imports (lazy ones inside functions included), so a boundary broken on a path
no test runs is still caught.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import REPO_ROOT, RISKY_CONFIG, write_config

PACKAGE = REPO_ROOT / "wizard"
UI_LIBRARIES = ("textual", "questionary", "prompt_toolkit")

_DRIVER = """
import json, sys
from wizard.cli import main
report, argv = sys.argv[1], sys.argv[2:]
try:
    code = main(argv)
except SystemExit as exit_:
    code = exit_.code
roots = sorted({name.split(".")[0] for name in sys.modules})
with open(report, "w", encoding="utf-8") as out:
    json.dump({"code": code, "roots": roots}, out)
"""


def loaded_roots(tmp_path: Path, *argv: str) -> tuple[object, set[str]]:
    """Run the CLI in a fresh interpreter; its exit code and the top-level packages it loaded."""
    report = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run(
        [sys.executable, "-c", _DRIVER, str(report), *argv],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    return result["code"], set(result["roots"])


@pytest.mark.parametrize(
    ("argv", "expected_code"),
    [
        (("--help",), 0),
        (("--version",), 0),
        (("audit", "config.toml"), 1),
        (("audit", "--format", "json", "config.toml"), 1),
        (("audit", "--format", "sarif", "config.toml"), 1),
        (("audit", "--format", "codequality", "."), 1),
        (("audit", "--format", "junit", "--summary", "."), 2),
        (("audit", "--format", "junit", "."), 1),
        (("audit", "--summary", "."), 1),
        (("harden", "--dry-run", "config.toml"), 1),
        (("rules",), 0),
        (("rules", "privileged-container"), 0),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_commands_do_not_load_the_interactive_libraries(
    tmp_path: Path, argv: tuple[str, ...], expected_code: int
) -> None:
    write_config(tmp_path, RISKY_CONFIG)
    code, roots = loaded_roots(tmp_path, *argv)
    assert code == expected_code
    assert "wizard" in roots
    assert roots.isdisjoint(UI_LIBRARIES), sorted(roots & set(UI_LIBRARIES))


def test_help_and_version_do_not_even_load_the_toml_editor(tmp_path: Path) -> None:
    for argv in (("--help",), ("--version",)):
        _code, roots = loaded_roots(tmp_path, *argv)
        assert "tomlkit" not in roots


@pytest.mark.parametrize(
    "argv",
    [("audit", "config.toml"), ("audit", "--format", "json", "config.toml")],
    ids=" ".join,
)
def test_a_plain_config_toml_never_loads_the_yaml_parser(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """Values files need PyYAML; a config.toml audit must not pay for it on every run."""
    write_config(tmp_path, RISKY_CONFIG)
    code, roots = loaded_roots(tmp_path, *argv)
    assert code == 1
    assert "yaml" not in roots


def test_the_driver_would_notice_a_ui_import(tmp_path: Path) -> None:
    """The process check is only worth something if loading Textual shows up in it."""
    report = tmp_path / "modules.json"
    driver = _DRIVER.replace(
        "from wizard.cli import main", "import textual.app\n" + "from wizard.cli import main"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run(
        [sys.executable, "-c", driver, str(report), "--version"],
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert "textual" in json.loads(report.read_text())["roots"]


def test_python_m_wizard_help_imports_no_ui_library() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wizard", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0
    imported = [line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()]
    assert "wizard.cli" in imported
    assert not [name for name in imported if name.split(".")[0] in UI_LIBRARIES]


# -- static view -----------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, package: str) -> Iterator[str]:
    """Every module ``source`` imports, anywhere in it, with relative imports resolved
    against ``package`` (the package the module lives in)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_import_module(node):
            argument = node.args[0]
            assert isinstance(argument, ast.Constant)
            yield str(argument.value)


def _is_import_module(call: ast.Call) -> bool:
    """``importlib.import_module("name")`` or ``import_module("name")`` with a literal name."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        name == "import_module"
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def imports_of(path: Path) -> list[str]:
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    return list(imports_in(path.read_text(encoding="utf-8"), package))


def imports_root(names: list[str], root: str) -> list[str]:
    return [name for name in names if name == root or name.startswith(root + ".")]


SOURCES = sorted(PACKAGE.rglob("*.py"))
IMPORTS = {path.relative_to(REPO_ROOT).as_posix(): imports_of(path) for path in SOURCES}

FRONT_ENDS = ("wizard/tui/", "wizard/plain/", "wizard/commands/tui.py", "wizard/commands/plain.py")


def is_core(relative: str) -> bool:
    return not relative.startswith(FRONT_ENDS)


def test_the_static_reader_sees_lazy_and_relative_imports() -> None:
    source = (
        "def later():\n    import textual.app\n    from . import plain\n"
        "    from ..tomlfile.document import load_config\n"
        "    importlib.import_module('questionary')\n"
    )
    names = list(imports_in(source, "wizard.tui"))
    assert "textual.app" in names
    assert "wizard.tui.plain" in names
    assert "wizard.tomlfile.document.load_config" in names
    assert "questionary" in names


@pytest.mark.parametrize("relative", [name for name in IMPORTS if is_core(name)])
def test_core_modules_never_import_ui_libraries(relative: str) -> None:
    """Also by ``importlib.import_module("...")``, which the import contract cannot see."""
    for library in UI_LIBRARIES:
        assert not imports_root(IMPORTS[relative], library), f"{relative} imports {library}"


# -- the layers: an import-linter contract in pyproject.toml ---------------------------

ENTRY_POINTS = {"__init__.py", "__main__.py", "cli.py"}


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_package_root_holds_only_entry_points() -> None:
    modules = {path.name for path in PACKAGE.glob("*.py")}
    assert modules == ENTRY_POINTS, sorted(modules - ENTRY_POINTS)


def test_the_layer_contract_names_every_package() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    packages = {f"wizard.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    entry = {f"wizard.{Path(name).stem}" for name in ENTRY_POINTS - {"__init__.py"}}
    assert named == packages | entry


def test_the_import_contract_holds() -> None:
    """The check ``.ci/run`` makes, so a plain pytest run catches a broken layer too."""
    lint = Path(sys.executable).parent / "lint-imports"
    completed = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "0 broken" in completed.stdout


def _string_constants(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _joins_shared(tree: ast.AST) -> bool:
    """``something / "shared"``: building a path into the reference folder."""
    return any(
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.right, ast.Constant)
        and node.right.value == "shared"
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_nothing_in_the_package_reads_the_shared_folder(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    offending = [s for s in _string_constants(tree) if "shared/" in s or "shared\\" in s]
    assert not offending, f"{path} names the shared folder: {offending}"
    assert not _joins_shared(tree)


def test_package_data_is_shipped_inside_the_package() -> None:
    """The catalogue reads its key list from package data, never from the reference folder."""
    assert (PACKAGE / "runner" / "data" / "runner_keys.json").is_file()
