"""What a setting means and what changing it does: the one home of every such fact.

Rules, the impact judge, presets and both wizards used to keep their own copies
of these facts, and the copies drifted (``user = "0:1000"`` was root for a rule
but not for the impact judge; a rule's fix and the same answer got different
verdicts). Each fact now lives here once:

- who is root (:func:`is_root_user`);
- the keys that identify one registered runner (:data:`IDENTITY_KEYS`);
- the Docker settings that can hand a job a host namespace
  (:data:`HOST_NAMESPACE_EFFECTS`, :data:`HOST_NAMESPACE_KEYS`);
- how an output names a runner that has no name (:func:`runner_label`);
- what changing one setting from one value to another does to jobs that work
  today (:func:`effect_of`), with the may-break sentences rules quote as their
  ``breaks`` (the ``*_BREAKS`` constants).

A setting :func:`effect_of` does not know is ``may-break``: an unknown change is
never called harmless. Everything is pure: the input is the configuration as
``tomllib`` parsed it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wizard.base.model import Edit, Executor, Impact, SetValue, TablePath
from wizard.runner.reading import as_list, get_ci, is_local_address, mounts_engine_socket

# --------------------------------------------------------------------------- users


def is_root_user(user: str) -> bool:
    """``root``, ``0``, ``0:1000`` and ``root:staff`` all run as uid 0.

    Docker reads ``user`` as ``user[:group]``; only the part before the colon
    decides who the process is.
    """
    name = user.strip().split(":", 1)[0].strip()
    return name in ("root", "0")


# --------------------------------------------------------------------------- keys

IDENTITY_KEYS = frozenset(
    {"name", "url", "token", "id", "token_obtained_at", "token_expires_at", "clone_url"}
)
"""``[[runners]]`` keys that identify one registered runner: never part of a preset or
a template, and never a difference between a preset and the runner it was made from."""

UNIQUE_PER_RUNNER = frozenset({"name", "token", "id", "token_obtained_at", "token_expires_at"})
"""The identity keys whose values differ between runners rolled out from one template
(the URL and clone URL are usually the fleet's own). Rules that read these values
say so (:attr:`wizard.rules.base.Rule.reads_identity`); every other rule sees only
their presence and type, which lets a fleet audit work out each distinct set of
settings once (:mod:`wizard.rules.memo`)."""

HOST_NAMESPACE_EFFECTS: Mapping[str, str] = {
    "network_mode": "shares the host's network stack, including services bound to localhost",
    "pid_mode": "shows the job every host process and lets it signal them",
    "ipcmode": "shares the host's shared memory and message queues",
    "userns_mode": "switches off user-namespace remapping, so root in the job is root on the host",
}
"""``[runners.docker]`` settings that hand a job one of the host's namespaces when set
to ``host`` (``container:NAME`` shares another container's), and what that does."""

HOST_NAMESPACE_KEYS = tuple(HOST_NAMESPACE_EFFECTS)


def is_host_namespace(value: Any) -> bool:
    """Whether a namespace setting's value is the host's own namespace."""
    return isinstance(value, str) and value.strip().casefold() == "host"


# --------------------------------------------------------------------------- runners

UNNAMED_RUNNER = "(unnamed)"
"""How a runner without a ``name`` is called when its position is not known."""


def runner_label(name: str | None, index: int | None = None) -> str:
    """How every output names a runner: its name, else its position (``#2 (unnamed)``)."""
    if name:
        return name
    return UNNAMED_RUNNER if index is None else f"#{index + 1} {UNNAMED_RUNNER}"


# --------------------------------------------------------------------------- may-break sentences

PRIVILEGED_BREAKS = (
    "jobs that run Docker-in-Docker or otherwise need privileged mode "
    "(docker build with dind, mounts, loop devices) fail"
)
SERVICES_PRIVILEGED_BREAKS = (
    "service containers that need privileged mode (docker:dind as a service) fail to start"
)
ENGINE_SOCKET_BREAKS = (
    "jobs that run docker build or other docker commands through the host's "
    "Docker daemon lose its socket"
)
SETUID_CAPS_BREAKS = "jobs that call sudo or su, or tools that switch users, fail"
NO_NEW_PRIVILEGES_BREAKS = (
    "jobs that rely on sudo, su or other set-uid programs fail, and so do service images "
    "that switch user with them"
)
PULL_ALWAYS_BREAKS = (
    "jobs whose images exist only on this host (built or tagged locally, never pushed) "
    "fail to pull; every job pulls"
)
KUBERNETES_PULL_ALWAYS_BREAKS = (
    "jobs whose images exist only on the nodes, or registries that rate-limit pulls"
)
PULL_NEVER_BREAKS = "jobs whose images are not already on the host fail"
HOST_NAMESPACE_BREAKS = (
    "jobs that reach services on the host through localhost, or use the host's processes, lose them"
)
PER_BUILD_NETWORK_BREAKS = (
    "Docker-in-Docker services may lose custom DNS, and each job's new network can run "
    "out of address pools or clash with address ranges the host uses"
)
JOB_CLEANUP_BREAKS = (
    "jobs with GIT_STRATEGY: none that use files an earlier job left in the build "
    "directory find it cleaned"
)
ONE_JOB_PER_VM_BREAKS = (
    "each job waits for a fresh VM; jobs that used files or images an earlier job "
    "left on the VM start without them"
)
GIT_CLONE_BREAKS = (
    "jobs that use files an earlier job left in the checkout, or large repositories "
    "that only finish in time with an incremental fetch; every job clones afresh"
)
CUSTOM_BUILD_DIR_BREAKS = "jobs that set GIT_CLONE_PATH fail"
METRICS_LOCAL_BREAKS = "Prometheus servers on other hosts can no longer scrape the runner's metrics"
SESSION_LOCAL_BREAKS = (
    "web terminals and interactive debugging stop unless GitLab runs on this host"
)
ESCALATION_BREAKS = "jobs that run sudo, su or set-uid programs in their pods fail"
SERVICE_ACCOUNT_TOKEN_BREAKS = (
    "jobs that talk to this cluster's API with the pod's service account lose access"
)
HOST_KEY_CHECKING_BREAKS = (
    "jobs stop connecting until the build host's key is in the runner user's known_hosts"
)
UNKNOWN_CHANGE_BREAKS = "{key} changes; check that jobs still run as before"


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Verdict:
    """What one change does to jobs that work today, and why."""

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
    # A value that is not a boolean (a template's ${privileged}) may well be true.
    if before not in (None, False) and after is not True:
        return _may(PRIVILEGED_BREAKS)
    return NONE


def _services_privileged(before: Any, after: Any, table: Mapping[str, Any]) -> Verdict:
    # Unset, services run as privileged as the job's container (the docker executor
    # falls back to ``privileged``), so pinning false takes it away from them too.
    was = before if before is not None else get_ci(table, "privileged")
    if was not in (None, False) and after is not True:
        return _may(SERVICES_PRIVILEGED_BREAKS)
    return NONE


def _volumes(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    gone = [v for v in _strings(before) if v not in _strings(after)]
    if not gone:
        return NONE
    if any(mounts_engine_socket(v) for v in gone):
        return _may(ENGINE_SOCKET_BREAKS)
    return _may(f"jobs lose the mount(s) {', '.join(gone)}")


def _user(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    was = before.strip().casefold() if isinstance(before, str) and before.strip() else "root"
    now = after.strip().casefold() if isinstance(after, str) and after.strip() else None
    if now is None or now == was or is_root_user(after):
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


_USER_SWITCHING_CAPS = frozenset({"setuid", "setgid", "cap_setuid", "cap_setgid", "all"})


def _cap_drop(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    added = _folded(after) - _folded(before)
    if not added:
        return NONE
    if added & _USER_SWITCHING_CAPS:
        return _may(SETUID_CAPS_BREAKS)
    return _may(f"jobs that use {', '.join(sorted(a.upper() for a in added))} fail")


def _cap_add(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    gone = _folded(before) - _folded(after)
    if not gone:
        return NONE
    return _may(f"jobs that use {', '.join(sorted(g.upper() for g in gone))} fail")


def _security_opt(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if _folded(after) <= _folded(before):
        return NONE
    return _may(NO_NEW_PRIVILEGES_BREAKS)


def _pull_policy(kubernetes: bool) -> Judge:
    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        if kubernetes:
            # Unset, the runner leaves imagePullPolicy empty and Kubernetes uses
            # IfNotPresent for tagged images (GetPullPolicies in common/config.go).
            was = _folded(before) or {"if-not-present"}
            now = _folded(after) or {"if-not-present"}
        else:
            was = _folded(before) or {"always"}  # the docker executor's default policy
            now = _folded(after) or {"always"}
        if now >= was or now == {"if-not-present"}:
            return NONE
        if "never" in now and "never" not in was:
            return _may(PULL_NEVER_BREAKS)
        return _may(KUBERNETES_PULL_ALWAYS_BREAKS if kubernetes else PULL_ALWAYS_BREAKS)

    return judge


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
    """``allowed_privileged_services``: a list only the listed service images escape."""
    if get_ci(table, "privileged") is not True and get_ci(table, "services_privileged") is not True:
        return NONE  # nothing runs privileged yet, so a list takes nothing away
    now = _strings(after)
    was = _strings(before)
    if not now or (was and set(now) >= set(was)):
        return NONE
    return _may(f"privileged containers other than {', '.join(now)} lose privileged mode")


def _allowed_privileged_images(before: Any, after: Any, table: Mapping[str, Any]) -> Verdict:
    """``allowed_privileged_images``: the runner's own default image may fall outside it."""
    found = _allowed_privileged(before, after, table)
    image = get_ci(table, "image")
    now = _strings(after)
    outside = isinstance(image, str) and not any(fnmatch.fnmatchcase(image, p) for p in now)
    if found.impact is Impact.MAY_BREAK and outside:
        return _may(f"the runner's own image {image} no longer runs privileged")
    return found


def _host_namespace(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if is_host_namespace(before) and before != after:
        return _may(HOST_NAMESPACE_BREAKS)
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


def _forbid(reason: str) -> Judge:
    """A boolean that takes something away when it becomes ``false`` (unset is allowed)."""

    def judge(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
        return _may(reason) if after is False and before is not False else NONE

    return judge


def _network_per_build(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if after is True and before is not True:
        return _may(PER_BUILD_NETWORK_BREAKS)
    if before is True and after is not True:
        return _may("services no longer reach each other by alias on the job's own network")
    return NONE


def _one_job(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    if after == 1 and before != 1:
        return _may(ONE_JOB_PER_VM_BREAKS)
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
        return _may(GIT_CLONE_BREAKS)
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


def _executor(before: Any, after: Any, _t: Mapping[str, Any]) -> Verdict:
    # The runner takes no job for an executor name it does not know (it looks the name
    # up exactly as written), so naming a real one cannot stop a job that works today.
    if isinstance(before, str) and before in _EXECUTOR_NAMES and after != before:
        return _may(f"jobs run under the {after} executor instead of {before}")
    return NONE


_EXECUTOR_NAMES = frozenset(executor.value for executor in Executor)


def _harmless(_before: Any, _after: Any, _t: Mapping[str, Any]) -> Verdict:
    return NONE


_BY_KEY: dict[str, Judge] = {
    "executor": _executor,
    "privileged": _privileged,
    "services_privileged": _services_privileged,
    "volumes": _volumes,
    "user": _user,
    "allowed_users": _allowed_users,
    "cap_drop": _cap_drop,
    "cap_add": _cap_add,
    "security_opt": _security_opt,
    "pull_policy": _pull_policy(kubernetes=False),
    "allowed_pull_policies": _allowed_pull_policies,
    "allowed_images": _image_allowlist("image"),
    "allowed_services": _image_allowlist("service image"),
    "allowed_privileged_images": _allowed_privileged_images,
    "allowed_privileged_services": _allowed_privileged,
    "image": _image,
    "ff_network_per_build": _network_per_build,
    "ff_enable_job_cleanup": _disable(JOB_CLEANUP_BREAKS),
    "maxbuilds": _one_job,
    "max_use_count": _one_job,
    "capacity_per_instance": _capacity,
    "environment": _environment,
    "debug_trace_disabled": _harmless,
    "disable_entrypoint_overwrite": _disable(
        "jobs that override an image's entrypoint are refused"
    ),
    "disable_cache": _disable(
        "directories an image declares as volumes no longer persist between jobs"
    ),
    "allow_privilege_escalation": _forbid(ESCALATION_BREAKS),
    "run_as_non_root": _disable("pods whose images run as root are refused by Kubernetes"),
    "automount_service_account_token": _forbid(SERVICE_ACCOUNT_TOKEN_BREAKS),
    "delete_instances_on_shutdown": _harmless,
    "disable_strict_host_key_checking": lambda b, a, _t: (
        _may(HOST_KEY_CHECKING_BREAKS) if b is True and a is not True else NONE
    ),
}

_KUBERNETES_PULL_POLICY = _pull_policy(kubernetes=True)
_CUSTOM_BUILD_DIR = _forbid(CUSTOM_BUILD_DIR_BREAKS)
_METRICS = _listen(METRICS_LOCAL_BREAKS)
_SESSION = _listen(SESSION_LOCAL_BREAKS)


def judge_for(table: TablePath, key: str) -> Judge | None:
    """How a change of ``key`` in ``table`` is judged; ``None`` for a setting not known here.

    Only runner settings and the global listener are judged: a Helm chart's own keys
    (``rbac.clusterWideAccess``, the chart's ``privileged``) mean something else, and
    their rules say what their fixes do.
    """
    folded = key.casefold()
    names = [part.casefold() for part in table if isinstance(part, str)]
    if folded == "listen_address":
        if names == []:
            return _METRICS
        if names == ["session_server"]:
            return _SESSION
    if names[:1] != ["runners"] or len(table) < 2 or not isinstance(table[1], int):
        return None
    if folded == "enabled" and names[-1:] == ["custom_build_dir"]:
        return _CUSTOM_BUILD_DIR
    if folded in HOST_NAMESPACE_EFFECTS:
        return _host_namespace
    if folded == "pull_policy" and names[-1:] == ["kubernetes"]:
        return _KUBERNETES_PULL_POLICY
    return _BY_KEY.get(folded)


def effect_of(
    table: TablePath, key: str, before: Any, after: Any, owner: Mapping[str, Any]
) -> Verdict:
    """What setting ``key`` of ``table`` from ``before`` to ``after`` (``None``: absent)
    does to jobs that work today. ``owner`` is the table as it was (neighbouring
    settings decide some verdicts)."""
    found = judge_for(table, key)
    if found is not None:
        return found(before, after, owner)
    if before is None and after is None:
        return NONE
    return _may(UNKNOWN_CHANGE_BREAKS.format(key=key))


def _table_at(data: Mapping[str, Any], path: TablePath) -> Mapping[str, Any]:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            node = get_ci(node, part) if isinstance(node, Mapping) else None
        if node is None:
            return {}
    return node if isinstance(node, Mapping) else {}


def fix_breaks(data: Mapping[str, Any], edits: Sequence[Edit], key: str, fallback: str) -> str:
    """What a rule's fix of ``key`` may break, worded as the same change from an answer or
    a preset is: ``fallback`` (the rule's ``breaks``) only where no judge knows the key."""
    for edit in edits:
        if edit.key.casefold() != key.casefold() or judge_for(edit.table, edit.key) is None:
            continue
        owner = _table_at(data, edit.table)
        after = edit.value if isinstance(edit, SetValue) else None
        verdict = effect_of(edit.table, edit.key, get_ci(owner, edit.key), after, owner)
        if verdict.impact is Impact.MAY_BREAK:
            return verdict.reason
    return fallback
