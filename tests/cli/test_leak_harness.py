"""The leak harness: secrets of every form, planted in every place, reach no output.

One config.toml and one Helm values file hold every planted form at once, each
secret distinct, so a leak names its form. Every command and output format then
runs once per file (a *channel*), and every channel's whole output (stdout,
stderr, the files it writes and their names) is searched for every secret:

    :data:`FORM_COUNT` forms (config.toml) times 16 channels, and :data:`YAML_FORM_COUNT`
    forms (values file) times 7: 1,250 form-channel pairs, pinned by
    ``test_the_harness_covers_what_it_says``.

Script forms sit in ``pre_build_script`` and, one a string, in ``environment``, whose
every entry the dry runs and the TUI review show (harden's fetch fix changes it).

Forms: every TOML string form under secret keys (basic, literal, multi-line basic
and literal), arrays and inline tables under them, an argument list after
``--password``, URL passwords, a token-shaped runner name and key name, secret
``environment`` entries (``*_PASS``, ``*_PW``, ``*PASSPHRASE*``, ``*_KEY``,
``*AUTH*``, a docker auth JSON, PEM keys), every free-text form of a script the
issue lists, and around the config block in YAML: the chart's ``envVars``
name/value pairs, flow and block lists and maps under secret keys, the first
line of multi-line scalars, docker auth JSON.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_fixture import API_TOKEN, SYSTEM_ID, FakeGitLab, start, stop
from wizard.base.masking import KNOWN_SECRETS
from wizard.cli import main


def _secret(tag: str, name: str) -> str:
    """A planted secret: distinct per form and file, shaped like no known token."""
    return f"{tag}{name}Qz7"


SCRIPT_FORMS: dict[str, str] = {
    "mysql -pPASS": "mysql -h db -uroot -p{s} app",
    "mysqldump -p'PASS'": "mysqldump -uroot -p'{s}' app",
    "curl -u user:pass": "curl -u deploy:{s} https://example.com/api",
    "curl --user": 'curl --user "deploy:{s}" https://example.com/api',
    "--password-stdin <<<": 'docker login -u ci --password-stdin reg <<< "{s}"',
    "echo | --password-stdin": "echo '{s}' | docker login --password-stdin reg",
    "export DB_PASS": "export DB_PASS={s}",
    "export quoted": 'export MYSQL_ROOT_PASSWORD="{s}"',
    "Authorization: Basic": 'curl -H "Authorization: Basic {s}=" https://x',
    "Authorization: token": "curl -H 'Authorization: token {s}' https://x",
    "Authorization: Bearer": 'curl -H "Authorization: Bearer {s}" https://x',
    "PRIVATE-TOKEN header": 'curl --header "PRIVATE-TOKEN: {s}" https://x',
    "netrc": "echo 'machine gitlab.example.com login ci password {s}' > ~/.netrc",
    "aws configure set": "aws configure set aws_secret_access_key {s}",
    "redis://:pass@": "redis-cli -u redis://:{s}@cache:6379/0 ping",
    "postgresql password with @": "psql postgresql://app:p@ss{s}@db/app",
    "upper-case GLPAT-": "export X=GLPAT-{s}",
    "glft-": "curl -H 'Job: glft-{s}'",
    "*_PW=": "GPG_PW={s} gpg --batch --sign",
    "PASSPHRASE": "DEPLOY_PASSPHRASE={s} ./deploy",
    "SIGNING_KEY": "SIGNING_KEY={s} ./sign",
    "Azure AccountKey=": (
        "az storage blob upload --connection-string "
        "'DefaultEndpointsProtocol=https;AccountName=a;AccountKey={s}==;EndpointSuffix=x'"
    ),
    "SAS sig=": "curl 'https://a.blob.example.net/c/f?sv=2022&sig={s}%3D&se=2030'",
    "X-Amz-Signature=": "curl 'https://b.s3.example.com/k?X-Amz-Signature={s}&X-Amz-Date=1'",
    "single word after password:": "# password: {s}",
    "docker login -p": "docker login -u ci -p {s} registry.example.com",
    "--password VALUE": "tool login --password {s} --user x",
    "npm _authToken": "npm config set //r/:_authToken {s}",
    "PEM private key in a script": (
        "cat > key <<EOF\n-----BEGIN RSA PRIVATE KEY-----\n{s}AAAAB3NzaC1yc2EAAAADAQAB\n"
        "-----END RSA PRIVATE KEY-----\nEOF"
    ),
}
"""Free text of a script, one form a line: each the issue found leaking or an older one."""

TOML_FORMS: dict[str, str] = {
    "comment": "# password: {s}\n",
    "runner name shaped like a token": "",  # planted in the runner's name below
    "key name shaped like a token": "",  # planted under [runners.docker] below
    "url password": "",
    "clone_url password": "",
    "token, basic string": "",
    "AccessKey, literal string": "",
    "SecretKey, multi-line basic string": "",
    "PrivateKey, multi-line literal PEM": "",
    "password in an inline table": "",
    "array under a secret key": "",
    "argument list after --password": "",
    "MachineOptions secret-key=": "",
    "environment DB_PASS": "",
    "environment GPG_PW, literal": "",
    "environment DEPLOY_PASSPHRASE": "",
    "environment SIGNING_KEY": "",
    "environment NPM_AUTH": "",
    "environment MYSQL_PASSWORD, multi-line basic": "",
    "environment API_TOKEN, multi-line literal": "",
    "environment docker auth JSON": "",
    "environment SSH private key": "",
}


def toml_secrets(tag: str) -> dict[str, str]:
    """Every planted secret of the TOML forms and the script forms, by form."""
    names = {f"toml: {name}": _secret(tag, f"T{n:02d}") for n, name in enumerate(TOML_FORMS)}
    names |= {f"script: {name}": _secret(tag, f"S{n:02d}") for n, name in enumerate(SCRIPT_FORMS)}
    return names


def runner_toml(
    tag: str, *, url: str = "https://gitlab.example.com", url_password: bool = True
) -> str:
    """One docker runner holding every TOML and script form (secrets tagged ``tag``).

    ``url_password=False`` leaves the password out of ``url`` (the fake GitLab is
    asked at that URL; every other form stays)."""
    s = toml_secrets(tag)

    def t(name: str) -> str:
        return s[f"toml: {name}"]

    host = url.split("://", 1)[1]
    with_password = url.replace("://", "://ci:" + t("url password") + "@", 1)
    lines = [form.format(s=s[f"script: {name}"]) for name, form in SCRIPT_FORMS.items()]
    script = "\n".join(lines)
    # The same lines as environment entries too: harden's fetch fix changes that list, so
    # every entry is shown by the dry runs (text, JSON before/after) and the TUI review.
    script_entries = "".join(f"    {json.dumps(line)},\n" for line in lines)
    return (
        f"# password: {t('comment')}\n"
        "[[runners]]\n"
        f'  name = "glrt-{t("runner name shaped like a token")}"\n'
        f'  url = "{with_password if url_password else url}"\n'
        f'  token = "{t("token, basic string")}"\n'
        '  executor = "docker"\n'
        f'  clone_url = "https://ci:{t("clone_url password")}@{host}"\n'
        "  environment = [\n"
        f'    "DB_PASS={t("environment DB_PASS")}",\n'
        f"    'GPG_PW={t('environment GPG_PW, literal')}',\n"
        f'    "DEPLOY_PASSPHRASE={t("environment DEPLOY_PASSPHRASE")}",\n'
        f'    "SIGNING_KEY={t("environment SIGNING_KEY")}",\n'
        f'    "NPM_AUTH={t("environment NPM_AUTH")}",\n'
        f'    """MYSQL_PASSWORD={t("environment MYSQL_PASSWORD, multi-line basic")}""",\n'
        f"    '''API_TOKEN={t('environment API_TOKEN, multi-line literal')}''',\n"
        '    \'DOCKER_AUTH_CONFIG={"auths":{"r.example.com":{"auth":"'
        f"{t('environment docker auth JSON')}\"}}}}}}',\n"
        '    """SSH_PRIVATE_KEY=-----BEGIN OPENSSH PRIVATE KEY-----\n'
        f"{t('environment SSH private key')}b3BlbnNzaC1rZXktdjEAAAAA\n"
        '-----END OPENSSH PRIVATE KEY-----""",\n'
        f"{script_entries}"
        "  ]\n"
        f"  pre_build_script = '''\n{script}\n'''\n"
        "  [runners.cache]\n"
        '    Type = "s3"\n'
        "    [runners.cache.s3]\n"
        f"      AccessKey = '{t('AccessKey, literal string')}'\n"
        f'      SecretKey = """\n{t("SecretKey, multi-line basic string")}"""\n'
        "    [runners.cache.gcs]\n"
        "      PrivateKey = '''-----BEGIN PRIVATE KEY-----\n"
        f"{t('PrivateKey, multi-line literal PEM')}R2NzUHJpdmF0ZUtleQ\n"
        "-----END PRIVATE KEY-----'''\n"
        "  [runners.docker]\n"
        '    image = "alpine:3.20"\n'
        "    privileged = true\n"
        f'    registry_auth = {{ password = "{t("password in an inline table")}" }}\n'
        f'    password = ["{t("array under a secret key")}"]\n'
        f'    "glrt-{t("key name shaped like a token")}" = 1\n'
        "  [runners.custom]\n"
        f'    config_args = ["--password", "{t("argument list after --password")}"]\n'
        "  [runners.machine]\n"
        f'    MachineOptions = ["amazonec2-secret-key={t("MachineOptions secret-key=")}"]\n'
    )


