"""Files for what ``config.toml`` cannot say: firewall rules, Docker defaults, a checklist.

:func:`generate_artifacts` turns the wizard's answers into file contents (pure,
deterministic: golden-tested); :func:`write_artifacts` puts them in a folder.
:func:`~wizard.artifacts.cloud.cloud_edits` gives the config edits that carry the
cloud metadata settings where the config can hold them.
"""

from __future__ import annotations

from collections.abc import Sequence

from wizard.answers.model import Answers
from wizard.artifacts.checklist import (
    CHECKLIST_FILE,
    DAEMON_FILE,
    ChecklistItem,
    checklist_items,
    render_checklist,
)
from wizard.artifacts.daemon_json import render_fragment, wants_fragment
from wizard.artifacts.nftables import NFT_FILE, render_ruleset, wants_ruleset
from wizard.artifacts.writer import write_artifacts
from wizard.base.model import Executor
from wizard.base.sinks import checked, url_shape_problem
from wizard.rules.cloud_edits import cloud_edits

__all__ = [
    "CHECKLIST_FILE",
    "DAEMON_FILE",
    "NFT_FILE",
    "ChecklistItem",
    "checklist_items",
    "cloud_edits",
    "generate_artifacts",
    "write_artifacts",
]


def generate_artifacts(
    answers: Answers,
    *,
    gitlab_url: str | None,
    executor: Executor | None,
    machine_options: Sequence[str] = (),
    autoscaler_plugin: str | None = None,
) -> dict[str, str]:
    """File name → content for these answers; ``executor`` overrides ``answers.executor``.

    ``machine_options`` and ``autoscaler_plugin`` come from the runner's config when
    there is one, and make the cloud item of the checklist concrete.

    A value that would leave its slot in any file (a control character in an answer,
    the URL or the plugin name) is :class:`~wizard.base.sinks.UnsafeValueError` naming the
    file and the key, raised before anything is written.
    """
    executor = executor or answers.executor
    first_file = NFT_FILE if wants_ruleset(answers, executor) else CHECKLIST_FILE
    if gitlab_url is not None:
        checked(gitlab_url, file=first_file, key="url")
        if url_shape_problem(gitlab_url.strip()) is not None:
            # A placeholder such as "<URL of your GitLab instance>": the files then name
            # no server ("no URL given") rather than text that is not an address.
            gitlab_url = None
    if autoscaler_plugin is not None:
        checked(autoscaler_plugin, file=CHECKLIST_FILE, key="plugin")
    files: dict[str, str] = {}
    if wants_ruleset(answers, executor):
        files[NFT_FILE] = render_ruleset(answers, executor, gitlab_url)
    if wants_fragment(executor):
        files[DAEMON_FILE] = render_fragment(answers)
    names = [*files, CHECKLIST_FILE]
    items = checklist_items(
        answers,
        executor=executor,
        gitlab_url=gitlab_url,
        files=names,
        machine_options=machine_options,
        autoscaler_plugin=autoscaler_plugin,
    )
    files[CHECKLIST_FILE] = render_checklist(
        items, answers, executor=executor, gitlab_url=gitlab_url, files=names
    )
    return files
