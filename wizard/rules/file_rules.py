"""Rules about the file itself and the secrets it holds or lets jobs reveal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.masking import is_secret_key
from wizard.base.model import Executor, FixSafety, Issue, SetValue, Severity, Trust
from wizard.base.safe_text import FileValue, Message
from wizard.rules.base import (
    DOCS,
    AuditContext,
    Rule,
    by_trust,
    pin_feature_flag,
    runners_for,
    set_in,
)
from wizard.runner.reading import (
    feature_flag,
    feature_flag_default,
    get_ci,
    is_true,
    iter_runners,
    one_job_per_vm,
    runner_path,
    spelled,
    strings,
    sub_table,
)

_S = Severity
ADVANCED = f"{DOCS}/configuration/advanced-configuration/"
FEATURE_FLAGS = f"{DOCS}/configuration/feature-flags/"


# --- config-file-permissions ------------------------------------------------------------------


def holds_secret(value: Any) -> bool:
    """True when a parsed config carries a credential: a runner token, a password, a key."""
    if isinstance(value, Mapping):
        return any(
            (is_secret_key(str(key)) and isinstance(item, str) and bool(item.strip()))
            or holds_secret(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(holds_secret(item) for item in value)
    return False


def _file_permissions(ctx: AuditContext) -> Iterator[Issue]:
    if ctx.file_mode is None or not ctx.file_mode & 0o077:
        return
    mode = Message.of("file mode {value:04o}", value=ctx.file_mode & 0o777)
    if holds_secret(ctx.data):
        yield Issue(
            Message.of("{mode}: users other than the owner can read the runner tokens", mode=mode),
            (),
        )
        return
    # No token or password yet: an empty config.toml or a registration template. The
    # runner's os.WriteFile (common/config.go SaveConfig) sets 0600 only on a file it
    # creates, so a config.toml it later registers into keeps this mode.
    yield Issue(
        Message.of(
            "{mode}: the file holds no token or password now, but if the runner registers into "
            "it, the tokens it writes keep this mode (a --template-config file never receives "
            "them)",
            mode=mode,
        ),
        (),
        severity=Severity.INFO,
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
        "files it creates and never checks the mode when it reads one. A file with no secret "
        "in it yet (an empty config or a template) is only noted."
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
        literal = (
            Message.of(" and writes the new token in place of a $VAR reference")
            if "$" in token
            else Message.of("")
        )
        yield Issue(
            Message.of(
                "the token expires and will be rotated: the runner then rewrites this file, "
                "dropping comments{literal}",
                literal=literal,
            ),
            runner_path(entry.index),
            spelled(entry.data, "token_expires_at"),
            entry.index,
        )


TOKEN_ROTATION_REWRITES_FILE = Rule(
    id="token-rotation-rewrites-file",
    reads_identity=True,  # whether the token expires, and whether it is a $VAR
    title="Token rotation will rewrite this file",
    severity=by_trust(_S.INFO, _S.INFO, _S.INFO),
    executors=None,
    rationale=(
        "When a token with an expiry date is rotated, the runner saves its whole configuration "
        "again: comments and unknown keys are lost and a token read from an environment "
        "variable is written out in plain text. Rotation itself is a security control (a "
        "leaked token stops working), so this is advice only: nothing here turns it off. "
        "Keep the commented version of the file elsewhere, or, if you must, disable rotation "
        "knowingly and renew the token yourself before it expires."
    ),
    doc_url=FEATURE_FLAGS,
    table="runners",
    key="token_expires_at",
    fix=None,
    remedy=(
        "Accept the rewrite and keep the annotated file under version control; disabling "
        "rotation (FF_DISABLE_AUTOMATIC_TOKEN_ROTATION) trades a security control for comments."
    ),
    check=_token_rotation,
)


# --- debug-trace-enabled ----------------------------------------------------------------------


def _debug_trace(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if is_true(get_ci(entry.data, "debug_trace_disabled")):
            continue
        yield Issue(
            Message.of(
                "debug_trace_disabled is not true: a job can set CI_DEBUG_TRACE and print its "
                "secret variables to the log"
            ),
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
    (("autoscaler", "vm_isolation", "connector_config"), ("password",), "key_path with a key"),
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


_FREE_MAPS = (("plugin_config",), ("vm_isolation", "nesting_config"))
"""Maps the runner passes on as JSON without reading them (common/config.go
``AutoscalerSettingsMap``): the fleeting plugin's and the nesting daemon's settings."""


def _plugin_secrets(entry_index: int, runner: Mapping[str, Any]) -> Iterator[Issue]:
    """Plugin and nesting settings are free maps: look for credentials by name."""
    autoscaler = sub_table(runner, "autoscaler")
    for names in _FREE_MAPS:
        parent = _table_at(autoscaler, names[:-1])
        config = sub_table(parent, names[-1])
        path = [spelled(autoscaler, name) for name in names[:1]]
        if len(names) > 1:
            path.append(spelled(parent, names[-1]))
        for key, value in config.items():
            secret = _SECRET_VARIABLE.search(key) and not _NOT_SECRET_VARIABLE.search(key)
            if secret and _is_secret_value(value):
                yield Issue(
                    Message.of(
                        "{names} {key} is stored in the file in plain text; prefer the cloud's "
                        "instance identity or a credentials file",
                        names=names[-1],
                        key=key,
                    ),
                    runner_path(entry_index, spelled(runner, "autoscaler"), *path),
                    key,
                    entry_index,
                )


def _plaintext_secrets(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        yield from _plugin_secrets(entry.index, entry.data)
        for tables, keys, instead in _SECRET_PLACES:
            table = _table_at(entry.data, tables)
            for key in keys:
                if _is_secret_value(get_ci(table, key)):
                    written = spelled(table, key)
                    yield Issue(
                        Message.of(
                            "{written} is stored in the file in plain text; prefer {instead}",
                            written=written,
                            instead=instead,
                        ),
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
                Message.of(
                    "{key} = true: jobs on every runner using this bucket read and write the same "
                    "cache entries",
                    key=key,
                ),
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
    fix=FixSafety.UNSAFE,
    breaks="jobs that count on a cache another runner wrote start without it",
    remedy=(
        "Set Shared = false; the cache then lives under this runner's own path, so jobs "
        "find only what jobs on this runner saved."
    ),
    check=_cache_shared,
)


# --- s3-insecure ----------------------------------------------------------------------------


def _s3_insecure(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        s3 = sub_table(sub_table(entry.data, "cache"), "s3")
        if is_true(get_ci(s3, "Insecure")):
            yield Issue(
                Message.of(
                    "Insecure = true: cache archives travel over plain HTTP and can be read or "
                    "replaced in transit"
                ),
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

# --- environment-secrets --------------------------------------------------------------------

_SECRET_VARIABLE = re.compile(
    r"(?i)token|secret|password|passwd|private_?key|access_?key|api_?key|credential|"
    r"auth_config|_pat$|^npm_auth"
)
"""Names that carry a credential: DOCKER_AUTH_CONFIG, *_PASSWORD, AWS_SECRET_ACCESS_KEY."""

_NOT_SECRET_VARIABLE = re.compile(r"(?i)^FF_|_(file|path|url|host|dir|user(name)?|id|name)$")
"""Names that only point at or name a credential, or are flags: FF_*, *_FILE, *_URL, *_ID."""


def secret_variables(runner: Mapping[str, Any]) -> list[str]:
    """Names of ``environment`` entries whose value is a literal credential."""
    names = []
    for item in strings(get_ci(runner, "environment")):
        name, sep, value = item.partition("=")
        if not sep or not value.strip() or value.strip().startswith("$"):
            continue  # empty, or a reference the runner expands at job time
        if _SECRET_VARIABLE.search(name) and not _NOT_SECRET_VARIABLE.search(name):
            names.append(name.strip())
    return names


def _environment_secrets(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        names = secret_variables(entry.data)
        if not names:
            continue
        yield Issue(
            Message.of(
                "environment gives every job {names}: any pipeline of any project on this "
                "runner can print or send it",
                names=", ".join(names),
            ),
            runner_path(entry.index),
            spelled(entry.data, "environment"),
            entry.index,
        )


ENVIRONMENT_SECRETS = Rule(
    id="environment-secrets",
    title="Credentials are handed to every job",
    severity=by_trust(_S.LOW, _S.HIGH, _S.CRITICAL),
    executors=None,
    rationale=(
        "Variables in [[runners]] environment are added to every job this runner takes "
        "(getBaseVariablesBeforeJob in common/build.go), unmasked and unprotected: a job on "
        "any branch of any project can echo DOCKER_AUTH_CONFIG, a registry password or a "
        "cloud key, or send it elsewhere. GitLab's CI/CD variables can be masked, protected "
        "and limited to the projects and branches that need them."
    ),
    doc_url=f"{ADVANCED}#the-runners-section",
    table="runners",
    key="environment",
    fix=None,
    remedy=(
        "Move the credential to a masked, protected CI/CD variable of the projects that need "
        "it (or a secrets manager), and remove it from environment."
    ),
    check=_environment_secrets,
)


# --- debug-log-level --------------------------------------------------------------------------


def _debug_log_level(ctx: AuditContext) -> Iterator[Issue]:
    level = get_ci(ctx.data, "log_level")
    if isinstance(level, str) and level.strip().casefold() in ("debug", "trace"):
        key = spelled(ctx.data, "log_level")
        yield Issue(
            Message.of(
                '{key} = "{level}": runner releases before 17.11 write the configuration, '
                "tokens and passwords unmasked, into the service log at this level; make sure "
                "every host runs 17.11 or later, and go back to info once the debugging is done",
                key=key,
                level=FileValue.read(level.strip(), key),
            ),
            (),
            key,
            edits=(SetValue((), key, "info"),),
        )


DEBUG_LOG_LEVEL = Rule(
    id="debug-log-level",
    title="The runner logs at debug level",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "At debug level the runner logs its configuration; releases before 17.11 did so "
        "without masking its sensitive fields (CHANGELOG 17.11.0: mask sensitive config "
        "fields for debug logs), so runner tokens and cache or registry passwords went into "
        "the service log, which more people and tools (journald, log shippers) read than "
        "read config.toml."
    ),
    doc_url=f"{ADVANCED}#the-global-section",
    table="",
    key="log_level",
    fix=FixSafety.UNSAFE,
    breaks="whoever is debugging the runner loses the detailed log",
    remedy='Set log_level = "info" (or remove it) once debugging is done.',
    check=_debug_log_level,
)


# --- token-masking-disabled and hook-writes-job-token ------------------------------------

_TOKEN_IN_GIT_CONFIG = re.compile(
    r"(?i)git\s+config\s+(--global|--system)[^\n;&|]*(CI_JOB_TOKEN|gitlab-ci-token|"
    r"CI_REPOSITORY_URL|insteadOf|credential\.helper\s+['\"]?store)"
)
"""A hook script writing the job token (or a URL rewrite carrying it, or a credential
helper that stores it on disk) into a git config that outlives the job's checkout."""

