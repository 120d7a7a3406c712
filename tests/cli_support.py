"""What the command-line tests share: configs full of risks and secrets, and ways to run the CLI.

The risky config plants a secret of every kind the runner's file holds (runner
tokens, S3 keys, an SSH password, a bearer token, credentials inside
``environment`` and ``MachineOptions``), so any output that leaks one is caught
by :func:`assert_no_secret`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wizard.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]

SECRETS = (
    "glrt-AbCdEfGhIjKlMnOpQrStUv",
    "glrt-ZyXwVuTsRqPoNmLkJiHgFe",
    "glrt-KubeKubeKubeKube1234",
    "AKIAEXAMPLEACCESSKEY1",
    "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY",
    "hunter2-very-secret-pw",
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IkJlYXJlclRva2VuIn0",
    "MachineSecretValue0987654321",
    "EnvSecretValue1234567890abcdef",
)
"""Every secret planted in :data:`RISKY_CONFIG`; none may appear in any output."""

RISKY_CONFIG = """\
# Global settings, kept by every edit
concurrent = 4
check_interval = 0

[session_server]
  session_timeout = 1800

# The main docker runner
[[runners]]
  name = "docker-main"
  url = "https://gitlab.example.com"
  token = "glrt-AbCdEfGhIjKlMnOpQrStUv"
  executor = "docker"
  environment = ["AWS_SECRET_ACCESS_KEY=EnvSecretValue1234567890abcdef", "LANG=C"]
  [runners.cache]
    Type = "s3"
    [runners.cache.s3]
      ServerAddress = "s3.example.com"
      AccessKey = "AKIAEXAMPLEACCESSKEY1"
      SecretKey = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY"
      BucketName = "runner-cache"
  [runners.docker]
    # privileged so that docker:dind works
    image = "alpine:3.20"
    privileged = true
    volumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock"]

# A build box reached over SSH
[[runners]]
  name = "ssh-box"
  url = "https://gitlab.example.com"
  token = "glrt-ZyXwVuTsRqPoNmLkJiHgFe"
  executor = "ssh"
  [runners.ssh]
    user = "deploy"
    password = "hunter2-very-secret-pw"
    host = "build.example.com"
    disable_strict_host_key_checking = true

[[runners]]
  name = "kube"
  url = "http://gitlab.internal.example"
  token = "glrt-KubeKubeKubeKube1234"
  executor = "kubernetes"
  [runners.kubernetes]
    host = "https://k8s.example.com"
    bearer_token = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkJlYXJlclRva2VuIn0"
    privileged = true

[[runners]]
  name = "autoscaled"
  url = "https://gitlab.example.com"
  token = "$RUNNER_TOKEN"
  executor = "docker+machine"
  [runners.docker]
    image = "alpine:3.20"
  [runners.machine]
    MachineDriver = "amazonec2"
    MachineName = "auto-%s"
    MachineOptions = ["amazonec2-secret-key=MachineSecretValue0987654321", "amazonec2-region=eu"]
"""

MEDIUM_ONLY_CONFIG = """\
[[runners]]
  name = "tidy"
  url = "https://gitlab.example.com"
  token = "glrt-TidyTidyTidyTidy5678"
  executor = "docker"
  debug_trace_disabled = true
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
"""
"""A docker runner whose worst findings are medium: it tells thresholds apart."""


@dataclass(frozen=True)
class Outcome:
    """One command's exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def everything(self) -> str:
        return self.out + self.err


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    """Run ``runner-wizard ARGV`` in this process, as the console script would."""
    capsys.readouterr()  # drop anything printed before this call
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse exits for --help, --version and usage errors
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def run_process(*argv: str, cwd: Path | None = None) -> Outcome:
    """Run ``python -m wizard ARGV`` in a fresh interpreter: the whole-process behaviour."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "wizard", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def write_config(folder: Path, text: str, *, name: str = "config.toml", mode: int = 0o600) -> Path:
    """A config file with the mode the runner would give it (0600 unless a test says not)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def assert_no_secret(output: str) -> None:
    """No planted secret, whole, appears in ``output``."""
    leaked = [secret for secret in SECRETS if secret in output]
    assert not leaked, f"secrets leaked into output: {leaked}"
