"""Injection harness: hostile values through every input channel into every generated file.

Each hostile value (line breaks of every kind, quotes, backslashes, template
actions, NUL, ESC, DEL, bidirectional controls, shell, markdown and nftables
syntax) is fed through each channel that reaches a generated file:

* ``config.toml`` (``allowed_images`` of the runner), an answers file, a preset,
  the TOML inside Helm values' ``runners.config``,
* command-line flags (``--url``, ``--name``) and the environment
  (``CI_SERVER_URL``, ``RUNNER_NAME``, ``GITLAB_TOKEN``).

Every command is run twice: once with a harmless value in the same place, once
with the hostile one. Each file the hostile run writes is parsed with its own
grammar and must mean exactly what the harmless run's file means with the value
in its slot: the nftables ruleset (``nft -c -f`` where it works here; always:
the lines nft reads as rules), ``daemon.json`` (JSON), the checklist (markdown:
headings, and each answer one code span), config.toml, templates and presets
(``tomllib``), Helm values (``yaml.safe_load``, then the TOML in
``runners.config`` and the template actions in it). Or the command refused: exit
code 2, one line on stderr, no file written or changed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_support import Outcome, run_cli
from wizard.server.transport import header_problem
from wizard.tomlfile.rendering import render_value

HOSTILE: dict[str, str] = {
    "lf": "alpine\nflush ruleset",
    "cr": "alpine\rtable inet x { }",
    "crlf": "alpine\r\nimage: registry.evil.example/runner",
    "nul": "alpine\x00x",
    "esc": "alpine\x1b[2J",
    "del": "alpine\x7fx",
    "next-line": "alpine\x85gitlabUrl: https://evil.example",
    "line-separator": "alpine\u2028gitlabUrl: https://evil.example",
    "paragraph-separator": "alpine\u2029x",
    "bidi-override": "alpine\u202e:3.20",
    "double-quote": 'alpine", "privileged = true',
    "single-quote": "alpine' # x",
    "backslash": "alpine\\\\x\\",
    "template-action": '{{ (lookup "v1" "Secret" "gitlab" "root").data }}',
    "template-word": "registry.example/{{.Values.evil}}",
    "template-end": "alpine}}",
    "toml-break": 'alpine"]\nprivileged = true\n["x',
    "yaml-flow": "alpine, {gitlabUrl: evil}",
    "shell": "alpine;$(reboot)`id`",
    "markdown": "alpine`</code><script>x</script>`",
    "nft-syntax": "alpine; } table inet x { chain c { tcp dport 2375 accept; }",
}
"""Every hostile form the harness plants, by a name for the test ids."""

HARMLESS = "registry.example/harmless"
"""Stands where the hostile value stands in the reference run."""

URL = "https://gitlab.example.com"
RUNNER = "docker-1"

CONFIG = """\
concurrent = 1
[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  token = "glrt-HarnessToken1234567890"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    allowed_images = {images}
"""

VALUES = """\
gitlabUrl: https://gitlab.example.com
rbac:
  create: true
runners:
  secret: gitlab-runner-token
  config: |
    [[runners]]
      executor = "{executor}"
      [runners.{executor}]
        namespace = "{{{{.Release.Namespace}}}}"
        image = "alpine:3.20"
        allowed_images = {images}
"""

ANSWERS = """\
trust = "multi-project"
executor = "docker"
default_image = "alpine:3.20"
privileged = "none"
job_user = "non-root"
pull_policy = "always"
allowed_pull_policies = ["always"]
allowed_images = {images}
allowed_services = ["*"]
per_build_network = true
isolate_host_network = true
local_only_listeners = true
host_measures = ["metadata-endpoint", "inbound-ssh", "runner-to-runner", "own-segment"]
"""


def toml_list(*values: str) -> str:
    return render_value(list(values))


# -- each output, parsed with its own grammar ----------------------------------------------


@functools.cache
def nft_check_works() -> bool:
    """``nft -c -f`` needs the nft binary and the right to open a netlink socket (root)."""
    nft = shutil.which("nft")
    if nft is None:
        return False
    probe = subprocess.run(
        [nft, "-c", "-f", "-"],
        input="table inet runner_wizard_probe {\n}\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return probe.returncode == 0


def parse_nft(path: Path) -> list[str]:
    """The lines nft reads as rules (not comments), after ``nft -c`` accepted the file."""
    if nft_check_works():
        checked = subprocess.run(
            ["nft", "-c", "-f", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
        assert checked.returncode == 0, checked.stderr
    text = path.read_text(encoding="utf-8")
    return [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def parse_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


_LIST_CODE_SPAN = re.compile(r"- (`+)(.*?)\1")


def parse_markdown(path: Path) -> list[tuple[str, str]]:
    """Each line as a markdown reader sees it: a heading, a list item that is one code
    span (with its text), or other text."""
    parsed: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LIST_CODE_SPAN.fullmatch(line)
        if line.startswith("#"):
            parsed.append(("heading", line))
        elif match and match.group(1) not in match.group(2):
            content = match.group(2)
            if content.startswith(" ") and content.endswith(" ") and content.strip():
                content = content[1:-1]
            parsed.append(("code", content))
        else:
            parsed.append(("text", line))
    return parsed


def parse_toml(path: Path) -> Any:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def parse_values(path: Path) -> Any:
    """The YAML, with ``runners.config`` as the TOML it holds and its template actions."""
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    config = values["runners"]["config"]
    values["runners"]["config"] = {
        "toml": tomllib.loads(config),
        "template actions": re.findall(r"\{\{.*?\}\}", config, re.DOTALL),
    }
    return values


PARSERS: dict[str, Callable[[Path], Any]] = {
    ".nft": parse_nft,
    ".fragment": parse_json,
    ".md": parse_markdown,
    ".toml": parse_toml,
    ".yaml": parse_values,
}


def parsed(path: Path) -> Any:
    return PARSERS[path.suffix](path)


def planted(data: Any, value: str) -> Any:
    """The harmless run's parse result with the hostile value where the harmless one was."""
    if isinstance(data, str):
        return data.replace(HARMLESS, value)
    if isinstance(data, list | tuple):
        return type(data)(planted(item, value) for item in data)
    if isinstance(data, dict):
        return {planted(key, value): planted(item, value) for key, item in data.items()}
    return data


# -- running a command twice ---------------------------------------------------------------


def outputs_in(folder: Path) -> dict[str, Path]:
    """Every generated file under ``folder`` by its path there (inputs are not outputs)."""
    return {
        str(path.relative_to(folder)): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in PARSERS and not path.name.startswith("input")
    }


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


Command = Callable[[Path, str], list[str]]
"""Writes a run's inputs (files named ``input*``) into a folder for a value; returns argv."""


@dataclass
class Pair:
    """What the harmless and the hostile run wrote."""

    hostile: Outcome
    wrote: bool


_REFERENCE: dict[str, dict[str, Any]] = {}
"""What each command wrote with the harmless value, parsed: the same for every hostile one."""


def run_pair(
    tmp: Path, capsys: pytest.CaptureFixture[str], value: str, command: Command, key: str
) -> Pair:
    """Run ``command`` with the harmless value (once per ``key``), then with ``value``;
    compare what they wrote."""
    expected = _REFERENCE.get(key)
    if expected is None:
        reference = tmp / "harmless"
        reference.mkdir(parents=True)
        harmless = run_cli(capsys, *command(reference, HARMLESS))
        assert harmless.code == 0, harmless.everything
        expected = {name: parsed(path) for name, path in outputs_in(reference).items()}
        assert expected, "the harmless run wrote nothing to compare with"
        _REFERENCE[key] = expected
    folder = tmp / "hostile"
    folder.mkdir(parents=True)
    argv = command(folder, value)
    before = snapshot(folder)
    outcome = run_cli(capsys, *argv)
    assert "Traceback" not in outcome.everything
    if outcome.code != 0:
        lines = [line for line in outcome.err.splitlines() if line.strip()]
        assert outcome.code == 2, outcome.everything
        assert len(lines) == 1, outcome.err
        assert snapshot(folder) == before, "a refused command wrote something"
        return Pair(outcome, wrote=False)
    written = outputs_in(folder)
    assert set(written) == set(expected)
    for name, path in written.items():
        assert parsed(path) == planted(expected[name], value), f"{name}: a value left its slot"
    return Pair(outcome, wrote=True)


# -- the channels --------------------------------------------------------------------------


def _config(folder: Path, images: str) -> Path:
    path = folder / "input-config.toml"
    path.write_text(CONFIG.format(images=images), "utf-8")
    return path


def _preset(folder: Path, value: str, executor: str) -> Path:
    path = folder / f"input-{executor}-preset.toml"
    answers = ANSWERS.format(images=toml_list(value)).replace("docker", executor)
    path.write_text(f'name = "hostile"\ntrust = "multi-project"\n[answers]\n{answers}', "utf-8")
    return path


def _answers(folder: Path, value: str) -> Path:
    path = folder / "input-answers.toml"
    path.write_text(ANSWERS.format(images=toml_list(value)), encoding="utf-8")
    return path


def _values(folder: Path, value: str, executor: str) -> Path:
    path = folder / "input-values.yaml"
    path.write_text(VALUES.format(executor=executor, images=toml_list(value)), "utf-8")
    return path


def _fresh(folder: Path, name: str) -> Path:
    (folder / "fresh").mkdir(exist_ok=True)
    return folder / "fresh" / name


Channel = Callable[[Path, pytest.CaptureFixture[str], pytest.MonkeyPatch, str], None]
CHANNELS: dict[str, list[tuple[str, Command]]] = {}
"""Channel -> the commands that carry a value from it into generated files."""


def through(channel: str, what: str) -> Callable[[Command], Command]:
    def register(command: Command) -> Command:
        CHANNELS.setdefault(channel, []).append((what, command))
        return command

    return register


@through("config.toml", "artifacts")
def config_to_artifacts(folder: Path, value: str) -> list[str]:
    return ["artifacts", str(_config(folder, toml_list(value))), "--out", str(folder / "out")]


@through("config.toml", "presets new --from-config")
def config_to_preset(folder: Path, value: str) -> list[str]:
    config = _config(folder, toml_list(value))
    preset = folder / "made.toml"
    return ["presets", "new", "made", "--from-config", str(config), "--runner", RUNNER,
            "--out", str(preset)]  # fmt: skip


@through("answers file", "artifacts --answers")
def answers_to_artifacts(folder: Path, value: str) -> list[str]:
    config = _config(folder, toml_list("alpine"))
    return ["artifacts", str(config), "--answers", str(_answers(folder, value)),
            "--out", str(folder / "out")]  # fmt: skip


@through("answers file", "new config.toml --answers --artifacts")
def answers_to_new_config(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "config.toml")), "--answers", str(_answers(folder, value)),
            "--name", RUNNER, "--url", URL, "--non-interactive",
            "--artifacts", str(folder / "out")]  # fmt: skip


