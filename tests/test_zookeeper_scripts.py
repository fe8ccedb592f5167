"""The zookeeper chart's scripts, run outside a cluster exactly as rendered.

The config generator runs with the init container's rendered environment (downward API
fields filled in as the kubelet would) and its directories moved under tmp_path. The
probes run against a tiny fake ZooKeeper that answers four-letter words.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import CHARTS, one, render_chart
from localproc import free_port

SCRIPTS = ["templates/configmap-scripts.yaml", "templates/statefulset.yaml"]
NAMESPACE = "data"
SRVR = (
    "Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12\n"
    "Latency min/avg/max: 0/0.0/0\nReceived: 4\nSent: 3\nConnections: 1\nOutstanding: 0\n"
    "Zxid: 0x100000002\nMode: {mode}\nNode count: 5\n"
)
NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n"


@functools.cache
def _render(values_json: str) -> list[dict[str, Any]]:
    """Rendered scripts ConfigMap and StatefulSet, once per distinct values."""
    return render_chart("zookeeper", json.loads(values_json), show_only=SCRIPTS, release="zk",
                        namespace=NAMESPACE)


def render_scripts(tmp_path: Path, values: dict[str, Any] | None = None,
                   ) -> tuple[Path, dict[str, Any]]:
    """Write the rendered scripts ConfigMap to tmp_path/scripts; return it and the StatefulSet."""
    objs = _render(json.dumps(values or {}, sort_keys=True))
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for name, text in one(objs, "ConfigMap")["data"].items():
        (scripts / name).write_text(text)
        (scripts / name).chmod(0o555)  # the ConfigMap volume's defaultMode
    return scripts, one(objs, "StatefulSet")


def mount_secrets(tmp_path: Path, spec: dict[str, Any], container: dict[str, Any],
                  env: dict[str, str], secrets: dict[str, str]) -> None:
    """Write ``secrets`` (key: content) into tmp_path/<volume> for each Secret volume the
    container mounts (read-only, 0440 as the kubelet does), and point the env's paths into
    a mount there instead."""
    volumes = {v["name"]: v for v in spec["volumes"]}
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})  # data and datalog: claim templates
        if "secret" not in volume:
            continue
        assert mount["readOnly"] is True
        directory = tmp_path / mount["name"]
        directory.mkdir(exist_ok=True)
        for key, content in secrets.items():
            (directory / key).write_text(content)
            (directory / key).chmod(volume["secret"]["defaultMode"])
        for name, value in env.items():
            if value.startswith(mount["mountPath"] + "/"):
                env[name] = str(directory / value.removeprefix(mount["mountPath"] + "/"))


def gen_config(tmp_path: Path, sts: dict[str, Any], scripts: Path, pod: str,
               secrets: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the init container's command with its env, as the kubelet would for ``pod``
    (``secrets``: the content of the mounted auth Secrets' keys)."""
    spec = sts["spec"]["template"]["spec"]
    (init,) = spec["initContainers"]
    fields = {"metadata.name": pod, "metadata.namespace": NAMESPACE}
    env = {"PATH": os.environ["PATH"]}
    for var in init["env"]:
        if "valueFrom" in var:
            env[var["name"]] = fields[var["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            env[var["name"]] = var["value"]
    mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
    for key in ("ZK_CONF_DIR", "ZK_DATA_DIR", "ZK_DATA_LOG_DIR"):
        assert env[key] in mounts, f"{key}={env[key]} is not a mounted volume"
        env[key] = str(tmp_path / mounts[env[key]])
    mount_secrets(tmp_path, spec, init, env, secrets or {})
    command = [str(scripts / Path(init["command"][0]).name), *init["command"][1:]]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def zoo_cfg(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "config" / "zoo.cfg").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def server_lines(tmp_path: Path) -> list[str]:
    return [line for line in (tmp_path / "config" / "zoo.cfg").read_text().splitlines()
            if line.startswith("server.")]


def expected_servers(replicas: int) -> list[str]:
    if replicas == 1:
        # Standalone: ZooKeeper ignores a lone server.1 line, logging an ERROR; none written.
        return []
    return [f"server.{i + 1}=zk-zookeeper-{i}.zk-zookeeper-headless.{NAMESPACE}"
            f".svc.cluster.local:2888:3888" for i in range(replicas)]


# --- zk-gen-config.sh ---------------------------------------------------------------------

@pytest.mark.parametrize(("replicas", "pod", "myid"), [
    (1, "zk-zookeeper-0", 1), (3, "zk-zookeeper-2", 3), (5, "zk-zookeeper-3", 4),
    (5, "zk-zookeeper-0", 1)])
def test_config_generator_writes_myid_and_server_list(tmp_path, replicas, pod, myid):
    scripts, sts = render_scripts(tmp_path, {"replicaCount": replicas})
    result = gen_config(tmp_path, sts, scripts, pod)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "myid").read_text() == f"{myid}\n"
    assert server_lines(tmp_path) == expected_servers(replicas)
    cfg = zoo_cfg(tmp_path)
    assert cfg["standaloneEnabled"] == ("true" if replicas == 1 else "false")


def test_third_server_of_three_gets_myid_3_and_the_headless_fqdns(tmp_path):
    scripts, sts = render_scripts(tmp_path)
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-2")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "myid").read_text().strip() == "3"
    assert server_lines(tmp_path) == [
        "server.1=zk-zookeeper-0.zk-zookeeper-headless.data.svc.cluster.local:2888:3888",
        "server.2=zk-zookeeper-1.zk-zookeeper-headless.data.svc.cluster.local:2888:3888",
        "server.3=zk-zookeeper-2.zk-zookeeper-headless.data.svc.cluster.local:2888:3888",
    ]


def test_metrics_on_write_the_prometheus_provider_on_the_metrics_port(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"metrics": {"enabled": True, "containerPort": 7070}})
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-0")
    assert result.returncode == 0, result.stderr
    cfg = zoo_cfg(tmp_path)
    assert cfg["metricsProvider.className"] == (
        "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider")
    assert cfg["metricsProvider.httpPort"] == "7070"
    assert cfg["metricsProvider.exportJvmInfo"] == "true"


