"""Measure what runner-wizard costs on large configs, beside the TOML libraries alone.

Generates fleets of 100, 1,000 and 10,000 runners (mostly docker, with
docker+machine, kubernetes and shell entries, sub-tables, comments and settings
that harden changes) and reports, whole process and median of ``--repeat`` runs:

- ``audit --format json`` beside ``tomllib`` load + a scan of every runner's
  tables, and ``harden --dry-run --fix all`` beside ``tomlkit`` parse + the same
  edits + dump: the two ratios say what we cost over the libraries themselves.
  Every command of a round runs before the next round starts, so a busy machine
  slows all of them alike;
- the cost of one runner at each size, with the fixed cost (interpreter,
  imports, a one-runner file) taken off: the same cost at every size means
  linear work, a cost that grows with the size means worse;
- pathological inputs: an 80 KB line of secret-like words, a 96 KB comment and a
  1 MB value, each in a small config.

- a fleet of files: 100 and 1,000 one-runner files audited in one process
  (``audit --format json FOLDER``) beside ``tomllib`` loading the same files in
  one process, in this process (imports done) and as whole processes, with the
  cost of one file at each count: the goal is at most 3x ``tomllib``, and the
  same cost per file at 100 and at 1,000 files.

``--check-growth`` is the quick check ``.ci/run`` makes: the commands run in
this process (no interpreter start to blur them) on 1,000 and 4,000 runners, and
it fails when one runner costs more than twice as much at 4,000 as at 1,000
(linear work gives about 1, quadratic about 4); likewise when one file of a
folder of 1,000 one-runner files costs more than twice as much as one of 100.
It never fails on absolute times, which depend on the machine.

Usage:
  python scripts/benchmark.py [--sizes 100 1000 10000] [--repeat 3] [--no-pathological]
                              [--no-files]
  python scripts/benchmark.py --check-growth
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

GROWTH_LIMIT = 2.0
"""Per-runner cost at 4,000 runners over the cost at 1,000 that fails the check."""

TIMEOUT = 300.0
"""A command slower than this is reported as such rather than waited for."""

PATHOLOGICAL_TIMEOUT = 60.0
"""The same for the pathological inputs, which take minutes while masking backtracks."""

_DOCKER = """\
# Runner {index}: builds for team {team}
[[runners]]
  name = "docker-{index:05d}"
  url = "https://gitlab.example.com"
  token = "glrt-BenchmarkToken{index:08d}xyz"
  executor = "docker"
  # keep the cache on the shared bucket
  [runners.cache]
    Type = "s3"
    Shared = false
    [runners.cache.s3]
      ServerAddress = "s3.example.com"
      BucketName = "runner-cache-{team}"
      BucketLocation = "eu-central-1"
  [runners.docker]
    image = "alpine:3.20"
    privileged = {privileged}  # dind for image builds
    volumes = [
      "/cache",  # build cache
    ]
    shm_size = 0

"""

_MACHINE = """\
[[runners]]
  name = "autoscale-{index:05d}"
  url = "https://gitlab.example.com"
  token = "glrt-BenchmarkToken{index:08d}xyz"
  executor = "docker+machine"
  limit = 20
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
  [runners.machine]
    IdleCount = 2
    MachineDriver = "amazonec2"
    MachineName = "ci-%s"
    MachineOptions = [
      "amazonec2-region=eu-central-1",
      "amazonec2-instance-type=m5.large",
    ]

"""

_KUBERNETES = """\
[[runners]]
  name = "k8s-{index:05d}"
  url = "https://gitlab.example.com"
  token = "glrt-BenchmarkToken{index:08d}xyz"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci-{team}"
    image = "alpine:3.20"
    privileged = false

"""

_SHELL = """\
[[runners]]
  name = "shell-{index:05d}"
  url = "https://gitlab.example.com"
  token = "glrt-BenchmarkToken{index:08d}xyz"
  executor = "shell"
  builds_dir = "/srv/builds"

