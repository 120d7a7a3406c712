"""Run the fuzz harness (tests/cli/test_fuzz.py) with a large budget.

    python scripts/fuzz.py            # 5,000 generated configs, and the corpus
    python scripts/fuzz.py 20000      # another budget

The suite runs the same harness with a small budget on every run; this is the
long run to do before a release or after a change to the file layer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    examples = argv[0] if argv else "5000"
    env = {**os.environ, "FUZZ_EXAMPLES": examples}
    command = [sys.executable, "-m", "pytest", "-q", "tests/cli/test_fuzz.py"]
    command += ["--hypothesis-show-statistics", *argv[1:]]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
