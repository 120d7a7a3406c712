"""Every output outside the full-screen app goes through the typed safe path.

Two checks hold the promise of :mod:`wizard.base.safe_text` (values from files reach
an output only through its renderer):

- **The types.** The output functions take :data:`~wizard.base.safe_text.Safe` only,
  so ``mypy --strict`` refuses a raw ``str`` (``print_error(f"{path}: …")`` is an
  ``arg-type`` error). :func:`test_the_output_functions_take_safe_text_only` pins
  those parameter types, so they cannot be widened back to ``str`` unnoticed.
- **The calls.** :func:`test_no_module_writes_to_a_terminal_but_through_the_safe_path`
  reads every module of ``wizard/`` (the full-screen app aside: it draws through its
  widgets) and fails on any direct write to stdout or stderr (``print``,
  ``sys.stdout.write``, ``click.echo``, ``questionary.print``…). The few places that
  may turn text into ``Safe`` without a renderer are named, each with its reason, and
  the templates our sentences are made from must be literals (or named constants of
  ours), so a value can never be pasted into the sentence instead of a hole.
"""

from __future__ import annotations

import ast
import typing
from collections.abc import Iterator

import pytest

from tests.cli_support import REPO_ROOT

PACKAGE = REPO_ROOT / "wizard"

SAFE_PATH = "wizard/base/safe_text.py"
FILE_WRITERS = ("wizard/tomlfile/safe_write.py", "wizard/base/sinks.py")
"""Write generated files, never a terminal: each value is checked for its slot there."""
FULL_SCREEN_APP = "wizard/tui/"
"""Draws through its widgets; its own check lives with it."""

OUTPUT_CALL_EXCEPTIONS: dict[tuple[str, str], str] = {}
"""(module, call) -> why it may write to a terminal directly. None is needed today:
every command, the line-mode wizard and the CLI write through ``emit``/``write_out``."""

MAKES_SAFE_WITHOUT_A_TEMPLATE: dict[tuple[str, str], str] = {
    ("wizard/report/text.py", "Safe"): "the audit's text renderer: its lines joined",
    ("wizard/report/json_report.py", "Safe"): "the JSON renderer: every field masked",
    ("wizard/report/sarif.py", "Safe"): "the SARIF renderer: every field masked",
    ("wizard/report/codequality.py", "Safe"): "the Code Quality renderer: every field masked",
    ("wizard/report/junit.py", "Safe"): "the JUnit renderer: every field masked and escaped",
    ("wizard/tomlfile/diffs.py", "Safe"): "the masked diff: each line masked by its key",
    ("wizard/answers/impact.py", "Safe"): "a changed value, masked by its key as TOML writes it",
    ("wizard/commands/rules.py", "catalogue"): "the rule catalogue: our text, no file value",
    ("wizard/report/text.py", "catalogue"): "a rule's remedy, from the catalogue",
    ("wizard/plain/flow.py", "catalogue"): "the steps' questions and introductions",
    ("wizard/plain/review.py", "catalogue"): "the host checklist's prose",
    ("wizard/commands/presets.py", "generated"): "presets show: the preset file's renderer",
}
"""(module, function) -> why that module may make Safe text without a template."""

TEMPLATE_FUNCTIONS = ("render", "compose", "ours")
"""Their first argument is our sentence: a literal, or a named constant of ours."""

DIRECT_WRITES = {
    ("sys", "stdout", "write"),
    ("sys", "stderr", "write"),
    ("sys", "stdout", "writelines"),
    ("sys", "stderr", "writelines"),
    ("sys", "__stdout__", "write"),
    ("sys", "__stderr__", "write"),
}
DIRECT_CALLS = {("click", "echo"), ("click", "secho"), ("questionary", "print")}
DIRECT_NAMES = {
    ("builtins", "print"),
    ("click", "echo"),
    ("click", "secho"),
    ("questionary", "print"),
    ("prompt_toolkit", "print_formatted_text"),
    ("prompt_toolkit.shortcuts", "print_formatted_text"),
    ("rich", "print"),
}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(REPO_ROOT).as_posix()
        if name == SAFE_PATH or name in FILE_WRITERS or name.startswith(FULL_SCREEN_APP):
            continue
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