"""


def _runner(index: int) -> str:
    kind = index % 8
    template = _MACHINE if kind == 5 else _KUBERNETES if kind == 6 else _SHELL
    if kind < 5:
        template = _DOCKER
    return template.format(index=index, team=index % 7, privileged=str(index % 4 == 0).lower())


def generate_config(runners: int) -> str:
    """A fleet of ``runners`` entries: five in eight docker, then machine, kubernetes, shell."""
    head = "# Generated for the benchmark\nconcurrent = 8\ncheck_interval = 0\n\n"
    return head + "".join(_runner(i) for i in range(runners))


def pathological_configs() -> dict[str, str]:
    """Small configs with one huge line: what a regex that backtracks chokes on.

    Long runs of secret-like word characters without a separator are the worst
    case for patterns such as ``[\\w.-]*token[\\w.-]*``: the 80 KB key reaches
    audit's messages (an unknown key is named), the comment and the value reach
    the masked diff of ``harden --dry-run``.
    """
    run = "secret_token_password_"
    key = (run * (80 * 1024 // len(run) + 1))[: 80 * 1024]
    comment = (run * (96 * 1024 // len(run) + 1))[: 96 * 1024]
    value = ("tokentoken" * (1024 * 1024 // 10 + 1))[: 1024 * 1024]
    base = generate_config(4)
    return {
        "80 KB line": base + f'[[runners]]\n  name = "long"\n  executor = "shell"\n  {key} = "x"\n',
        "96 KB comment": base.replace(
            "  [runners.docker]\n", f"  # {comment}\n  [runners.docker]\n", 1
        ),
        "1 MB value": base + f'[[runners]]\n  name = "big"\n  executor = "shell"\n'
        f'  pre_build_script = "{value}"\n',
    }


# -- the baselines: the TOML libraries alone, whole process --------------------------

TOMLLIB_SCAN = """\
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
def walk(value):
    if isinstance(value, dict):
        return sum(walk(v) for v in value.values()) + len(value)
    if isinstance(value, list):
        return sum(walk(v) for v in value)
    return 1
print(sum(walk(runner) for runner in data.get("runners", [])))
"""
"""Load the file and visit every value of every runner: the floor of any audit."""

TOMLKIT_EDIT = """\
import json, sys, tomlkit
with open(sys.argv[1], encoding="utf-8") as f:
    doc = tomlkit.parse(f.read())
with open(sys.argv[2], encoding="utf-8") as f:
    edits = json.load(f)
def child(node, part):
    if isinstance(part, int):
        return node[part]
    for name in node:
        if name.casefold() == part.casefold():
            return node[name]
    node[part] = tomlkit.table()
    return node[part]
for edit in edits:
    node = doc
    for part in edit["table"]:
        node = child(node, part)
    if edit["remove"]:
        node.pop(edit["key"], None)
    else:
        node[edit["key"]] = edit["value"]
