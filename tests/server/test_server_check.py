"""server-check against a stand-in GitLab on 127.0.0.1: each rule, each failure, read-only.

What the check may send rests on GitLab's own source: ``POST /runners/verify``
runs ``authenticate_runner!`` (lib/api/ci/runner.rb, lib/api/ci/helpers/runner.rb),
which calls ``ensure_manager(system_id)`` (find or create) and heartbeats the
manager; the runner sends its system id from ``.runner_system_id``
(commands/internal/configfile/system_id_state.go, network/gitlab.go VerifyRunner).
Every test here talks to loopback only: an autouse guard refuses any other address.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import REPO_ROOT
from tests.gitlab_fixture import (
    API_TOKEN,
    OTHER_TOKEN,
    REVOKED_TOKEN,
    RUNNER_TOKEN,
    SYSTEM_ID,
    FakeGitLab,
    Running,
    html_page,
    make_certificate,
    manager,
    rate_limited,
    redirect_to,
    server_context,
    slow,
    start,
    stop,
)
from wizard.base.model import Severity
from wizard.cli import main

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach past this machine, and no proxy of the host may interfere."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] in ("127.0.0.1", "localhost", "::1"), f"not loopback: {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def fake_pair() -> Iterator[tuple[Running, Running]]:
    """Two plain-http fakes: a GitLab and another host a redirect may point at."""
    first, second = start(FakeGitLab()), start(FakeGitLab())
    yield first, second
    stop(first)
    stop(second)


@pytest.fixture
def gitlab() -> Iterator[Running]:
    running = start(FakeGitLab())
    yield running
    stop(running)


def runner_toml(
    name: str,
    url: str,
    token: str,
    *,
    runner_id: int | None = None,
    executor: str = "docker",
    docker: str = "",
    extra: str = "",
) -> str:
    lines = [
        "[[runners]]",
        f'  name = "{name}"',
        f'  url = "{url}"',
    ]
    if runner_id is not None:
        lines.append(f"  id = {runner_id}")
    lines += [f'  token = "{token}"', f'  executor = "{executor}"']
    if extra:
        lines.append(extra)
    if executor == "docker":
        lines += ["  [runners.docker]", '    image = "alpine:3.20"']
        if docker:
            lines.append(docker)
    return "\n".join(lines) + "\n"


def write_config(
    folder: Path, *runners: str, system_id: str | None = SYSTEM_ID, head: str = "concurrent = 2\n"
) -> Path:
    path = folder / "config.toml"
    path.write_text(head + "\n" + "\n".join(runners), encoding="utf-8")
    path.chmod(0o600)
    if system_id is not None:
        (folder / ".runner_system_id").write_text(system_id, encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["server-check", "--format", "json", "--allow-http", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for entry in report["files"] for f in entry["findings"]]


def rule_ids(report: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in findings(report))


def token_file(folder: Path, token: str = API_TOKEN) -> str:
    path = folder / "api-token"
    path.write_text(token + "\n", encoding="utf-8")
    return str(path)


PRIVILEGED = "    privileged = true"


# --- the rules ----------------------------------------------------------------------------------


def test_privileged_runner_not_protected_is_found_with_the_ui_step_and_api_call(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected", run_untagged=False)
    config = write_config(
        tmp_path, runner_toml("dind", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED)
    )
    code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    hits = [f for f in findings(report) if f["rule"] == "server-dangerous-runner-not-protected"]
    assert len(hits) == 1
    hit = hits[0]
    assert hit["severity"] == "high"  # multi-project
    assert "gives jobs privileged containers" in hit["message"]
    assert "tick Protected" in hit["message"]
    assert f"{gitlab.url}/api/v4/runners/7" in hit["message"]
    assert "access_level=ref_protected" in hit["message"]
    # The finding points at the line that makes the runner dangerous.
    lines = config.read_text().splitlines()
    assert lines[hit["line"] - 1].strip() == "privileged = true"
    assert code == 1


def test_a_protected_privileged_runner_is_not_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="ref_protected", run_untagged=False)
    config = write_config(
        tmp_path, runner_toml("dind", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED)
    )
    code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert "server-dangerous-runner-not-protected" not in rule_ids(report)
    assert code == 0


@pytest.mark.parametrize(
    "case",
    [
        ("shell", "", "jobs run on the host"),
        ("docker", '    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]', "Docker socket"),
        ("docker", '    network_mode = "host"', "host namespace"),
    ],
)
def test_every_host_level_setting_calls_for_protection_and_tags(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    gitlab: Running,
    case: tuple[str, str, str],
) -> None:
    executor, docker, words = case
    gitlab.fake.add_runner(3, RUNNER_TOKEN, access_level="not_protected", run_untagged=True)
    config = write_config(
        tmp_path,
        runner_toml("r", gitlab.url, RUNNER_TOKEN, runner_id=3, executor=executor, docker=docker),
    )
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    by_rule = {f["rule"]: f for f in findings(report)}
    assert words in by_rule["server-dangerous-runner-not-protected"]["message"]
    assert "run_untagged=false" in by_rule["server-dangerous-runner-runs-untagged"]["message"]


def test_untagged_jobs_on_an_ordinary_runner_are_fine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(3, RUNNER_TOKEN, run_untagged=True, locked=True)
    config = write_config(tmp_path, runner_toml("plain", gitlab.url, RUNNER_TOKEN, runner_id=3))
    code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert rule_ids(report) == []
    assert code == 0


@pytest.mark.parametrize(
    ("trust", "expected"),
    [("single-project", "info"), ("multi-project", "medium"), ("public", "medium")],
)
def test_unlocked_project_runner_severity_follows_trust(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running, trust: str, expected: str
) -> None:
    gitlab.fake.add_runner(4, RUNNER_TOKEN, locked=False, run_untagged=False)
    config = write_config(tmp_path, runner_toml("p", gitlab.url, RUNNER_TOKEN, runner_id=4))
    _code, report, _ = run_json(
        capsys, str(config), "--trust", trust, "--api-token-file", token_file(tmp_path)
    )
    hits = [f for f in findings(report) if f["rule"] == "server-project-runner-not-locked"]
    assert [h["severity"] for h in hits] == [expected]
    assert "locked=true" in hits[0]["message"]


def test_instance_runners_are_not_asked_to_lock(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(4, RUNNER_TOKEN, locked=False, runner_type="instance_type")
    config = write_config(tmp_path, runner_toml("i", gitlab.url, RUNNER_TOKEN, runner_id=4))
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert "server-project-runner-not-locked" not in rule_ids(report)


def test_revoked_token_is_found_without_any_access_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(5, RUNNER_TOKEN)
    config = write_config(
        tmp_path,
        runner_toml("good", gitlab.url, RUNNER_TOKEN),
        runner_toml("stale", gitlab.url, REVOKED_TOKEN),
    )
    code, report, err = run_json(capsys, str(config))
    hits = [f for f in findings(report) if f["rule"] == "server-token-invalid"]
    assert [(h["runner"], h["severity"], h["key"]) for h in hits] == [("stale", "high", "token")]
    assert "403" in hits[0]["message"]
    assert code == 1
    assert REVOKED_TOKEN not in json.dumps(report) + err


def test_a_runner_id_gitlab_does_not_know_is_a_stale_entry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    config = write_config(
        tmp_path, runner_toml("gone", gitlab.url, RUNNER_TOKEN, runner_id=404), system_id=None
    )
    code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    hits = [f for f in findings(report) if f["rule"] == "server-token-invalid"]
    assert len(hits) == 1
    assert "no runner 404" in hits[0]["message"]
    assert code == 1


def _expiry_in(days: float) -> str:
    import datetime as dt

    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    "case",
    [
        (10, (), "", ("server-token-expires-soon", "medium")),
        (10, (), '  [runners.feature_flags]\n    FF_DISABLE_AUTOMATIC_TOKEN_ROTATION = true',
         ("server-token-expires-soon", "high")),
        (10, ("--expiry-days", "5"), "", None),
        (45, (), "", None),
        (45, ("--expiry-days", "60"), "", ("server-token-expires-soon", "medium")),
        (None, (), "", ("server-token-never-expires", "low")),
    ],
)  # fmt: skip
def test_token_expiry(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    gitlab: Running,
    case: tuple[float | None, tuple[str, ...], str, tuple[str, str] | None],
) -> None:
    days, argv, extra, expected = case
    gitlab.fake.add_runner(6, RUNNER_TOKEN, expires=_expiry_in(days) if days else None)
    config = write_config(
        tmp_path, runner_toml("e", gitlab.url, RUNNER_TOKEN, executor="shell", extra=extra)
    )
    _code, report, _ = run_json(capsys, str(config), *argv)
    found = [(f["rule"], f["severity"]) for f in findings(report) if "expire" in f["rule"]]
    assert found == ([expected] if expected else [])


def test_manager_older_than_a_key_in_the_config_names_the_key_and_release(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    # pid_mode arrived in 19.1.0 (wizard/runner/data/runner_keys.json); a 18.0.0 host ignores it.
    gitlab.fake.add_runner(8, RUNNER_TOKEN, locked=True, managers=[manager(SYSTEM_ID, "18.0.0")])
    config = write_config(
        tmp_path,
        runner_toml("v", gitlab.url, RUNNER_TOKEN, runner_id=8, docker='    pid_mode = "private"'),
    )
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    hits = [f for f in findings(report) if f["rule"] == "server-manager-too-old"]
    assert len(hits) == 1
    assert "runners.docker.pid_mode (19.1.0)" in hits[0]["message"]
    assert "18.0.0" in hits[0]["message"]
    assert hits[0]["severity"] == Severity.HIGH.value  # pid_mode is a security key
    assert hits[0]["key"] == "pid_mode"


def test_a_current_manager_reads_every_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(8, RUNNER_TOKEN, locked=True, managers=[manager(SYSTEM_ID, "19.4.0")])
    config = write_config(
        tmp_path,
        runner_toml("v", gitlab.url, RUNNER_TOKEN, runner_id=8, docker='    pid_mode = "private"'),
    )
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert "server-manager-too-old" not in rule_ids(report)
    assert "server-managers-mixed-versions" not in rule_ids(report)


def test_managers_on_different_releases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(
        9,
        RUNNER_TOKEN,
        locked=True,
        managers=[manager(SYSTEM_ID, "19.4.0"), manager("s_ba9876543210", "17.11.2~pre.1.gabc")],
    )
    config = write_config(tmp_path, runner_toml("m", gitlab.url, RUNNER_TOKEN, runner_id=9))
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    hits = [f for f in findings(report) if f["rule"] == "server-managers-mixed-versions"]
    assert len(hits) == 1
    assert "19.4.0" in hits[0]["message"]
    assert "17.11.2" in hits[0]["message"]


def test_one_token_used_from_several_hosts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    """docs security/_index.md "Cloning a runner": a copied token picks up the runner's jobs;
    GitLab lists one manager (system_id) per host that used the token."""
    gitlab.fake.add_runner(
        9,
        RUNNER_TOKEN,
        locked=True,
        managers=[manager(SYSTEM_ID, "19.4.0"), manager("s_ba9876543210", "19.4.0")],
    )
    config = write_config(tmp_path, runner_toml("m", gitlab.url, RUNNER_TOKEN, runner_id=9))
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    hits = [f for f in findings(report) if f["rule"] == "server-token-used-by-several-hosts"]
    assert len(hits) == 1
    assert "2 hosts" in hits[0]["message"]
    assert RUNNER_TOKEN not in str(report)
    assert "server-managers-mixed-versions" not in rule_ids(report)


def test_runner_id_comes_from_verify_when_the_file_has_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(12, RUNNER_TOKEN, access_level="not_protected")
    config = write_config(
        tmp_path, runner_toml("noid", gitlab.url, RUNNER_TOKEN, docker=PRIVILEGED)
    )
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert "server-dangerous-runner-not-protected" in rule_ids(report)
    paths = [r.path for r in gitlab.fake.requests]
    assert paths.index("/api/v4/runners/verify") < paths.index("/api/v4/runners/12")


# --- read-only on the server --------------------------------------------------------------------


def test_nothing_is_created_updated_or_deleted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    gitlab.fake.add_runner(8, OTHER_TOKEN, locked=True)
    config = write_config(
        tmp_path,
        runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED),
        runner_toml("b", gitlab.url, OTHER_TOKEN),
        runner_toml("c", gitlab.url, REVOKED_TOKEN),
    )
    run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    requests = gitlab.fake.requests
    assert requests, "the check asked nothing"
    for request in requests:
        if request.method == "GET":
            continue
        assert (request.method, request.path) == ("POST", "/api/v4/runners/verify")
        body = request.json()
        # The runner's own system id, and no runner info that would overwrite its manager's.
        assert set(body) == {"token", "system_id"}
        assert body["system_id"] == SYSTEM_ID
    assert {r.method for r in requests} == {"GET", "POST"}
    # The access token goes only with GETs; the runner token only in verify bodies.
    assert all("private-token" not in r.headers for r in requests if r.method == "POST")


def test_without_the_system_id_file_verify_is_not_sent_and_the_report_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7), system_id=None
    )
    code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert all(r.method == "GET" for r in gitlab.fake.requests)
    reasons = [n["message"] for n in report["server"]["unchecked"]]
    assert any(".runner_system_id" in reason and "manager" in reason for reason in reasons)
    assert code == 0  # details were still checked


def test_a_malformed_system_id_file_is_not_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN), system_id="not-an-id\n"
    )
    code, _report, err = run_json(capsys, str(config))
    assert gitlab.fake.requests == []
    assert code == 2
    assert "nothing could be checked" in err


def test_verify_is_skipped_when_gitlab_lists_no_manager_with_this_system_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, managers=[manager("s_ffffffffffff", "19.0.0")])
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert all(r.method == "GET" for r in gitlab.fake.requests)
    assert any("would create one" in n["message"] for n in report["server"]["unchecked"])


def test_no_verify_sends_no_post(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    run_json(capsys, str(config), "--no-verify", "--api-token-file", token_file(tmp_path))
    assert {r.method for r in gitlab.fake.requests} == {"GET"}


# --- failures -----------------------------------------------------------------------------------


def _one_error_line(err: str, *needles: str) -> str:
    lines = [line for line in err.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_401_is_one_line_and_verify_is_not_sent_without_the_manager_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    # With a wrong access token the manager list cannot be read, so it is not known
    # whether GitLab has a manager with this system id: verify would create one.
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    code, report, err = run_json(
        capsys, str(config), "--api-token-file", token_file(tmp_path, "glpat-WrongWrongWrong1234")
    )
    line = _one_error_line(err, "401")
    assert "invalid, expired or revoked" in line
    assert "WrongWrongWrong1234" not in err
    assert [r.method for r in gitlab.fake.requests] == ["GET"]
    assert any("verify would create one" in n["message"] for n in report["server"]["unchecked"])
    assert code == 2  # nothing was checked


def test_verify_names_the_system_id_the_manager_list_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    code, _report, _err = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    sent = [r for r in gitlab.fake.requests if r.method == "POST"]
    assert [r.json()["system_id"] for r in sent] == [SYSTEM_ID]
    # The manager list was read first.
    assert [r.path for r in gitlab.fake.requests][-1] == "/api/v4/runners/verify"
    assert code == 0


def test_403_on_the_runner_says_which_role_and_scope_it_needs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.forbidden.add(7)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    _code, _report, err = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    line = _one_error_line(err, "403")
    assert "read_api" in line
    assert "Maintainer" in line


def test_404_for_the_api_says_the_url_may_be_wrong(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    config = write_config(tmp_path, runner_toml("a", gitlab.url + "/not-gitlab", RUNNER_TOKEN))
    code, _report, err = run_json(capsys, str(config))
    line = _one_error_line(err, "404")
    assert "URL" in line
    assert code == 2


def test_a_slow_server_times_out_in_one_line_and_nothing_checked_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.behaviours["/api/v4/runners/verify"] = slow(3)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    started = time.monotonic()
    code, _report, err = run_json(capsys, str(config), "--timeout", "0.5")
    assert time.monotonic() - started < 2.5
    line = _one_error_line(err, "no answer")
    assert "0.5 s" in line
    assert code == 2


def test_html_instead_of_json_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.behaviours["/api/v4/runners/7"] = html_page()
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    _code, _report, err = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    line = _one_error_line(err, "not JSON")
    assert "text/html" in line


def test_429_is_retried_after_retry_after(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    gitlab.fake.behaviours["/api/v4/runners/7"] = rate_limited(1, "1")
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED)
    )
    started = time.monotonic()
    _code, report, err = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert time.monotonic() - started >= 1.0
    assert "server-dangerous-runner-not-protected" in rule_ids(report)
    assert "429" not in err
    assert [r.path for r in gitlab.fake.requests].count("/api/v4/runners/7") == 2


def test_429_with_a_long_wait_is_reported_not_slept_through(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.behaviours["/api/v4/runners/verify"] = rate_limited(5, "3600")
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    started = time.monotonic()
    code, _report, err = run_json(capsys, str(config))
    assert time.monotonic() - started < 5
    assert "wait 3600 s" in _one_error_line(err, "429")
    assert code == 2


def test_429_retries_are_bounded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    gitlab.fake.behaviours["/api/v4/runners/verify"] = rate_limited(100, "0")
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    _code, _report, err = run_json(capsys, str(config))
    assert [r.path for r in gitlab.fake.requests].count("/api/v4/runners/verify") == 3
    _one_error_line(err, "429")


def test_a_redirect_to_another_host_is_not_followed_and_carries_no_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_pair: tuple[Running, Running]
) -> None:
    gitlab, elsewhere = fake_pair
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    other = elsewhere.url.replace("127.0.0.1", "localhost")
    gitlab.fake.behaviours["/api/v4/runners/7"] = redirect_to(f"{other}/api/v4/runners/7")
    gitlab.fake.behaviours["/api/v4/runners/verify"] = redirect_to(
        f"{other}/api/v4/runners/verify", 307
    )
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7))
    code, _report, err = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert elsewhere.fake.requests == []
    assert "not followed" in _one_error_line(err, "GET", "redirected")
    assert code == 2
    # Without an access token verify is the only request; its redirect is not followed either.
    code, _report, err = run_json(capsys, str(config))
    assert elsewhere.fake.requests == []
    assert "not followed" in _one_error_line(err, "POST", "redirected")
    assert code == 2


def test_a_redirect_on_the_same_server_is_followed_for_get(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    gitlab.fake.behaviours["/api/v4/runners/70"] = redirect_to("/api/v4/runners/7", 301)
    config = write_config(
        tmp_path,
        runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=70, docker=PRIVILEGED),
        system_id=None,
    )
    # The details come from runner 7 after the redirect; its managers ask for 70 and 404.
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    assert "server-dangerous-runner-not-protected" in rule_ids(report)


def test_plain_http_needs_allow_http_and_sends_nothing_without_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    code = main(["server-check", "--format", "json", str(config)])
    captured = capsys.readouterr()
    assert gitlab.fake.requests == []
    assert code == 2
    unchecked = json.loads(captured.out)["server"]["unchecked"]
    assert any("--allow-http" in n["message"] for n in unchecked)


def test_the_access_token_is_not_sent_when_the_file_names_several_gitlabs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_pair: tuple[Running, Running]
) -> None:
    first, second = fake_pair
    first.fake.add_runner(7, RUNNER_TOKEN)
    second.fake.add_runner(8, OTHER_TOKEN)
    config = write_config(
        tmp_path,
        runner_toml("a", first.url, RUNNER_TOKEN, runner_id=7),
        runner_toml("b", second.url, OTHER_TOKEN, runner_id=8),
    )
    _code, report, _ = run_json(capsys, str(config), "--api-token-file", token_file(tmp_path))
    sent = [r for r in first.fake.requests + second.fake.requests if "private-token" in r.headers]
    assert sent == []
    assert any("--gitlab-url" in n["message"] for n in report["server"]["unchecked"])
    # Each runner's own token still went to its own server only.
    assert {r.json()["token"] for r in first.fake.requests} == {RUNNER_TOKEN}
    assert {r.json()["token"] for r in second.fake.requests} == {OTHER_TOKEN}


def test_gitlab_url_overrides_the_entries_and_receives_the_access_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    config = write_config(
        tmp_path,
        runner_toml("a", "https://gitlab.unreachable.invalid", RUNNER_TOKEN, runner_id=7,
                    docker=PRIVILEGED),
        runner_toml("b", "https://other.unreachable.invalid", REVOKED_TOKEN),
    )  # fmt: skip
    _code, report, _ = run_json(
        capsys, str(config), "--gitlab-url", gitlab.url, "--api-token-file", token_file(tmp_path)
    )
    ids = rule_ids(report)
    assert "server-dangerous-runner-not-protected" in ids
    assert "server-token-invalid" in ids


def test_proxy_variables_are_honoured(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    gitlab: Running,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fake answers as the proxy: the request line names the far host, never resolved.
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    monkeypatch.setenv("http_proxy", gitlab.url)
    config = write_config(
        tmp_path, runner_toml("a", "http://gitlab.behind-proxy.invalid", RUNNER_TOKEN)
    )
    code, _report, _ = run_json(capsys, str(config))
    assert [r.host for r in gitlab.fake.requests] == ["gitlab.behind-proxy.invalid"]
    assert code == 0


# --- TLS ----------------------------------------------------------------------------------------


@pytest.fixture
def tls_gitlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Path]]:
    certificate = make_certificate(tmp_path_factory.mktemp("tls"))
    running = start(FakeGitLab(), server_context(certificate))
    yield running, certificate.cert
    stop(running)


def test_https_with_the_runners_own_ca_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tls_gitlab: tuple[Running, Path]
) -> None:
    gitlab, ca = tls_gitlab
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, extra=f'  tls-ca-file = "{ca}"')
    )
    code = main(["server-check", str(config)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert [r.path for r in gitlab.fake.requests] == ["/api/v4/runners/verify"]


def test_https_finds_the_ca_in_the_runners_certs_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tls_gitlab: tuple[Running, Path]
) -> None:
    gitlab, ca = tls_gitlab
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "127.0.0.1.crt").write_bytes(ca.read_bytes())
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    assert main(["server-check", str(config)]) == 0


def test_an_untrusted_certificate_is_one_line_naming_tls_ca_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tls_gitlab: tuple[Running, Path]
) -> None:
    gitlab, _ca = tls_gitlab
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    code = main(["server-check", str(config)])
    err = capsys.readouterr().err
    assert "tls-ca-file" in _one_error_line(err, "not trusted")
    assert gitlab.fake.requests == []
    assert code == 2


# --- secrets, output, command line --------------------------------------------------------------


def test_no_token_reaches_any_output_even_when_the_server_echoes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    legacy = "a1b2c3d4e5f6a7b8c9d0"  # an old-style token has no recognisable shape

    def echo(handler: Any, _fake: FakeGitLab) -> bool:
        handler.send_json(400, {"message": f"bad token {legacy} / {RUNNER_TOKEN} / {API_TOKEN}"})
        return True

    gitlab.fake.behaviours["/api/v4/runners/verify"] = echo
    gitlab.fake.behaviours["/api/v4/runners/7"] = echo
    config = write_config(
        tmp_path,
        runner_toml("a", gitlab.url, legacy, runner_id=7),
        runner_toml("b", gitlab.url, RUNNER_TOKEN),
    )
    for output_format in ("text", "json", "sarif"):
        main(["server-check", "--allow-http", "--format", output_format, str(config),
              "--api-token-file", token_file(tmp_path)])  # fmt: skip
        captured = capsys.readouterr()
        everything = captured.out + captured.err
        assert "bad token" in everything
        for secret in (legacy, RUNNER_TOKEN, API_TOKEN):
            assert secret not in everything, output_format


def test_api_token_on_the_command_line_is_refused_and_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["server-check", "--api-token", API_TOKEN])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert API_TOKEN not in err
    assert "--api-token-file" in err


def test_gitlab_token_variable_is_used(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    gitlab: Running,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    monkeypatch.setenv("GITLAB_TOKEN", API_TOKEN)
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED)
    )
    _code, report, _ = run_json(capsys, str(config))
    assert "server-dangerous-runner-not-protected" in rule_ids(report)


def test_a_missing_token_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, runner_toml("a", "https://x.invalid", RUNNER_TOKEN))
    assert main(["server-check", str(config), "--api-token-file", str(tmp_path / "nope")]) == 2
    assert "no such file (--api-token-file)" in capsys.readouterr().err


def test_text_report_lists_findings_and_what_was_not_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(5, RUNNER_TOKEN)
    config = write_config(
        tmp_path,
        runner_toml("good", gitlab.url, RUNNER_TOKEN),
        runner_toml("stale", gitlab.url, REVOKED_TOKEN),
    )
    code = main(["server-check", "--allow-http", str(config)])
    out = capsys.readouterr().out
    assert 'runner "stale"' in out
    assert "HIGH     server-token-invalid" in out
    assert "to do by hand: Create the runner again" in out
    assert "not checked on the server" in out
    assert "no access token" in out
    assert code == 1


def test_sarif_carries_findings_and_unchecked_notes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    config = write_config(tmp_path, runner_toml("stale", gitlab.url, REVOKED_TOKEN))
    main(["server-check", "--allow-http", "--format", "sarif", str(config)])
    sarif = json.loads(capsys.readouterr().out)
    run = sarif["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["server-token-invalid"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("no access token" in n["message"]["text"] for n in notes)


def test_audit_server_adds_server_findings_to_the_audit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    config = write_config(
        tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN, runner_id=7, docker=PRIVILEGED)
    )
    code = main(["audit", "--server", "--allow-http", "--format", "json", str(config),
                 "--api-token-file", token_file(tmp_path)])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    ids = rule_ids(report)
    assert "privileged-container" in ids  # the file's own finding
    assert "server-dangerous-runner-not-protected" in ids  # and GitLab's
    assert report["server"]["checked"] == 1
    assert code == 1


def test_audit_server_says_the_server_part_is_missing_when_gitlab_is_unreachable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.gitlab_fixture import closed_port

    url = f"http://127.0.0.1:{closed_port()}"
    config = write_config(tmp_path, runner_toml("a", url, RUNNER_TOKEN, runner_id=7))
    code = main(["audit", "--server", "--allow-http", str(config)])
    captured = capsys.readouterr()
    # The file's own audit stands; the server part says it was not done.
    assert "nothing checked on the server" in captured.out
    assert len(_one_error_line(captured.err, "cannot reach")) > 0
    assert code == 2


def test_audit_without_server_asks_nobody(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN)
    config = write_config(tmp_path, runner_toml("a", gitlab.url, RUNNER_TOKEN))
    main(["audit", "--format", "json", str(config)])
    report = json.loads(capsys.readouterr().out)
    assert "server" not in report
    assert gitlab.fake.requests == []


_LOADED = """
import json, sys
from wizard.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
names = [n for n in sys.modules if n.startswith("wizard.server") or n in ("urllib.request", "ssl")]
with open(sys.argv[1], "w") as out:
    json.dump(sorted(names), out)
