"""Hostile YAML: every case is one line naming the file, exit 2, in bounded time and memory.

Each case runs the real command in a fresh interpreter with an address-space
limit, and the child reports its own peak memory, so a regression that walks
every alias again (4 GB and 30 s for 548 bytes, before) fails here instead of
taking the machine down. The bounds are generous: the suite runs on loaded
machines; the numbers the cases reach on an idle one are in the README.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_support import REPO_ROOT

SECRET = "glrt-HostileYamlSecret12345"

TIME_LIMIT = 20.0
"""Seconds a refusal may take on a loaded CI machine (well under one when idle)."""
MEMORY_LIMIT_MB = 150
"""Peak resident memory of the whole interpreter, imports included."""
ADDRESS_SPACE = 2 * 1024 * 1024 * 1024
"""The child cannot grow past this: a regression fails, it does not swap the host."""

_CHILD = """
import sys
from wizard.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code if isinstance(exit_.code, int) else 2
sys.stdout.flush()
# VmHWM is this interpreter's own peak: getrusage's ru_maxrss keeps the peak of the
# process before exec, that is the size of the forked test runner.
with open("/proc/self/status", encoding="ascii") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(f"@@peak-rss-kb {peak}", file=sys.stderr)
sys.exit(code)
"""


@dataclass(frozen=True)
class Measured:
    code: int
    out: str
    err_lines: list[str]
    seconds: float
    peak_mb: float


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def measure(*argv: str) -> Measured:
    """Run ``runner-wizard ARGV`` in a fresh, memory-limited interpreter and measure it."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=_limit,  # the limit must hold in the child only
        check=False,
    )
    seconds = time.monotonic() - started
    lines = completed.stderr.splitlines()
    peak = [line for line in lines if line.startswith("@@peak-rss-kb ")]
    assert peak, completed.stderr[-2000:]
    others = [line for line in lines if not line.startswith("@@peak-rss-kb ")]
    return Measured(
        completed.returncode, completed.stdout, others, seconds, int(peak[0].split()[1]) / 1024
    )


def _bomb(levels: int, width: int, item: str = "x") -> str:
    """``levels`` lists, each holding ``width`` aliases of the one before."""
    lines = [f"l0: &l0 [{', '.join([item] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def _mapping_bomb() -> str:
    lines = ["m0: &m0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x}"]
    for level in range(1, 9):
        keys = ", ".join(f"{k}: *m{level - 1}" for k in "abcdefghi")
        lines.append(f"m{level}: &m{level} {{{keys}}}")
    return "gitlabUrl: https://gitlab.example.com\nrunners:\n  privileged: true\n" + "\n".join(
        lines
    )


def _merge_bomb() -> str:
    lines = ["k0: &k0 {a0: x}"]
    for level in range(1, 12):
        merged = ", ".join([f"*k{level - 1}"] * 9)
        lines.append(
            f"k{level}: &k{level} {{<<: [{merged}], a{level}: x, b{level}: *k{level - 1}}}"
        )
    return "gitlabUrl: https://gitlab.example.com\nrunners:\n  privileged: true\n" + "\n".join(
        lines
    )


def _indented(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


BOMB = "gitlabUrl: https://gitlab.example.com\nrunners:\n  privileged: true\n" + _bomb(9, 9)

HOSTILE: dict[str, str] = {
    "sequence-bomb.yaml": BOMB,
    "mapping-bomb.yaml": _mapping_bomb(),
    "merge-bomb.yaml": _merge_bomb(),
    "configmap-bomb.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: runner\n"
        'data:\n  config.toml: |\n    [[runners]]\n      name = "a"\n'
        "extra:\n" + _indented(_bomb(9, 9), 2)
    ),
    "argo-values-bomb.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
        "    helm:\n      values: |\n"
        + _indented(
            "gitlabUrl: https://gitlab.example.com\nrunners:\n  config: |\n"
            '    [[runners]]\n      name = "a"\n' + _bomb(9, 9),
            8,
        )
    ),
    "token-as-int.yaml": f'gitlabUrl: https://gitlab.example.com\nrunnerToken: !!int "{SECRET}"\n',
    "token-as-bool.yaml": (
        f'gitlabUrl: https://gitlab.example.com\nrunnerToken: !!bool "{SECRET}"\n'
    ),
    "token-as-float.yaml": (
        f'gitlabUrl: https://gitlab.example.com\nrunnerToken: !!float "{SECRET}"\n'
    ),
    "token-as-timestamp.yaml": (
        f'gitlabUrl: https://gitlab.example.com\nrunnerToken: !!timestamp "{SECRET}"\n'
    ),
    "impossible-date.yaml": "gitlabUrl: https://gitlab.example.com\nrunnerToken: 2020-99-99\n",
    "huge-int.yaml": "gitlabUrl: https://gitlab.example.com\nconcurrent: 1" + "7" * 6000 + "\n",
    "self-alias-sequence.yaml": "gitlabUrl: https://gitlab.example.com\nrunners: &r [*r]\n",
    "self-alias-mapping.yaml": (
        "gitlabUrl: https://gitlab.example.com\nrunners: &r\n  privileged: true\n  again: *r\n"
    ),
    "self-merge.yaml": "gitlabUrl: https://gitlab.example.com\nrunners: &r\n  <<: *r\n  x: 1\n",
    "merge-of-scalar.yaml": "gitlabUrl: https://gitlab.example.com\nrunners:\n  <<: 5\n",
    "list-as-key.yaml": "gitlabUrl: https://gitlab.example.com\n? [a, b]\n: 1\n",
    "deep-nesting.yaml": "gitlabUrl: https://gitlab.example.com\nrunners: "
    + "[" * 5000
    + "]" * 5000,
}