class _Reader(ast.NodeVisitor):
    """What one module calls: direct terminal writes, Safe made without a template, and
    templates that are not ours."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.modules: dict[str, str] = {}
        """Local name -> module it stands for (``import sys as s``)."""
        self.names: dict[str, tuple[str, str]] = {"print": ("builtins", "print")}
        """Local name -> (module, name) imported (``from sys import stdout``)."""
        self.writes: list[str] = []
        self.hatches: list[tuple[str, str]] = []
        self.templates: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.modules[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.names[alias.asname or alias.name] = (node.module or "", alias.name)

    def _where(self, node: ast.AST) -> str:
        return f"{self.module}:{getattr(node, 'lineno', 0)}"

    def _dotted(self, node: ast.expr) -> tuple[str, ...] | None:
        """``sys.stdout.write`` as ``("sys", "stdout", "write")``, aliases resolved."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        if node.id in self.modules:
            return (*self.modules[node.id].split("."), *parts)
        if node.id in self.names:
            module, name = self.names[node.id]
            return (*module.split("."), name, *parts)
        return (node.id, *parts)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self._dotted(node.func)
        if dotted is not None:
            self._check(node, dotted)
        self.generic_visit(node)

    def _check(self, node: ast.Call, dotted: tuple[str, ...]) -> None:
        call = ".".join(dotted)
        if (
            dotted in DIRECT_WRITES
            or dotted[-2:] in DIRECT_CALLS
            or (len(dotted) >= 2 and (".".join(dotted[:-1]), dotted[-1]) in DIRECT_NAMES)
        ):
            if (self.module, call) not in OUTPUT_CALL_EXCEPTIONS:
                self.writes.append(f"{self._where(node)}: {call}(…)")
            return
        from_safe_text = dotted[:-1] == ("wizard", "base", "safe_text")
        if not from_safe_text:
            return
        function = dotted[-1]
        if function in ("Safe", "catalogue", "generated"):
            self.hatches.append((function, self._where(node)))
        if function in TEMPLATE_FUNCTIONS and not _is_ours(node):
            self.templates.append(f"{self._where(node)}: {function}(…)")


def _is_ours(node: ast.Call) -> bool:
    """The template is a literal (implicit concatenation included) or a named constant
    (``REREAD_QUESTION``): never an f-string, a concatenation or a value."""
    if not node.args:
        return False
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return True
    return isinstance(first, ast.Name) and first.id.isupper()


