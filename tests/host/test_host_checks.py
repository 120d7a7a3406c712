"""Host checks against fake machines built in tmp_path: findings and every skipped path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.host_root import (
    CONFIG,
    DOCKER_CONFIG,
    LINUX_ROOT,
    RUNNER_UID,
    SHELL_CONFIG,
    TOKEN,
    FakeHost,
    rules_found,
    rules_skipped,
    standard_host,
)
from wizard.base.model import Severity, Trust
from wizard.host import HOST_RULES, HostEnv
from wizard.host.docker_daemon import DOCKER_RULES
from wizard.host.fs import HostFiles, Unreadable

HOME = "/home/gitlab-runner"


def test_well_kept_host_has_no_findings_and_skips_only_docker(tmp_path: Path) -> None:
    report = standard_host(tmp_path).check()
    assert report.findings == []
    assert set(rules_skipped(report)) == set(DOCKER_RULES)
    assert "not installed" in rules_skipped(report)["host-docker-icc-enabled"]


def test_host_rules_are_host_scoped_without_fixes() -> None:
    assert {rule.scope for rule in HOST_RULES} == {"host"}
    assert all(rule.fix is None and rule.rationale and rule.doc_url for rule in HOST_RULES)
    assert all(rule.check(None) == () for rule in HOST_RULES)  # type: ignore[arg-type]
    assert len({rule.id for rule in HOST_RULES}) == len(HOST_RULES)


# --- config.toml on disk -------------------------------------------------------------


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.integers(min_value=0o400, max_value=0o777))
def test_config_mode_is_a_finding_exactly_when_group_or_other_have_bits(
    tmp_path_factory: pytest.TempPathFactory, mode: int
) -> None:
    host = standard_host(tmp_path_factory.mktemp("root"))
    host.path(CONFIG).chmod(mode)
    findings = [f for f in host.check().findings if f.rule == "host-config-permissions"]
    assert bool(findings) == bool(mode & 0o077)
    if findings:
        assert f"{mode:04o}" in findings[0].message
        assert findings[0].subject == CONFIG


def test_config_severity_follows_trust(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path(CONFIG).chmod(0o644)
    severities = {trust: next(f.severity for f in host.check(trust).findings) for trust in Trust}
    assert severities[Trust.PUBLIC] is Severity.CRITICAL
    assert severities[Trust.SINGLE_PROJECT] is Severity.HIGH


def test_config_owned_by_another_user(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    if os.getuid() == 0:
        os.chown(host.path(CONFIG), 1500, -1)
    else:  # the runner user is someone else than the file's owner
        host.users(uid=RUNNER_UID + 1)
        host.path("/etc/passwd").write_text(
            host.path("/etc/passwd").read_text() + f"tester:x:{os.getuid()}:1::/:/bin/sh\n"
        )
    messages = [f.message for f in host.check().findings if f.rule == "host-config-permissions"]
    expected = "alice" if os.getuid() == 0 else "tester"
    assert any(f"owned by {expected}" in m for m in messages)


def test_writable_folder_above_config(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path("/etc").chmod(0o777)
    findings = [f for f in host.check().findings if f.rule == "host-config-dir-writable"]
    assert [f.subject for f in findings] == ["/etc"]
    assert "0777" in findings[0].message


def test_sticky_world_writable_folder_is_not_reported(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path("/etc").chmod(0o1777)
    assert "host-config-dir-writable" not in rules_found(host.check())


def test_config_symlink_inside_root_is_followed_and_checked(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write("/srv/runner/config.toml", SHELL_CONFIG, 0o644)
    host.path(CONFIG).unlink()
    host.symlink(CONFIG, "/srv/runner/config.toml")
    report = host.check()
    found = {f.rule: f for f in report.findings}
    assert "/srv/runner/config.toml" in found["host-config-symlink"].message
    assert found["host-config-permissions"].subject == "/srv/runner/config.toml"


def test_config_symlink_out_of_root_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside.toml"
    outside.write_text(SHELL_CONFIG)
    outside.chmod(0o666)
    host = standard_host(root)
    host.path(CONFIG).unlink()
    host.symlink(CONFIG, "../../../outside.toml")  # climbs out of the root
    report = host.check()
    assert rules_found(report) == ["host-config-symlink"]
    skipped = rules_skipped(report)
    assert "outside the inspected root" in skipped["host-config-permissions"]
    assert "symlink" in skipped["host-token-rotation-rewrites-file"]


def test_absolute_config_symlink_stays_inside_the_root(tmp_path: Path) -> None:
    """An absolute target names a path of the inspected machine, so it is looked up there."""
    outside = tmp_path / "outside.toml"
    outside.write_text(SHELL_CONFIG)
    (tmp_path / "root").mkdir()
    host = standard_host(tmp_path / "root")
    host.path(CONFIG).unlink()
    host.symlink(CONFIG, outside)
    skipped = rules_skipped(host.check())
    assert "which does not exist; not followed" in skipped["host-config-permissions"]


def test_folder_symlink_leaving_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.toml").write_text(SHELL_CONFIG)
    host = FakeHost(root)
    host.users()
    host.symlink("/etc/gitlab-runner", elsewhere)
    skipped = rules_skipped(host.check())
    assert "leaves the root" in skipped["host-config-permissions"]
    assert "leaves the root" in skipped["host-token-rotation-rewrites-file"]


def test_missing_config_skips_file_checks(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path(CONFIG).unlink()
    skipped = rules_skipped(host.check())
    assert skipped["host-config-permissions"] == f"no file at {CONFIG}"
    assert skipped["host-runner-sudo"].startswith("the executors are unknown")


# --- the runner user -----------------------------------------------------------------


def test_shell_runner_in_docker_group(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.users(groups="docker:x:998:alice,gitlab-runner\n")
    assert "host-runner-in-docker-group" in rules_found(host.check())


def test_docker_group_is_not_applicable_to_docker_executor(tmp_path: Path) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.users(groups="docker:x:998:gitlab-runner\n")
    report = host.check()
    assert "host-runner-in-docker-group" not in rules_found(report)
    assert (
        "no runner in config.toml uses the shell"
        in rules_skipped(report)["host-runner-in-docker-group"]
    )


def test_sudoers_drop_in_grants_nopasswd(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write(
        "/etc/sudoers",
        "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
        0o440,
    )
    host.write("/etc/sudoers.d/runner", "# ci\ngitlab-runner ALL=(ALL) NOPASSWD: ALL\n", 0o440)
    host.write("/etc/sudoers.d/ignored.bak", "gitlab-runner ALL=(ALL) ALL\n", 0o440)
    messages = [f.message for f in host.check().findings if f.rule == "host-runner-sudo"]
    assert messages == [
        "/etc/sudoers.d/runner line 2 lets gitlab-runner run any command through sudo "
        "without a password"
    ]


def test_sudo_through_group_alias_and_wheel(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.users(groups="wheel:x:10:gitlab-runner\nbuilders:x:20:gitlab-runner\n")
    host.write(
        "/etc/sudoers",
        "User_Alias CI = alice, %builders\n"
        "CI ALL = (root) /usr/bin/systemctl restart app\n"
        "%wheel, \\\n  alice ALL=(ALL) ALL\n",
        0o440,
    )
    messages = [f.message for f in host.check().findings if f.rule == "host-runner-sudo"]
    assert "gitlab-runner is in the wheel group, which usually grants sudo" in messages
    assert "/etc/sudoers line 2 lets gitlab-runner run some commands through sudo" in messages
    assert "/etc/sudoers line 3 lets gitlab-runner run any command through sudo" in messages


def test_negated_user_is_not_granted(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write("/etc/sudoers", "ALL, !gitlab-runner ALL=(ALL) ALL\n", 0o440)
    assert "host-runner-sudo" not in rules_found(host.check())


def test_unreadable_sudoers_is_skipped(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.mkdir("/etc/sudoers")  # not a file: cannot be read, must not be guessed
    report = host.check()
    assert "host-runner-sudo" not in rules_found(report)
    assert "not a regular file" in rules_skipped(report)["host-runner-sudo"]


@pytest.mark.parametrize(
    ("shell", "found"),
    [("/bin/bash", True), ("", True), ("/usr/sbin/nologin", False), ("/bin/false", False)],
)
def test_login_shell(tmp_path: Path, shell: str, found: bool) -> None:
    host = standard_host(tmp_path)
    host.users(shell=shell)
    assert ("host-runner-login-shell" in rules_found(host.check())) is found


def test_runner_user_from_service_unit(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.users(name="ci", shell="/bin/bash")
    host.write(
        "/etc/systemd/system/gitlab-runner.service",
        '[Service]\nExecStart=/usr/bin/gitlab-runner "run" "--user" "ci"\n',
    )
    finding = next(f for f in host.check().findings if f.rule == "host-runner-login-shell")
    assert finding.message.startswith("ci (found in /etc/systemd/system/gitlab-runner.service)")


def test_no_runner_user_skips_user_checks(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.users(name="someone-else")
    skipped = rules_skipped(host.check())
    assert "no runner user" in skipped["host-runner-login-shell"]
    assert "no runner user" in skipped["host-private-keys"]


def test_no_passwd_skips_user_checks(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path("/etc/passwd").unlink()
    skipped = rules_skipped(host.check())
    assert skipped["host-runner-sudo"] == "/etc/passwd does not exist"


# --- credentials in the home ---------------------------------------------------------


def test_private_keys_but_not_public_keys_or_the_configured_identity(tmp_path: Path) -> None:
    host = standard_host(
        tmp_path,
        SHELL_CONFIG + f'  [runners.ssh]\n    identity_file = "{HOME}/.ssh/id_runner"\n',
    )
    secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    host.write(f"{HOME}/.ssh/id_ed25519", secret, 0o600)
    host.write(f"{HOME}/.ssh/id_ed25519.pub", "ssh-ed25519 AAAA", 0o644)
    host.write(f"{HOME}/.ssh/deploy", secret, 0o600)
    host.write(f"{HOME}/.ssh/id_runner", secret, 0o600)
    host.write(f"{HOME}/.ssh/known_hosts", "gitlab.example.com ssh-ed25519 AAAA", 0o644)
    findings = [f for f in host.check().findings if f.rule == "host-private-keys"]
    assert sorted(f.subject or "" for f in findings) == [
        f"{HOME}/.ssh/deploy",
        f"{HOME}/.ssh/id_ed25519",
    ]
    assert all("b3BlbnNz" not in f.message for f in findings)


def test_symlinked_ssh_folder_is_not_followed(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write("/root/.ssh/id_rsa", "-----BEGIN RSA PRIVATE KEY-----\n", 0o600)
    host.symlink(f"{HOME}/.ssh", "/root/.ssh")
    report = host.check()
    assert "host-private-keys" not in rules_found(report)
    assert "symlink; not followed" in rules_skipped(report)["host-private-keys"]


def test_cloud_and_git_credentials(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write(f"{HOME}/.aws/credentials", "[default]\naws_secret_access_key = x\n", 0o600)
    host.mkdir(f"{HOME}/.config/gcloud")
    host.write(f"{HOME}/.netrc", "machine gitlab.example.com password hunter2\n", 0o600)
    host.write(f"{HOME}/.git-credentials", "https://u:p@gitlab.example.com\n", 0o600)
    found = {(f.rule, f.subject) for f in host.check().findings}
    assert found == {
        ("host-cloud-credentials", f"{HOME}/.aws/credentials"),
        ("host-cloud-credentials", f"{HOME}/.config/gcloud"),
        ("host-git-credentials", f"{HOME}/.netrc"),
        ("host-git-credentials", f"{HOME}/.git-credentials"),
    }


def test_docker_auths_with_auth_but_not_credential_helpers(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    config = {
        "auths": {
            "registry.example.com": {"auth": "dXNlcjpwYXNzd29yZA=="},
            "helper.example.com": {},
        },
        "credsStore": "pass",
    }
    host.write(f"{HOME}/.docker/config.json", json.dumps(config), 0o600)
    findings = [f for f in host.check().findings if f.rule == "host-docker-auths"]
    assert len(findings) == 1
    assert "registry.example.com" in findings[0].message
    assert "helper.example.com" not in findings[0].message
    assert "dXNlcjpw" not in findings[0].message


def test_invalid_docker_config_is_skipped(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.write(f"{HOME}/.docker/config.json", "{not json", 0o600)
    assert (
        ".docker/config.json:1:2: invalid JSON: "
        in rules_skipped(host.check())["host-docker-auths"]
    )


def test_unreadable_home_is_skipped_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = standard_host(tmp_path)
    host.write(f"{HOME}/.netrc", "machine x password y\n", 0o600)
    real_lstat = HostFiles.lstat

    def denied(self: HostFiles, host_path: str) -> os.stat_result | None:
        if host_path == HOME:
            raise Unreadable(
                host_path, "cannot be read: permission denied (host-check is not running as root)"
            )
        return real_lstat(self, host_path)

    monkeypatch.setattr(HostFiles, "lstat", denied)
    report = host.check(env=HostEnv("Linux", 1000))
    assert "host-git-credentials" not in rules_found(report)
    assert "not running as root" in rules_skipped(report)["host-git-credentials"]


# --- Docker daemon -------------------------------------------------------------------


def test_docker_defaults_without_daemon_json(tmp_path: Path) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.write("/usr/bin/dockerd", "", 0o755)
    found = rules_found(host.check())
    assert {
        "host-docker-userns-remap-missing",
        "host-docker-icc-enabled",
        "host-docker-no-new-privileges-default",
    } <= set(found)
    assert "host-docker-tcp-without-tls" not in found


def test_hardened_daemon_json_has_no_findings(tmp_path: Path) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    daemon = {"userns-remap": "default", "icc": False, "no-new-privileges": True}
    host.write("/etc/docker/daemon.json", json.dumps(daemon))
    report = host.check()
    assert not [rule for rule in rules_found(report) if rule.startswith("host-docker-")]
    assert not set(DOCKER_RULES) & set(rules_skipped(report))


@pytest.mark.parametrize(
    ("daemon", "unit", "found"),
    [
        ({"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}, "", True),
        ({"hosts": ["tcp://0.0.0.0:2376"], "tls": True}, "", True),
        ({"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": True}, "", False),
        ({}, "ExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375\n", True),
        ({}, "ExecStart=/usr/bin/dockerd --host=tcp://10.0.0.1:2376 --tlsverify\n", False),
        ({"hosts": ["unix:///var/run/docker.sock"]}, "", False),
    ],
)
def test_tcp_socket_needs_tlsverify(
    tmp_path: Path, daemon: dict[str, object], unit: str, found: bool
) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.write("/etc/docker/daemon.json", json.dumps(daemon))
    if unit:
        host.write("/etc/systemd/system/docker.service.d/override.conf", f"[Service]\n{unit}")
    assert ("host-docker-tcp-without-tls" in rules_found(host.check())) is found


def test_daemon_flags_in_the_unit_count_as_set(tmp_path: Path) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.write(
        "/lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd --userns-remap=default --icc=false "
        "--no-new-privileges\n",
    )
    host.write("/usr/bin/dockerd", "", 0o755)
    assert not [r for r in rules_found(host.check()) if r.startswith("host-docker-")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{broken", "/etc/docker/daemon.json:1:2: invalid JSON: Expecting property name"),
        ("[1, 2]", "not a JSON object"),
        (b"{" + b" " * (1 << 20) + b"}", "larger than"),
    ],
)
def test_unusable_daemon_json_is_skipped(tmp_path: Path, content: str | bytes, reason: str) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.write("/etc/docker/daemon.json", content)
    report = host.check()
    assert not [r for r in rules_found(report) if r.startswith("host-docker-")]
    assert all(reason in rules_skipped(report)[rule] for rule in DOCKER_RULES)


def test_daemon_json_symlink_is_not_followed(tmp_path: Path) -> None:
    host = standard_host(tmp_path, DOCKER_CONFIG)
    host.write("/srv/daemon.json", "{}")
    host.symlink("/etc/docker/daemon.json", "/srv/daemon.json")
    assert "symlink" in rules_skipped(host.check())["host-docker-icc-enabled"]


# --- token rotation ------------------------------------------------------------------

EXPIRING = SHELL_CONFIG + "  token_expires_at = 2031-01-01T00:00:00Z\n"


def test_token_rotation_reported_without_the_token(tmp_path: Path) -> None:
    report = standard_host(tmp_path, EXPIRING).check()
    finding = next(f for f in report.findings if f.rule == "host-token-rotation-rewrites-file")
    assert finding.runner == "shell-1"
    assert finding.runner_index == 0
    assert "2031-01-01" in finding.message
    assert TOKEN not in repr(report)
    assert finding.severity is Severity.INFO


@pytest.mark.parametrize("name", ["config.toml.bak", "config.toml~", "config.toml.20240101.bak"])
def test_backup_copies_holding_tokens_are_reported(tmp_path: Path, name: str) -> None:
    """A copy keeps the token of its day: SaveConfig (common/config.go) rewrites only the
    live file when it rotates a token, and unregister removes it only there."""
    host = standard_host(tmp_path, EXPIRING)
    host.write(f"/etc/gitlab-runner/{name}", SHELL_CONFIG, 0o644)
    host.write("/etc/gitlab-runner/config.toml.lock", "", 0o600)
    host.write("/etc/gitlab-runner/config.toml.notes", "no token here\n", 0o644)
    report = host.check()
    (finding,) = [f for f in report.findings if f.rule == "host-config-backups"]
    assert name in finding.message
    assert "lets other users read it" in finding.message
    assert TOKEN not in repr(report)


def test_a_backup_message_is_shown_as_written(tmp_path: Path) -> None:
    """Our sentence "holding 1 runner token: rotating ..." read as a token and its value
    when the whole message was masked as free text ("token: … or unregistering"); it is a
    template now, and only the file's path in it is masked."""
    host = standard_host(tmp_path, EXPIRING)
    host.write("/etc/gitlab-runner/config.toml.bak", SHELL_CONFIG, 0o600)
    (finding,) = [f for f in host.check().findings if f.rule == "host-config-backups"]
    assert finding.message.endswith(
        "is a copy of config.toml holding 1 runner token: rotating or unregistering changes "
        "only the live file"
    )


