"""Every text a widget of the Textual wizard shows comes from its one renderer.

Textual reads markup in a plain ``str`` given to a widget, so a value from a file
that reaches ``Static``, ``Label``, a button, a list option, ``.update`` or a
notification as a ``str`` can restyle the screen or, with ``[@click=…]``, act.
:mod:`wizard.tui.safe_widgets` takes only ``Safe`` text (``mypy --strict`` refuses a
raw ``str``) and returns text Textual never parses. This test walks every module of
:mod:`wizard.tui` and fails when a widget text is anything but:

- a string literal, or an f-string with no holes, or a module constant bound to one;
- a call to a renderer of :mod:`wizard.tui.safe_widgets`;
- a call to a function of :mod:`wizard.tui` whose every ``return`` is such a call
  (``finding_line``, ``runner_label`` …): it can only hand on what a renderer made.

Nowhere but the renderer may build a ``Text``, a ``Content`` or a ``Table`` (their
classes are imported only for annotations) or call ``notify`` itself. And ``ours``, which
passes its text as it is, never gets an f-string with holes or ``str(…)``: a sentence
with a value in it is a ``render`` template, each hole masked.
"""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import wizard.tui
from wizard.base.safe_text import Safe
from wizard.tui import safe_widgets

TUI = Path(wizard.tui.__file__).parent
RENDERER_MODULE = "safe_widgets.py"

RENDERERS = frozenset({"plain", "styled", "grid", "input_text"})
"""The renderer's functions that make a widget text (``notify_plain`` shows one itself)."""

TEXT_WIDGETS = frozenset(
    {
        "Static",
        "Label",
        "Button",
        "Checkbox",
        "RadioButton",
        "TickBox",
        "WrappingTickBox",
        "ChoiceButton",
        "Selection",
        "Option",
        "Tooltip",
        "Markdown",
        "Digits",
        "Log",
        "RichLog",
    }
)
"""Widgets whose first argument (or ``content=``, ``label=``, ``prompt=``) is shown."""
TEXT_KEYWORDS = frozenset({"content", "renderable", "label", "prompt", "placeholder", "tooltip"})
INPUTS = frozenset({"Input", "TextArea"})
"""Their value (first argument or ``value=``) and ``placeholder=`` are shown."""
TEXT_METHODS = frozenset({"update", "write", "add_row", "add_column", "add_option", "set_options"})
"""Methods whose arguments are shown (``Static.update``, a table's rows, a list's options)."""
TEXT_ATTRIBUTES = frozenset(
    {"label", "placeholder", "tooltip", "border_title", "border_subtitle", "title", "sub_title"}
)
"""Attributes whose assigned value is shown."""
RENDERER_ONLY_CALLS = frozenset(
    {"notify", "Text", "Content", "Table", "from_markup", "from_text", "assemble", "from_ansi"}
)
"""Made or called only inside the renderer, whatever the arguments."""
RENDERER_ONLY_IMPORTS = {
    "rich.text": "Text",
    "textual.content": "Content",
    "rich.table": "Table",
    "rich.markup": "*",
    "textual.markup": "*",
}
"""Imported elsewhere only for annotations (under ``TYPE_CHECKING``)."""

ALLOWED: dict[tuple[str, str], str] = {
    ("screens/start.py", "self.path_text"): (
        "the path the operator typed or the wizard found, given back to edit in an input "
        "line (never markup); masking it would name another file"
    ),
    ("screens/review.py", "self.artifacts_folder"): (
        "the folder the operator typed, given back to edit in an input line"
    ),
    ("screens/runner.py", "self.identity.name or ''"): (
        "the new runner's name as the operator typed it on this form, to edit"
    ),
    ("screens/runner.py", "self.identity.url or ''"): (
        "the new runner's URL as the operator typed it on this form, to edit"
    ),
    ("screens/runner.py", "self.identity.token or ''"): (
        "a password line (shown as dots) given back the token typed on this form"
    ),
}
"""(module, argument) → why it may reach a widget as it is. Input lines only."""