def test_metrics_off_write_no_metrics_provider(tmp_path):
    scripts, sts = render_scripts(tmp_path)
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-0")
    assert result.returncode == 0, result.stderr
    assert not [key for key in zoo_cfg(tmp_path) if key.startswith("metricsProvider.")]


def test_generated_zoo_cfg_has_the_seed_knobs_with_their_own_values(tmp_path):
    scripts, sts = render_scripts(tmp_path)
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-0")
    assert result.returncode == 0, result.stderr
    cfg = zoo_cfg(tmp_path)
    expected = {
        "tickTime": "2000", "initLimit": "10", "syncLimit": "5", "maxClientCnxns": "60",
        "autopurge.snapRetainCount": "3", "autopurge.purgeInterval": "24",
        "clientPort": "2181", "quorumListenOnAllIPs": "true",
        "4lw.commands.whitelist": "srvr,mntr,ruok", "admin.enableServer": "false",
        "dataDir": str(tmp_path / "data"), "dataLogDir": str(tmp_path / "data"),
    }
    assert {key: cfg.get(key) for key in expected} == expected


def test_sync_limit_in_zoo_cfg_is_the_sync_value_not_tick(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"tickTime": 3000, "syncLimit": 4})
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-1").returncode == 0
    cfg = zoo_cfg(tmp_path)
    assert (cfg["syncLimit"], cfg["tickTime"]) == ("4", "3000")


