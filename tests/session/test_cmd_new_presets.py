"""``runner-wizard new`` and ``runner-wizard presets …`` from the command line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wizard import cli
from wizard.session.presets import list_presets, load_preset

TOKEN = "glrt-SECRETsecret0123456789"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("RUNNER_NAME", "CI_SERVER_URL", "CI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_new_from_a_preset_with_identity_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUNNER_NAME", "ci-k8s")
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    monkeypatch.setenv("CI_SERVER_TOKEN", TOKEN)
    code, out, _err = run(capsys, "new", "config.toml", "--preset", "restricted-kubernetes")
    assert code == 0
    data = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    runner = data["runners"][0]
    assert (runner["name"], runner["url"], runner["token"]) == (
        "ci-k8s",
        "https://gitlab.example.com",
        TOKEN,
    )
    assert runner["kubernetes"]["allow_privilege_escalation"] is False
    assert runner["kubernetes"]["pod_security_context"]["run_as_non_root"] is True
    assert TOKEN not in out
    assert (tmp_path / "config.toml").stat().st_mode & 0o077 == 0


def test_same_preset_gives_byte_identical_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN, encoding="utf-8")
    common = ["--name", "ci", "--url", "https://gitlab.example.com", "--token-file", str(token)]
    preset_file = tmp_path / "ours.toml"
    code, shown, _err = run(capsys, "presets", "show", "multi-project-docker")
    assert code == 0
    preset_file.write_text(shown, encoding="utf-8")
    assert run(capsys, "new", "a.toml", "--preset", "multi-project-docker", *common)[0] == 0
    assert run(capsys, "new", "b.toml", "--preset", str(preset_file), *common)[0] == 0
    assert (tmp_path / "a.toml").read_bytes() == (tmp_path / "b.toml").read_bytes()


def test_new_refuses_an_existing_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "config.toml"
    existing.write_text('concurrent = 2\n# keep me\n[[runners]]\n  name = "old"\n', "utf-8")
    before = existing.read_bytes()
    flags = ["--preset", "trusted-shell", "--url", "https://gitlab.example.com", "--name", "new"]
    code, _out, err = run(capsys, "new", "config.toml", *flags)
    assert code == 2
    assert "already exists; use --force" in err
    assert existing.read_bytes() == before
    code, _out, err = run(capsys, "new", "config.toml", *flags, "--force")
    assert code == 0, err
    text = existing.read_text(encoding="utf-8")
    assert "# keep me" in text
    names = [r["name"] for r in tomllib.loads(text)["runners"]]
    assert names == ["old", "new"]


def test_new_without_url_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "new", "config.toml", "--preset", "trusted-docker")
    assert code == 2
    assert "missing answer 'url' (give it with --url URL or CI_SERVER_URL)" in err


def test_new_without_preset_or_answers_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        capsys, "new", "config.toml", "--url", "https://gitlab.example.com", "--non-interactive"
    )
    assert code == 2
    assert "missing answer 'executor' (give it with --answers FILE or --preset NAME)" in err


def test_token_file_problems_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        capsys, "new", "c.toml", "--preset", "trusted-docker", "--token-file", "nope"
    )
    assert code == 2
    assert err.strip() == "runner-wizard: error: nope: no such file (--token-file)"


def test_presets_list_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "presets", "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(list_presets()) >= 8
    for line, preset in zip(lines, list_presets(), strict=True):
        name, trust, description = line.split(maxsplit=2)
        assert (name, trust, description) == (preset.name, preset.trust.value, preset.description)


def test_presets_show_prints_a_loadable_preset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "presets", "show", "privileged-dind")
    assert code == 0
    copy = tmp_path / "copy.toml"
    copy.write_text(out, encoding="utf-8")
    assert load_preset(str(copy)).answers == load_preset("privileged-dind").answers


def test_presets_new_from_answers_and_from_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text('trust = "public"\nexecutor = "docker-autoscaler"\n', encoding="utf-8")
    code, out, _err = run(capsys, "presets", "new", "ours", "--answers", str(answers))
    assert code == 0
    preset = load_preset(str(tmp_path / "ours.toml"))
    assert preset.trust.value == "public"
    assert preset.answers.one_job_per_vm is True  # filled with the recommendation, and said so
    assert "set to the recommendation" in out

    config = tmp_path / "config.toml"
    config.write_text(
        f'[[runners]]\nname = "a"\ntoken = "{TOKEN}"\nexecutor = "shell"\n'
        '[[runners]]\nname = "b"\nexecutor = "docker"\n[runners.docker]\nprivileged = true\n',
        encoding="utf-8",
    )
    code, _out, err = run(capsys, "presets", "new", "from-b", "--from-config", str(config))
    assert code == 2
    assert "2 runners (#1 a (shell, no url); #2 b (docker, no url))" in err
    assert "choose one with --runner NAME, --runner '#N' or --runner 'id:N'" in err
    code, _out, err = run(
        capsys, "presets", "new", "from-b", "--from-config", str(config), "--runner", "b"
    )
    assert code == 0, err
    text = (tmp_path / "from-b.toml").read_text(encoding="utf-8")
    assert TOKEN not in text
    assert load_preset(str(tmp_path / "from-b.toml")).answers.privileged is not None
    # Never overwrite a file someone may have edited.
    code, _out, err = run(
        capsys, "presets", "new", "from-b", "--from-config", str(config), "--runner", "b"
    )
    assert code == 2
    assert "already exists" in err


def test_presets_new_needs_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "presets", "new", "x")
    assert code == 2
    assert "give --answers FILE or --from-config PATH" in err


def test_export_template_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "template.toml"
    code, _out, _err = run(
        capsys, "presets", "export", "public-autoscaler", "--template-config", str(target)
    )
    assert code == 0
    data = tomllib.loads(target.read_text(encoding="utf-8"))
    runner = data["runners"][0]
    assert runner["autoscaler"]["max_use_count"] == 1
    assert not {"name", "url", "token"} & set(runner)
    # Exporting again refreshes our own template; someone else's file is left alone.
    assert (
        run(capsys, "presets", "export", "trusted-docker", "--template-config", str(target))[0] == 0
    )
    assert tomllib.loads(target.read_text(encoding="utf-8"))["runners"][0]["executor"] == "docker"
    other = tmp_path / "mine.toml"
    other.write_text("# hand-written\n", encoding="utf-8")
    code, _out, err = run(
        capsys, "presets", "export", "trusted-docker", "--template-config", str(other)
    )
    assert code == 2
    assert "already exists" in err
    assert other.read_text(encoding="utf-8") == "# hand-written\n"


@pytest.mark.parametrize(
    ("url", "extra", "expected"),
    [
        ("http://gitlab.example.com", (), "Plain http sends the runner token unencrypted"),
        ("https://ci:hunter2secret@gitlab.example.com", (), "Leave the user name and password"),
        ("gitlab.example.com", (), "must start with https://"),
    ],
)
def test_new_url_is_checked_like_the_wizards(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    url: str,
    extra: tuple[str, ...],
    expected: str,
) -> None:
    code, out, err = run(
        capsys,
        "new",
        "config.toml",
        "--preset",
        "trusted-shell",
        "--url",
        url,
        "--name",
        "a",
        *extra,
    )
    assert code == 2
    assert expected in err
    assert err.startswith("runner-wizard: error: --url: ")
    assert "hunter2secret" not in out + err
    assert not (tmp_path / "config.toml").exists()


def test_new_plain_http_url_is_accepted_only_when_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["new", "config.toml", "--preset", "trusted-shell", "--name", "a"]
    code, _out, err = run(capsys, *argv, "--url", "http://gitlab.lan/", "--allow-http")
    assert code == 0, err
    data = tomllib.loads((tmp_path / "config.toml").read_text(encoding="utf-8"))
    assert data["runners"][0]["url"] == "http://gitlab.lan"


def test_piped_input_says_stdin_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    argv = ["new", "config.toml", "--preset", "trusted-shell", "--name", "a"]
    code, _out, err = run(capsys, *argv, "--url", "https://gitlab.example.com")
    assert code == 0, err
    assert "stdin is not a terminal, so nothing is asked" in err


def test_new_marks_the_private_config_done_once_written_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every save writes mode 0600 (tomlfile/safe_write.py): right after writing it, the
    review must not list "keep config.toml readable by its owner only" as a to-do."""
    argv = ("new", "config.toml", "--preset", "privileged-dind", "--non-interactive")
    code, out, _err = run(capsys, *argv, "--url", "https://gitlab.example.com")
    assert code == 0
    assert (tmp_path / "config.toml").stat().st_mode & 0o777 == 0o600
    (row,) = [line for line in out.splitlines() if "Keep config.toml readable" in line]
    assert row.split()[:3] == ["[done", "on", "save]"]


