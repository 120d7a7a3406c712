"""``runner-wizard rules [ID]``: the catalogue, or one rule explained."""

from __future__ import annotations

import argparse
import json
import textwrap

from wizard.base.errors import WizardError
from wizard.base.model import Trust
from wizard.base.safe_text import Message, catalogue, write_out
from wizard.rules.base import Rule
from wizard.rules.catalogue import ALL_RULES, get_rule


def _severities(rule: Rule) -> str:
    return " / ".join(rule.severity_for(t).value for t in Trust)


def _executors(rule: Rule) -> str:
    if rule.executors is None:
        return "any"
    return ", ".join(sorted(e.value for e in rule.executors))


def _fix_impact(rule: Rule) -> str:
    """The fix and its impact: ``safe`` cannot stop a working job, ``unsafe`` says what."""
    if rule.fix is None:
        return "none (by hand)"
    if rule.breaks:
        return f"{rule.fix.value}, may break: {rule.breaks}"
    return f"{rule.fix.value}, cannot stop a job that works today"


def explain(rule: Rule) -> str:
    wrap = textwrap.TextWrapper(width=78, initial_indent="  ", subsequent_indent="  ")
    lines = [
        f"{rule.id}: {rule.title}",
        "",
        f"  looks at:   [{rule.table}] {rule.key}" if rule.table else f"  looks at:   {rule.key}",
        f"  executors:  {_executors(rule)}",
        f"  severity:   {_severities(rule)}  (single-project / multi-project / public)",
        f"  fix:        {_fix_impact(rule)}",
        "",
        wrap.fill(rule.rationale),
        "",
        wrap.fill(f"What to do: {rule.remedy}"),
        "",
        f"  {rule.doc_url}",
    ]
    return "\n".join(lines) + "\n"


def markdown_table(rules: tuple[Rule, ...]) -> str:
    """The README's rule table, generated so it cannot drift from the catalogue."""
    rows = [
        "| id | what it finds | severity (single / multi / public) | fix |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        fix = rule.fix.value if rule.fix else "—"
        rows.append(
            f"| [`{rule.id}`]({rule.doc_url}) | {rule.title} | {_severities(rule)} | {fix} |"
        )
    return "\n".join(rows) + "\n"


def run(args: argparse.Namespace) -> int:
    # Everything here is the catalogue's own text: no value from a file reaches it.
    if args.rule_id:
        try:
            rule = get_rule(args.rule_id)
        except KeyError:
            raise WizardError(
                Message.of(
                    "no rule {rule_id!r}; 'runner-wizard rules' lists them", rule_id=args.rule_id
                )
            ) from None
        if args.format == "json":
            write_out(catalogue(json.dumps(_rule_dict(rule), indent=2) + "\n"))
        else:
            write_out(catalogue(explain(rule)))
        return 0
    if args.format == "json":
        write_out(catalogue(json.dumps([_rule_dict(r) for r in ALL_RULES], indent=2) + "\n"))
    elif args.format == "markdown":
        write_out(catalogue(markdown_table(ALL_RULES)))
    else:
        width = max(len(rule.id) for rule in ALL_RULES)
        lines = []
        for rule in ALL_RULES:
            fix = rule.fix.value if rule.fix else "-"
            lines.append(f"{rule.id:{width}}  {fix:6}  {rule.title}\n")
        write_out(catalogue("".join(lines)))
    return 0


def _rule_dict(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "title": rule.title,
        "scope": rule.scope,
        "severity": {t.value: rule.severity_for(t).value for t in Trust},
        "executors": None if rule.executors is None else sorted(e.value for e in rule.executors),
        "table": rule.table,
        "key": rule.key,
        "fix": rule.fix.value if rule.fix else None,
        "impact": (
            None if rule.fix is None else ("may-break" if rule.fix.value == "unsafe" else "none")
        ),
        "impact_reason": rule.breaks or None,
        "rationale": rule.rationale,
        "remedy": rule.remedy,
        "doc_url": rule.doc_url,
    }
