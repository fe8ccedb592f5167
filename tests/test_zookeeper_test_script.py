"""The helm test script (files/zk-test-ensemble.sh) run against fake servers.

The script talks to in-cluster DNS names; stand-ins from tests/scripts/zookeeper replace
``timeout`` (maps each server FQDN to a local fake server) and ``zkCli.sh`` (a directory
as the znode tree), the four-letter-word client is the chart's own zk-4lw.sh.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, one, render_chart
from test_zookeeper_scripts import NOT_SERVING, SRVR, fake_zk, mount_secrets  # noqa: F401

STAND_INS = REPO / "tests" / "scripts" / "zookeeper"
TEST_POD = "templates/tests/test-ensemble.yaml"


def run_test_pod(tmp_path: Path, start, modes: list[str | None], *,
                 corrupt: bool = False, values: dict[str, Any] | None = None,
                 secrets: dict[str, str] | None = None, server_password: str = "",
                 open_acls: bool = False, refused_for: float = 0.0,
                 extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Render the test pod for len(modes) replicas and run its command as the kubelet would.

    Each entry of ``modes`` is the srvr Mode of one server (None: not serving). ``secrets``
    are the mounted Secret's keys, ``server_password`` the one the fake server accepts,
    ``open_acls`` a server that ignores ACLs, ``refused_for`` seconds during which every
    connection is refused (as while a NetworkPolicy plugin has not yet admitted the pod).
    """
    objs = render_chart("zookeeper", {"replicaCount": len(modes), **(values or {})},
                        show_only=[TEST_POD, "templates/configmap-scripts.yaml"],
                        release="zk", namespace="data")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for name, text in one(objs, "ConfigMap")["data"].items():
        (scripts / name).write_text(text)
        (scripts / name).chmod(0o555)
    spec = one(objs, "Pod")["spec"]
    container = spec["containers"][0]
    env: dict[str, Any] = {"PATH": f"{STAND_INS}:{os.environ['PATH']}"}
    for var in container["env"]:
        env[var["name"]] = var.get("value") or "data"  # POD_NAMESPACE from the downward API
    mount_secrets(tmp_path, spec, container, env, secrets or {})
    (tmp_path / "pod-tmp").mkdir()
    ports = []
    for i, mode in enumerate(modes):
        answer = NOT_SERVING if mode is None else SRVR.format(mode=mode)
        server = start({"srvr": answer})
        ports.append(f"zk-zookeeper-{i}.zk-zookeeper-headless.data.svc.cluster.local "
                     f"{server.server_address[1]}")
    ports_file = tmp_path / "ports"
    ports_file.write_text("\n".join(ports) + "\n")
    timer = None
    if refused_for:
        ports_file.write_text("")  # unknown hosts: a port nothing listens on
        timer = threading.Timer(refused_for,
                                lambda: ports_file.write_text("\n".join(ports) + "\n"))
        timer.start()
    (tmp_path / "tree").mkdir()
    env.update(FAKE_ZK_PORTS=str(tmp_path / "ports"), FAKE_ZK_TREE=str(tmp_path / "tree"),
               FAKE_ZK_CORRUPT="1" if corrupt else "0", ZK_4LW_TIMEOUT="2",
               FAKE_ZK_PASSWORD=server_password, FAKE_ZK_OPEN="1" if open_acls else "0",
               TMPDIR=str(tmp_path / "pod-tmp"))
    env.update(extra_env or {})
    command = [str(scripts / Path(container["command"][0]).name)]
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        if timer:
            timer.cancel()


@pytest.mark.parametrize("modes", [
    ["standalone"],
    ["follower", "leader", "follower"],
    ["follower", "follower", "follower", "leader", "follower"],
])
def test_helm_test_passes_for_a_healthy_ensemble(tmp_path, fake_zk, modes):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, modes)
    assert result.returncode == 0, result.stderr
    assert f"OK: {len(modes)} server(s) serving" in result.stdout
    calls = (tmp_path / "tree.log").read_text().split("\n")
    # The znode round-trip goes through the client Service, not one server.
    assert [c.split()[:2] for c in calls if c] == [
        ["zk-zookeeper:2181", "create"], ["zk-zookeeper:2181", "get"],
        ["zk-zookeeper:2181", "delete"]]
    assert list((tmp_path / "tree").iterdir()) == []  # the test znode is removed


