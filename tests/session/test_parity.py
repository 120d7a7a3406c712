"""Both wizards and a scripted run, given the same answers, write the same bytes.

Enter on every question of the Textual wizard, ``plain --accept-defaults``, and
``plain --answers`` fed the answers the core's defaults give must leave
byte-identical files, on real configs and on a new one. They can only agree
because each takes its defaults from :func:`wizard.answers.defaults.default_for`.
"""

from __future__ import annotations

import io
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import run_cli, write_config
from tests.corpus import corpus_files, require_corpus, require_corpus_file
from tests.parity_data import (
    EXECUTOR_CONFIGS,
    HELM_VALUES_DIR,
    VALUES_FILE,
    values_file,
)
from tests.tui_support import (
    SIZE,
    fill_new_runner,
    next_until,
    position,
    press,
    screen_text,
    settle,
)
from wizard import cli
from wizard.answers.defaults import Sources, accepted_defaults
from wizard.answers.file import answers_to_toml
from wizard.answers.model import Answers
from wizard.base.errors import WizardError
from wizard.base.model import Impact, RunnerIdentity
from wizard.embedded import effective_data
from wizard.plain.flow import PlainWizard
from wizard.plain.prompts import AcceptDefaults
from wizard.runner.settings import effect_of
from wizard.session.core import WizardSession
from wizard.session.scripted import Start
from wizard.tui.app import build_app

URL = "https://gitlab.example.com"


SAMPLES = [
    ("33-shell-ssh-docker-4runners.toml", "docker-custom-runner"),
    ("01-heavily-commented-docker.toml", "Local Development Runner"),
    ("17-k8s-inline-tables.toml", "tak-gov-runner"),
    ("37-docker-and-machine-gce.toml", "my-autoscale-runner"),
]
"""Docker-in-Docker with the host's socket, a commented docker file, kubernetes with
inline tables, docker+machine as the second of two runners."""


def _corpus_file(name: str) -> Path:
    return require_corpus_file(name)


def _runner_index(path: Path, name: str) -> int:
    runners = tomllib.loads(path.read_text(encoding="utf-8"))["runners"]
    return next(i for i, runner in enumerate(runners) if runner.get("name") == name)


async def _tui_enter_everywhere(folder: Path, runner: int | None) -> bytes:
    """Harden runner ``runner`` (``None``: add one) pressing Enter on every step, save."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        if runner is None:
            await fill_new_runner(app, pilot, name="r", url=URL)
        else:
            assert position(app) == "runner"
            await press(app, pilot, *["down"] * runner, "enter")
            assert app.state.runner_index == runner
        await next_until(app, pilot, "review")
        await press(app, pilot, "s")
        assert position(app) == "done"
        await press(app, pilot, "enter")
    return (folder / "config.toml").read_bytes()


def _plain(folder: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> bytes:
    code = cli.main(["plain", "config.toml", "--non-interactive", "--no-backup", *argv])
    output = capsys.readouterr()
    assert code == 0, output.out + output.err
    return (folder / "config.toml").read_bytes()


def _answers_file(folder: Path, runner: int | None) -> Path:
    session = WizardSession.open(folder / "config.toml")
    sources = Sources(current=session.current_answers(runner))
    path = folder.parent / f"{folder.name}-answers.toml"
    path.write_text(answers_to_toml(accepted_defaults(sources)), encoding="utf-8")
    return path


def _fresh(tmp_path: Path, name: str, original: Path | None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    if original is not None:
        shutil.copyfile(original, folder / "config.toml")
    return folder


async def _three_ways(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    original: Path | None,
    runner_name: str,
) -> dict[str, bytes]:
    runner = None if original is None else _runner_index(original, runner_name)
    identity = ["--name", runner_name] + (["--url", URL] if original is None else [])
    written: dict[str, bytes] = {}

    folder = _fresh(tmp_path, "tui", original)
    monkeypatch.chdir(folder)
    written["tui"] = await _tui_enter_everywhere(folder, runner)

    folder = _fresh(tmp_path, "plain", original)
    monkeypatch.chdir(folder)
    written["plain --accept-defaults"] = _plain(
        folder, "--accept-defaults", *identity, capsys=capsys
    )

    folder = _fresh(tmp_path, "scripted", original)
    monkeypatch.chdir(folder)
    answers = _answers_file(folder, runner)
    written["plain --answers"] = _plain(folder, "--answers", str(answers), *identity, capsys=capsys)
    return written


@pytest.mark.parametrize(("file_name", "runner_name"), SAMPLES, ids=[s[0] for s in SAMPLES])
async def test_every_default_accepted_writes_the_same_file_three_ways(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    file_name: str,
    runner_name: str,
) -> None:
    original = _corpus_file(file_name)
    written = await _three_ways(tmp_path, monkeypatch, capsys, original, runner_name)
    assert written["plain --accept-defaults"] == written["tui"]
    assert written["plain --answers"] == written["tui"]


async def test_a_new_runner_is_written_the_same_three_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = await _three_ways(tmp_path, monkeypatch, capsys, None, "r")
    assert written["plain --accept-defaults"] == written["tui"]
    assert written["plain --answers"] == written["tui"]
    runner = tomllib.loads(written["tui"].decode())["runners"][0]
    assert runner["executor"] == "docker", "a new runner starts from the recommendations"
    assert runner["docker"]["user"] == "1000:1000"


def _docker(text: bytes, name: str) -> dict[str, Any]:
    runners = tomllib.loads(text.decode())["runners"]
    docker: dict[str, Any] = next(r for r in runners if r["name"] == name)["docker"]
    return docker


async def test_enter_everywhere_keeps_a_working_docker_in_docker_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Corpus 33, docker-custom-runner: privileged mode, the host's Docker socket, the
    job user, the pull policies and the listeners are what the file said."""
    original = _corpus_file("33-shell-ssh-docker-4runners.toml")
    before_text = original.read_bytes()
    written = await _three_ways(tmp_path, monkeypatch, capsys, original, "docker-custom-runner")
    before = _docker(before_text, "docker-custom-runner")
    before_data = tomllib.loads(before_text.decode())
    for way, text in written.items():
        after = _docker(text, "docker-custom-runner")
        for key in ("privileged", "volumes", "user", "pull_policy", "allowed_pull_policies"):
            assert after.get(key) == before.get(key), (way, key)
        data = tomllib.loads(text.decode())
        assert data.get("listen_address") == before_data.get("listen_address"), way
        assert data.get("session_server") == before_data.get("session_server"), way
        assert "# For Docker-in-Docker" in text.decode(), way