def test_extra_config_and_data_log_dir_land_in_zoo_cfg(tmp_path):
    scripts, sts = render_scripts(tmp_path, {
        "config": {"snapCount": 200000, "jute.maxbuffer": "4194304"},
        "persistence": {"dataLog": {"enabled": True}},
        "adminServer": {"enabled": True},
        "clusterDomain": "corp.internal",
    })
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0").returncode == 0
    cfg = zoo_cfg(tmp_path)
    assert cfg["snapCount"] == "200000"
    assert cfg["jute.maxbuffer"] == "4194304"
    assert cfg["dataLogDir"] == str(tmp_path / "datalog")
    assert cfg["admin.enableServer"] == "true"
    assert server_lines(tmp_path)[0].endswith(".svc.corp.internal:2888:3888")


def test_logging_goes_to_the_console_only(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"logLevel": "WARN"})
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0").returncode == 0
    logback = (tmp_path / "config" / "logback.xml").read_text()
    assert "ch.qos.logback.core.ConsoleAppender" in logback
    assert "FileAppender" not in logback
    assert '<root level="WARN">' in logback
    log4j = (tmp_path / "config" / "log4j.properties").read_text()
    assert "log4j.rootLogger=WARN, CONSOLE" in log4j


@pytest.mark.parametrize(("pod", "message"), [
    ("zookeeper", "cannot take the ordinal from pod name"),
    ("zk-zookeeper-3", "ordinal 3 but ZK_REPLICAS is 3"),
])
def test_config_generator_refuses_a_pod_it_cannot_place(tmp_path, pod, message):
    scripts, sts = render_scripts(tmp_path)
    result = gen_config(tmp_path, sts, scripts, pod)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "config" / "zoo.cfg").exists()


# --- zk-gen-config.sh with authentication --------------------------------------------------

CLIENT_PW = 'c1!ent "pw" \\ with $dollar'
QUORUM_PW = "qu0rum-Pa55"
AUTH_SECRETS = {"client-password": CLIENT_PW, "quorum-password": QUORUM_PW}
AUTH_KEYS = ("authProvider.sasl", "enforce.auth.enabled", "enforce.auth.schemes",
             "quorum.auth.enableSasl", "quorum.auth.learnerRequireSasl",
             "quorum.auth.serverRequireSasl", "quorum.auth.learner.saslLoginContext",
             "quorum.auth.server.saslLoginContext")
SERVER_SECTION = (
    "Server {\n"
    "  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
    '  user_kafka="c1!ent \\"pw\\" \\\\ with $dollar";\n'
    "};\n")
QUORUM_SECTIONS = (
    "QuorumServer {\n"
    "  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
    '  user_zookeeper="qu0rum-Pa55";\n'
    "};\n"
    "QuorumLearner {\n"
    "  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
    '  username="zookeeper"\n'
    '  password="qu0rum-Pa55";\n'
    "};\n")


def auth_keys(tmp_path: Path) -> dict[str, str]:
    return {k: v for k, v in zoo_cfg(tmp_path).items() if k in AUTH_KEYS}


def jaas(tmp_path: Path) -> Path:
    return tmp_path / "config" / "jaas.conf"


def assert_no_password_in(result: subprocess.CompletedProcess[str]) -> None:
    for password in (CLIENT_PW, QUORUM_PW, "c1!ent"):
        assert password not in result.stdout + result.stderr


def test_without_auth_there_is_no_jaas_file_and_no_auth_key(tmp_path):
    scripts, sts = render_scripts(tmp_path)
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0").returncode == 0
    assert not jaas(tmp_path).exists()
    assert auth_keys(tmp_path) == {}


