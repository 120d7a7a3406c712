"""Big fleets: audits limited to some runners mean what a whole audit means for them.

Harden re-audits only the runners its last round touched, and the wizard only
the runners whose answers changed. That is sound only while every check reads
one runner at a time; these tests fail the day a check compares runners.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.cli_support import RISKY_CONFIG
from wizard.audit.engine import audit_document, harden_document
from wizard.base.model import Finding, Trust
from wizard.tomlfile.document import ConfigDocument, parse_config

MORE_RUNNERS = """\
[[runners]]
  name = "shell-box"
  executor = "shell"
  token = "glrt-ShellShellShell1234"
  token_expires_at = 2030-01-01T00:00:00Z
  [runners.custom_build_dir]
    enabled = true

[[runners]]
  name = "odd-types"
  executor = "docker"
  limit = "4"
  unknwon_key = 1
  [runners.docker]
    image = "alpine"
    privileged = "true"
    cap_add = ["SYS_ADMIN"]
    network_mode = "host"

[[runners]]
  name = "autoscaler"
  executor = "docker-autoscaler"
  [runners.autoscaler]
    capacity_per_instance = 4
    max_use_count = 0
  [runners.docker]
    pull_policy = "if-not-present"
"""


def fleet() -> ConfigDocument:
    text = 'listen_address = ":9252"\n' + RISKY_CONFIG + "\n" + MORE_RUNNERS
    return parse_config(text.encode(), Path("config.toml"))


def _everything(finding: Finding) -> tuple[object, ...]:
    return (finding, finding.line, finding.edits)


@pytest.mark.parametrize("trust", list(Trust))
def test_audit_of_some_runners_is_the_whole_audit_for_them(trust: Trust) -> None:
    document = fleet()
    whole = audit_document(document, trust=trust)
    count = len(document.data["runners"])
    assert {f.runner_index for f in whole} >= {None, *range(count)}  # every runner has some
    subsets = [[i] for i in range(count)] + [list(p) for p in itertools.combinations(range(4), 2)]
    for subset in [*subsets, []]:
        limited = audit_document(document, trust=trust, runners=subset)
        expected = [f for f in whole if f.runner_index is None or f.runner_index in subset]
        assert [_everything(f) for f in limited] == [_everything(f) for f in expected], subset


def test_harden_rounds_limited_to_touched_runners_fix_what_a_whole_harden_fixes() -> None:
    document = fleet()
    result = harden_document(document, fix="all")
    assert result.changed
    # What is left after the harden equals a fresh audit of the result: nothing
    # fixable remains that a whole re-audit would still have found.
    leftover = [
        f for f in audit_document(result.after) if f.edits and f.rule != "config-file-permissions"
    ]
    assert leftover == []
    again = harden_document(result.after, fix="all")
    assert not again.changed