TWO_RUNNERS = """\
[[runners]]
  name = "a"
  url = "https://gitlab.example.com"
  token = "glrt-aaaaaaaaaaaaaaaaaaaa"
  executor = "shell"

[[runners]]
  name = "b"
  url = "https://gitlab.example.com"
  token = "glrt-bbbbbbbbbbbbbbbbbbbb"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
"""


def test_accept_defaults_needs_the_runner_named_when_there_are_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, TWO_RUNNERS)
    outcome = run_cli(capsys, "plain", "config.toml", "--accept-defaults", "--non-interactive")
    assert outcome.code == 2
    assert "--runner NAME" in outcome.err
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == TWO_RUNNERS


def test_accept_defaults_for_a_new_runner_needs_a_usable_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ("plain", "config.toml", "--accept-defaults", "--non-interactive")
    missing = run_cli(capsys, *argv)
    assert missing.code == 2
    assert "'url'" in missing.err
    with_password = run_cli(capsys, *argv, "--url", "https://me:secret-pw@gitlab.example.com")
    assert with_password.code == 2
    assert "user name and password" in with_password.err
    assert "secret-pw" not in with_password.err + with_password.out
    assert not (tmp_path / "config.toml").exists()


def test_accept_defaults_says_what_it_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, TWO_RUNNERS)
    argv = ("plain", "config.toml", "--accept-defaults", "--non-interactive", "--name", "b")
    outcome = run_cli(capsys, *argv)
    assert outcome.code == 0, outcome.err
    assert "Which user do build containers run as? The image's own user" in outcome.out
    assert "(current" in outcome.out
    assert "glrt-bbbb" not in outcome.out


# -- every executor, and a values file -------------------------------------------------


def may_break_differences(before: Any, after: Any, table: tuple[str | int, ...] = ()) -> list[str]:
    """Every setting that differs between two parsed configs and may break a job, judged
    by the one home of what a change does (an unknown setting's change may break)."""
    found: list[str] = []
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            tables = isinstance(old, dict) or isinstance(new, dict)
            arrays = isinstance(old, list) and isinstance(new, list)
            if tables or (arrays and bool(old) and isinstance(old[0], dict)):
                found += may_break_differences(old, new, (*table, key))
            elif old != new:
                verdict = effect_of((*table,), key, old, new, before)
                if verdict.impact is Impact.MAY_BREAK:
                    found.append(f"{table} {key}: {old!r} → {new!r} ({verdict.reason})")
    elif isinstance(before, list) and isinstance(after, list):
        for index, (old, new) in enumerate(zip(before, after, strict=False)):
            found += may_break_differences(old, new, (*table, index))
    return found


