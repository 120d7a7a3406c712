"""What remains manual after the wizard: each step with why, how to check it, and where to read.

The items are data first (:func:`checklist_items`), so the wizards' review
screens can show them; :func:`render_checklist` turns them into
``HOST-CHECKLIST.md``. Every item carries a command that proves it is done,
because a checklist that cannot be verified is a wish list.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.answers.model import Answers, PrivilegedNeed
from wizard.artifacts.daemon_json import daemon_fragment
from wizard.artifacts.nftables import CONTAINER_EXECUTORS, METADATA_V4, NFT_FILE
from wizard.artifacts.provenance import PRODUCER, answer_lines, safe_url
from wizard.base.model import Executor
from wizard.base.sinks import unsafe_character, url_shape_problem
from wizard.rules.base import DOCS
from wizard.rules.cloud_edits import REQUIRED_MACHINE_OPTIONS, uses_amazonec2

SECURITY = f"{DOCS}/security/"
AWS_IMDS = (
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-options.html"
)
DAEMON_FILE = "daemon.json.fragment"
CHECKLIST_FILE = "HOST-CHECKLIST.md"
EXAMPLE_URL = "https://gitlab.example.com"
PROBE = "curlimages/curl"
"""A small public image with curl, for the probes the checklist runs."""


@dataclass(frozen=True)
class ChecklistItem:
    title: str
    why: str
    do: str
    verify: str
    """A shell command (or a few lines) whose output shows the item is done."""
    expect: str
    """What that command prints when it is."""
    doc_url: str
    measures: tuple[str, ...] = ()
    """The network-step measures (``host_measures``) this item carries out, if any."""
    settled_by_save: bool = False
    """Done once config.toml is private (mode 0600), as every save of ours leaves it."""


_BACKTICKS = re.compile(r"`+")


def code_span(text: str) -> str:
    """``text`` as a markdown code span that no backtick in it can end: the fence is one
    backtick longer than the longest run inside, padded where the text touches it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _measures(answers: Answers) -> tuple[str, ...]:
    return answers.host_measures or ()


def _autoscaled(executor: Executor | None) -> bool:
    return executor in (Executor.DOCKER_AUTOSCALER, Executor.DOCKER_MACHINE, Executor.INSTANCE)


def _network_items(
    answers: Answers, executor: Executor | None, gitlab_url: str | None, files: Sequence[str]
) -> list[ChecklistItem]:
    items: list[ChecklistItem] = []
    # A URL that names no real host (a placeholder) is not an address to probe: the
    # example stands in, as generate_artifacts names no server in the files then.
    usable = gitlab_url and url_shape_problem(gitlab_url.strip()) is None
    gitlab = safe_url(gitlab_url).rstrip("/") if gitlab_url and usable else EXAMPLE_URL
    # The checklist's commands are pasted into a root shell: the URL is one quoted word.
    version_url = shlex.quote(f"{gitlab}/api/v4/version")
    where = (
        "on every VM the runner creates: bake it into the VM image or the instance "
        "template's start-up script"
        if _autoscaled(executor)
        else "on this host, and include it from /etc/nftables.conf so it survives a reboot"
    )
    if NFT_FILE in files and executor in CONTAINER_EXECUTORS:
        items.append(
            ChecklistItem(
                "Keep job containers away from the metadata service and other runners",
                "The cloud metadata service hands the instance's credentials to anything "
                "that asks, and a job can reach every machine its host can.",
                f"Fill in the runner_peers sets in {NFT_FILE}, then load it with "
                f"`nft -f {NFT_FILE}` {where}.",
                f"nft list table inet runner_wizard | head -5\n"
                "nft list set inet runner_wizard runner_peers | grep -q elements "
                "|| echo 'runner_peers is empty: other runners are still reachable'\n"
                f"docker run --rm {PROBE} -s -m 5 http://{METADATA_V4}/ ; echo exit=$?\n"
                "docker run --rm busybox nc -z -w 3 ANOTHER_RUNNER_ADDRESS 22 ; echo exit=$?\n"
                f"docker run --rm {PROBE} -s -o /dev/null -w '%{{http_code}}\\n' "
                f"{version_url}",
                "the table is listed and nothing says runner_peers is empty; the metadata "
                "probe ends with exit=28 (timed out); the probe of another runner ends with a "
                "non-zero exit; GitLab answers with an HTTP status (401 without a token is "
                "fine)",
                f"{SECURITY}#network-segmentation",
                measures=("metadata-endpoint", "runner-to-runner"),
            )
        )
    if "runner-to-runner" in _measures(answers) and not (
        NFT_FILE in files and executor in CONTAINER_EXECUTORS
    ):
        items.append(_peer_traffic_item(executor))
    if "inbound-ssh" in _measures(answers):
        items.append(
            ChecklistItem(
                "Block SSH to runner machines from the internet",
                "An SSH server open to the internet is the first thing scanned; runner "
                "hosts need it only from the networks you manage them from.",
                f"Narrow the management sets in {NFT_FILE} to your management networks "
                "(they start as the private ranges) and load it; in the cloud, also remove "
                "any 0.0.0.0/0 rule for port 22 from the runner's security group.",
                "nft list set inet runner_wizard management_v4\n"
                "# from a machine outside those networks:\n"
                "nc -z -v -w 5 RUNNER_PUBLIC_ADDRESS 22",
                "only your management networks are listed; nc times out from outside",
                f"{SECURITY}#network-segmentation",
                measures=("inbound-ssh",),
            )
        )
    if "own-segment" in _measures(answers):
        items.append(
            ChecklistItem(
                "Put the runners in a network segment of their own",
                "A compromised job then reaches only what the segment's firewall allows, "
                "not the databases and admin interfaces next to it.",
                "Give the runner hosts (and their autoscaled VMs) their own subnet or VLAN, "
                "with outbound access limited to GitLab, registries and package mirrors.",
                "docker run --rm busybox nc -z -w 3 AN_INTERNAL_SERVICE 443 ; echo exit=$?",
                "a non-zero exit: the internal service is out of reach",
                f"{SECURITY}#network-segmentation",
                measures=("own-segment",),
            )
        )
    if executor is Executor.KUBERNETES:
        items.append(
            ChecklistItem(
                "Keep job pods away from the metadata service",
                "Pods reach the node's metadata service unless a network policy stops "
                "them, and with it the node's cloud credentials.",
                f"Add a NetworkPolicy in the job namespace that allows egress to 0.0.0.0/0 "
                f"except {METADATA_V4}/32, and use a CNI plugin that enforces it.",
                f"kubectl -n JOB_NAMESPACE run probe --rm -i --restart=Never --image={PROBE} "
                f"-- -s -m 5 http://{METADATA_V4}/ ; echo exit=$?",
                "a non-zero exit (the request timed out)",
                "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
                measures=("metadata-endpoint",),
            )
        )
    if executor in (Executor.SHELL, Executor.INSTANCE):
        items.append(_host_jobs_metadata_item(executor, files))
    return items


