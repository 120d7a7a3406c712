"""docs/seed-coverage.md maps all 30 recommendations, and names only rules that exist."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.rules.catalogue import ALL_RULES
from wizard.session.presets import bundled_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "seed-coverage.md"
ROW = re.compile(r"^\| (\d+) \| (.+?) \| (.+?) \| (.+?) \|$", re.MULTILINE)
NAMED = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
NOT_RULES = frozenset({"gitlab-runner", "host-check", "server-check", "daemon-json"})
"""Command and user names the page mentions in the same quotes as rule ids."""


def test_thirty_recommendations_each_carried_by_something() -> None:
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    assert [int(number) for number, *_ in rows] == list(range(1, 31))
    for number, _text, rules, artifacts in rows:
        assert rules.strip() != "—" or artifacts.strip() != "—", f"row {number} is empty"


def test_every_named_rule_or_preset_exists() -> None:
    ids = {rule.id for rule in ALL_RULES}
    presets = set(bundled_names())
    named = set(NAMED.findall(DOC.read_text(encoding="utf-8")))
    unknown = {
        name
        for name in named
        if name not in ids | presets | NOT_RULES and not name.startswith(("no-new", "if-not"))
    }
    assert unknown == set()
