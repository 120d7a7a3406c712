"""A fleet audit shares the rules' work between files with the same settings.

The memo (:mod:`wizard.rules.memo`) hands the findings of one config to another
whose settings are equal once each runner's name, token, id and token dates are
reduced to their type. That is sound only if no rule without ``reads_identity``
(and no may-break judgement) looks at those values: these tests change them
across the corpus, audit each changed file with a memo that has already seen the
original and without one, and hold the two to be identical.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import corpus_files, require_corpus
from wizard.audit.engine import audit_document
from wizard.base.model import Trust
from wizard.rules import catalogue
from wizard.rules.memo import RuleMemo
from wizard.runner.settings import UNIQUE_PER_RUNNER
from wizard.tomlfile.document import ConfigDocument, load_config, parse_config

IDENTITY_VALUES: tuple[Any, ...] = (
    "",
    "glrt-AAAAAAAAAAAAAAAAAAAAAAAAAA",
    "$RUNNER_TOKEN",
    "GR1348941abcdefghijklmnopqrst",
    "0001-01-01T00:00:00Z",
    "2031-05-04T10:00:00Z",
    dt.datetime(2031, 5, 4, 10, 0, tzinfo=dt.UTC),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
)
"""Values a name, token, id or token date takes in real files: empty, prefixed,
variables, legacy registration tokens, the zero time and real expiry times."""


def _variants(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``data`` with one identity value of its first runner changed, one way at a time."""
    runners = data.get("runners")
    if not isinstance(runners, list) or not runners or not isinstance(runners[0], dict):
        return []
    out = []
    for key in sorted(UNIQUE_PER_RUNNER):
        for value in (*IDENTITY_VALUES, None):
            changed = copy.deepcopy(data)
            if value is None:
                changed["runners"][0].pop(key, None)
            else:
                changed["runners"][0][key] = value
            out.append(changed)
    return out


def _same_with_and_without_memo(document: ConfigDocument, trust: Trust) -> int:
    memo = RuleMemo()
    audit_document(document, trust=trust, memo=memo)
    for data in _variants(document.data):
        changed = replace(document, data=data)
        assert audit_document(changed, trust=trust, memo=memo) == audit_document(
            changed, trust=trust
        ), f"{document.path}: the memo gave another answer for {data['runners'][0]!r}"
    return memo.hits


@pytest.mark.parametrize("trust", [Trust.SINGLE_PROJECT, Trust.PUBLIC])
def test_identity_values_change_nothing_but_the_rules_that_read_them(trust: Trust) -> None:
    hits = sum(_same_with_and_without_memo(load_config(path), trust) for path in require_corpus())
    assert hits > len(corpus_files())  # the memo was used, not bypassed


def test_the_check_catches_a_rule_that_reads_identity_undeclared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without its declaration, the token-rotation rule (which reads the expiry date)
    would be handed another runner's answer: the test above must then fail."""
    monkeypatch.setattr(catalogue, "_IDENTITY_RULES", ())
    text = (
        '[[runners]]\n  name = "a"\n  token = "glrt-AAAAAAAAAAAAAAAAAAAAAAAA"\n'
        '  executor = "shell"\n  token_expires_at = 2031-05-04T10:00:00Z\n'
    )
    with pytest.raises(AssertionError, match="the memo gave another answer"):
        _same_with_and_without_memo(parse_config(text.encode()), Trust.MULTI_PROJECT)


def test_values_equal_in_python_but_not_in_toml_are_kept_apart() -> None:
    """``1``, ``1.0`` and ``true`` are equal as Python values; to the runner they are
    different types, and a rule may say so."""
    memo = RuleMemo()
    first = parse_config(b'[[runners]]\n  executor = "shell"\n  limit = 1\n')
    for value in ("true", "1.0", "-0.0", "0.0"):
        other = parse_config(f'[[runners]]\n  executor = "shell"\n  limit = {value}\n'.encode())
        audit_document(first, memo=memo)
        assert audit_document(other, memo=memo) == audit_document(other)


def test_a_config_inside_helm_values_is_not_kept(tmp_path: Path) -> None:
    """Its findings also depend on the chart's values and the TOML's text."""
    from wizard.embedded import load_all

    values = tmp_path / "values.yaml"
    values.write_text(
        'runners:\n  config: |\n    [[runners]]\n      executor = "kubernetes"\n', encoding="utf-8"
    )
    memo = RuleMemo()
    for _ in range(2):
        audit_document(load_all(values).documents[0], memo=memo)
    assert memo.hits == 0