sys.stdout.write(tomlkit.dumps(doc))
"""
"""Parse with tomlkit, make the edits harden makes, dump: the floor of a style-keeping edit."""


def harden_edits(text: str) -> list[dict[str, Any]]:
    """The edits ``harden --fix all`` makes to ``text``, as JSON for the tomlkit baseline."""
    from wizard.audit.engine import harden_document
    from wizard.base.model import RemoveKey
    from wizard.tomlfile.document import parse_config

    result = harden_document(parse_config(text.encode()), fix="all")
    return [
        {
            "table": list(edit.table),
            "key": edit.key,
            "remove": isinstance(edit, RemoveKey),
            "value": None if isinstance(edit, RemoveKey) else edit.value,
        }
        for finding in result.applied
        for edit in finding.edits
    ]


# -- whole-process measurements ----------------------------------------------------------


def _commands(path: Path, edits: Path) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "audit --format json": [python, "-m", "wizard", "audit", "--format", "json", str(path)],
        "tomllib load+scan": [python, "-c", TOMLLIB_SCAN, str(path)],
        "harden --dry-run --fix all": [
            *(python, "-m", "wizard", "harden", "--dry-run", "--fix", "all", str(path))
        ],
        "tomlkit parse+edit+dump": [python, "-c", TOMLKIT_EDIT, str(path), str(edits)],
    }


RATIOS = (
    ("audit --format json", "tomllib load+scan", 2.0),
    ("harden --dry-run --fix all", "tomlkit parse+edit+dump", 1.0),
)
"""Each command, its baseline, and the goal for the ratio of the two at 1,000 runners."""


def _run(argv: list[str], timeout: float = TIMEOUT) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return float("inf")
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        message = done.stderr.decode(errors="replace").strip()[-500:]
        raise SystemExit(f"{' '.join(argv[1:4])} failed ({done.returncode}): {message}")
    return elapsed


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def measure_sizes(sizes: Sequence[int], repeat: int, folder: Path) -> dict[int, dict[str, float]]:
    """Median whole-process seconds per size and command, one-runner file included."""
    results: dict[int, dict[str, float]] = {}
    for size in [1, *sizes]:
        text = generate_config(size)
        path = _write(folder, f"config-{size}.toml", text)
        edits = folder / f"edits-{size}.json"
        edits.write_text(json.dumps(harden_edits(text)), encoding="utf-8")
        commands = _commands(path, edits)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, argv in commands.items():  # one round of each, side by side
                samples[name].append(_run(argv))
        results[size] = {name: statistics.median(times) for name, times in samples.items()}
        print(f"  measured {size} runners ({len(text) // 1024} KiB)", file=sys.stderr)
    return results


def print_sizes(results: dict[int, dict[str, float]]) -> None:
    names = list(next(iter(results.values())))
    print("median seconds, whole process (interpreter start and imports included)")
    print(f"{'runners':>8}  " + "  ".join(f"{name:>26}" for name in names))
    for size, row in results.items():
        print(f"{size:>8}  " + "  ".join(f"{row[name]:>26.3f}" for name in names))
    print()
    print("ratios, same run (goal at 1,000 runners in brackets)")
    for command, baseline, goal in RATIOS:
        cells = [f"{size}: {row[command] / row[baseline]:.2f}" for size, row in results.items()]
        print(f"  {command} / {baseline} [<= {goal}]: " + ", ".join(cells))


def print_growth(results: dict[int, dict[str, float]]) -> None:
    """Milliseconds per runner at each size, the one-runner file's time taken off."""
    sizes = [size for size in results if size > 1]
    print()
    print("ms per runner (fixed cost of a one-runner file taken off) and growth between sizes")
    for name in results[1]:
        fixed = results[1][name]
        costs = [(results[size][name] - fixed) / (size - 1) for size in sizes]
        cells = [f"{size}: {cost * 1000:7.3f}" for size, cost in zip(sizes, costs, strict=True)]
        growth = [
            f"x{after / before:.2f}" if before > 0 else "noise"
            for before, after in itertools.pairwise(costs)
        ]
        print(f"  {name:>26}: " + "  ".join(cells) + "   growth " + " ".join(growth))


def measure_pathological(repeat: int, folder: Path) -> None:
    print()
    print(
        f"pathological inputs, median seconds whole process (cut off at {PATHOLOGICAL_TIMEOUT:.0f}"
        " s; goal: under 1 s of masking for any line up to 1 MB)"
    )
    python = sys.executable
    for name, text in pathological_configs().items():
        path = _write(folder, "pathological.toml", text)
        row = []
        for label, argv in (
            ("audit --format json", ["audit", "--format", "json", str(path)]),
            ("harden --dry-run --fix all", ["harden", "--dry-run", "--fix", "all", str(path)]),
        ):
            times: list[float] = []
            while len(times) < repeat and not any(t == float("inf") for t in times):
                times.append(_run([python, "-m", "wizard", *argv], PATHOLOGICAL_TIMEOUT))
            row.append(f"{label} {statistics.median(times):8.3f}")
        print(f"  {name:>14}: " + "   ".join(row))


# -- a fleet of files ----------------------------------------------------------------------

FILE_COUNTS = (100, 1000)
FILES_RATIO_GOAL = 3.0
"""Auditing a fleet of one-runner files may cost this many times what tomllib takes."""

TOMLLIB_FILES = """\
import os, sys, tomllib
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), "rb") as f:
        tomllib.load(f)
"""
"""Load every file of the folder in one process: the floor of auditing them."""


