"""Rules about the team's own audit policy (``.runner-wizard.toml``), not about a runner.

Catalogued like every rule so that ``rules ID``, JSON, SARIF and the README
know them; :func:`wizard.audit.policy.apply_policy` raises their findings.
"""

from __future__ import annotations

from wizard.base.model import Severity as S
from wizard.rules.base import Rule, advice_rule

EXCEPTION_EXPIRED = advice_rule(
    "policy",
    "policy-exception-expired",
    "An exception in the audit policy is past its expiry date",
    (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "An exception accepts a finding for a reason that held when it was written, until a date "
    "someone chose so that the reason is looked at again. Past that date the finding it "
    "covered is reported again, and the exception itself is reported so that it is renewed "
    "with a fresh reason or removed.",
    "https://docs.gitlab.com/runner/security/",
    "exception",
    "expires",
    "Fix what the exception covered and remove it, or renew it with a new reason and date.",
)

POLICY_RULES: tuple[Rule, ...] = (EXCEPTION_EXPIRED,)
