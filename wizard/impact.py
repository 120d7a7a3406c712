"""What each change can do to jobs that work today: ``none`` or ``may-break``, and why.

Rule fixes carry their impact in the catalogue (``Rule.fix`` and ``Rule.breaks``).
Answers and preset settings produce plain edits; this module judges those by the
setting they touch and the value before and after, so every front-end and
``harden`` show one verdict for one change. A setting this module does not know
is ``may-break``: an unknown change is never called harmless.

Everything is pure: the input is the configuration as ``tomllib`` parsed it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wizard.config_reading import as_list, get_ci, is_local_address, mounts_engine_socket
from wizard.model import (
    Change,
    Edit,
    Finding,
    Impact,
    RemoveKey,
    SetValue,
    TablePath,
    TomlValue,
    table_name,
)
from wizard.safe_text import (
    FileValue,
    JsonSafe,
    Safe,
    compose,
    json_safe,
    json_tree,
    one_line,
    ours,
    render,
    shown,
)
from wizard.secrets import is_secret_key, mask_toml_value, outward
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.edits import apply_in_place, resolve_table
from wizard.tomlfile.rendering import render_value

_ROOT_USERS = frozenset({"root", "0", "0:0", "root:root"})
_HOST_NAMESPACE_KEYS = frozenset({"network_mode", "pid_mode", "ipcmode", "userns_mode"})


@dataclass(frozen=True)
class Verdict:
    impact: Impact
    reason: str = ""


NONE = Verdict(Impact.NONE)


def _may(reason: str) -> Verdict:
    return Verdict(Impact.MAY_BREAK, reason)


def _strings(value: Any) -> list[str]:
    return [item for item in as_list(value) if isinstance(item, str)]


def _folded(value: Any) -> set[str]:
    return {item.strip().casefold() for item in _strings(value)}


Judge = Callable[[Any, Any, Mapping[str, Any]], Verdict]
"""(before, after, the table before) → verdict; ``None`` means absent/removed."""


def _privileged(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if before is True and after is not True:
        return _may(
            "jobs that run Docker-in-Docker or otherwise need privileged mode "
            "(docker build with dind, mounts, loop devices) fail"
        )
    return NONE


def _services_privileged(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if before is True and after is not True:
        return _may("service containers that need privileged mode (docker:dind) fail to start")
    return NONE


def _volumes(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    gone = [v for v in _strings(before) if v not in _strings(after)]
    if not gone:
        return NONE
    sockets = [v for v in gone if mounts_engine_socket(v)]
    if sockets:
        return _may(
            "jobs that run docker build or other docker commands through the host's "
            "Docker daemon lose its socket"
        )
    return _may(f"jobs lose the mount(s) {', '.join(gone)}")


def _user(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    was = before.strip().casefold() if isinstance(before, str) and before.strip() else "root"
    now = after.strip().casefold() if isinstance(after, str) and after.strip() else None
    if now is None or now == was or now in _ROOT_USERS:
        return NONE  # back to the image's own user, or still root: nothing is taken away
    return _may(
        f"jobs now run as {after}: images that need root at build time "
        "(apt-get install, writing system paths) fail"
    )


def _allowed_users(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    gone = _folded(before) - _folded(after)
    if after is None or not gone:
        return NONE
    return _may(f"jobs that ask to run as {', '.join(sorted(gone))} are refused")


def _cap_drop(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    added = _folded(after) - _folded(before)
    if not added:
        return NONE
    return _may(
        f"jobs lose {', '.join(sorted(a.upper() for a in added))}: jobs that call sudo or su, "
        "or tools that switch users, fail"
    )


def _cap_add(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    gone = _folded(before) - _folded(after)
    if not gone:
        return NONE
    return _may(f"jobs that use {', '.join(sorted(g.upper() for g in gone))} fail")


def _security_opt(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if _folded(after) <= _folded(before):
        return NONE
    return _may("jobs that rely on sudo, su or other set-uid programs fail")


def _pull_policy(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    was = _folded(before) or {"always"}  # the runner's default policy
    now = _folded(after) or {"always"}
    if now >= was or now == {"if-not-present"}:
        return NONE
    if "never" in now and "never" not in was:
        return _may("jobs whose images are not already on the host fail")
    return _may(
        "jobs whose images exist only on this host (built or tagged locally, never pushed) "
        "fail to pull; every job pulls"
    )


def _allowed_pull_policies(before: Any, after: Any, table: Mapping[str, Any]) -> Verdict:
    # Without a list, a job may ask only for the runner's own pull_policy.
    was = _folded(before) or _folded(get_ci(table, "pull_policy")) or {"always"}
    if after is None:
        return NONE
    gone = was - _folded(after)
    if not gone:
        return NONE
    return _may(
        f"jobs that ask for pull_policy {', '.join(sorted(gone))} in .gitlab-ci.yml are refused"
    )


def _image_allowlist(what: str) -> Judge:
    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        now = _strings(after)
        if not now:
            return NONE  # no list: any image runs
        was = _strings(before)
        if was and set(now) >= set(was):
            return NONE
        return _may(
            f"jobs whose {what} does not match {', '.join(now)} are refused "
            "(names are matched as the job writes them: node:20, not docker.io/library/node:20)"
        )

    return judge


def _allowed_privileged(before: Any, after: Any, table: Mapping[str, Any]) -> Verdict:
    if get_ci(table, "privileged") is not True and get_ci(table, "services_privileged") is not True:
        return NONE  # nothing runs privileged yet, so a list takes nothing away
    now = _strings(after)
    was = _strings(before)
    if not now or (was and set(now) >= set(was)):
        return NONE
    return _may(f"privileged containers other than {', '.join(now)} lose privileged mode")


def _host_namespace(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if isinstance(before, str) and before.strip().casefold() == "host" and before != after:
        return _may(
            "jobs that reach services on the host through localhost, or use the host's "
            "processes, lose them"
        )
    return NONE


def _image(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if not isinstance(before, str) or not before.strip() or before == after:
        return NONE  # jobs without an image could not run before
    return _may(f"jobs that name no image run in {after} instead of {before}")


def _disable(reason: str) -> Judge:
    """A boolean that takes something away when it becomes ``true``."""

    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        return _may(reason) if after is True and before is not True else NONE

    return judge


def _enable_removed(reason: str) -> Judge:
    """A boolean that takes something away when it stops being ``true``."""

    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        return _may(reason) if before is not False and after is False else NONE

    return judge


def _network_per_build(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if after is True and before is not True:
        return _may(
            "each job creates a Docker network: jobs fail when the daemon runs out of address "
            "pools or needs network_mtu, and legacy service links go away"
        )
    if before is True and after is not True:
        return _may("services no longer reach each other by alias on the job's own network")
    return NONE


def _job_cleanup(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if after is True and before is not True:
        return _may(
            "jobs with GIT_STRATEGY: none that use files an earlier job left in the build "
            "directory find it cleaned"
        )
    return NONE


def _one_job(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if after == 1 and before != 1:
        return _may(
            "each job waits for a fresh VM; jobs that used files or images an earlier job "
            "left on the VM start without them"
        )
    return NONE


def _capacity(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if isinstance(after, int) and isinstance(before, int) and after < before:
        return _may("fewer jobs run at once on each VM: more VMs are needed or jobs queue")
    return NONE


def _environment(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    def strategy(value: Any) -> str | None:
        found = None
        for item in _strings(value):
            name, sep, rest = item.partition("=")
            if sep and name.strip() == "GIT_STRATEGY":
                found = rest.strip()
        return found

    gone = [item for item in _strings(before) if item not in _strings(after)]
    was, now = strategy(before), strategy(after)
    if now == "clone" and was != "clone":
        return _may(
            "jobs that set GIT_CLEAN_FLAGS: none to reuse untracked files from an earlier job "
            "lose them; every job clones afresh"
        )
    if gone and was == now:
        names = ", ".join(item.partition("=")[0] for item in gone)
        return _may(f"jobs no longer get the variable(s) {names}")
    return NONE


def _listen(reason: str) -> Judge:
    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        if isinstance(before, str) and not is_local_address(before) and before != after:
            return _may(reason)
        return NONE

    return judge


_BY_KEY: dict[str, Judge] = {
    "executor": lambda b, a, _t: (
        _may(f"jobs run under the {a} executor instead of {b}")
        if b is not None and a != b
        else NONE
    ),
    "privileged": _privileged,
    "services_privileged": _services_privileged,
    "volumes": _volumes,
    "user": _user,
    "allowed_users": _allowed_users,
    "cap_drop": _cap_drop,
    "cap_add": _cap_add,
    "security_opt": _security_opt,
    "pull_policy": _pull_policy,
    "allowed_pull_policies": _allowed_pull_policies,
    "allowed_images": _image_allowlist("image"),
    "allowed_services": _image_allowlist("service image"),
    "allowed_privileged_images": _allowed_privileged,
    "allowed_privileged_services": _allowed_privileged,
    "image": _image,
    "ff_network_per_build": _network_per_build,
    "ff_enable_job_cleanup": _job_cleanup,
    "maxbuilds": _one_job,
    "max_use_count": _one_job,
    "capacity_per_instance": _capacity,
    "environment": _environment,
    "debug_trace_disabled": lambda _b, _a, _t: NONE,
    "disable_entrypoint_overwrite": _disable(
        "jobs that override an image's entrypoint are refused"
    ),
    "disable_cache": _disable(
        "directories an image declares as volumes no longer persist between jobs"
    ),
    "allow_privilege_escalation": lambda b, a, _t: (
        _may("jobs that run sudo, su or set-uid programs in their pods fail")
        if a is False and b is not False
        else NONE
    ),
    "run_as_non_root": _disable("pods whose images run as root are refused by Kubernetes"),
    "automount_service_account_token": lambda b, a, _t: (
        _may("jobs that talk to this cluster's API with the pod's service account lose access")
        if a is False and b is not False
        else NONE
    ),
    "delete_instances_on_shutdown": lambda _b, _a, _t: NONE,
    "disable_strict_host_key_checking": lambda b, a, _t: (
        _may("jobs stop connecting until the build host's key is in known_hosts")
        if b is True and a is not True
        else NONE
    ),
}

_CUSTOM_BUILD_DIR = _enable_removed("jobs that set GIT_CLONE_PATH fail")
_METRICS = _listen("Prometheus servers on other hosts can no longer scrape the metrics")
_SESSION = _listen(
    "web terminals and interactive debugging stop unless GitLab runs on this host",
)


def _judge_for(table: TablePath, key: str) -> Judge | None:
    folded = key.casefold()
    names = [part.casefold() for part in table if isinstance(part, str)]
    if folded == "listen_address":
        if names == []:
            return _METRICS
        if names == ["session_server"]:
            return _SESSION
    if folded == "enabled" and names[-1:] == ["custom_build_dir"]:
        return _CUSTOM_BUILD_DIR
    if folded in _HOST_NAMESPACE_KEYS:
        return _host_namespace
    return _BY_KEY.get(folded)


def judge(table: TablePath, key: str, before: Any, after: Any, owner: Mapping[str, Any]) -> Verdict:
    """The impact of setting ``key`` from ``before`` to ``after`` (``None``: absent)."""
    found = _judge_for(table, key)
    if found is not None:
        return found(before, after, owner)
    if before is None and after is None:
        return NONE
    return _may(f"{key} changes; check that jobs still run as before")


def _lookup(data: Mapping[str, Any], table: TablePath, key: str) -> tuple[Any, Mapping[str, Any]]:
    owner = resolve_table(dict(data), table, create=False) if table else data
    if owner is None:
        return None, {}
    return get_ci(owner, key), owner


def readable_data(document: ConfigDocument) -> Mapping[str, Any]:
    """The document's data as changes read their "before": the TOML, and for a values file
    the chart's values too, so that a chart edit shows the value it replaces."""
    from wizard.embedded.document import CHART, as_embedded

    embedded = as_embedded(document)
    chart = embedded.chart_values() if embedded is not None else None
    if not chart:
        return document.data
    return {**document.data, CHART: chart}