def _peer_traffic_item(executor: Executor | None) -> ChecklistItem:
    """Runner-to-runner traffic where no generated ruleset sees the jobs' packets."""
    if executor is Executor.KUBERNETES:
        do = (
            "Add a NetworkPolicy in the job namespace whose egress excludes the other "
            "runners' nodes and pods (and the runner manager's pod), with a CNI plugin that "
            "enforces it."
        )
        verify = (
            f"kubectl -n JOB_NAMESPACE run probe --rm -i --restart=Never --image={PROBE} "
            "-- -s -m 3 http://ANOTHER_RUNNER_ADDRESS:9252/ ; echo exit=$?"
        )
    else:
        do = (
            "Limit what runner machines may reach of each other: a security group or host "
            "firewall rule on every runner host (and in the VM image for autoscaled VMs) "
            "that drops connections from other runners, except what you manage them with."
        )
        verify = (
            "# from a job on one runner (or its VM), towards another runner host:\n"
            "nc -z -w 3 ANOTHER_RUNNER_ADDRESS 22 ; echo exit=$?"
        )
    return ChecklistItem(
        "Restrict traffic between runner machines",
        "A job that takes over one runner host should not be able to reach the next: its "
        "jobs, caches and credentials are the prize.",
        do,
        verify,
        "a non-zero exit: the other runner does not answer",
        f"{SECURITY}#network-segmentation",
        measures=("runner-to-runner",),
    )


IMDS_TOKEN_PROBE = (
    'T=$(curl -s -m 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" '
    f"http://{METADATA_V4}/latest/api/token); "
    'curl -s -m 5 -H "X-aws-ec2-metadata-token: $T" '
    f"http://{METADATA_V4}/latest/meta-data/iam/security-credentials/ ; echo exit=$?"
)
"""What a job on the host itself can run: the IMDSv2 token flow, one hop from the service.
A plain GET proves nothing, since IMDSv2 refuses it while a job can still do this."""


