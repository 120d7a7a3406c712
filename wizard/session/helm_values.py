"""A complete, commented values file for the gitlab-runner Helm chart, from a preset.

The runner's settings come from the preset's template (the same TOML as
``presets export --template-config``), placed in ``runners.config``; the chart's
own values are set to what the chart rules ask for: the token in a Secret, RBAC
in one namespace with the runner's documented rights, a non-root manager with
no privilege escalation and no capabilities, and nothing exposed outside the
cluster.
"""

from __future__ import annotations

import re

from wizard.base.errors import WizardError
from wizard.base.model import Executor
from wizard.base.safe_text import Message
from wizard.base.sinks import UnsafeValueError, checked, template_delimiter
from wizard.embedded.yamltree import double_quoted
from wizard.session.presets import Preset, template_config

SECRET_NAME = "gitlab-runner-token"
_NAMESPACE = re.compile(r"^(\s*)namespace = .*$", re.MULTILINE)

_HEAD = """\
# Helm values for the gitlab-runner chart, written by runner-wizard from preset
# {name} ({trust}). Install or upgrade with:
#   helm upgrade --install gitlab-runner gitlab/gitlab-runner -n gitlab-runner -f {file}
# Audit again after any change: runner-wizard audit {file}

# The GitLab address the runner talks to; always https.
gitlabUrl: {url}

# The runner authentication token (glrt-...) is not written here, where Git history
# and Helm's release history would keep it. Create the Secret named in runners.secret:
#   kubectl -n gitlab-runner create secret generic {secret} \\
#     --from-literal=runner-token=glrt-... --from-literal=runner-registration-token=""

# Remove the runner from GitLab when the pod stops only if it registered itself.
unregisterRunners: false

rbac:
  create: true
  # The role is bound in the release's namespace only: jobs run there.
  clusterWideAccess: false
  # What the runner needs to run job pods, and no more (no "*" verbs or resources).
  rules:
    - resources: ["events"]
      verbs: ["list", "watch"]
    - resources: ["pods"]
      verbs: ["create", "delete", "get"]
    - apiGroups: [""]
      resources: ["pods/attach", "pods/exec"]
      verbs: ["get", "create", "patch", "delete"]
    - apiGroups: [""]
      resources: ["pods/log"]
      verbs: ["get", "list"]
    - resources: ["secrets"]
      verbs: ["create", "delete", "get", "update"]
    - resources: ["serviceaccounts"]
      verbs: ["get"]
    - resources: ["services"]
      verbs: ["create", "get"]

# The manager pod holds the token: non-root, no privilege escalation, no capabilities.
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: false
  runAsNonRoot: true
  privileged: false
  capabilities:
    drop: ["ALL"]
podSecurityContext:
  runAsUser: 100
  fsGroup: 65533

# Metrics and the session server (web terminals into jobs) stay inside the cluster.
metrics:
  enabled: false
service:
  enabled: false
sessionServer:
  enabled: false

runners:
  # The Secret with runner-token (see above).
  secret: {secret}
  # The runner's config.toml template (register --template-config). Helm templates
  # work here: jobs run in the release's namespace, where the role above applies.
  config: |
"""


def _refuse_template_actions(preset: Preset) -> None:
    """The chart renders ``runners.config`` with ``tpl``: a ``{{`` or ``}}`` in a preset value
    would run there as a template action (``lookup`` can read any Secret the Helm user can).
    Only the namespace reference written below is ours; preset values never carry one."""
    source = preset.source or f"preset {preset.name}"
    values: list[tuple[str, object]] = list(preset.answers.to_dict().items())
    values += [
        (f'settings."{table}".{key}', value)
        for table, settings in preset.settings.items()
        for key, value in settings.items()
    ]
    for key, value in values:
        for text in value if isinstance(value, list) else [value]:
            mark = template_delimiter(text) if isinstance(text, str) else None
            if mark is not None:
                raise UnsafeValueError(
                    source,
                    key,
                    Message.of(
                        (
                            "{mark!r} would start or end a template action when the chart renders "
                            "runners.config with tpl; remove it"
                        ),
                        mark=mark,
                    ),
                )


def helm_values(preset: Preset, *, url: str | None = None, file: str = "values.yaml") -> str:
    """The values file text; WizardError for a preset that is not for Kubernetes, or
    :class:`~wizard.base.sinks.UnsafeValueError` for a value that would leave its slot."""
    executor = preset.answers.executor
    if executor is not Executor.KUBERNETES:
        shown = executor.value if executor else "no executor"
        raise WizardError(
            Message.of(
                (
                    "preset {name} is for {shown}; a Helm values file needs a kubernetes "
                    "preset (for example restricted-kubernetes)"
                ),
                name=preset.name,
                shown=shown,
            )
        )
    _refuse_template_actions(preset)
    checked(file, file=file, key="file name")
    toml = "\n".join(
        line for line in template_config(preset).splitlines() if not line.startswith("#")
    ).strip("\n")
    toml = _NAMESPACE.sub(r'\1namespace = "{{.Release.Namespace}}"', toml, count=1)
    body = "".join(f"    {line}\n" if line.strip() else "\n" for line in toml.splitlines())
    head = _HEAD.format(
        name=preset.name,
        trust=preset.trust.value,
        url=double_quoted(url or "https://gitlab.example.com"),
        secret=SECRET_NAME,
        file=file,
    )
    return head + body
