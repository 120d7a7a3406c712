"""The Textual wizard walked the way a user walks it, with the real core underneath.

Each test starts the app from :func:`wizard.tui.app.build_app` in a temporary
folder, drives it with keys (and the mouse where it matters), and checks the
answers, the file on disk and the exit code.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Static

from tests.tui_support import (
    SIZE,
    fill_new_runner,
    next_until,
    position,
    press,
    save_confirming_risks,
    screen_text,
    settle,
    tab_to,
)
from wizard.answers.model import Answers, PrivilegedNeed, PullPolicyChoice
from wizard.base.masking import mask_text
from wizard.base.model import Executor, Severity, Trust
from wizard.session.presets import Preset, load_preset
from wizard.tui.app import EXIT_INTERRUPTED, EXIT_NOT_SAVED, EXIT_SAVED, build_app
from wizard.tui.screens.confirm_save import ConfirmSaveScreen
from wizard.tui.widgets.choices import ChoiceSet
from wizard.tui.widgets.question import QuestionField

TOKEN = "glrt-TESTtokenTESTtoken1234"

MULTI_RUNNER = """\
# Build runners for the platform team.
concurrent = 2   # two jobs at a time
check_interval = 0

# The shell runner deploys; leave it alone.
[[runners]]
  name = "deploy"
  url = "https://gitlab.example.com"
  token = "glrt-DEPLOYdeployDEPLOY9876"
  executor = "shell"

# Docker runner for merge requests.
[[runners]]
  name = "docker-mr"
  url = "https://gitlab.example.com"
  token = "glrt-DOCKERdockerDOCKER5432"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"  # small default image
    # privileged for the old dind jobs
    privileged = true
    pull_policy = "if-not-present"
    volumes = ["/cache"]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working folder, so every path on screen is relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def runner_of(path: Path, index: int = 0) -> dict[str, Any]:
    runners = tomllib.loads(path.read_text(encoding="utf-8"))["runners"]
    runner: dict[str, Any] = runners[index]
    return runner


EXECUTOR_ORDER = [
    Executor.DOCKER,
    Executor.DOCKER_AUTOSCALER,
    Executor.DOCKER_MACHINE,
    Executor.INSTANCE,
    Executor.KUBERNETES,
    Executor.SHELL,
]


@pytest.mark.parametrize(
    ("executor", "expected_steps"),
    [
        (Executor.DOCKER, ["trust", "executor", "privileges", "pull-policy", "network"]),
        (
            Executor.DOCKER_AUTOSCALER,
            ["trust", "executor", "privileges", "pull-policy", "network", "ephemerality"],
        ),
        (Executor.KUBERNETES, ["trust", "executor", "privileges", "pull-policy", "network"]),
        (Executor.SHELL, ["trust", "executor", "network", "ephemerality"]),
    ],
)
async def test_new_runner_for_each_executor_family(
    folder: Path, executor: Executor, expected_steps: list[str]
) -> None:
    """From an empty folder: describe a runner, pick the executor, accept the
    recommendations, save; the new file has that runner, hardened."""
    app = build_app(Path("config.toml"))
    screens: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert position(app) == "start"
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await fill_new_runner(
            app, pilot, name="builds", url="https://gitlab.example.com", token=TOKEN
        )
        screens.append(screen_text(app))
        assert position(app) == "trust"
        await press(app, pilot, "enter")
        assert position(app) == "executor"
        await press(app, pilot, *["down"] * EXECUTOR_ORDER.index(executor))
        seen = await next_until(app, pilot, "review")
        screens.append(screen_text(app))
        assert ["trust", *seen[:-1]] == expected_steps
        assert app.state.answers_for_core().executor is executor
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        screens.append(screen_text(app))
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    runner = runner_of(folder / "config.toml")
    assert runner["executor"] == executor.value
    assert runner["name"] == "builds"
    assert runner["url"] == "https://gitlab.example.com"
    assert runner["token"] == TOKEN, "the token typed goes into the file"
    assert all(TOKEN not in screen for screen in screens), "the token is never shown"
    assert app.saved is not None
    assert not [f for f in app.saved.findings if f.severity is Severity.CRITICAL]
    if executor is Executor.DOCKER_AUTOSCALER:
        assert runner["autoscaler"] == {"max_use_count": 1}
    if executor in (Executor.DOCKER, Executor.DOCKER_AUTOSCALER):
        docker = runner["docker"]
        assert isinstance(docker, dict)
        assert docker["privileged"] is False
        assert docker["pull_policy"] == ["always"]


