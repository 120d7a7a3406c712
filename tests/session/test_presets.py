"""Bundled presets are valid, complete, audit clean at their trust level, and round-trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wizard.answers.model import Answers
from wizard.answers.steps import applicable_fields
from wizard.audit import engine as audit
from wizard.base.errors import WizardError
from wizard.base.model import Executor, RunnerIdentity, SetValue, Severity, Trust
from wizard.runner import keys
from wizard.session.presets import (
    Preset,
    bundled_names,
    list_presets,
    load_preset,
    make_preset,
    preset_edits,
    preset_to_toml,
    settings_edits,
    template_config,
    with_locks,
)
from wizard.tomlfile import document

PRESETS = list_presets()
NAMES = [preset.name for preset in PRESETS]
REQUIRED_EXECUTORS = {
    Executor.DOCKER,
    Executor.DOCKER_AUTOSCALER,
    Executor.KUBERNETES,
    Executor.SHELL,
    Executor.SSH,
}


def test_at_least_eight_presets_covering_the_required_kinds() -> None:
    assert len(PRESETS) >= 8
    executors = {preset.answers.executor for preset in PRESETS}
    assert executors >= REQUIRED_EXECUTORS
    assert executors & {Executor.VIRTUALBOX, Executor.PARALLELS}
    assert {preset.trust for preset in PRESETS} == set(Trust)
    dind = load_preset("privileged-dind")
    # glrt- tokens: protection is set where the runner is created, not at register time.
    assert "access_level=ref_protected" in dind.description
    assert "--access-level" not in dind.description


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_file_name_matches_preset_name(preset: Preset) -> None:
    assert preset.source == f"preset {preset.name}"
    assert preset.name in bundled_names()


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_preset_answers_every_question(preset: Preset) -> None:
    assert preset.answers.trust is preset.trust
    assert preset.answers.missing(applicable_fields(preset.answers)) == []
    assert preset.description


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_pinned_settings_are_keys_the_runner_reads(preset: Preset) -> None:
    for table, values in preset.settings.items():
        for key in values:
            assert keys.lookup(table, key) is not None or keys.is_free_form(table), (table, key)


def _render(preset: Preset) -> document.ConfigDocument:
    identity = RunnerIdentity("ci", "https://gitlab.example.com", "glrt-0123456789abcdefghij")
    base = document.parse_config(b"concurrent = 4\n", Path("config.toml"))
    base = base.with_new_runner(identity, preset.answers.executor)
    return base.with_edits(preset_edits(preset, preset.answers, base.data, 0))


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_preset_audits_clean_at_its_trust_level(preset: Preset) -> None:
    findings = audit.audit_document(_render(preset), trust=preset.trust)
    serious = [
        f.rule
        for f in findings
        if f.severity.at_least(Severity.HIGH) and f.rule not in preset.accepted
    ]
    assert serious == []
    # An accepted rule must be one the preset really triggers, or the note is stale.
    triggered = {f.rule for f in findings}
    assert preset.accepted <= triggered


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_applying_a_preset_twice_changes_nothing(preset: Preset) -> None:
    once = _render(preset)
    assert preset_edits(preset, preset.answers, once.data, 0) == []


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_preset_round_trips_through_its_file(preset: Preset, tmp_path: Path) -> None:
    path = tmp_path / f"{preset.name}.toml"
    path.write_text(preset_to_toml(preset), encoding="utf-8")
    again = load_preset(str(path))
    assert again.answers == preset.answers
    assert again.locked == preset.locked
    assert again.accepted == preset.accepted
    assert {t: dict(v) for t, v in again.settings.items()} == {
        t: dict(v) for t, v in preset.settings.items()
    }
    assert preset_to_toml(again) == preset_to_toml(preset)


@pytest.mark.parametrize("preset", PRESETS, ids=NAMES)
def test_template_config_has_only_known_keys_and_no_identity(preset: Preset) -> None:
    text = template_config(preset)
    data = tomllib.loads(text)
    assert list(data) == ["runners"]
    runner = data["runners"][0]
    assert not {"name", "url", "token"} & {k.casefold() for k in runner}

    def walk(table: str, values: dict[str, object]) -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                walk(keys.child_table(table, key), value)
            else:
                assert keys.lookup(table, key) or keys.is_free_form(table), (table, key)

    walk("runners", runner)


def test_settings_edits_target_the_runner_and_skip_satisfied() -> None:
    preset = load_preset("multi-project-docker")
    edits = settings_edits(preset, 2)
    assert SetValue(("runners", 2, "docker"), "disable_cache", True) in edits
    data = {"runners": [{"docker": {"disable_cache": True}}]}
    assert SetValue(("runners", 0, "docker"), "disable_cache", True) not in settings_edits(
        preset, 0, data
    )


def test_locks_override_answers() -> None:
    preset = load_preset("public-autoscaler")
    answers = Answers(executor=Executor.SHELL, local_only_listeners=False)
    locked = with_locks(preset, answers)
    assert locked.executor is Executor.DOCKER_AUTOSCALER
    assert locked.local_only_listeners is False  # not locked: the operator's answer stays


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\ntrust = 'public'\nsurprise = 1\n", "unknown preset field(s): surprise"),
        ("name = 'Bad Name'\ntrust = 'public'\n", "'name' must be"),
        ("name = 'x'\ntrust = 'everyone'\n", "'trust' must be one of"),
        ("name = 'x'\ntrust = 'public'\n[answers]\nexecutor = 'podman'\n", "executor = 'podman'"),
        ("name = 'x'\ntrust = 'public'\nlocked = ['colour']\n", "locked names no answer: colour"),
        ("name = 'x'\ntrust = 'public'\nlocked = ['executor']\n", "not given in [answers]"),
        ("name = 'x'\ntrust = 'public'\naccepted = ['shell-executor']\n", "accepted_reason"),
        (
            "name = 'x'\ntrust = 'public'\n[settings.'runners.docker']\nprivilged = false\n",
            "does not read this key (did you mean privileged?)",
        ),
        (
            "name = 'x'\ntrust = 'public'\n[settings.runners]\ntoken = 'glrt-123'\n",
            "identities and secrets never go into a preset",
        ),
        (
            "name = 'x'\ntrust = 'public'\n[settings.'runners.docker']\nprivileged = 'yes'\n",
            "privileged: must be true or false, but is a string",
        ),
        (
            # What wrong-value-type would report once written is refused up front.
            "name = 'x'\ntrust = 'public'\n[settings.runners]\nprepare_timeout = 'abc'\n",
            "prepare_timeout: is not a duration the runner can parse",
        ),
        (
            "name = 'x'\ntrust = 'public'\n[settings.runners]\nprepare_timeout = 90\n",
            'prepare_timeout: is a duration: give it a unit, such as "90s"',
        ),
        ("name = 'x'\ntrust = 'public'\n[settings.session_server]\nx = 1\n", "one runner only"),
        ("name = 'x'\ntrust = 'public'\n[answers\n", "invalid TOML"),
    ],
)
def test_bad_preset_files_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WizardError) as caught:
        load_preset(path)
    assert str(caught.value).startswith(path)
    assert message in str(caught.value)


def test_unknown_preset_name_lists_the_bundled_ones() -> None:
    with pytest.raises(WizardError, match=r"no preset named 'nope'.*trusted-docker"):
        load_preset("nope")


def test_missing_file() -> None:
    with pytest.raises(WizardError, match=r"missing\.toml: no such file"):
        load_preset("./missing.toml")


def test_make_preset_locks_every_answer_by_default() -> None:
    answers = Answers(trust=Trust.PUBLIC, executor=Executor.DOCKER, per_build_network=True)
    preset = make_preset("our-docker", answers)
    assert preset.locked == {"executor", "per_build_network"}
    assert "docker" in preset.description
    with pytest.raises(WizardError):
        make_preset("Our Docker", answers)


def test_no_advice_to_set_protection_at_register_time() -> None:
    """With glrt- authentication tokens, ``gitlab-runner register --access-level`` is
    ignored: protection is set where the runner is created in GitLab (UI or
    ``POST /user/runners``); commands/register.go warns the flag is ignored with one,
    so no text of ours may advise it."""
    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("wizard/**/*.py"), *root.glob("presets/*.toml"), root / "README.md"]
    assert [str(f) for f in files if "--access-level" in f.read_text(encoding="utf-8")] == []