_HOST_EXECUTORS = frozenset(
    {
        Executor.SHELL,
        Executor.SSH,
        Executor.CUSTOM,
        Executor.INSTANCE,
        Executor.VIRTUALBOX,
        Executor.PARALLELS,
    }
)
"""Executors whose jobs run as a user on a machine that outlives the job. Docker and
Kubernetes jobs run the hooks in a container whose home is thrown away with it."""


def _token_masking_disabled(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        pinned = feature_flag(entry.data, "FF_MASK_ALL_DEFAULT_TOKENS")
        if pinned is True:
            continue
        if pinned is None:
            # populateFeatureFlags (common/build_settings.go) reads job variables, the
            # runner's environment entries among them, when the flag is not pinned.
            if feature_flag_default(entry.data, "FF_MASK_ALL_DEFAULT_TOKENS") is not False:
                continue
            where = Message.of("environment sets FF_MASK_ALL_DEFAULT_TOKENS=false")
        else:
            where = Message.of("FF_MASK_ALL_DEFAULT_TOKENS = false")
        edit = pin_feature_flag(entry, "FF_MASK_ALL_DEFAULT_TOKENS", True)
        yield Issue(
            Message.of(
                "{where}: only glpat- tokens and masked variables (CI_JOB_TOKEN among them) are "
                "still masked; deploy, runner, feed and other GitLab tokens a job prints appear in "
                "its log in clear",
                where=where,
            ),
            edit.table,
            edit.key,
            entry.index,
            (edit,),
        )


TOKEN_MASKING_DISABLED = Rule(
    id="token-masking-disabled",
    title="GitLab tokens printed by jobs are not masked",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=None,
    rationale=(
        "GitLab sends CI_JOB_TOKEN as a masked variable, and the runner always masks glpat- "
        "personal access tokens. FF_MASK_ALL_DEFAULT_TOKENS (on by default since 17.9) also "
        "masks every other GitLab token prefix (gldt-, glrt-, glcbt-, glft-, and more; "
        "common/buildlogger/internal/tokensanitizer). Turning it off puts such tokens, when a "
        "job prints one, into logs that everyone with access to the project's jobs can read. "
        "Masking only changes the log, never what a job does, so restoring it is safe."
    ),
    doc_url=FEATURE_FLAGS,
    table="runners.feature_flags",
    key="FF_MASK_ALL_DEFAULT_TOKENS",
    fix=FixSafety.SAFE,
    remedy=(
        "Pin FF_MASK_ALL_DEFAULT_TOKENS = true in [runners.feature_flags] (true is the "
        "default; a value in environment is only the jobs' default)."
    ),
    check=_token_masking_disabled,
)


def _hook_writes_token(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, _HOST_EXECUTORS):
        if entry.executor is Executor.INSTANCE and one_job_per_vm(entry):
            continue
        for key in ("pre_get_sources_script", "post_get_sources_script", "pre_build_script"):
            script = get_ci(entry.data, key)
            if isinstance(script, str) and _TOKEN_IN_GIT_CONFIG.search(script):
                written = spelled(entry.data, key)
                yield Issue(
                    Message.of(
                        "{written} writes the job token into a global git config on the "
                        "{executor} host, where it outlives the job and later jobs on the "
                        "same host can read it",
                        written=written,
                        executor=entry.executor,
                    ),
                    runner_path(entry.index),
                    written,
                    entry.index,
                )


HOOK_WRITES_JOB_TOKEN = Rule(
    id="hook-writes-job-token",
    title="A runner hook stores the job token in global git settings on a reused host",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=_HOST_EXECUTORS,
    rationale=(
        "Hook scripts such as pre_get_sources_script run in every job. One that runs git "
        "config --global with CI_JOB_TOKEN, an insteadOf rewrite or a storing credential "
        "helper leaves the token in the user's or system's git configuration, outside the "
        "job's checkout and outside the runner's own clean-up. Where jobs share a host (shell, "
        "ssh, custom, reused VMs) the next job can read it and act as the earlier job's user "
        "while that job runs; in a Docker or Kubernetes job the setting dies with the container."
    ),
    doc_url=f"{ADVANCED}#the-runners-section",
    table="runners",
    key="pre_get_sources_script",
    fix=None,
    remedy=(
        "Use git config without --global (it then stays in the job's checkout), or "
        "FF_GIT_URLS_WITHOUT_TOKENS and the runner's credential helper."
    ),
    check=_hook_writes_token,
)


# --- git-urls-carry-token ---------------------------------------------------------------------


def _git_urls_carry_token(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if entry.executor is None or feature_flag(entry.data, "FF_GIT_URLS_WITHOUT_TOKENS"):
            continue
        if ctx.trust is Trust.SINGLE_PROJECT:
            continue  # one team's own token in its own checkout
        edit = pin_feature_flag(entry, "FF_GIT_URLS_WITHOUT_TOKENS", True)
        yield Issue(
            Message.of(
                "FF_GIT_URLS_WITHOUT_TOKENS is not true: the job token is embedded in the "
                "checkout's remote URL and git configuration, where job scripts and anything they "
                "run can read it (runner 17.5 and later can use a credential helper instead)"
            ),
            edit.table,
            edit.key,
            entry.index,
            (edit,),
        )


GIT_URLS_CARRY_TOKEN = Rule(
    id="git-urls-carry-token",
    title="The job token is written into git URLs",
    severity=by_trust(_S.INFO, _S.INFO, _S.LOW),
    executors=None,
    rationale=(
        "By default the runner puts the job token into the clone URL, so it sits in "
        ".git/config and in every git command line for the job's lifetime. With "
        "FF_GIT_URLS_WITHOUT_TOKENS (runner 17.5 and later; older runners ignore the flag) a "
        "credential helper reads it from the environment instead, which limits where it is "
        "stored and leaks. Scripts that read the token out of the remote URL stop working."
    ),
    doc_url=FEATURE_FLAGS,
    table="runners.feature_flags",
    key="FF_GIT_URLS_WITHOUT_TOKENS",
    fix=FixSafety.UNSAFE,
    breaks="job scripts that read the token out of the checkout's remote URL",
    remedy="Pin FF_GIT_URLS_WITHOUT_TOKENS = true in [runners.feature_flags].",
    check=_git_urls_carry_token,
)


RULES: tuple[Rule, ...] = (
    CONFIG_FILE_PERMISSIONS,
    TOKEN_ROTATION_REWRITES_FILE,
    DEBUG_TRACE_ENABLED,
    DEBUG_LOG_LEVEL,
    PLAINTEXT_SECRETS,
    ENVIRONMENT_SECRETS,
    TOKEN_MASKING_DISABLED,
    HOOK_WRITES_JOB_TOKEN,
    GIT_URLS_CARRY_TOKEN,
    CACHE_SHARED,
    S3_INSECURE,
)
