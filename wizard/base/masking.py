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

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from wizard.base.printable import printable

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
    r"(?:token|secret|password|passwd|passphrase|private[-_]?key|access[-_]?key|api[-_]?key|"
    r"signing[-_]?key|account[-_]?key|credentials?)"
)

_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![/\\\w.-])(?P<name>(?=[A-Za-z0-9_.-]*?" + _SECRET_WORD + r")[A-Za-z0-9_.-]++)"
    r"(?P<sep>[ \t]*+[=:][ \t]*+)"
    r"(?:\"(?P<double>[^\"\n]*+)\"?|'(?P<single>[^'\n]*+)'?|(?P<value>[^\s,\"'\]]++))"
)
"""``NAME=value`` pairs inside strings: ``MachineOptions``, ``environment`` and the like."""

_NOT_A_SECRET_VALUE = re.compile(
    r"(?i)true|false|-?\d{1,9}(\.\d+)?|\d{4}-\d{2}-\d{2}[T ]?[\d:.Z+-]*|[|>][-+]?\d?"
)
"""Booleans, numbers and dates: ``automount_service_account_token = false`` hides nothing."""

_NOT_A_SECRET_NAME = re.compile(
    r"(?i)^FF_|_(at|file|path|overwrite_allowed)$|metadata-token|\.(toml|ya?ml|json|gotmpl)$"
)
"""Feature flags, timestamps, file paths, file names and cloud settings that merely mention
a token."""

_PROSE_WORD = re.compile(r"\([A-Za-z][a-z]*+[).,;:!?]?|…")
"""``(not`` or ``…`` after ``name: `` is a placeholder of our own (``token: (not set)``),
never a value a file could hold there unquoted. Any other word after ``password: `` is
masked, a single plain word included: our own sentences reach outputs through
:mod:`wizard.base.safe_text` templates and are not scanned at all."""

_SENTENCE_END = re.compile(r"[.,;:!?)]++$")