@pytest.mark.parametrize(("modes", "message"), [
    (["leader", "leader", "follower"], "expected exactly one leader among 3 servers, found 2"),
    (["follower", "follower", "follower"], "found 0"),
    (["leader", None, "follower"], "zk-zookeeper-1.zk-zookeeper-headless.data.svc.cluster.local"
                                   " is not serving"),
    (["leader", "standalone", "follower"], "expected 2 followers, found 1"),
    (["follower"], "the single server is not standalone"),
])
def test_helm_test_fails_for_a_broken_ensemble(tmp_path, fake_zk, modes, message):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, modes)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "tree.log").exists()  # no write before the servers check out


def test_helm_test_fails_when_the_znode_does_not_read_back(tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["leader", "follower", "follower"], corrupt=True)
    assert result.returncode == 1
    assert "read back without the data written" in result.stderr


# --- with auth.client -----------------------------------------------------------------------

PASSWORD = 'helm "test" \\ pw'
AUTH = {"auth": {"client": {"enabled": True}}}


def calls(tmp_path: Path) -> list[list[str]]:
    return [c.split()[1:] for c in (tmp_path / "tree.log").read_text().splitlines()]


def test_helm_test_writes_as_the_sasl_user_and_anonymous_clients_cannot_change_it(
        tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["follower", "leader", "follower"], values=AUTH,
                          secrets={"client-password": PASSWORD}, server_password=PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "anonymous clients cannot change it or create under it" in result.stdout
    assert "OK: 3 server(s) serving" in result.stdout
    znode = calls(tmp_path)[0][1]
    assert calls(tmp_path) == [
        ["create", znode, "kafka"], ["get", znode, "kafka"],
        ["set", znode, "anonymous"], ["create", f"{znode}/anonymous", "anonymous"],
        ["get", znode, "kafka"], ["delete", f"{znode}/anonymous", "kafka"],
        ["delete", znode, "kafka"]]
    assert list((tmp_path / "tree").iterdir()) == []
    assert PASSWORD not in result.stdout + result.stderr
    # The client JAAS file: only under the pod's scratch dir, 0600, the password escaped.
    (written,) = (tmp_path / "pod-tmp").iterdir()
    assert written.stat().st_mode & 0o777 == 0o600
    assert written.read_text() == (
        "Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
        '  username="kafka"\n  password="helm \\"test\\" \\\\ pw";\n};\n')


def test_helm_test_fails_when_anonymous_clients_can_change_the_znode(tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["standalone"], values=AUTH,
                          secrets={"client-password": PASSWORD}, server_password=PASSWORD,
                          open_acls=True)
    assert result.returncode == 1
    assert "an anonymous client changed /helm-test-" in result.stderr
    assert "(ACL sasl:kafka:cdrwa)" in result.stderr
    assert list((tmp_path / "tree").iterdir()) == []  # cleaned up all the same


def test_helm_test_fails_with_a_wrong_password(tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["standalone"], values=AUTH,
                          secrets={"client-password": "wrong"}, server_password=PASSWORD)
    assert result.returncode == 1
    assert "zkCli.sh create /helm-test-" in result.stderr
    assert ("failed as SASL user kafka (Secret zk-zookeeper-auth key client-password: the "
            "servers read it at their last start)") in result.stderr
    assert "wrong" not in result.stdout + result.stderr


def test_helm_test_waits_for_connections_a_network_policy_does_not_admit_yet(
        tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["leader", "follower", "follower"],
                          refused_for=2.5)
    assert result.returncode == 0, result.stderr
    assert "OK: 3 server(s) serving" in result.stdout


def test_helm_test_gives_up_on_a_server_that_never_accepts(tmp_path, fake_zk):  # noqa: F811
    result = run_test_pod(tmp_path, fake_zk, ["leader", "follower", "follower"],
                          refused_for=30, extra_env={"ZK_TEST_CONNECT_SECONDS": "2"})
    assert result.returncode == 1
    assert "did not answer srvr within 2s" in result.stderr
    assert "cannot connect to 127.0.0.1" in result.stderr
