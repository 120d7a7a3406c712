"""Every rule message is one of our templates, its file values only in holes.

``Issue.message`` and ``Finding.message`` are a :class:`Message`, made only by
:meth:`Message.of` from a literal template: ``mypy --strict`` rejects a rule that passes
an f-string, and the audit shows the sentence as written, masking each hole on its own.
These tests hold the three parts of that: the type is what every rule returns (on every
real config, Helm values file and the leak harness's planted files), the template is
always a literal whose holes match its values, and a secret in a hole is masked while
the words of our sentence around it are not.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_leak_harness import config_toml, toml_secrets, values_yaml, yaml_secrets
from tests.corpus import helm_corpus_files, require_corpus
from wizard.audit import engine
from wizard.base.masking import KNOWN_SECRETS
from wizard.base.model import Issue, Trust
from wizard.base.safe_text import FileValue, Message
from wizard.embedded import load_document
from wizard.rules.base import AuditContext, Rule
from wizard.rules.catalogue import evaluate
from wizard.rules.memo import RuleMemo
from wizard.tomlfile.document import parse_config

PACKAGE = Path(engine.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    KNOWN_SECRETS.clear()
    yield
    KNOWN_SECRETS.clear()


def _issues(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Issue]:
    """Every issue every config rule reports on ``path``, at every trust level."""
    found: list[Issue] = []

    def recording(context: AuditContext, memo: RuleMemo | None = None) -> list[tuple[Rule, Issue]]:
        pairs = evaluate(context, memo)
        found.extend(issue for _, issue in pairs)
        return pairs

    monkeypatch.setattr(engine, "evaluate", recording)
    document = load_document(path)
    for trust in Trust:
        for finding in engine.audit_document(document, trust=trust):
            assert type(finding.message) is Message, (path.name, finding.rule)
    return found


def test_every_rule_message_on_real_and_hostile_files_is_a_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted_toml = tmp_path / "config.toml"
    planted_toml.write_text(config_toml(), encoding="utf-8")
    planted_yaml = tmp_path / "values.yaml"
    planted_yaml.write_text(values_yaml(), encoding="utf-8")
    files = [*require_corpus(), *helm_corpus_files(), planted_toml, planted_yaml]
    count = 0
    for path in files:
        issues = _issues(path, monkeypatch)
        for issue in issues:
            assert type(issue.message) is Message, (path.name, issue.message)
        count += len(issues)
        if path in (planted_toml, planted_yaml):
            assert issues, path.name
            said = "\n".join(issue.message for issue in issues)
            planted = toml_secrets("Tm") if path == planted_toml else yaml_secrets()
            assert not [name for name, secret in planted.items() if secret in said]
    assert count > 1000  # the corpus reaches most rules, many times over


def _template_calls() -> Iterator[tuple[Path, ast.Call]]:
    """Every ``Message.of(...)`` and safe_text ``render(...)`` call outside safe_text."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "safe_text.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # The name ``render`` is bound to in this module, if it imports it (a module may
        # import it under another name and have a ``render`` of its own).
        renders = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "wizard.base.safe_text"
            for alias in node.names
            if alias.name == "render"
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "of"
                and isinstance(func.value, ast.Name)
                and func.value.id == "Message"
            ) or (isinstance(func, ast.Name) and func.id in renders):
                yield path, node


