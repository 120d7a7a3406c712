"""The shared Helm corpus: real values files, ConfigMaps and Operator manifests.

Every file is read and written back byte for byte; ``harden --fix all`` keeps
every comment, changes only lines of the config block and the chart values it
means to change, leaves YAML and TOML that parse again, and a second run
changes nothing. Skipped when the corpus is not beside the repository.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from tests.corpus import helm_corpus_files, require_helm_corpus
from wizard.audit.engine import audit_document, harden_document
from wizard.embedded import load_document
from wizard.embedded.blocks import split_lines
from wizard.embedded.document import CHART, EmbeddedConfig
from wizard.embedded.templates import mask_for_yaml
from wizard.tomlfile.diffs import masked_diff

# Without a Helm corpus the tests over it have no cases and skip (failing in CI, see
# tests/conftest.py); the count test below says why.
FILES = helm_corpus_files()


def _copy(path: Path, tmp_path: Path) -> EmbeddedConfig:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    document = load_document(copy)
    assert isinstance(document, EmbeddedConfig), path.name
    return document


def test_the_corpus_is_all_there() -> None:
    assert len(require_helm_corpus()) >= 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:2])
def test_round_trip_and_audit(path: Path, tmp_path: Path) -> None:
    document = _copy(path, tmp_path)
    assert document.to_bytes() == path.read_bytes()
    lines = len(split_lines(document.dumps()))
    for finding in audit_document(document):
        assert finding.line is None or 1 <= finding.line <= lines, finding


def _comments(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:2])
def test_harden_all_changes_only_what_it_means(path: Path, tmp_path: Path) -> None:
    before = _copy(path, tmp_path)
    result = harden_document(before, fix="all")
    after = result.after
    assert isinstance(after, EmbeddedConfig)
    old, new = split_lines(before.dumps()), split_lines(after.dumps())
    # Every comment, YAML or TOML, is still there.
    assert not set(_comments(before.dumps())) - set(_comments(after.dumps()))
    # Only lines of the config block, or of a chart value a fix sets, change.
    block = range(before.src.toml_offset, before.src.toml_offset + len(split_lines(before.text)))
    value_lines = {
        finding.line - 1
        for finding in result.applied
        if finding.table[:1] == (CHART,) and finding.line is not None
    }
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        touched = range(i1, i2) if i2 > i1 else range(i1 - 1, i1)
        for index in touched:
            assert index in block or index in value_lines, (path.name, index + 1, old[index])
    # Both languages parse again, and a second run finds nothing more to do.
    list(yaml.safe_load_all(mask_for_yaml(after.dumps())))
    written = tmp_path / path.name
    written.write_bytes(after.to_bytes())
    reread = load_document(written)
    assert isinstance(reread, EmbeddedConfig)
    assert reread.data == after.data
    assert reread.dumps() == after.dumps()
    again = harden_document(after, fix="all")
    assert again.after.dumps() == after.dumps()
    assert masked_diff(after, again.after) == ""
