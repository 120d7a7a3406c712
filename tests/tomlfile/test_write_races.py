"""The config writer under attack: another process rewrites the file at every step of a write.

GitLab Runner rotates its token by rewriting ``config.toml`` in place
(``defaultConfigSaver.Save`` in ``common/config.go`` calls ``os.WriteFile``);
other tools write a new file and rename it. Whichever way, and at whichever
step of our write it happens, the rotated token must be what stays on disk.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ci import skip_even_in_ci, skipif_even_in_ci, unavailable
from wizard.base.errors import ConfigError, FileChangedError
from wizard.base.model import SetValue
from wizard.cli import main
from wizard.tomlfile import safe_write
from wizard.tomlfile.document import load_config

OLD_TOKEN = b"glrt-OLDTOKEN0123456789abcdef"
NEW_TOKEN = b"glrt-ROTATED0123456789abcdef"
CONFIG = (
    b"""concurrent = 1

[[runners]]
  name = "rotating"
  url = "https://gitlab.example.com"
  token = "%s"
  executor = "docker"
  [runners.docker]
    image = "alpine"
    privileged = true
"""
    % OLD_TOKEN
)
ROTATED = CONFIG.replace(OLD_TOKEN, NEW_TOKEN)
STEPS = ("staged", "backed-up", "checked", "exchanged", "replaced")

_IN_PLACE = "import sys; open(sys.argv[1], 'wb').write(sys.argv[2].encode())"
_BY_RENAME = (
    "import os, sys; tmp = sys.argv[1] + '.rot'; open(tmp, 'wb').write(sys.argv[2].encode()); "
    "os.rename(tmp, sys.argv[1])"
)


def rotate(path: Path, style: str) -> None:
    """Rotate the token the way another program would: a separate process."""
    script = _IN_PLACE if style == "in-place" else _BY_RENAME
    subprocess.run([sys.executable, "-c", script, str(path), ROTATED.decode()], check=True)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(CONFIG)
    path.chmod(0o600)
    return path


@pytest.fixture(params=["exchange", "fallback"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """With renameat2(RENAME_EXCHANGE), and as on a system without it."""
    if request.param == "fallback":
        monkeypatch.setattr(safe_write, "_renameat2_call", lambda: None)
    return str(request.param)


def others(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "config.toml")


@pytest.mark.parametrize("style", ["in-place", "by-rename"])
@pytest.mark.parametrize("step", STEPS)
def test_a_rotation_at_any_step_of_the_write_is_never_lost(
    config: Path, monkeypatch: pytest.MonkeyPatch, mode: str, step: str, style: str
) -> None:
    before = load_config(config)
    after = before.with_edits([SetValue(("runners", 0, "docker"), "privileged", False)])
    reached: list[str] = []

    def race(name: str) -> None:
        reached.append(name)
        if name == step:
            rotate(config, style)

    monkeypatch.setattr(safe_write, "_checkpoint", race)
    if mode == "fallback" and step in ("exchanged", "replaced"):
        # Without an exchange there are no such steps: the final rename is the write.
        safe_write.write_document(before, after)
        assert step not in reached
        return
    with pytest.raises(FileChangedError):
        safe_write.write_document(before, after)
    assert config.read_bytes() == ROTATED, "the rotated token must stay"
    assert others(config.parent) == [], "no temporary file and no backup when nothing was written"


def test_the_cli_refuses_a_rotation_during_harden(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The case that was lost 20 times out of 20: a rotation after the first check."""
    monkeypatch.setattr(
        safe_write,
        "_checkpoint",
        lambda name: rotate(config, "in-place") if name == "staged" else None,
    )
    code = main(["harden", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert "changed on disk" in err
    assert config.read_bytes() == ROTATED
    assert NEW_TOKEN.decode() not in err
    assert OLD_TOKEN.decode() not in err


def test_a_file_swapped_in_by_rename_between_exchange_and_swap_back_stays(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotated in place before the exchange, renamed over ours right after it: the newest stays."""
    before = load_config(config)
    after = before.with_edits([SetValue(("runners", 0, "docker"), "privileged", False)])
    newest = ROTATED.replace(b'name = "rotating"', b'name = "newest"')
    config.write_bytes(ROTATED)  # rotated after we read: the swapped-out file is not ours
    original = safe_write._renameat2
    calls = {"exchange": 0}

    def exchange_then_race(source: Path, target: Path, flags: int) -> bool:
        done = original(source, target, flags)
        calls["exchange"] += 1
        if calls["exchange"] == 1:  # right after our file went in: someone renames over it
            (config.parent / "new").write_bytes(newest)
            os.rename(config.parent / "new", config)
        return done

    monkeypatch.setattr(safe_write, "_renameat2", exchange_then_race)
    # The first check passes only if we hide the in-place rotation from it.
    monkeypatch.setattr(safe_write, "_check_unchanged", lambda *_args: None)
    with pytest.raises(FileChangedError):
        safe_write.write_document(before, after)
    assert config.read_bytes() == newest
    assert others(config.parent) == []


# -- everything else a careful root tool does ------------------------------------------


def test_a_write_killed_halfway_leaves_a_temporary_file_the_next_run_removes(
    config: Path,
) -> None:
    script = (
        "import os, signal, sys\n"
        "from wizard.tomlfile import safe_write\n"
        "from wizard.tomlfile.document import load_config\n"
        "from wizard.base.model import SetValue\n"
        "before = load_config(__import__('pathlib').Path(sys.argv[1]))\n"
        "after = before.with_edits([SetValue((), 'concurrent', 2)])\n"
        "safe_write._checkpoint = lambda step: os.kill(os.getpid(), signal.SIGKILL)\n"
        "safe_write.write_document(before, after)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", script, str(config)], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    stale = [name for name in others(config.parent) if name.endswith(".tmp")]
    assert len(stale) == 1, "the killed run left its temporary file (holding the token)"
    assert stat.S_IMODE((config.parent / stale[0]).stat().st_mode) == 0o600
    before = load_config(config)
    safe_write.write_document(before, before.with_edits([SetValue((), "concurrent", 3)]))
    assert [name for name in others(config.parent) if name.endswith(".tmp")] == []


def test_a_temporary_file_of_a_live_run_is_left_alone(config: Path) -> None:
    live = config.parent / f".config.toml.{os.getpid()}.0123456789ab.tmp"
    live.write_bytes(b"")
    foreign = config.parent / ".config.toml.1.notours.tmp"
    foreign.write_bytes(b"")
    before = load_config(config)
    safe_write.write_document(before, before.with_edits([SetValue((), "concurrent", 3)]))
    assert live.exists()
    assert foreign.exists(), "not our naming: not ours to remove"


def test_parallel_backups_get_distinct_names(config: Path) -> None:
    before = load_config(config)
    assert before.disk is not None
    names: list[Path] = []
    lock = threading.Lock()

    def one() -> None:
        name = safe_write._write_backup(config, before.disk)  # type: ignore[arg-type]
        with lock:
            names.append(name)

    threads = [threading.Thread(target=one) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(names)) == 16
    assert all(name.read_bytes() == CONFIG for name in names)


def test_a_hard_linked_config_is_named(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.chmod(0o644)
    other = config.parent / "copy-for-monitoring.toml"
    os.link(config, other)
    code = main(["harden", str(config)])
    out = capsys.readouterr().out
    assert code == 0
    assert "hard link" in out
    assert "0644" in out
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_symlinked_configs_target_mode_change_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "data" / "config.toml"
    target.parent.mkdir()
    target.write_bytes(CONFIG)
    target.chmod(0o640)
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    code = main(["harden", str(link)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"its target {target} changed mode from 0640 to 0600" in out
    assert link.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def _acl(uid: int) -> bytes:
    """A POSIX ACL as the kernel stores it: owner rw, user ``uid`` r, group -, mask r, other -."""
    import struct

    entries = [(0x01, 6, 0xFFFFFFFF), (0x02, 4, uid), (0x04, 0, 0xFFFFFFFF)]
    entries += [(0x10, 4, 0xFFFFFFFF), (0x20, 0, 0xFFFFFFFF)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def test_acls_and_extended_attributes_are_kept(config: Path) -> None:
    try:
        os.setxattr(config, "user.owner-team", b"ci")
        os.setxattr(config, "system.posix_acl_access", _acl(65534))
    except OSError as error:
        unavailable(f"no extended attributes here: {error}")
    before = load_config(config)
    safe_write.write_document(before, before.with_edits([SetValue((), "concurrent", 2)]))
    assert os.getxattr(config, "user.owner-team") == b"ci"
    assert os.getxattr(config, "system.posix_acl_access") == _acl(65534), (
        "the runner user given read access by ACL keeps it"
    )


# -- new files ---------------------------------------------------------------------------


def _nobody() -> tuple[int, int]:
    import pwd

    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        unavailable("no 'nobody' user")
    return entry.pw_uid, entry.pw_gid


@skipif_even_in_ci(os.geteuid() != 0, "plants another user's link, which only root can do")
def test_new_does_not_follow_another_users_dangling_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    uid, gid = _nobody()
    top = Path(tempfile.mkdtemp(prefix="rw-shared-"))  # outside pytest's owner-only folder
    request_cleanup = top
    top.chmod(0o755)
    shared = top / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "victim" / "file"
    victim.parent.mkdir()
    link = shared / "config.toml"
    pid = os.fork()
    if pid == 0:  # the other user plants the link
        try:
            os.setgid(gid)
            os.setuid(uid)
            link.symlink_to(victim)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert link.is_symlink()
    assert os.lstat(link).st_uid == uid
    monkeypatch.setenv("CI_SERVER_TOKEN", OLD_TOKEN.decode())
    argv = ["new", str(link), "--preset", "trusted-docker", "--name", "x"]
    argv += ["--url", "https://gitlab.example.com", "--non-interactive"]
    code = main([*argv, "--allow-unsafe-path"])
    err = capsys.readouterr().err
    assert code == 2
    assert "symbolic link to a missing file" in err
    assert not victim.exists()
    link.unlink()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "can be written by any user" in err
    assert not link.exists()
    code = main([*argv, "--allow-unsafe-path"])
    assert code == 0, capsys.readouterr().err
    assert OLD_TOKEN in link.read_bytes()
    assert not link.is_symlink()
    shutil.rmtree(request_cleanup)


def test_a_link_planted_after_the_check_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The final step never follows a link: a new file is renamed in only if nothing is there."""
    from wizard.tomlfile.document import new_config

    path = tmp_path / "config.toml"
    victim = tmp_path / "victim"
    before = new_config(path)
    after = before.with_edits([SetValue((), "concurrent", 1)])
    original = safe_write._stage

    def stage_then_plant(*args: Any, **kwargs: Any) -> Path:
        staged = original(*args, **kwargs)
        path.symlink_to(victim)
        return staged

    monkeypatch.setattr(safe_write, "_stage", stage_then_plant)
    with pytest.raises(FileChangedError):
        safe_write.write_document(before, after)
    assert not victim.exists()
    assert others(tmp_path) == []
    assert path.is_symlink()


# -- a full disk -------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system, so 'no space left' comes from the kernel."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        if os.geteuid() != 0:
            skip_even_in_ci("mounting a small file system needs root")
        unavailable(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def _fill(filler: Path) -> None:
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"x" * 1024):
            pass
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(descriptor)


def test_a_full_disk_says_so_and_leaves_no_backup(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = small_disk / "config.toml"
    config.write_bytes(CONFIG)
    filler = small_disk / "filler"
    _fill(filler)
    for _ in range(2):  # a retry adds nothing either
        code = main(["harden", str(config)])
        err = capsys.readouterr().err
        assert code == 2
        assert "no space left on the device; nothing written" in err
        assert config.read_bytes() == CONFIG
        assert sorted(p.name for p in small_disk.iterdir()) == ["config.toml", "filler"]


def test_a_failed_exchange_removes_the_backup(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = load_config(config)

    def full(*_args: Any) -> bool:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(safe_write, "_renameat2", full)
    with pytest.raises(ConfigError, match="no space left on the device; nothing written"):
        safe_write.write_document(before, before.with_edits([SetValue((), "concurrent", 2)]))
    assert config.read_bytes() == CONFIG
    assert others(config.parent) == []
