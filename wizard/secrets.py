"""Masking of tokens, keys and passwords: the one module every output goes through.

Two layers:

- :func:`mask_toml_value` masks the string literals of one TOML value by what
  they are, not how they are quoted: every string under a secret-bearing key
  (basic, literal, multi-line, inside arrays and inline tables), the value of a
  ``NAME=value`` environment entry with a secret name, the item after a
  ``--password`` in an argument list, and secrets in free text.
- :func:`mask_text` is the last line of defence over any text: token shapes
  wherever they appear (names and table names included), ``name=secret``
  pairs, ``-p VALUE``, ``--password VALUE``, ``_authToken VALUE``, bearer
  tokens and URL passwords.

Every pattern here is written so it cannot backtrack over its input (possessive
quantifiers, and a lookbehind so each run of characters is tried once): a 1 MB
line is masked in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wizard.printable import printable

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

_SECRET_WORD = (
    r"(?:token|secret|password|passwd|private[-_]?key|access[-_]?key|api[-_]?key|credentials?)"
)

_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![/\\\w.-])(?P<name>(?=[A-Za-z0-9_.-]*?" + _SECRET_WORD + r")[A-Za-z0-9_.-]++)"
    r"(?P<sep>[ \t]*+[=:][ \t]*+)"
    r"(?:\"(?P<double>[^\"\n]*+)\"?|'(?P<single>[^'\n]*+)'?|(?P<value>[^\s,\"'\]]++))"
)
"""``NAME=value`` pairs inside strings: ``MachineOptions``, ``environment`` and the like."""

_NOT_A_SECRET_VALUE = re.compile(
    r"(?i)true|false|-?\d{1,9}(\.\d+)?|\d{4}-\d{2}-\d{2}[T ]?[\d:.Z+-]*"
)
"""Booleans, numbers and dates: ``automount_service_account_token = false`` hides nothing."""

_NOT_A_SECRET_NAME = re.compile(r"(?i)^FF_|_(at|file|path|overwrite_allowed)$|metadata-token")
"""Feature flags, timestamps, file paths and cloud settings that merely mention a token."""

_TOKEN_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_])(?:(?:glrt|glrtr|glpat|gldt|glptt|glcbt|glimt|glsoat|glffct|gloas|"
    r"GR1348941|ghp|gho|github_pat|AKIA|ASIA)[-_]?|npm_|xox[abprs]-)"
    r"[A-Za-z0-9_\-]{8}[A-Za-z0-9_\-]*+"
)
"""Token formats that are secret wherever they turn up, names and table names included."""

_SECRET_NAME = (
    r"(?=[A-Z0-9_]*?(?:SECRET|TOKEN|PASSWORD|PASSWD|PASS|_PAT|PAT_|LOGIN|AUTH|KEY|"
    r"CREDENTIAL|DSN|COOKIE|SESSION))[A-Z][A-Z0-9_]*+"
)
_SECRET_ENVIRONMENT_ENTRY = re.compile(
    r"(?<=\")(?P<name>" + _SECRET_NAME + r")=(?P<value>(?:\\.|[^\"\\\n])++)(?=\")"
    r"|(?<=')(?P<lname>" + _SECRET_NAME + r")=(?P<lvalue>[^'\n]++)(?=')"
)
"""A whole ``"NAME=value"`` (or ``'NAME=value'``) entry of ``environment``: the value runs
to the closing quote, so JSON values (``DOCKER_AUTH_CONFIG={...}``) are masked whole."""

_WHOLE_ENTRY = re.compile(r"(?P<name>" + _SECRET_NAME + r")=(?P<value>[\s\S]++)")
"""The same, for the content of one string literal."""

_URL_PASSWORD = re.compile(
    r"(?<![a-z0-9+.-])(?P<start>[a-z][a-z0-9+.-]*+://[^:/@\s\"']++:)(?P<password>[^@/\s\"']++)@"
)
"""``scheme://user:password@host``: the password part."""

