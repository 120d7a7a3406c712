"""Comments survive every edit, and new tables and keys keep out of other tables' comments.

An operator's comments are the reason to edit a file in place rather than
rewrite it: a removed key leaves its trailing comment behind as a line of its
own, and a new table goes after the commented-out lines of the table above it,
never between that table's header and its notes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.corpus import corpus_case, corpus_id, corpus_params
from wizard.audit.engine import harden_document
from wizard.base.model import RemoveKey, SetValue, Trust
from wizard.tomlfile.document import ConfigDocument, load_config, parse_config

CORPUS_PARAMS = [pytest.param(path, id=corpus_id(path)) for path in corpus_params()]


def comments(text: str) -> Counter[str]:
    """Every comment of a TOML text (own-line and trailing), stripped, as a multiset.

    A small lexer of its own rather than the editor's scanner, so that the
    oracle does not share the editor's mistakes: outside strings a ``#`` always
    starts a comment that runs to the end of the line.
    """
    found: Counter[str] = Counter()
    at, length = 0, len(text)
    while at < length:
        char = text[at]
        if text.startswith(('"""', "'''"), at):
            delimiter = text[at : at + 3]
            at += 3
            while not text.startswith(delimiter, at):
                at += 2 if delimiter == '"""' and text[at] == "\\" else 1
            at += 3
            while at < length and text[at] == delimiter[0]:
                at += 1  # up to two quotes may end the content
        elif char == '"':
            at += 1
            while text[at] != '"':
                at += 2 if text[at] == "\\" else 1
            at += 1
        elif char == "'":
            at = text.index("'", at + 1) + 1
        elif char == "#":
            end = text.find("\n", at)
            end = length if end < 0 else end
            found[text[at:end].strip()] += 1
            at = end
        else:
            at += 1
    return found


def doc(text: str) -> ConfigDocument:
    return parse_config(text.encode("utf-8"))


def test_the_oracle_tells_comments_from_hashes_in_strings() -> None:
    text = (
        'a = "# not" # one\n'
        "b = '#no' #two\n"
        'c = """\n# not either\n"""  # three\n'
        "  # four\n"
        'd = ["x", # five\n  "#y"]\n'
    )
    assert comments(text) == Counter(["# one", "#two", "# three", "# four", "# five"])


# -- removed keys keep their comments ------------------------------------------------


def test_removed_key_leaves_its_trailing_comment_at_its_indentation() -> None:
    text = (
        "[[runners]]\n"
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        '    network_mode = "host" # needed to avoid confusion with localhost-URLs\n'
        "    shm_size = 0\n"
    )
    after = doc(text).with_edits([RemoveKey(("runners", 0, "docker"), "network_mode")])
    assert after.text == (
        "[[runners]]\n"
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        "    # needed to avoid confusion with localhost-URLs\n"
        "    shm_size = 0\n"
    )


def test_keys_added_where_a_key_is_removed_go_above_the_comment_it_leaves() -> None:
    """The kept comment explains the removed key; it must not read as the new key's reason."""
    text = (
        "[[runners]]\n"
        "  [runners.docker]\n"
        "    shm_size = 0\n"
        '    network_mode = "host" # needed to avoid confusion with localhost-URLs\n'
    )
    table = ("runners", 0, "docker")
    after = doc(text).with_edits(
        [RemoveKey(table, "network_mode"), SetValue(table, "cap_drop", ["SETUID"])]
    )
    assert after.text == (
        "[[runners]]\n"
        "  [runners.docker]\n"
        "    shm_size = 0\n"
        '    cap_drop = ["SETUID"]\n'
        "    # needed to avoid confusion with localhost-URLs\n"
    )


def test_removed_multiline_array_keeps_inner_and_last_line_comments_in_order() -> None:
    text = (
        "[[runners]]\r\n"
        "  [runners.docker]\r\n"
        "    volumes = [\r\n"
        "      # host paths\r\n"
        '      "/cache",\r\n'
        "    ] # reviewed by ops\r\n"
        "    shm_size = 0"
    )
    after = doc(text).with_edits([RemoveKey(("runners", 0, "docker"), "volumes")])
    assert after.text == (
        "[[runners]]\r\n"
        "  [runners.docker]\r\n"
        "    # host paths\r\n"
        "    # reviewed by ops\r\n"
        "    shm_size = 0"
    )


def test_removed_last_line_without_newline_keeps_its_comment_and_no_final_newline() -> None:
    text = '[[runners]]\n  name = "a"\n  debug_trace_disabled = false # why it was off'
    after = doc(text).with_edits([RemoveKey(("runners", 0), "debug_trace_disabled")])
    assert after.text == '[[runners]]\n  name = "a"\n  # why it was off'


def test_removed_key_without_comment_leaves_nothing_behind() -> None:
    text = '[[runners]]\n  name = "a"\n  output_limit = 4\n  executor = "shell"\n'
    after = doc(text).with_edits([RemoveKey(("runners", 0), "output_limit")])
    assert after.text == '[[runners]]\n  name = "a"\n  executor = "shell"\n'


# -- new tables after the comments of the table above ---------------------------------