async def test_harden_second_runner_of_commented_file(folder: Path) -> None:
    """Edit one runner of a commented two-runner file: every comment survives,
    the other runner is untouched, and the review's diff is what lands on disk."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    config.chmod(0o600)  # a private file: the review's first lines are the changes
    app = build_app(Path("config.toml"))
    screens: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")  # harden is the first choice for a file with runners
        assert position(app) == "runner"
        screens.append(screen_text(app))
        await press(app, pilot, "down", "enter")
        assert app.state.runner_index == 1
        assert app.state.current.executor is Executor.DOCKER
        assert app.state.current.privileged is PrivilegedNeed.PRIVILEGED
        await next_until(app, pilot, "privileges")
        # The file's privileged mode is kept unless the operator says otherwise.
        await press(app, pilot, "up", "up", "up")  # keep → nothing special
        assert app.state.answers_for_core().privileged is PrivilegedNeed.NONE
        await next_until(app, pilot, "review")
        screens.append(screen_text(app))
        preview = app.latest_preview
        assert preview is not None
        assert preview.changed
        # Dropping privileged mode may break jobs: listed first, under its own heading.
        changes_text = str(app.screen.query_one("#changes", Static).render())
        assert changes_text.startswith("may break jobs that work today (")
        assert "privileged: true → false" in changes_text.split("cannot break", maxsplit=1)[0]
        # Save asks one question naming each change that may break jobs; Escape goes
        # back and writes nothing (No, and Enter, write only what cannot break a job).
        risky = len(preview.may_break)
        assert risky >= 1
        for refusal in ("escape",):
            await press(app, pilot, "s")
            assert isinstance(app.screen, ConfirmSaveScreen)
            title = str(app.screen.query_one("#confirm-title", Static).render())
            noun = "change" if risky == 1 else "changes"
            assert title == f"Save {risky} {noun} that may break jobs?"
            named = str(app.screen.query_one("#confirm-changes", Static).render())
            assert "privileged: true → false" in named
            listed = named.split("\n\n", maxsplit=1)[0]
            assert "cannot break" not in listed, "only the changes that may break jobs"
            assert "No writes only the" in named
            await press(app, pilot, refusal)
            assert not isinstance(app.screen, ConfirmSaveScreen)
            assert position(app) == "review"
            assert config.read_text(encoding="utf-8") == MULTI_RUNNER
        await press(app, pilot, "s", "y")
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    written = config.read_text(encoding="utf-8")
    old_lines = MULTI_RUNNER.splitlines()
    new_lines = written.splitlines()
    for line in old_lines:
        if line.lstrip().startswith("#") or "#" in line:
            assert line in new_lines, f"comment line lost: {line!r}"
    # The shell runner and the global settings are byte for byte what they were.
    head = MULTI_RUNNER[: MULTI_RUNNER.index("# Docker runner")]
    assert written.startswith(head)
    # Only the docker runner changed, and exactly as the review showed.
    changes = [
        line
        for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    shown = [
        line
        for line in preview.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert [mask_text(line) for line in changes] == shown
    assert "-    privileged = true" in changes
    assert runner_of(config, 1)["docker"]["privileged"] is False
    assert runner_of(config, 0) == {
        "name": "deploy",
        "url": "https://gitlab.example.com",
        "token": "glrt-DEPLOYdeployDEPLOY9876",
        "executor": "shell",
    }
    assert app.saved is not None
    assert app.saved.backup is not None
    assert app.saved.backup.read_text(encoding="utf-8") == MULTI_RUNNER
    for screen in screens:
        assert "DOCKERdocker" not in screen
        assert "DEPLOYdeploy" not in screen


async def test_keep_current_value_leaves_the_setting_alone(folder: Path) -> None:
    """An existing runner's privileged mode starts at "keep what the file says", and
    Enter through every step writes no change to it."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")  # harden, second runner
        await next_until(app, pilot, "privileges")
        assert app.state.answers_for_core().privileged is None
        await next_until(app, pilot, "review")
        await save_confirming_risks(app, pilot)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    assert runner_of(config, 1)["docker"]["privileged"] is True
    assert "    # privileged for the old dind jobs\n    privileged = true\n" in config.read_text(
        encoding="utf-8"
    )