"""


@pytest.mark.parametrize("argv", [("--help",), ("server-check", "--help"), ("audit", "CONFIG")])
def test_help_and_plain_audit_do_not_load_the_http_code(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    config = write_config(tmp_path, runner_toml("a", "https://x.invalid", RUNNER_TOKEN))
    report = tmp_path / "loaded.json"
    argv = tuple(str(config) if a == "CONFIG" else a for a in argv)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run(
        [sys.executable, "-c", _LOADED, str(report), *argv],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
    )
    loaded = json.loads(report.read_text())
    assert "wizard.server.transport" not in loaded
    assert "wizard.server.check" not in loaded
    assert "urllib.request" not in loaded


def test_control_characters_from_the_file_never_reach_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    config = write_config(
        tmp_path,
        runner_toml("evil\\u001b[2J", gitlab.url + "/\\u001b[31m", RUNNER_TOKEN, runner_id=7,
                    docker=PRIVILEGED),
    )  # fmt: skip
    main(["server-check", "--allow-http", str(config), "--api-token-file", token_file(tmp_path)])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert "control characters" in captured.out
    assert gitlab.fake.requests == []


def test_unchecked_notes_are_masked_and_escaped_in_text() -> None:
    """Runner names and messages come from the file and the server: a terminal escape
    in them is shown, not sent, and a token in them is masked."""
    from wizard.commands.server_check import render_unchecked_text
    from wizard.server.check import RunnerNote, ServerReport

    token = "glrt-ESCAPEDsecret0123456789"
    report = ServerReport(
        path="config\x1b[2J.toml",
        notes=[
            RunnerNote(0, "evil\x1b]0;title\x07", f"token {token} was refused\x1b[31m", "skipped")
        ],
    )
    text = render_unchecked_text([report])
    assert "\x1b" not in text
    assert "\x07" not in text
    assert token not in text
    assert "evil" in text
    assert "not checked on the server" in text