def test_client_auth_writes_the_server_section_0600_and_the_sasl_provider(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"auth": {"client": {"enabled": True}}})
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-1", AUTH_SECRETS)
    assert result.returncode == 0, result.stderr
    # Quote and backslash escaped for the JAAS string; $ taken literally.
    assert jaas(tmp_path).read_text() == SERVER_SECTION
    assert jaas(tmp_path).stat().st_mode & 0o777 == 0o600
    assert auth_keys(tmp_path) == {
        "authProvider.sasl": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"}
    assert f"zk-jaas.sh: wrote Server to {jaas(tmp_path)} (mode 0600)" in result.stdout
    assert_no_password_in(result)
    assert not list((tmp_path / "config").glob("*.tmp"))


def test_enforce_refuses_sessions_without_sasl(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"auth": {"client": {"enabled": True,
                                                                 "enforce": True}}})
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0", AUTH_SECRETS).returncode == 0
    keys = auth_keys(tmp_path)
    assert (keys["enforce.auth.enabled"], keys["enforce.auth.schemes"]) == ("true", "sasl")


@pytest.mark.parametrize(("learner", "server"), [(True, True), (False, False), (True, False)])
def test_quorum_auth_writes_both_quorum_sections_and_the_require_flags(tmp_path, learner, server):
    scripts, sts = render_scripts(tmp_path, {"auth": {
        "client": {"enabled": True},
        "quorum": {"enabled": True, "learnerRequireSasl": learner, "serverRequireSasl": server}}})
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-2", AUTH_SECRETS)
    assert result.returncode == 0, result.stderr
    assert jaas(tmp_path).read_text() == SERVER_SECTION + QUORUM_SECTIONS
    assert jaas(tmp_path).stat().st_mode & 0o777 == 0o600
    assert auth_keys(tmp_path) == {
        "authProvider.sasl": "org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        "quorum.auth.enableSasl": "true",
        "quorum.auth.learnerRequireSasl": str(learner).lower(),
        "quorum.auth.serverRequireSasl": str(server).lower(),
        "quorum.auth.learner.saslLoginContext": "QuorumLearner",
        "quorum.auth.server.saslLoginContext": "QuorumServer"}
    assert "wrote Server QuorumServer QuorumLearner" in result.stdout
    assert_no_password_in(result)


def test_quorum_auth_alone_has_no_server_section(tmp_path):
    scripts, sts = render_scripts(tmp_path, {"auth": {"quorum": {"enabled": True}}})
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0", AUTH_SECRETS).returncode == 0
    assert jaas(tmp_path).read_text() == QUORUM_SECTIONS
    assert "authProvider.sasl" not in auth_keys(tmp_path)


@pytest.mark.parametrize(("secrets", "message"), [
    ({"client-password": CLIENT_PW + "\n"},
     "Secret zk-zookeeper-auth key client-password contains a line break"),
    ({"client-password": ""}, "Secret zk-zookeeper-auth key client-password is empty"),
    ({"other": "x"}, "Secret zk-zookeeper-auth key client-password: no file "),
])
def test_an_unusable_password_stops_the_server_before_it_starts(tmp_path, secrets, message):
    scripts, sts = render_scripts(tmp_path, {"auth": {"client": {"enabled": True}}})
    result = gen_config(tmp_path, sts, scripts, "zk-zookeeper-0", secrets)
    assert result.returncode == 1
    assert message in result.stderr
    assert_no_password_in(result)
    assert not jaas(tmp_path).exists()
    assert not (tmp_path / "config" / "zoo.cfg").exists()


