"""IMDSv2 settings for docker+machine on amazonec2, as edits the config layer applies."""

from __future__ import annotations

import tomllib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wizard.artifacts import cloud_edits
from wizard.base.model import SetValue
from wizard.rules.cloud_edits import REQUIRED_MACHINE_OPTIONS, hardened_machine_options
from wizard.tomlfile.edits import apply_edits


def _config(options: str, executor: str = "docker+machine", key: str = "MachineOptions") -> Any:
    return tomllib.loads(
        f"""
[[runners]]
  name = "first"
  executor = "docker"
[[runners]]
  name = "second"
  executor = "{executor}"
  [runners.machine]
    MachineDriver = "amazonec2"
    {key} = {options}
"""
    )


def _options(data: Any) -> list[str]:
    machine = data["runners"][1]["machine"]
    key = next(k for k in machine if k.casefold() == "machineoptions")
    return list(machine[key])


def test_adds_both_settings_and_keeps_the_others_in_order() -> None:
    data = _config('["amazonec2-region=eu-west-1", "amazonec2-zone=a"]')
    edits = cloud_edits(data, 1)
    assert edits == [
        SetValue(
            ("runners", 1, "machine"),
            "MachineOptions",
            [
                "amazonec2-region=eu-west-1",
                "amazonec2-zone=a",
                "amazonec2-metadata-token=required",
                "amazonec2-metadata-token-response-hop-limit=1",
            ],
        )
    ]


def test_replaces_weaker_values_in_place_and_keeps_the_key_spelling() -> None:
    data = _config(
        '["amazonec2-metadata-token=optional", "amazonec2-region=x", '
        '"amazonec2-metadata-token-response-hop-limit=2"]',
        key="machineoptions",
    )
    (edit,) = cloud_edits(data, 1)
    assert isinstance(edit, SetValue)
    assert edit.key == "machineoptions"
    assert edit.value == [
        "amazonec2-metadata-token=required",
        "amazonec2-region=x",
        "amazonec2-metadata-token-response-hop-limit=1",
    ]


def test_nothing_to_do() -> None:
    hardened = (
        '["amazonec2-metadata-token=required", "amazonec2-metadata-token-response-hop-limit=1"]'
    )
    assert cloud_edits(_config(hardened), 1) == []
    assert cloud_edits(_config('["google-project=x"]'), 1) == []  # not the amazonec2 driver
    assert cloud_edits(_config('["amazonec2-region=x"]', executor="docker"), 1) == []
    assert cloud_edits(_config('["amazonec2-region=x"]'), 0) == []  # the docker runner
    assert cloud_edits(_config('["amazonec2-region=x"]'), 7) == []  # no such runner


@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "amazonec2-metadata-token=optional",
                    "amazonec2-metadata-token=required",
                    "amazonec2-metadata-token-response-hop-limit=3",
                    "amazonec2-region=eu-west-1",
                ]
            ),
            st.from_regex(r"amazonec2-[a-z]{1,8}=[a-z0-9]{0,5}", fullmatch=True),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_applied_edits_converge(options: list[str]) -> None:
    quoted = "[" + ", ".join(f'"{o}"' for o in options) + "]"
    data = _config(quoted)
    once = apply_edits(data, cloud_edits(data, 1))
    assert cloud_edits(once, 1) == []
    result = _options(once)
    for name, value in REQUIRED_MACHINE_OPTIONS.items():
        assert [o for o in result if o.split("=", 1)[0] == name] == [f"{name}={value}"]
    others = [o for o in options if o.split("=", 1)[0] not in REQUIRED_MACHINE_OPTIONS]
    assert [o for o in result if o.split("=", 1)[0] not in REQUIRED_MACHINE_OPTIONS] == others
    assert hardened_machine_options(result) == result
