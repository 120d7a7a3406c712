"""A Helm chart's runner runs the kubernetes executor: the wizards recommend that there."""

from __future__ import annotations

from pathlib import Path

from wizard.answers.defaults import Sources, default_for
from wizard.answers.model import Answers
from wizard.answers.steps import question
from wizard.base.model import Executor, Trust
from wizard.session.core import WizardSession

VALUES = """\
gitlabUrl: https://gitlab.example.com/
runners:
  config: |
    [[runners]]
      [runners.kubernetes]
        namespace = "ci"
      [runners.docker]
        privileged = true
"""


def test_values_file_recommends_kubernetes_and_config_toml_does_not(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(VALUES, encoding="utf-8")
    session = WizardSession.open(values)
    assert session.file_executor is Executor.KUBERNETES
    executor = question("executor")
    for trust in Trust:
        before = Answers(trust=trust)
        offered = default_for(
            executor, before, Sources(current=Answers(), file_executor=session.file_executor)
        )
        assert offered.recommended is Executor.KUBERNETES
        assert offered.value is Executor.KUBERNETES
        current = session.current_answers(0)
        kept = default_for(
            executor, before, Sources(current=current, file_executor=session.file_executor)
        )
        assert kept.marks(Executor.KUBERNETES) == ("current", "recommended")
    toml = tmp_path / "config.toml"
    toml.write_text("", encoding="utf-8")
    assert WizardSession.open(toml).file_executor is None
    plain = default_for(executor, Answers(trust=Trust.MULTI_PROJECT), Sources())
    assert plain.recommended is Executor.DOCKER
