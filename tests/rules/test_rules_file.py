"""The file and its secrets: permissions, token rotation, debug traces, inline credentials."""

from __future__ import annotations

import datetime as dt

from tests.rule_checks import fixed, issues
from wizard.rules.catalogue import get_rule

SHELL = '[[runners]]\nexecutor = "shell"\n'


def test_file_permissions_only_with_group_or_other_bits() -> None:
    (issue,) = issues("config-file-permissions", SHELL, file_mode=0o100644)
    assert issue.table == ()
    assert issue.edits == ()
    assert "0644" in issue.message
    assert issues("config-file-permissions", SHELL, file_mode=0o600) == []
    assert issues("config-file-permissions", SHELL, file_mode=None) == []
    assert get_rule("config-file-permissions").fix == "safe"
    assert "0600" in get_rule("config-file-permissions").remedy


def runner_with_token(token: str, expires: str, flags: str = "") -> str:
    return (
        f'[[runners]]\nexecutor = "shell"\ntoken = "{token}"\ntoken_expires_at = {expires}\n{flags}'
    )


def test_rotation_is_reported_for_expiring_tokens() -> None:
    text = runner_with_token("glrt-abcdefghijklmnopqrstuvwxyz", "2030-05-01T00:00:00Z")
    (issue,) = issues("token-rotation-rewrites-file", text)
    assert "glrt-" not in issue.message


def test_rotation_is_advice_only() -> None:
    """Rotation is a security control: no fix may turn it off (helpers/featureflags/flags.go,
    FF_DISABLE_AUTOMATIC_TOKEN_ROTATION disables rotating the runner token)."""
    text = runner_with_token("glrt-abcdefghijklmnopqrstuvwxyz", "2030-05-01T00:00:00Z")
    (issue,) = issues("token-rotation-rewrites-file", text)
    assert issue.edits == ()
    assert get_rule("token-rotation-rewrites-file").fix is None


def test_rotation_mentions_env_references() -> None:
    text = runner_with_token("${RUNNER_TOKEN}", "2030-05-01T00:00:00Z")
    (issue,) = issues("token-rotation-rewrites-file", text)
    assert "$VAR" in issue.message


def test_rotation_quiet_without_expiry_or_when_disabled() -> None:
    assert (
        issues("token-rotation-rewrites-file", runner_with_token("glrt-x", "0001-01-01T00:00:00Z"))
        == []
    )
    pinned = runner_with_token(
        "glrt-x",
        "2030-05-01T00:00:00Z",
        "[runners.feature_flags]\nFF_DISABLE_AUTOMATIC_TOKEN_ROTATION = true\n",
    )
    assert issues("token-rotation-rewrites-file", pinned) == []
    data = {"runners": [{"token": "glrt-x", "token_expires_at": dt.date(2030, 1, 1)}]}
    assert len(issues("token-rotation-rewrites-file", data)) == 1


def test_debug_trace() -> None:
    (issue,) = issues("debug-trace-enabled", SHELL)
    assert issue.table == ("runners", 0)
    assert fixed("debug-trace-enabled", SHELL)["runners"][0]["debug_trace_disabled"] is True
    assert issues("debug-trace-enabled", SHELL + "debug_trace_disabled = true\n") == []
    assert get_rule("debug-trace-enabled").fix == "safe"


def test_plaintext_secrets_never_show_the_value() -> None:
    text = (
        '[[runners]]\nexecutor = "kubernetes"\n'
        '[runners.kubernetes]\nbearer_token = "eyJhbGciOiJSUzI1NiJ9.supersecret"\n'
        '[runners.cache.s3]\naccesskey = "AKIAABCDEFGHIJKLMNOP"\nSecretKey = "topsecretvalue"\n'
        '[runners.cache.azure]\nAccountKey = ""\n'
    )
    found = issues("plaintext-secrets", text)
    assert [issue.key for issue in found] == ["accesskey", "SecretKey", "bearer_token"]
    for issue in found:
        assert "supersecret" not in issue.message
        assert "topsecret" not in issue.message
        assert "AKIA" not in issue.message
        assert issue.edits == ()


def test_plaintext_secrets_quiet_for_roles_and_references() -> None:
    text = (
        '[[runners]]\n[runners.cache.s3]\nAuthenticationType = "iam"\n'
        '[runners.ssh]\nidentity_file = "/k"\npassword = "$SSH_PASSWORD"\n'
    )
    assert issues("plaintext-secrets", text) == []


def test_cache_shared() -> None:
    text = '[[runners]]\n[runners.cache]\nType = "s3"\nShared = true\n'
    (issue,) = issues("cache-shared", text)
    assert fixed("cache-shared", text)["runners"][0]["cache"]["Shared"] is False
    assert issue.key == "Shared"
    assert issues("cache-shared", text.replace("true", "false")) == []


def test_s3_insecure() -> None:
    text = "[[runners]]\n[runners.cache.s3]\nInsecure = true\n"
    (issue,) = issues("s3-insecure", text)
    assert issue.edits == ()
    assert issues("s3-insecure", text.replace("true", "false")) == []