def _tables(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


async def _enter_through_tui(folder: Path, file_name: str) -> int:
    """Enter on every step of the first runner, Save, and Enter on whatever Save asks."""
    from wizard.tui.screens.confirm_save import ConfirmSaveScreen

    app = build_app(Path(file_name))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "enter")
        await next_until(app, pilot, "review")
        await press(app, pilot, "s")
        if isinstance(app.screen, ConfirmSaveScreen):
            await press(app, pilot, "enter")  # No: only what cannot break a job
        assert position(app) == "done", screen_text(app)
        await press(app, pilot, "enter")
    code = app.return_value
    assert isinstance(code, int)
    return code


@pytest.mark.parametrize("executor", sorted(EXECUTOR_CONFIGS))
async def test_enter_through_every_executor_keeps_the_runner_the_same_two_ways(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    executor: str,
) -> None:
    """A shell runner got no "keep" choice for its git strategy, so Enter proposed
    GIT_STRATEGY=clone (may break); the TUI then refused to save and line mode wrote
    nothing, not even the safe debug_trace_disabled fix. Now both write the same file,
    with only changes that cannot break a job, and say how many."""
    original = EXECUTOR_CONFIGS[executor]
    folder = _fresh(tmp_path, "tui", None)
    write_config(folder, original)
    monkeypatch.chdir(folder)
    assert await _enter_through_tui(folder, "config.toml") == 0
    by_tui = (folder / "config.toml").read_text(encoding="utf-8")

    folder = _fresh(tmp_path, "plain", None)
    write_config(folder, original)
    monkeypatch.chdir(folder)
    outcome = run_cli(capsys, "plain", "config.toml", "--accept-defaults", "--non-interactive")
    assert outcome.code == 0, outcome.err
    by_plain = (folder / "config.toml").read_text(encoding="utf-8")

    assert by_plain == by_tui
    assert may_break_differences(_tables(original), _tables(by_plain)) == []
    assert by_plain != original, "the safe fixes (debug_trace_disabled at least) are written"
    assert "wrote config.toml: " in outcome.out
    assert "may break jobs that work today" not in outcome.out


async def test_enter_through_a_values_file_writes_the_same_safe_changes_two_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = values_file(VALUES_FILE)
    written: dict[str, bytes] = {}
    for way in ("tui", "plain"):
        folder = _fresh(tmp_path, way, None)
        shutil.copyfile(source, folder / "values.yaml")
        monkeypatch.chdir(folder)
        if way == "tui":
            assert await _enter_through_tui(folder, "values.yaml") == 0
        else:
            outcome = run_cli(
                capsys, "plain", "values.yaml", "--accept-defaults", "--non-interactive"
            )
            assert outcome.code == 0, outcome.err
        written[way] = (folder / "values.yaml").read_bytes()
    assert written["tui"] == written["plain"]
    before = effective_config(source.read_bytes(), source)
    after = effective_config(written["plain"], source)
    assert may_break_differences(before, after) == []


def effective_config(text: bytes, source: Path) -> dict[str, Any]:
    """The config.toml a values file gives the runner, as the core reads it."""
    from wizard.embedded import effective_data, load_document

    copy = source.parent / f".parity-{source.name}"
    try:
        copy.write_bytes(text)
        return dict(effective_data(load_document(copy)))
    finally:
        copy.unlink(missing_ok=True)


def _every_corpus_file() -> list[Path]:
    files = list(corpus_files())
    if HELM_VALUES_DIR is not None:
        files += sorted(p for p in HELM_VALUES_DIR.iterdir() if p.suffix in (".yaml", ".yml"))
    return files


def test_enter_through_line_mode_on_every_corpus_file_writes_no_may_break_change(
    tmp_path: Path,
) -> None:
    """Pressing Enter on every question of the line-mode wizard, for the first runner of
    every file of the corpus (config.toml files and values files): exit 0, and no
    setting that may break a job is written."""
    files = _every_corpus_file()
    if not files:
        require_corpus()  # fails in CI, skips (saying why) elsewhere
    failures: list[str] = []
    for number, source in enumerate(files):
        folder = tmp_path / str(number)
        folder.mkdir()
        target = folder / source.name
        shutil.copyfile(source, target)
        try:
            session = WizardSession.open(target)
        except WizardError:
            continue  # a file the wizard refuses to open is another test's subject
        if not session.runners():
            continue
        before = dict(effective_data(session.doc))
        out = io.StringIO()
        wizard = PlainWizard(
            session,
            AcceptDefaults(out),
            out,
            start=Start(answers=Answers()),
            identity=RunnerIdentity(),
        )
        code = wizard.run(backup=False)
        if code != 0:
            failures.append(f"{source.name}: exit {code}")
            continue
        after = dict(effective_data(WizardSession.open(target).doc))
        risky = may_break_differences(before, after)
        if risky:
            failures.append(f"{source.name}: {risky}")
    assert not failures, "\n".join(failures)
