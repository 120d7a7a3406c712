"""The README is part of the product: its rule table and test command must be true."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _update_readme_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_readme", ROOT / "scripts" / "update_readme.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_table_matches_the_catalogue() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _update_readme_module().rendered_readme(text) == text, (
        "README rule table is stale: run python scripts/update_readme.py"
    )


def test_every_rule_is_listed_in_the_readme() -> None:
    from wizard.rules.catalogue import ALL_RULES

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [rule.id for rule in ALL_RULES if f"`{rule.id}`" not in text]
    assert not missing


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = readme.index("<!-- test-command -->")
    command_block = readme[marker:].split("```", 2)[1]
    assert "pytest" in command_block
    assert "[test]" in command_block


def test_every_subcommand_is_documented() -> None:
    from wizard.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in subparsers.choices:  # type: ignore[union-attr]
        assert f"runner-wizard {name}" in readme, name


def test_every_bundled_preset_is_in_the_readme() -> None:
    from wizard.session.presets import list_presets

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [preset.name for preset in list_presets() if f"`{preset.name}`" not in readme]
    assert not missing