def _host_jobs_metadata_item(executor: Executor, files: Sequence[str]) -> ChecklistItem:
    """Shell jobs, and instance jobs on their VM, are not behind a container bridge."""
    rule = f'meta skuid "gitlab-runner" ip daddr {METADATA_V4} drop'
    where = (
        "this host"
        if executor is Executor.SHELL
        else "every VM the runner creates (bake it into the VM image)"
    )
    commented = f" (it is commented out in {NFT_FILE})" if NFT_FILE in files else ""
    user = "gitlab-runner" if executor is Executor.SHELL else "THE_RUNNER_SSH_USER"
    return ChecklistItem(
        "Keep jobs that run on the host away from the metadata service",
        "These jobs run on the machine itself as the runner's user, not in containers: "
        "requiring IMDSv2 with a hop limit of 1 does not stop them, because they are on the "
        "first hop and can ask for a session token like any program on the host.",
        "Give the machine no instance role (or only what jobs may hold), or drop the metadata "
        f"address for the job user in an output chain on {where}: `{rule}`{commented}, with "
        "the user the jobs run as.",
        f"sudo -u {user} sh -c '{IMDS_TOKEN_PROBE}'",
        "no role name is printed (the token request times out or no role is attached)",
        AWS_IMDS,
        measures=("metadata-endpoint",),
    )


def _cloud_items(
    executor: Executor | None, machine_options: Sequence[str], plugin: str | None
) -> list[ChecklistItem]:
    hop = (
        "A hop limit of 1 keeps the token answer from reaching anything behind a Docker "
        "bridge, and required tokens stop the simple GET requests most attacks use."
    )
    if executor is Executor.DOCKER_MACHINE:
        options = "\n".join(f'  "{k}={v}",' for k, v in REQUIRED_MACHINE_OPTIONS.items())
        amazon = uses_amazonec2(list(machine_options))
        return [
            ChecklistItem(
                "Require IMDSv2 with a hop limit of 1 on the autoscaled VMs",
                hop,
                (
                    "Add to [runners.machine] MachineOptions, replacing any other value "
                    f"of the same options:\n\n```toml\n{options}\n```"
                    if amazon
                    else "With the amazonec2 driver, add to MachineOptions:\n\n"
                    f"```toml\n{options}\n```\n\nOther clouds: block {METADATA_V4} with the "
                    f"ruleset in {NFT_FILE} on each VM."
                ),
                "aws ec2 describe-instances --filters Name=tag:Name,Values='runner-*' "
                "--query 'Reservations[].Instances[].MetadataOptions'",
                '"HttpTokens": "required" and "HttpPutResponseHopLimit": 1 for every VM',
                AWS_IMDS,
                measures=("metadata-endpoint",),
            )
        ]
    if executor is Executor.DOCKER_AUTOSCALER:
        cloud = f" (plugin {code_span(plugin)})" if plugin and not unsafe_character(plugin) else ""
        return [
            ChecklistItem(
                "Require IMDSv2 with a hop limit of 1 in the instance template",
                hop + " The autoscaler's config cannot carry this: the template does.",
                f"In the launch template of the autoscaling group{cloud}, set the metadata "
                "options to HttpTokens=required and HttpPutResponseHopLimit=1 (on other "
                "clouds, the equivalent setting, or the nftables ruleset on each VM).",
                "aws ec2 describe-launch-template-versions --launch-template-id LT_ID "
                "--versions '$Latest' "
                "--query 'LaunchTemplateVersions[0].LaunchTemplateData.MetadataOptions'",
                '"HttpTokens": "required" and "HttpPutResponseHopLimit": 1',
                AWS_IMDS,
                measures=("metadata-endpoint",),
            )
        ]
    return []


def _docker_items(
    answers: Answers, executor: Executor | None, files: Sequence[str]
) -> list[ChecklistItem]:
    if DAEMON_FILE not in files:
        return []
    fragment = daemon_fragment(answers)
    where = "the VM image's" if _autoscaled(executor) else "this host's"
    items = [
        ChecklistItem(
            "Merge the daemon.json fragment and restart Docker",
            "These defaults apply to every container the daemon starts, including ones "
            "the runner's own settings do not cover. (The fragment is plain JSON, without "
            "a header, because Docker refuses a daemon.json with anything else in it.)",
            f"Merge {DAEMON_FILE} into {where} /etc/docker/daemon.json, e.g. "
            f"`jq -s '.[0] * .[1]' /etc/docker/daemon.json {DAEMON_FILE}`, then "
            "`systemctl restart docker`. userns-remap changes where images live: pull them "
            "again after the restart.",
            "docker info --format '{{json .SecurityOptions}}'\n"
            "docker network inspect bridge --format "
            "'{{index .Options \"com.docker.network.bridge.enable_icc\"}}'\n"
            "docker run --rm busybox grep NoNewPrivs /proc/self/status",
            (
                "name=userns among the security options, "
                if "userns-remap" in fragment.settings
                else ""
            )
            + ("icc false, " if "icc" in fragment.settings else "")
            + "NoNewPrivs: 1",
            "https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file",
        )
    ]
    for setting, reason in fragment.left_out:
        items.append(
            ChecklistItem(
                f"Know why {setting} is not in the fragment",
                reason,
                "Nothing to change here; revisit it if the answers change.",
                f"grep -c '{setting}' /etc/docker/daemon.json",
                "0",
                _LEFT_OUT_DOCS.get(
                    setting, "https://docs.docker.com/engine/security/userns-remap/"
                ),
            )
        )
    return items


