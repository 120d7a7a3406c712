"""Measure what runner-wizard costs on large configs, beside the TOML libraries alone.

Generates configs of 10, 100 and 1000 docker runners (each with sub-tables,
comments and settings that harden will change), then reports per size:

- the median whole-process wall time of ``--help``, ``audit`` and
  ``harden --dry-run`` (fresh interpreter each run, as an operator meets it);
- the median in-process time of plain ``tomllib.loads`` and ``tomlkit.parse``
  of the same text, the floor any tool built on them pays.

The last table compares what one more runner costs between the two largest
sizes with what it costs between the two before (fixed costs such as the
interpreter's start cancel out). About 1 means linear growth; about 10 for
sizes 10, 100, 1000 would mean quadratic. A benchmark, not a test: timings depend on
the machine, so nothing here fails a build.

Usage: python scripts/benchmark.py [--sizes 10 100 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

import tomlkit

REPO_ROOT = Path(__file__).resolve().parents[1]

COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "--help": lambda _path: ["--help"],
    "audit": lambda path: ["audit", str(path)],
    "harden --dry-run": lambda path: ["harden", "--dry-run", "--fix", "all", str(path)],
}

_RUNNER = """\
# Runner {index}: builds for team {team}
[[runners]]
  name = "docker-{index:04d}"
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


def generate_config(runners: int) -> str:
    """A config of ``runners`` docker runners, every fourth one privileged."""
    head = "# Generated for the benchmark\nconcurrent = 8\ncheck_interval = 0\n\n"
    body = "".join(
        _RUNNER.format(index=i, team=i % 7, privileged=str(i % 4 == 0).lower())
        for i in range(runners)
    )
    return head + body


def median_process_seconds(argv: Sequence[str], repeat: int) -> float:
    """Median wall time of ``python -m wizard ARGV`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "wizard", *argv]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        completed = subprocess.run(command, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            message = completed.stderr.decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(argv)} failed ({completed.returncode}): {message}")
    return statistics.median(samples)


def median_call_seconds(parse: Callable[[str], object], text: str, repeat: int) -> float:
    """Median in-process time of ``parse(text)``: the library alone, no interpreter start."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse(text)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure(sizes: Sequence[int], repeat: int, folder: Path) -> dict[int, dict[str, float]]:
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        path = folder / f"config-{size}.toml"
        text = generate_config(size)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        row = {name: median_process_seconds(argv(path), repeat) for name, argv in COMMANDS.items()}
        # In-process parses are cheap: take more samples so the machine's noise evens out.
        row["tomllib.loads"] = median_call_seconds(tomllib.loads, text, repeat * 4)
        row["tomlkit.parse"] = median_call_seconds(tomlkit.parse, text, repeat * 4)
        results[size] = row
        print(f"  measured {size} runners ({len(text) // 1024} KiB)", file=sys.stderr)
    return results


def print_table(results: dict[int, dict[str, float]]) -> None:
    columns = [*COMMANDS, "tomllib.loads", "tomlkit.parse"]
    print("median seconds (commands: whole process; libraries: in-process parse only)")
    print(f"{'runners':>8}  " + "  ".join(f"{name:>16}" for name in columns))
    for size, row in results.items():
        print(f"{size:>8}  " + "  ".join(f"{row[name]:>16.3f}" for name in columns))


def print_growth(results: dict[int, dict[str, float]]) -> None:
    """Cost of one more runner over the largest step of sizes, against the step before.

    The slope between two sizes leaves out every fixed cost (interpreter start,
    imports, the report's header), so linear work gives about 1 and quadratic
    work about the ratio of the sizes (10 for 10, 100, 1000).
    """
    sizes = sorted(results)
    if len(sizes) < 3:
        print("\n(growth needs three sizes)")
        return
    low, mid, high = sizes[-3], sizes[-2], sizes[-1]
    print()
    print(f"cost per added runner: {low}->{mid} vs {mid}->{high} runners (about 1 = linear)")
    for name in [*COMMANDS, "tomllib.loads", "tomlkit.parse"]:
        if name == "--help":
            continue
        row = {n: results[n][name] for n in (low, mid, high)}
        before = (row[mid] - row[low]) / (mid - low)
        after = (row[high] - row[mid]) / (high - mid)
        if before <= 0:
            ratio, verdict = float("nan"), "lost in noise: repeat more or use larger sizes"
        else:
            ratio = after / before
            verdict = "linear" if ratio < 2.0 else "WORSE THAN LINEAR"
        print(
            f"  {name:>16}: {before * 1000:8.3f} ms -> {after * 1000:8.3f} ms per runner, "
            f"ratio {ratio:5.2f} ({verdict})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="runner-wizard-bench-") as folder:
        results = measure(args.sizes, args.repeat, Path(folder))
    print_table(results)
    print_growth(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