def config_toml(
    tag: str = "Tm", *, url: str = "https://gitlab.example.com", url_password: bool = True
) -> str:
    return "concurrent = 2\n\n" + runner_toml(tag, url=url, url_password=url_password)


YAML_FORMS: dict[str, str] = {
    "runnerToken": "runnerToken: {s}\n",
    "runnerRegistrationToken, single-quoted": "runnerRegistrationToken: '{s}'\n",
    "envVars name/value (the chart's form)": (
        "envVars:\n  - name: CACHE_S3_SECRET_KEY\n    value: {s}\n  - name: LANG\n    value: C\n"
    ),
    "flow name/value": "extraEnv: [{{name: DEPLOY_TOKEN, value: {s}}}]\n",
    "first line of a quoted multi-line scalar": 'extraPassphrase: "{s}\n  second line"\n',
    "first line of a plain multi-line scalar": "signingKey: {s}\n  second line\n",
    "literal block scalar": "privateKey: |\n  {s}\n  second line\n",
    "flow list under a secret key": "apiKeys: [first-one-here, {s}]\n",
    "block list under a secret key": "tokens:\n  - {s}\n",
    "flow map under a secret key": "credentials: {{user: bob, pass: {s}}}\n",
    "docker auth JSON": 'dockerAuthConfig: \'{{"auths":{{"r":{{"auth":"{s}"}}}}}}\'\n',
}