@through("answers file", "plain values.yaml --answers")
def answers_to_values(folder: Path, value: str) -> list[str]:
    answers = _answers(folder, value)
    answers.write_text(
        answers.read_text("utf-8").replace('executor = "docker"', 'executor = "kubernetes"'),
        "utf-8",
    )
    values = _fresh(folder, "values.yaml")
    values.write_text(_values(folder, "alpine", "kubernetes").read_text("utf-8"), "utf-8")
    return ["plain", str(values), "--answers", str(answers), "--non-interactive",
            "--accept-defaults", "--no-backup"]  # fmt: skip


@through("answers file", "presets new --answers")
def answers_to_preset(folder: Path, value: str) -> list[str]:
    return ["presets", "new", "made", "--answers", str(_answers(folder, value)),
            "--out", str(folder / "made.toml")]  # fmt: skip


@through("preset", "artifacts --preset")
def preset_to_artifacts(folder: Path, value: str) -> list[str]:
    preset = _preset(folder, value, "docker")
    config = _config(folder, toml_list("alpine"))
    return ["artifacts", str(config), "--preset", str(preset), "--out", str(folder / "out")]


@through("preset", "presets export --template-config")
def preset_to_template(folder: Path, value: str) -> list[str]:
    return ["presets", "export", str(_preset(folder, value, "docker")),
            "--template-config", str(folder / "template.toml")]  # fmt: skip


