"""docker-socket-mount, sensitive-host-path and host-namespace."""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.rules.mount_rules import sensitive_reason
from wizard.runner.reading import volume_source


def docker(body: str, executor: str = "docker") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.docker]\nimage = "alpine"\n{body}'


def test_volume_source_tells_binds_from_volumes() -> None:
    assert volume_source("/cache") is None
    assert volume_source("named:/data") is None
    assert volume_source("/srv/x:/x:ro") == "/srv/x"
    assert volume_source("~/.ssh:/root/.ssh") == "~/.ssh"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/etc",
        "/etc/",
        "/root/x",
        "/var/lib/docker",
        "/proc/1",
        "/sys",
        "/boot",
        "/dev",
        "/var/run",
        "/run",
        "/home",
        "~/.ssh",
        "/home/ci/.ssh",
        "/etc/gitlab-runner//config.toml",
        "/run/containerd/containerd.sock",
    ],
)
def test_sensitive_paths(path: str) -> None:
    assert sensitive_reason(path)


@pytest.mark.parametrize(
    "path",
    ["/etc/ssl/certs", "/etc/docker/daemon.json", "/srv/cache", "/home/ci/cache", "/dev/kvm"],
)
def test_ordinary_paths(path: str) -> None:
    assert sensitive_reason(path) is None


def test_socket_mount_is_removed_keeping_other_volumes() -> None:
    text = docker('volumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock", "/x:/x"]\n')
    (issue,) = issues("docker-socket-mount", text)
    assert issue.key == "volumes"
    data = fixed("docker-socket-mount", text)
    assert data["runners"][0]["docker"]["volumes"] == ["/cache", "/x:/x"]


def test_socket_via_run_and_rootless_paths() -> None:
    text = docker(
        'volumes = ["/run/docker.sock:/var/run/docker.sock", '
        '"/run/user/1000/docker.sock:/var/run/docker.sock"]\n'
    )
    (_issue,) = issues("docker-socket-mount", text)  # one issue per runner, all sockets at once
    assert fixed("docker-socket-mount", text)["runners"][0]["docker"]["volumes"] == []


def test_windows_pipe_counts_as_the_socket() -> None:
    text = docker(
        'volumes = ["\\\\\\\\.\\\\pipe\\\\docker_engine:\\\\\\\\.\\\\pipe\\\\docker_engine"]\n',
        "docker-windows",
    )
    assert issues("docker-socket-mount", text)


def test_no_socket_is_quiet() -> None:
    assert issues("docker-socket-mount", docker('volumes = ["/cache", "/certs/client"]\n')) == []
    # a socket path inside the container, fed from an ordinary host folder, is not the daemon
    assert (
        issues("docker-socket-mount", docker('volumes = ["/srv/s:/var/run/docker.sock"]\n')) == []
    )


def test_sensitive_host_path_docker_has_no_fix_and_skips_sockets() -> None:
    text = docker(
        'volumes = ["/etc:/host/etc:ro", "/var/run/docker.sock:/var/run/docker.sock", '
        '"/home/ci/.ssh:/root/.ssh:ro", "/cache"]\n'
    )
    found = issues("sensitive-host-path", text)
    assert [issue.message.split(",")[0] for issue in found] == [
        "volumes bind-mount /etc",
        "volumes bind-mount /home/ci/.ssh",
    ]
    assert all(issue.edits == () for issue in found)


def test_sensitive_host_path_kubernetes() -> None:
    text = (
        '[[runners]]\nexecutor = "kubernetes"\n'
        "[[runners.kubernetes.volumes.host_path]]\n"
        'name = "sock"\nmount_path = "/var/run/docker.sock"\nhost_path = "/var/run/docker.sock"\n'
        "[[runners.kubernetes.volumes.host_path]]\n"
        'name = "data"\nmount_path = "/data"\nhost_path = "/srv/data"\n'
    )
    (issue,) = issues("sensitive-host-path", text)
    assert "(sock)" in issue.message
    assert issue.table == ("runners", 0, "kubernetes", "volumes")


def test_host_namespaces_are_removed() -> None:
    text = docker(
        'network_mode = "host"\npid_mode = "host"\nipcmode = "HOST"\nuserns_mode = "host"\n'
    )
    found = issues("host-namespace", text)
    assert [issue.key for issue in found] == ["network_mode", "pid_mode", "ipcmode", "userns_mode"]
    data = fixed("host-namespace", text)
    assert data["runners"][0]["docker"] == {"image": "alpine"}


def test_private_namespaces_are_quiet() -> None:
    text = docker('network_mode = "ci"\npid_mode = "container:x"\n')
    assert issues("host-namespace", text) == []


def test_rootless_socket_is_not_called_control_of_the_host() -> None:
    """A rootless daemon (docs: Docker rootless mode, socket under /run/user/UID) runs as an
    ordinary user; its socket gives that user's power, not root."""
    text = docker('volumes = ["/run/user/1000/docker.sock:/var/run/docker.sock"]\n')
    (issue,) = issues("docker-socket-mount", text)
    assert "rootless" in issue.message
    assert "not root on the host" in issue.message
    assert issue.severity == "high"
    rootful = docker('volumes = ["/var/run/docker.sock:/var/run/docker.sock"]\n')
    (plain,) = issues("docker-socket-mount", rootful)
    assert plain.severity is None
    assert "the host" in plain.message
