"""The Ansible collection, end to end: real ansible-playbook runs against local hosts.

Each inventory host has its own config.toml (connection ``local``), so a play covers a
small fleet. The collection is built with ``ansible-galaxy collection build`` and installed
from that archive, as a user would. Results are recorded by the playbooks themselves
(``copy`` of the registered result), and every byte Ansible printed is searched for the
planted secrets.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_support import REPO_ROOT, RISKY_CONFIG, SECRETS

BIN = Path(sys.executable).parent
COLLECTION_SOURCE = REPO_ROOT / "ansible_collection"
NAMESPACE = "runner_wizard.gitlab_runner"
WIZARD = (sys.executable, "-m", "wizard")

if shutil.which("ansible-playbook", path=str(BIN)) is None:  # pragma: no cover - CI has it
    if os.environ.get("CI"):
        raise RuntimeError("ansible-core is in the test extra: the collection tests must run")
    pytest.skip("ansible-core is not installed", allow_module_level=True)

DOCKER_CONFIG = """\
concurrent = 2

# a docker runner that misses the safe fixes
[[runners]]
  name = "beta-docker"
  url = "https://gitlab.example.com"
  token = "glrt-BetaBetaBetaBetaBeta99"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
"""

SHELL_CONFIG = """\
concurrent = 1

[[runners]]
  name = "gamma-shell"
  url = "https://gitlab.example.com"
  token = "glrt-GammaGammaGammaGamma77"
  executor = "shell"
  debug_trace_disabled = true
"""

PLANTED = (*SECRETS, "glrt-BetaBetaBetaBetaBeta99", "glrt-GammaGammaGammaGamma77")
HOST_CONFIGS = {"alpha": RISKY_CONFIG, "beta": DOCKER_CONFIG, "gamma": SHELL_CONFIG}


@dataclass
class Played:
    code: int
    output: str
    results: dict[str, dict[str, Any]]


@dataclass
class Fleet:
    root: Path
    environment: dict[str, str]
    inventory: Path

    def config(self, host: str) -> Path:
        return self.root / host / "config.toml"

    def play(self, tasks: str, *options: str, hosts: str = "runners") -> Played:
        """Run ``tasks`` on ``hosts``; each host's registered ``result`` is recorded."""
        results = self.root / "results"
        shutil.rmtree(results, ignore_errors=True)
        results.mkdir()
        playbook = self.root / "play.yml"
        body = textwrap.indent(textwrap.dedent(tasks).strip(), " " * 4)
        playbook.write_text(
            f"- hosts: {hosts}\n  gather_facts: false\n  tasks:\n{body}\n"
            "    - name: Record the result\n"
            "      ansible.builtin.copy:\n"
            '        content: "{{ result | to_nice_json }}"\n'
            f'        dest: "{results}/{{{{ inventory_hostname }}}}.json"\n'
            "      delegate_to: localhost\n"
            "      check_mode: false\n"
            "      when: result is defined\n",
            encoding="utf-8",
        )
        return self.run_playbook(playbook, *options, results=results)

    def run_playbook(self, playbook: Path, *options: str, results: Path | None = None) -> Played:
        completed = subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(playbook), *options],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=self.root,
        )
        recorded = {}
        if results is not None:
            for path in results.glob("*.json"):
                recorded[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        return Played(completed.returncode, completed.stdout + completed.stderr, recorded)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection built into an archive and installed from it."""
    root = tmp_path_factory.mktemp("collection")
    environment = {**os.environ, "ANSIBLE_HOME": str(root / "home")}
    subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            *("collection", "build", str(COLLECTION_SOURCE), "--output-path", str(root)),
        ],
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    archives = list(root.glob("runner_wizard-gitlab_runner-*.tar.gz"))
    assert len(archives) == 1
    subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            *("collection", "install", str(archives[0]), "-p", str(root / "collections")),
        ],
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / "collections"


@pytest.fixture
def fleet(tmp_path: Path, installed: Path) -> Fleet:
    lines = ["[runners]"]
    for host, text in HOST_CONFIGS.items():
        folder = tmp_path / host
        folder.mkdir()
        config = folder / "config.toml"
        config.write_text(text, encoding="utf-8")
        config.chmod(0o644 if host != "gamma" else 0o600)
        lines.append(f"{host} runner_wizard_config={config}")
    lines += [
        "[runners:vars]",
        "ansible_connection=local",
        f"ansible_python_interpreter={sys.executable}",
    ]
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    environment = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(installed),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "PYTHONPATH": str(REPO_ROOT),
    }
    environment.pop("ANSIBLE_CONFIG", None)
    return Fleet(tmp_path, environment, inventory)


def snapshot(fleet: Fleet) -> dict[str, tuple[bytes, int, list[str]]]:
    """Every host's bytes, mode and the names in its folder."""
    return {
        host: (
            fleet.config(host).read_bytes(),
            stat.S_IMODE(fleet.config(host).stat().st_mode),
            sorted(p.name for p in fleet.config(host).parent.iterdir()),
        )
        for host in HOST_CONFIGS
    }


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in PLANTED if secret in text]
    assert not leaked, f"leaked: {leaked}"


