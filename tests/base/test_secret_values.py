"""Mask by value: each secret read from a file is masked wherever it turns up.

The collection rules (which values count as secret), the search (every written form of
a value, linear in the text whatever the number of values), and the typed renderers
that our sentences go through (templates whose holes alone are masked).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.base.masking import KNOWN_SECRETS, is_secret_name, mask_text, remember_secrets_in
from wizard.base.safe_text import FileValue, Safe, compose, json_tree, render, shown
from wizard.cli import main
from wizard.tomlfile.document import parse_config


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    KNOWN_SECRETS.clear()
    yield
    KNOWN_SECRETS.clear()


@pytest.mark.parametrize(
    "name",
    ["token", "SecretKey", "runnerToken", "DB_PASS", "GPG_PW", "DEPLOY_PASSPHRASE",
     "SIGNING_KEY", "NPM_AUTH", "MYSQL_PASSWORD", "CACHE_S3_SECRET_KEY", "apiKeys", "pass"],
)  # fmt: skip
def test_names_that_hold_secrets(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["name", "url", "secretName", "existingSecret", "token_expires_at", "GIT_AUTHOR_NAME",
     "secretKeyRef", "valueFrom", "tokenSecretName", "CACHE_PATH", "executor", "key", "bypass"],
)  # fmt: skip
def test_names_that_only_mention_a_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_every_place_a_file_can_hold_a_secret_is_collected() -> None:
    remember_secrets_in(
        {
            "runnerToken": "ChartRunnerTok01",
            "envVars": [
                {"name": "CACHE_S3_SECRET_KEY", "value": "NameValueSecret02"},
                {"name": "LANG", "value": "C.UTF-8-kept"},
            ],
            "password": ["ListUnderKey03"],
            "credentials": {"inner": "MapUnderKey04"},
            "runners": [
                {
                    "environment": [
                        "DB_PASS=EnvEntry05",
                        'DOCKER_AUTH_CONFIG={"auths":{"r":{"auth":"QXV0aEZpZWxkMDY="}}}',
                        "LANG=C.UTF-8-also-kept",
                    ],
                    "cache": {"s3": {"SecretKey": "first line 07\nSecondLine0808"}},
                }
            ],
        }
    )
    text = mask_text(
        "ChartRunnerTok01 NameValueSecret02 ListUnderKey03 MapUnderKey04 EnvEntry05 "
        "QXV0aEZpZWxkMDY= SecondLine0808 C.UTF-8-kept C.UTF-8-also-kept"
    )
    for secret in ("ChartRunnerTok01", "NameValueSecret02", "ListUnderKey03", "MapUnderKey04",
                   "EnvEntry05", "QXV0aEZpZWxkMDY", "SecondLine0808"):  # fmt: skip
        assert secret not in text, secret
    assert "C.UTF-8-kept" in text
    assert "C.UTF-8-also-kept" in text


def test_a_value_is_masked_in_its_escaped_forms_too() -> None:
    KNOWN_SECRETS.remember('pa"ss\\word77')
    assert "word77" not in mask_text('x = "pa\\"ss\\\\word77"')
    assert "word77" not in mask_text(json.dumps({"v": 'pa"ss\\word77'}))


def test_short_plain_and_template_values_are_not_remembered() -> None:
    for value in ("abc", "true", "12345", "$RUNNER_TOKEN", "{{ .Values.x }}", "_____"):
        KNOWN_SECRETS.remember(value)
    assert len(KNOWN_SECRETS) == 0


def test_reading_a_config_remembers_its_secrets_and_a_new_run_forgets_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parse_config(b'[[runners]]\n  token = "ReadAtTheBoundary11"\n')
    assert "ReadAtTheBoundary11" in KNOWN_SECRETS
    assert "ReadAtTheBoundary11" not in mask_text("echo ReadAtTheBoundary11")
    path = tmp_path / "config.toml"
    path.write_text('[[runners]]\n  name = "r"\n  executor = "shell"\n', encoding="utf-8")
    main(["audit", str(path)])
    capsys.readouterr()
    assert "ReadAtTheBoundary11" not in KNOWN_SECRETS


def test_many_values_are_searched_in_linear_time() -> None:
    for index in range(5_000):
        KNOWN_SECRETS.remember(f"Secret{index:06d}Value")
    text = "an ordinary line of output, Secret004999Value in it\n" * 20_000
    started = time.perf_counter()
    masked = mask_text(text)
    assert time.perf_counter() - started < 10.0
    assert "Secret004999Value" not in masked


# -- templates and typed values --------------------------------------------------------------


def test_a_template_is_not_scanned_only_its_holes_are() -> None:
    line = render("token: {value} ({note})", value=FileValue.read("hunter22", "token"), note="k")
    assert line == "token: … (k)"
    # Our sentence after a secret-looking word stays whole: it is not scanned, where the
    # same line scanned as free text loses the word (no word is exempt after password:).
    assert render("password: {state}", state=FileValue("unchanged", "mode")) == (
        "password: unchanged"
    )
    assert mask_text("password: unchanged") == "password: …"


def test_a_file_value_is_never_text_and_formats_masked() -> None:
    value = FileValue.read("TypedSecret123456789", "password")
    assert f"{value}" == "…6789"
    assert str(value) == "…6789"
    assert "TypedSecret" not in repr(value)
    assert shown(value) == "…6789"
    assert "TypedSecret123456789" in KNOWN_SECRETS


def test_json_tree_masks_every_string_by_its_key() -> None:
    tree = json_tree(["DB_PASS=JsonTreeSecret1", "LANG=C"], key="environment")
    assert tree == ["DB_PASS=…", "LANG=C"]
    assert json_tree("JsonTreeSecret2", key="token") == "…"


def test_compose_takes_only_safe_parts() -> None:
    part = render("{name}", name="glrt-ComposeToken1234567890")
    assert compose("runner {part}", part=part) == "runner glrt-…7890"
    assert isinstance(compose("x", **{}), str)
    assert Safe("a") == "a"


def test_a_rule_message_made_from_a_template_is_shown_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sentence after ``…_SECRET_KEY:`` would lose a word if it were scanned as free
    text; made from a template, only the names (the hole) are masked."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[[runners]]\n  name = "r"\n  executor = "shell"\n'
        '  environment = ["RANCHER_ACCESS_KEY=abcdefgh1234", "RANCHER_SECRET_KEY=zyxwvu98765"]\n',
        encoding="utf-8",
    )
    main(["audit", "--format", "json", str(path)])
    report = json.loads(capsys.readouterr().out)
    messages = [f["message"] for f in report["files"][0]["findings"]]
    assert (
        "environment gives every job RANCHER_ACCESS_KEY, RANCHER_SECRET_KEY: any pipeline of "
        "any project on this runner can print or send it"
    ) in messages
    assert not any("abcdefgh1234" in m or "zyxwvu98765" in m for m in messages)


def test_volume_tables_a_secret_name_and_placeholders_are_not_remembered() -> None:
    """Seen in real files: ``[[runners.kubernetes.volumes.secret]]`` (volumes, not
    secrets), the chart's ``runners.secret: gitlab-runner`` (a Secret's name), and
    ``REGISTRY_PASSWORD=PASSWORD`` (a placeholder): masking those everywhere hid
    ``service_account = "gitlab-runner"`` and a volume's ``mount_path`` from diffs."""
    remember_secrets_in(
        {
            "runners": {"secret": "gitlab-runner", "serviceAccountName": "gitlab-runner"},
            "kubernetes": {"volumes": {"secret": [{"name": "ssh", "mount_path": "/root/.sshx"}]}},
            "environment": ["REGISTRY_PASSWORD=PASSWORD"],
        }
    )
    assert len(KNOWN_SECRETS) == 0


