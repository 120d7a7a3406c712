"""Ask GitLab about each ``[[runners]]`` entry and judge the answers with the server rules.

Read-only on the server. The only request that is not a GET is the runner's own
``POST /runners/verify`` (see :mod:`wizard.server.api` for what GitLab does with
it), and it is sent only with the system id the runner itself uses, read from
``.runner_system_id`` beside config.toml. Without that file, verify would make
GitLab record a manager that no runner process is behind, so it is skipped and
the report says why. With an access token, verify is also skipped when GitLab
lists no manager with that system id: the runner never ran with this token here,
and verify would create its manager ahead of it.

Where the access token goes: only to the GitLab the operator named
(``--gitlab-url``), or, without one, to the single GitLab all checked entries
point at. A file whose entries name several servers does not get the token sent
to each: an address in a file is not the operator's choice.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import keys
from wizard.config_reading import get_ci, iter_runners, sub_table
from wizard.embedded import effective_data
from wizard.model import Finding, Severity, TablePath, Trust
from wizard.rules import server_rules as R
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import get_rule
from wizard.rules.schema import SECURITY_KEYS
from wizard.secrets import KNOWN_SECRETS, mask_text
from wizard.server.api import (
    GitLabApi,
    Manager,
    RunnerDetails,
    Verification,
    api_base,
)
from wizard.server.transport import DEFAULT_TIMEOUT, HttpClient, ServerError, TlsFiles, clean
from wizard.tomlfile.document import ConfigDocument

SYSTEM_ID_FILE = ".runner_system_id"
SYSTEM_ID = re.compile(r"[sr]_[0-9a-zA-Z]{12}")
"""The runner's own pattern (``system_id_state.go``); it ignores a file that does not match."""

DEFAULT_EXPIRY_DAYS = 30

DANGEROUS_RULES = {
    "privileged-container": "privileged containers",
    "privileged-services": "privileged service containers",
    "docker-socket-mount": "the host's Docker socket",
    "host-namespace": "a host namespace",
    "shell-executor": "the shell executor (jobs run on the host)",
}
"""Config rules whose finding means a job owns the host: such a runner must be protected."""

ROTATION_FLAG = "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION"
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class ServerOptions:
    api_token: str | None = None
    gitlab_url: str | None = None
    allow_http: bool = False
    timeout: float = DEFAULT_TIMEOUT
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    verify: bool = True
    now: dt.datetime | None = None


@dataclass(frozen=True)
class RunnerNote:
    """A check that could not run for one runner, and why, in one line."""

    runner_index: int
    runner: str | None
    message: str
    kind: str
    """``error`` (GitLab or the network failed) or ``skipped`` (we chose not to ask)."""


@dataclass
class RunnerFacts:
    """What GitLab said about one entry."""

    index: int
    name: str | None
    gitlab: str | None = None
    runner_id: int | None = None
    verification: Verification | None = None
    details: RunnerDetails | None = None
    managers: tuple[Manager, ...] | None = None
    unknown_id: bool = False
    """GET /runners/:id said 404 for the id in the file."""
    notes: list[RunnerNote] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.verification is not None or self.details is not None or self.unknown_id

    def note(self, message: str, kind: str = "error") -> None:
        name = clean(self.name, 80) if self.name is not None else None
        self.notes.append(RunnerNote(self.index, name, clean(message, 400), kind))


@dataclass
class ServerReport:
    """The server check of one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[RunnerNote] = field(default_factory=list)
    facts: list[RunnerFacts] = field(default_factory=list)
    asked: int = 0
    """Runners we tried to ask about."""
    answered: int = 0
    """Runners GitLab answered about (a refused token is an answer)."""


# -- reading the file's side -------------------------------------------------------------


def read_system_id(config_path: Path | None) -> tuple[str | None, str]:
    """The runner's system id from ``.runner_system_id`` beside config.toml, or why not."""
    if config_path is None:
        return None, "the config has no folder on disk"
    path = config_path.parent / SYSTEM_ID_FILE
    try:
        if not path.is_file():
            return None, f"no {SYSTEM_ID_FILE} beside the config (the runner never ran here)"
        if path.stat().st_size > 256:
            return None, f"{SYSTEM_ID_FILE} is too large to be a system id"
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError as error:
        return None, f"cannot read {SYSTEM_ID_FILE}: {error.strerror or error}"
    if not SYSTEM_ID.fullmatch(text):
        return None, f"{SYSTEM_ID_FILE} does not hold a system id the runner would use"
    return text, ""