@pytest.mark.parametrize("header", ["# Ansible managed\n", "# MANAGED BY PUPPET\n"])
def test_token_rotation_in_a_managed_file_is_its_own_finding(tmp_path: Path, header: str) -> None:
    """common/config.go SaveConfig: the rotated token is written to the file;
    a managing tool's next run writes its older copy (the revoked token) back."""
    report = standard_host(tmp_path, header + EXPIRING).check()
    finding = next(f for f in report.findings if f.rule == "host-managed-file-token-rotation")
    assert "writes the revoked token back" in finding.message
    assert TOKEN not in repr(report)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "host-managed-file-token-rotation" not in rules_found(
        standard_host(plain, EXPIRING).check()
    )


@pytest.mark.parametrize(
    "extra",
    [
        "  [runners.feature_flags]\n    FF_DISABLE_AUTOMATIC_TOKEN_ROTATION = true\n",
        "",
    ],
)
def test_token_rotation_not_reported(tmp_path: Path, extra: str) -> None:
    config = (
        (EXPIRING + extra)
        if extra
        else SHELL_CONFIG + ("  token_expires_at = 0001-01-01T00:00:00Z\n")
    )
    report = standard_host(tmp_path, config).check()
    assert "host-token-rotation-rewrites-file" not in rules_found(report)


