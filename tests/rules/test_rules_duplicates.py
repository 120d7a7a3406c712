"""Keys that differ only by case: reported, judged at their worst, and fixable.

Rests on the runner's decoder: common/config.go loads config.toml with
BurntSushi/toml, which matches struct fields ignoring case and walks a table as
a Go map, so every spelling is applied, in an order that changes per start.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.rule_checks import issues
from wizard.audit.engine import audit_document, harden_document
from wizard.base.model import Trust
from wizard.cli import main
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import evaluate, get_rule
from wizard.rules.duplicates import readings
from wizard.tomlfile.document import parse_config

SAME_TABLE = (
    '[[runners]]\nexecutor = "docker"\n[runners.docker]\nprivileged = false\nPrivileged = true\n'
)
TWO_TABLES = (
    '[[runners]]\nexecutor = "docker"\n[runners.docker]\nprivileged = false\n'
    "[runners.Docker]\nprivileged = true\n"
)


def rule_ids(text: str) -> set[str]:
    return {rule.id for rule, _ in evaluate(AuditContext(tomllib.loads(text), Trust.PUBLIC))}


def test_duplicate_key_is_reported_and_the_worse_value_counts() -> None:
    (issue,) = issues("duplicate-key", SAME_TABLE)
    assert issue.key == "Privileged"
    assert issue.severity == "high"  # privileged is a hardening setting
    assert "random order" in issue.message
    assert "privileged-container" in rule_ids(SAME_TABLE)
    # The other order: the worse value is first this time.
    flipped = SAME_TABLE.replace("= false\nPrivileged = true", "= true\nPrivileged = false")
    assert "privileged-container" in rule_ids(flipped)


def test_duplicate_tables_are_merged_and_judged_at_their_worst() -> None:
    (issue,) = issues("duplicate-table", TWO_TABLES)
    assert "'docker' and 'Docker'" in issue.message
    assert issue.edits == ()
    assert "privileged-container" in rule_ids(TWO_TABLES)
    inline = (
        '[[runners]]\nexecutor = "docker"\n'
        "docker = { privileged = false }\nDocker.privileged = true\n"
    )
    assert "privileged-container" in rule_ids(inline)


def test_feature_flag_maps_are_read_by_exact_name_and_not_duplicates() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\n[runners.feature_flags]\n'
        "FF_ENABLE_JOB_CLEANUP = true\nff_enable_job_cleanup = false\n"
    )
    assert issues("duplicate-key", text) == []
    assert len(readings(tomllib.loads(text))) == 1


def test_fix_removes_the_later_spelling_in_the_file() -> None:
    document = parse_config(SAME_TABLE.encode())
    result = harden_document(document, trust=Trust.PUBLIC, fix="all")
    assert "Privileged = true" not in result.after.text
    assert result.skipped == []
    after = {f.rule for f in audit_document(result.after, trust=Trust.PUBLIC)}
    assert "duplicate-key" not in after
    assert "privileged-container" not in after
    assert get_rule("duplicate-key").fix == "unsafe"
    assert get_rule("duplicate-key").breaks


def test_finding_points_at_the_line_of_the_worse_spelling() -> None:
    document = parse_config(SAME_TABLE.encode())
    finding = next(
        f for f in audit_document(document, trust=Trust.PUBLIC) if f.rule == "privileged-container"
    )
    assert finding.line == 5


def test_readings_stay_linear_in_the_number_of_duplicates() -> None:
    body = "".join(f"k{i} = 1\nK{i} = 2\n" for i in range(30))
    data = tomllib.loads(f'[[runners]]\nexecutor = "docker"\n[runners.docker]\n{body}')
    assert len(readings(data)) == 1 + 1 + 30


def test_harden_does_not_claim_a_fix_it_could_not_make(tmp_path: Path) -> None:
    """A key the runner reads from two same-named tables: the fix cannot reach the live one,
    so harden says "not fixed" and exits 1 instead of 0."""
    path = tmp_path / "config.toml"
    path.write_text(TWO_TABLES, encoding="utf-8")
    path.chmod(0o600)
    document = parse_config(TWO_TABLES.encode())
    result = harden_document(document, trust=Trust.PUBLIC, fix="all")
    assert any(f.rule == "privileged-container" for f, _ in result.skipped)
    assert main(["harden", "--fix", "all", "--no-backup", str(path)]) == 1
    assert main(["harden", "--fix", "all", "--dry-run", str(path)]) == 1