@through("preset", "new config.toml --preset")
def preset_to_new_config(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "config.toml")), "--preset",
            str(_preset(folder, value, "docker")), "--name", RUNNER, "--url", URL,
            "--non-interactive"]  # fmt: skip


@through("preset", "new values.yaml --preset")
def preset_to_new_values(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "values.yaml")), "--preset",
            str(_preset(folder, value, "kubernetes"))]  # fmt: skip


@through("preset", "presets export --helm-values")
def preset_to_exported_values(folder: Path, value: str) -> list[str]:
    return ["presets", "export", str(_preset(folder, value, "kubernetes")),
            "--helm-values", str(folder / "exported.yaml")]  # fmt: skip


@through("preset", "harden values.yaml --preset")
def preset_to_hardened_values(folder: Path, value: str) -> list[str]:
    values = _fresh(folder, "values.yaml")
    values.write_text(_values(folder, "alpine", "kubernetes").read_text("utf-8"), "utf-8")
    return ["harden", str(values), "--preset", str(_preset(folder, value, "kubernetes")),
            "--no-backup"]  # fmt: skip


@through("helm values runners.config", "artifacts")
def values_to_artifacts(folder: Path, value: str) -> list[str]:
    return ["artifacts", str(_values(folder, value, "docker")), "--out", str(folder / "out")]