_SECRET_FLAGS = (
    r"-p|--password|--pass|--token|--secret|--api-key|--access-key|--secret-key|"
    r"--registration-token|--docker-password|_authToken|_auth|_password"
)
_FLAG_VALUE = re.compile(
    r"(?<![\w-])(?P<flag>" + _SECRET_FLAGS + r")(?P<sep>[ \t]++|[ \t]*+=[ \t]*+)"
    r"(?P<value>\"[^\"\n]*+\"?|'[^'\n]*+'?|[^\s\"';&|)]++)"
)
"""``docker login -p VALUE``, ``--password=VALUE``, ``npm config set //r/:_authToken VALUE``."""

_SECRET_FLAG = re.compile(r"(?:" + _SECRET_FLAGS + r")=?")
"""An argument-list item whose next item is the secret: ``["--password", "X"]``."""

_BEARER = re.compile(
    r"(?i)(?<![\w-])(?P<scheme>bearer)(?P<sep>[ \t]++)"
    r"(?P<value>[A-Za-z0-9._~+/=-]{12}[A-Za-z0-9._~+/=-]*+)"
)
"""``Authorization: Bearer VALUE``."""

_PREFIXES = ("glrtr-", "glrt-", "glpat-", "GR1348941")

_VALUE_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\[\s\S]|"(?!""))*+"{3,5}|\'\'\'(?:[^\']|\'(?!\'\'))*+\'{3,5}'
    r'|"(?:[^"\\\n]|\\.)*+"|\'[^\'\n]*+\')'
    r"|(?P<comment>#[^\n]*+)|(?P<bare>[A-Za-z0-9_.+:-]++)|(?P<punct>[\[\]{}=,])|[ \t\r\n]++"
    r"|[\s\S]"
)
"""The tokens of a TOML value; strings in all four forms."""


def mask_secret(value: str) -> str:
    """Show a secret's kind and last four characters only: ``glrt-…abcd``.

    Short values are hidden completely, because four characters of an
    eight-character password are half of it.
    """
    if not value or value.startswith("$"):
        return value  # empty, or a $VAR reference the runner expands: not a secret itself
    prefix = next((p for p in _PREFIXES if value.startswith(p)), "")
    rest = value[len(prefix) :]
    if len(rest) >= 16 and "\n" not in rest and not {'"', "'", "\\"} & set(rest[-4:]):
        return f"{prefix}…{rest[-4:]}"
    return f"{prefix}…" if prefix else "…"


def _is_plain(value: str) -> bool:
    return "…" in value or bool(_NOT_A_SECRET_VALUE.fullmatch(value))


def _assignment(match: re.Match[str]) -> str:
    value = next(v for v in (match["double"], match["single"], match["value"]) if v is not None)
    if _is_plain(value) or _NOT_A_SECRET_NAME.search(match["name"]):
        return match.group(0)
    whole = match.group(0)
    quote = '"' if match["double"] is not None else "'" if match["single"] is not None else ""
    closing = quote if quote and whole.endswith(quote) and len(whole) > 1 else ""
    return f"{match['name']}{match['sep']}{quote}{mask_secret(value)}{closing}"


def _environment_entry(match: re.Match[str]) -> str:
    name = match["name"] or match["lname"]
    value = match["value"] if match["name"] else match["lvalue"]
    if _is_plain(value):
        return match.group(0)
    return f"{name}={mask_secret(value)}"


def _could_be_secret(value: str) -> bool:
    """Not empty, not the next option, a path (``mkdir -p /x``), a variable or a number."""
    return bool(value) and value[0] not in "-/.~$" and not _is_plain(value)