_TOKEN_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_])(?:(?i:glrt|glrtr|glpat|gldt|glptt|glcbt|glimt|glsoat|glffct|gloas|glft|"
    r"glagent|glwt|gltst|GR1348941|ghp|gho|ghs|ghu|github_pat)[-_]?|(?:AKIA|ASIA)[-_]?|npm_|"
    r"xox[abprs]-)"
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
    r"(?i)(?<![a-z0-9+.-])(?P<start>[a-z][a-z0-9+.-]*+://[^:/@\s\"'?#]*+:)"
    r"(?P<password>[^/\s\"'?#]*)@"
)
"""``scheme://user:password@host`` and ``redis://:password@host``: the password part, to the
last ``@`` before the host (``postgresql://app:p@ss@db`` masks ``p@ss``)."""

_ENV_SECRET_NAME = (
    r"(?=[A-Z0-9_]*?(?:PASS|_PW(?![A-Z])|PWD|SECRET|TOKEN|_KEY(?![A-Z])|AUTH(?!OR)|"
    r"CREDENTIAL|SIGNING|PRIVATE|_DSN|COOKIE|SESSION))[A-Z][A-Z0-9_]*+"
)
_ENV_ASSIGNMENT = re.compile(
    r"(?<![\w$.-])(?P<name>" + _ENV_SECRET_NAME + r")(?P<sep>=)"
    r"(?:\"(?P<double>(?:\\.|[^\"\\\n])*+)\"?|'(?P<single>[^'\n]*+)'?|(?P<value>[^\s\"';&|)]++))"
)
"""``export DB_PASS=…``, ``GPG_PW=…``, ``DEPLOY_PASSPHRASE=…``, ``SIGNING_KEY=…``: an
environment-style name that looks secret, set anywhere in free text."""

_AUTHORIZATION = re.compile(
    r"(?i)(?P<head>(?<![\w-])(?:proxy-)?authorization[\"']?[ \t]*+[:=][ \t]*+[\"']?"
    r"(?:(?:basic|bearer|token|digest|negotiate|ntlm|aws4-hmac-sha256)[ \t]++)?)"
    r"(?P<value>[^\s\"']++)"
)
"""``Authorization: Basic …``, ``Authorization: token …``: whatever the scheme, its value."""

_SIGNED_URL = re.compile(
    r"(?i)(?P<head>(?<![\w-])(?:sig|signature|x-amz-signature|x-amz-credential|"
    r"x-amz-security-token|x-goog-signature|x-goog-credential)=)(?P<value>[^&\s\"'#]++)"
)
"""SAS ``sig=`` and presigned ``X-Amz-Signature=`` query parameters."""

_NETRC = re.compile(
    r"(?i)(?P<head>(?<![\w-])(?:login|machine)[ \t]++[^\s]++[ \t]++(?:password|passwd)[ \t]++)"
    r"(?P<value>[^\s]++)"
)
"""``machine host login user password VALUE`` (netrc, one line or as written in a script)."""

_CONFIGURE_SET = re.compile(
    r"(?i)(?P<head>(?<![\w-])configure[ \t]++set[ \t]++(?:[\w-]++\.)?[\w-]*?"
    r"(?:secret|token|password|key)[\w-]*+[ \t]++)(?P<value>[^\s;&|)]++)"
)
"""``aws configure set aws_secret_access_key VALUE``."""

_ATTACHED_PASSWORD = re.compile(
    r"(?P<head>(?<![\w-])(?:mysql\w*+|mariadb[\w-]*+|sshpass)(?:[ \t]++(?!-p)[^\s;&|]++)*+"
    r"[ \t]++-p)(?P<value>\"[^\"\n]*+\"?|'[^'\n]*+'?|[^\s;&|)]++)"
)
"""``mysql -uroot -pPASS``, ``sshpass -pPASS``: the password written right after ``-p``."""

_USER_PASSWORD = re.compile(
    r"(?P<head>(?<![\w-])(?:-u|--user|--proxy-user)(?:[ \t]++|=)[\"']?[^\s:\"']*+:)"
    r"(?P<value>[^\s\"']++)"
)
"""``curl -u user:pass`` and ``--user user:pass``: the part after the colon."""

_STDIN_PASSWORD = re.compile(
    r"(?P<head>--password-stdin[^\n<]*?<<<[ \t]*+)(?P<value>\"[^\"\n]*+\"?|'[^'\n]*+'?|[^\s;&|)]++)"
    r"|(?P<echo>(?<![\w-])(?:echo|printf)[ \t]++(?:-[ne][ \t]++)?)"
    r"(?P<piped>\"[^\"\n]*+\"|'[^'\n]*+'|[^\s;&|)]++)(?=[ \t]*+\|[^\n|]*?--password-stdin)"
)
"""A password handed to ``--password-stdin`` by a here-string or an ``echo``."""

_PRIVATE_KEY_BLOCK = re.compile(
    r"(?P<begin>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----)(?P<body>(?:[^-]|-(?!----END))*+)"
)
"""A PEM private key; its body, to the END line (or the end of the text)."""

_KEY_MATERIAL_LINE = re.compile(r"(?m)^(?P<lead>[-+ ]?[ \t\"']*+)[A-Za-z0-9+/=]{4}[^\n]*+$")

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


_SHORTEST_REMEMBERED = 5
"""Shorter values are not masked by value: four characters occur everywhere, and a
secret that short is hidden whole where it is read (its key or entry says so)."""

_COMMON_WORD = re.compile(r"[A-Za-z]{1,9}")
"""A short word of letters only (``secret``, ``changeme``) is not masked by value: our own
sentences use such words, and masking them everywhere garbles every report. Where it is
read, its key or entry still hides it whole."""

_LONGEST_REMEMBERED = 200
"""Longer values are remembered line by line, and a longer line in pieces of this size
(each masked where the whole turns up): the search pattern's nesting stays bounded."""


class SecretValues:
    """Every secret value read so far, masked wherever it turns up, whatever surrounds it.

    Files are read at the boundary (:mod:`wizard.tomlfile.document`,
    :mod:`wizard.embedded.load`, presets, answers, token files, server
    responses); each value under a secret key is remembered here with its
    escaped forms, and :func:`mask_text` masks every occurrence of any of them
    in any output. Values masked by their shape anyway (``glrt-…``) are not
    kept: a fleet of ten thousand runners adds nothing to the search.

    The search is one regex built as a trie of the values, so its cost per
    character does not grow with the number of values.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def clear(self) -> None:
        self._values.clear()
        self._pattern = None

    def remember(self, value: str) -> None:
        """Remember ``value`` (a secret read from a file or a server) and its written forms."""
        if not isinstance(value, str):
            return
        value = value.strip()
        if "\n" in value:
            for line in value.splitlines():
                if len(line.strip()) >= 8 and not _PEM_ARMOUR.match(line.strip()):
                    self.remember(line)
        elif len(value) > _LONGEST_REMEMBERED:
            size = _LONGEST_REMEMBERED
            for start in range(0, min(len(value), 64 * size), size):
                self.remember(value[start : start + size])
            return
        if len(value) < _SHORTEST_REMEMBERED or _is_plain(value) or value.startswith("$"):
            return
        if _COMMON_WORD.fullmatch(value):
            return
        if "{{" in value or not value.strip("_") or _TOKEN_SHAPES.fullmatch(value):
            return
        forms = {value, _escaped(value), value.replace("'", "''")}
        new = forms - self._values
        if new:
            self._values |= new
            self._pattern = None

    def mask(self, text: str) -> str:
        if not self._values or not text:
            return text
        if self._pattern is None:
            self._pattern = re.compile(_trie_pattern(self._values))
        return self._pattern.sub(lambda m: mask_secret(m.group(0)), text)


def _escaped(value: str) -> str:
    """``value`` as a basic (double-quoted) string writes it, in TOML, YAML and JSON."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def _trie_pattern(values: set[str]) -> str:
    """One regex matching any of ``values``, longest first, as a trie (no backtracking
    over alternatives that share a prefix)."""
    trie: dict[str, Any] = {}
    for value in values:
        node = trie
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


_PEM_ARMOUR = re.compile(r"-----(?:BEGIN|END) ")
"""A PEM key's first and last lines say what it is, not what it holds: they stay readable."""

KNOWN_SECRETS = SecretValues()
"""The one registry of this run; :func:`wizard.cli.main` starts each run with it empty."""


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
    if match["value"] is not None:
        if _is_plain(_SENTENCE_END.sub("", value)):
            return match.group(0)  # ``x_token = false.``: a sentence ends after the value
        prose = ":" in match["sep"] and match["sep"].endswith((" ", "\t"))
        if prose and _PROSE_WORD.fullmatch(value):
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
    return (
        bool(value)
        and value[0] not in "-/.~$"
        and not _is_plain(value)
        and not _PORTS.fullmatch(value)
    )


_PORTS = re.compile(r"(?:\d{1,3}(?:\.\d{1,3}){3}:)?\d{1,5}:\d{1,5}(?:/(?:tcp|udp))?")
"""``-p 8080:80``: a port mapping, not a password."""


def _masked_group(match: re.Match[str], group: str = "value", head: str = "head") -> str:
    """``head`` kept, the quoted or bare value after it masked (unless it cannot be one)."""
    value = match[group]
    quote = value[:1] if value[:1] in "\"'" else ""
    inner = value[len(quote) :]
    if quote and inner.endswith(quote) and len(inner) > 0:
        inner = inner[:-1]
    if not _could_be_secret(inner):
        return match.group(0)
    closing = quote if quote and value.endswith(quote) and len(value) > 1 else ""
    return f"{match[head]}{quote}{mask_secret(inner)}{closing}"


def _stdin_password(match: re.Match[str]) -> str:
    if match["echo"] is not None:
        return _masked_group(match, "piped", "echo")
    return _masked_group(match)


def _private_key(match: re.Match[str]) -> str:
    body = _KEY_MATERIAL_LINE.sub(lambda line: f"{line['lead']}…", match["body"])
    return match["begin"] + body


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


_FREE_TEXT_FORMS: tuple[
    tuple[re.Pattern[str], tuple[str, ...], Callable[[re.Match[str]], str]], ...
] = (
    (_AUTHORIZATION, ("authorization",), _masked_group),
    (_SIGNED_URL, ("sig", "credential", "security-token"), _masked_group),
    (_NETRC, ("passw",), _masked_group),
    (_CONFIGURE_SET, ("configure",), _masked_group),
    (_ATTACHED_PASSWORD, ("mysql", "mariadb", "sshpass"), _masked_group),
    (_USER_PASSWORD, ("-u", "--user", "--proxy-user"), _masked_group),
    (_STDIN_PASSWORD, ("--password-stdin",), _stdin_password),
    (_ENV_ASSIGNMENT, ("=",), _assignment),
)
"""Each free-text form with the words that must occur for it to match at all: a text
without them is not searched again."""


_ONE_WORD = re.compile(r"[A-Za-z0-9._/+~-]*")
"""A name, a path or an image with no space, quote, ``=``, ``:`` or ``@``: only a known
secret or a token's shape can be in it, since every other form needs one of those."""


def mask_text(text: str) -> str:
    """Mask token shapes, secret flags and ``name=secret`` pairs anywhere in free text."""
    if _ONE_WORD.fullmatch(text):
        # Runner names and file paths, thousands per fleet report: the forms that need a
        # separator cannot match (a property test holds this to the full pass).
        return _TOKEN_SHAPES.sub(lambda m: mask_secret(m.group(0)), KNOWN_SECRETS.mask(text))
    return _mask_free_text(text)


def _mask_free_text(text: str) -> str:
    text = KNOWN_SECRETS.mask(text)
    if "PRIVATE KEY-----" in text:
        text = _PRIVATE_KEY_BLOCK.sub(_private_key, text)
    text = _TOKEN_SHAPES.sub(lambda m: mask_secret(m.group(0)), text)
    text = _SECRET_ENVIRONMENT_ENTRY.sub(_environment_entry, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['start']}{mask_secret(m['password'])}@", text)
    folded = text.casefold()
    for pattern, triggers, rewrite in _FREE_TEXT_FORMS:
        if any(trigger in folded for trigger in triggers):
            text = pattern.sub(rewrite, text)
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


def mask_string_value(text: str) -> str:
    """One string value from a file, not under a secret key: a whole ``NAME=value`` entry
    with a secret name masked whole (a docker auth JSON included), else as free text."""
    return _masked_entry(text)


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
            out.append(_masked_string(literal))
        previous = inner
    return "".join(out)


def _masked_string(literal: str) -> str:
    """A string literal not under a secret key, masked by what it holds.

    A basic string's escapes (``\\"``, ``\\n``) would hide a form from the patterns
    (``--user \\"u:p\\"``, a PEM key written with ``\\n``): its decoded content is
    masked, and written again as a basic string when anything was masked.
    """
    if literal.startswith('"') and not literal.startswith('"""') and "\\" in literal:
        import json

        try:
            decoded = json.loads(literal)
        except ValueError:
            decoded = None
        if isinstance(decoded, str):
            masked = _masked_entry(decoded)
            if masked == decoded:
                return literal
            return '"' + _escaped(masked) + '"'
    return _masked_content(literal, _masked_entry)


def mask_strings(value: Any) -> Any:
    """Every string in a JSON-like structure, masked (for JSON and SARIF reports).

    A ``str`` subclass is text a renderer already made safe from a template (a rule's
    :class:`wizard.base.safe_text.Message`): only known secret values are masked in it, our
    sentence is not scanned again.
    """
    if isinstance(value, str):
        return KNOWN_SECRETS.mask(value) if type(value) is not str else mask_text(value)
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


# -- collecting secret values where files are read -------------------------------------

_SECRET_NAME_WORDS = re.compile(
    r"(?i)token|passw|passphrase|secret|private[-_]?key|access[-_]?key|api[-_]?key|"
    r"credential|account[-_]?key|signing[-_]?key|(?:^|[-_])pw$|^pw[-_]|auth(?!or)|"
    r"[-_]key$|dsn$|cookie|(?:^|[-_])pass(?:$|[-_])"
)
_NOT_SECRET_NAME_SHAPES = re.compile(
    r"(?i)^(?:secrets?|secretname|existingsecret|.*secretref|.*name|.*names|.*file|.*path|"
    r".*_at|.*expires.*|.*overwrite_allowed|.*enabled|.*ttl|.*type|.*url|.*region|.*ids?|"
    r"automount.*|ff_.*|.*(?:token|secret)key|.*(?:mode|policy|method|endpoint|provider)|"
    r".*ref|.*refs|.*from)$"
)


def is_secret_name(name: str) -> bool:
    """A key or variable name whose value is a secret: the runner's secret keys, chart
    values such as ``runnerToken``, and variables such as ``DB_PASS``, ``GPG_PW``,
    ``DEPLOY_PASSPHRASE``, ``SIGNING_KEY``, ``NPM_AUTH``."""
    if is_secret_key(name):
        return True
    name = name.strip("\"'")
    return bool(_SECRET_NAME_WORDS.search(name)) and not _NOT_SECRET_NAME_SHAPES.match(name)


_NAMED_ENTRY = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*+)=(?P<value>[\s\S]*+)")
_DOCKER_AUTH_FIELDS = ("auth", "password", "identitytoken", "registrytoken", "secret")