def test_invalid_toml_skips_rotation_and_shell_checks(tmp_path: Path) -> None:
    host = standard_host(tmp_path, "[[runners]\n")
    skipped = rules_skipped(host.check())
    assert skipped["host-token-rotation-rewrites-file"].startswith(
        "/etc/gitlab-runner/config.toml:1:"
    )
    assert "invalid TOML" in skipped["host-token-rotation-rewrites-file"]
    assert "executors are unknown" in skipped["host-runner-in-docker-group"]


# --- platforms -----------------------------------------------------------------------


def test_not_linux_skips_users_and_docker(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path(CONFIG).chmod(0o644)
    report = host.check(env=HostEnv("Darwin", 0))
    skipped = rules_skipped(report)
    assert "Linux only" in skipped["host-runner-sudo"]
    assert "Linux only" in skipped["host-docker-icc-enabled"]
    assert "host-config-permissions" in rules_found(report)  # POSIX modes still mean something


def test_windows_skips_file_modes(tmp_path: Path) -> None:
    host = standard_host(tmp_path)
    host.path(CONFIG).chmod(0o644)
    report = host.check(env=HostEnv("Windows", -1))
    assert "host-config-permissions" not in rules_found(report)
    assert "not POSIX" in rules_skipped(report)["host-config-permissions"]


def test_every_rule_is_either_found_or_skipped_or_clean(tmp_path: Path) -> None:
    """Each rule id a check reports exists in HOST_RULES (no stray ids)."""
    host = standard_host(tmp_path, "# Ansible managed\n" + EXPIRING)
    host.users(shell="/bin/bash", groups="docker:x:998:gitlab-runner\n")
    host.path(CONFIG).chmod(0o666)
    host.write(CONFIG + ".bak", EXPIRING, 0o600)
    host.write(f"{HOME}/.ssh/id_rsa", "x", 0o600)
    host.write(f"{HOME}/.aws/credentials", "x", 0o600)
    host.write(f"{HOME}/.netrc", "x", 0o600)
    host.write(f"{HOME}/.docker/config.json", '{"auths": {"r": {"auth": "eDp5"}}}', 0o600)
    host.write("/etc/docker/daemon.json", '{"hosts": ["tcp://0.0.0.0:2375"]}')
    host.write("/etc/sudoers", "gitlab-runner ALL=(ALL) ALL\n", 0o440)
    report = host.check(Trust.PUBLIC, LINUX_ROOT)
    ids = {rule.id for rule in HOST_RULES}
    assert set(rules_found(report)) == ids - {"host-config-symlink", "host-config-dir-writable"}
    assert report.skipped == []
