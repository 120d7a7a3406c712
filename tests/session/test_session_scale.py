"""Previews on big fleets: worked out on an excerpt, the same as on the whole file, quick.

Every answer in the wizard asks the core for a new preview. From
``EXCERPT_MIN_RUNNERS`` runners on, the session edits an excerpt (the global
settings, the edited runners and a few around them) and puts the rest back;
these tests hold that to the whole-file result, byte for byte and line for line.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cli_support import RISKY_CONFIG
from wizard.answers.impact import fix_id
from wizard.answers.model import Answers
from wizard.answers.steps import recommended
from wizard.base.errors import EditError
from wizard.base.model import Executor, Trust
from wizard.session import core as session_module
from wizard.session.core import Preview, WizardSession

HEAD, RUNNERS = RISKY_CONFIG.split("# The main docker runner\n")
TAIL = """
[[runners]]
  name = "shell-last"
  executor = "shell"
  builds_dir = "/srv/builds"   # the last runner, without a final newline"""


COMPACT = """\
[[runners]]
  name = "compact"
  executor = "docker"
  [runners.docker]
    privileged = true
"""
"""No blank line or comment around it: a diff's context reaches into its neighbours."""


def fleet(copies: int) -> str:
    """``5 * copies + 1`` runners of five kinds, with comments, globals first."""
    body = "".join(
        ("# The main docker runner\n" + RUNNERS + COMPACT).replace('name = "', f'name = "{n}-')
        for n in range(copies)
    )
    return 'listen_address = ":9252"\n' + HEAD + body + TAIL


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(fleet(10), encoding="utf-8")
    path.chmod(0o644)
    return path


def _whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> WizardSession:
    monkeypatch.setattr(session_module, "EXCERPT_MIN_RUNNERS", 10**9)
    return WizardSession.open(path)


def _same(left: Preview, right: Preview) -> None:
    assert left.new_text == right.new_text
    assert left.diff == right.diff
    assert [(f, f.line) for f in left.findings_after] == [(f, f.line) for f in right.findings_after]
    assert [(f, f.line) for f in left.findings_before] == [
        (f, f.line) for f in right.findings_before
    ]
    assert left.edits == right.edits
    assert left.changes == right.changes
    assert [(f, f.edits) for f in left.offered] == [(f, f.edits) for f in right.offered]
    assert (left.to_fill_in, left.managed) == (right.to_fill_in, right.managed)


ANSWER_SETS = [
    recommended(Answers(trust=Trust.MULTI_PROJECT, executor=Executor.DOCKER)),
    recommended(Answers(trust=Trust.PUBLIC, executor=Executor.DOCKER)),
    Answers(trust=Trust.SINGLE_PROJECT),
]


PLACES = [(0, ()), (1, ()), (4, ()), (9, ()), (20, ()), (49, ()), (50, ()), (12, (13, 34))]
"""First, second, compact ones, middle, last two, and three at once."""


@pytest.mark.parametrize("answers", ANSWER_SETS, ids=["multi", "public", "single"])
@pytest.mark.parametrize(("runner", "also"), PLACES)
def test_excerpt_preview_is_the_whole_file_preview(
    big: Path,
    monkeypatch: pytest.MonkeyPatch,
    answers: Answers,
    runner: int,
    also: tuple[int, ...],
) -> None:
    quick = WizardSession.open(big).preview(answers, runner_index=runner, also=also)
    assert quick.from_excerpt
    whole = _whole(big, monkeypatch).preview(answers, runner_index=runner, also=also)
    assert not whole.from_excerpt
    assert quick.changed
    _same(quick, whole)


def test_excerpt_preview_saves_what_it_showed(big: Path) -> None:
    session = WizardSession.open(big)
    preview = session.preview(ANSWER_SETS[0], runner_index=17)
    assert preview.from_excerpt
    result = session.save(preview, backup=False)
    assert big.read_text(encoding="utf-8") == preview.new_text
    assert len(result.findings) == len(preview.findings_after)


def test_excerpt_preview_whose_text_does_not_match_its_edits_is_not_saved(big: Path) -> None:
    session = WizardSession.open(big)
    preview = session.preview(ANSWER_SETS[0], runner_index=17)
    forged = replace(preview, edits=preview.edits[1:])
    with pytest.raises(EditError):
        session.save(forged, backup=False)
    assert big.read_text(encoding="utf-8") == fleet(10)


def test_a_runner_written_in_two_places_gets_the_whole_file_preview(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    # [runners.docker] after a global table still belongs to the last runner.
    late = "\n\n[global_note]\n  a = 1\n\n[runners.docker]\n  image = 'late'\n"
    path.write_text(fleet(10) + late, encoding="utf-8")
    preview = WizardSession.open(path).preview(ANSWER_SETS[0], runner_index=3)
    assert not preview.from_excerpt
    assert preview.changed


def test_an_answer_on_a_fleet_of_a_thousand_is_previewed_quickly(tmp_path: Path) -> None:
    """The wizard's findings count must follow an answer at once (100 ms on an idle
    core; the bound is generous because the test machine is shared). CPU time, so
    other processes do not count against it."""
    path = tmp_path / "config.toml"
    path.write_text(fleet(200), encoding="utf-8")
    session = WizardSession.open(path)
    assert len(session.runners()) == 1001
    answers = ANSWER_SETS[0]
    session.preview(answers, runner_index=500)  # reads the file once: audit, cut, style
    times = []
    for runner, trust in [(500, Trust.MULTI_PROJECT), (501, Trust.MULTI_PROJECT), (7, None)]:
        start = time.process_time()
        preview = session.preview(replace(answers, trust=trust), runner_index=runner)
        times.append(time.process_time() - start)
        assert preview.from_excerpt
        assert preview.changed
    assert sorted(times)[1] < 0.5, times


def test_ticked_offered_fixes_are_the_same_on_an_excerpt(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = ANSWER_SETS[0]
    first = WizardSession.open(big).preview(answers, runner_index=20)
    assert first.offered
    ticked = {fix_id(f) for f in first.offered}
    quick = WizardSession.open(big).preview(answers, runner_index=20, ticked=ticked)
    whole = _whole(big, monkeypatch).preview(answers, runner_index=20, ticked=ticked)
    assert quick.from_excerpt
    assert quick.new_text != first.new_text
    _same(quick, whole)
