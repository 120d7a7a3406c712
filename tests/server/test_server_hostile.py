"""server-check against a hostile GitLab on 127.0.0.1: every answer bounded, every failure one
line. Each case runs the real command in a child process, so its exit code, its two streams,
its wall time and its peak memory (the child's own ``VmHWM``: ``ru_maxrss`` keeps the forked
test runner's size across ``exec``) are the ones an operator gets. The bounds are generous
(``--timeout 2`` must finish in under 10 s, the process must stay under 250 MB) so that a
slow machine does not fail them; the old client kept a dripping server for 30 s and more,
and crashed with a traceback on deep JSON and huge numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_support import REPO_ROOT
from tests.gitlab_fixture import (
    API_TOKEN,
    RUNNER_TOKEN,
    SYSTEM_ID,
    Behaviour,
    FakeGitLab,
    Running,
    SilentHost,
    closed_port,
    drip_body,
    drip_chunked_body,
    drip_headers,
    endless_headers,
    raw_json,
    start,
    stop,
)

VERIFY = "/api/v4/runners/verify"
TIME_BOUND = 10.0
"""Seconds a ``--timeout 2`` check may take in all, whatever the server does."""
MEMORY_BOUND_MB = 250


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float

    def error_lines(self, *needles: str) -> list[str]:
        return [line for line in self.err.splitlines() if all(n in line for n in needles)]


_CHILD = """
import atexit, sys

def _peak():
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"@@peak-rss-kb {peak}\\n")

atexit.register(_peak)
sys.argv[0] = "runner-wizard"
from wizard.cli import console_main
sys.exit(console_main())
"""
"""``python -m wizard``, which also reports the interpreter's own peak memory on exit."""


def run_check(folder: Path, *argv: str, env: dict[str, str] | None = None) -> Outcome:
    """``runner-wizard server-check`` in a child; killed after 60 s, so a hang fails, not blocks."""
    out_path, err_path = folder / "stdout", folder / "stderr"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        and key != "GITLAB_TOKEN"
    }
    environment.update(env or {})
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, "server-check", "--allow-http", *argv],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=REPO_ROOT,
            env=environment,
        )
        killer = threading.Timer(60, child.kill)
        killer.start()
        try:
            _pid, status, _usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    err_lines = err_path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    peak = [line for line in err_lines if line.startswith("@@peak-rss-kb ")]
    assert peak, "".join(err_lines)[-2000:]
    return Outcome(
        code=child.returncode,
        out=out_path.read_text(encoding="utf-8", errors="replace"),
        err="".join(line for line in err_lines if not line.startswith("@@peak-rss-kb ")),
        seconds=seconds,
        peak_mb=int(peak[-1].split()[1]) / 1024,
    )


def runner_entry(name: str, url: str, runner_id: int | None = None) -> str:
    id_line = f"  id = {runner_id}\n" if runner_id is not None else ""
    return (
        f'[[runners]]\n  name = "{name}"\n  url = "{url}"\n{id_line}'
        f'  token = "{RUNNER_TOKEN}"\n  executor = "shell"\n'
    )


def write_config(folder: Path, *entries: str) -> Path:
    path = folder / "config.toml"
    path.write_text("concurrent = 2\n\n" + "\n".join(entries), encoding="utf-8")
    path.chmod(0o600)
    (folder / ".runner_system_id").write_text(SYSTEM_ID, encoding="utf-8")
    return path


def assert_one_failure(outcome: Outcome, *needles: str) -> str:
    """Exit 2, no traceback, one line naming the runner and the cause, and the summary."""
    assert "Traceback" not in outcome.err, outcome.err
    lines = outcome.error_lines('runner "a"', *needles)
    assert len(lines) == 1, outcome.err
    assert outcome.err.strip().splitlines() == [
        lines[0],
        "runner-wizard: error: nothing could be checked on the server",
    ], outcome.err
    assert "no findings" not in outcome.out
    assert outcome.code == 2
    assert outcome.peak_mb < MEMORY_BOUND_MB
    assert RUNNER_TOKEN not in outcome.out + outcome.err
    return lines[0]


@pytest.fixture
def gitlab() -> Iterator[Running]:
    running = start(FakeGitLab())
    yield running
    stop(running)


# --- answers that never end ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour",
    [drip_body(0.25), drip_chunked_body(0.25), drip_headers(0.25)],
    ids=["body", "chunked-body", "headers"],
)
def test_a_dripping_server_is_cut_off_at_the_timeout(
    tmp_path: Path, gitlab: Running, behaviour: Behaviour
) -> None:
    # Each byte comes well within the timeout; only a deadline over the whole
    # request (headers included) stops it.
    gitlab.fake.behaviours[VERIFY] = behaviour
    config = write_config(tmp_path, runner_entry("a", gitlab.url))
    outcome = run_check(tmp_path, str(config), "--timeout", "2")
    assert_one_failure(outcome, "no answer", "within 2 s")
    assert outcome.seconds < TIME_BOUND


def test_endless_headers_are_one_line(tmp_path: Path, gitlab: Running) -> None:
    gitlab.fake.behaviours[VERIFY] = endless_headers()
    config = write_config(tmp_path, runner_entry("a", gitlab.url))
    outcome = run_check(tmp_path, str(config), "--timeout", "2")
    line = assert_one_failure(outcome, "did not answer in HTTP")
    assert "headers" in line
    assert outcome.seconds < TIME_BOUND


