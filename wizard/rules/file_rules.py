"""Rules about the file itself and the secrets it holds or lets jobs reveal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from wizard.config_reading import (
    feature_flag,
    get_ci,
    is_true,
    iter_runners,
    runner_path,
    spelled,
    sub_table,
)
from wizard.model import FixSafety, Issue, Severity
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, pin_feature_flag, set_in

_S = Severity
ADVANCED = f"{DOCS}/configuration/advanced-configuration/"
FEATURE_FLAGS = f"{DOCS}/configuration/feature-flags/"


# --- config-file-permissions ------------------------------------------------------------------


def _file_permissions(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.file_mode is not None and ctx.file_mode & 0o077:
        yield Issue(
            f"file mode {ctx.file_mode & 0o777:04o}: users other than the owner can read the "
            "runner tokens",
            (),
        )


CONFIG_FILE_PERMISSIONS = Rule(
    id="config-file-permissions",
    title="config.toml is readable by other users",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "The file holds every runner's authentication token and often cache or cluster "
        "credentials. With group or world permissions any local account, including jobs on a "
        "shell runner, can copy them and impersonate the runner. The runner sets 0600 only on "
        "files it creates and never checks the mode when it reads one."
    ),
    doc_url=f"{DOCS}/security/",
    table="",
    key="",
    fix=FixSafety.SAFE,
    remedy="Restrict the file to its owner (mode 0600); every file this tool writes gets 0600.",
    check=_file_permissions,
)


# --- token-rotation-rewrites-file --------------------------------------------------------------


def _token_expires(value: object) -> bool:
    """True when the runner will schedule a rotation: a real, non-zero expiry time."""
    if isinstance(value, dt.datetime | dt.date):
        return value.year > 1
    if isinstance(value, str):
        return bool(value.strip()) and not value.strip().startswith("0001-01-01")
    return False


def _token_rotation(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        token = get_ci(entry.data, "token")
        if not isinstance(token, str) or not token.strip():
            continue
        if not _token_expires(get_ci(entry.data, "token_expires_at")):
            continue
        if feature_flag(entry.data, "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION") is True:
            continue
        edit = pin_feature_flag(entry, "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION", True)
        literal = " and writes the new token in place of a $VAR reference" if "$" in token else ""
        yield Issue(
            "the token expires and will be rotated: the runner then rewrites this file, "
            f"dropping comments{literal}",
            runner_path(entry.index),
            spelled(entry.data, "token_expires_at"),
            entry.index,
            (edit,),
        )


TOKEN_ROTATION_REWRITES_FILE = Rule(
    id="token-rotation-rewrites-file",
    title="Token rotation will rewrite this file",
    severity=by_trust(_S.INFO, _S.INFO, _S.INFO),
    executors=None,
    rationale=(
        "When a token with an expiry date is rotated, the runner saves its whole configuration "
        "again: comments and unknown keys are lost and a token read from an environment "
        "variable is written out in plain text. Turning rotation off keeps the file as written, "
        "but the token then lives until its expiry and the runner stops working at that date "
        "unless someone renews it, which is why this fix is not applied by default."
    ),
    doc_url=FEATURE_FLAGS,
    table="runners.feature_flags",
    key="FF_DISABLE_AUTOMATIC_TOKEN_ROTATION",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Either accept the rewrite, or pin FF_DISABLE_AUTOMATIC_TOKEN_ROTATION = true and "
        "rotate the token yourself before it expires."
    ),
    check=_token_rotation,
)


# --- debug-trace-enabled ----------------------------------------------------------------------


def _debug_trace(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if is_true(get_ci(entry.data, "debug_trace_disabled")):
            continue
        yield Issue(
            "debug_trace_disabled is not true: a job can set CI_DEBUG_TRACE and print its "
            "secret variables to the log",
            runner_path(entry.index),
            spelled(entry.data, "debug_trace_disabled"),
            entry.index,
            (set_in(entry, (), "debug_trace_disabled", True),),
        )


DEBUG_TRACE_ENABLED = Rule(
    id="debug-trace-enabled",
    title="Jobs may turn on debug tracing",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=None,
    rationale=(
        "CI_DEBUG_TRACE makes the job shell echo every command with its variables expanded, so "
        "masked secrets appear in the job log for everyone who can read it. With "
        "debug_trace_disabled the runner ignores the variable and logs a warning; the job itself "
        "still runs, so the fix is safe."
    ),
    doc_url=f"{ADVANCED}#the-runners-section",
    table="runners",
    key="debug_trace_disabled",
    fix=FixSafety.SAFE,
    remedy="Set debug_trace_disabled = true in each [[runners]] entry.",
    check=_debug_trace,
)


# --- plaintext-secrets --------------------------------------------------------------------------

_SECRET_PLACES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("cache", "s3"), ("AccessKey", "SecretKey", "SessionToken"), 'AuthenticationType = "iam"'),
    (("cache", "gcs"), ("PrivateKey",), "CredentialsFile or workload identity"),
    (("cache", "azure"), ("AccountKey",), "a managed identity"),
    (("ssh",), ("password",), "identity_file with a key"),
    (("kubernetes",), ("bearer_token",), "the pod's service account or a kubeconfig"),
    (("autoscaler", "connector_config"), ("password",), "key_path with a key"),
)
"""Where inline secrets sit, and what to use instead."""


def _is_secret_value(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(text) and not text.startswith("$")  # a $VAR here is a literal, not a secret


def _table_at(runner: Mapping[str, Any], tables: tuple[str, ...]) -> Mapping[str, Any]:
    table: Mapping[str, Any] = runner
    for name in tables:
        table = sub_table(table, name)
    return table


def _plaintext_secrets(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        for tables, keys, instead in _SECRET_PLACES:
            table = _table_at(entry.data, tables)
            for key in keys:
                if _is_secret_value(get_ci(table, key)):
                    written = spelled(table, key)
                    yield Issue(
                        f"{written} is stored in the file in plain text; prefer {instead}",
                        runner_path(entry.index, *tables),
                        written,
                        entry.index,
                    )


PLAINTEXT_SECRETS = Rule(
    id="plaintext-secrets",
    title="Credentials are written into the file",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "Apart from the runner token and URL, the runner expands no variables in this file, so "
        "cache keys, SSH passwords and cluster tokens sit there verbatim. They end up in "
        "backups, configuration management and support bundles; instance roles, key files and "
        "workload identities keep them out."
    ),
    doc_url=f"{ADVANCED}#the-runnerscaches3-section",
    table="runners.cache.s3",
    key="SecretKey",
    fix=None,
    remedy=(
        "Replace inline credentials with IAM roles, workload identity or key files readable "
        "only by the runner."
    ),
    check=_plaintext_secrets,
)


# --- cache-shared -----------------------------------------------------------------------------


def _cache_shared(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        cache = sub_table(entry.data, "cache")
        if is_true(get_ci(cache, "Shared")):
            key = spelled(cache, "Shared")
            yield Issue(
                f"{key} = true: jobs on every runner using this bucket read and write the same "
                "cache entries",
                runner_path(entry.index, "cache"),
                key,
                entry.index,
                (set_in(entry, ("cache",), "Shared", False),),
            )


CACHE_SHARED = Rule(
    id="cache-shared",
    title="The cache is shared with other runners",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=None,
    rationale=(
        "A shared cache drops the runner from the cache path, so a job on any runner that "
        "uses the same bucket can overwrite what jobs on this runner restore. A less trusted "
        "runner, such as one for merge requests, can then poison builds on a trusted one."
    ),
    doc_url=f"{ADVANCED}#the-runnerscache-section",
    table="runners.cache",
    key="Shared",
    fix=FixSafety.SAFE,
    remedy="Set Shared = false; jobs only lose cache hits from other runners.",
    check=_cache_shared,
)


# --- s3-insecure ----------------------------------------------------------------------------


def _s3_insecure(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        s3 = sub_table(sub_table(entry.data, "cache"), "s3")
        if is_true(get_ci(s3, "Insecure")):
            yield Issue(
                "Insecure = true: cache archives travel over plain HTTP and can be read or "
                "replaced in transit",
                runner_path(entry.index, "cache", "s3"),
                spelled(s3, "Insecure"),
                entry.index,
            )


S3_INSECURE = Rule(
    id="s3-insecure",
    title="The S3 cache is reached over plain HTTP",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=None,
    rationale=(
        "Cache archives hold dependencies and build outputs that later jobs unpack and run. "
        "Without TLS anyone on the network path can read them or swap in a poisoned archive."
    ),
    doc_url=f"{ADVANCED}#the-runnerscaches3-section",
    table="runners.cache.s3",
    key="Insecure",
    fix=None,
    remedy="Serve the object store over HTTPS and set Insecure = false.",
    check=_s3_insecure,
)

RULES: tuple[Rule, ...] = (
    CONFIG_FILE_PERMISSIONS,
    TOKEN_ROTATION_REWRITES_FILE,
    DEBUG_TRACE_ENABLED,
    PLAINTEXT_SECRETS,
    CACHE_SHARED,
    S3_INSECURE,
)
