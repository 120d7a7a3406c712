"""A fake machine in a temporary folder, for the host-check tests.

Files are owned by whoever runs the tests, so the fake ``gitlab-runner`` user
gets that uid (or 999 when the tests run as root, whose files are trusted
anyway): ownership findings then only appear where a test asks for them.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.base.model import Trust
from wizard.host import HostEnv, HostReport, run_host_checks

LINUX_ROOT = HostEnv(system="Linux", euid=0)
RUNNER_UID = os.getuid() if os.getuid() != 0 else 999
CONFIG = "/etc/gitlab-runner/config.toml"
TOKEN = "glrt-ThisIsNotARealTokenButLooksLikeOne9"

SHELL_CONFIG = f"""\
concurrent = 1

[[runners]]
  name = "shell-1"
  url = "https://gitlab.example.com"
  token = "{TOKEN}"
  executor = "shell"
"""

DOCKER_CONFIG = SHELL_CONFIG.replace('"shell"', '"docker"')


class FakeHost:
    """Builds the tree; ``check()`` runs the host checks against it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.chmod(0o755)

    def path(self, host_path: str) -> Path:
        return self.root / host_path.lstrip("/")

    def mkdir(self, host_path: str, mode: int = 0o755) -> Path:
        local = self.path(host_path)
        for folder in [
            *reversed(local.relative_to(self.root).parents),
            local.relative_to(self.root),
        ]:
            if not (self.root / folder).exists():
                (self.root / folder).mkdir()
                (self.root / folder).chmod(0o755)
        local.chmod(mode)
        return local

    def write(self, host_path: str, text: str | bytes, mode: int = 0o644) -> Path:
        local = self.path(host_path)
        if not local.parent.exists():
            self.mkdir(str(Path(host_path).parent))
        if isinstance(text, bytes):
            local.write_bytes(text)
        else:
            local.write_text(text, encoding="utf-8")
        local.chmod(mode)
        return local

    def symlink(self, host_path: str, target: str | Path) -> Path:
        local = self.path(host_path)
        if not local.parent.exists():
            self.mkdir(str(Path(host_path).parent))
        local.symlink_to(target)
        return local

    def users(
        self,
        *,
        shell: str = "/usr/sbin/nologin",
        name: str = "gitlab-runner",
        groups: str = "",
        uid: int = RUNNER_UID,
    ) -> None:
        self.write(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            f"{name}:x:{uid}:{uid}:GitLab Runner:/home/{name}:{shell}\n"
            "alice:x:1500:1500::/home/alice:/bin/bash\n",
        )
        self.write(
            "/etc/group",
            f"root:x:0:\n{name}:x:{uid}:\nalice:x:1500:\n{groups}",
        )
        self.mkdir(f"/home/{name}")

    def check(self, trust: Trust = Trust.MULTI_PROJECT, env: HostEnv = LINUX_ROOT) -> HostReport:
        return run_host_checks(self.root, Path(CONFIG), trust, env=env)


def standard_host(root: Path, config: str = SHELL_CONFIG) -> FakeHost:
    """A well-kept shell runner host: no findings at all."""
    host = FakeHost(root)
    host.users()
    host.mkdir("/etc/gitlab-runner", 0o700)
    host.write(CONFIG, config, 0o600)
    return host


def rules_found(report: HostReport) -> list[str]:
    return [finding.rule for finding in report.findings]


def rules_skipped(report: HostReport) -> dict[str, str]:
    return {skipped.rule_id: skipped.reason for skipped in report.skipped}


EXPIRING_CONFIG = SHELL_CONFIG + "  token_expires_at = 2031-01-01T00:00:00Z\n"