CACHE_WITH_NOTES = (
    "[[runners]]\n"
    '  name = "first"\n'
    "  [runners.cache]\n"
    '    # Type = "s3"\n'
    "    # Shared = false\n"
    "\n"
    "    # [runners.cache.s3]\n"
    '    #   BucketName = "cache"\n'
    "\n"
    "# second runner\n"
    "[[runners]]\n"
    '  name = "second"\n'
)


def test_new_table_goes_after_the_commented_lines_of_the_table_above() -> None:
    after = doc(CACHE_WITH_NOTES).with_edits(
        [SetValue(("runners", 0, "custom_build_dir"), "enabled", False)]
    )
    assert after.text == (
        "[[runners]]\n"
        '  name = "first"\n'
        "  [runners.cache]\n"
        '    # Type = "s3"\n'
        "    # Shared = false\n"
        "\n"
        "    # [runners.cache.s3]\n"
        '    #   BucketName = "cache"\n'
        "  [runners.custom_build_dir]\n"
        "    enabled = false\n"
        "\n"
        "# second runner\n"
        "[[runners]]\n"
        '  name = "second"\n'
    )


def test_flat_file_new_table_takes_only_the_comments_attached_to_the_table_above() -> None:
    text = (
        "[[runners]]\n"
        'name = "first"\n'
        "[runners.cache]\n"
        'Type = "s3"\n'
        "# Shared = false\n"
        "\n"
        "# second runner\n"
        "[[runners]]\n"
        'name = "second"\n'
    )
    after = doc(text).with_edits([SetValue(("runners", 0, "custom_build_dir"), "enabled", False)])
    assert after.text == (
        "[[runners]]\n"
        'name = "first"\n'
        "[runners.cache]\n"
        'Type = "s3"\n'
        "# Shared = false\n"
        "[runners.custom_build_dir]\n"
        "enabled = false\n"
        "\n"
        "# second runner\n"
        "[[runners]]\n"
        'name = "second"\n'
    )


@pytest.mark.parametrize(
    ("between", "kept_above"),
    [
        ("# Shared = false\n\n", "# Shared = false\n"),
        ("# Shared = false\n# second runner\n", ""),
        ("", ""),
    ],
)
def test_flat_file_comments_right_above_the_next_header_are_that_headers(
    between: str, kept_above: str
) -> None:
    text = f'[[runners]]\nname = "first"\n[runners.cache]\nType = "s3"\n{between}[[runners]]\n'
    after = doc(text).with_edits([SetValue(("runners", 0, "custom_build_dir"), "enabled", False)])
    new_table = "[runners.custom_build_dir]\nenabled = false\n"
    rest = between.removeprefix(kept_above)
    assert after.text == (
        f'[[runners]]\nname = "first"\n[runners.cache]\nType = "s3"\n'
        f"{kept_above}{new_table}{rest}[[runners]]\n"
    )


def test_new_table_stops_at_a_comment_as_shallow_as_its_header() -> None:
    text = (
        "[[runners]]\n"
        '  name = "first"\n'
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        "    # privileged = true\n"
        "  # notes on the runner below\n"
        "[[runners]]\n"
        '  name = "second"\n'
    )
    after = doc(text).with_edits([SetValue(("runners", 0, "feature_flags"), "FF_X", True)])
    assert after.text == (
        "[[runners]]\n"
        '  name = "first"\n'
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        "    # privileged = true\n"
        "  [runners.feature_flags]\n"
        "    FF_X = true\n"
        "  # notes on the runner below\n"
        "[[runners]]\n"
        '  name = "second"\n'
    )


def test_new_table_after_trailing_notes_at_the_end_of_a_file_without_final_newline() -> None:
    text = '[[runners]]\n  name = "a"\n  [runners.cache]\n    # Type = "s3"'
    after = doc(text).with_edits([SetValue(("runners", 0, "feature_flags"), "FF_X", True)])
    assert after.text == (
        '[[runners]]\n  name = "a"\n  [runners.cache]\n    # Type = "s3"\n'
        "  [runners.feature_flags]\n    FF_X = true"
    )


def test_new_key_goes_after_the_live_keys_and_before_commented_alternatives() -> None:
    text = (
        "[[runners]]\n"
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        '    # pull_policy = "never"\n'
        "  [runners.cache]\n"
    )
    after = doc(text).with_edits([SetValue(("runners", 0, "docker"), "privileged", False)])
    assert after.text == (
        "[[runners]]\n"
        "  [runners.docker]\n"
        '    image = "alpine"\n'
        "    privileged = false\n"
        '    # pull_policy = "never"\n'
        "  [runners.cache]\n"
    )


# -- the whole corpus ------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS_PARAMS)
def test_corpus_hardening_loses_no_comment(path: Path | None) -> None:
    """``harden --fix all --trust public`` keeps every comment of every real config."""
    path = corpus_case(path)
    document = load_config(path)
    hardened = harden_document(document, trust=Trust.PUBLIC, fix="all").after
    lost = comments(document.text) - comments(hardened.text)
    assert not lost, f"comments lost: {sorted(lost)}"
