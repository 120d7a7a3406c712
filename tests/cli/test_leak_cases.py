"""Each leak and hidden change the issue's trial found, as a test that failed before.

- ``harden --dry-run --format json`` printed ``environment`` entries in ``before`` and
  ``after``, a token-shaped runner name in ``runner`` and a token-shaped file name in
  ``path``;
- YAML forms around the config block: the chart's ``envVars`` name/value pairs, the first
  line of a multi-line scalar under a secret key, list items and flow maps under secret
  keys, docker ``auth`` JSON;
- a server echoing the access token in a runner's fields;
- diffs: the line after a block scalar under a secret-looking key was shown as ``…``,
  hiding a change on it, and a chart edit showed ``(not set)`` as the value it replaces.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_fixture import SYSTEM_ID, FakeGitLab, Running, start, stop
from wizard.cli import main

PASSWORD = "Db0PassValue7781"
AUTH_BLOB = "QXV0aEJsb2JWYWx1ZTEyMw=="
PASSPHRASE = "DeployPhrase5523x"
SSH_KEY_LINE = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB"
GCS_KEY_LINE = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDx"

DOCKER_RUNNER = f"""\
[[runners]]
  name = "glrt-RunnerNameLooksLikeAToken01"
  url = "https://gitlab.example.com"
  token = "glrt-TokenTokenTokenToken01"
  executor = "docker"
  environment = [
    "DB_PASS={PASSWORD}",
    'DOCKER_AUTH_CONFIG={{"auths":{{"registry.example.com":{{"auth":"{AUTH_BLOB}"}}}}}}',
    "DEPLOY_PASSPHRASE={PASSPHRASE}",
    \"\"\"SSH_PRIVATE_KEY=-----BEGIN OPENSSH PRIVATE KEY-----
{SSH_KEY_LINE}
-----END OPENSSH PRIVATE KEY-----\"\"\",
    \"\"\"GCS_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----
{GCS_KEY_LINE}
-----END PRIVATE KEY-----\"\"\",
  ]
  [runners.docker]
    image = "alpine:3.20"
"""
ENVIRONMENT_SECRETS = (PASSWORD, AUTH_BLOB, PASSPHRASE, SSH_KEY_LINE, GCS_KEY_LINE)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_dry_run_json_masks_environment_entries_in_before_and_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(DOCKER_RUNNER, encoding="utf-8")
    shown = _run(capsys, "harden", "--dry-run", "--fix", "all", "--format", "json", str(path))
    report = json.loads(shown)
    fields = [c.get(name) for c in report["files"][0]["changes"] for name in ("before", "after")]
    assert any(isinstance(value, list) for value in fields)  # the fetch fix touched environment
    for secret in ENVIRONMENT_SECRETS:
        assert secret not in shown, secret


def test_dry_run_json_masks_a_token_shaped_runner_name_and_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "glrt-FileNameLooksLikeAToken99.toml"
    path.write_text(DOCKER_RUNNER, encoding="utf-8")
    shown = _run(capsys, "harden", "--dry-run", "--fix", "all", "--format", "json", str(path))
    report = json.loads(shown)
    assert report["files"][0]["changes"]
    assert "RunnerNameLooksLikeAToken01" not in shown
    assert "FileNameLooksLikeAToken99" not in shown


YAML_FORMS: dict[str, tuple[str, str]] = {
    "chart envVars name/value": (
        "  envVars:\n  - name: CACHE_S3_SECRET_KEY\n    value: ChartEnvVarSecret4411\n",
        "ChartEnvVarSecret4411",
    ),
    "flow name/value": (
        "  envVars: [{name: DEPLOY_TOKEN, value: FlowEntrySecret8812}]\n",
        "FlowEntrySecret8812",
    ),
    "first line of a quoted multi-line scalar": (
        '  passphrase: "QuotedFirstLine5531\n    QuotedSecondLine5532"\n',
        "QuotedFirstLine5531",
    ),
    "first line of a plain multi-line scalar": (
        "  signingKey: PlainFirstLine5541\n    PlainSecondLine5542\n",
        "PlainFirstLine5541",
    ),
    "flow list under a secret key": (
        "  apiKeys: [FlowListSecret7713, FlowListSecret7714]\n",
        "FlowListSecret7714",
    ),
    "flow map under a secret key": (
        "  credentials: {user: bob, pass: FlowMapSecret9915}\n",
        "FlowMapSecret9915",
    ),
    "block list under a secret key": (
        "  tokens:\n  - BlockListSecret6616\n",
        "BlockListSecret6616",
    ),
    "docker auth JSON": (
        '  dockerconfig: \'{"auths":{"r":{"auth":"QXV0aFlhbWw2NjE3"}}}\'\n'
        '  imagePullSecretsAuth: \'{"auths":{"r":{"auth":"QXV0aFlhbWw2NjE3"}}}\'\n',
        "QXV0aFlhbWw2NjE3",
    ),
}
"""Each form sits right before and right after the line harden changes, so the diff's
context shows it (twice, to keep the YAML valid the keys differ in case)."""

VALUES = """\
gitlabUrl: https://gitlab.example.com
rbac:
  create: true
{form}  clusterWideAccess: true
{form}runners:
  config: |
    [[runners]]
      executor = "kubernetes"