def test_both_wizards_show_a_template_message_as_written() -> None:
    from wizard.base.model import Finding, Severity
    from wizard.base.safe_text import Message, shown_message
    from wizard.tui.formatting import finding_line

    message = Message.of(
        "environment gives every job {names}: any pipeline can print it", names="X_SECRET_KEY"
    )
    finding = Finding(
        rule="environment-secrets",
        severity=Severity.HIGH,
        message=message,
        table=("runners", 0),
        key="environment",
        runner_index=0,
        runner="r",
        line=4,
        fix=None,
    )
    assert "X_SECRET_KEY: any pipeline can print it" in finding_line(finding).plain
    assert str(shown_message(message)) == str(message)


def test_a_short_common_word_is_not_masked_by_value_in_our_sentences() -> None:
    """A corpus file's ``password = "secret"`` must not turn every report's "secret" into
    "…" (a folder audit reads many files in one process)."""
    from wizard.base.masking import KNOWN_SECRETS

    KNOWN_SECRETS.clear()
    KNOWN_SECRETS.remember("secret")
    KNOWN_SECRETS.remember("s3cr3t-value")
    try:
        said = KNOWN_SECRETS.mask("print its secret variables; s3cr3t-value leaked")
        assert "print its secret variables" in said
        assert "s3cr3t-value" not in said
    finally:
        KNOWN_SECRETS.clear()
