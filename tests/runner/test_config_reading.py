"""One reader of what a config means: the rules and the planner read a file alike.

Each case here was once read two ways: the wizard's planner and the rules had
their own copies of "is this user root?" and "is no-new-privileges on?", and
the review then showed a finding that no answer could fix.

Sources: Docker reads ``user`` as ``user[:group]`` (only the user decides uid
0); the Docker daemon's ``parseSecurityOpt`` (daemon/daemon_unix.go in moby)
takes a bare ``no-new-privileges`` as on and otherwise parses the value after
``=`` or ``:`` with Go's ``strconv.ParseBool``, refusing anything else; the
runner's ``listenAddress`` (commands/multi.go) splits with ``net.SplitHostPort``.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.rule_checks import issues
from wizard.answers.model import Answers, JobUser, PrivilegedNeed
from wizard.answers.plan import answers_from_config, edits_for_answers
from wizard.runner.reading import (
    find_key,
    get_ci,
    has_no_new_privileges,
    is_local_address,
    listens_everywhere,
    no_new_privileges_option,
    spelled,
    split_listen_address,
    strings,
    sub_table,
    with_no_new_privileges,
)
from wizard.runner.settings import is_root_user
from wizard.tomlfile.edits import apply_edits


def docker_runner(docker: str) -> dict[str, Any]:
    return tomllib.loads(f'[[runners]]\nexecutor = "docker"\n[runners.docker]\n{docker}\n')


# -- the job user ------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["root", "0", "0:0", "0:1000", "root:staff", " 0 : 1000 "])
def test_a_root_user_with_any_group_is_root(user: str) -> None:
    assert is_root_user(user)


@pytest.mark.parametrize("user", ["1000", "1000:0", "nobody", "rootless", "10:0"])
def test_other_users_are_not_root(user: str) -> None:
    assert not is_root_user(user)


def test_the_wizard_reads_user_0_colon_1000_as_root_like_the_rule() -> None:
    data = docker_runner('user = "0:1000"')
    assert issues("job-runs-as-root", data), "the rule sees root"
    assert answers_from_config(data, 0).job_user is JobUser.IMAGE_DEFAULT


def test_answering_non_root_fixes_a_0_colon_1000_user() -> None:
    data = docker_runner('user = "0:1000"')
    edits = edits_for_answers(Answers(job_user=JobUser.NON_ROOT), data, 0)
    after = apply_edits(data, edits)
    assert not is_root_user(after["runners"][0]["docker"]["user"])
    assert issues("job-runs-as-root", after) == []


def test_root_in_allowed_users_is_read_with_its_group_too() -> None:
    data = docker_runner('user = "1000"\nallowed_users = ["0:1000", "1000"]')
    edits = edits_for_answers(Answers(job_user=JobUser.NON_ROOT), data, 0)
    after = apply_edits(data, edits)
    assert after["runners"][0]["docker"]["allowed_users"] == ["1000"]


# -- no-new-privileges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "state"),
    [
        ("no-new-privileges", True),
        ("no-new-privileges:true", True),
        ("no-new-privileges=true", True),
        ("no-new-privileges=1", True),
        ("no-new-privileges:T", True),
        ("no-new-privileges=false", False),
        ("no-new-privileges:0", False),
        # Refused by the daemon (ParseBool("") and a wrongly cased name fail): the
        # container is never created, so the option protects nothing.
        ("no-new-privileges:", False),
        ("no-new-privileges=yes", False),
        ("No-New-Privileges=true", False),
        ("seccomp=unconfined", None),
        ("label=disable", None),
    ],
)
def test_each_security_option_is_read_as_the_daemon_reads_it(option: str, state: bool) -> None:
    assert no_new_privileges_option(option) is state


@pytest.mark.parametrize(
    "options",
    [
        ["no-new-privileges"],
        ["no-new-privileges=1"],
        ["no-new-privileges:true"],
        ["no-new-privileges:"],
        ["no-new-privileges=false"],
        ["no-new-privileges:true", "no-new-privileges=false"],
        ["seccomp=/etc/x.json"],
        [],
    ],
    ids=repr,
)
def test_the_rule_reads_no_new_privileges_as_the_reader_and_fixes_without_duplicates(
    options: list[str],
) -> None:
    """The planner used to read ``no-new-privileges:`` as on and append a duplicate after
    ``no-new-privileges=1``; now the rule, its fix and the planner all read one way, and
    answers alone never touch security_opt (the review offers the rule's fix instead)."""
    listed = ", ".join(f'"{o}"' for o in options)
    data = docker_runner(f"security_opt = [{listed}]")
    found = issues("no-new-privileges-missing", data)
    assert bool(found) is not has_no_new_privileges(options)
    if found:
        after = apply_edits(data, [edit for issue in found for edit in issue.edits])
        written = strings(get_ci(sub_table(after["runners"][0], "docker"), "security_opt"))
        assert issues("no-new-privileges-missing", after) == []
        assert sum(no_new_privileges_option(o) is not None for o in written) == 1, written

    confined = Answers(privileged=PrivilegedNeed.NONE, job_user=JobUser.NON_ROOT)
    edits = edits_for_answers(confined, data, 0)
    assert not [edit for edit in edits if edit.key.casefold() == "security_opt"]


@given(st.lists(st.sampled_from(
    ["no-new-privileges", "no-new-privileges=1", "no-new-privileges:", "no-new-privileges=0",
     "seccomp=x.json", "apparmor=p", "label=disable"]), max_size=5))  # fmt: skip
def test_turning_it_on_keeps_other_options_and_leaves_one_entry(options: list[str]) -> None:
    result = with_no_new_privileges(options)
    assert has_no_new_privileges(result)
    assert [o for o in result if no_new_privileges_option(o) is None] == [
        o for o in options if no_new_privileges_option(o) is None
    ]
    assert sum(no_new_privileges_option(o) is not None for o in result) == 1


# -- keys --------------------------------------------------------------------------------


def test_keys_match_exactly_first_then_ignoring_case() -> None:
    table = {"MaxBuilds": 1, "maxbuilds": 2}
    assert find_key(table, "maxbuilds") == "maxbuilds"
    assert find_key({"MaxBuilds": 1}, "maxbuilds") == "MaxBuilds"
    assert spelled({"MaxBuilds": 1}, "maxbuilds") == "MaxBuilds"
    assert spelled({}, "MaxBuilds") == "MaxBuilds"
    assert get_ci(None, "x") is None


# -- listeners ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [
        ("0.0.0.0:9252", "0.0.0.0", "9252"),
        (":9252", "", "9252"),
        ("[::]:8093", "::", "8093"),
        ("[::1]:8093", "::1", "8093"),
        ("localhost", "localhost", None),
        ("::1", "::1", None),
    ],
)
def test_listen_addresses_split_like_go(address: str, host: str, port: str | None) -> None:
    assert split_listen_address(address) == (host, port)


def test_local_and_everywhere_are_read_from_one_split() -> None:
    assert is_local_address("[::1]:8093")
    assert not listens_everywhere("[::1]:8093")
    assert listens_everywhere("[::]:8093")
    assert not is_local_address("[::]:8093")
    assert listens_everywhere(":9252")
    assert not is_local_address(":9252")
    assert is_local_address("127.0.0.2:9252")
    assert is_local_address("")
    assert not listens_everywhere("")