"""


@pytest.mark.parametrize("output_format", ["text", "json"])
@pytest.mark.parametrize("form", sorted(YAML_FORMS))
def test_yaml_forms_around_the_block_reach_no_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str, form: str
) -> None:
    snippet, secret = YAML_FORMS[form]
    path = tmp_path / "values.yaml"
    second = snippet.replace("  ", "  x", 1)  # the same form under another key
    path.write_text(VALUES.format(form=snippet).replace(snippet, second, 1), encoding="utf-8")
    shown = _run(
        capsys, "harden", "--dry-run", "--fix", "all", "--format", output_format, str(path)
    )
    assert "clusterWideAccess" in shown
    assert secret not in shown


BLOCK_BEFORE_CHANGE = """\
gitlabUrl: https://gitlab.example.com
rbac:
  create: true
  token: >
    FoldedSecretLine2219
  clusterWideAccess: true
runners:
  config: |
    [[runners]]
      executor = "kubernetes"
"""


@pytest.mark.parametrize("style", [">", "|", "|-", ">+"])
def test_the_line_after_a_block_scalar_under_a_secret_key_shows_its_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(BLOCK_BEFORE_CHANGE.replace("token: >", f"token: {style}"), encoding="utf-8")
    shown = _run(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert "-  clusterWideAccess: true\n" in shown
    assert "+  clusterWideAccess: false\n" in shown
    assert "FoldedSecretLine2219" not in shown


def test_a_chart_edit_shows_the_value_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(BLOCK_BEFORE_CHANGE, encoding="utf-8")
    shown = _run(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert "clusterWideAccess: true → false" in shown
    report = json.loads(
        _run(capsys, "harden", "--dry-run", "--fix", "all", "--format", "json", str(path))
    )
    change = next(c for c in report["files"][0]["changes"] if c["key"] == "clusterWideAccess")
    assert (change["before"], change["after"]) == (True, False)


# -- a server echoing the access token -------------------------------------------------------

UNPREFIXED_ACCESS_TOKEN = "UnprefixedAccessToken5566778899"


@pytest.fixture
def echoing_gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] in ("127.0.0.1", "localhost", "::1"), f"not loopback: {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    fake = FakeGitLab(api_tokens={UNPREFIXED_ACCESS_TOKEN})
    running = start(fake)
    yield running
    stop(running)


def test_a_server_echoing_the_access_token_gets_it_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], echoing_gitlab: Running
) -> None:
    token = "glrt-EchoRunnerToken0123456"
    fake = echoing_gitlab.fake
    fake.add_runner(7, token, access_level="not_protected")
    details = fake.runners[7]
    for field in ("description", "name", "maintenance_note", "ip_address", "architecture"):
        details[field] = UNPREFIXED_ACCESS_TOKEN
    details["access_level"] = UNPREFIXED_ACCESS_TOKEN  # quoted by the protection finding
    details["version"] = UNPREFIXED_ACCESS_TOKEN
    details["tag_list"] = [UNPREFIXED_ACCESS_TOKEN]
    details["projects"][0]["name"] = UNPREFIXED_ACCESS_TOKEN
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[runners]]\n  name = "echo"\n  url = "{echoing_gitlab.url}"\n  id = 7\n'
        f'  token = "{token}"\n  executor = "docker"\n  [runners.docker]\n'
        "    privileged = true\n",
        encoding="utf-8",
    )
    (tmp_path / ".runner_system_id").write_text(SYSTEM_ID, encoding="utf-8")
    token_file = tmp_path / "api-token"
    token_file.write_text(UNPREFIXED_ACCESS_TOKEN + "\n", encoding="utf-8")
    for output_format in ("text", "json", "sarif"):
        shown = _run(
            capsys,
            "server-check",
            "--allow-http",
            "--format",
            output_format,
            "--api-token-file",
            str(token_file),
            str(config),
        )
        assert "server-dangerous-runner-not-protected" in shown or "protect" in shown.lower()
        assert UNPREFIXED_ACCESS_TOKEN not in shown, output_format