def _flag_value(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[:1] if value[:1] in "\"'" else ""
    inner = value[len(quote) :]
    if quote and inner.endswith(quote):
        inner = inner[:-1]
    if not _could_be_secret(inner):
        return match.group(0)
    closing = quote if quote and value.endswith(quote) and len(value) > 1 else ""
    return f"{match['flag']}{match['sep']}{quote}{mask_secret(inner)}{closing}"


def mask_text(text: str) -> str:
    """Mask token shapes, secret flags and ``name=secret`` pairs anywhere in free text."""
    text = _TOKEN_SHAPES.sub(lambda m: mask_secret(m.group(0)), text)
    text = _SECRET_ENVIRONMENT_ENTRY.sub(_environment_entry, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['start']}{mask_secret(m['password'])}@", text)
    text = _FLAG_VALUE.sub(_flag_value, text)
    text = _BEARER.sub(lambda m: f"{m['scheme']}{m['sep']}{mask_secret(m['value'])}", text)
    return _SECRET_ASSIGNMENT.sub(_assignment, text)


def is_secret_key(key: str) -> bool:
    return key.strip("\"'").casefold() in SECRET_KEYS


def mask_literal(literal: str) -> str:
    """A TOML string literal with its whole content masked; a multi-line one keeps its lines."""
    delimiter = literal[:3] if literal[:3] in ('"""', "'''") else literal[:1]
    inner = literal[len(delimiter) : len(literal) - len(delimiter)]
    return delimiter + mask_secret(inner.strip()) + "\n" * inner.count("\n") + delimiter


def _masked_content(literal: str, rewrite: Callable[[str], str]) -> str:
    delimiter = literal[:3] if literal[:3] in ('"""', "'''") else literal[:1]
    inner = literal[len(delimiter) : len(literal) - len(delimiter)]
    return delimiter + rewrite(inner) + delimiter


def _masked_entry(inner: str) -> str:
    stripped = inner.strip()
    entry = _WHOLE_ENTRY.fullmatch(stripped)
    if entry is not None and not _is_plain(entry["value"]):
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        return f"{lead}{entry['name']}={mask_secret(entry['value'])}{trail}"
    return mask_text(inner)


def mask_toml_value(key: str, value_text: str) -> str:
    """The text of one TOML value (``key = <value_text>``) with every secret in it masked.

    A string is masked whole when the key that owns it is a secret (the
    statement's key, or the key of the inline-table pair it is the value of),
    when it follows a secret flag in an array (``["--password", "X"]``), or
    when it is a ``NAME=value`` entry with a secret name; any other string is
    masked as free text.
    """
    out: list[str] = []
    owners: list[str | None] = []
    """One entry per open inline table: the key whose value comes next."""
    pending_key: str | None = None
    previous: str | None = None
    """The content of the previous string item, to catch ``["-p", "secret"]``."""
    for match in _VALUE_TOKEN.finditer(value_text):
        token = match.group(0)
        literal = match["string"]
        punct = match["punct"]
        if punct == "{":
            owners.append(None)
        elif punct == "}" and owners:
            owners.pop()
        elif punct == "=" and owners:
            owners[-1] = pending_key.rsplit(".", 1)[-1] if pending_key else None
        elif match["bare"] is not None and owners:
            pending_key = token
        if literal is None:
            # Comments inside an array, and keys of an inline table, are free text.
            shown = match["comment"] is not None or (owners and match["bare"] is not None)
            out.append(mask_text(token) if shown else token)
            continue
        rest = value_text[match.end() :].lstrip(" \t")
        if owners and rest.startswith(("=", ".")):
            pending_key = literal.strip("\"'")  # a quoted key inside an inline table
            out.append(mask_text(token))
            continue
        owner = owners[-1] if owners and owners[-1] is not None else key
        inner = literal.strip("\"'") if len(literal) >= 2 else literal
        after_flag = previous is not None and bool(_SECRET_FLAG.fullmatch(previous))
        if is_secret_key(owner) or (after_flag and _could_be_secret(inner)):
            out.append(mask_literal(literal))
        else:
            out.append(_masked_content(literal, _masked_entry))
        previous = inner
    return "".join(out)


def mask_strings(value: Any) -> Any:
    """Every string in a JSON-like structure, masked (for JSON and SARIF reports)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {
            mask_text(k) if isinstance(k, str) else k: mask_strings(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_strings(item) for item in value]
    return value


def outward(text: str, *, one_line: bool = False) -> str:
    """Text for a terminal: secrets masked, control characters escaped (see :mod:`printable`)."""
    return printable(mask_text(text), one_line=one_line)
