"""The helm test script (files/zk-test-ensemble.sh) run against fake servers.

The script talks to in-cluster DNS names; stand-ins from tests/scripts/zookeeper replace
``timeout`` (maps each server FQDN to a local fake server) and ``zkCli.sh`` (a directory
as the znode tree), the four-letter-word client is the chart's own zk-4lw.sh.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, one, render_chart
from test_zookeeper_scripts import NOT_SERVING, SRVR, fake_zk  # noqa: F401 (fixture)

STAND_INS = REPO / "tests" / "scripts" / "zookeeper"
TEST_POD = "templates/tests/test-ensemble.yaml"


def run_test_pod(tmp_path: Path, start, modes: list[str | None], *,
                 corrupt: bool = False) -> subprocess.CompletedProcess[str]:
    """Render the test pod for len(modes) replicas and run its command as the kubelet would.

    Each entry of ``modes`` is the srvr Mode of one server (None: not serving).
    """
    objs = render_chart("zookeeper", {"replicaCount": len(modes)},
                        show_only=[TEST_POD, "templates/configmap-scripts.yaml"],
                        release="zk", namespace="data")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for name, text in one(objs, "ConfigMap")["data"].items():
        (scripts / name).write_text(text)
        (scripts / name).chmod(0o555)
    container = one(objs, "Pod")["spec"]["containers"][0]
    env: dict[str, Any] = {"PATH": f"{STAND_INS}:{os.environ['PATH']}"}
    for var in container["env"]:
        env[var["name"]] = var.get("value") or "data"  # POD_NAMESPACE from the downward API
    ports = []
    for i, mode in enumerate(modes):
        answer = NOT_SERVING if mode is None else SRVR.format(mode=mode)
        server = start({"srvr": answer})
        ports.append(f"zk-zookeeper-{i}.zk-zookeeper-headless.data.svc.cluster.local "
                     f"{server.server_address[1]}")
    (tmp_path / "ports").write_text("\n".join(ports) + "\n")
    (tmp_path / "tree").mkdir()
    env.update(FAKE_ZK_PORTS=str(tmp_path / "ports"), FAKE_ZK_TREE=str(tmp_path / "tree"),
               FAKE_ZK_CORRUPT="1" if corrupt else "0", ZK_4LW_TIMEOUT="2")
    command = [str(scripts / Path(container["command"][0]).name)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


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
