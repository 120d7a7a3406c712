"""The generated ruleset in a real kernel: a job container cannot reach the metadata address.

Three network namespaces stand in for the runner host, a job container on
``docker0`` and the network beyond (the metadata address and GitLab). Needs
root, ``ip`` and ``nft``; skipped when not root, even in CI, since the static
checks in ``test_artifacts.py`` cover the file itself. As root a missing tool
fails in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ci import skip_even_in_ci, unavailable
from wizard.answers.model import Answers
from wizard.answers.steps import recommended
from wizard.artifacts import NFT_FILE, generate_artifacts
from wizard.base.model import Executor

PORT = 8080
GITLAB = "10.9.0.2"
PEER = "10.9.0.3"
METADATA = "169.254.169.254"

SERVER = f"""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", {PORT}))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"ok")
    c.close()
"""

CLIENT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5).close()
except OSError:
    sys.exit(1)
"""


def _can_build_namespaces() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    if shutil.which("ip") is None or shutil.which("nft") is None:
        return False
    name = f"rwprobe{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
    if made.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
    return True


_NEEDS_ROOT = "builds network namespaces, which only root can do"


@pytest.fixture(autouse=True)
def _namespaces_available() -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        skip_even_in_ci(_NEEDS_ROOT)
    if not _can_build_namespaces():
        unavailable("needs ip and nft (apt-get install iproute2 nftables) and network namespaces")


class Lab:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.host, self.job, self.net = f"rwh{tag}", f"rwj{tag}", f"rwn{tag}"

    def sh(self, ns: str, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", ns, *command], capture_output=True, text=True, check=check
        )

    def build(self) -> None:
        for ns in (self.host, self.job, self.net):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            self.sh(ns, "ip", "link", "set", "lo", "up")
        subprocess.run(
            ["ip", "link", "add", "docker0", "netns", self.host, "type", "veth",
             "peer", "name", "eth0", "netns", self.job],
            check=True,
        )  # fmt: skip
        subprocess.run(
            ["ip", "link", "add", "uplink", "netns", self.host, "type", "veth",
             "peer", "name", "eth0", "netns", self.net],
            check=True,
        )  # fmt: skip
        for ns, device, address in (
            (self.host, "docker0", "172.17.0.1/16"),
            (self.host, "uplink", "10.9.0.1/24"),
            (self.job, "eth0", "172.17.0.2/16"),
            (self.net, "eth0", f"{GITLAB}/24"),
        ):
            self.sh(ns, "ip", "addr", "add", address, "dev", device)
            self.sh(ns, "ip", "link", "set", device, "up")
        self.sh(self.net, "ip", "addr", "add", f"{PEER}/24", "dev", "eth0")
        self.sh(self.net, "ip", "addr", "add", f"{METADATA}/32", "dev", "lo")
        self.sh(self.net, "ip", "route", "add", "default", "via", "10.9.0.1")
        self.sh(self.job, "ip", "route", "add", "default", "via", "172.17.0.1")
        self.sh(self.host, "ip", "route", "add", f"{METADATA}/32", "via", GITLAB)
        self.sh(self.host, "sysctl", "-qw", "net.ipv4.ip_forward=1")

    def reaches(self, ns: str, address: str) -> bool:
        result = self.sh(ns, sys.executable, "-c", CLIENT, address, str(PORT), check=False)
        return result.returncode == 0

    def destroy(self) -> None:
        for ns in (self.host, self.job, self.net):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab()
    server = None
    try:
        lab.build()
        server = subprocess.Popen(
            ["ip", "netns", "exec", lab.net, sys.executable, "-c", SERVER],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if lab.reaches(lab.net, GITLAB):
                break
            time.sleep(0.1)
        yield lab
    finally:
        if server is not None:
            server.kill()
            server.wait()
        lab.destroy()


def _ruleset(tmp_path: Path) -> Path:
    answers = recommended(Answers(executor=Executor.DOCKER))
    files = generate_artifacts(answers, gitlab_url=f"https://{GITLAB}", executor=None)
    path = tmp_path / NFT_FILE
    path.write_text(files[NFT_FILE])
    return path


def test_loaded_ruleset_blocks_metadata_but_not_gitlab_or_the_host(
    lab: Lab, tmp_path: Path
) -> None:
    assert lab.reaches(lab.job, METADATA), "the lab itself must route before the rules load"
    ruleset = _ruleset(tmp_path)
    lab.sh(lab.host, "nft", "-f", str(ruleset))
    assert not lab.reaches(lab.job, METADATA)
    assert lab.reaches(lab.job, GITLAB)
    assert lab.reaches(lab.host, METADATA), "the host's own traffic is never filtered"


def test_peers_are_blocked_but_gitlab_stays_reachable(lab: Lab, tmp_path: Path) -> None:
    lab.sh(lab.host, "nft", "-f", str(_ruleset(tmp_path)))
    assert lab.reaches(lab.job, PEER)
    lab.sh(lab.host, "nft", "add", "element", "inet", "runner_wizard", "runner_peers",
           "{ 10.9.0.0/24 }")  # fmt: skip
    assert not lab.reaches(lab.job, PEER)
    assert lab.reaches(lab.job, GITLAB), "GitLab is accepted before the peer drop"


def test_loading_twice_replaces_only_its_own_table(lab: Lab, tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path)
    lab.sh(lab.host, "nft", "add", "table", "inet", "someone_else")
    lab.sh(lab.host, "nft", "-f", str(ruleset))
    lab.sh(lab.host, "nft", "add", "element", "inet", "runner_wizard", "runner_peers",
           "{ 10.9.0.3 }")  # fmt: skip
    lab.sh(lab.host, "nft", "-f", str(ruleset))
    tables = lab.sh(lab.host, "nft", "list", "tables").stdout.split("\n")
    assert sorted(t for t in tables if t) == ["table inet runner_wizard", "table inet someone_else"]
    assert lab.reaches(lab.job, PEER), "reloading starts from the file again"
    assert not lab.reaches(lab.job, METADATA)
