"""Judging what GitLab said about each runner with the server rules of the catalogue.

Pure: no request is sent from here. Each finding names the line of the file it
rests on, and says what to change in GitLab's UI and the API call that does it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wizard.base.model import Finding, Severity, TablePath, Trust
from wizard.base.safe_text import Message
from wizard.rules import server_rules as R
from wizard.rules.catalogue import get_rule
from wizard.rules.schema import SECURITY_KEYS
from wizard.runner.reading import get_ci, sub_table
from wizard.server.api import RunnerDetails, api_base
from wizard.server.asking import RunnerFacts
from wizard.server.local import keys_needing, parse_version
from wizard.server.options import ServerOptions
from wizard.server.transport import clean, without_userinfo
from wizard.tomlfile.document import ConfigDocument

ROTATION_FLAG = "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION"


@dataclass
class Judge:
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
        message: Message,
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
                message=message,
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
            api_base(
                without_userinfo(
                    self.options.gitlab_url or facts.gitlab or "https://gitlab.example.com"
                )
            ),
            300,
        )
        runner_id = facts.runner_id if facts.runner_id is not None else ":id"
        return (
            'curl --request PUT --header "PRIVATE-TOKEN: $GITLAB_TOKEN" '
            f"'{base}runners/{runner_id}' --form '{setting}' (a token with api scope)"
        )

    def _token(self, facts: RunnerFacts, runner: Mapping[str, Any], entry: TablePath) -> None:
        verified = facts.verification
        if verified is not None and verified.orphaned:
            self.add(
                R.TOKEN_INVALID,
                facts,
                Message.of(
                    "GitLab says this runner is orphaned (422 from /runners/verify): it is a "
                    "project runner no project is assigned to any more (its projects were "
                    "deleted, or it was removed from them), so it gets no jobs; the entry is "
                    "stale."
                ),
                table=entry,
                key="token",
            )
            return
        if verified is not None and not verified.valid:
            self.add(
                R.TOKEN_INVALID,
                facts,
                Message.of(
                    "GitLab refused this entry's token (403 from /runners/verify): it was "
                    "revoked, reset or has expired, or the runner was deleted; the entry is "
                    "stale or was copied from elsewhere."
                ),
                table=entry,
                key="token",
            )
            return
        if facts.unknown_id and (verified is None or not verified.valid):
            self.add(
                R.TOKEN_INVALID,
                facts,
                Message.of(
                    "GitLab has no runner {runner_id} (the id in this entry): it was "
                    "deleted, or this file was copied from another GitLab.",
                    runner_id=facts.runner_id,
                ),
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
                Message.of("GitLab says this runner's token has no expiry date."),
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
        message = Message.of(
            "The token expires on {expires} (in {days} days, threshold {expiry_days}).",
            expires=expires.date().isoformat(),
            days=days,
            expiry_days=self.options.expiry_days,
        )
        if no_rotation:
            message = Message.of(
                "{message} {flag} is set: the runner will not rotate it by itself.",
                message=message,
                flag=ROTATION_FLAG,
            )
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
                    Message.of(
                        "This runner {words}, but GitLab runs jobs of any branch on it "
                        "(access_level {access_level}). In GitLab: the "
                        "runner's edit page, tick Protected. API: "
                        "{api_call}",
                        words=words,
                        access_level=clean(details.access_level, 40),
                        api_call=self._api_call(facts, "access_level=ref_protected"),
                    ),
                    table=table,
                    key=key,
                )
            if details.run_untagged:
                self.add(
                    R.RUNS_UNTAGGED,
                    facts,
                    Message.of(
                        "This runner {words}, and GitLab gives it jobs without tags "
                        "(run_untagged true). In GitLab: the runner's edit page, clear Run "
                        "untagged jobs. API: "
                        "{api_call}",
                        words=words,
                        api_call=self._api_call(facts, "run_untagged=false"),
                    ),
                    table=table,
                    key=key,
                )
        if details.runner_type == "project_type" and details.locked is False:
            self.add(
                R.NOT_LOCKED,
                facts,
                Message.of(
                    "GitLab lets maintainers enable this project runner in more projects "
                    "(locked false). In GitLab: the runner's edit page, tick Lock to current "
                    "projects. API: "
                    "{api_call}",
                    api_call=self._api_call(facts, "locked=true"),
                ),
                table=entry,
                key=None,
            )

    def _versions(self, facts: RunnerFacts, runner: Mapping[str, Any], entry: TablePath) -> None:
        managers = facts.managers or ()
        hosts = sorted({m.system_id for m in managers})
        if len(hosts) > 1:
            listing = ", ".join(clean(host, 20) for host in hosts[:8])
            more = f" and {len(hosts) - 8} more" if len(hosts) > 8 else ""
            self.add(
                R.SHARED_TOKEN,
                facts,
                Message.of(
                    "{count} hosts have used this runner's token ({listing}{more}): "
                    "check each is one of yours; a copied token takes this runner's jobs.",
                    count=len(hosts),
                    listing=listing,
                    more=more,
                ),
                table=entry,
                key=None,
            )
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
                Message.of(
                    "Hosts of this runner run different releases: {listing}.", listing=listing
                ),
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
            Message.of(
                "A host of this runner runs {oldest}, which ignores "
                "{shown}{more}; upgrade it to {newest} or later.",
                oldest=".".join(map(str, oldest)),
                shown=shown,
                more=more,
                newest=".".join(map(str, newest[3])),
            ),
            table=newest[1],
            key=newest[2],
            severity=Severity.HIGH if security else None,
        )
