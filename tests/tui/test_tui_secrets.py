"""No token or password from the file reaches any screen of the wizard.

A config with a password in its GitLab URL, a runner token, and a password
in an image pattern is walked from the first screen to Done. Every screen's
picture and the text of every widget on it (scrolled out of view or not) is
searched for the secrets. The walk runs once with the real session and once
with a session that hands the runner list over unmasked, because the screens
must mask what they show whatever the core gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from tests.tui_support import (
    SIZE,
    next_until,
    position,
    press,
    save_confirming_risks,
    screen_text,
    settle,
)
from wizard.answers.steps import question
from wizard.answers.validation import url_problem
from wizard.answers.wording import describe_value
from wizard.tui.app import EXIT_SAVED, WizardApp, build_app
from wizard.tui.formatting import mask_words
from wizard.tui.ports import RunnerView, SessionPort, open_real_session
from wizard.tui.screens.runner import runner_label
from wizard.tui.widgets.question import QuestionField

URL_PASSWORD = "URLPASSWORD123"
TOKEN_BODY = "SECRETsecretSECRETsecret"
IMAGE_PASSWORD = "IMAGEPASS987"
SECRETS = (URL_PASSWORD, TOKEN_BODY, IMAGE_PASSWORD)

PLANTED = f"""\
[[runners]]
  name = "docker-mr"
  url = "https://user:{URL_PASSWORD}@gitlab.example.com"
  token = "glrt-{TOKEN_BODY}1234"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    allowed_images = ["https://ci:{IMAGE_PASSWORD}@registry.example.com/*"]
"""


@dataclass(frozen=True)
class RawRunner:
    index: int
    name: str | None
    executor: str | None
    url: str | None
    token: str | None
    runner_id: int | None = None


class LeakySession:
    """The real session, except that its runner list comes straight from the file."""

    def __init__(self, real: SessionPort) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def runners(self) -> Sequence[RunnerView]:
        return [
            RawRunner(
                0,
                "docker-mr",
                "docker",
                f"https://user:{URL_PASSWORD}@gitlab.example.com",
                f"glrt-{TOKEN_BODY}1234",
            )
        ]


def open_leaky_session(path: Path) -> SessionPort:
    # It has every method of the port, through the real session.
    return cast("SessionPort", LeakySession(open_real_session(path)))


def assert_nothing_secret(app: WizardApp, seen: list[str]) -> None:
    where = position(app)
    seen.append(where)
    shown = app.export_screenshot() + screen_text(app)
    leaked = [secret for secret in SECRETS if secret in shown]
    assert not leaked, f"{leaked} shown on {where}"


@pytest.mark.parametrize("opener", [open_real_session, open_leaky_session])
async def test_no_secret_from_the_file_on_any_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opener: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(PLANTED, encoding="utf-8")
    app = build_app(Path("config.toml"), open_session=opener)
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert_nothing_secret(app, seen)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        assert "gitlab.example.com" in screen_text(app), "the URL itself is shown"
        while position(app) != "review":
            assert_nothing_secret(app, seen)
            await next_until(app, pilot, app.state.following(position(app)))
        assert_nothing_secret(app, seen)
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        assert_nothing_secret(app, seen)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    assert seen[:3] == ["start", "runner", "trust"]
    assert seen[-2:] == ["review", "done"]
    written = config.read_text(encoding="utf-8")
    assert all(secret in written for secret in SECRETS), "the file itself keeps them"


def test_the_runner_picker_masks_what_it_is_given() -> None:
    label = runner_label(
        RawRunner(
            0,
            f"glrt-{TOKEN_BODY}9999",
            "docker",
            f"https://user:{URL_PASSWORD}@gitlab.example.com",
            f"glrt-{TOKEN_BODY}1234",
        )
    ).plain
    assert not [secret for secret in SECRETS if secret in label]
    assert "https://user:" in label
    assert "@gitlab.example.com" in label
    assert "glrt-…1234" in label


def test_a_value_shown_in_words_is_masked() -> None:
    shown = describe_value(
        question("allowed_images"), (f"https://ci:{IMAGE_PASSWORD}@registry.example.com/*",)
    )
    assert IMAGE_PASSWORD not in shown
    assert "registry.example.com/*" in shown


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("allowed_images", (f"https://ci:{IMAGE_PASSWORD}@r.example.com/*", "docker.io/library/*")),
        ("default_image", f"https://ci:{IMAGE_PASSWORD}@r.example.com/ci/build:1"),
        ("default_image", "alpine:3.20"),
    ],
)
def test_an_input_line_shows_the_mask_but_keeps_the_value_it_hides(field: str, value: Any) -> None:
    """Left as shown, a masked entry still stands for the real value: saving must
    never write the mask into the file."""
    line = QuestionField(
        question(field), value=value, recommended=None, current=value, can_keep=True, locked=False
    )
    shown = line._input_text(value)
    assert IMAGE_PASSWORD not in shown
    assert line._typed_value(shown) == value
    edited = shown + (", extra/*" if field == "allowed_images" else "-edited")
    assert line._typed_value(edited) != value


def test_a_new_runner_url_with_a_password_is_refused() -> None:
    problem = url_problem(f"https://user:{URL_PASSWORD}@gitlab.example.com", allow_http=False)
    assert problem is not None
    assert URL_PASSWORD not in problem
    assert url_problem("https://gitlab.example.com/", allow_http=False) is None


def test_host_checklist_prose_is_masked_word_by_word() -> None:
    """Our own sentences keep their words; a password or token quoted in them goes."""
    assert mask_words("It holds the runner's token: anyone who can read it") == (
        "It holds the runner's token: anyone who can read it"
    )
    masked = mask_words(
        f"Probe https://ci:{IMAGE_PASSWORD}@gitlab.example.com with glrt-{TOKEN_BODY}1234 now"
    )
    assert not [secret for secret in SECRETS if secret in masked]
    assert masked.startswith("Probe https://ci:")
    assert masked.endswith(" now")