def remember_secrets_in(data: Any, *, secret: bool = False) -> None:
    """Remember every secret value in data read from a file (TOML or YAML alike).

    Collected: every string under a secret key, however deep (lists and maps under
    one included); ``NAME=value`` items of a list whose name looks secret (the
    runner's ``environment``), with the fields of a docker auth JSON among them;
    and the Kubernetes ``{name: NAME, value: …}`` convention (the chart's
    ``envVars``) where ``NAME`` looks secret.
    """
    stack: list[tuple[Any, bool]] = [(data, secret)]
    seen = 0
    while stack and seen < 1_000_000:
        seen += 1
        item, under_secret = stack.pop()
        kind = type(item)
        if kind is str or isinstance(item, str):
            if under_secret:
                KNOWN_SECRETS.remember(item)
            elif "=" in item:
                _remember_entry(item)
        elif kind is dict or isinstance(item, Mapping):
            name = item.get("name") if "value" in item else None
            named_secret = isinstance(name, str) and is_secret_name(name)
            for key, value in item.items():
                if type(value) in _NOTHING_TO_REMEMBER:
                    continue
                key_text = str(key)
                is_secret = under_secret or _holds_secrets(key_text)
                if named_secret and key_text == "value":
                    is_secret = True
                if is_secret and not under_secret and isinstance(value, list):
                    # A table array under a secret-looking key describes things
                    # (``[[runners.kubernetes.volumes.secret]]``): its tables are read as
                    # any others; its strings are secrets.
                    stack.extend((item, not isinstance(item, Mapping)) for item in value)
                    continue
                stack.append((value, is_secret))
        elif kind is list or isinstance(item, list | tuple):
            stack.extend((value, under_secret) for value in item)


