"""The line-mode wizard's one-line questions: the default image (text) and the image
allowlist (a comma-separated list), asked, defaulted, locked and scripted."""

from __future__ import annotations

import io
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.plain_fakes import FakePrompts
from wizard import cli
from wizard.answers.model import Answers, PullPolicyChoice
from wizard.answers.steps import DEFAULT_IMAGE, recommended
from wizard.answers.validation import LIST_HINT
from wizard.audit.engine import audit_document
from wizard.base.errors import MissingAnswerError
from wizard.base.model import Executor, RunnerIdentity, Trust
from wizard.embedded import load_document
from wizard.plain.flow import PlainWizard, parse_list_answer
from wizard.session import scripted
from wizard.session.core import WizardSession

URL = "https://gitlab.example.com"
ASK_IMAGE = "Which image do jobs use when they name none?"
ASK_IMAGES = "Which images may jobs use?"
ASK_PULL = "How are job images pulled?"

EXISTING = f"""\
[[runners]]
  name = "docker-1"
  url = "{URL}"
  token = "glrt-OTHERsecret0123456789"
  executor = "docker"
  [runners.docker]
    image = "registry.example.com/ci/base:2"   # the team's base image
    allowed_images = ["registry.example.com/ci/*"]
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUNNER_NAME", "CI_SERVER_URL", "CI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def run_wizard(
    path: Path, replies: dict[str, Any], *, preset: str | None = None
) -> tuple[FakePrompts, str]:
    prompts = FakePrompts(
        {
            "Which executor": Executor.DOCKER,
            "GitLab URL": URL,
            "can stop jobs that work today": True,
            **replies,
        },
    )
    out = io.StringIO()
    wizard = PlainWizard(
        WizardSession.open(path),
        prompts,
        out,
        start=scripted.start(preset, None),
        identity=RunnerIdentity(),
    )
    assert wizard.run(backup=False) == 0
    return prompts, out.getvalue()


def asked(prompts: FakePrompts, fragment: str) -> str:
    """The one message that contains ``fragment``; asking twice would be a bug."""
    messages = [m for m in prompts.asked if fragment in m]
    assert len(messages) == 1, messages
    return messages[0]


def docker_table(path: Path) -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]["docker"]
    return table


# ------------------------------------------------------------------ the default image


def audit_text(path: Path) -> str:
    """The rule ids audit reports for ``path`` at the default trust."""
    return " ".join(f.rule for f in audit_document(load_document(path)))


def test_a_new_docker_runner_gets_the_image_typed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts, _out = run_wizard(path, {ASK_IMAGE: "  registry.example.com/ci/base:1.4  "})
    assert docker_table(path)["image"] == "registry.example.com/ci/base:1.4"
    message = asked(prompts, ASK_IMAGE)
    assert message == f"{ASK_IMAGE} (recommended) [< goes back]"
    assert prompts.defaults[message] == DEFAULT_IMAGE
    # Asked in the executor step, right after the executor.
    assert prompts.asked[prompts.asked.index(message) - 1].startswith("Which executor")


def test_blank_image_keeps_the_recommendation(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    run_wizard(path, {ASK_IMAGE: "   "})
    assert docker_table(path)["image"] == DEFAULT_IMAGE


def test_the_files_image_is_the_default_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXISTING, encoding="utf-8")
    prompts, _out = run_wizard(path, {ASK_IMAGE: "", ASK_IMAGES: ""})
    message = asked(prompts, ASK_IMAGE)
    assert message == f"{ASK_IMAGE} (current) [< goes back]"
    assert prompts.defaults[message] == "registry.example.com/ci/base:2"
    text = path.read_text(encoding="utf-8")
    assert "# the team's base image" in text
    assert docker_table(path)["image"] == "registry.example.com/ci/base:2"
    assert docker_table(path)["allowed_images"] == ["registry.example.com/ci/*"]


def test_a_shell_runner_is_asked_neither(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts, _out = run_wizard(path, {"Which executor": Executor.SHELL})
    assert not prompts.asked_about(ASK_IMAGE)
    assert not prompts.asked_about(ASK_IMAGES)


# ------------------------------------------------------------------ the allowlist


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            "docker.io/library/*, registry.example.com/**/*",
            ["docker.io/library/*", "registry.example.com/**/*"],
        ),
        (" a ,, b , ", ["a", "b"]),
        ("", ["registry.example.com/ci/*"]),  # blank: the file's list stays
        ("-", None),  # none: the key goes, any image may run
        ("None", None),
    ],
)
def test_allowlist_replies_edit_the_file(
    tmp_path: Path, reply: str, expected: list[str] | None
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXISTING, encoding="utf-8")
    prompts, _out = run_wizard(path, {ASK_IMAGES: reply})
    assert docker_table(path).get("allowed_images") == expected
    message = asked(prompts, ASK_IMAGES)
    assert message.endswith(f"(current) [{LIST_HINT}; < goes back]")
    assert prompts.defaults[message] == "registry.example.com/ci/*"


def test_a_new_runners_allowlist_defaults_to_what_clears_the_finding(tmp_path: Path) -> None:
    """An empty list is images-unrestricted (MEDIUM): the recommendation is the presets'
    official-image patterns, and the prompt says to add the team's own registry."""
    path = tmp_path / "config.toml"
    prompts, _out = run_wizard(path, {})
    message = asked(prompts, ASK_IMAGES)
    assert "(recommended)" in message
    assert "add your registry" in message
    assert prompts.defaults[message] == "*, docker.io/library/*"
    assert docker_table(path)["allowed_images"] == ["*", "docker.io/library/*"]
    assert docker_table(path)["allowed_services"] == ["*", "docker.io/library/*"]
    assert "images-unrestricted" not in audit_text(path)