def test_the_bomb_is_the_issues_size() -> None:
    # Nine levels of nine aliases, as reported: a few hundred bytes, 387 million nodes.
    assert len(BOMB) < 1024


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["audit", "harden"])
def test_hostile_yaml_is_one_line_and_exit_2(tmp_path: Path, name: str, command: str) -> None:
    path = tmp_path / name
    path.write_text(HOSTILE[name], encoding="utf-8")
    argv = ["harden", "--fix", "all", str(path)] if command == "harden" else ["audit", str(path)]
    result = measure(*argv)
    assert result.code == 2, (result.out, result.err_lines)
    assert len(result.err_lines) == 1, result.err_lines
    assert result.err_lines[0].startswith(f"runner-wizard: error: {path}"), result.err_lines
    assert SECRET not in result.out + "".join(result.err_lines)
    assert "Traceback" not in result.out
    assert result.seconds < TIME_LIMIT, result.seconds
    assert result.peak_mb < MEMORY_LIMIT_MB, result.peak_mb
    assert path.read_text(encoding="utf-8") == HOSTILE[name]  # nothing written


def test_constructor_errors_name_the_line_not_the_value(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(HOSTILE["token-as-int.yaml"], encoding="utf-8")
    result = measure("audit", "--format", "json", str(path))
    assert result.err_lines == [
        f"runner-wizard: error: {path}:2: invalid YAML: a value typed !!int (by its tag or its "
        "form) is not a valid int; the value is not shown, it may be a secret"
    ]


def test_a_large_yaml_file_is_refused_by_the_size_cap_at_once(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    body = "".join(f"key{n}:\n  name: value-{n}\n  list: [1, 2, 3]\n" for n in range(330_000))
    path.write_text("gitlabUrl: https://gitlab.example.com\n" + body, encoding="utf-8")
    assert 15_000_000 < path.stat().st_size < 16 * 1024 * 1024  # the issue's 15 MB file
    result = measure("audit", str(path))
    assert result.code == 2
    assert result.err_lines == [
        f"runner-wizard: error: {path}: is {path.stat().st_size / 1024:,.0f} KiB of YAML; "
        "YAML files over 512 KiB are not read (values files are far smaller)"
    ]
    assert result.seconds < TIME_LIMIT
    assert result.peak_mb < MEMORY_LIMIT_MB


def test_a_file_just_under_the_cap_is_audited_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    head = (
        "gitlabUrl: https://gitlab.example.com\nrunners:\n  config: |\n    [[runners]]\n"
        '      executor = "kubernetes"\n'
    )
    body = "".join(f"key{n}:\n  name: value-{n}\n  list: [1, 2]\n" for n in range(11_500))
    path.write_text(head + body, encoding="utf-8")
    assert 400 * 1024 < path.stat().st_size < 512 * 1024
    result = measure("audit", str(path))
    assert result.code != 2, result.err_lines  # read and audited: its findings, nothing else
    assert "fixable" in result.out
    assert result.seconds < 120
    assert result.peak_mb < 600


def test_shared_anchors_within_the_budget_are_read(tmp_path: Path) -> None:
    """A values file that reuses a block through anchors is ordinary YAML, not an attack."""
    path = tmp_path / "values.yaml"
    path.write_text(
        "defaults: &defaults {cpu: 100m, memory: 128Mi}\n"
        "gitlabUrl: https://gitlab.example.com\n"
        "runners:\n  privileged: true\n  builds: *defaults\n  services: *defaults\n"
        "  helpers: *defaults\n",
        encoding="utf-8",
    )
    result = measure("audit", str(path))
    assert result.code == 1, result.err_lines
    assert "chart-legacy-privileged" in result.out