def parse_version(value: str | None) -> tuple[int, int, int] | None:
    match = _VERSION.search(value or "")
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def _keys_with_release(
    data: Mapping[str, Any], table: str, path: TablePath
) -> Iterator[tuple[str, TablePath, str, tuple[int, int, int]]]:
    """Every key of a table (and the tables below it) the catalogue dates: its dotted
    name, its table path, its spelling and the first release that reads it."""
    for key, value in data.items():
        info = keys.lookup(table, key)
        if info is None:
            continue
        since = parse_version(info.since)
        if since is not None:
            yield (f"{table}.{info.name}" if table else info.name, path, key, since)
        child = keys.child_table(table, info.name)
        kind = keys.table_kind(child)
        if isinstance(value, Mapping) and kind in ("table", "map"):
            yield from _keys_with_release(value, child, (*path, key))
        elif isinstance(value, list) and kind == "array-of-tables":
            for position, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _keys_with_release(item, child, (*path, key, position))


def keys_needing(
    data: Mapping[str, Any], runner: Mapping[str, Any], index: int
) -> list[tuple[str, TablePath, str, tuple[int, int, int]]]:
    """The dated keys one runner process reads for this entry: the global ones and the entry's."""
    global_keys = {k: v for k, v in data.items() if k.casefold() != "runners"}
    found = list(_keys_with_release(global_keys, "", ()))
    found += _keys_with_release(runner, "runners", ("runners", index))
    return found


def dangerous_settings(
    data: Mapping[str, Any], trust: Trust
) -> dict[int, list[tuple[str, TablePath, str | None]]]:
    """Per runner index, what in its config gives jobs the host, with where it is written."""
    context = AuditContext(data=data, trust=trust)
    found: dict[int, list[tuple[str, TablePath, str | None]]] = {}
    for rule_id, words in DANGEROUS_RULES.items():
        for issue in get_rule(rule_id).check(context):
            if issue.runner_index is None:
                continue
            found.setdefault(issue.runner_index, []).append((words, issue.table, issue.key))
    return found


def _runner_id_in_file(runner: Mapping[str, Any]) -> int | None:
    value = get_ci(runner, "id")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def _tls_files(runner: Mapping[str, Any], base: str, config_path: Path | None) -> TlsFiles:
    """The runner's TLS files, paths relative to the config's folder; without
    ``tls-ca-file``, ``certs/HOST.crt`` there, where the runner looks by default."""
    folder = config_path.parent if config_path is not None else Path.cwd()

    def resolved(key: str) -> Path | None:
        value = get_ci(runner, key)
        if not isinstance(value, str) or not value.strip():
            return None
        path = Path(value.strip())
        return path if path.is_absolute() else folder / path

    files = TlsFiles(resolved("tls-ca-file"), resolved("tls-cert-file"), resolved("tls-key-file"))
    if files.ca_file is None:
        host = urllib.parse.urlsplit(base).hostname or ""
        candidate = folder / "certs" / f"{host}.crt"
        if host and candidate.is_file():
            files.ca_file = candidate
    return files


# -- asking GitLab ---------------------------------------------------------------------------


def token_origin(documents: Sequence[ConfigDocument], options: ServerOptions) -> str | None:
    """The one GitLab the access token may be sent to, or ``None``."""
    if options.gitlab_url:
        return _origin(options.gitlab_url)
    origins = {
        _origin(url)
        for document in documents
        for entry in iter_runners(effective_data(document))
        if isinstance(url := entry.get("url"), str) and url.strip()
    }
    return origins.pop() if len(origins) == 1 else None