def yaml_secrets() -> dict[str, str]:
    names = {f"yaml: {name}": _secret("Ym", f"Y{n:02d}") for n, name in enumerate(YAML_FORMS)}
    return names | toml_secrets("Yt")


def values_yaml() -> str:
    s = yaml_secrets()
    around = "".join(form.format(s=s[f"yaml: {name}"]) for name, form in YAML_FORMS.items())
    inner = "".join("    " + line if line else line for line in runner_toml("Yt").splitlines(True))
    # Multi-line TOML strings keep their lines; the block scalar strips the indentation.
    return (
        "gitlabUrl: https://gitlab.example.com\n"
        "rbac:\n"
        "  create: true\n"
        "  clusterWideAccess: true\n"
        f"{around}"
        "runners:\n"
        "  config: |\n"
        f"{inner}"
    )


# -- channels ----------------------------------------------------------------------------------

Channel = Callable[[Path, pytest.CaptureFixture[str]], str]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    captured = capsys.readouterr()
    return captured.out + "\n" + captured.err


def _folder_text(folder: Path) -> str:
    """Every file under ``folder``: its name and its content."""
    shown = []
    for path in sorted(folder.rglob("*")):
        shown.append(str(path.relative_to(folder)))
        if path.is_file():
            shown.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(shown)