def changes_for_edits(
    data: Mapping[str, Any],
    edits: Sequence[Edit],
    *,
    source: str,
    names: Mapping[int, str | None],
    rule: str | None = None,
    verdict: Verdict | None = None,
    verdict_key: str | None = None,
) -> tuple[list[Change], dict[str, Any]]:
    """Each edit as a :class:`Change` against ``data``; returns the data after them too.

    ``verdict`` overrides the per-setting judgement (a rule's fix carries its own) for
    the rule's own key ``verdict_key``. A companion edit on another key (privileged =
    false beside allow_privilege_escalation = false) names its own reason when it may
    break something; otherwise it keeps the rule's verdict.
    """
    current: dict[str, Any] = copy.deepcopy(dict(data))
    changes = _changes_into(
        current,
        data,
        edits,
        source=source,
        names=names,
        rule=rule,
        verdict=verdict,
        verdict_key=verdict_key,
    )
    return changes, current


def _changes_into(
    current: dict[str, Any],
    data: Mapping[str, Any],
    edits: Sequence[Edit],
    *,
    source: str,
    names: Mapping[int, str | None],
    rule: str | None,
    verdict: Verdict | None,
    verdict_key: str | None = None,
) -> list[Change]:
    """The changes ``edits`` make, applying each to ``current`` (owned by the caller) in place.

    Copying the whole data once per edit made a harden of every runner of a big
    fleet quadratic (a minute at 1,000 runners).
    """
    changes: list[Change] = []
    for edit in edits:
        before, _owner = _lookup(current, edit.table, edit.key)
        # Neighbouring settings are read as they were: allowed_pull_policies is judged
        # against the pull policy jobs had, not one an earlier edit just set.
        _before, owner = _lookup(data, edit.table, edit.key)
        after: TomlValue | None = edit.value if isinstance(edit, SetValue) else None
        if isinstance(edit, RemoveKey) and before is None:
            continue
        if isinstance(edit, SetValue) and before == after and type(before) is type(after):
            continue
        runner_index = edit.table[1] if len(edit.table) > 1 and edit.table[0] == "runners" else None
        index = runner_index if isinstance(runner_index, int) else None
        found = verdict or judge(edit.table, edit.key, before, after, owner)
        if verdict is not None and verdict_key is not None:
            own_judge = _judge_for(edit.table, edit.key)
            if edit.key.casefold() != verdict_key.casefold() and own_judge is not None:
                own = own_judge(before, after, owner)
                found = own if own.impact is Impact.MAY_BREAK else verdict
        changes.append(
            Change(
                source=source,
                rule=rule,
                runner_index=index,
                runner=names.get(index) if index is not None else None,
                table=edit.table,
                key=edit.key,
                before=before,
                after=after,
                impact=found.impact,
                reason=found.reason,
            )
        )
        apply_in_place(current, [edit])
    return changes