def test_the_private_config_row_stays_to_do_without_a_private_file() -> None:
    from wizard.artifacts import ChecklistItem
    from wizard.session.checklist_rows import PrivateConfig, checklist_rows

    item = ChecklistItem("Keep it private", "why", "do", "verify", "expect", "url", (), True)

    def status(private: PrivateConfig) -> str:
        rows = checklist_rows([item], [], config_private=private)
        return next(row.status for row in rows if row.title == "Keep it private")

    assert status(None) == "to-do"
    assert status("on-save") == "on-save"
    assert status("done") == "done"


def test_still_reported_names_the_runner_of_each_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("new", "config.toml", "--preset", "privileged-dind", "--non-interactive")
    code, out, _err = run(capsys, *argv, "--url", "https://gitlab.example.com", "--name", "ci-9")
    assert code == 0
    section = out.split("still reported after saving:")[1].split("\n\n")[0]
    runner_lines = [line for line in section.splitlines() if "line " in line]
    assert runner_lines
    assert all("(runner 'ci-9', line " in line for line in runner_lines)


DIND_RUNNER = """\
[[runners]]
  name = "docker-custom-runner"
  url = "https://gitlab.example.com"
  token = "glrt-SOURCEsecretTOKEN12345"
  executor = "docker"
  [runners.docker]
    image = "docker:stable"
    privileged = true
    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]
"""


def test_a_preset_from_a_config_names_what_it_does_not_reproduce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The privileged allowlist the preset adds would stop the runner's own image
    (docker:stable) running privileged, and the socket volume is not carried: both
    are named with their impact, and no source value (token) is printed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "33.toml").write_text(DIND_RUNNER, encoding="utf-8")
    code, out, err = run(
        capsys,
        "presets",
        "new",
        "our-docker",
        "--from-config",
        "33.toml",
        "--runner",
        "docker-custom-runner",
    )
    assert code == 0, err
    assert "the runner's own image docker:stable no longer runs privileged" in out
    assert "docker.volumes: set in the config, left out of the preset" in out
    assert "host's Docker daemon" in out
    assert "glrt-SOURCE" not in out + err
    code, _out, err = run(
        capsys, "presets", "export", "./our-docker.toml", "--template-config", "t.toml"
    )
    assert code == 0, err
    exported = tomllib.loads((tmp_path / "t.toml").read_text(encoding="utf-8"))
    docker = exported["runners"][0]["docker"]
    # What the message named is what the template holds.
    assert "docker:stable" not in docker["allowed_privileged_images"]
    assert "volumes" not in docker