@through("helm values runners.config", "presets new --from-config")
def values_to_preset(folder: Path, value: str) -> list[str]:
    return ["presets", "new", "made", "--from-config", str(_values(folder, value, "kubernetes")),
            "--out", str(folder / "made.toml")]  # fmt: skip


@through("command-line flags", "new config.toml --url")
def url_flag_to_new_config(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "config.toml")), "--preset", "multi-project-docker",
            "--non-interactive", "--url", f"{URL}/{value}", "--name", RUNNER]  # fmt: skip


@through("command-line flags", "new config.toml --name")
def name_flag_to_new_config(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "config.toml")), "--preset", "multi-project-docker",
            "--non-interactive", "--url", URL, "--name", value]  # fmt: skip


@through("command-line flags", "new values.yaml --url")
def flags_to_new_values(folder: Path, value: str) -> list[str]:
    return ["new", str(_fresh(folder, "values.yaml")), "--preset", "restricted-kubernetes",
            "--url", f"{URL}/{value}"]  # fmt: skip


ENVIRONMENT: dict[str, Callable[[str], dict[str, str]]] = {
    "new config.toml (CI_SERVER_URL)": lambda value: {
        "CI_SERVER_URL": f"{URL}/{value}",
        "RUNNER_NAME": RUNNER,
    },
    "new config.toml (RUNNER_NAME)": lambda value: {"CI_SERVER_URL": URL, "RUNNER_NAME": value},
    "new values.yaml (CI_SERVER_URL)": lambda value: {"CI_SERVER_URL": f"{URL}/{value}"},
}


def _environment_command(what: str) -> Command:
    def command(folder: Path, _value: str) -> list[str]:
        if what.startswith("new config.toml"):
            return ["new", str(_fresh(folder, "config.toml")), "--preset",
                    "multi-project-docker", "--non-interactive"]  # fmt: skip
        return ["new", str(_fresh(folder, "values.yaml")), "--preset", "restricted-kubernetes"]

    return command