def changes_for_fixes(
    data: Mapping[str, Any], findings: Iterable[Finding], names: Mapping[int, str | None]
) -> tuple[list[Change], dict[str, Any]]:
    """The changes the fixes of ``findings`` make, each with its rule's impact."""
    current: dict[str, Any] = copy.deepcopy(dict(data))
    changes: list[Change] = []
    for finding in findings:
        if finding.fix is None:
            continue
        verdict = Verdict(Impact.of_fix(finding.fix), finding.breaks)
        # The fix's own verdict stands, so neighbouring settings are not read: the
        # data as the earlier fixes left it serves as the "before" of this one.
        changes += _changes_into(
            current,
            current,
            finding.edits,
            source=finding.rule,
            names=names,
            rule=finding.rule,
            verdict=verdict,
            verdict_key=finding.key,
        )
    return changes, current


def may_break_first(changes: Iterable[Change]) -> list[Change]:
    """Changes that may break jobs before the others, each group in its own order."""
    listed = list(changes)
    return [c for c in listed if c.impact is Impact.MAY_BREAK] + [
        c for c in listed if c.impact is not Impact.MAY_BREAK
    ]


# --------------------------------------------------------------------------- wording

MAY_BREAK_HEADING = "may break jobs that work today"
NONE_HEADING = "cannot break a job that works today"


