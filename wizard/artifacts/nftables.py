"""The nftables ruleset: keep job containers away from the metadata service and other runners.

Everything lives in one table of its own (``inet runner_wizard``), created,
emptied and refilled in one transaction, so loading the file never touches
anyone else's rules and loading it twice is the same as once. Only traffic that
arrives from job containers (``docker0`` and the per-build ``br-*`` bridges) is
filtered on its way through the host; the host's own traffic (the runner
talking to GitLab, the manager asking the metadata service for its role's
credentials) is never filtered.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from wizard.answers.model import Answers
from wizard.artifacts.provenance import header
from wizard.base.model import DOCKER_FAMILY, Executor

NFT_FILE = "runner-wizard.nft"
TABLE = "runner_wizard"
METADATA_V4 = "169.254.169.254"
METADATA_V6 = "fd00:ec2::254"
JOB_INTERFACES = ("docker0", "br-*")
PRIVATE_V4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
PRIVATE_V6 = ("fc00::/7",)
SSH_PORT = 22

CONTAINER_EXECUTORS = DOCKER_FAMILY - {Executor.DOCKER_WINDOWS}
"""Executors whose jobs are Linux containers on Docker bridges this ruleset can see."""


def _gitlab_address(gitlab_url: str | None) -> tuple[str | None, str | None]:
    """The GitLab server's address when the URL gives one literally: (ipv4, ipv6)."""
    if not gitlab_url:
        return None, None
    host = urlsplit(gitlab_url).hostname
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return None, None
    return (str(address), None) if address.version == 4 else (None, str(address))


def _set(name: str, kind: str, elements: tuple[str, ...] | list[str] = ()) -> list[str]:
    lines = [f"\tset {name} {{", f"\t\ttype {kind}", "\t\tflags interval"]
    if elements:
        lines.append(f"\t\telements = {{ {', '.join(elements)} }}")
    return [*lines, "\t}"]


def _container_part(gitlab_url: str | None, autoscaled: bool) -> list[str]:
    v4, v6 = _gitlab_address(gitlab_url)
    gitlab_host = urlsplit(gitlab_url).hostname if gitlab_url else None
    where = (
        "\t# The jobs run on the autoscaled VMs, not on the manager: load this file on\n"
        "\t# each VM (bake it into the image or the instance template).\n"
        if autoscaled
        else ""
    )
    return [
        "\t# Other runner hosts, which jobs must not reach. Fill these in before loading,",
        "\t# e.g. elements = { 10.20.0.0/24 }; empty sets block nothing.",
        *_set("runner_peers", "ipv4_addr"),
        *_set("runner_peers_v6", "ipv6_addr"),
        "",
        f"\t# The GitLab server ({gitlab_host or 'no URL given'}). Jobs clone from it, so it stays",
        "\t# reachable even if its address falls inside runner_peers. Add its addresses",
        "\t# if it is not given as a literal address in the runner's url.",
        *_set("gitlab_server", "ipv4_addr", [v4] if v4 else []),
        *_set("gitlab_server_v6", "ipv6_addr", [v6] if v6 else []),
        "",
        "\t# Traffic a job container starts towards anything beyond the host.",
        "\tchain job_egress {",
        "\t\t# The metadata service hands out the instance's credentials to whoever asks.",
        f"\t\tip daddr {METADATA_V4} counter drop",
        f"\t\tip6 daddr {METADATA_V6} counter drop",
        "\t\t# Name resolution and the GitLab server stay reachable.",
        "\t\tmeta l4proto { tcp, udp } th dport 53 accept",
        "\t\tip daddr @gitlab_server accept",
        "\t\tip6 daddr @gitlab_server_v6 accept",
        "\t\tip daddr @runner_peers counter drop",
        "\t\tip6 daddr @runner_peers_v6 counter drop",
        "\t}",
        "",
        f"{where}\tchain forward {{",
        "\t\t# Before Docker's own chains; accepting here only passes the packet on to",
        "\t\t# them, a drop here is final.",
        "\t\ttype filter hook forward priority filter - 10; policy accept;",
        "\t\tct state established,related accept",
        *(f'\t\tiifname "{name}" jump job_egress' for name in JOB_INTERFACES),
        "\t}",
    ]


def _ssh_part(containers: bool) -> list[str]:
    job_lines = (
        [
            "\t\t# Jobs do not get to the host's SSH server either.",
            *(f'\t\tiifname "{name}" tcp dport {SSH_PORT} counter drop' for name in JOB_INTERFACES),
        ]
        if containers
        else []
    )
    return [
        "\t# Who may open SSH sessions to this host. Pre-filled with the private ranges,",
        "\t# so SSH from the internet is refused; narrow them to your management hosts,",
        "\t# and add any public address you manage from BEFORE loading, or new SSH",
        "\t# sessions from it are refused (open sessions are kept).",
        *_set("management_v4", "ipv4_addr", PRIVATE_V4),
        *_set("management_v6", "ipv6_addr", PRIVATE_V6),
        "",
        "\tchain inbound {",
        "\t\ttype filter hook input priority filter - 10; policy accept;",
        "\t\tct state established,related accept",
        '\t\tiifname "lo" accept',
        *job_lines,
        f"\t\ttcp dport {SSH_PORT} ip saddr @management_v4 accept",
        f"\t\ttcp dport {SSH_PORT} ip6 saddr @management_v6 accept",
        f"\t\ttcp dport {SSH_PORT} counter drop",
        "\t}",
    ]


def _shell_note() -> list[str]:
    return [
        "\t# Shell jobs run on this host as the runner's own user, not in containers, so",
        "\t# no forward rule sees them. If the runner itself does not need the instance's",
        "\t# role, this line in an output chain keeps jobs away from the metadata service:",
        f'\t#   meta skuid "gitlab-runner" ip daddr {METADATA_V4} drop',
    ]


def wants_ruleset(answers: Answers, executor: Executor | None) -> bool:
    if executor is Executor.DOCKER_WINDOWS:
        return False
    return executor in CONTAINER_EXECUTORS or "inbound-ssh" in (answers.host_measures or ())


def render_ruleset(answers: Answers, executor: Executor | None, gitlab_url: str | None) -> str:
    """The whole ``runner-wizard.nft`` file.

    Values from the answers and the config appear only in ``#`` comments (refused
    when they hold a control character, see :func:`~wizard.artifacts.provenance.header`)
    and, for the GitLab server, as an address :mod:`ipaddress` has parsed.
    """
    containers = executor in CONTAINER_EXECUTORS
    autoscaled = executor in (Executor.DOCKER_AUTOSCALER, Executor.DOCKER_MACHINE)
    body: list[str] = []
    if containers:
        body += _container_part(gitlab_url, autoscaled)
    if "inbound-ssh" in (answers.host_measures or ()):
        body += ([""] if body else []) + _ssh_part(containers)
    if executor is Executor.SHELL:
        body += ([""] if body else []) + _shell_note()
    lines = [
        "#!/usr/sbin/nft -f",
        header(answers, executor, gitlab_url, comment="#", file=NFT_FILE).rstrip("\n"),
        "#",
        "# Check:  nft -c -f runner-wizard.nft",
        "# Load:   nft -f runner-wizard.nft   (at boot: include it from /etc/nftables.conf)",
        f"# Remove: nft delete table inet {TABLE}",
        "",
        "# Create the table if missing and empty it, then fill it: one transaction that",
        "# touches no other table, so this file can be loaded again at any time.",
        f"table inet {TABLE}",
        f"delete table inet {TABLE}",
        "",
        f"table inet {TABLE} {{",
        *body,
        "}",
    ]
    return "\n".join(lines) + "\n"