def audit(output_format: str) -> Channel:
    def run(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
        return _cli(capsys, "audit", "--format", output_format, str(path))

    return run


def dry_run(output_format: str) -> Channel:
    def run(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
        return _cli(
            capsys, "harden", "--dry-run", "--fix", "all", "--format", output_format, str(path)
        )

    return run


def harden_write(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The write itself: what it prints, and the names of the files it leaves (backup)."""
    shown = _cli(capsys, "harden", "--fix", "all", str(path))
    return shown + "\n" + "\n".join(sorted(p.name for p in path.parent.iterdir()))


def presets_new(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = path.parent / "derived.toml"
    shown = _cli(capsys, "presets", "new", "derived", "--from-config", str(path), "--out", str(out))
    written = out.read_text(encoding="utf-8") if out.exists() else ""
    exported = path.parent / "template.toml"
    if out.exists():
        shown += _cli(capsys, "presets", "export", str(out), "--template-config", str(exported))
        shown += exported.read_text(encoding="utf-8") if exported.exists() else ""
    return shown + "\n" + written


def artifacts(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = path.parent / "artifacts"
    shown = _cli(capsys, "artifacts", str(path), "--out", str(out))
    return shown + "\n" + (_folder_text(out) if out.exists() else "")


def plain_line_mode(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The line-mode wizard, scripted: its whole review and what it says after saving."""
    shown = _cli(
        capsys,
        "plain",
        str(path),
        "--non-interactive",
        "--accept-defaults",
        "--name",
        "glrt-" + toml_secrets("Tm")["toml: runner name shaped like a token"],
        "--no-backup",
    )
    return shown + "\n" + "\n".join(sorted(p.name for p in path.parent.iterdir()))


def audit_baseline(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``audit --write-baseline``: what it says, and the baseline file it writes."""
    baseline = path.parent / "baseline.json"
    shown = _cli(capsys, "audit", "--write-baseline", str(baseline), str(path))
    return shown + "\n" + (baseline.read_text(encoding="utf-8") if baseline.exists() else "")


def host_check(output_format: str) -> Channel:
    """host-check with the file's folder as the machine's root."""

    def run(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
        root = str(path.parent)
        return _cli(capsys, "host-check", "--root", root, "--format", output_format, path.name)

    return run


def plain_artifacts(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Line mode writing the hardening files: what it says and every file it writes."""
    out = path.parent / "host-files"
    shown = _cli(
        capsys,
        "plain",
        str(path),
        "--non-interactive",
        "--accept-defaults",
        "--no-backup",
        "--artifacts",
        str(out),
    )
    return shown + "\n" + (_folder_text(out) if out.exists() else "")


TOML_CHANNELS: dict[str, Channel] = {
    "audit text": audit("text"),
    "audit json": audit("json"),
    "audit sarif": audit("sarif"),
    "harden --dry-run text": dry_run("text"),
    "harden --dry-run json": dry_run("json"),
    "harden write and backup name": harden_write,
    "presets new --from-config and export": presets_new,
    "artifacts": artifacts,
    "plain line mode": plain_line_mode,
    "plain line mode writing the hardening files": plain_artifacts,
    "audit --write-baseline": audit_baseline,
    "host-check text": host_check("text"),
    "host-check json": host_check("json"),
}
"""Channels that take the planted config.toml as it is; server-check and the TUI below."""

YAML_CHANNELS: dict[str, Channel] = {
    "audit text": audit("text"),
    "audit json": audit("json"),
    "audit sarif": audit("sarif"),
    "harden --dry-run text": dry_run("text"),
    "harden --dry-run json": dry_run("json"),
    "harden write and backup name": harden_write,
}

EXTRA_TOML_CHANNELS = ("server-check text", "server-check json", "TUI through Pilot")
EXTRA_YAML_CHANNELS = ("TUI through Pilot",)

FORM_COUNT = len(toml_secrets("Tm"))
YAML_FORM_COUNT = len(yaml_secrets())


def _leaks(shown: str, secrets: dict[str, str]) -> list[str]:
    return [form for form, secret in secrets.items() if secret in shown]


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    KNOWN_SECRETS.clear()
    yield
    KNOWN_SECRETS.clear()


@pytest.mark.parametrize("channel", sorted(TOML_CHANNELS))
def test_no_planted_secret_leaves_through_a_toml_channel(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    channel: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(config_toml(), encoding="utf-8")
    path.chmod(0o600)
    shown = TOML_CHANNELS[channel](path, capsys)
    assert "Traceback" not in shown
    assert not _leaks(shown, toml_secrets("Tm")), channel


@pytest.mark.parametrize("channel", sorted(YAML_CHANNELS))
def test_no_planted_secret_leaves_through_a_values_file_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(values_yaml(), encoding="utf-8")
    shown = YAML_CHANNELS[channel](path, capsys)
    assert "Traceback" not in shown
    assert "clusterWideAccess" in shown or channel.startswith(("audit", "harden write"))
    assert not _leaks(shown, yaml_secrets()), channel


def test_the_planted_files_mean_what_they_say() -> None:
    """Each secret is in its file once at least, and both files parse."""
    import tomllib

    import yaml

    text = config_toml()
    assert tomllib.loads(text)["runners"][0]["executor"] == "docker"
    assert all(secret in text for secret in toml_secrets("Tm").values())
    values = values_yaml()
    parsed = yaml.safe_load(values)
    assert tomllib.loads(parsed["runners"]["config"])["runners"][0]["executor"] == "docker"
    assert all(secret in values for secret in yaml_secrets().values())


# -- server-check against the fake GitLab ----------------------------------------------------


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] in ("127.0.0.1", "localhost", "::1"), f"not loopback: {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.mark.usefixtures("loopback")
def test_no_planted_secret_leaves_through_server_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = start(FakeGitLab())
    try:
        secrets = toml_secrets("Tm")
        running.fake.add_runner(7, secrets["toml: token, basic string"])
        path = tmp_path / "config.toml"
        path.write_text(config_toml(url=running.url, url_password=False), encoding="utf-8")
        path.chmod(0o600)
        (tmp_path / ".runner_system_id").write_text(SYSTEM_ID, encoding="utf-8")
        token_file = tmp_path / "api-token"
        token_file.write_text(API_TOKEN + "\n", encoding="utf-8")
        for output_format in ("text", "json"):
            shown = _cli(
                capsys,
                "server-check",
                "--allow-http",
                "--format",
                output_format,
                "--api-token-file",
                str(token_file),
                str(path),
            )
            if output_format == "json":
                json.loads(shown.split("\n\n")[0] if shown.startswith("{") else "{}")
            assert "Traceback" not in shown
            assert running.fake.requests, "the fake GitLab was asked"
            assert not _leaks(shown, secrets), output_format
            assert API_TOKEN.removeprefix("glpat-") not in shown
    finally:
        stop(running)


# -- the TUI through Pilot ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["config.toml", "values.yaml"])
async def test_no_planted_secret_reaches_any_tui_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    from tests.tui_support import SIZE, next_until, position, press, screen_text, settle
    from wizard.tui.app import build_app

    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    yaml_file = name.endswith(".yaml")
    path.write_text(values_yaml() if yaml_file else config_toml(), encoding="utf-8")
    path.chmod(0o600)
    secrets = yaml_secrets() if yaml_file else toml_secrets("Tm")
    app = build_app(Path(name))
    seen: list[str] = []

    def check() -> None:
        seen.append(position(app))
        shown = app.export_screenshot() + screen_text(app)
        leaked = _leaks(shown, secrets)
        assert not leaked, f"{leaked} shown on {seen[-1]}"

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        check()
        await press(app, pilot, "enter")
        while position(app) != "review":
            check()
            await next_until(app, pilot, app.state.following(position(app)))
        check()
    assert seen[-1] == "review"


def test_the_harness_covers_what_it_says() -> None:
    """The numbers the issue's note quotes: planted forms times channels."""
    toml_channels = len(TOML_CHANNELS) + len(EXTRA_TOML_CHANNELS)
    yaml_channels = len(YAML_CHANNELS) + len(EXTRA_YAML_CHANNELS)
    assert (FORM_COUNT, toml_channels) == (51, 16)
    assert (YAML_FORM_COUNT, yaml_channels) == (62, 7)
    assert FORM_COUNT * toml_channels + YAML_FORM_COUNT * yaml_channels == 1250


def test_a_leak_would_be_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The search finds a planted secret in raw output: the harness can fail."""
    path = tmp_path / "config.toml"
    path.write_text(config_toml(), encoding="utf-8")
    raw = path.read_text(encoding="utf-8")
    assert len(_leaks(raw, toml_secrets("Tm"))) == FORM_COUNT
    shutil.copyfile(path, tmp_path / "copy.toml")