def _gather(
    facts: RunnerFacts,
    runner: Mapping[str, Any],
    api: GitLabApi,
    *,
    system_id: str | None,
    system_id_reason: str,
    options: ServerOptions,
    token_allowed: bool,
) -> None:
    """Fill ``facts`` from GitLab: details and managers first, then verify when it is safe."""
    token = get_ci(runner, "token")
    facts.runner_id = _runner_id_in_file(runner)

    def read_details() -> None:
        if facts.runner_id is None:
            return
        try:
            facts.details = api.runner(facts.runner_id)
        except ServerError as error:
            if error.status == 404:
                facts.unknown_id = True
                return
            facts.note(_explain(error, facts.runner_id))
            return
        try:
            facts.managers = api.managers(facts.runner_id)
        except ServerError as error:
            facts.note(_explain(error, facts.runner_id))

    if token_allowed:
        read_details()

    if not options.verify:
        facts.note("verify not asked (--no-verify): token validity and expiry unknown", "skipped")
    elif not isinstance(token, str) or not token.strip() or token.startswith("$"):
        facts.note("no token in the entry: verify skipped", "skipped")
    elif system_id is None:
        facts.note(
            f"verify skipped: {system_id_reason}; GitLab would record a runner manager "
            "for this check (token validity and expiry unknown)",
            "skipped",
        )
    elif facts.managers is not None and system_id not in {m.system_id for m in facts.managers}:
        facts.note(
            f"verify skipped: GitLab knows no manager {system_id} for this runner, and "
            "verify would create one (token validity and expiry unknown)",
            "skipped",
        )
    else:
        try:
            facts.verification = api.verify(token, system_id)
        except ServerError as error:
            facts.note(_explain(error, None))

    verified = facts.verification
    if (
        token_allowed
        and facts.runner_id is None
        and verified is not None
        and verified.runner_id is not None
    ):
        facts.runner_id = verified.runner_id
        read_details()
    if not token_allowed and options.api_token:
        facts.note(
            "access token not sent: the checked entries name more than one GitLab; "
            "name one with --gitlab-url",
            "skipped",
        )
    elif not options.api_token:
        facts.note(
            "no access token (--api-token-file or GITLAB_TOKEN): protection, tags, lock "
            "and versions not checked",
            "skipped",
        )
    elif facts.runner_id is None and facts.details is None and (verified is None or verified.valid):
        facts.note("runner id unknown (no id in the entry, verify gave none)", "skipped")


def _explain(error: ServerError, runner_id: int | None) -> str:
    """The error with what it means for this check."""
    message = str(error)
    if error.status == 401:
        return f"{message}: the access token is invalid, expired or revoked"
    if error.status == 403 and runner_id is not None:
        return (
            f"{message}: the access token may not read runner {runner_id} (it needs read_api "
            "and Maintainer on the runner's project or Owner on its group)"
        )
    if error.status == 404:
        return f"{message}: no such API here; is the URL the GitLab server's address?"
    return message


# -- judging --------------------------------------------------------------------------------