async def test_going_back_and_changing_trust_updates_later_defaults(folder: Path) -> None:
    """Answers not changed by hand follow the trust level when it changes later."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await press(app, pilot, "up")  # multi-project → one trusted team
        assert app.state.effective().trust is Trust.SINGLE_PROJECT
        await next_until(app, pilot, "pull-policy")
        assert app.state.effective().pull_policy is PullPolicyChoice.IF_NOT_PRESENT
        await press(app, pilot, "escape", "escape", "escape")
        assert position(app) == "trust"
        await press(app, pilot, "down", "down")  # → anyone / untrusted
        assert app.state.effective().trust is Trust.PUBLIC
        # Jump straight to the pull-policy step with the mouse: it was visited.
        await pilot.click("#nav-pull-policy")
        await settle(app, pilot)
        assert position(app) == "pull-policy"
        answers = app.state.answers_for_core()
        assert answers.pull_policy is PullPolicyChoice.ALWAYS
        assert answers.executor is Executor.DOCKER_AUTOSCALER
        # Steps not yet visited cannot be jumped to.
        await pilot.click("#nav-review")
        await settle(app, pilot)
        assert position(app) == "pull-policy"
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED
    assert not (folder / "config.toml").exists()


@pytest.mark.parametrize(("key", "code"), [("q", EXIT_NOT_SAVED), ("ctrl+c", EXIT_INTERRUPTED)])
async def test_quit_without_saving_leaves_the_file_alone(folder: Path, key: str, code: int) -> None:
    """Leaving at the review writes nothing: same bytes, no backup, no temp files."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        if key == "q":
            # Every answer is given here: a stray q asks first, the second one quits.
            await press(app, pilot, "q")
            assert position(app) == "review"
            said = str(app.screen.query_one("#save-problem", Static).render())
            assert "Press q again to quit without saving" in said
        await press(app, pilot, key)
    assert app.return_value == code
    assert app.outcome == "No changes were written."
    assert config.read_text(encoding="utf-8") == MULTI_RUNNER
    assert sorted(p.name for p in folder.iterdir()) == before


async def test_quit_button_on_the_review_screen(folder: Path) -> None:
    """The mouse path: "Quit without saving" on the review screen."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await next_until(app, pilot, "review")
        await pilot.click("#quit")
        await settle(app, pilot)
    assert app.return_value == EXIT_NOT_SAVED
    assert not (folder / "config.toml").exists()


async def test_save_refused_when_the_file_changed_on_disk(folder: Path) -> None:
    """If something rewrites the file after the wizard read it, Save refuses with
    one line, writes nothing, and the user can still leave."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        rotated = MULTI_RUNNER.replace("DOCKERdockerDOCKER5432", "ROTATEDrotatedROTATED11")
        config.write_text(rotated, encoding="utf-8")
        await save_confirming_risks(app, pilot)
        assert position(app) == "review"
        problem = str(app.screen.query_one("#save-problem", Static).content)
        assert problem.startswith("Not saved:")
        assert "\n" not in problem
        assert "ROTATED" not in problem
        await press(app, pilot, "q", "q")
    assert app.return_value == EXIT_NOT_SAVED
    assert config.read_text(encoding="utf-8") == rotated
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]


