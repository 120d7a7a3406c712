"""The wizard's steps and questions, as data both front-ends render.

The Textual screens and the line-mode prompts walk the same :data:`STEPS`, so
the two wizards ask the same questions in the same order, offer the same
choices and recommend the same answers. Nothing here knows how it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from wizard.answers.model import (
    Answers,
    CloneStrategy,
    JobUser,
    PrivilegedNeed,
    PullPolicyChoice,
)
from wizard.base.model import AUTOSCALED, DEFAULT_TRUST, DOCKER_FAMILY, REUSED_HOST, Executor, Trust

QuestionKind = Literal["select", "confirm", "multiselect", "text", "list"]
"""How an answer is given: one choice, yes/no, several choices, one line of text, or a
list of entries (one line, comma-separated, in line-mode)."""


@dataclass(frozen=True)
class Choice:
    """One option of a question."""

    value: Any
    label: str
    explanation: str = ""


@dataclass(frozen=True)
class Question:
    """One answer the operator gives; ``field`` names the :class:`Answers` attribute."""

    field: str
    prompt: str
    kind: QuestionKind
    choices: tuple[Choice, ...] = ()
    help: str = ""
    applies: Callable[[Answers], bool] = lambda _answers: True
    recommend: Callable[[Answers], Any] = lambda _answers: None
    """The answer we recommend, given the answers so far (mostly the trust level)."""
    fact: bool = False
    """A fact about the runner the operator states (who runs jobs), not a choice we
    recommend: its starting value is an assumption, never marked "recommended"."""
    settles: frozenset[str] = frozenset()
    """Rule ids whose subject this question decides: the operator's answer stands, so
    their fixes are never applied or offered on top of it (the review still shows the
    finding)."""

    def choice_for(self, value: Any) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)


@dataclass(frozen=True)
class Step:
    """One screen of the wizard: a title, why it matters, and its questions."""

    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    help: str

    def applicable(self, answers: Answers) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.applies(answers))


def _trust(answers: Answers) -> Trust:
    return answers.trust or Trust.MULTI_PROJECT


def _is_docker(answers: Answers) -> bool:
    return answers.executor in DOCKER_FAMILY


def _is_container(answers: Answers) -> bool:
    return answers.executor in DOCKER_FAMILY or answers.executor is Executor.KUBERNETES


def _is_autoscaled(answers: Answers) -> bool:
    return answers.executor in AUTOSCALED


def _is_reused_host(answers: Answers) -> bool:
    return answers.executor in REUSED_HOST


EXECUTOR_CHOICES = (
    Choice(
        Executor.DOCKER,
        "docker",
        "A fresh container per job on one host. Safe when unprivileged, with SETUID and "
        "SETGID dropped and a non-root job user; cache volumes outlive jobs.",
    ),
    Choice(
        Executor.DOCKER_AUTOSCALER,
        "docker-autoscaler",
        "Containers on VMs the runner creates on demand. With one job per VM, nothing a "
        "job leaves behind reaches the next one.",
    ),
    Choice(
        Executor.DOCKER_MACHINE,
        "docker+machine",
        "The older autoscaler built on Docker Machine. Reuses VMs unless MaxBuilds = 1.",
    ),
    Choice(
        Executor.INSTANCE,
        "instance",
        "Jobs run directly on autoscaled VMs. Isolated only when each VM takes one job.",
    ),
    Choice(
        Executor.KUBERNETES,
        "kubernetes",
        "A pod per job. Safe when pods cannot escalate privileges or run as root, and the "
        "namespace holds nothing else.",
    ),
    Choice(
        Executor.SHELL,
        "shell",
        "Jobs run as the runner's own user on the host, sharing its files and anything it "
        "can reach. Only for builds you would run yourself.",
    ),
    Choice(
        Executor.SSH,
        "ssh",
        "Jobs run on one remote host over SSH and share it like the shell executor. Host "
        "keys must be verified.",
    ),
    Choice(
        Executor.PARALLELS,
        "parallels",
        "A full VM cloned from a base image for each job: the strongest isolation here.",
    ),
    Choice(
        Executor.VIRTUALBOX,
        "virtualbox",
        "A full VM per job, restored from a snapshot. Strong isolation, slower start.",
    ),
    Choice(
        Executor.CUSTOM,
        "custom",
        "Your own scripts create the environment; isolation is whatever they provide.",
    ),
)

TRUST_CHOICES = (
    Choice(
        Trust.SINGLE_PROJECT,
        "One trusted team",
        "Only one project's maintainers can run jobs here. Risks between users do not apply.",
    ),
    Choice(
        Trust.MULTI_PROJECT,
        "Several projects of one organisation",
        "Developers of different projects share the runner: one job must not read "
        "another's code, images or secrets.",
    ),
    Choice(
        Trust.PUBLIC,
        "Anyone, or untrusted contributors",
        "Shared across organisations or open to forks: treat every job as hostile.",
    ),
)


TOKEN_PROMPT = "Runner token (hidden; leave empty to paste it in later)"
"""The token question, worded once for both wizards."""

DEFAULT_IMAGE = "alpine:3.20"
"""A small, pinned default image for container jobs that name none."""


def _recommend_privileged(_answers: Answers) -> PrivilegedNeed:
    return PrivilegedNeed.NONE


def _recommend_pull(answers: Answers) -> PullPolicyChoice:
    if _trust(answers) is Trust.SINGLE_PROJECT:
        return PullPolicyChoice.IF_NOT_PRESENT
    return PullPolicyChoice.ALWAYS


def _recommend_allowed_pull(answers: Answers) -> tuple[str, ...]:
    """The chosen policy, and always beside if-not-present: a job that asks for a fresh
    pull asks for the strictest policy, so refusing it protects nothing."""
    policy = answers.pull_policy or _recommend_pull(answers)
    if policy is PullPolicyChoice.IF_NOT_PRESENT:
        return (PullPolicyChoice.ALWAYS.value, policy.value)
    return (policy.value,)


RECOMMENDED_IMAGE_PATTERNS = ("*", "docker.io/library/*")
"""Docker Hub's official images, as jobs name them (``node:20``) and in full: what the
presets allow, and what clears ``images-unrestricted``. Jobs using images from other
registries need those added (``host/group/**``): the prompt says so."""


def _recommend_allowed_images(answers: Answers) -> tuple[str, ...]:
    """The official images, as the presets allow; a list the operator extends.

    An empty list lets jobs run any image (audit's images-unrestricted), so it is
    not recommended. An existing runner keeps what its file says by default; this
    is the start for a new one. With the never policy only pre-pulled images can
    run: there, the default image is the one we know.
    """
    if answers.pull_policy is PullPolicyChoice.NEVER:
        return (answers.default_image or DEFAULT_IMAGE,)
    return RECOMMENDED_IMAGE_PATTERNS


def _recommend_allowed_services(answers: Answers) -> tuple[str, ...]:
    """Services come from the same registries as images: the same list, asked right after."""
    if answers.allowed_images:
        return answers.allowed_images
    # None chosen for images is not a reason to allow any service image too.
    return _recommend_allowed_images(answers)


IMAGE_MATCHING_HELP = (
    "GitLab Runner matches each pattern against the image name exactly as the job writes "
    "it, with * for one path segment and ** for any number: node:20 and postgres are "
    "matched by *, not by docker.io/library/*; registry.gitlab.com/mygroup/** admits that "
    "group's images. The default image is always allowed. An empty list lets jobs run any "
    "image from any registry."
)


def _recommend_job_user(answers: Answers) -> JobUser:
    return JobUser.IMAGE_DEFAULT if _trust(answers) is Trust.SINGLE_PROJECT else JobUser.NON_ROOT


STEPS: tuple[Step, ...] = (
    Step(
        id="trust",
        title="Who runs jobs here",
        intro="A runner executes whatever code a pipeline defines. How far you trust the "
        "people who can push that code decides how strict the rest must be.",
        questions=(
            Question(
                field="trust",
                prompt="Who can run jobs on this runner?",
                kind="select",
                choices=TRUST_CHOICES,
                recommend=lambda _a: DEFAULT_TRUST,
                fact=True,
            ),
        ),
        help="Anyone with the Developer role in a project that can use this runner can run "
        "code on it. Choose the widest group that can reach it, not the one you intend.",
    ),
    Step(
        id="executor",
        title="Executor",
        intro="The executor decides what separates one job from the host and from other jobs.",
        questions=(
            Question(
                field="executor",
                prompt="Which executor will run the jobs?",
                kind="select",
                choices=EXECUTOR_CHOICES,
                recommend=lambda a: (
                    Executor.DOCKER_AUTOSCALER if _trust(a) is Trust.PUBLIC else Executor.DOCKER
                ),
            ),
            Question(
                field="default_image",
                prompt="Which image do jobs use when they name none?",
                kind="text",
                applies=_is_container,
                recommend=lambda _a: DEFAULT_IMAGE,
                help="The runner needs a default image for container executors. Pin a tag "
                "(or a digest) from a registry you trust.",
            ),
        ),
        help="Prefer executors that give each job a fresh container or VM. The shell and "
        "ssh executors share one machine between every job.",
    ),
    Step(
        id="privileges",
        title="Privileged needs",
        intro="Privileged containers are root on the host. Most builds, image builds "
        "included, do not need them.",
        questions=(
            Question(
                field="privileged",
                settles=frozenset({"privileged-container", "privileged-services"}),
                prompt="What do the jobs need?",
                kind="select",
                choices=(
                    Choice(PrivilegedNeed.NONE, "Nothing special", "Ordinary builds and tests."),
                    Choice(
                        PrivilegedNeed.ROOTLESS,
                        "Image builds with rootless builders",
                        "Build images without a Docker daemon; no privileged mode needed.",
                    ),
                    Choice(
                        PrivilegedNeed.PRIVILEGED,
                        "Privileged Docker-in-Docker",
                        "Only on ephemeral VMs (one job each), with an image allowlist, on a "
                        "runner created as Protected in GitLab (Settings > CI/CD > Runners, "
                        "or POST /user/runners with access_level=ref_protected).",
                    ),
                ),
                applies=_is_container,
                recommend=_recommend_privileged,
            ),
            Question(
                field="job_user",
                settles=frozenset({"job-runs-as-root"}),
                prompt="Which user do build containers run as?",
                kind="select",
                choices=(
                    Choice(
                        JobUser.NON_ROOT,
                        "A fixed non-root user (1000:1000)",
                        "Jobs cannot choose root; images that need root at build time fail.",
                    ),
                    Choice(
                        JobUser.IMAGE_DEFAULT,
                        "The image's own user",
                        "Often root: a container escape then starts as root.",
                    ),
                ),
                applies=_is_docker,
                recommend=_recommend_job_user,
            ),
        ),
        help="Privileged mode turns off every protection the container runtime gives. If "
        "Docker-in-Docker is unavoidable, give it its own runner on ephemeral VMs that only "
        "serves protected branches, and allow only the dind images it needs.",
    ),
    Step(
        id="pull-policy",
        title="Pull policy",
        intro="With cached images, one project can run another project's private image "
        "without being allowed to pull it.",
        questions=(
            Question(
                field="pull_policy",
                settles=frozenset({"pull-policy-if-not-present", "k8s-pull-policy-unset"}),
                prompt="How are job images pulled?",
                kind="select",
                choices=(
                    Choice(
                        PullPolicyChoice.ALWAYS,
                        "always",
                        "Pull for every job, so registry permissions are checked each time.",
                    ),
                    Choice(
                        PullPolicyChoice.NEVER,
                        "never, with a pre-pulled allowlist",
                        "Only images already on the host and on the allowlist can run.",
                    ),
                    Choice(
                        PullPolicyChoice.IF_NOT_PRESENT,
                        "if-not-present (trusted users only)",
                        "Faster, but any user can run any image another user pulled.",
                    ),
                ),
                applies=_is_container,
                recommend=_recommend_pull,
            ),
            Question(
                field="allowed_pull_policies",
                prompt="Which pull policies may jobs request?",
                kind="multiselect",
                choices=(
                    Choice("always", "always"),
                    Choice("never", "never"),
                    Choice("if-not-present", "if-not-present"),
                ),
                applies=_is_container,
                recommend=_recommend_allowed_pull,
            ),
            Question(
                field="allowed_images",
                prompt="Which images may jobs use? (glob patterns; none means any image; "
                "add your registry as host/group/**)",
                kind="list",
                applies=_is_container,
                recommend=_recommend_allowed_images,
                help=IMAGE_MATCHING_HELP + " With the never policy, list the pre-pulled images.",
            ),
            Question(
                field="allowed_services",
                prompt="Which service images may jobs use? (glob patterns; none means any; "
                "add your registry as host/group/**)",
                kind="list",
                applies=_is_container,
                recommend=_recommend_allowed_services,
                help=IMAGE_MATCHING_HELP,
            ),
        ),
        help="A job can ask for its own pull policy in .gitlab-ci.yml; allowed_pull_policies "
        "is what the runner accepts. Keep it to the policy you chose.",
    ),
    Step(
        id="network",
        title="Network segmentation",
        intro="A job can reach whatever the runner's network reaches: other runners, internal "
        "services and the cloud metadata endpoint with its credentials.",
        questions=(
            Question(
                field="per_build_network",
                settles=frozenset({"per-build-network-disabled"}),
                prompt="Give each job its own Docker network?",
                kind="confirm",
                applies=_is_docker,
                recommend=lambda _a: True,
                help="Without it jobs share the default bridge and can reach each other.",
            ),
            Question(
                field="isolate_host_network",
                settles=frozenset({"host-namespace"}),
                prompt="Refuse the host's network, PID and IPC namespaces?",
                kind="confirm",
                applies=_is_docker,
                recommend=lambda _a: True,
            ),
            Question(
                field="local_only_listeners",
                settles=frozenset({"metrics-server-exposed", "session-server-exposed"}),
                prompt="Bind the metrics endpoint to localhost?",
                kind="confirm",
                recommend=lambda _a: True,
                help="The metrics endpoint serves debug data without authentication. Binding "
                "it to localhost stops Prometheus servers on other hosts from scraping it. The "
                "session server is left where it is: GitLab must reach it for web terminals, "
                "so restrict it with a firewall instead.",
            ),
            Question(
                field="host_measures",
                prompt="Which measures will you put in place on the host or in the cloud?",
                kind="multiselect",
                choices=(
                    Choice(
                        "metadata-endpoint",
                        "Block the cloud metadata endpoint (169.254.169.254) for jobs",
                    ),
                    Choice("inbound-ssh", "Block SSH to runner machines from the internet"),
                    Choice("runner-to-runner", "Limit traffic between runner machines"),
                    Choice("own-segment", "Put runners in their own network segment"),
                ),
                recommend=lambda _a: (
                    "metadata-endpoint",
                    "inbound-ssh",
                    "runner-to-runner",
                    "own-segment",
                ),
                help="These cannot be set in config.toml. They go on the review screen as a "
                "checklist, with generated firewall rules.",
            ),
        ),
        help="Runners belong in their own network segment. Jobs must not reach the metadata "
        "endpoint, other runners or management ports.",
    ),
    Step(
        id="ephemerality",
        title="Ephemerality",
        intro="Whatever one job leaves on a machine, the next job on that machine can read "
        "or tamper with.",
        questions=(
            Question(
                field="one_job_per_vm",
                settles=frozenset({"autoscaler-vm-reuse"}),
                prompt="Use each autoscaled VM for one job only?",
                kind="confirm",
                applies=_is_autoscaled,
                recommend=lambda a: _trust(a) is not Trust.SINGLE_PROJECT,
                help="MaxBuilds = 1 (docker+machine) or max_use_count = 1 (autoscaler).",
            ),
            Question(
                field="job_cleanup",
                settles=frozenset({"job-cleanup-disabled"}),
                prompt="Clean the working copy after every job?",
                kind="confirm",
                applies=_is_reused_host,
                recommend=lambda _a: True,
                help="Sets FF_ENABLE_JOB_CLEANUP, so .git hooks and files do not carry over.",
            ),
            Question(
                field="clone_strategy",
                settles=frozenset({"git-strategy-fetch-shared"}),
                prompt="How should jobs get the source?",
                kind="select",
                choices=(
                    Choice(CloneStrategy.CLONE, "clone", "A fresh clone for every job."),
                    Choice(
                        CloneStrategy.FETCH,
                        "fetch",
                        "Reuse the working copy; only if every user is trusted.",
                    ),
                ),
                applies=_is_reused_host,
                recommend=lambda a: (
                    CloneStrategy.FETCH
                    if _trust(a) is Trust.SINGLE_PROJECT
                    else CloneStrategy.CLONE
                ),
            ),
        ),
        help="Autoscaled VMs should take one job each. On hosts that are reused, clone "
        "afresh and clean up, or submodules and git hooks leak from one job to the next.",
    ),
)


RULES_SETTLED_BY_QUESTIONS = frozenset(
    rule for s in STEPS for q in s.questions for rule in q.settles
)
"""Every rule some question decides (see :attr:`Question.settles`)."""


def step(step_id: str) -> Step:
    return next(s for s in STEPS if s.id == step_id)


def question(field: str) -> Question:
    return next(q for s in STEPS for q in s.questions if q.field == field)


def applicable_fields(answers: Answers) -> list[str]:
    """Every question that applies to these answers, in the order they are asked."""
    return [q.field for s in STEPS for q in s.applicable(answers)]


def recommended(answers: Answers) -> Answers:
    """Fill every applicable, unanswered question with its recommendation, in order."""
    current = answers
    for s in STEPS:
        for q in s.applicable(current):
            if getattr(current, q.field) is None:
                current = current.merged(Answers(**{q.field: q.recommend(current)}))
    return current


# --------------------------------------------------------------------------- going back

BACK = "<back>"
"""What a front-end returns for "go back one question" (no choice has this value)."""
BACK_WORDS = frozenset({"<", "back"})
"""What an operator types at a text prompt to go back one question."""
BACK_HINT = "< goes back"
"""Shown beside a typed question when there is one to go back to."""
BACK_LABEL = "← Back to the previous question"
"""The extra entry of a choice or tick list when there is one to go back to."""


def is_back(reply: object) -> bool:
    """Whether what the operator gave means "the previous question"."""
    if reply == BACK:
        return True
    return isinstance(reply, str) and reply.strip().lower() in BACK_WORDS


class QuestionWalk:
    """The questions in the order both wizards ask them, with one step back at a time.

    Which question comes next depends on the answers so far (a shell runner has no
    Docker questions), so going back restores the answers as they were before the
    question was answered, and the walk goes on from there. Locked answers are
    shown, not asked: going back never stops on one.
    """

    def __init__(self, answers: Answers, locked: frozenset[str] = frozenset()) -> None:
        self.answers = answers
        self.locked = locked
        self._flat = [(s, q) for s in STEPS for q in s.questions]
        self._position = 0
        self._answered: list[tuple[int, Answers]] = []
        """Where each answered question stood, and the answers before it."""

    def next(self) -> tuple[Step, Question] | None:
        """The next question that applies (locked ones too), or ``None`` at the end."""
        while self._position < len(self._flat):
            found = self._flat[self._position]
            if found[1].applies(self.answers):
                return found
            self._position += 1
        return None

    def answer(self, value: Any) -> None:
        """Record the answer to the question :meth:`next` returned, and move on."""
        _step, q = self._flat[self._position]
        if q.field not in self.locked:
            self._answered.append((self._position, self.answers))
            self.answers = self.answers.merged(Answers(**{q.field: value}))
        self._position += 1

    @property
    def can_go_back(self) -> bool:
        return bool(self._answered)

    def back(self) -> None:
        """Undo the last answer: that question is next again, asked afresh."""
        if self._answered:
            self._position, self.answers = self._answered.pop()