@dataclass
class _Judge:
    document: ConfigDocument
    data: Mapping[str, Any]
    """The settings the runner ends up with (for chart values, with the chart's defaults)."""
    trust: Trust
    options: ServerOptions
    dangerous: dict[int, list[tuple[str, TablePath, str | None]]]
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule_id: str,
        facts: RunnerFacts,
        message: str,
        *,
        table: TablePath,
        key: str | None,
        severity: Severity | None = None,
    ) -> None:
        rule = get_rule(rule_id)
        self.findings.append(
            Finding(
                rule=rule_id,
                severity=severity or rule.severity_for(self.trust),
                message=mask_text(message),
                table=table,
                key=key,
                runner_index=facts.index,
                runner=facts.name,
                line=self.document.line_of(table, key),
                fix=None,
            )
        )

    def judge(self, facts: RunnerFacts, runner: Mapping[str, Any]) -> None:
        entry: TablePath = ("runners", facts.index)
        self._token(facts, runner, entry)
        details = facts.details
        if details is not None:
            self._settings(facts, details, entry)
        if facts.managers or (details is not None and details.version):
            self._versions(facts, runner, entry)

    def _api_call(self, facts: RunnerFacts, setting: str) -> str:
        base = clean(
            api_base(self.options.gitlab_url or facts.gitlab or "https://gitlab.example.com"), 300
        )
        runner_id = facts.runner_id if facts.runner_id is not None else ":id"
        return (
            'curl --request PUT --header "PRIVATE-TOKEN: $GITLAB_TOKEN" '
            f"'{base}runners/{runner_id}' --form '{setting}' (a token with api scope)"
        )

    def _token(self, facts: RunnerFacts, runner: Mapping[str, Any], entry: TablePath) -> None:
        verified = facts.verification
        if verified is not None and not verified.valid:
            self.add(
                R.TOKEN_INVALID,
                facts,
                "GitLab refused this entry's token (403 from /runners/verify): it was "
                "revoked, reset or has expired, or the runner was deleted; the entry is "
                "stale or was copied from elsewhere.",
                table=entry,
                key="token",
            )
            return
        if facts.unknown_id and (verified is None or not verified.valid):
            self.add(
                R.TOKEN_INVALID,
                facts,
                f"GitLab has no runner {facts.runner_id} (the id in this entry): it was "
                "deleted, or this file was copied from another GitLab.",
                table=entry,
                key="id",
            )
            return
        if verified is None or not verified.expiry_known:
            return
        expires = verified.token_expires_at
        if expires is None:
            self.add(
                R.TOKEN_NEVER_EXPIRES,
                facts,
                "GitLab says this runner's token has no expiry date.",
                table=entry,
                key="token",
            )
            return
        now = self.options.now or dt.datetime.now(dt.UTC)
        left = expires - now
        if left > dt.timedelta(days=self.options.expiry_days):
            return
        flags = sub_table(runner, "feature_flags")
        no_rotation = get_ci(flags, ROTATION_FLAG) is True
        days = max(0, left.days)
        message = (
            f"The token expires on {expires.date().isoformat()} (in {days} days, "
            f"threshold {self.options.expiry_days})."
        )
        if no_rotation:
            message += f" {ROTATION_FLAG} is set: the runner will not rotate it by itself."
        self.add(
            R.TOKEN_EXPIRES_SOON,
            facts,
            message,
            table=entry,
            key="token",
            severity=Severity.HIGH if no_rotation else None,
        )

    def _settings(self, facts: RunnerFacts, details: RunnerDetails, entry: TablePath) -> None:
        dangers = self.dangerous.get(facts.index, [])
        if dangers:
            words = "gives jobs " + ", ".join(dict.fromkeys(d[0] for d in dangers))
            table, key = dangers[0][1], dangers[0][2]
            if details.access_level is not None and details.access_level != "ref_protected":
                self.add(
                    R.NOT_PROTECTED,
                    facts,
                    f"This runner {words}, but GitLab runs jobs of any branch on it "
                    f"(access_level {clean(details.access_level, 40)}). In GitLab: the "
                    "runner's edit page, tick Protected. API: "
                    + self._api_call(facts, "access_level=ref_protected"),
                    table=table,
                    key=key,
                )
            if details.run_untagged:
                self.add(
                    R.RUNS_UNTAGGED,
                    facts,
                    f"This runner {words}, and GitLab gives it jobs without tags "
                    "(run_untagged true). In GitLab: the runner's edit page, clear Run "
                    "untagged jobs. API: " + self._api_call(facts, "run_untagged=false"),
                    table=table,
                    key=key,
                )
        if details.runner_type == "project_type" and details.locked is False:
            self.add(
                R.NOT_LOCKED,
                facts,
                "GitLab lets maintainers enable this project runner in more projects "
                "(locked false). In GitLab: the runner's edit page, tick Lock to current "
                "projects. API: " + self._api_call(facts, "locked=true"),
                table=entry,
                key=None,
            )

    def _versions(self, facts: RunnerFacts, runner: Mapping[str, Any], entry: TablePath) -> None:
        managers = facts.managers or ()
        reported = [(m.system_id, m.version) for m in managers if parse_version(m.version)]
        if not reported and facts.details is not None and facts.details.version:
            reported = [("the runner", facts.details.version)]
        if not reported:
            return
        distinct = sorted({p for _, v in reported if (p := parse_version(v)) is not None})
        if len(distinct) > 1:
            listing = ", ".join(f"{clean(s, 20)} {clean(v or '', 30)}" for s, v in reported)
            self.add(
                R.MIXED_VERSIONS,
                facts,
                f"Hosts of this runner run different releases: {listing}.",
                table=entry,
                key=None,
            )
        oldest = distinct[0]
        dated = keys_needing(self.data, runner, facts.index)
        too_new = [d for d in dated if d[3] > oldest]
        if not too_new:
            return
        too_new.sort(key=lambda d: d[3], reverse=True)
        security = any(d[2].casefold() in SECURITY_KEYS for d in too_new)
        shown = ", ".join(
            f"{name} ({'.'.join(map(str, since))})" for name, _, _, since in too_new[:6]
        )
        more = f" and {len(too_new) - 6} more" if len(too_new) > 6 else ""
        newest = too_new[0]
        self.add(
            R.MANAGER_TOO_OLD,
            facts,
            f"A host of this runner runs {'.'.join(map(str, oldest))}, which ignores "
            f"{shown}{more}; upgrade it to {'.'.join(map(str, newest[3]))} or later.",
            table=newest[1],
            key=newest[2],
            severity=Severity.HIGH if security else None,
        )