def _cast_to_safe(tree: ast.Module) -> list[int]:
    """``cast(Safe, …)`` or ``cast("Safe", …)``: Safe made by assertion."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "cast" and node.args:
            kind = node.args[0]
            named = getattr(kind, "id", None) or getattr(kind, "value", None)
            if named == "Safe":
                found.append(node.lineno)
    return found


def _read(module: str, tree: ast.Module) -> _Reader:
    reader = _Reader(module)
    reader.visit(tree)
    return reader


def test_no_module_writes_to_a_terminal_but_through_the_safe_path() -> None:
    writes = [line for name, tree in _modules() for line in _read(name, tree).writes]
    assert not writes, "write through emit/emit_line/write_out with Safe text:\n" + "\n".join(
        writes
    )


def test_safe_text_is_made_without_a_template_only_where_named() -> None:
    unnamed = [
        f"{where}: {function}(…)"
        for name, tree in _modules()
        for function, where in _read(name, tree).hatches
        if (name, function) not in MAKES_SAFE_WITHOUT_A_TEMPLATE
    ]
    unnamed += [
        f"{name}:{line}: cast(Safe, …)" for name, tree in _modules() for line in _cast_to_safe(tree)
    ]
    assert not unnamed, "make it with render()/compose()/ours(), or name it:\n" + "\n".join(unnamed)


def test_every_named_exception_is_still_used() -> None:
    """An allow-list entry whose module no longer needs it is removed, not kept."""
    used = {
        (name, function) for name, tree in _modules() for function, _ in _read(name, tree).hatches
    }
    assert set(MAKES_SAFE_WITHOUT_A_TEMPLATE) <= used, set(MAKES_SAFE_WITHOUT_A_TEMPLATE) - used


def test_our_sentences_are_literal_templates() -> None:
    pasted = [line for name, tree in _modules() for line in _read(name, tree).templates]
    assert not pasted, "a template is our sentence; put values in holes:\n" + "\n".join(pasted)


# -- the check can fail --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "print('x')",
        "import sys\nsys.stderr.write('x')",
        "import sys as s\ns.stdout.write('x')",
        "from sys import stdout\nstdout.write('x')",
        "import click\nclick.echo('x')",
        "import questionary\nquestionary.print('x')",
        "from questionary import print as say\nsay('x')",
        "from builtins import print as p\np('x')",
    ],
)
def test_a_direct_write_is_seen(source: str) -> None:
    assert _read("wizard/example.py", ast.parse(source)).writes


@pytest.mark.parametrize(
    "source",
    [
        "from wizard.base.safe_text import render\nrender(f'{path}: bad')",
        "from wizard.base.safe_text import ours\nours('wrote ' + name)",
        "from wizard.base.safe_text import compose as c\nc(template, a=b)",
    ],
)
def test_a_value_pasted_into_a_template_is_seen(source: str) -> None:
    assert _read("wizard/example.py", ast.parse(source)).templates


def test_safe_made_by_hand_is_seen() -> None:
    reader = _read(
        "wizard/example.py", ast.parse("from wizard.base.safe_text import Safe\nSafe(x)")
    )
    assert [function for function, _ in reader.hatches] == ["Safe"]
    assert _cast_to_safe(ast.parse("from typing import cast\ncast(Safe, x)")) == [2]


def test_a_template_of_ours_and_a_file_writer_pass() -> None:
    source = (
        "from wizard.base.safe_text import render, ours\n"
        "render('{path}: wrote', path=p)\n"
        "ours('nothing written')\n"
        "ours(NOTHING_WRITTEN)\n"
        "handle.write(text)\n"
    )
    reader = _read("wizard/example.py", ast.parse(source))
    assert (reader.writes, reader.templates) == ([], [])


# -- the types -----------------------------------------------------------------------------------


def _hints(function: object) -> dict[str, object]:
    return typing.get_type_hints(function)


def test_the_output_functions_take_safe_text_only() -> None:
    """mypy --strict then refuses a raw str at every one of them."""
    from wizard.base import safe_text
    from wizard.base.safe_text import Safe
    from wizard.commands.common import print_error
    from wizard.plain.flow import PlainWizard
    from wizard.plain.prompts import AcceptDefaults, Option, Prompts

    assert _hints(print_error)["message"] is Safe
    for function in (safe_text.emit, safe_text.emit_line, safe_text.write_out):
        assert _hints(function)["text"] is Safe, function
    assert _hints(safe_text.emit_lines)["lines"] == list[Safe]
    assert _hints(PlainWizard.say)["text"] is Safe
    for method in ("select", "confirm", "checkbox", "text", "password"):
        assert _hints(getattr(Prompts, method))["message"] is Safe, method
        assert _hints(getattr(AcceptDefaults, method))["message"] is Safe, method
    option = _hints(Option)
    assert (option["title"], option["description"]) == (Safe, Safe)


def test_the_scan_reads_the_modules_it_should() -> None:
    """The commands, the line mode and the CLI are read; the app and the writers are not."""
    names = {name for name, _ in _modules()}
    assert {
        "wizard/cli.py",
        "wizard/commands/common.py",
        "wizard/commands/presets.py",
        "wizard/plain/flow.py",
        "wizard/plain/prompts.py",
        "wizard/session/presets.py",
        "wizard/audit/baseline.py",
    } <= names
    assert not {n for n in names if n.startswith(FULL_SCREEN_APP)}
    assert SAFE_PATH not in names
    assert not set(FILE_WRITERS) & names