def write_file_fleet(folder: Path, count: int, *, distinct: bool = False) -> Path:
    """``count`` one-runner files (the fleet's mix of executors) in a folder of their own.

    Files made from one template share their settings, as a fleet's do; with
    ``distinct`` every file also gets an ``output_limit`` of its own, so no two files have
    the same settings and an audit cannot share any work between them (its worst case).
    """
    fleet = folder / f"files-{count}{'-distinct' if distinct else ''}"
    fleet.mkdir()
    head = "concurrent = 4\ncheck_interval = 0\n\n"
    for index in range(count):
        runner = _runner(index)
        if distinct:
            runner = runner.replace(
                "\n  executor =", f"\n  output_limit = {4096 + index}\n  executor =", 1
            )
        _write(fleet, f"runner-{index:05d}.toml", head + runner)
    return fleet


def _load_all(fleet: Path) -> Callable[[], None]:
    import tomllib

    names = sorted(fleet.iterdir())

    def run() -> None:
        for path in names:
            with path.open("rb") as handle:
                tomllib.load(handle)

    return run


def _timed(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_files(repeat: int, folder: Path, counts: Sequence[int] = FILE_COUNTS) -> int:
    """Audit of a folder of one-runner files beside tomllib, in-process and whole process:
    a fleet made from templates, then one whose every file has settings of its own."""
    for distinct in (False, True):
        _measure_files(repeat, folder, counts, distinct=distinct)
    return 0


def _measure_files(repeat: int, folder: Path, counts: Sequence[int], *, distinct: bool) -> None:
    print()
    kind = "every file's settings its own" if distinct else "files made from templates"
    print(
        f"a fleet of one-runner files ({kind}), median of {repeat}: audit --format json "
        f"FOLDER beside tomllib loading the same files (goal: at most {FILES_RATIO_GOAL:g}x, "
        "flat per file)"
    )
    python = sys.executable
    rows = {}
    for count in counts:
        fleet = write_file_fleet(folder, count, distinct=distinct)
        audit = _in_process(["audit", "--format", "json", "--no-policy", str(fleet)])
        load = _load_all(fleet)
        audit()  # imports and first-call caches, outside the timing
        load()
        in_audit, in_load = _timed(audit, repeat), _timed(load, repeat)
        whole_audit = statistics.median(
            _run([python, "-m", "wizard", "audit", "--format", "json", "--no-policy", str(fleet)])
            for _ in range(repeat)
        )
        whole_load = statistics.median(
            _run([python, "-c", TOMLLIB_FILES, str(fleet)]) for _ in range(repeat)
        )
        rows[count] = (in_audit, in_load, whole_audit, whole_load)
    print(
        f"{'files':>6}  {'audit s':>8}  {'tomllib s':>9}  {'ratio':>6}  {'audit ms/file':>13}  "
        f"{'tomllib ms/file':>15}  {'whole: audit s':>14}  {'tomllib s':>9}  {'ratio':>6}"
    )
    for count, (in_audit, in_load, whole_audit, whole_load) in rows.items():
        print(
            f"{count:>6}  {in_audit:>8.3f}  {in_load:>9.3f}  {in_audit / in_load:>6.2f}  "
            f"{in_audit / count * 1000:>13.3f}  {in_load / count * 1000:>15.3f}  "
            f"{whole_audit:>14.3f}  {whole_load:>9.3f}  {whole_audit / whole_load:>6.2f}"
        )
    first, last = counts[0], counts[-1]
    growth = (rows[last][0] / last) / (rows[first][0] / first)
    print(f"  audit cost per file, {last} files over {first}: x{growth:.2f}")


# -- the growth check: in-process, quick, for CI -----------------------------------------


def _in_process(argv: list[str]) -> Callable[[], None]:
    from wizard.cli import main

    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            # Measured as the program runs (its own process, collector tuned).
            code = main(argv, own_process=True)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed with exit code {code}")

    return run


def check_growth(repeat: int, small: int = 1000, large: int = 4000) -> int:
    """Fail (1) when one runner costs more than GROWTH_LIMIT times as much at ``large``."""
    base = 10
    with tempfile.TemporaryDirectory(prefix="runner-wizard-growth-") as name:
        folder = Path(name)
        paths = {n: _write(folder, f"c{n}.toml", generate_config(n)) for n in (base, small, large)}
        commands: dict[str, Callable[[Path], list[str]]] = {
            "audit --format json": lambda p: ["audit", "--format", "json", str(p)],
            "harden --dry-run --fix all": lambda p: ["harden", "--dry-run", "--fix", "all", str(p)],
        }
        failed = False
        for label, argv in commands.items():
            runs = {n: _in_process(argv(path)) for n, path in paths.items()}
            runs[base]()  # imports and first-call caches, outside the timing
            samples: dict[int, list[float]] = {n: [] for n in runs}
            for _ in range(repeat):
                for n, run in runs.items():  # interleaved: a busy moment hits every size
                    gc.collect()
                    start = time.perf_counter()
                    run()
                    samples[n].append(time.perf_counter() - start)
            median = {n: statistics.median(times) for n, times in samples.items()}
            per_small = (median[small] - median[base]) / (small - base)
            per_large = (median[large] - median[base]) / (large - base)
            growth = per_large / per_small if per_small > 0 else float("inf")
            verdict = "ok" if growth <= GROWTH_LIMIT else "WORSE THAN LINEAR"
            failed |= growth > GROWTH_LIMIT
            print(
                f"{label:>28}: {per_small * 1000:.3f} ms/runner at {small}, "
                f"{per_large * 1000:.3f} at {large}: x{growth:.2f} ({verdict}; "
                f"medians {median[small]:.2f} s, {median[large]:.2f} s)"
            )
        failed |= _check_file_growth(folder, repeat)
        failed |= _check_file_growth(folder, repeat, distinct=True)
    if failed:
        print(f"benchmark: per-runner cost grew more than {GROWTH_LIMIT}x", file=sys.stderr)
    return 1 if failed else 0


def _check_file_growth(
    folder: Path, repeat: int, small: int = 100, large: int = 1000, *, distinct: bool = False
) -> bool:
    """Whether one file of a folder of ``large`` one-runner files costs more than
    GROWTH_LIMIT times one of ``small`` (a folder audit that grows worse than linearly);
    ``distinct``: files that share no settings, so no work is shared between them."""
    runs = {}
    for count in (small, large):
        fleet = write_file_fleet(folder, count, distinct=distinct)
        runs[count] = _in_process(["audit", "--format", "json", "--no-policy", str(fleet)])
    runs[small]()  # imports and first-call caches, outside the timing
    samples: dict[int, list[float]] = {n: [] for n in runs}
    for _ in range(repeat):
        for count, run in runs.items():  # interleaved, as above
            gc.collect()
            start = time.perf_counter()
            run()
            samples[count].append(time.perf_counter() - start)
    per_small = statistics.median(samples[small]) / small
    per_large = statistics.median(samples[large]) / large
    growth = per_large / per_small if per_small > 0 else float("inf")
    verdict = "ok" if growth <= GROWTH_LIMIT else "WORSE THAN LINEAR"
    label = "audit FOLDER (distinct files)" if distinct else "audit FOLDER (one-runner files)"
    print(
        f"{label:>28}: {per_small * 1000:.3f} ms/file at {small}, "
        f"{per_large * 1000:.3f} at {large}: x{growth:.2f} ({verdict})"
    )
    return growth > GROWTH_LIMIT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--no-pathological", action="store_true")
    parser.add_argument("--no-files", action="store_true", help="skip the fleet of files")
    parser.add_argument(
        "--files-only", action="store_true", help="only the fleet of files (100 and 1,000)"
    )
    parser.add_argument(
        "--check-growth", action="store_true", help="the quick in-process check .ci/run makes"
    )
    args = parser.parse_args(argv)
    if args.check_growth:
        return check_growth(args.repeat)
    with tempfile.TemporaryDirectory(prefix="runner-wizard-bench-") as folder:
        if args.files_only:
            return measure_files(args.repeat, Path(folder))
        results = measure_sizes(sorted(args.sizes), args.repeat, Path(folder))
        print_sizes(results)
        print_growth(results)
        if not args.no_pathological:
            measure_pathological(args.repeat, Path(folder))
        if not args.no_files:
            measure_files(args.repeat, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
