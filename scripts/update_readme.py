"""Regenerate the README's rule table from the catalogue.

Run after changing a rule: ``python scripts/update_readme.py``. The test suite
fails while the README and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.commands.rules import markdown_table  # noqa: E402
from wizard.rules.catalogue import ALL_RULES  # noqa: E402

BEGIN = "<!-- rules:begin -->"
END = "<!-- rules:end -->"


def rendered_readme(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{markdown_table(ALL_RULES)}{END}{tail}"


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = rendered_readme(text)
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
        print("README.md: rule table updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