def check_documents(
    documents: Sequence[ConfigDocument],
    trust: Trust,
    options: ServerOptions,
    *,
    client_factory: Any = None,
) -> list[ServerReport]:
    """One report per document, in order; asks each runner's GitLab in turn."""
    allowed_origin = token_origin(documents, options) if options.api_token else None
    secrets = tuple(
        token
        for document in documents
        for entry in iter_runners(effective_data(document))
        if isinstance(token := entry.get("token"), str) and token
    ) + ((options.api_token,) if options.api_token else ())
    for secret in secrets:
        KNOWN_SECRETS.remember(secret)  # masked by value in every output, echoes included
    clients: dict[tuple[str, str, str, str], HttpClient] = {}
    reports = []
    for document in documents:
        report = ServerReport(path=str(document.path))
        data = effective_data(document)
        dangerous = dangerous_settings(data, trust)
        judge = _Judge(document, data, trust, options, dangerous)
        system_id, reason = read_system_id(document.path)
        for entry in iter_runners(data):
            name = entry.get("name")
            facts = RunnerFacts(entry.index, name if isinstance(name, str) else None)
            report.facts.append(facts)
            url = options.gitlab_url or entry.get("url")
            if not isinstance(url, str) or not url.strip():
                facts.note("no url in the entry and no --gitlab-url: not checked", "skipped")
                report.notes.extend(facts.notes)
                continue
            facts.gitlab = url.strip()
            base = api_base(url)
            report.asked += 1
            try:
                tls = _tls_files(entry.data, base, document.path)
                cache_key = (base, str(tls.ca_file), str(tls.cert_file), str(tls.key_file))
                client = clients.get(cache_key)
                if client is None:
                    client = (client_factory or HttpClient)(
                        allow_http=options.allow_http,
                        timeout=options.timeout,
                        tls=tls,
                        secrets=secrets,
                    )
                    clients[cache_key] = client
                client.check_url(base)
                api = GitLabApi(base, client, options.api_token)
                _gather(
                    facts,
                    entry.data,
                    api,
                    system_id=system_id,
                    system_id_reason=reason,
                    options=options,
                    token_allowed=allowed_origin is not None and _origin(url) == allowed_origin,
                )
            except ServerError as error:
                facts.note(str(error), "skipped" if error.kind == "refused" else "error")
            if facts.answered:
                report.answered += 1
                judge.judge(facts, entry.data)
            report.notes.extend(facts.notes)
        report.findings = judge.findings
        reports.append(report)
    return reports