def _shown(key: str, value: TomlValue | None) -> Safe:
    """A setting's value as TOML writes it, each string in it masked by what it holds."""
    if value is None:
        return ours("(not set)")
    if is_secret_key(key) and isinstance(value, str):
        return render('"{value}"', value=FileValue.read(value, key))
    return one_line(Safe(mask_toml_value(key, render_value(value))))


def change_where(change: Change) -> Safe:
    """``runner 'docker-1' [runners.docker] privileged`` — where a change lands."""
    table = table_name(change.table)
    place = render("[{table}] ", table=table) if table else ours("")
    who = render("runner {name} ", name=repr(change.runner)) if change.runner else ours("")
    return one_line(compose("{who}{place}{key}", who=who, place=place, key=shown(change.key)))


def change_line(change: Change) -> Safe:
    """``… privileged: true → false`` with both values masked; the sentence is not scanned."""
    before = _shown(change.key, change.before)
    after = ours("(removed)") if change.after is None else _shown(change.key, change.after)
    return compose(
        "{where}: {before} → {after}", where=change_where(change), before=before, after=after
    )


def change_report(changes: Sequence[Change], *, indent: str = "  ") -> list[Safe]:
    """Every change, may-break ones first under their own heading, each with its reason.

    The same lines in the line-mode review, ``harden --dry-run`` and the TUI review.
    """
    risky = [c for c in changes if c.impact is Impact.MAY_BREAK]
    safe = [c for c in changes if c.impact is not Impact.MAY_BREAK]
    lines: list[Safe] = []
    pad = ours(indent)
    if risky:
        lines.append(render("{heading} ({count}):", heading=MAY_BREAK_HEADING, count=len(risky)))
        for change in risky:
            lines.append(compose("{pad}{line}", pad=pad, line=change_line(change)))
            reason = one_line(shown(change.reason))
            lines.append(compose("{pad}    may break: {reason}", pad=pad, reason=reason))
    if safe:
        lines.append(render("{heading} ({count}):", heading=NONE_HEADING, count=len(safe)))
        lines += [compose("{pad}{line}", pad=pad, line=change_line(change)) for change in safe]
    return lines