async def test_a_refused_save_can_read_the_file_again_and_keep_the_answers(
    folder: Path,
) -> None:
    """After a refusal, r reads the file again: the same answers then save over the new
    text, so the rotated token stays and the answered changes are made."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        assert app.latest_preview is not None
        planned = app.latest_preview.changes
        rotated = MULTI_RUNNER.replace("DOCKERdockerDOCKER5432", "ROTATEDrotatedROTATED11")
        config.write_text(rotated, encoding="utf-8")
        await save_confirming_risks(app, pilot)
        reread = app.screen.query_one("#reread")
        assert reread.display
        await press(app, pilot, "r")
        assert position(app) == "review"
        assert "read again" in str(app.screen.query_one("#save-problem", Static).content)
        assert not reread.display
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    written = config.read_text(encoding="utf-8")
    assert "ROTATEDrotatedROTATED11" in written
    assert written != rotated
    assert [(c.key, c.after) for c in planned] == [
        (c.key, c.after) for c in app.latest_preview.changes
    ]


async def test_the_review_scrolls_by_page_and_the_key_help_says_so(folder: Path) -> None:
    from textual.containers import VerticalScroll
    from textual.widgets._footer import FooterKey

    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        keys = {key.description: key.key_display for key in app.screen.query(FooterKey)}
        assert keys.get("Page down") == "PgDn"
        assert keys.get("Page up") == "PgUp"
        review = app.screen.query_one("#review", VerticalScroll)
        assert review.max_scroll_y > review.size.height, "a diff longer than two pages"
        await press(app, pilot, "pagedown")
        first = review.scroll_y
        assert first >= review.size.height - 2
        await press(app, pilot, "pagedown")
        assert review.scroll_y > first
        await press(app, pilot, "pageup", "pageup")
        assert review.scroll_y == 0
        await press(app, pilot, "q", "q")
    assert app.return_value == EXIT_NOT_SAVED
    assert config.read_text(encoding="utf-8") == MULTI_RUNNER


async def test_http_url_needs_explicit_consent(folder: Path) -> None:
    """A plain-http GitLab URL is refused until the user ticks the box."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="http://gitlab.example.com")
        assert position(app) == "runner"
        problem = str(app.screen.query_one("#form-problem", Static).content)
        assert "http" in problem
        await pilot.click("#allow-http")
        await pilot.click("#next")
        await settle(app, pilot)
        assert position(app) == "trust"
        assert app.state.identity is not None
        assert app.state.identity.url == "http://gitlab.example.com"
        await press(app, pilot, "q")


async def test_locked_preset_answers_are_shown_but_fixed(folder: Path) -> None:
    """A preset's locked answer is selected and disabled; the core gets it whatever
    the user presses."""
    preset = Preset(
        name="locked-docker",
        description="test",
        trust=Trust.PUBLIC,
        answers=Answers(
            trust=Trust.PUBLIC, executor=Executor.DOCKER, privileged=PrivilegedNeed.NONE
        ),
        locked=frozenset({"executor", "privileged"}),
    )
    app = build_app(Path("config.toml"), preset=preset)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        assert app.state.effective().trust is Trust.PUBLIC, "unlocked preset answers pre-fill"
        await next_until(app, pilot, "executor")
        choice = app.screen.query_one(ChoiceSet)
        assert choice.disabled
        assert "locked by the preset" in screen_text(app)
        await press(app, pilot, "down", "down")
        assert app.state.answers_for_core().executor is Executor.DOCKER
        await press(app, pilot, "q")


async def test_another_path_typed_on_the_start_screen(folder: Path) -> None:
    """The first screen names the file and lets the user switch to another one."""
    (folder / "other.toml").write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.facts is not None
        assert not app.facts.exists
        await pilot.click("#path")
        await press(app, pilot, "end", *["backspace"] * len("config.toml"))
        await press(app, pilot, *"other.toml", "enter")
        assert app.state.path == Path("other.toml")
        assert app.facts.exists
        assert [r.name for r in app.facts.runners] == ["deploy", "docker-mr"]
        await press(app, pilot, "enter")  # second Enter in the field: go on
        assert position(app) == "runner"
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED


