"""What "back" means in line mode is decided by the core step list (wizard.answers.steps)."""

from __future__ import annotations

from wizard.answers.model import Answers
from wizard.answers.steps import QuestionWalk, is_back
from wizard.base.model import Executor, Trust


def fields_until_end(walk: QuestionWalk) -> list[str]:
    seen = []
    while (found := walk.next()) is not None:
        seen.append(found[1].field)
        walk.answer(getattr(walk.answers, found[1].field) or found[1].recommend(walk.answers))
    return seen


def test_back_restores_the_answers_and_what_applies() -> None:
    walk = QuestionWalk(Answers())
    assert not walk.can_go_back
    walk.answer(Trust.PUBLIC)  # trust
    assert walk.next()[1].field == "executor"  # type: ignore[index]
    walk.answer(Executor.SHELL)
    shell_next = walk.next()[1].field  # type: ignore[index]
    assert shell_next != "default_image", "a shell runner has no image question"
    walk.back()
    assert walk.next()[1].field == "executor"  # type: ignore[index]
    assert walk.answers.executor is None, "the answer given there is undone"
    walk.answer(Executor.DOCKER)
    assert walk.next()[1].field == "default_image"  # type: ignore[index]
    walk.back()
    walk.back()
    assert walk.next()[1].field == "trust"  # type: ignore[index]
    assert walk.answers == Answers()
    walk.back()  # nothing before the first question: stays there
    assert walk.next()[1].field == "trust"  # type: ignore[index]


def test_back_never_stops_on_a_locked_answer() -> None:
    walk = QuestionWalk(Answers(trust=Trust.PUBLIC), frozenset({"trust"}))
    assert walk.next()[1].field == "trust"  # type: ignore[index]
    walk.answer(None)  # shown, not asked
    assert not walk.can_go_back
    walk.answer(Executor.DOCKER)
    walk.back()
    assert walk.next()[1].field == "executor"  # type: ignore[index]
    assert walk.answers.trust is Trust.PUBLIC
    assert "default_image" in fields_until_end(QuestionWalk(Answers(executor=Executor.DOCKER)))


def test_back_words() -> None:
    assert is_back("<")
    assert is_back(" Back ")
    assert not is_back("backup:1")
    assert not is_back(Executor.DOCKER)