def change_to_dict(change: Change) -> dict[str, JsonSafe]:
    """The JSON shape of a planned change: every value from the file rendered by its key."""
    table = table_name(change.table)
    return {
        "rule": change.rule,
        "source": json_safe(shown(change.source)),
        "runner": json_safe(FileValue.read(change.runner, "name")) if change.runner else None,
        "table": json_safe(shown(table)) if table else None,
        "key": json_safe(shown(change.key)),
        "before": json_tree(change.before, key=change.key),
        "after": json_tree(change.after, key=change.key),
        "impact": change.impact.value,
        "impact_reason": json_safe(shown(change.reason)) if change.reason else None,
    }


def fix_id(finding: Finding) -> str:
    """How a ticked fix is named between a review and the core: rule, runner and key."""
    return f"{finding.rule}@{finding.runner_index}:{finding.key}"


def offer_line(finding: Finding) -> str:
    """One offered fix, as every review shows it: its rule, where, and what it may break."""
    where = f" (runner {finding.runner!r})" if finding.runner else ""
    return outward(f"{finding.rule}{where}: {finding.breaks}", one_line=True)


FILL_IN_HEADING = "fill in before starting the runner (the wizard cannot know your cloud):"

OFFERED_HEADING = "fixes no answer decides (applied only when ticked; each may break jobs):"


def save_confirmation(may_break: int) -> str:
    """The one question the full-screen wizard asks before writing such changes."""
    noun = "change" if may_break == 1 else "changes"
    return f"Save {may_break} {noun} that may break jobs?"


def save_warning(may_break: int) -> str:
    """What every wizard says before writing changes that may break jobs."""
    noun = "change" if may_break == 1 else "changes"
    return f"{may_break} {noun} listed under 'may break jobs' can stop jobs that work today."


_TOOLS = r"(puppet|ansible|chef|salt(?:stack)?|terraform|cfengine|saltstack)"
_MANAGED_HEADER = re.compile(
    rf"^\s*#.*?(?:managed|generated|maintained|deployed|controlled)\s+(?:by|with|via)\s+{_TOOLS}\b"
    rf"|^\s*#.*?\b{_TOOLS}\b.*?(?:do not edit|don't edit|will be overwritten)",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINES = 30


def managed_warning(text: str) -> str | None:
    """When the file's opening comments say a configuration tool manages it, the warning
    every review shows: that tool's next run puts the old settings back."""
    head = "\n".join(text.splitlines()[:_HEADER_LINES])
    found = _MANAGED_HEADER.search(head)
    if found is None:
        return None
    tool = next(group for group in found.groups() if group)
    name = {"saltstack": "Salt", "cfengine": "CFEngine"}.get(tool.casefold(), tool.capitalize())
    return (
        f"this file says it is managed by {name}: its next run overwrites these changes; "
        f"make them in {name}'s source for this file as well"
    )