async def test_help_opens_and_closes_on_every_step(folder: Path) -> None:
    """``?`` and F1 show the current step's help; Esc closes it and stays on the step."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        for step_id in ("trust", "executor", "privileges", "pull-policy", "network"):
            assert position(app) == step_id
            await press(app, pilot, "f1" if step_id == "executor" else "question_mark")
            assert type(app.screen).__name__ == "HelpScreen"
            await press(app, pilot, "escape")
            assert position(app) == step_id
            await press(app, pilot, "enter")
        assert position(app) == "review"
        await press(app, pilot, "q")


async def test_second_run_with_the_same_answers_changes_nothing(folder: Path) -> None:
    """After hardening, the same answers find nothing to do: Save says so, Finish
    exits 0 and the file keeps its bytes (no backup, no rewrite)."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    for run in range(2):
        app = build_app(Path("config.toml"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await press(app, pilot, "enter", "down", "enter")
            await next_until(app, pilot, "review")
            assert app.latest_preview is not None
            assert app.latest_preview.changed is (run == 0)
            await save_confirming_risks(app, pilot)
            assert position(app) == "done", "the Done screen comes either way (for a preset)"
            await press(app, pilot, "enter")
        assert app.return_value == EXIT_SAVED
        if run == 0:
            hardened = config.read_bytes()
            names = sorted(p.name for p in folder.iterdir())
    assert app.outcome == "config.toml already says what the answers say; nothing written"
    assert config.read_bytes() == hardened
    assert sorted(p.name for p in folder.iterdir()) == names


async def test_without_a_path_the_usual_config_is_opened(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no PATH the runner's usual config is used when it exists, shown with ``~``."""
    home = folder / "home"
    usual = home / ".gitlab-runner" / "config.toml"
    usual.parent.mkdir(parents=True)
    usual.write_text(MULTI_RUNNER, encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    (folder / "work").mkdir()
    monkeypatch.chdir(folder / "work")
    monkeypatch.setattr("wizard.session.core.default_config_path", lambda: usual)
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.state.path == usual
        assert app.facts is not None
        assert app.facts.display == "~/.gitlab-runner/config.toml"
        assert [r.name for r in app.facts.runners] == ["deploy", "docker-mr"]
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED


async def test_a_file_that_cannot_be_read_is_named_on_the_first_screen(folder: Path) -> None:
    """Invalid TOML: one line naming the file and the place, and no way forward
    until another file is chosen; nothing is written."""
    config = folder / "config.toml"
    config.write_text('[[runners]]\n  name = "x\n', encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.facts is not None
        assert app.facts.problem is not None
        assert app.facts.problem.startswith("config.toml:")
        shown = str(app.screen.query_one("#file-facts", Static).content)
        assert shown == app.facts.problem
        await press(app, pilot, "enter")
        assert position(app) == "start"
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED
    assert config.read_text(encoding="utf-8") == '[[runners]]\n  name = "x\n'


async def test_typed_default_image_and_image_allowlist_land_in_the_file(folder: Path) -> None:
    """Text and list answers are typed on one line each: the image replaces the
    recommendation, the comma-separated allowlist becomes a TOML array (stray
    commas and spaces dropped)."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await press(app, pilot, "enter")
        assert position(app) == "executor"
        await press(app, pilot, "tab")  # from the executor list to the image line
        assert isinstance(app.focused, Input)
        await press(app, pilot, "ctrl+u", *"ruby:3.3")
        assert app.state.answers_for_core().default_image == "ruby:3.3"
        await next_until(app, pilot, "pull-policy")
        await press(app, pilot, "tab", "tab")  # past the policy list and the checklist
        assert isinstance(app.focused, Input)
        await press(app, pilot, *"reg.example.com/ci/*, ,docker.io/library/*,")
        assert app.state.answers_for_core().allowed_images == (
            "reg.example.com/ci/*",
            "docker.io/library/*",
        )
        await press(app, pilot, "enter")  # Enter in the line goes on, like in the lists
        assert position(app) == "network"
        await next_until(app, pilot, "review")
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    docker = runner_of(folder / "config.toml")["docker"]
    assert isinstance(docker, dict)
    assert docker["image"] == "ruby:3.3"
    assert docker["allowed_images"] == ["reg.example.com/ci/*", "docker.io/library/*"]


OWN_IMAGES = """\
[[runners]]
  name = "docker-own"
  url = "https://gitlab.example.com"
  token = "glrt-OWNimagesOWNimages1234"
  executor = "docker"
  [runners.docker]
    image = "registry.example.com/base:7"  # our base image
    allowed_images = ["registry.example.com/*"]
"""


async def test_the_files_image_and_allowlist_are_kept_unless_changed(folder: Path) -> None:
    """An existing runner's own image and allowlist are the default ("keep"), not our
    recommendation; unticking "keep" and typing replaces only the allowlist."""
    config = folder / "config.toml"
    config.write_text(OWN_IMAGES, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")  # harden the only runner
        await next_until(app, pilot, "executor")
        image_line = app.screen.query_one("Input.answer", Input)
        assert image_line.disabled, "kept: the line shows the file's image, greyed"
        assert image_line.value == "registry.example.com/base:7"
        assert app.state.answers_for_core().default_image is None
        await next_until(app, pilot, "pull-policy")
        field = next(
            f for f in app.screen.query(QuestionField) if f.question.field == "allowed_images"
        )
        keep = field.query_one("Checkbox.keep", Checkbox)
        assert keep.value
        keep.focus()
        await press(app, pilot, "space")
        await settle(app, pilot)
        allowlist = field.query_one("Input.answer", Input)
        assert not allowlist.disabled
        allowlist.focus()
        await press(app, pilot, "ctrl+u", *"registry.example.com/ci/*")
        assert app.state.answers_for_core().allowed_images == ("registry.example.com/ci/*",)
        await next_until(app, pilot, "review")
        await save_confirming_risks(app, pilot)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    written = config.read_text(encoding="utf-8")
    assert '    image = "registry.example.com/base:7"  # our base image\n' in written
    docker = runner_of(config)["docker"]
    assert isinstance(docker, dict)
    assert docker["allowed_images"] == ["registry.example.com/ci/*"]


@pytest.mark.parametrize("name", ["multi-project-docker", "restricted-kubernetes"])
async def test_a_presets_pinned_settings_land_in_the_saved_file(folder: Path, name: str) -> None:
    """With --preset, what the preset pins beyond the questions (extra keys per
    runner table) is written too, and the review's diff showed it."""
    preset = load_preset(name)
    app = build_app(Path("config.toml"), preset=preset)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await next_until(app, pilot, "review")
        assert app.latest_preview is not None
        shown = app.latest_preview.diff
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    runner = runner_of(folder / "config.toml")
    assert preset.settings, "the preset pins settings, or this test proves nothing"
    for table, values in preset.settings.items():
        node: object = {"runners": runner}
        for part in table.split("."):
            assert isinstance(node, dict)
            node = node[part]
        assert isinstance(node, dict)
        for key, value in values.items():
            assert node[key] == value, f"[{table}] {key}"
            assert f"{key} = " in shown


TWO_DOCKER_RUNNERS = (
    MULTI_RUNNER
    + """
# Docker runner for tags.
[[runners]]
  name = "docker-tags"
  url = "https://gitlab.example.com"
  token = "glrt-TAGStagsTAGStags5432"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true  # same old reason
"""
)


async def test_several_runners_hardened_with_the_same_answers(folder: Path) -> None:
    """Ticking two docker runners gives both the same answers, in one diff that is
    exactly what lands on disk; the shell runner between them is untouched."""
    config = folder / "config.toml"
    config.write_text(TWO_DOCKER_RUNNERS, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "down", "space", "down", "space", "enter")
        assert app.state.runner_index == 1
        assert app.state.also == (2,)
        assert "runners docker-mr, docker-tags" in app._title_bar()
        await next_until(app, pilot, "privileges")
        await press(app, pilot, "up", "up", "up")  # keep → nothing special, for both
        await next_until(app, pilot, "review")
        preview = app.latest_preview
        assert preview is not None
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    written = config.read_text(encoding="utf-8")
    for index in (1, 2):
        docker = runner_of(config, index)["docker"]
        assert isinstance(docker, dict)
        assert docker["privileged"] is False
        before = tomllib.loads(TWO_DOCKER_RUNNERS)["runners"][index]["docker"]
        assert docker.get("pull_policy") == before.get("pull_policy"), "kept, per runner"
    assert runner_of(config, 0)["executor"] == "shell"
    assert "docker" not in runner_of(config, 0)
    assert "# Docker runner for tags." in written
    changes = [
        line
        for line in difflib.unified_diff(
            TWO_DOCKER_RUNNERS.splitlines(), written.splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    shown = [
        line
        for line in preview.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert [mask_text(line) for line in changes] == shown
    assert shown.count("-    privileged = true") == 1
    assert "-    privileged = true  # same old reason" in shown


async def test_runners_with_different_executors_are_not_hardened_together(
    folder: Path,
) -> None:
    """One set of answers fits one executor: ticking the shell and a docker runner
    is refused on the picker with one line, and the user can pick again."""
    (folder / "config.toml").write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "space", "down", "space", "enter")
        assert position(app) == "runner"
        problem = str(app.screen.query_one("#form-problem", Static).content)
        assert "different executors" in problem
        await press(app, pilot, "space", "enter")  # untick the docker runner
        assert position(app) == "trust"
        assert (app.state.runner_index, app.state.also) == (0, ())
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED


async def test_review_lists_the_host_checklist_with_what_was_planned(folder: Path) -> None:
    """The network step's host measures come back on the review: the ones left
    unticked are marked "not planned", beside the plain to-dos."""
    (folder / "config.toml").write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "network")
        measures = app.screen.query("MultiChoice").last()
        measures.focus()
        await press(app, pilot, "down", "space")  # untick "Block SSH ... from the internet"
        assert app.state.answers_for_core().host_measures == (
            "metadata-endpoint",
            "runner-to-runner",
            "own-segment",
        )
        await next_until(app, pilot, "review")
        assert app.latest_host is not None
        statuses = {row.title: row.status for row in app.latest_host.rows}
        ssh = next(title for title in statuses if "SSH" in title)
        assert statuses[ssh] == "not-planned"
        assert "planned" in statuses.values()
        assert "to-do" in statuses.values()
        assert "✗ not planned" in screen_text(app)
        await press(app, pilot, "q", "q")  # the review asks once before quitting
    assert app.return_value == EXIT_NOT_SAVED
    assert not (folder / "runner-hardening").exists()


async def test_hardening_files_are_written_with_the_config_when_ticked(folder: Path) -> None:
    """Ticking "also write the hardening files" writes them into the folder named
    (runner-hardening next to config.toml by default) in the same save."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        folder_line = app.screen.query_one("#artifacts-folder", Input)
        assert folder_line.value == "runner-hardening"
        assert folder_line.disabled
        await tab_to(app, pilot, "write-artifacts")
        await press(app, pilot, "space")
        assert not folder_line.disabled
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        outcome = str(app.screen.query_one("#outcome", Static).content)
        assert "wrote runner-hardening/HOST-CHECKLIST.md" in outcome
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    assert runner_of(config, 1)["docker"]["privileged"] is True, "kept: Enter changes nothing"
    assert app.latest_host is not None
    written = {
        p.name: p.read_text(encoding="utf-8") for p in (folder / "runner-hardening").iterdir()
    }
    assert written == dict(app.latest_host.files)
    assert "HOST-CHECKLIST.md" in written
    assert "runner-wizard.nft" in written
    assert "169.254.169.254" in written["runner-wizard.nft"]
    assert "wrote the hardening files to runner-hardening/" in app.outcome


async def test_a_failed_hardening_file_write_says_the_config_was_saved(folder: Path) -> None:
    """When the files cannot be written after the config was saved, the Done
    screen and the closing line say exactly that, and the exit code is 2."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    (folder / "in-the-way").write_text("a file, not a folder\n", encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        await tab_to(app, pilot, "write-artifacts")
        await press(app, pilot, "space", "tab", "ctrl+u", *"in-the-way/files")
        await press(app, pilot, "enter")  # from the folder line to Save
        assert app.focused is not None
        assert app.focused.id == "save"
        await press(app, pilot, "enter")  # Save (one question first if a change may break)
        if isinstance(app.screen, ConfirmSaveScreen):
            await press(app, pilot, "y")
        assert position(app) == "done"
        outcome = str(app.screen.query_one("#outcome", Static).content)
        assert "config.toml was saved, but the hardening files were not written" in outcome
        await press(app, pilot, "enter")
    assert app.return_value == 2
    assert app.outcome.startswith("wrote config.toml: ")
    assert "config.toml was saved, but the hardening files were not written to " in app.outcome
    assert runner_of(config, 1)["docker"]["privileged"] is True
    assert (folder / "in-the-way").read_text(encoding="utf-8") == "a file, not a folder\n"


async def test_hardening_files_for_a_config_that_needs_no_change(folder: Path) -> None:
    """A config that already matches is not rewritten, but the files still are."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    for run in range(2):
        app = build_app(Path("config.toml"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await press(app, pilot, "enter", "down", "enter")
            await next_until(app, pilot, "review")
            if run == 1:
                assert app.latest_preview is not None
                assert not app.latest_preview.changed
                hardened = config.read_bytes()
                await tab_to(app, pilot, "write-artifacts")
                await press(app, pilot, "space")
            await save_confirming_risks(app, pilot)
            assert position(app) == "done"
            await press(app, pilot, "enter")
        assert app.return_value == EXIT_SAVED
    assert config.read_bytes() == hardened
    assert app.outcome == (
        "config.toml already says what the answers say; nothing written; "
        "wrote the hardening files to runner-hardening/"
    )
    assert (folder / "runner-hardening" / "HOST-CHECKLIST.md").is_file()


async def test_answers_saved_as_a_preset_reproduce_the_runner(folder: Path) -> None:
    """On the Done screen the answers become ./NAME.toml; loading that preset gives
    the same answers, and a second preset of the same name is refused."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await press(app, pilot, "up")  # one trusted team
        await next_until(app, pilot, "review")
        expected = app.state.answers_for_preset()
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        await pilot.click("#preset-name")
        await press(app, pilot, *"our-docker", "enter", *"team builds", "enter")
        result = str(app.screen.query_one("#preset-result", Static).content)
        assert result.startswith("Wrote preset our-docker to our-docker.toml")
        first = (folder / "our-docker.toml").read_text(encoding="utf-8")
        await pilot.click("#save-preset")
        await settle(app, pilot)
        result = str(app.screen.query_one("#preset-result", Static).content)
        assert "already exists" in result
        await pilot.click("#finish")
        await settle(app, pilot)
    assert app.return_value == EXIT_SAVED
    assert (folder / "our-docker.toml").read_text(encoding="utf-8") == first
    preset = load_preset("./our-docker.toml")
    assert preset.description == "team builds"
    assert preset.trust is Trust.SINGLE_PROJECT
    assert preset.answers == expected
    assert preset.answers.executor is Executor.DOCKER


async def test_an_offered_fix_is_applied_only_once_ticked(folder: Path) -> None:
    """Fixes no question covers (cap_drop here) are offered on the review; ticking one
    puts it in the diff and the saved file, with its may-break line."""
    config = folder / "config.toml"
    config.write_text(MULTI_RUNNER, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "enter")
        await next_until(app, pilot, "review")
        preview = app.latest_preview
        assert preview is not None
        assert "cap_drop" not in preview.diff
        box = next(
            b
            for b in app.screen.query(".offer").results(Checkbox)
            if "setuid-not-dropped" in str(b.label)
        )
        assert not box.value
        box.focus()
        await press(app, pilot, "space")
        preview = app.latest_preview
        assert preview is not None
        assert "cap_drop" in preview.diff
        focused = app.focused
        assert focused is not None
        assert "setuid-not-dropped" in str(getattr(focused, "label", ""))  # focus kept
        changes_text = str(app.screen.query_one("#changes", Static).render())
        assert "cap_drop" in changes_text.split("cannot break", maxsplit=1)[0]
        await save_confirming_risks(app, pilot)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    assert runner_of(config, 1)["docker"]["cap_drop"] == ["SETUID", "SETGID"]