def _string_constants() -> dict[str, str]:
    """Module-level ``NAME = "literal"`` sentences of the package, by name (a name given two
    different sentences is left out, so a template naming it fails as not a literal)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.setdefault(node.targets[0].id, set()).add(node.value.value)
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


def test_every_template_is_a_literal_whose_holes_are_its_values() -> None:
    """A template built at run time could carry file text into our sentence, where it
    would never be masked; a hole without a value fails only when the rule fires."""
    wrong = []
    calls = list(_template_calls())
    constants = _string_constants()
    for path, call in calls:
        where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
        template = call.args[0] if call.args else None
        if isinstance(template, ast.Name) and template.id in constants:
            text = constants[template.id]  # a sentence of ours kept as a named constant
        elif isinstance(template, ast.Constant) and isinstance(template.value, str):
            text = template.value
        else:
            wrong.append(f"{where}: the template is not a literal")
            continue
        holes = {
            field.split(".")[0].split("[")[0]
            for _, field, _, _ in string.Formatter().parse(text)
            if field is not None
        }
        values = {keyword.arg for keyword in call.keywords}
        if holes != values:
            wrong.append(f"{where}: holes {sorted(holes)} but values {sorted(map(str, values))}")
    assert not wrong
    assert len(calls) > 250


def test_only_the_template_method_makes_a_message() -> None:
    """``Message(text)`` would take any text as ours, unmasked; only ``Message.of`` (and
    the two methods beside it in safe_text) may make one."""
    made = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "safe_text.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Message"
    ]
    assert not made


def test_mypy_rejects_a_rule_message_that_is_not_a_template(tmp_path: Path) -> None:
    """The type is the enforcement: an f-string, or a template joined to other text, is a
    plain ``str`` and no longer a message."""
    api = pytest.importorskip("mypy.api")
    module = tmp_path / "rule_sketch.py"
    module.write_text(
        "from wizard.base.model import Issue\n"
        "from wizard.base.safe_text import Message\n"
        "image = 'registry.example.com/app:glpat-AAAAAAAAAAAAAAAAAAAA'\n"
        "raw = Issue(f'image {image} is not pinned', ())\n"
        "joined = Issue(Message.of('image {image}', image=image) + ' is not pinned', ())\n"
        "typed = Issue(Message.of('image {image} is not pinned', image=image), ())\n",
        encoding="utf-8",
    )
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(module)]
    )
    assert status == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["4", "5"]
    assert all('expected "Message"' in line for line in errors)


def test_a_hole_is_masked_and_the_words_of_our_sentence_are_not() -> None:
    image = "registry.example.com/app:glpat-AAAAAAAAAAAAAAAAAAAA"
    message = Message.of(
        "token: {image} mounts {volume}; password: {user}",
        image=image,
        volume=FileValue.read("/x:/y", "password"),
        user="deploy",
    )
    assert "glpat-AAAAAAAAAAAAAAAAAAAA" not in message
    assert "/x:/y" not in message
    assert message == "token: registry.example.com/app:glpat-…AAAA mounts …; password: deploy"


def test_a_rule_masks_the_token_in_an_image_and_keeps_its_own_word_token() -> None:
    """helper-image-untrusted quotes the image under ``helper_image`` and speaks of the job
    token: the token-shaped tag is masked, the sentence is as written."""
    config = (
        '[[runners]]\nname = "r"\nexecutor = "docker"\n[runners.docker]\nimage = "alpine:3"\n'
        'helper_image = "docker.io/someone/helper:glpat-AAAAAAAAAAAAAAAAAAAA"\n'
    )
    document = parse_config(config.encode(), None)
    [finding] = [f for f in engine.audit_document(document) if f.rule == "helper-image-untrusted"]
    assert finding.message == (
        "helper_image 'docker.io/someone/helper:glpat-…AAAA' comes from someone else's image "
        "on a public registry; the helper clones with the job token and handles artifacts "
        "and caches"
    )


def test_a_secret_read_under_a_secret_key_is_masked_whole_in_a_hole() -> None:
    """A hole filled with a value as read under its key: a secret key's value is masked
    whole, whatever it looks like, and remembered so every sink masks it too."""
    message = Message.of(
        "{key} = {value}: set here",
        key="password",
        value=FileValue.read("correct horse battery staple", "password"),
    )
    assert "correct horse" not in message
    assert message == "password = …aple: set here"
    assert KNOWN_SECRETS.mask("use correct horse battery staple") != (
        "use correct horse battery staple"
    )


def test_a_composed_message_keeps_its_parts_as_written() -> None:
    """A sub-sentence made from a template is a hole that is not masked again, so a
    message built in parts reads as one: ``REGISTRY_PASSWORD: any`` is ours here."""
    names = Message.of("{names}", names="REGISTRY_PASSWORD")
    message = Message.of("environment gives every job {names}: any pipeline", names=names)
    assert message == "environment gives every job REGISTRY_PASSWORD: any pipeline"
    joined = Message.joined("; ", [Message.of("a {x}", x="1"), Message.of("b")])
    assert joined == "a 1; b"
    assert type(joined) is Message


def test_a_hole_keeps_the_conversion_and_spec_an_f_string_gave_it() -> None:
    """The rules moved from f-strings keep their wording: ``!r`` quotes the value as read
    (then masks it), a number keeps its spec, a list reads as the file wrote it."""
    assert Message.of("{mode:04o}", mode=0o644) == "0644"
    assert Message.of("{image!r}", image="alpine:3") == "'alpine:3'"
    assert Message.of("{image!r}", image=FileValue.read("alpine:3", "image")) == "'alpine:3'"
    assert Message.of("{token!r}", token="glrt-" + "A" * 20) == "'glrt-…AAAA'"
    assert Message.of("{{literal}} {items}", items=str(["a", "b"])) == "{literal} ['a', 'b']"
    assert Message.of("{n} of {total}", n=2, total=3.5) == "2 of 3.5"
