"""The safe file layer and the parsers under the host checks: bounds, symlinks, grammar."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.host.accounts import User, parse_group, parse_passwd, user_from_unit
from wizard.host.fs import MAX_READ, HostFiles, Unreadable
from wizard.host.sudoers import sudo_grants


def _files(tmp_path: Path) -> HostFiles:
    return HostFiles.at(tmp_path)


def test_reads_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * (MAX_READ + 1))
    (tmp_path / "small").write_bytes(b"x" * 10)
    files = _files(tmp_path)
    with pytest.raises(Unreadable, match="larger than"):
        files.read_bytes("/big")
    with pytest.raises(Unreadable, match="larger than 5 bytes"):
        files.read_bytes("/small", limit=5)
    assert files.read_bytes("/small") == b"x" * 10


def test_final_symlink_is_never_followed(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("content")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    files = _files(tmp_path)
    with pytest.raises(Unreadable, match="symlink"):
        files.read_text("/link")
    with pytest.raises(Unreadable, match="symlink"):
        files.list_dir("/link")


def test_folder_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("do not read")
    (root / "etc").symlink_to(outside)
    files = _files(root)
    with pytest.raises(Unreadable, match="leaves the root"):
        files.read_text("/etc/secret")
    with pytest.raises(Unreadable, match="leaves the root"):
        files.lstat("/etc/secret")


def test_dot_dot_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Unreadable, match=r"'\.\.'"):
        _files(tmp_path).read_text("/etc/../../outside")


def test_fifo_and_folder_are_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    files = _files(tmp_path)
    with pytest.raises(Unreadable, match="not a regular file"):
        files.read_bytes("/pipe")  # would block forever if opened without O_NONBLOCK
    with pytest.raises(Unreadable, match="not a regular file"):
        files.read_bytes("/folder")


def test_missing_entries(tmp_path: Path) -> None:
    files = _files(tmp_path)
    assert files.lstat("/nope") is None
    assert files.lstat("/nope/deeper") is None
    assert not files.exists("/nope")
    with pytest.raises(Unreadable, match="does not exist"):
        files.read_text("/nope")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin").write_bytes(b"caf\xe9")
    with pytest.raises(Unreadable, match="not UTF-8"):
        _files(tmp_path).read_text("/latin")


def test_passwd_and_group_parsing_skips_junk() -> None:
    users = parse_passwd("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken:line\nci:x:a:1::/:\n")
    assert list(users) == ["root"]
    groups = parse_group("docker:x:998:alice, bob\n+nis\nbad:x:y:\n")
    assert groups["docker"].members == ("alice", "bob")
    assert list(groups) == ["docker"]


@given(st.text())
def test_parsers_never_crash(text: str) -> None:
    parse_passwd(text)
    parse_group(text)
    user_from_unit(text)


@pytest.mark.parametrize(
    ("unit", "user"),
    [
        ('ExecStart=/usr/bin/gitlab-runner "run" "--user" "gitlab-runner"', "gitlab-runner"),
        ("ExecStart=/usr/bin/gitlab-runner run --user=ci --config /etc/x.toml", "ci"),
        ("[Service]\nUser=builder\nExecStart=/usr/bin/gitlab-runner run", "builder"),
        ("ExecStart=/usr/bin/gitlab-runner run", None),
    ],
)
def test_user_from_unit(unit: str, user: str | None) -> None:
    assert user_from_unit(unit) == user


@given(st.text(alphabet=st.sampled_from(list("ab %#!,=()\\\n:ALLgitlab-runnerNOPASSWD@"))))
def test_sudoers_parser_never_crashes(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = tmp_path_factory.mktemp("sudo")
    (root / "etc").mkdir()
    (root / "etc" / "sudoers").write_text(text)
    from wizard.host.accounts import Accounts

    user = User("gitlab-runner", 999, 999, "/home/gitlab-runner", "")
    accounts = Accounts({"gitlab-runner": user}, parse_group("ci:x:999:\n"))
    grants, _ = sudo_grants(HostFiles.at(root), accounts, user)
    assert all(grant.path == "/etc/sudoers" for grant in grants)


def test_sudoers_include_cycle_and_unreadable_include(tmp_path: Path) -> None:
    (tmp_path / "etc" / "sudoers.d").mkdir(parents=True)
    (tmp_path / "etc" / "sudoers").write_text(
        "#include /etc/sudoers\n@include /etc/extra\n@includedir /etc/sudoers.d\n"
    )
    (tmp_path / "etc" / "extra").mkdir()  # unreadable as a file
    (tmp_path / "etc" / "sudoers.d" / "ci").write_text("gitlab-runner ALL=(ALL) /bin/true\n")
    from wizard.host.accounts import Accounts

    user = User("gitlab-runner", 999, 999, "/home/gitlab-runner", "")
    grants, problems = sudo_grants(HostFiles.at(tmp_path), Accounts({}, {}), user)
    assert [(g.path, g.line, g.any_command) for g in grants] == [("/etc/sudoers.d/ci", 1, False)]
    assert problems == ["/etc/extra is not a regular file"]
