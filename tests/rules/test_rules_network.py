"""Network exposure: per-job networks, listening servers, plain HTTP and Docker over TCP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rule_checks import fixed, issues
from wizard.audit.engine import audit_document, harden_document
from wizard.embedded import load_document
from wizard.rules.network_rules import plain_http_remote
from wizard.runner.reading import listens_everywhere, split_listen_address


def docker(body: str = "", executor: str = "docker") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.docker]\nimage = "alpine"\n{body}'


def test_per_build_network_flag_is_pinned() -> None:
    (issue,) = issues("per-build-network-disabled", docker())
    assert issue.table == ("runners", 0, "feature_flags")
    data = fixed("per-build-network-disabled", docker())
    assert data["runners"][0]["feature_flags"]["FF_NETWORK_PER_BUILD"] is True


def test_per_build_network_respects_a_chosen_network() -> None:
    assert issues("per-build-network-disabled", docker('network_mode = "ci-net"\n')) == []
    pinned = docker() + "[runners.feature_flags]\nFF_NETWORK_PER_BUILD = true\n"
    assert issues("per-build-network-disabled", pinned) == []
    assert issues("per-build-network-disabled", '[[runners]]\nexecutor = "shell"\n') == []


def test_host_network_still_wants_the_flag_so_removing_host_mode_converges() -> None:
    assert issues("per-build-network-disabled", docker('network_mode = "host"\n'))


@pytest.mark.parametrize(
    ("address", "everywhere"),
    [
        ("0.0.0.0:9252", True),
        (":9252", True),
        ("[::]:9252", True),
        ("0.0.0.0", True),
        ("127.0.0.1:9252", False),
        ("localhost:9252", False),
        ("10.0.0.5:9252", False),
        ("", False),
    ],
)
def test_listens_everywhere(address: str, everywhere: bool) -> None:
    assert listens_everywhere(address) is everywhere


def test_split_listen_address() -> None:
    assert split_listen_address("[::1]:80") == ("::1", "80")
    assert split_listen_address("0.0.0.0") == ("0.0.0.0", None)


def test_metrics_server_rebound_to_loopback_keeping_port() -> None:
    text = 'listen_address = ":9000"\nconcurrent = 1\n'
    (issue,) = issues("metrics-server-exposed", text)
    assert issue.table == ()
    assert issue.runner_index is None
    assert fixed("metrics-server-exposed", text)["listen_address"] == "127.0.0.1:9000"
    assert fixed("metrics-server-exposed", 'listen_address = "[::]"\n')["listen_address"] == (
        "127.0.0.1:9252"
    )


def test_metrics_server_on_loopback_is_quiet() -> None:
    assert issues("metrics-server-exposed", 'listen_address = "127.0.0.1:9252"\n') == []
    assert issues("metrics-server-exposed", "concurrent = 1\n") == []


def test_session_server_exposed_has_no_fix() -> None:
    text = '[session_server]\nlisten_address = "0.0.0.0:8093"\nadvertise_address = "r:8093"\n'
    (issue,) = issues("session-server-exposed", text)
    assert issue.table == ("session_server",)
    assert issue.edits == ()
    quiet = '[session_server]\nlisten_address = "10.1.2.3:8093"\n'
    assert issues("session-server-exposed", quiet) == []


def test_plain_http_remote() -> None:
    assert plain_http_remote("http://gitlab.example.com/")
    assert plain_http_remote("HTTP://10.0.0.1")
    assert not plain_http_remote("https://gitlab.example.com/")
    assert not plain_http_remote("http://localhost:8080/")
    assert not plain_http_remote("http://127.0.0.1/")


def test_insecure_url_and_clone_url_never_print_the_url() -> None:
    text = (
        '[[runners]]\nurl = "http://user:s3cretpass@gitlab.example/"\n'
        'clone_url = "http://gitlab.example/"\nexecutor = "shell"\n'
    )
    found = issues("insecure-gitlab-url", text)
    assert [issue.key for issue in found] == ["url", "clone_url"]
    assert all("s3cretpass" not in issue.message for issue in found)
    assert all(issue.edits == () for issue in found)


def test_docker_over_tcp_without_verification() -> None:
    (issue,) = issues("docker-tls-verify-disabled", docker('host = "tcp://10.0.0.2:2375"\n'))
    assert issue.key == "tls_verify"
    verified = docker('host = "tcp://10.0.0.2:2376"\ntls_verify = true\n')
    assert issues("docker-tls-verify-disabled", verified) == []
    socket = docker('host = "unix:///var/run/docker.sock"\n')
    assert issues("docker-tls-verify-disabled", socket) == []


def test_metrics_server_in_a_pod_is_reported_without_a_rebinding(tmp_path: Path) -> None:
    """In a pod, 127.0.0.1 is the pod alone: a ServiceMonitor scrapes the pod IP, so the
    loopback rebinding that suits a host would cut off every scraper in the cluster."""
    configmap = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: runner\ndata:\n"
        "  config.toml: |\n    listen_address = ':9252'\n    [[runners]]\n"
        '      executor = "kubernetes"\n'
    )
    values = (
        "gitlabUrl: https://gitlab.example.com\nrunners:\n  config: |\n"
        '    listen_address = "0.0.0.0:9252"\n    [[runners]]\n'
    )
    for name, text in (("configmap.yaml", configmap), ("values.yaml", values)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        document = load_document(path)
        (found,) = [f for f in audit_document(document) if f.rule == "metrics-server-exposed"]
        assert found.fix is None, name
        assert "NetworkPolicy" in found.message
        applied = harden_document(document, fix="all").applied
        assert not any(f.rule == "metrics-server-exposed" for f in applied)
