"""pull-policy-if-not-present and images-unrestricted."""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.base.model import Severity, Trust
from wizard.rules.catalogue import get_rule
from wizard.rules.pull_rules import is_if_not_present


def docker(body: str, executor: str = "docker") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.docker]\nimage = "alpine"\n{body}'


def k8s(body: str) -> str:
    return f'[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n{body}'


@pytest.mark.parametrize("spelling", ["if-not-present", "IfNotPresent", " IF-NOT-PRESENT "])
def test_if_not_present_spellings(spelling: str) -> None:
    assert is_if_not_present(spelling)


def test_string_policy_becomes_always() -> None:
    text = docker('pull_policy = "if-not-present"\n')
    (issue,) = issues("pull-policy-if-not-present", text)
    assert issue.key == "pull_policy"
    assert (
        fixed("pull-policy-if-not-present", text)["runners"][0]["docker"]["pull_policy"] == "always"
    )


def test_array_policy_keeps_other_entries() -> None:
    text = docker('pull_policy = ["always", "if-not-present"]\n')
    data = fixed("pull-policy-if-not-present", text)
    assert data["runners"][0]["docker"]["pull_policy"] == ["always"]


def test_allowed_policies_lose_if_not_present() -> None:
    text = docker('allowed_pull_policies = ["if-not-present", "never"]\n')
    (issue,) = issues("pull-policy-if-not-present", text)
    assert issue.key == "allowed_pull_policies"
    data = fixed("pull-policy-if-not-present", text)
    assert data["runners"][0]["docker"]["allowed_pull_policies"] == ["never"]
    only = docker('allowed_pull_policies = ["if-not-present"]\n')
    assert fixed("pull-policy-if-not-present", only)["runners"][0]["docker"][
        "allowed_pull_policies"
    ] == ["always"]


def test_kubernetes_form() -> None:
    text = k8s('pull_policy = "IfNotPresent"\n')
    (issue,) = issues("pull-policy-if-not-present", text)
    assert issue.table == ("runners", 0, "kubernetes")
    assert (
        fixed("pull-policy-if-not-present", text)["runners"][0]["kubernetes"]["pull_policy"]
        == "always"
    )


def test_always_is_quiet() -> None:
    assert issues("pull-policy-if-not-present", docker('pull_policy = ["always"]\n')) == []
    assert issues("pull-policy-if-not-present", docker("")) == []


def test_if_not_present_is_low_for_a_single_project() -> None:
    rule = get_rule("pull-policy-if-not-present")
    assert rule.severity_for(Trust.SINGLE_PROJECT) == Severity.LOW
    assert rule.severity_for(Trust.PUBLIC) == Severity.HIGH


def test_images_unrestricted_depends_on_trust() -> None:
    text = docker("")
    assert issues("images-unrestricted", text, Trust.SINGLE_PROJECT) == []
    found = issues("images-unrestricted", text, Trust.PUBLIC)
    assert [issue.key for issue in found] == ["allowed_images", "allowed_services"]
    assert all(issue.edits == () for issue in found)


def test_images_restricted_is_quiet() -> None:
    text = docker('allowed_images = ["registry.example/*"]\nallowed_services = ["postgres:*"]\n')
    assert issues("images-unrestricted", text, Trust.PUBLIC) == []
    assert issues("images-unrestricted", '[[runners]]\nexecutor = "shell"\n', Trust.PUBLIC) == []
    (issue,) = issues("images-unrestricted", k8s('allowed_images = ["a/*"]\n'), Trust.PUBLIC)
    assert issue.key == "allowed_services"
