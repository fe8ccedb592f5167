"""The benchmark of the deployed cluster (make bench-cluster; e2e/run.sh --bench runs it on
the e2e cluster it brought up, and tears that cluster down afterwards).

    PYTHONPATH=e2e .venv/bin/python -m bench.cluster [--records N] [--rounds R]

Three targets, measured with the same client, the same Kafka 3.9.1 jars, heap (384M),
record size (1 KiB) and acks (all):

  bare 1 broker    Kafka and a standalone ZooKeeper started here as host processes from the
                   jars the e2e images are built from, Kafka's default server.properties
                   (e2e/images/kafka/config) with --override for zookeeper.connect, log.dirs,
                   listeners (127.0.0.1 only); log.dirs on the filesystem of the cluster's PVs
  chart 1 broker   charts/stack with environments/dev.yaml, the local images and
                   kafka.heapSize=384M (e2e/values-local.yaml's heap): 1 ZooKeeper, 1 broker
  chart 3 brokers  environments/staging.yaml + e2e/values-local.yaml (3 + 3, RF 3, min ISR 2)

The client: ProducerPerformance and ConsumerPerformance as host-side java processes
(classpath: the Kafka image's jars). Against the chart they connect to the pod IPs on the
bridge (10.244.0.0/24) through the client listener (9092, PLAINTEXT): the brokers advertise
their pod FQDNs, which the host cannot resolve, so the client JVM gets a hosts file
(-Djdk.net.hosts.file) mapping each FQDN to its pod IP. Against bare: 127.0.0.1. No traffic
leaves the machine.

The single broker is measured in alternating rounds (bare, chart, chart, bare, ...), then
once more with one factor changed (the chart's CPU limit lifted to the machine's cores) to
see whether that factor explains a gap. Nothing is asserted: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stack_e2e.kube import Helm, Kube, pod_ready, run
from stack_e2e.namespaces import ensure_restricted
from stack_e2e.settings import CHART, E2E, ENVIRONMENTS, settings

from . import perf

IMAGES = Path(os.environ.get("E2E_CACHE") or Path.home() / ".cache" / "stack-e2e") / "images"
KAFKA_DIST_FILES = E2E / "images" / "kafka"       # bin/ and config/ of the e2e Kafka image
HEAP = "384M"                                      # e2e/values-local.yaml's kafka.heapSize
ZK_HEAP = "256M"                                   # dev's and values-local's zookeeper.heapSize
RECORD_SIZE = 1024
ACKS = "all"
PV_ROOT = Path("/tmp/hostpath_pv")                 # the hostpath provisioner's PV dirs
CLIENT_PORT = 9092                                 # the chart's client listener
RELEASE = "bench"


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {text}", file=sys.stderr,
          flush=True)


def image_jars(name: str) -> Path:
    found = sorted(IMAGES.glob(f"{name}/lib-*/jars"))
    if not found:
        raise SystemExit(f"no {IMAGES}/{name}/lib-*/jars: build the e2e images first "
                         "(e2e/runtime/start-containerd.sh --with-images)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load1() -> float:
    return os.getloadavg()[0]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# --- the client: one way to run the Kafka tools, for every target ---------------------------
@dataclass
class Client:
    jars: Path
    hosts_file: Path

    def java(self, main: str, *args: str, timeout: float = 600) -> str:
        argv = ["java", "-Xmx512M", f"-Djdk.net.hosts.file={self.hosts_file}",
                "-Dlog4j.configuration=file:" + str(KAFKA_DIST_FILES / "config" /
                                                    "tools-log4j.properties"),
                "-cp", f"{self.jars}/*", main, *args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{main} {' '.join(args[:4])}: exit {proc.returncode}: "
                               f"{(proc.stderr or proc.stdout)[-2000:]}")
        return proc.stdout + proc.stderr

    def create_topic(self, bootstrap: str, topic: str, partitions: int, rf: int,
                     min_isr: int) -> None:
        self.java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap,
                  "--create", "--if-not-exists", "--topic", topic,
                  "--partitions", str(partitions), "--replication-factor", str(rf),
                  "--config", f"min.insync.replicas={min_isr}", timeout=180)

    def produce(self, bootstrap: str, topic: str, records: int) -> perf.Produced:
        out = self.java("org.apache.kafka.tools.ProducerPerformance", "--topic", topic,
                        "--num-records", str(records), "--record-size", str(RECORD_SIZE),
                        "--throughput", "-1", "--producer-props",
                        f"bootstrap.servers={bootstrap}", f"acks={ACKS}")
        return perf.parse_producer(out)

    def consume(self, bootstrap: str, topic: str, records: int) -> perf.Consumed:
        out = self.java("org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
                        bootstrap, "--topic", topic, "--messages", str(records),
                        "--timeout", "60000")
        return perf.parse_consumer(out)


# --- the bare broker -------------------------------------------------------------------------
@dataclass
class Bare:
    work: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    bootstrap: str = ""

    def start(self) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        if PV_ROOT.exists() and os.stat(PV_ROOT).st_dev != os.stat(self.work).st_dev:
            raise SystemExit(f"{self.work} is not on the filesystem of {PV_ROOT}")
        zk_port, kafka_port = free_port(), free_port()
        zk = self.work / "zookeeper"
        zk.mkdir()
        (zk / "zoo.cfg").write_text(
            f"dataDir={zk}/data\nclientPort={zk_port}\nclientPortAddress=127.0.0.1\n"
            "tickTime=2000\nadmin.enableServer=false\n")
        zk_cp = f"{image_jars('zookeeper-3.8.4')}/*"
        self._spawn("zookeeper", ["java", f"-Xmx{ZK_HEAP}", f"-Xms{ZK_HEAP}", "-cp", zk_cp,
                                  "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                  str(zk / "zoo.cfg")], {})
        self._wait_port(zk_port, "zookeeper")
        # A Kafka distribution laid out as upstream's: bin/ (the image's scripts), libs/ (the
        # image's jars), config/ (Kafka's default files). Real directories with per-file
        # links: the scripts find libs/ and config/ through $(dirname $0)/..
        dist = self.work / "kafka-dist"
        (dist / "bin").mkdir(parents=True)
        for script in (KAFKA_DIST_FILES / "bin").iterdir():
            (dist / "bin" / script.name).symlink_to(script)
        (dist / "libs").symlink_to(image_jars("kafka-3.9.1"))
        (dist / "config").symlink_to(KAFKA_DIST_FILES / "config")
        data = self.work / "kafka-data"
        env = {"KAFKA_HEAP_OPTS": f"-Xmx{HEAP} -Xms{HEAP}", "LOG_DIR": str(self.work / "logs")}
        self._spawn("kafka", [str(dist / "bin" / "kafka-server-start.sh"),
                              str(dist / "config" / "server.properties"),
                              "--override", f"zookeeper.connect=127.0.0.1:{zk_port}",
                              "--override", f"log.dirs={data}",
                              "--override", f"listeners=PLAINTEXT://127.0.0.1:{kafka_port}"],
                    env)
        self._wait_log(self.work / "kafka.out", "started (kafka.server.KafkaServer)")
        self.bootstrap = f"127.0.0.1:{kafka_port}"

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        out = (self.work / f"{name}.out").open("wb")
        self.procs.append(subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL,
                                           env={**os.environ, **env}, cwd=self.work,
                                           start_new_session=True))

    def _alive(self, what: str) -> None:
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"bare {what}: a process exited ({proc.returncode}); "
                                   f"see {self.work}/*.out")

    def _wait_port(self, port: int, what: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._alive(what)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"bare {what}: 127.0.0.1:{port} not open after {seconds:g} s")

    def _wait_log(self, log: Path, needle: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._alive("kafka")
            if log.exists() and needle in log.read_text(errors="replace"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"bare kafka: {needle!r} not in {log} after {seconds:g} s")

    def stop(self) -> None:
        for proc in reversed(self.procs):   # the broker first, then its ZooKeeper
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()


# --- the chart's releases --------------------------------------------------------------------
@dataclass
class ChartRelease:
    namespace: str
    values: list[str]
    install_s: float = 0.0
    bootstrap: str = ""

    @property
    def helm(self) -> Helm:
        return Helm(RELEASE, self.namespace)

    @property
    def kube(self) -> Kube:
        return Kube(self.namespace)

    def install(self) -> None:
        ensure_restricted(self.namespace)
        self.install_s = self.helm.install(CHART, *self.values, timeout="15m",
                                           log=f"bench-{self.namespace}-install.txt")
        # helm's --wait=watcher returned: every pod is Ready; say so from the pods too
        pods = self.kube.items("pods")
        assert pods and all(pod_ready(p) for p in pods), "not every pod is Ready"

    def upgrade(self, *values: str) -> float:
        return self.helm.upgrade(CHART, "--reuse-values", *values, timeout="15m",
                                 log=f"bench-{self.namespace}-upgrade.txt")

    def hosts(self) -> dict[str, str]:
        """Each StatefulSet pod's FQDN (what the brokers advertise) -> its pod IP."""
        out = {}
        domain = "svc.cluster.local"
        for pod in self.kube.items("pods"):
            sub = pod["spec"].get("subdomain")
            ip = pod.get("status", {}).get("podIP")
            if sub and ip:
                host = pod["spec"].get("hostname") or pod["metadata"]["name"]
                out[f"{host}.{sub}.{self.namespace}.{domain}"] = ip
                name = pod["metadata"]["name"]
                if "kafka" in name and not self.bootstrap:
                    self.bootstrap = f"{ip}:{CLIENT_PORT}"
        return out

    def uninstall(self) -> None:
        self.helm.run("uninstall", RELEASE, "--wait", "--timeout", "5m", check=False)
        run([settings().kubectl, "delete", "namespace", self.namespace, "--wait=true",
             "--timeout=300s"], timeout=330, check=False)