@dataclass(frozen=True)
class Offence:
    module: str
    line: int
    sink: str
    argument: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.sink} gets {self.argument}"


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to one string literal."""
    names: set[str] = set()
    for node in tree.body:
        value: ast.expr | None = None
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign):
            value, targets = node.value, [node.target]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


class Checker:
    """Which expressions are fit for a widget, given the functions known to be safe."""

    def __init__(self, makers: Iterable[str]) -> None:
        self.safe_calls = RENDERERS | set(makers)

    def fit(self, node: ast.expr, constants: set[str]) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return not any(isinstance(part, ast.FormattedValue) for part in node.values)
        if isinstance(node, ast.Name):
            return node.id in constants
        if isinstance(node, ast.IfExp):
            return self.fit(node.body, constants) and self.fit(node.orelse, constants)
        if isinstance(node, ast.Call):
            return _callee(node) in self.safe_calls
        return False


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr | None]:
    """The values ``function`` returns (nested functions left out)."""
    found: list[ast.expr | None] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Return):
            found.append(node.value)
        stack.extend(ast.iter_child_nodes(node))
    return found


def safe_makers(trees: dict[str, ast.Module]) -> set[str]:
    """Functions of the TUI whose every return hands on what a renderer made.

    A name defined twice counts only when every definition is safe.
    """
    functions = [
        (name, node)
        for name, tree in trees.items()
        if name != RENDERER_MODULE
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    makers: set[str] = set()
    while True:
        checker = Checker(makers)
        verdicts: dict[str, bool] = {}
        for module, node in functions:
            constants = _constants(trees[module])
            returns = _returns(node)
            safe = bool(returns) and all(
                value is not None and checker.fit(value, constants) for value in returns
            )
            verdicts[node.name] = verdicts.get(node.name, True) and safe
        found = {name for name, safe in verdicts.items() if safe}
        if found == makers:
            return makers
        makers = found


def _under_type_checking(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside |= {id(child) for child in ast.walk(node)}
    return inside


def _sink_arguments(node: ast.Call, sink: str) -> Iterator[ast.expr]:
    keywords = TEXT_KEYWORDS | ({"value"} if sink in INPUTS else set())
    if sink in TEXT_METHODS:
        yield from node.args
    elif node.args:
        yield node.args[0]
    yield from (k.value for k in node.keywords if k.arg in keywords)


def offences(module: str, tree: ast.Module, checker: Checker) -> list[Offence]:
    """Every widget text in ``tree`` that is not fit for a widget, by the rules above."""
    constants = _constants(tree)
    typing_only = _under_type_checking(tree)
    found: list[Offence] = []

    def check(node: ast.AST, sink: str, argument: ast.expr) -> None:
        shown = ast.unparse(argument)
        if checker.fit(argument, constants) or (module, shown) in ALLOWED:
            return
        found.append(Offence(module, getattr(node, "lineno", 0), sink, shown))

    text_classes = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base) in TEXT_WIDGETS | INPUTS for base in node.bases)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in RENDERER_ONLY_IMPORTS:
            banned = RENDERER_ONLY_IMPORTS[node.module]
            names = {alias.name for alias in node.names}
            if (banned == "*" or banned in names) and id(node) not in typing_only:
                found.append(Offence(module, node.lineno, "import", node.module))
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in TEXT_ATTRIBUTES:
                    check(node, f".{target.attr} =", node.value)
        if isinstance(node, ast.ClassDef) and node.name in text_classes:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and ast.unparse(call.func.value) == "super()"
                ):
                    for argument in _sink_arguments(call, node.name):
                        check(call, f"{node.name}.__init__", argument)
        if not isinstance(node, ast.Call):
            continue
        sink = _callee(node)
        if sink is None:
            continue
        if sink in RENDERER_ONLY_CALLS:
            found.append(Offence(module, node.lineno, sink, "(only the renderer may)"))
        elif sink == "ours" and node.args and _holds_a_value(node.args[0]):
            # ``ours`` passes its text unmasked: a sentence with a value is ``render``'s.
            found.append(Offence(module, node.lineno, sink, ast.unparse(node.args[0])))
        elif sink in TEXT_WIDGETS | INPUTS | TEXT_METHODS:
            for argument in _sink_arguments(node, sink):
                check(node, sink, argument)
    return found


def _holds_a_value(node: ast.expr) -> bool:
    """An f-string with a hole, ``str(…)``, ``format`` or ``%``: text made from a value."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.Call):
        return _callee(node) in {"str", "format", "join", "repr"}
    return isinstance(node, ast.BinOp)