def test_a_stale_jaas_file_is_removed_when_auth_is_turned_off(tmp_path):
    scripts, sts = render_scripts(tmp_path)
    (tmp_path / "config").mkdir()
    jaas(tmp_path).write_text("Server { old };\n")
    assert gen_config(tmp_path, sts, scripts, "zk-zookeeper-0").returncode == 0
    assert not jaas(tmp_path).exists()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_scripts_are_shellcheck_clean():
    files = sorted((CHARTS / "zookeeper" / "files").glob("*.sh"))
    assert files
    result = subprocess.run(["shellcheck", "-x", *map(str, files)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout


# --- probes against a fake ZooKeeper -------------------------------------------------------

class FakeZooKeeper(socketserver.ThreadingTCPServer):
    """Answers four-letter words from ``answers`` (None: accept, then never answer)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answers: dict[str, str | None]) -> None:
        self.answers = answers
        self.received: list[str] = []
        self.hang = threading.Event()
        super().__init__(("127.0.0.1", 0), _FourLetterHandler)


class _FourLetterHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        word = self.request.recv(4).decode()
        server: FakeZooKeeper = self.server  # type: ignore[assignment]
        server.received.append(word)
        answer = server.answers.get(word, "")
        if answer is None:
            server.hang.wait(10)
            return
        self.request.sendall(answer.encode())


@pytest.fixture
def fake_zk() -> Iterator[callable]:
    servers: list[FakeZooKeeper] = []

    def start(answers: dict[str, str | None]) -> FakeZooKeeper:
        server = FakeZooKeeper(answers)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.hang.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def probe_scripts(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("zk-probes")
    scripts, _ = render_scripts(tmp)
    return scripts


def run_probe(scripts: Path, name: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "ZK_CLIENT_PORT": str(port), "ZK_4LW_TIMEOUT": "1"}
    return subprocess.run([str(scripts / name)], env=env, capture_output=True, text=True,
                          timeout=15)


@pytest.mark.parametrize("mode", ["leader", "follower", "standalone"])
def test_readiness_passes_when_serving_in_a_quorum(probe_scripts, fake_zk, mode):
    server = fake_zk({"srvr": SRVR.format(mode=mode)})
    result = run_probe(probe_scripts, "zk-ready.sh", server.server_address[1])
    assert result.returncode == 0, result.stderr
    assert server.received == ["srvr"]


def test_readiness_fails_when_not_serving_even_though_ruok_says_imok(probe_scripts, fake_zk):
    # What a server looks like while it searches for a leader: alive, not serving.
    server = fake_zk({"srvr": NOT_SERVING, "ruok": "imok"})
    port = server.server_address[1]
    ready = run_probe(probe_scripts, "zk-ready.sh", port)
    assert ready.returncode == 1
    assert "not serving in a quorum" in ready.stderr
    assert "not currently serving requests" in ready.stderr
    assert run_probe(probe_scripts, "zk-live.sh", port).returncode == 0


@pytest.mark.parametrize("answer", ["Mode: looking\n", "Mode: read-only\n", ""])
def test_readiness_fails_for_other_modes_and_empty_answers(probe_scripts, fake_zk, answer):
    server = fake_zk({"srvr": answer})
    assert run_probe(probe_scripts, "zk-ready.sh", server.server_address[1]).returncode == 1


def test_liveness_passes_on_imok_and_fails_otherwise(probe_scripts, fake_zk):
    alive = fake_zk({"ruok": "imok"})
    assert run_probe(probe_scripts, "zk-live.sh", alive.server_address[1]).returncode == 0
    assert alive.received == ["ruok"]
    # ruok outside the 4lw whitelist: ZooKeeper answers with an error text, not imok.
    refused = fake_zk({"ruok": "ruok is not executed because it is not in the whitelist.\n"})
    result = run_probe(probe_scripts, "zk-live.sh", refused.server_address[1])
    assert result.returncode == 1
    assert "expected imok" in result.stderr


@pytest.mark.parametrize("name", ["zk-ready.sh", "zk-live.sh"])
def test_probes_fail_when_nothing_listens(probe_scripts, name):
    result = run_probe(probe_scripts, name, free_port())
    assert result.returncode == 1
    assert "cannot connect" in result.stderr


@pytest.mark.parametrize("name", ["zk-ready.sh", "zk-live.sh"])
def test_probes_fail_fast_when_the_server_never_answers(probe_scripts, fake_zk, name):
    server = fake_zk({"srvr": None, "ruok": None})
    result = run_probe(probe_scripts, name, server.server_address[1])
    assert result.returncode == 1
    assert "no answer" in result.stderr