# --- JSON no GitLab sends ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b'{"id":' * 200_000 + b"1" + b"}" * 200_000, "nested too deeply"),
        (b'{"id": ' + b"7" * 5_000 + b', "token_expires_at": null}', "number too long"),
        (b'{"id": 7, "token_expires_at": ' + b"9" * 5_000 + b"}", "number too long"),
    ],
    ids=["deep-list", "deep-object", "huge-id", "huge-number"],
)
def test_hostile_json_from_verify_is_one_line(
    tmp_path: Path, gitlab: Running, body: bytes, cause: str
) -> None:
    gitlab.fake.behaviours[VERIFY] = raw_json(body)
    config = write_config(tmp_path, runner_entry("a", gitlab.url))
    outcome = run_check(tmp_path, str(config), "--timeout", "2")
    assert_one_failure(outcome, "not JSON", cause)
    assert outcome.seconds < TIME_BOUND


def test_hostile_json_from_the_runner_details_is_one_line(tmp_path: Path, gitlab: Running) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.behaviours["/api/v4/runners/7"] = raw_json(b"[" * 200_000 + b"]" * 200_000)
    config = write_config(tmp_path, runner_entry("a", gitlab.url, runner_id=7))
    token = tmp_path / "token"
    token.write_text(API_TOKEN)
    outcome = run_check(tmp_path, str(config), "--timeout", "2", "--api-token-file", str(token))
    assert_one_failure(outcome, "GET", "not JSON", "nested too deeply")
    # The manager list was not read, so verify was not sent.
    assert [r.method for r in gitlab.fake.requests] == ["GET"]


# --- hosts that are not there --------------------------------------------------------------------


def test_a_closed_port_is_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, runner_entry("a", f"http://127.0.0.1:{closed_port()}"))
    outcome = run_check(tmp_path, str(config), "--timeout", "2")
    assert_one_failure(outcome, "cannot reach 127.0.0.1")
    assert outcome.seconds < TIME_BOUND


def test_runners_of_a_host_that_did_not_answer_are_not_waited_for_again(
    tmp_path: Path,
) -> None:
    # Sixteen runners on a GitLab that accepts connections and never answers: the old
    # check waited the full timeout for each (about five minutes at the default).
    silent = SilentHost()
    try:
        entries = [runner_entry("a" if n == 0 else f"r{n}", silent.url) for n in range(16)]
        config = write_config(tmp_path, *entries)
        outcome = run_check(tmp_path, str(config), "--timeout", "1")
    finally:
        silent.close()
    assert outcome.seconds < TIME_BOUND
    assert "Traceback" not in outcome.err
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 3, outcome.err
    assert 'runner "a"' in lines[0]
    assert "no answer" in lines[0]
    assert "15 runners" in lines[1]
    assert "and 10 more" in lines[1]
    assert "did not answer for an earlier runner" in lines[1]
    assert lines[2].endswith("nothing could be checked on the server")
    assert "no findings" not in outcome.out
    assert "nothing checked on the server" in outcome.out
    assert outcome.code == 2


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("https://gitlab.example.com:443a", "could not be cast"),
        ("https://gitlab.example.com:99999", "out of range"),
        ("https://[::1", "Invalid IPv6 URL"),
    ],
)
def test_a_runner_url_that_is_not_a_url_is_one_line(tmp_path: Path, url: str, cause: str) -> None:
    config = write_config(tmp_path, runner_entry("a", url))
    outcome = run_check(tmp_path, str(config), "--timeout", "2")
    line = assert_one_failure(outcome, "not a valid URL", cause)
    assert "url" in line
    assert outcome.seconds < TIME_BOUND


def test_a_bad_url_beside_a_good_one_leaves_the_good_one_checked(
    tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, expires=None)
    config = write_config(
        tmp_path, runner_entry("bad", "https://[::1"), runner_entry("good", gitlab.url)
    )
    token = tmp_path / "token"
    token.write_text(API_TOKEN)
    outcome = run_check(tmp_path, str(config), "--api-token-file", str(token))
    assert "Traceback" not in outcome.err
    assert len(outcome.error_lines('runner "bad"', "not a valid URL")) == 1
    assert "checked on the server: 1 of 2 runners" in outcome.out
    assert outcome.code in (0, 1)


# --- what GitLab says that is not an error -------------------------------------------------------


def test_an_orphaned_runner_is_an_answer_not_an_error(tmp_path: Path, gitlab: Running) -> None:
    # GitLab answers verify with 422 "Runner is orphaned" for a project runner that no
    # project is assigned to any more: the entry is stale.
    gitlab.fake.behaviours[VERIFY] = raw_json(b'{"message": "Runner is orphaned"}', 422)
    config = write_config(tmp_path, runner_entry("a", gitlab.url))
    outcome = run_check(tmp_path, str(config), "--format", "json")
    assert outcome.err == ""
    assert "server-token-invalid" in outcome.out
    assert "orphaned" in outcome.out
    assert outcome.code == 1


def test_another_422_from_verify_is_one_line(tmp_path: Path, gitlab: Running) -> None:
    gitlab.fake.behaviours[VERIFY] = raw_json(b'{"message": "something else"}', 422)
    config = write_config(tmp_path, runner_entry("a", gitlab.url))
    outcome = run_check(tmp_path, str(config))
    assert_one_failure(outcome, "422", "something else")
