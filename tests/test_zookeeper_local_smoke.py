"""Opt-in smoke test: real ZooKeeper 3.8.4 servers with the chart's generated zoo.cfg and JAAS.

Runs outside Kubernetes, as local processes on 127.0.0.1, the jars from Maven Central
(tests/scripts/zookeeper/smoke-pom.xml). The config init container's script runs with its
rendered environment and the Secret's keys in files (as in test_zookeeper_scripts.py); the
server gets the rendered SERVER_JVMFLAGS. Then the rendered probes and the helm test script
run against it, with the real zkCli (tests/scripts/zookeeper/smoke-bin/zkCli.sh). For the
three-server ensemble only the server lines of zoo.cfg are rewritten, to distinct ports on
127.0.0.1 (one host cannot bind the same quorum ports three times).

    ZOOKEEPER_LOCAL_SMOKE=1 pytest tests/test_zookeeper_local_smoke.py     # java, mvn
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import one, render_chart
from localproc import free_port, stop
from test_zookeeper_scripts import gen_config, mount_secrets, render_scripts

FIXTURES = Path(__file__).parent / "scripts" / "zookeeper"
LIBS = Path.home() / ".cache" / "stackctl" / "zookeeper-smoke-libs"
PASSWORD = 'sm0ke "pw" \\ $x'

pytestmark = pytest.mark.skipif(
    os.environ.get("ZOOKEEPER_LOCAL_SMOKE") != "1"
    or not all(shutil.which(t) for t in ("java", "mvn")),
    reason="opt-in (ZOOKEEPER_LOCAL_SMOKE=1), needs java and mvn")


@pytest.fixture(scope="module")
def libs() -> Path:
    if not (LIBS / "metrics-core-4.1.12.1.jar").exists():
        subprocess.run(["mvn", "-q", "-B", "-f", str(FIXTURES / "smoke-pom.xml"),
                        "dependency:copy-dependencies", f"-DoutputDirectory={LIBS}"],
                       check=True, timeout=600)
    return LIBS


class Server:
    """One ZooKeeper server: the chart's config generator, then the JVM as the pod runs it."""

    def __init__(self, root: Path, values: dict[str, Any], pod: str, secrets: dict[str, str],
                 libs: Path) -> None:
        self.root = root
        self.root.mkdir()
        self.port = values["containerPorts"]["client"]
        self.scripts, self.sts = render_scripts(root, values)
        result = gen_config(root, self.sts, self.scripts, pod, secrets)
        assert result.returncode == 0, result.stderr
        assert PASSWORD not in result.stdout + result.stderr
        self.conf = root / "config"
        self.libs = libs
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        (container,) = self.sts["spec"]["template"]["spec"]["containers"]
        flags = next(e["value"] for e in container["env"] if e["name"] == "SERVER_JVMFLAGS")
        flags = flags.replace("/conf/", f"{self.conf}/")  # the config emptyDir's mount
        log = (self.root / "server.log").open("w")
        self.proc = subprocess.Popen(
            ["java", *flags.split(), "-cp", f"{self.conf}:{self.libs}/*",
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(self.conf / "zoo.cfg")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def probe(self, name: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ["PATH"], "ZK_CLIENT_PORT": str(self.port), "ZK_4LW_TIMEOUT": "2"}
        return subprocess.run([str(self.scripts / name)], env=env, capture_output=True,
                              text=True, timeout=15)

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while self.probe("zk-ready.sh").returncode != 0:
            assert self.proc and self.proc.poll() is None, self.log()[-3000:]
            assert time.monotonic() < deadline, self.log()[-3000:]
            time.sleep(0.5)

    def log(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc:
            stop(self.proc, 30, strict=False)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def helm_test(tmp_path: Path, server: Server, values: dict[str, Any],
              secrets: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The rendered helm test pod's command against ``server`` (one replica)."""
    objs = render_chart("zookeeper", values, show_only=["templates/tests/test-ensemble.yaml"],
                        release="zk", namespace="data")
    spec = one(objs, "Pod")["spec"]
    (container,) = spec["containers"]
    work = tmp_path / "helm-test"
    work.mkdir()
    env: dict[str, str] = {
        "PATH": f"{FIXTURES / 'smoke-bin'}:{FIXTURES}:{os.environ['PATH']}",
        "ZK_SMOKE_LIBS": str(server.libs), "ZK_SMOKE_CONF": str(server.conf)}
    for var in container["env"]:
        env[var["name"]] = var.get("value") or "data"
    mount_secrets(work, spec, container, env, secrets)
    (work / "tmp").mkdir()
    ports = work / "ports"
    ports.write_text(f"zk-zookeeper-0.zk-zookeeper-headless.data.svc.cluster.local {server.port}\n")
    env.update(FAKE_ZK_PORTS=str(ports), TMPDIR=str(work / "tmp"),
               ZK_CLIENT_SERVICE="127.0.0.1",  # the client Service, as local DNS cannot
               CLIENT_JVMFLAGS=env["CLIENT_JVMFLAGS"].replace("/tmp", str(work / "tmp")))
    return subprocess.run([str(server.scripts / "zk-test-ensemble.sh")], env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("enforce", [False, True])
def test_a_real_server_takes_the_jaas_file_and_the_helm_test_passes(tmp_path, libs, servers,
                                                                      enforce):
    port = free_port()
    values = {"replicaCount": 1, "heapSize": "256M", "containerPorts": {"client": port},
              "service": {"ports": {"client": port}},
              "auth": {"client": {"enabled": True, "enforce": enforce}}}
    secrets = {"client-password": PASSWORD}
    server = Server(tmp_path / "zk", values, "zk-zookeeper-0", secrets, libs)
    servers.append(server)
    server.start()
    server.wait_ready()
    assert server.probe("zk-live.sh").returncode == 0  # four-letter words need no session
    result = helm_test(tmp_path, server, values, secrets)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "anonymous clients cannot change it or create under it" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr + server.log()
    if enforce:
        assert "does not match with any of the expected authentication scheme [sasl]" in (
            server.log())


def test_a_real_server_refuses_the_helm_test_with_a_wrong_password(tmp_path, libs, servers):
    port = free_port()
    values = {"replicaCount": 1, "heapSize": "256M", "containerPorts": {"client": port},
              "service": {"ports": {"client": port}}, "auth": {"client": {"enabled": True}}}
    server = Server(tmp_path / "zk", values, "zk-zookeeper-0", {"client-password": PASSWORD},
                    libs)
    servers.append(server)
    server.start()
    server.wait_ready()
    result = helm_test(tmp_path, server, values, {"client-password": "not-it"})
    assert result.returncode == 1
    assert "failed as SASL user kafka (Secret zk-zookeeper-auth key client-password" in (
        result.stderr)


def start_ensemble(tmp_path: Path, libs: Path, servers: list[Server],
                   passwords: list[str], require: bool) -> list[Server]:
    client = [free_port() for _ in passwords]
    quorum = [(free_port(), free_port()) for _ in passwords]
    for i, password in enumerate(passwords):
        values = {"heapSize": "128M", "containerPorts": {"client": client[i]},
                  "auth": {"quorum": {"enabled": True, "learnerRequireSasl": require,
                                      "serverRequireSasl": require}}}
        server = Server(tmp_path / f"zk-{i}", values, f"zk-zookeeper-{i}",
                        {"quorum-password": password}, libs)
        cfg = server.conf / "zoo.cfg"
        cfg.write_text(re.sub(
            r"^server\.(\d+)=.*$",
            lambda m: "server.{}=127.0.0.1:{}:{}".format(m[1], *quorum[int(m[1]) - 1]),
            cfg.read_text(), flags=re.M))
        servers.append(server)
    for server in servers:
        server.start()
    return servers


def test_quorum_sasl_forms_an_ensemble_and_keeps_a_wrong_password_out(tmp_path, libs,
                                                                       servers):
    ensemble = start_ensemble(tmp_path, libs, servers, ["q-pw", "q-pw", "wrong"], True)
    ensemble[0].wait_ready(90)
    ensemble[1].wait_ready(30)
    time.sleep(5)
    assert ensemble[2].probe("zk-ready.sh").returncode == 1
    assert "Successfully authenticated learner: authenticationID=zookeeper" in (
        ensemble[0].log() + ensemble[1].log())
    assert "Failed to authenticate using SASL" in ensemble[0].log() + ensemble[1].log()


def test_quorum_sasl_without_the_require_flags_tolerates_a_wrong_password(tmp_path, libs,
                                                                           servers):
    # The first step of turning it on in a running ensemble (README): nobody is refused.
    ensemble = start_ensemble(tmp_path, libs, servers, ["q-pw", "q-pw", "wrong"], False)
    for server in ensemble:
        server.wait_ready(90)
