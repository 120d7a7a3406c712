"""``new values.yaml --preset`` and ``presets export --helm-values``: complete values files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_support import run_cli
from wizard.audit.engine import audit_document
from wizard.base.model import Severity, Trust
from wizard.embedded import load_document
from wizard.embedded.document import EmbeddedConfig


def test_new_values_file_is_commented_complete_and_audits_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    outcome = run_cli(
        capsys,
        "new",
        str(path),
        "--preset",
        "restricted-kubernetes",
        "--url",
        "https://gitlab.example.org",
    )
    assert outcome.code == 0
    text = path.read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    assert values["gitlabUrl"] == "https://gitlab.example.org"
    assert values["rbac"]["clusterWideAccess"] is False
    assert values["runners"]["secret"] == "gitlab-runner-token"
    assert "runnerToken" not in values
    assert 'namespace = "{{.Release.Namespace}}"' in values["runners"]["config"]
    assert text.count("\n#") >= 5  # it explains itself
    document = load_document(path)
    assert isinstance(document, EmbeddedConfig)
    assert document.to_bytes() == path.read_bytes()
    for trust in (Trust.MULTI_PROJECT, Trust.SINGLE_PROJECT):
        assert not [
            f for f in audit_document(document, trust=trust) if f.severity.at_least(Severity.HIGH)
        ]
    assert run_cli(capsys, "harden", "--dry-run", str(path)).code == 0


def test_new_values_file_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("keep: me\n")
    outcome = run_cli(capsys, "new", str(path), "--preset", "restricted-kubernetes")
    assert outcome.code == 2
    assert path.read_text() == "keep: me\n"


def test_presets_export_helm_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "team-values.yaml"
    assert (
        run_cli(
            capsys, "presets", "export", "restricted-kubernetes", "--helm-values", str(out)
        ).code
        == 0
    )
    assert yaml.safe_load(out.read_text())["runners"]["config"].startswith("[[runners]]")
    refused = run_cli(
        capsys, "presets", "export", "trusted-docker", "--helm-values", str(tmp_path / "d.yaml")
    )
    assert refused.code == 2
    assert "needs a kubernetes preset" in refused.err
    assert not (tmp_path / "d.yaml").exists()
