"""The safe writer and every bad input: the file on disk is either the new text or untouched.

Each failure is checked the same way: one ``ConfigError`` (or, through the CLI,
one line on stderr and exit code 2), the original bytes unchanged, and no
temporary file left in the folder.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import wizard.commands.harden as harden_command
from wizard.base.errors import ConfigError, FileChangedError
from wizard.base.model import SetValue
from wizard.cli import main
from wizard.tomlfile import safe_write
from wizard.tomlfile.document import ConfigDocument, load_config, new_config

CONFIG = b"""\
concurrent = 1 # keep me

[[runners]]
  name = "writer"
  url = "https://gitlab.example.com"
  token = "glrt-WRITERTOKEN0123456789ab"
  executor = "docker"
  [runners.docker]
    image = "alpine"
    privileged = true
"""

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "config.toml"
    path.write_bytes(CONFIG)
    path.chmod(0o644)
    return path


def edited(path: Path) -> tuple[ConfigDocument, ConfigDocument]:
    before = load_config(path)
    after = before.with_edits([SetValue(("runners", 0, "docker"), "privileged", False)])
    return before, after


def leftovers(folder: Path, *, allow_backup: bool = False) -> list[str]:
    """Files other than the config itself (and its backup, when allowed)."""
    names = sorted(p.name for p in folder.iterdir() if p.name != "config.toml")
    return [name for name in names if not (allow_backup and name.endswith(".bak"))]


def assert_untouched(path: Path) -> None:
    assert path.read_bytes() == CONFIG
    assert leftovers(path.parent) == []


# -- a successful write ----------------------------------------------------------------


def test_write_replaces_the_file_sets_0600_and_keeps_a_backup(config: Path) -> None:
    before, after = edited(config)
    backup = safe_write.write_document(before, after).backup
    assert config.read_bytes() == after.to_bytes()
    assert b"privileged = false" in config.read_bytes()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert backup is not None
    assert backup.parent == config.parent
    assert backup.name.startswith("config.toml.")
    assert backup.name.endswith(".bak")
    assert backup.read_bytes() == CONFIG
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600, "the backup holds the token too"
    assert leftovers(config.parent, allow_backup=True) == []


def test_no_backup_when_asked(config: Path) -> None:
    before, after = edited(config)
    assert safe_write.write_document(before, after, backup=False).backup is None
    assert leftovers(config.parent) == []
    assert config.read_bytes() == after.to_bytes()


def test_backups_of_the_same_second_do_not_overwrite_each_other(config: Path) -> None:
    before, after = edited(config)
    first = safe_write.write_document(before, after).backup
    second_before = load_config(config)
    second_after = second_before.with_edits([SetValue(("runners", 0), "limit", 1)])
    second = safe_write.write_document(second_before, second_after).backup
    assert first is not None
    assert second is not None
    assert first != second
    assert first.read_bytes() == CONFIG
    assert second.read_bytes() == after.to_bytes()


def test_owner_is_kept(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = edited(config)
    assert before.disk is not None
    before = replace(before, disk=replace(before.disk, uid=4321, gid=8765))
    calls: list[tuple[int, int, int]] = []
    monkeypatch.setattr(os, "fchown", lambda fd, uid, gid: calls.append((fd, uid, gid)))
    safe_write.write_document(before, after, backup=False)
    assert [(uid, gid) for _, uid, gid in calls] == [(4321, 8765)]


def test_an_owner_we_may_not_set_is_not_an_error(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as the file's own user, chown to that user is refused on some systems."""
    before, after = edited(config)

    def refuse(*_args: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refuse)
    safe_write.write_document(before, after, backup=False)
    assert config.read_bytes() == after.to_bytes()


def test_a_new_file_is_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    before = new_config(path)
    after = before.with_edits([SetValue((), "concurrent", 1)])
    assert safe_write.write_document(before, after).backup is None, "nothing to back up"
    assert path.read_bytes() == b"concurrent = 1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_new_file_that_appeared_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    before = new_config(path)
    after = before.with_edits([SetValue((), "concurrent", 1)])
    path.write_bytes(b"concurrent = 9\n")
    with pytest.raises(FileChangedError, match="created by something else"):
        safe_write.write_document(before, after)
    assert path.read_bytes() == b"concurrent = 9\n"


def test_tighten_mode_changes_only_the_mode(config: Path) -> None:
    document = load_config(config)
    safe_write.tighten_mode(document)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert config.read_bytes() == CONFIG
    assert safe_write.is_owner_only(config.stat().st_mode)
    assert not safe_write.is_owner_only(0o100640)