def tui_trees() -> dict[str, ast.Module]:
    return {
        path.relative_to(TUI).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(TUI.rglob("*.py"))
    }


def check_tui(trees: dict[str, ast.Module]) -> list[Offence]:
    checker = Checker(safe_makers(trees))
    return [
        offence
        for module, tree in trees.items()
        if module != RENDERER_MODULE
        for offence in offences(module, tree, checker)
    ]


def test_every_widget_text_of_the_tui_comes_from_the_renderer() -> None:
    trees = tui_trees()
    assert len(trees) >= 15, "every module of the TUI is walked"
    found = check_tui(trees)
    assert not found, "widget texts not made by wizard.tui.safe_widgets:\n" + "\n".join(
        map(str, found)
    )


def test_every_allowed_exception_is_still_there() -> None:
    """An entry whose argument is gone would silently allow the next one of that text."""
    trees = tui_trees()
    present = {
        (module, ast.unparse(node))
        for module, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.expr)
    }
    assert set(ALLOWED) <= present, set(ALLOWED) - present


def test_the_renderers_take_safe_text_only() -> None:
    """The other half of the promise: mypy refuses a raw ``str`` for these parameters."""

    def annotation(function: object, parameter: str) -> str:
        # The module postpones annotations: each is the text it was written as.
        return str(inspect.signature(function).parameters[parameter].annotation)  # type: ignore[arg-type]

    assert annotation(safe_widgets.plain, "text") == "Safe"
    assert annotation(safe_widgets.input_text, "text") == "Safe"
    assert annotation(safe_widgets.notify_plain, "message") == "Safe"
    assert annotation(safe_widgets.styled, "parts") == "Iterable[Part]"
    assert annotation(safe_widgets.grid, "rows") == "Iterable[Sequence[Parts]]"
    assert typing.get_type_hints(safe_widgets.Part)["text"] is Safe
    assert safe_widgets.Parts == list[safe_widgets.Part]
    functions = {name for name, _ in inspect.getmembers(safe_widgets, inspect.isfunction)}
    assert RENDERERS | {"notify_plain"} <= functions


HOSTILE_MODULE = """
from rich.text import Text
from textual.widgets import Input, Label, Static

from wizard.tui.safe_widgets import plain

TITLE = "Review"


class Count(Static):
    def __init__(self, name):
        super().__init__(name)


def heading(name):
    return plain(name)


def leaky(name):
    return name


class Screen:
    def compose(self, name, runner):
        yield Static(name)
        yield Static(f"Runner {runner.name}")
        yield Static(Text(name))
        yield Label(leaky(name))
        yield Input(placeholder=name)
        yield Static(heading(name))
        yield Static(TITLE)
        yield Static(plain(name) if name else "none")
        yield Static("[b]ours[/b]")

    def sentence(self, name):
        return [ours(f"runner {name}"), ours(str(name)), ours("ours"), ours(self.step.intro)]

    def later(self, name, button):
        self.query_one(Static).update(name)
        self.notify(name)
        button.label = name
"""


@pytest.mark.parametrize(
    ("sink", "argument"),
    [
        ("import", "rich.text"),
        ("Count.__init__", "name"),
        ("Static", "name"),
        ("Static", "f'Runner {runner.name}'"),
        ("Text", "(only the renderer may)"),
        ("Label", "leaky(name)"),
        ("Input", "name"),
        ("update", "name"),
        ("notify", "(only the renderer may)"),
        (".label =", "name"),
        ("ours", "f'runner {name}'"),
        ("ours", "str(name)"),
    ],
)
def test_the_walk_finds_a_raw_text_in_every_kind_of_sink(sink: str, argument: str) -> None:
    trees = {"hostile.py": ast.parse(HOSTILE_MODULE)}
    found = {(o.sink, o.argument) for o in check_tui(trees)}
    assert (sink, argument) in found, found


def test_the_walk_passes_literals_constants_and_renderer_calls() -> None:
    trees = {"hostile.py": ast.parse(HOSTILE_MODULE)}
    found = {o.argument for o in check_tui(trees)}
    passed: Sequence[str] = (
        "heading(name)",
        "TITLE",
        "plain(name) if name else 'none'",
        "'[b]ours[/b]'",
        "'ours'",
        "self.step.intro",
    )
    assert not found & set(passed), found & set(passed)