def dry_run_changes(path: Path) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [sys.executable, "-m", "wizard", "harden", "--dry-run", "--format", "json", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    changes: list[dict[str, Any]] = json.loads(completed.stdout)["files"][0]["changes"]
    return changes


HARDEN = f"""
- name: Harden
  {NAMESPACE}.config_harden:
    path: "{{{{ runner_wizard_config }}}}"
  register: result
"""


def test_check_mode_writes_nothing_and_plans_what_harden_dry_run_plans(fleet: Fleet) -> None:
    before = snapshot(fleet)
    expected = {host: dry_run_changes(fleet.config(host)) for host in HOST_CONFIGS}
    played = fleet.play(HARDEN, "--check", "--diff")
    assert played.code == 0, played.output
    assert snapshot(fleet) == before  # not a byte, not a mode bit, no backup, no temp file
    for host in HOST_CONFIGS:
        assert played.results[host]["changes"] == expected[host], host
    assert played.results["alpha"]["changed"] is True
    assert played.results["alpha"]["mode_change"] == "0644 -> 0600"
    assert played.results["gamma"]["changed"] is False
    assert played.results["gamma"]["changes"] == []
    assert_no_secret(played.output + json.dumps(played.results))


def test_diff_is_shown_and_masked(fleet: Fleet) -> None:
    played = fleet.play(HARDEN, "--check", "--diff", "-vvv")
    assert played.code == 0, played.output
    assert "+  debug_trace_disabled = true" in played.output  # the diff itself is there
    assert_no_secret(played.output)


def test_real_run_writes_0600_with_a_backup_and_a_second_run_changes_nothing(
    fleet: Fleet,
) -> None:
    original = fleet.config("alpha").read_bytes()
    first = fleet.play(HARDEN, "--diff")
    assert first.code == 0, first.output
    assert_no_secret(first.output + json.dumps(first.results))
    alpha = first.results["alpha"]
    assert alpha["changed"] is True
    assert stat.S_IMODE(fleet.config("alpha").stat().st_mode) == 0o600
    backup = Path(alpha["backup_file"])
    assert backup.read_bytes() == original
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert b"debug_trace_disabled = true" in fleet.config("alpha").read_bytes()
    assert b"# The main docker runner" in fleet.config("alpha").read_bytes()  # comments kept
    assert first.results["gamma"]["changed"] is False
    assert "backup_file" not in first.results["gamma"]

    second = fleet.play(HARDEN)
    assert second.code == 0, second.output
    assert {host: result["changed"] for host, result in second.results.items()} == {
        "alpha": False,
        "beta": False,
        "gamma": False,
    }


def test_a_file_changed_between_read_and_write_is_refused(fleet: Fleet) -> None:
    """The runner rotates its token while the plan is made: the old token must not return."""
    rotated = RISKY_CONFIG.replace("glrt-AbCdEfGhIjKlMnOpQrStUv", "glrt-RotatedRotatedRotated1")
    wrapper = fleet.root / "rotating-planner"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'"{sys.executable}" -m wizard "$@"\n'
        "code=$?\n"
        f"cat > '{fleet.config('alpha')}' <<'EOF'\n{rotated}EOF\n"
        "exit $code\n",
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    played = fleet.play(
        f"""
        - name: Harden while the token rotates
          {NAMESPACE}.config_harden:
            path: "{{{{ runner_wizard_config }}}}"
            executable: "{wrapper}"
          register: result
          ignore_errors: true
        """,
        hosts="alpha",
    )
    assert played.results["alpha"]["failed"] is True
    assert "changed on disk since it was read" in played.results["alpha"]["msg"]
    assert fleet.config("alpha").read_text(encoding="utf-8") == rotated
    leftovers = sorted(p.name for p in fleet.config("alpha").parent.iterdir())
    assert leftovers == ["config.toml"]  # no backup, no temporary file
    assert_no_secret(played.output)


def test_config_audit_returns_masked_findings_counts_and_facts(fleet: Fleet) -> None:
    played = fleet.play(
        f"""
        - name: Audit
          {NAMESPACE}.config_audit:
            path: "{{{{ runner_wizard_config }}}}"
          register: result
        - name: The facts are set
          ansible.builtin.assert:
            that: ansible_facts.runner_wizard.counts == result.counts
        """,
        "--check",
    )
    assert played.code == 0, played.output
    alpha = played.results["alpha"]
    assert alpha["changed"] is False
    assert alpha["counts"]["critical"] >= 1
    assert sum(alpha["counts"].values()) == len(alpha["findings"])
    rules = {finding["rule"] for finding in alpha["findings"]}
    assert {"docker-socket-mount", "config-file-permissions"} <= rules
    assert_no_secret(played.output + json.dumps(played.results))


def test_config_audit_fails_at_fail_on_as_the_command_line_does(fleet: Fleet) -> None:
    played = fleet.play(
        f"""
        - name: Audit
          {NAMESPACE}.config_audit:
            path: "{{{{ runner_wizard_config }}}}"
            fail_on: critical
          register: result
          ignore_errors: true
        """
    )
    assert played.results["alpha"]["failed"] is True  # the docker socket is critical
    assert "failed" not in played.results["gamma"] or not played.results["gamma"]["failed"]


def test_fleet_playbook_merges_every_host_into_one_report(fleet: Fleet, installed: Path) -> None:
    playbook = installed / "ansible_collections/runner_wizard/gitlab_runner/playbooks"
    reports = fleet.root / "reports"
    reports.mkdir()
    played = fleet.run_playbook(
        playbook / "fleet_audit.yml",
        "-e",
        f"runner_wizard_report_dir={reports}",
        "-e",
        "runner_wizard_hosts=runners",
    )
    assert played.code == 0, played.output
    sarif = json.loads((reports / "fleet.sarif").read_text(encoding="utf-8"))
    hosts = {run["automationDetails"]["id"] for run in sarif["runs"]}
    assert hosts == {f"runner-wizard/{host}/" for host in HOST_CONFIGS}
    for run in sarif["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri.split("/", 1)[0] in HOST_CONFIGS
            assert result["ruleId"]
    quality = json.loads((reports / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert {issue["location"]["path"].split("/", 1)[0] for issue in quality} >= {"alpha", "beta"}
    assert len({issue["fingerprint"] for issue in quality}) == len(quality)
    summary = (reports / "fleet.txt").read_text(encoding="utf-8")
    for host in HOST_CONFIGS:
        assert summary.count(f"{host}: ") >= 1
    assert "fleet: 3 hosts" in summary
    assert_no_secret(played.output + summary + json.dumps(sarif) + json.dumps(quality))


BAD_TEMPLATE = """\
[[runners]]
  name = "{{ runner_name }}"
  url = "https://gitlab.example.com"
  token = "glrt-TemplateTemplateTempl1"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = {{ privileged | lower }}
    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]
"""


@pytest.mark.parametrize(("privileged", "accepted"), [("true", False), ("false", True)])
def test_audit_validate_is_an_ansible_template_validate_hook(
    fleet: Fleet, privileged: str, accepted: bool
) -> None:
    """Engines that own the file run the audit on their temporary file before installing it."""
    template = fleet.root / "config.toml.j2"
    template.write_text(
        BAD_TEMPLATE if not accepted else BAD_TEMPLATE.replace("    volumes = [", "    # ["),
        encoding="utf-8",
    )
    target = fleet.root / "rendered" / "config.toml"
    target.parent.mkdir()
    played = fleet.play(
        f"""
        - name: Render the runner configuration
          ansible.builtin.template:
            src: "{template}"
            dest: "{target}"
            mode: "0600"
            validate: "{sys.executable} -m wizard audit --validate --fail-on critical %s"
          vars:
            runner_name: rendered
            privileged: {privileged}
          register: result
          ignore_errors: true
        """,
        hosts="alpha",
    )
    assert target.exists() is accepted, played.output
    assert played.results["alpha"].get("failed", False) is (not accepted)
    if not accepted:
        result = played.results["alpha"]
        assert result["msg"] == "failed to validate"
        # Refused by the rules, not by a rendering mistake: the audit's own findings.
        assert "docker-socket-mount" in result["stdout"], result
        assert "invalid TOML" not in result["stderr"]
        assert_no_secret(json.dumps(result))


def test_validate_skips_the_file_mode_that_only_the_host_can_show(tmp_path: Path) -> None:
    loose = tmp_path / "ansible-tmp-x1y2"  # any name: the content decides
    loose.write_text(DOCKER_CONFIG, encoding="utf-8")
    loose.chmod(0o644)
    command = [sys.executable, "-m", "wizard", "audit", "--format", "json", "--fail-on", "high"]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    def rules(*extra: str) -> tuple[int, set[str]]:
        completed = subprocess.run(
            [*command, *extra, str(loose)], capture_output=True, env=environment, check=False
        )
        findings = json.loads(completed.stdout)["files"][0]["findings"]
        return completed.returncode, {finding["rule"] for finding in findings}

    host_code, on_host = rules()
    assert host_code == 1  # mode 0644 lets other users read the token: high
    assert "config-file-permissions" in on_host
    validate_code, validated = rules("--validate")
    assert validate_code == 0
    assert validated == on_host - {"config-file-permissions"}


def test_presets_export_ansible_vars_feeds_the_role_and_stays_literal(fleet: Fleet) -> None:
    out = fleet.root / "vars.yml"
    completed = subprocess.run(
        [*WIZARD, "presets", "export", "multi-project-docker", "--ansible-vars", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "runners.debug_trace_disabled" in completed.stdout  # named, not silently dropped
    variables = yaml.safe_load(out.read_text(encoding="utf-8"))
    hardening = variables["runner_wizard_multi_project_docker"]
    assert hardening["docker_privileged"] is False
    assert hardening["docker_pull_policy"] == ["always"]
    assert hardening["extra_configs"]["runners.docker"]["cap_drop"] == ["SETUID", "SETGID"]
    # Ansible itself reads the file as the role would use it.
    played = fleet.play(
        f"""
        - name: Load the exported variables
          ansible.builtin.include_vars:
            file: "{out}"
        - name: Combine them into a runner entry, as the role's list expects
          ansible.builtin.set_fact:
            result: "{{{{ runner_wizard_multi_project_docker | combine({{'name': 'b1'}}) }}}}"
        """,
        hosts="alpha",
    )
    assert played.code == 0, played.output
    assert played.results["alpha"]["extra_configs"]["runners.docker"]["security_opt"] == [
        "no-new-privileges:true"
    ]


def test_template_text_in_a_preset_reaches_ansible_as_text(fleet: Fleet) -> None:
    """A value that looks like a Jinja expression must never be evaluated by Ansible."""
    expression = "{{lookup('env','HOME')}}"
    preset = fleet.root / "evil.toml"
    preset.write_text(
        'name = "evil"\ndescription = "x"\ntrust = "multi-project"\n\n[answers]\n'
        'executor = "docker"\ndefault_image = "alpine:3.20"\n'
        f'allowed_images = ["{expression}"]\n',
        encoding="utf-8",
    )
    out = fleet.root / "vars.yml"
    completed = subprocess.run(
        [*WIZARD, "presets", "export", str(preset), "--ansible-vars", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"!unsafe {json.dumps(expression)}" in out.read_text(encoding="utf-8")
    played = fleet.play(
        f"""
        - name: Load the exported variables
          ansible.builtin.include_vars:
            file: "{out}"
        - name: Use them
          ansible.builtin.set_fact:
            result: "{{{{ runner_wizard_evil.extra_configs['runners.docker'] }}}}"
        """,
        hosts="alpha",
    )
    assert played.code == 0, played.output
    assert played.results["alpha"]["allowed_images"] == [expression]  # not the home folder


def test_check_mode_costs_little_more_per_host_than_harden_dry_run(fleet: Fleet) -> None:
    """The per-host cost of the module beside the command (printed for the issue note)."""
    config = fleet.config("alpha")
    started = time.perf_counter()
    for _ in range(3):
        dry_run_changes(config)
    command_seconds = (time.perf_counter() - started) / 3
    started = time.perf_counter()
    played = fleet.play(HARDEN, "--check")
    module_seconds = (time.perf_counter() - started) / len(HOST_CONFIGS)
    assert played.code == 0, played.output
    print(
        f"harden --dry-run {command_seconds:.2f} s/file; config_harden --check "
        f"{module_seconds:.2f} s/host (whole play / hosts)"
    )
    assert module_seconds < 30  # generous: a real regression is minutes, not seconds


def test_sanity_checks_the_collection_with_ansible_test(tmp_path: Path) -> None:
    """ansible-test sanity (validate-modules, pylint, pep8, yamllint, compile, import, ...)."""
    if os.environ.get("RUNNER_WIZARD_SKIP_ANSIBLE_TEST") and not os.environ.get("CI"):
        pytest.skip("RUNNER_WIZARD_SKIP_ANSIBLE_TEST is set")
    tree = tmp_path / "ansible_collections" / "runner_wizard" / "gitlab_runner"
    shutil.copytree(COLLECTION_SOURCE, tree)
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    _install_pip_bootstrap()
    completed = subprocess.run(
        [str(BIN / "ansible-test"), "sanity", "--local", "--python", _python_version()],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]


def _python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _install_pip_bootstrap() -> None:
    """ansible-test fetches a pip bootstrap script from a server outside the package index,
    which this workplace cannot reach; Python's bundled pip does the same job."""
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    source = REPO_ROOT / "tests" / "ansible_support" / "get_pip.py"
    for version in ("24_2", "25_0", "25_1", "25_2", "25_3"):
        target = cache / f"get_pip_{version}.py"
        if not target.exists():
            shutil.copyfile(source, target)


def test_the_collection_manifest_names_what_it_ships() -> None:
    galaxy = yaml.safe_load((COLLECTION_SOURCE / "galaxy.yml").read_text(encoding="utf-8"))
    assert (galaxy["namespace"], galaxy["name"]) == ("runner_wizard", "gitlab_runner")
    modules = {p.stem for p in (COLLECTION_SOURCE / "plugins" / "modules").glob("*.py")}
    assert {"config_audit", "config_harden", "host_check"} <= modules


def test_host_check_runs_the_host_rules_on_each_host(fleet: Fleet) -> None:
    played = fleet.play(
        f"""
        - name: Check the host
          {NAMESPACE}.host_check:
            path: "{{{{ runner_wizard_config }}}}"
          register: result
        """,
        "--check",
    )
    assert played.code == 0, played.output
    alpha = {finding["rule"] for finding in played.results["alpha"]["findings"]}
    gamma = {finding["rule"] for finding in played.results["gamma"]["findings"]}
    assert "host-config-permissions" in alpha  # written 0644 by the fixture
    assert "host-config-permissions" not in gamma  # 0600
    assert played.results["alpha"]["changed"] is False
    assert_no_secret(played.output + json.dumps(played.results))