def write_hosts(path: Path, hosts: dict[str, str]) -> None:
    lines = ["127.0.0.1 localhost"] + [f"{ip} {name}" for name, ip in sorted(hosts.items())]
    path.write_text("\n".join(lines) + "\n")


# --- the run ---------------------------------------------------------------------------------
def measure(client: Client, target: str, bootstrap: str, round_: int, records: int,
            rf: int, min_isr: int, partitions: int) -> perf.Row:
    topic = f"bench-{target.replace(' ', '-').replace(',', '')}-r{round_}"
    client.create_topic(bootstrap, topic, partitions, rf, min_isr)
    say(f"{target} round {round_}: producing {records} x {RECORD_SIZE} B (acks={ACKS})")
    produced = client.produce(bootstrap, topic, records)
    say(f"{target} round {round_}: consuming")
    consumed = client.consume(bootstrap, topic, records)
    row = perf.Row(target, round_, produced, consumed, load1())
    say(f"{target} round {round_}: {produced.mb_per_s:.2f} MB/s in, "
        f"{consumed.fetch_mb_per_s:.2f} MB/s out, load {row.load1:.2f}")
    return row


def warm_up(client: Client, bootstrap: str, records: int, rf: int, min_isr: int) -> None:
    """One unreported round (produce + consume) of the same size."""
    client.create_topic(bootstrap, "bench-warmup", 1, rf, min_isr)
    client.produce(bootstrap, "bench-warmup", records)
    client.consume(bootstrap, "bench-warmup", records)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int,
                        default=int(os.environ.get("BENCH_RECORDS") or 200_000))
    parser.add_argument("--rounds", type=int,
                        default=int(os.environ.get("BENCH_ROUNDS") or 3),
                        help="rotating rounds of the single-broker targets")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/stack-e2e-bench"),
                        help="the bare broker's files (on the PVs' filesystem)")
    parser.add_argument("--e2e-figures", type=Path, action="append", default=[],
                        help="figures.jsonl files of earlier e2e runs (the newest is used)")
    args = parser.parse_args(argv)
    s = settings()
    image_args = s.local_image_args()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    say(f"start: {uptime()}")
    kafka_jars = image_jars("kafka-3.9.1")
    args.work.mkdir(parents=True, exist_ok=True)
    client = Client(kafka_jars, args.work.parent / "stack-e2e-bench.hosts")
    write_hosts(client.hosts_file, {})
    rows: list[perf.Row] = []
    installs: list[str] = []
    notes: list[str] = []
    load_samples: list[float] = [load1()]
    cores = os.cpu_count() or 2
    bare = Bare(args.work)
    dev = ["-f", str(ENVIRONMENTS / "dev.yaml"), *image_args, "--set", f"kafka.heapSize={HEAP}"]
    one = ChartRelease("bench-one", dev)
    # the one factor changed, as its own release measured in the same rotation: dev's CPU
    # limit of 1 lifted to the machine's cores (the bare broker has no limit)
    one_cpu = ChartRelease("bench-one-cpu", [*dev, "--set", f"kafka.resources.limits.cpu={cores}"])
    three = ChartRelease("bench-three", ["-f", str(ENVIRONMENTS / "staging.yaml"), *image_args,
                                         "-f", str(E2E / "values-local.yaml")])
    rc = 0
    try:
        say("bare: starting ZooKeeper and Kafka from the image's jars")
        bare.start()
        say(f"bare: Kafka on {bare.bootstrap}")
        hosts: dict[str, str] = {}
        for release, what in ((one, "chart 1 broker (dev: 1 ZooKeeper + 1 broker)"),
                              (one_cpu, f"chart 1 broker, cpu limit {cores} (the same + "
                                        f"kafka.resources.limits.cpu={cores})")):
            say(f"{what}: helm install")
            release.install()
            installs.append(f"{what}: helm install -> all pods Ready {release.install_s:.0f} s")
            hosts.update(release.hosts())
        write_hosts(client.hosts_file, hosts)
        singles = [(perf.BARE, bare.bootstrap), (perf.CHART, one.bootstrap),
                   (perf.factor_target(cores), one_cpu.bootstrap)]
        for target, bootstrap in singles:   # the JIT of every broker, not reported
            say(f"{target}: warm-up")
            warm_up(client, bootstrap, args.records, 1, 1)
        for r in range(1, args.rounds + 1):
            # each target takes each position in turn: a trend over the run (the machine
            # settling after the cluster started) does not favour one of them
            shift = (r - 1) % len(singles)
            for target, bootstrap in singles[shift:] + singles[:shift]:
                rows.append(measure(client, target, bootstrap, r, args.records, 1, 1,
                                    args.partitions))
                load_samples.append(load1())
        for release in (one, one_cpu):
            release.uninstall()
        bare.stop()   # idle now; its JVMs would only take memory from the three brokers
        say("chart, 3 brokers: helm install (staging + values-local: 3 + 3, RF 3, min ISR 2)")
        three.install()
        installs.append(f"chart 3 brokers (staging: 3 ZooKeeper + 3 brokers): helm install -> "
                        f"all pods Ready {three.install_s:.0f} s")
        write_hosts(client.hosts_file, three.hosts())
        warm_up(client, three.bootstrap, args.records // 2, 3, 2)
        rows.append(measure(client, "chart 3 brokers RF3 minISR2", three.bootstrap, 1,
                            args.records, 3, 2, args.partitions))
        load_samples.append(load1())
        three.uninstall()
    except (RuntimeError, perf.PerfOutputError, AssertionError, subprocess.SubprocessError) as e:
        notes.append(f"INCOMPLETE: {e}")
        rc = 1
    finally:
        bare.stop()
        for release in (one, one_cpu, three):
            if Kube(release.namespace).run("get", "namespace", release.namespace,
                                           check=False).returncode == 0:
                release.uninstall()
        shutil.rmtree(args.work, ignore_errors=True)
        client.hosts_file.unlink(missing_ok=True)

    print(report(rows, installs, notes, args, started, load_samples, kafka_jars))
    return rc


def report(rows: Sequence[perf.Row], installs: Sequence[str], notes: Sequence[str],
           args: argparse.Namespace, started: str, load_samples: Sequence[float],
           jars: Path) -> str:
    cores = os.cpu_count() or 2
    out = [
        "",
        f"Benchmark of the deployed cluster ({started}; {cores} cores)",
        f"Kafka 3.9.1 jars {jars}; heap {HEAP}; {args.records} records x {RECORD_SIZE} B; "
        f"acks={ACKS}; {args.partitions} partitions; client: host-side java "
        "(ProducerPerformance/ConsumerPerformance), to pod IPs on the CNI bridge (chart) or "
        "127.0.0.1 (bare)",
        "consumer MB/s, rec/s: ConsumerPerformance's fetch.MB.sec, fetch.nMsg.sec (the group "
        "join left out)",
        "",
        perf.table(rows),
        "",
        *perf.ratio_lines(rows, perf.CHART, perf.BARE),
        *perf.ratio_lines(rows, perf.factor_target(cores), perf.BARE),
        *perf.explain(rows, cores),
        "",
        "install -> all pods Ready (this run's installs):",
        *(f"  {line}" for line in installs or ["(none completed)"]),
        "",
    ]
    ops = perf.newest_operational(args.e2e_figures)
    if ops is None:
        out.append("operational times of the e2e checks: no e2e run with those figures found in "
                   + (", ".join(map(str, args.e2e_figures)) or "(no file given)"))
    else:
        out.append(f"operational times, from the newest e2e run ({ops.source}, written "
                   f"{ops.run_time}):")
        out.extend(f"  {line}" for line in ops.lines)
    out += ["",
            f"load average (1 min) during the run: min {min(load_samples):.2f}, max "
            f"{max(load_samples):.2f}; at the end: {uptime()}",
            *notes]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
