"""Runners of every executor and a values file that the parity tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import CORPUS_DIR

HELM_VALUES_DIR = (
    CORPUS_DIR.parent / "helm-values"
    if CORPUS_DIR is not None and (CORPUS_DIR.parent / "helm-values").is_dir()
    else None
)
"""The Helm values files beside the config corpus (``../shared/corpus/helm-values``)."""


EXECUTOR_CONFIGS = {
    "shell": """\
[[runners]]
  name = "sh"
  url = "https://gitlab.example.com"
  token = "glrt-SHELLshellSHELL12345"
  executor = "shell"
""",
    "ssh": """\
[[runners]]
  name = "remote"
  url = "https://gitlab.example.com"
  token = "glrt-SSHsshSSHssh123456"
  executor = "ssh"
  [runners.ssh]
    host = "build.example.com"
    user = "ci"
    identity_file = "/home/ci/.ssh/id_ed25519"
""",
    "kubernetes": """\
[[runners]]
  name = "k8s"
  url = "https://gitlab.example.com"
  token = "glrt-K8Sk8sK8Sk8s123456"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
    image = "alpine:3.20"
""",
    "docker-autoscaler": """\
[[runners]]
  name = "fleet"
  url = "https://gitlab.example.com"
  token = "glrt-FLEETfleetFLEET1234"
  executor = "docker-autoscaler"
  [runners.docker]
    image = "alpine:3.20"
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 1
    max_instances = 10
""",
    "instance": """\
[[runners]]
  name = "vms"
  url = "https://gitlab.example.com"
  token = "glrt-VMSvmsVMSvms123456"
  executor = "instance"
  [runners.autoscaler]
    plugin = "googlecompute"
    capacity_per_instance = 1
    max_instances = 5
""",
    "custom": """\
[[runners]]
  name = "own"
  url = "https://gitlab.example.com"
  token = "glrt-OWNownOWNown123456"
  executor = "custom"
  [runners.custom]
    prepare_exec = "/opt/ci/prepare.sh"
    run_exec = "/opt/ci/run.sh"
    cleanup_exec = "/opt/ci/cleanup.sh"
""",
}
"""One runner of each executor the questions treat differently, with nothing unusual:
pressing Enter through either wizard must keep each as it is."""

VALUES_FILE = "22-sno-runner-values.yaml"
"""A Helm values file whose config.toml template runs the kubernetes executor."""


def values_file(name: str) -> Path:
    folder = HELM_VALUES_DIR
    if folder is None or not (folder / name).is_file():
        pytest.skip("no Helm values corpus found (add ../shared)")
    return folder / name
