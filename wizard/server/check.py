"""Ask GitLab about each ``[[runners]]`` entry and judge the answers with the server rules.

The work is split by what it touches: :mod:`~wizard.server.local` reads the file's
side (system id, TLS files, dangerous settings), :mod:`~wizard.server.asking`
decides and sends the requests for one runner, :mod:`~wizard.server.judging`
turns the answers into findings. This module runs them over every entry and
keeps the check's promises across runners: after a host failed to answer, its
other runners are not asked again but reported unchecked, in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wizard.base.masking import KNOWN_SECRETS
from wizard.base.model import Finding, Trust
from wizard.embedded import effective_data
from wizard.runner.reading import iter_runners
from wizard.server.api import GitLabApi, api_base
from wizard.server.asking import (
    CONNECTION_FAILURES,
    RunnerFacts,
    RunnerNote,
    gather,
    token_origin,
)
from wizard.server.judging import Judge
from wizard.server.local import dangerous_settings, read_system_id, tls_files
from wizard.server.options import DEFAULT_EXPIRY_DAYS, ServerOptions
from wizard.server.transport import HttpClient, ServerError, origin_of, without_userinfo
from wizard.tomlfile.document import ConfigDocument

__all__ = [
    "DEFAULT_EXPIRY_DAYS",
    "RunnerFacts",
    "RunnerNote",
    "ServerOptions",
    "ServerReport",
    "check_documents",
    "dangerous_settings",
    "read_system_id",
]


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


def unreached_message(origin: str, first: str) -> str:
    """The one line for every runner not asked because its GitLab did not answer."""
    return f"not asked: {origin} did not answer for an earlier runner ({first})"


def check_documents(
    documents: Sequence[ConfigDocument],
    trust: Trust,
    options: ServerOptions,
    *,
    client_factory: Callable[..., HttpClient] | None = None,
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
    unreachable: dict[tuple[str, str, int], str] = {}
    """Shared by every client: a host that failed is not waited for again."""
    failed_hosts: dict[str, str] = {}
    """``scheme://host:port`` -> the first runner's error there, in a few words."""
    reports = []
    for document in documents:
        report = ServerReport(path=str(document.path))
        data = effective_data(document)
        dangerous = dangerous_settings(data, trust)
        judge = Judge(document, data, trust, options, dangerous)
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
            # The runner sends a url's ``user:password@`` as HTTP Basic authentication;
            # the check asks the host alone, and no message shows the pair.
            url = without_userinfo(url)
            facts.gitlab = url
            report.asked += 1
            try:
                origin = origin_of(url)
            except ServerError as error:
                facts.note(f"not checked: the entry's url is {error}", "error")
                report.notes.extend(facts.notes)
                continue
            if origin in failed_hosts:
                facts.note(unreached_message(origin, failed_hosts[origin]), "error")
                report.notes.extend(facts.notes)
                continue
            base = api_base(url)
            try:
                tls = tls_files(entry.data, base, document.path, trust_ca=options.trust_file_ca)
                cache_key = (base, str(tls.ca_file), str(tls.cert_file), str(tls.key_file))
                client = clients.get(cache_key)
                if client is None:
                    client = (client_factory or HttpClient)(
                        allow_http=options.allow_http,
                        timeout=options.timeout,
                        tls=tls,
                        secrets=secrets,
                        unreachable=unreachable,
                    )
                    clients[cache_key] = client
                client.check_url(base)
                api = GitLabApi(base, client, options.api_token)
                gather(
                    facts,
                    entry.data,
                    api,
                    system_id=system_id,
                    system_id_reason=reason,
                    options=options,
                    token_allowed=allowed_origin is not None and origin == allowed_origin,
                )
            except ServerError as error:
                if error.kind in CONNECTION_FAILURES:
                    failed_hosts.setdefault(origin, _few_words(error))
                facts.note(str(error), "skipped" if error.kind == "refused" else "error")
            if facts.answered:
                report.answered += 1
                judge.judge(facts, entry.data)
            report.notes.extend(facts.notes)
        report.findings = judge.findings
        reports.append(report)
    return reports


def _few_words(error: ServerError) -> str:
    return {"timeout": "no answer in time"}.get(error.kind, "connection failed")