# -- the matrix ----------------------------------------------------------------------------


def _cases() -> Iterator[Any]:
    for channel, commands in CHANNELS.items():
        for what, _command in commands:
            for value_name, value in HOSTILE.items():
                yield pytest.param(channel, what, value, id=f"{channel}-{what}-{value_name}")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CI_SERVER_URL", "RUNNER_NAME", "CI_SERVER_TOKEN", "GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("channel", "what", "value"), list(_cases()))
def test_no_value_leaves_its_slot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str, what: str, value: str
) -> None:
    command = dict(CHANNELS[channel])[what]
    run_pair(tmp_path, capsys, value, command, f"{channel}: {what}")


ENVIRONMENT_HOSTILE = {name: value for name, value in HOSTILE.items() if "\x00" not in value}
"""The hostile values an environment variable can hold: the OS refuses a NUL in one."""


def test_the_environment_cannot_carry_a_nul() -> None:
    """Why the environment cases leave the NUL out (and so why none of them is skipped)."""
    with pytest.raises(ValueError, match="null byte"):
        os.environ["RUNNER_WIZARD_PROBE"] = "a\x00b"


@pytest.mark.parametrize("what", list(ENVIRONMENT))
@pytest.mark.parametrize("value", list(ENVIRONMENT_HOSTILE.values()), ids=list(ENVIRONMENT_HOSTILE))
def test_no_value_from_the_environment_leaves_its_slot(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    value: str,
) -> None:
    variables = ENVIRONMENT[what]

    def command(folder: Path, planted_value: str) -> list[str]:
        for name, text in variables(planted_value).items():
            monkeypatch.setenv(name, text)
        return _environment_command(what)(folder, planted_value)

    run_pair(tmp_path, capsys, value, command, f"environment: {what}")


@pytest.mark.parametrize("value", list(ENVIRONMENT_HOSTILE.values()), ids=list(ENVIRONMENT_HOSTILE))
def test_an_access_token_from_the_environment_never_leaves_its_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """The header is the slot: refused in one line naming GITLAB_TOKEN, or sent as one
    header of visible ASCII; never a traceback, never the token in the output."""
    token = f"glpat-{value}"
    monkeypatch.setenv("GITLAB_TOKEN", token)
    config = tmp_path / "config.toml"
    config.write_text(
        CONFIG.format(images=toml_list("alpine")).replace(URL, "https://127.0.0.1:9"), "utf-8"
    )
    outcome = run_cli(capsys, "server-check", str(config), "--no-verify", "--timeout", "1")
    assert "Traceback" not in outcome.everything
    assert token not in outcome.everything
    if header_problem("PRIVATE-TOKEN", token) is not None:
        assert outcome.code == 2
        assert len(outcome.err.strip().splitlines()) == 1, outcome.err
        assert "GITLAB_TOKEN" in outcome.err


def test_control_characters_are_refused_not_escaped_where_a_file_hands_them_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line break in a value bound for the ruleset or the checklist is refused: those
    files are read by people and tools that would not see an escape."""
    pair = run_pair(tmp_path, capsys, HOSTILE["lf"], config_to_artifacts, "config.toml: artifacts")
    assert not pair.wrote
    assert "runner-wizard.nft: allowed_images" in pair.hostile.err


def test_the_harness_covers_every_channel_and_generated_format() -> None:
    assert set(CHANNELS) == {
        "config.toml",
        "answers file",
        "preset",
        "helm values runners.config",
        "command-line flags",
    }
    assert ENVIRONMENT  # the environment channel: CI_SERVER_URL, RUNNER_NAME, GITLAB_TOKEN
    assert set(PARSERS) == {".nft", ".fragment", ".md", ".toml", ".yaml"}
    assert len(HOSTILE) >= 20