def test_an_existing_empty_allowlist_is_kept_and_not_called_recommended(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXISTING.replace('allowed_images = ["registry.example.com/ci/*"]\n', ""))
    prompts, _out = run_wizard(path, {})
    for ask in (ASK_IMAGES, "Which service images"):
        message = asked(prompts, ask)
        assert f"(current) [{LIST_HINT}" in message, message
        assert "recommended" not in message
        assert prompts.defaults[message] == ""
    assert "allowed_images" not in docker_table(path)


def test_never_recommends_the_default_image_as_the_allowlist(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    replies = {ASK_IMAGE: "registry.example.com/ci/base:1.4", ASK_PULL: PullPolicyChoice.NEVER}
    prompts, out = run_wizard(path, replies)
    assert prompts.defaults[asked(prompts, ASK_IMAGES)] == "registry.example.com/ci/base:1.4"
    docker = docker_table(path)
    assert docker["pull_policy"] == ["never"]
    assert docker["allowed_images"] == ["registry.example.com/ci/base:1.4"]
    assert "needs an image allowlist" not in out


def test_never_with_an_empty_allowlist_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _prompts, out = run_wizard(path, {ASK_PULL: PullPolicyChoice.NEVER, ASK_IMAGES: "-"})
    assert "warning: pull policy 'never' needs an image allowlist (allowed_images)" in out
    assert "allowed_images" not in docker_table(path)


entry = st.text(alphabet="abc/*:.-_ ", min_size=0, max_size=12)


@given(st.lists(entry, max_size=6), st.lists(st.text(min_size=1, max_size=8), max_size=3))
def test_parse_list_answer(parts: list[str], default: list[str]) -> None:
    reply = ",".join(parts)
    parsed = parse_list_answer(reply, tuple(default))
    if not reply.strip():
        assert parsed == tuple(default)
    elif reply.strip().casefold() in ("-", "none"):
        assert parsed == ()
    else:
        wanted = [p.strip() for p in parts if p.strip()]
        assert parsed == tuple(dict.fromkeys(wanted))
        assert all(item == item.strip() and item for item in parsed)


# ------------------------------------------------------------------ presets and scripts


LOCKING_PRESET = """\
name = "pinned-images"
description = "Docker runner whose images the platform team chooses."
trust = "single-project"
locked = ["executor", "default_image", "allowed_images"]

[answers]
executor = "docker"
default_image = "registry.example.com/ci/base:3"
allowed_images = ["registry.example.com/ci/*", "docker.io/library/*"]
"""


def test_locked_image_answers_are_shown_not_asked(tmp_path: Path) -> None:
    preset = tmp_path / "pinned-images.toml"
    preset.write_text(LOCKING_PRESET, encoding="utf-8")
    path = tmp_path / "config.toml"
    prompts, out = run_wizard(path, {ASK_IMAGE: "other:1", ASK_IMAGES: "-"}, preset=str(preset))
    assert not prompts.asked_about(ASK_IMAGE)
    assert not prompts.asked_about(ASK_IMAGES)
    assert f"{ASK_IMAGE} registry.example.com/ci/base:3 (locked by preset pinned-images)" in out
    assert "registry.example.com/ci/*, docker.io/library/* (locked by preset" in out
    docker = docker_table(path)
    assert docker["image"] == "registry.example.com/ci/base:3"
    assert docker["allowed_images"] == ["registry.example.com/ci/*", "docker.io/library/*"]


def test_scripted_run_names_the_missing_image_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text('trust = "single-project"\nexecutor = "docker"\n', encoding="utf-8")
    path = tmp_path / "config.toml"
    argv = ["plain", str(path), "--non-interactive", "--answers", str(answers), "--url", URL]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "'default_image'" in err
    assert "'allowed_images'" in err
    assert "(give them with --answers FILE or --preset NAME)" in err
    assert not path.exists()


def test_scripted_run_takes_the_image_answers_from_the_file(tmp_path: Path) -> None:
    """An existing runner's image and allowlist count as answers ("keep it")."""
    path = tmp_path / "config.toml"
    path.write_text(EXISTING, encoding="utf-8")
    current = WizardSession.open(path).current_answers(0)
    assert current.default_image == "registry.example.com/ci/base:2"
    assert current.allowed_images == ("registry.example.com/ci/*",)
    full = recommended(Answers(trust=Trust.SINGLE_PROJECT, executor=Executor.DOCKER))
    without_images = replace(full, default_image=None, allowed_images=None)
    scripted.require_complete(without_images, current)  # the file answers them
    with pytest.raises(MissingAnswerError) as raised:
        scripted.require_complete(without_images, Answers())
    assert str(raised.value) == (
        "missing answers 'default_image', 'allowed_images' "
        "(give them with --answers FILE or --preset NAME)"
    )


def test_a_fact_question_has_no_recommendation_rather_than_not_set() -> None:
    from wizard.answers.steps import question
    from wizard.answers.wording import NO_RECOMMENDATION, describe_recommendation

    trust = question("trust")
    assert trust.fact
    assert describe_recommendation(trust, None) == NO_RECOMMENDATION
    assert "not set" not in NO_RECOMMENDATION
    assert describe_recommendation(question("executor"), Executor.DOCKER) != NO_RECOMMENDATION