# -- refusing to write -----------------------------------------------------------------


def test_a_file_changed_since_it_was_read_is_not_overwritten(config: Path) -> None:
    before, after = edited(config)
    rotated = CONFIG.replace(b"glrt-WRITERTOKEN0123456789ab", b"glrt-ROTATEDTOKEN012345678")
    config.write_bytes(rotated)
    with pytest.raises(FileChangedError, match="changed on disk since it was read") as caught:
        safe_write.write_document(before, after)
    assert str(caught.value).startswith(str(config))
    assert config.read_bytes() == rotated
    assert leftovers(config.parent) == []


def test_a_file_deleted_since_it_was_read_is_not_recreated(config: Path) -> None:
    before, after = edited(config)
    config.unlink()
    with pytest.raises(FileChangedError, match="deleted"):
        safe_write.write_document(before, after)
    assert not config.exists()


def test_tighten_mode_refuses_a_changed_file(config: Path) -> None:
    document = load_config(config)
    config.write_bytes(b"concurrent = 2\n")
    with pytest.raises(FileChangedError):
        safe_write.tighten_mode(document)
    assert stat.S_IMODE(config.stat().st_mode) == 0o644


def _refuse_temporaries(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """Creating our temporary file fails, as in a folder we cannot write to."""
    real_open = os.open

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".tmp"):
            raise OSError(number, os.strerror(number), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def _refuse_reading(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    real_open = os.open

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path) == str(target) and not flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def _raise(number: int) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(number, os.strerror(number))

    return fail


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (errno.EACCES, "permission denied writing to its folder"),
        (errno.EPERM, "permission denied writing to its folder"),
        (errno.EROFS, "read-only"),
        (errno.ENOENT, "folder does not exist"),
    ],
)
def test_a_folder_we_cannot_write_leaves_the_file_alone(
    config: Path, monkeypatch: pytest.MonkeyPatch, number: int, message: str
) -> None:
    before, after = edited(config)
    _refuse_temporaries(monkeypatch, number)
    with pytest.raises(ConfigError, match=message) as caught:
        safe_write.write_document(before, after)
    assert "nothing written" in str(caught.value)
    assert_untouched(config)