_LEFT_OUT_DOCS = {
    "icc": f"{DOCS}/executors/docker/#configure-a-network-with-container-links",
    "userns-remap": "https://docs.docker.com/engine/security/userns-remap/",
}
"""Where to read why a daemon setting was left out of the fragment."""


def _host_items(answers: Answers, executor: Executor | None) -> list[ChecklistItem]:
    items = [
        ChecklistItem(
            "Keep config.toml readable by its owner only",
            "It holds the runner's token: anyone who can read it can run jobs in the "
            "runner's name and receive other projects' secrets.",
            "`chown root: /etc/gitlab-runner/config.toml && chmod 0600 "
            "/etc/gitlab-runner/config.toml`",
            "stat -c '%a %U' /etc/gitlab-runner/config.toml",
            "600 root",
            f"{DOCS}/configuration/advanced-configuration/",
            settled_by_save=True,
        ),
        ChecklistItem(
            "Remove keys and credentials from the runner host",
            "SSH keys, cloud credentials, .netrc and registry logins on the host are "
            "reachable by any job that runs as, or escapes to, the runner's user.",
            "Delete what jobs do not need; give jobs their access through CI/CD variables.",
            "runner-wizard host-check --fail-on low",
            "no host-private-keys, host-cloud-credentials, host-git-credentials or "
            "host-docker-auths findings",
            SECURITY,
        ),
    ]
    if executor is Executor.SHELL:
        items.append(
            ChecklistItem(
                "Keep the shell runner's user out of docker and sudo",
                "Shell jobs run as this user: the docker group or a sudo right makes every "
                "pipeline root on the host.",
                "`gpasswd -d gitlab-runner docker`, and remove its sudoers entries.",
                "id gitlab-runner\nsudo -l -U gitlab-runner",
                "no docker, sudo or wheel group; 'not allowed to run sudo'",
                f"{DOCS}/executors/shell/#security",
            )
        )
    if answers.privileged is PrivilegedNeed.PRIVILEGED:
        items.append(
            ChecklistItem(
                "Let the privileged runner take protected branches only",
                "A privileged job is root on its VM; limiting it to protected branches "
                "keeps it to code that maintainers have merged.",
                "Create the runner as Protected in GitLab: Settings > CI/CD > Runners > "
                "'Protected', or `POST /user/runners` with `access_level=ref_protected`. With a "
                "`glrt-` authentication token, protection is set where the runner is created "
                "(or edited) in GitLab; `gitlab-runner register` cannot set it.",
                'curl -s --header "PRIVATE-TOKEN: $GITLAB_ADMIN_TOKEN" '
                '"$CI_SERVER_URL/api/v4/runners/RUNNER_ID" | jq .access_level',
                '"ref_protected"',
                SECURITY,
            )
        )
    return items


def checklist_items(
    answers: Answers,
    *,
    executor: Executor | None,
    gitlab_url: str | None,
    files: Sequence[str] = (NFT_FILE, DAEMON_FILE),
    machine_options: Sequence[str] = (),
    autoscaler_plugin: str | None = None,
) -> list[ChecklistItem]:
    """Every manual step these answers leave, network first, then cloud, Docker and host."""
    return [
        *_network_items(answers, executor, gitlab_url, files),
        *_cloud_items(executor, machine_options, autoscaler_plugin),
        *_docker_items(answers, executor, files),
        *_host_items(answers, executor),
    ]


def render_checklist(
    items: Sequence[ChecklistItem],
    answers: Answers,
    *,
    executor: Executor | None,
    gitlab_url: str | None,
    files: Sequence[str],
) -> str:
    out = [
        "# Runner host checklist",
        "",
        f"Generated by {PRODUCER} (runner-wizard artifacts) from these answers:",
        "",
        *(
            f"- {code_span(line)}"
            for line in answer_lines(answers, executor, gitlab_url, file=CHECKLIST_FILE)
        ),
        "",
        "Generated with it, from the same answers: "
        + (", ".join(f"`{name}`" for name in files if name != CHECKLIST_FILE) or "nothing else")
        + ". Generate again rather than editing by hand.",
    ]
    for number, item in enumerate(items, start=1):
        out += [
            "",
            f"## {number}. {item.title}",
            "",
            "- [ ] Done",
            "",
            f"**Why.** {item.why}",
            "",
            f"**Do.** {item.do}",
            "",
            "**Verify.**",
            "",
            "```sh",
            item.verify,
            "```",
            "",
            f"Expect: {item.expect}.",
            "",
            f"**Read more:** <{item.doc_url}>",
        ]
    return "\n".join(out) + "\n"