_NOTHING_TO_REMEMBER = frozenset({bool, int, float, type(None)})
"""Values that hold no secret text: skipped before their key is even judged."""


def _holds_secrets(key: str) -> bool:
    """Whether every string under ``key`` is a secret: not a bare ``secret``, which in the
    chart's ``runners.secret`` and the runner's volumes names a Kubernetes Secret."""
    if len(key) > _LONGEST_CACHED_KEY:
        return _judged_holds_secrets(key)
    return _cached_holds_secrets(key)


def _judged_holds_secrets(key: str) -> bool:
    return is_secret_name(key) and key.casefold() != "secret"


_LONGEST_CACHED_KEY = 64
"""Keys repeat across the files of a fleet: each short one is judged once; a long one
(hostile, rare) is judged every time rather than kept."""
_cached_holds_secrets = functools.lru_cache(maxsize=4096)(_judged_holds_secrets)


def _remember_entry(text: str) -> None:
    """``NAME=value`` with a secret-looking name: its value (and a docker auth's fields)."""
    if "=" not in text or len(text) > 1_000_000:
        return
    entry = _NAMED_ENTRY.fullmatch(text.strip())
    if entry is None or not is_secret_name(entry["name"]):
        return
    value = entry["value"]
    if value.strip().casefold() in entry["name"].casefold():
        return  # ``REGISTRY_PASSWORD=PASSWORD``: a placeholder, and masked by the entry anyway
    KNOWN_SECRETS.remember(value)
    if value.lstrip().startswith("{"):
        import json

        try:
            parsed = json.loads(value)
        except ValueError:
            return
        _remember_docker_auth(parsed)


def _remember_docker_auth(parsed: Any) -> None:
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, str) and str(key).casefold() in _DOCKER_AUTH_FIELDS:
                    KNOWN_SECRETS.remember(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