@pytest.mark.parametrize("step", ["write", "fsync", "fchmod"])
def test_a_failure_halfway_leaves_no_temporary_file(
    config: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    before, after = edited(config)
    real = getattr(os, step)
    calls = {"count": 0}

    def fail_on_the_config(*args: Any, **kwargs: Any) -> Any:
        # The new text is staged first with the same steps; let it through.
        calls["count"] += 1
        if calls["count"] == 1:
            return real(*args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, step, fail_on_the_config)
    with pytest.raises(ConfigError, match="no space left"):
        safe_write.write_document(before, after)
    assert config.read_bytes() == CONFIG
    assert leftovers(config.parent) == [], "nothing written means no backup either"


def test_a_full_disk_while_writing_the_backup_writes_nothing(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = edited(config)
    monkeypatch.setattr(os, "write", _raise(errno.ENOSPC))
    with pytest.raises(ConfigError, match="no space left on the device; nothing written"):
        safe_write.write_document(before, after)
    assert_untouched(config)


def test_a_short_write_is_completed(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.write`` may write fewer bytes than asked; the rest must follow."""
    before, after = edited(config)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    safe_write.write_document(before, after, backup=False)
    assert config.read_bytes() == after.to_bytes()


# -- reading failures (API) ------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_unreadable_file(config: Path) -> None:
    """Mode 000 stops every reader but root, who reads it as the runner (run as root) does;
    the refusal itself is proven for root too by the monkeypatched test below."""
    config.chmod(0)
    try:
        if RUNNING_AS_ROOT:
            assert load_config(config).text == config.read_text(encoding="utf-8")
        else:
            with pytest.raises(ConfigError, match="permission denied"):
                load_config(config)
    finally:
        config.chmod(0o600)


def test_unreadable_file_when_reading_is_refused(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_reading(monkeypatch, config)
    with pytest.raises(ConfigError, match="permission denied") as caught:
        load_config(config)
    assert str(caught.value).startswith(str(config))


def test_oversized_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wizard.tomlfile.document as document_module

    monkeypatch.setattr(document_module, "MAX_CONFIG_BYTES", 10)
    with pytest.raises(ConfigError, match="far smaller"):
        load_config(config)


# -- through the command line ----------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(err: str, path: Path | str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("runner-wizard: error: ")
    assert str(path) in lines[0]
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["audit", "harden"])
def test_cli_invalid_toml_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = tmp_path / "config.toml"
    broken = b'concurrent = 1\n[[runners]]\n  name = "x\n'
    path.write_bytes(broken)
    code, _out, err = run_cli(capsys, command, str(path))
    assert code == 2
    assert_one_error_line(err, path, "invalid TOML")
    assert re.search(r":3:\d+: |line 3, column \d+", err), err
    assert path.read_bytes() == broken
    assert leftovers(tmp_path) == []


def test_cli_invalid_toml_line_and_column_as_path_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"a = 1\nb = = 2\n")
    code, _out, err = run_cli(capsys, "harden", str(path))
    assert code == 2
    assert_one_error_line(err, f"{path}:2:5", "invalid TOML")


@pytest.mark.parametrize("command", ["audit", "harden"])
@pytest.mark.parametrize(
    "case",
    [
        ("missing", "no such file"),
        ("directory", "is a directory"),
        ("not-utf8", "not UTF-8"),
        ("unreadable", "permission denied"),
    ],
)
def test_cli_unreadable_inputs(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    case: tuple[str, str],
) -> None:
    setup, needle = case
    path = tmp_path / "config.toml"
    if setup == "directory":
        path.mkdir()
    elif setup == "not-utf8":
        path.write_bytes(b"name = '\xff\xfe'\n")
    elif setup == "unreadable":
        path.write_bytes(CONFIG)
        _refuse_reading(monkeypatch, path)
    code, _out, err = run_cli(capsys, command, str(path))
    assert code == 2
    assert_one_error_line(err, path, needle)
    if setup == "not-utf8":
        assert path.read_bytes() == b"name = '\xff\xfe'\n"
    if setup == "unreadable":
        monkeypatch.undo()
        assert path.read_bytes() == CONFIG
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ([] if setup == "missing" else ["config.toml"])


@pytest.mark.parametrize(
    ("number", "needle"),
    [
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only"),
    ],
)
def test_cli_harden_in_a_folder_we_cannot_write(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    number: int,
    needle: str,
) -> None:
    _refuse_temporaries(monkeypatch, number)
    code, _out, err = run_cli(capsys, "harden", str(config))
    assert code == 2
    assert_one_error_line(err, config, needle, "nothing written")
    assert_untouched(config)


def test_cli_harden_on_a_full_disk(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "write", _raise(errno.ENOSPC))
    code, _out, err = run_cli(capsys, "harden", str(config))
    assert code == 2
    assert_one_error_line(err, config, "no space left")
    assert_untouched(config)


def test_cli_harden_refuses_a_file_rotated_meanwhile(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner rewrites its config when it rotates a token; that write must win."""
    rotated = CONFIG.replace(b"glrt-WRITERTOKEN0123456789ab", b"glrt-ROTATEDTOKEN012345678")
    real_plan_file = harden_command.plan_file

    def harden_then_rotate(path: Path, args: argparse.Namespace) -> Any:
        result = real_plan_file(path, args)
        path.write_bytes(rotated)
        return result

    monkeypatch.setattr(harden_command, "plan_file", harden_then_rotate)
    code, _out, err = run_cli(capsys, "harden", str(config))
    assert code == 2
    assert_one_error_line(err, config, "changed on disk")
    assert "ROTATEDTOKEN" not in err
    assert "WRITERTOKEN" not in err
    assert config.read_bytes() == rotated
    assert leftovers(config.parent) == []


def test_cli_harden_writes_0600_with_backup_and_keeps_comments(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "harden", str(config))
    assert code == 0, err
    written = config.read_bytes()
    assert written != CONFIG
    assert b"concurrent = 1 # keep me" in written
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    backups = [p for p in config.parent.iterdir() if p.name.endswith(".bak")]
    assert len(backups) == 1
    assert backups[0].read_bytes() == CONFIG
    assert "WRITERTOKEN0123456789ab" not in out + err
    code, out, _err = run_cli(capsys, "harden", "--no-backup", str(config))
    assert code == 0
    assert config.read_bytes() == written, "a second run changes nothing"
    assert len([p for p in config.parent.iterdir() if p.name.endswith(".bak")]) == 1


def test_a_symlinked_config_is_written_through_the_link(config: Path) -> None:
    """Renaming over the link would leave the runner's real file stale."""
    link = config.parent.parent / "link.toml"
    link.symlink_to(config)
    before = load_config(link)
    after = before.with_edits([SetValue(("runners", 0), "limit", 1)])
    safe_write.write_document(before, after, backup=False)
    assert link.is_symlink()
    assert config.read_bytes() == after.to_bytes()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
