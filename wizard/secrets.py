"""Masking of tokens, keys and passwords in everything we print.

Two layers: values of keys known to hold secrets are masked by the document
layer (which knows where each value sits), and :func:`mask_text` is a last
line of defence over any output, catching token shapes wherever they appear.
"""

from __future__ import annotations

import re

SECRET_KEYS = frozenset(
    key.casefold()
    for key in (
        "token",
        "password",
        "AccessKey",
        "SecretKey",
        "SessionToken",
        "PrivateKey",
        "AccountKey",
        "AccountName",
        "bearer_token",
        "sentry_dsn",
        "client_secret",
        "secret",
        "api_key",
        "registration_token",
    )
)
"""Keys (compared case-insensitively) whose whole value is a secret, in any table."""

_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![/\\\w.-])(?P<name>[A-Za-z0-9_.-]*(?:token|secret|password|passwd|private[-_]?key|"
    r"access[-_]?key|api[-_]?key|credentials?)[A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*)"
    r"(?:\"(?P<double>[^\"\n]*)\"|'(?P<single>[^'\n]*)'|(?P<value>[^\s,\"'\]]+))"
)
"""``NAME=value`` pairs inside strings: ``MachineOptions``, ``environment`` and the like."""

_NOT_A_SECRET_VALUE = re.compile(
    r"(?i)true|false|-?\d{1,9}(\.\d+)?|\d{4}-\d{2}-\d{2}[T ]?[\d:.Z+-]*"
)
"""Booleans, numbers and dates: ``automount_service_account_token = false`` hides nothing."""

_NOT_A_SECRET_NAME = re.compile(r"(?i)^FF_|_(at|file|path|overwrite_allowed)$|metadata-token")
"""Feature flags, timestamps, file paths and cloud settings that merely mention a token."""

_TOKEN_SHAPES = re.compile(
    r"\b(?:glrt|glrtr|glpat|gldt|glptt|glcbt|glimt|glsoat|glffct|gloas|GR1348941|ghp|gho|"
    r"github_pat|AKIA|ASIA)[-_]?[A-Za-z0-9_\-]{8,}"
)
"""Token formats that are secret wherever they turn up."""

_SECRET_ENVIRONMENT_ENTRY = re.compile(
    r'(?<=")(?P<name>[A-Z][A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASS|_PAT|PAT_|LOGIN|AUTH|'
    r'KEY|CREDENTIAL|CREDENTIALS|DSN|COOKIE|SESSION)[A-Z0-9_]*)=(?P<value>(?:\\.|[^"\\\n])+)(?=")'
)
"""A whole ``"NAME=value"`` entry of ``environment``: the value runs to the closing quote,
so JSON values (``DOCKER_AUTH_CONFIG={...}``) are masked whole."""

_URL_PASSWORD = re.compile(r"(?P<start>\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<password>[^@/\s]+)@")
"""``scheme://user:password@host``: the password part."""

_PREFIXES = ("glrtr-", "glrt-", "glpat-", "GR1348941")


def mask_secret(value: str) -> str:
    """Show a secret's kind and last four characters only: ``glrt-…abcd``.

    Short values are hidden completely, because four characters of an
    eight-character password are half of it.
    """
    if not value or value.startswith("$"):
        return value  # empty, or a $VAR reference the runner expands: not a secret itself
    prefix = next((p for p in _PREFIXES if value.startswith(p)), "")
    rest = value[len(prefix) :]
    if len(rest) >= 16:
        return f"{prefix}…{rest[-4:]}"
    return f"{prefix}…" if prefix else "…"


def mask_text(text: str) -> str:
    """Mask token shapes and ``name=secret`` pairs anywhere in free text."""

    def _assignment(match: re.Match[str]) -> str:
        value = next(v for v in (match["double"], match["single"], match["value"]) if v is not None)
        if (
            "…" in value  # masked already
            or _NOT_A_SECRET_VALUE.fullmatch(value)
            or _NOT_A_SECRET_NAME.search(match["name"])
        ):
            return match.group(0)
        quote = '"' if match["double"] is not None else "'" if match["single"] is not None else ""
        return f"{match['name']}{match['sep']}{quote}{mask_secret(value)}{quote}"

    text = _TOKEN_SHAPES.sub(lambda m: mask_secret(m.group(0)), text)
    text = _SECRET_ENVIRONMENT_ENTRY.sub(
        lambda m: (
            m.group(0)
            if _NOT_A_SECRET_VALUE.fullmatch(m["value"]) or "…" in m["value"]
            else f"{m['name']}={mask_secret(m['value'])}"
        ),
        text,
    )
    text = _URL_PASSWORD.sub(lambda m: f"{m['start']}{mask_secret(m['password'])}@", text)
    return _SECRET_ASSIGNMENT.sub(_assignment, text)


def is_secret_key(key: str) -> bool:
    return key.casefold() in SECRET_KEYS
