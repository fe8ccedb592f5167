"""``stackctl migrate``: drive a release from ZooKeeper mode to KRaft, one checked step at a
time (the kafka chart's kraft.migration.phase; README "Migrating from ZooKeeper mode").

Where the release stands is read from the cluster, never from a local file: the brokers'
StatefulSet records its mode (annotation kafka.chart/metadata), so an interrupted run
resumes where it stopped. Each step checks the cluster first (as Strimzi's migration state
machine does), refuses to go on while a check fails and names the check, then makes one
``helm upgrade`` with the user's own values plus the migration's, and waits for the roll.

The steps, and the modes they lead to:

    controllers       migration-controllers  KRaft controllers beside ZooKeeper
    dual-write        migration-dual-write   brokers in migration mode; metadata copied
    brokers           migration-brokers      brokers in KRaft mode (last step back from)
    finalize          kraft                  controllers leave migration mode: no way back
    remove-zookeeper  kraft, no ensemble     the stack's zookeeper.enabled false
    kafka4            kraft on Kafka 4       image.tag 4.x

Without ``--to`` it stops after ``brokers``: going past the point of no return is asked
for by name. ``--rollback`` returns to ZooKeeper mode from any step before ``finalize``:
back to dual-write, then the rollback phase (the controllers go, their claims and the
/controller and /migration znodes are deleted, /controller_epoch is raised to the KRaft
epoch), then ZooKeeper mode.

Kubernetes is reached through kubectl (the one installed beside the pinned helm, or
``$STACKCTL_KUBECTL``), with the current kubeconfig.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import helmbin
from .errors import StackctlError, UsageError

STEPS = ("controllers", "dual-write", "brokers", "finalize", "remove-zookeeper", "kafka4")
DEFAULT_TO = "brokers"
KAFKA4_TAG = "4.3.2"
MODE_AFTER = {
    "controllers": "migration-controllers", "dual-write": "migration-dual-write",
    "brokers": "migration-brokers", "finalize": "kraft",
}
PHASE_OF = {"migration-controllers": "controllers", "migration-dual-write": "dual-write",
            "migration-brokers": "brokers", "migration-rollback": "rollback"}
# How long a check may take to hold (elections, a broker catching up after a roll):
# retried every POLL seconds within this bound, then the step is refused.
CHECK_SECONDS = 300
POLL = 5
CONFIG = "/opt/kafka/config-generated/server.properties"
# In a pod: `adv NAME` prints the address the pod advertises on listener NAME.
ADV = (f'adv() {{ sed -n "s/^advertised.listeners=//p" {CONFIG} | tr , "\\n" | '
       'sed -n "s|^$1://||p"; }; ')
TOOL_JVM = "KAFKA_HEAP_OPTS=-Xmx128m"


class MigrationError(StackctlError):
    """A check failed or a step could not run; the release stays where it is."""


@dataclass
class Release:
    """The release and how to upgrade it: the chart, the user's values, the prefix of the
    kafka chart's values (``kafka.`` in the stack)."""

    name: str
    namespace: str
    chart: Path
    value_files: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    timeout: str = "20m"

    @property
    def prefix(self) -> str:
        text = (self.chart / "Chart.yaml").read_text()
        return "" if re.search(r"^name:\s*kafka\s*$", text, re.M) else "kafka."

    @property
    def is_stack(self) -> bool:
        return self.prefix == "kafka."


Runner = Callable[[Sequence[str], float], "subprocess.CompletedProcess[str]"]


def _run(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(list(argv), 124, "", f"timed out after {timeout:.0f}s")
    except OSError as err:
        raise MigrationError(f"cannot run {argv[0]}: {err.strerror or err}") from err


@dataclass
class Cluster:
    """The release's objects, read and changed through kubectl and helm."""

    release: Release
    run: Runner = _run
    kubectl: str = ""
    helm: str = ""
    say: Callable[[str], None] = print

    def __post_init__(self) -> None:
        self.kubectl = (self.kubectl or os.environ.get("STACKCTL_KUBECTL")
                        or str(helmbin.find_kubectl()))
        self.helm = self.helm or str(helmbin.find_helm())

    # -- kubectl ---------------------------------------------------------------------
    def k(self, *args: str, timeout: float = 120) -> str:
        argv = [self.kubectl, "-n", self.release.namespace, *args]
        result = self.run(argv, timeout)
        if result.returncode != 0:
            raise MigrationError(f"kubectl {' '.join(args[:3])}: "
                                 f"{(result.stderr or result.stdout).strip()[-600:]}")
        return result.stdout

    def objects(self, kind: str, component: str) -> list[dict[str, Any]]:
        selector = (f"app.kubernetes.io/instance={self.release.name},"
                    f"app.kubernetes.io/component={component}")
        items: list[dict[str, Any]] = json.loads(
            self.k("get", kind, "-l", selector, "-o", "json"))["items"]
        return items

    def statefulset(self, component: str) -> dict[str, Any] | None:
        found = self.objects("statefulset", component)
        return found[0] if found else None

    def brokers(self) -> dict[str, Any]:
        sts = self.statefulset("broker")
        if sts is None:
            raise MigrationError(f"release {self.release.name} in namespace "
                                 f"{self.release.namespace} has no Kafka brokers' StatefulSet "
                                 "(app.kubernetes.io/component=broker)")
        return sts

    def exec(self, pod: str, script: str, timeout: float = 120) -> str:
        return self.k("exec", pod, "--", "bash", "-c", script, timeout=timeout)

    # -- helm ------------------------------------------------------------------------
    def upgrade(self, values: dict[str, str]) -> None:
        r = self.release
        argv = [self.helm, "upgrade", r.name, str(r.chart), "-n", r.namespace]
        for path in r.value_files:
            argv += ["-f", str(path)]
        for item in r.set_values:
            argv += ["--set", item]
        for key, value in values.items():
            flag = "--set" if value in ("true", "false") else "--set-string"
            argv += [flag, f"{key}={value}"]
        argv += ["--wait=watcher", "--timeout", r.timeout]
        self.say("  helm upgrade " + " ".join(shlex.quote(a) for a in argv[2:]))
        result = self.run(argv, 3600)
        if result.returncode != 0:
            raise MigrationError("helm upgrade failed; the release stays where it was:\n"
                                 + (result.stderr or result.stdout).strip()[-2000:])


# -- where the release stands ------------------------------------------------------------

@dataclass
class State:
    mode: str                 # kafka.chart/metadata of the brokers' StatefulSet
    brokers: int
    broker_tag: str
    zookeeper: bool           # the stack's ensemble still runs
    cluster_id: str = ""

    @property
    def position(self) -> int:
        """How many of STEPS are done."""
        if self.mode in ("zookeeper", "migration-rollback"):
            return 0
        if self.mode in PHASE_OF:
            return STEPS.index(PHASE_OF[self.mode]) + 1
        done = 4 + (not self.zookeeper)
        return done + (_major(self.broker_tag) >= 4 and not self.zookeeper)

    @property
    def next_step(self) -> str:
        return STEPS[self.position] if self.position < len(STEPS) else ""


def _major(tag: str) -> int:
    m = re.match(r"v?(\d+)\.", tag)
    return int(m.group(1)) if m else 0


def read_state(c: Cluster) -> State:
    sts = c.brokers()
    mode = sts["metadata"].get("annotations", {}).get("kafka.chart/metadata", "zookeeper")
    image = sts["spec"]["template"]["spec"]["containers"][0]["image"]
    tag = image.rsplit("@", 1)[0].rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    zookeeper = bool(c.objects("statefulset", "zookeeper"))
    return State(mode=mode, brokers=int(sts["spec"]["replicas"]), broker_tag=tag,
                 zookeeper=zookeeper)


# -- the checks --------------------------------------------------------------------------

@dataclass
class Checks:
    c: Cluster
    state: State
    seconds: float = CHECK_SECONDS
    poll: float = POLL
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: list[str] = field(default_factory=list)

    def pod(self, component: str, ordinal: int = 0) -> str:
        sts = self.c.statefulset(component)
        if sts is None:
            raise MigrationError(f"no {component} StatefulSet in release {self.c.release.name}")
        return f"{sts['metadata']['name']}-{ordinal}"

    def hold(self, name: str, probe: Callable[[], str | None]) -> None:
        """Retry ``probe`` (None: holds; else why not) within the bound, then refuse."""
        deadline = self.clock() + self.seconds
        start = self.clock()
        while True:
            try:
                why = probe()
            except MigrationError as err:
                why = str(err)
            if why is None:
                took = self.clock() - start
                self.c.say(f"  check {name}: ok ({took:.0f} s)")
                self.log.append(name)
                return
            if self.clock() >= deadline:
                raise MigrationError(
                    f'check "{name}" failed for {self.seconds:.0f} s: {why}\n'
                    f"the release stays at {self.state.mode}; fix the cause and run "
                    "`stackctl migrate` again (it resumes from there)")
            self.sleep(self.poll)

    # what each check asks, from a broker pod (the inter-broker listener, as the broker's
    # own tools are configured: client.properties beside server.properties)
    def _broker_tool(self, tool: str, args: str) -> str:
        script = (f'{ADV}{TOOL_JVM} {tool} --bootstrap-server "$(adv INTERNAL)" '
                  f'--command-config {Path(CONFIG).parent}/client.properties {args}')
        return self.c.exec(self.pod("broker"), script)

    def pods_ready(self, component: str) -> None:
        def probe() -> str | None:
            sts = self.c.statefulset(component)
            if sts is None:
                return f"no {component} StatefulSet"
            want = int(sts["spec"]["replicas"])
            status = sts.get("status", {})
            ready, updated = status.get("readyReplicas", 0), status.get("updatedReplicas", 0)
            if ready == want and updated == want and (
                    status.get("currentRevision") == status.get("updateRevision")):
                return None
            return f"{ready}/{want} {component} pods ready, {updated} updated"
        self.hold(f"every {component} pod ready and updated", probe)

    def brokers_known(self) -> None:
        def probe() -> str | None:
            out = self._broker_tool("kafka-broker-api-versions.sh", "")
            ids = sorted(set(int(i) for i in re.findall(r"\(id: (\d+) rack", out)))
            if len(ids) == self.state.brokers:
                return None
            return f"the cluster knows brokers {ids}, the StatefulSet runs {self.state.brokers}"
        self.hold("every broker registered", probe)

    def partitions_healthy(self) -> None:
        def probe() -> str | None:
            offline = self._broker_tool("kafka-topics.sh", "--describe --unavailable-partitions")
            if offline.strip():
                return "partitions without a leader: " + _partitions(offline)
            urp = self._broker_tool("kafka-topics.sh", "--describe --under-replicated-partitions")
            if urp.strip():
                return "partitions with an incomplete ISR: " + _partitions(urp)
            return None
        self.hold("no offline partition, every ISR full", probe)

    def _quorum(self, what: str) -> str:
        pod = self.pod("controller")
        script = (f'{ADV}{TOOL_JVM} kafka-metadata-quorum.sh '
                  f'--bootstrap-controller "$(adv CONTROLLER)" describe {what}')
        return self.c.exec(pod, script)

    def quorum_has_leader(self) -> None:
        def probe() -> str | None:
            out = self._quorum("--status")
            m = re.search(r"LeaderId:\s*(-?\d+)", out)
            if m and int(m.group(1)) >= 0:
                return None
            return "the controllers have no leader: " + out.strip()[-300:]
        self.hold("the controllers' quorum has a leader", probe)

    def brokers_follow_the_quorum(self) -> None:
        offset: list[int] = []  # the brokers' first id: read once (a kubectl get), then kept

        def probe() -> str | None:
            if not offset:
                offset.append(self.broker_id_offset())
            out = self._quorum("--replication")
            observers = set()
            for line in out.splitlines():
                cols = line.split()
                if cols and cols[0].isdigit() and "Observer" in line:
                    observers.add(int(cols[0]))
            want = set(range(offset[0], offset[0] + self.state.brokers))
            if want <= observers:
                return None
            return (f"brokers {sorted(want - observers)} do not follow the controllers' "
                    "metadata log (no brokers known to KRaft)")
        self.hold("every broker follows the controllers", probe)

    def broker_id_offset(self) -> int:
        sts = self.c.brokers()
        for env in sts["spec"]["template"]["spec"]["containers"][0].get("env", []):
            if env["name"] == "BROKER_ID_OFFSET":
                return int(env.get("value", "0"))
        return 0

    def migrated(self) -> None:
        def probe() -> str | None:
            znode = self.znode("get /migration")
            m = re.search(r'"kraft_metadata_offset"\s*:\s*(-?\d+)', znode)
            if m and int(m.group(1)) >= 0:
                return None
            return ("the controllers have not finished copying the metadata from ZooKeeper "
                    f"(/migration: {znode.strip()[-200:] or 'absent'})")
        self.hold("the metadata has migrated (ZooKeeper's /migration)", probe)

    def znode(self, command: str) -> str:
        """zookeeper-shell.sh, in a pod whose settings name the ensemble (a broker in ZooKeeper
        or migration mode, else a migrating controller)."""
        for component in ("broker", "controller"):
            if self.c.statefulset(component) is None:
                continue
            pod = self.pod(component)
            try:
                return self.c.exec(pod, zookeeper_shell(command))
            except MigrationError as err:
                if "exit code 3" in str(err):
                    continue
                raise
        raise MigrationError("no pod of the release is connected to ZooKeeper")


# zookeeper-shell.sh exits 1 on a node that does not exist and on a failed conditional set;
# both are answers the callers read (an absent /migration, an epoch that did not move), so
# they print and exit 0. Anything else (no ensemble, no connection) stays an error.
ZK_ANSWERS = ("Node does not exist", "version No is not valid")


def zookeeper_shell(command: str, config: str = CONFIG) -> str:
    """The pod script: zookeeper-shell.sh `command` against the ensemble `config` names
    (exit 3 without zookeeper.connect)."""
    answers = " -e ".join(shlex.quote(a) for a in ZK_ANSWERS)
    return (f'z=$(sed -n "s/^zookeeper.connect=//p" {config}); [ -n "$z" ] || exit 3; '
            f'out=$(KAFKA_HEAP_OPTS=-Xmx64m zookeeper-shell.sh "$z" {command} 2>&1); rc=$?; '
            'printf "%s\n" "$out"; '
            f'[ "$rc" -eq 0 ] || printf "%s" "$out" | grep -q -e {answers} || exit "$rc"')


def _partitions(out: str) -> str:
    found = re.findall(r"Topic:\s*(\S+)\s+Partition:\s*(\d+)", out)
    return ", ".join(f"{t}-{p}" for t, p in found[:8]) + (" ..." if len(found) > 8 else "")


# -- the steps ---------------------------------------------------------------------------

def cluster_id(c: Cluster, checks: Checks) -> str:
    """The ZooKeeper-mode cluster's id: cluster.id in broker 0's meta.properties."""
    out = c.exec(checks.pod("broker"), 'cat "$DATA_LOG_DIR/meta.properties"')
    m = re.search(r"^cluster\.id=(\S+)$", out, re.M)
    if not m:
        raise MigrationError(f"{checks.pod('broker')} has no cluster.id in its meta.properties")
    return m.group(1)


def values_for(release: Release, state: State, step: str, cid: str,
               kafka4_tag: str) -> dict[str, str]:
    """The migration's values for the helm upgrade of ``step`` (on top of the user's)."""
    p = release.prefix
    values = {f"{p}kraft.clusterId": cid}
    if step in ("controllers", "dual-write", "brokers", "rollback"):
        values[f"{p}kraft.migration.phase"] = step
        return values
    values[f"{p}kraft.enabled"] = "true"
    values[f"{p}image.tag"] = kafka4_tag if step == "kafka4" else state.broker_tag
    if step in ("remove-zookeeper", "kafka4") and release.is_stack:
        values["zookeeper.enabled"] = "false"
    return values


def _ready_and_healthy(checks: Checks, *components: str) -> None:
    for component in components:
        checks.pods_ready(component)
    checks.partitions_healthy()


def before(checks: Checks, step: str) -> None:
    """What must hold before ``step`` starts."""
    if step == "controllers":
        _ready_and_healthy(checks, "broker")
        checks.brokers_known()
        return
    checks.pods_ready("controller")
    checks.quorum_has_leader()
    if step == "brokers":
        checks.migrated()
    if step in ("brokers", "finalize", "remove-zookeeper", "kafka4"):
        checks.brokers_follow_the_quorum()
    _ready_and_healthy(checks, "broker")
    if step != "dual-write":
        checks.brokers_known()


def _after(checks: Checks, step: str) -> None:
    """What must hold once a step's pods run (the next step's checks repeat most of it)."""
    checks.pods_ready("broker")
    if step not in ("rollback", "zookeeper"):
        checks.pods_ready("controller")
    checks.partitions_healthy()


def migrate(c: Cluster, to: str = DEFAULT_TO, kafka4_tag: str = KAFKA4_TAG,
            checks_factory: Callable[[Cluster, State], Checks] = Checks) -> list[tuple[str, float]]:
    """Run the steps from where the release stands through ``to``; the wall time of each."""
    if to not in STEPS:
        raise UsageError(f"--to {to}: not a step; the steps are {', '.join(STEPS)}")
    state = read_state(c)
    if state.mode == "kraft-combined":
        raise MigrationError("the release runs KRaft already (kraft.combined): nothing to migrate")
    if state.mode == "migration-rollback":
        raise MigrationError("the release is in the rollback phase: finish it with "
                             "`stackctl migrate --rollback` before migrating again")
    if STEPS.index(to) >= STEPS.index("remove-zookeeper") and not c.release.is_stack:
        raise UsageError(f"--to {to}: the kafka chart alone has no ensemble to remove; "
                         "remove the ZooKeeper release yourself, then upgrade with image.tag 4.x")
    times: list[tuple[str, float]] = []
    while state.position <= STEPS.index(to):
        step = state.next_step
        if step == "remove-zookeeper" and not state.zookeeper:
            break
        checks = checks_factory(c, state)
        started = time.monotonic()
        c.say(f"step {step}: checking the cluster")
        before(checks, step)
        cid = state.cluster_id or cluster_id(c, checks)
        c.upgrade(values_for(c.release, state, step, cid, kafka4_tag))
        state = read_state(c)
        state.cluster_id = cid
        _after(checks_factory(c, state), step)
        took = time.monotonic() - started
        times.append((step, took))
        c.say(f"step {step}: done in {took:.0f} s; the release is at {state.mode}"
              + ("" if state.zookeeper else ", without ZooKeeper"))
    return times


def rollback(c: Cluster, checks_factory: Callable[[Cluster, State], Checks] = Checks
             ) -> list[tuple[str, float]]:
    """Back to ZooKeeper mode from a step before finalize, in Kafka's order."""
    state = read_state(c)
    if state.mode in ("kraft", "kraft-combined"):
        raise MigrationError("the controllers have left migration mode (finalize): Kafka allows "
                             "no way back to ZooKeeper from there")
    if state.mode == "zookeeper":
        raise MigrationError("the release runs ZooKeeper mode: nothing to roll back")
    times: list[tuple[str, float]] = []
    checks = checks_factory(c, state)
    cid = cluster_id(c, checks)

    def timed(name: str, action: Callable[[], None]) -> None:
        started = time.monotonic()
        c.say(f"rollback {name}")
        action()
        times.append((name, time.monotonic() - started))

    def phase(name: str) -> None:
        c.upgrade(values_for(c.release, state, name, cid, ""))
        if name != "rollback":
            _after(checks_factory(c, read_state(c)), name)

    if state.mode == "migration-brokers":
        timed("to dual-write (the brokers back to ZooKeeper)", lambda: phase("dual-write"))
        state = read_state(c)
    if state.mode == "migration-dual-write":
        timed("the controllers removed (phase rollback)", lambda: phase("rollback"))
        state = read_state(c)
    if state.mode in ("migration-rollback", "migration-controllers"):
        if state.mode == "migration-controllers":
            timed("the controllers removed", lambda: c.upgrade(
                {f"{c.release.prefix}kraft.migration.phase": ""}))
        timed("the controllers' pods and claims gone, the znodes deleted",
              lambda: _forget_the_controllers(c, checks_factory(c, read_state(c))))
        if read_state(c).mode == "migration-rollback":
            timed("to ZooKeeper mode (the brokers leave migration mode)", lambda: c.upgrade(
                {f"{c.release.prefix}kraft.migration.phase": ""}))
        _after(checks_factory(c, read_state(c)), "zookeeper")
        checks_factory(c, read_state(c)).brokers_known()
    c.say(f"rollback: done; the release is at {read_state(c).mode}")
    return times


def _forget_the_controllers(c: Cluster, checks: Checks) -> None:
    """The controllers' pods gone, their claims deleted (a second attempt starts from empty
    metadata logs), then ZooKeeper's part (forget_the_kraft_controllers)."""
    selector = (f"app.kubernetes.io/instance={c.release.name},"
                "app.kubernetes.io/component=controller")

    def gone() -> str | None:
        pods = c.objects("pod", "controller")
        return None if not pods else f"{len(pods)} controller pods still running"
    checks.hold("the controllers' pods gone", gone)
    c.k("delete", "pvc", "-l", selector, "--wait=true", timeout=300)
    forget_the_kraft_controllers(checks.znode, c.say)


def forget_the_kraft_controllers(znode: Callable[[str], str], say: Callable[[str], None]) -> None:
    """ZooKeeper's side of Kafka's rollback from dual-write, once the KRaft controllers are
    gone: print /migration; raise /controller_epoch to the KRaft controllers' epoch if it is
    below, then delete the /controller they held so that a broker becomes the controller
    again; then delete /migration (Strimzi 11262: a stale one breaks the next attempt).

    The epoch: in dual-write the KRaft controller writes the partitions' state znodes with its
    own (Raft) epoch, while /controller_epoch went up by one per KRaft leader only. A ZooKeeper
    controller whose epoch is below a partition's refuses to elect its leader or shrink its
    ISR ("already written by another controller"): the partitions of every broker that rolls
    stay offline until it is back (KAFKA-20488). Raised first, the next controller's epoch is
    above every KRaft write. The set is conditional on the version read, and /controller is
    still held, so no broker can be electing itself meanwhile. A /controller a broker holds
    (a second run after an interruption) is left alone."""
    migration = _json_line(znode("get /migration"))
    say("  /migration was: " + (migration or "absent"))
    # A KRaft controller's /controller carries its epoch; a broker's has -1 (or none).
    held = re.search(r'"kraftControllerEpoch"\s*:\s*(\d+)', _json_line(znode("get /controller")))
    if held:
        kraft = [int(held.group(1)), *map(int, re.findall(
            r'"kraft_controller_epoch"\s*:\s*(\d+)', migration))]
        _raise_the_controller_epoch(znode, say, max(kraft))
        znode("deleteall /controller")
        say("  deleted /controller (held for the KRaft controllers)")
    if migration:
        znode("delete /migration")
        say("  deleted /migration")


def _controller_epoch(znode: Callable[[str], str]) -> tuple[int, int]:
    """/controller_epoch's value and data version."""
    out = znode("get -s /controller_epoch")
    value = re.search(r"^(\d+)\s*$", out, re.M)
    version = re.search(r"^dataVersion = (\d+)", out, re.M)
    if not value or not version:
        raise MigrationError(f"cannot read ZooKeeper's /controller_epoch: {out.strip()[-300:]}")
    return int(value.group(1)), int(version.group(1))


def _raise_the_controller_epoch(znode: Callable[[str], str], say: Callable[[str], None],
                                kraft: int) -> None:
    epoch, version = _controller_epoch(znode)
    if epoch >= kraft:
        say(f"  /controller_epoch {epoch}: not below the KRaft controllers' epoch {kraft}")
        return
    znode(f"set -v {version} /controller_epoch {kraft}")
    now, _ = _controller_epoch(znode)
    if now < kraft:
        raise MigrationError(
            f"could not raise ZooKeeper's /controller_epoch from {epoch} to the KRaft "
            f"controllers' epoch {kraft} (it reads {now}); a ZooKeeper controller below it "
            "cannot elect leaders (KAFKA-20488). Run `stackctl migrate --rollback` again")
    say(f"  raised /controller_epoch from {epoch} to the KRaft controllers' epoch {kraft} "
        "(a lower ZooKeeper controller epoch cannot elect the partitions' leaders: "
        "KAFKA-20488)")


def _json_line(out: str) -> str:
    return next((line for line in out.splitlines() if line.startswith("{")), "")


def status(c: Cluster) -> int:
    state = read_state(c)
    done = state.position
    c.say(f"release {c.release.name} (namespace {c.release.namespace}): {state.mode}, "
          f"{state.brokers} brokers on Kafka {state.broker_tag or '?'}"
          + (", ZooKeeper running" if state.zookeeper else ", no ZooKeeper"))
    for i, step in enumerate(STEPS):
        mark = "done" if i < done else ("next" if i == done else "")
        c.say(f"  {step:<17}{mark}")
    if state.mode == "migration-rollback":
        c.say("  (rollback under way: `stackctl migrate --rollback` finishes it)")
    return 0


def command(c: Cluster, *, to: str | None, do_rollback: bool, show: bool,
            kafka4_tag: str) -> int:
    if show:
        return status(c)
    times = rollback(c) if do_rollback else migrate(c, to or DEFAULT_TO, kafka4_tag)
    for name, seconds in times:
        c.say(f"  {seconds:6.0f} s  {name}")
    if not do_rollback and not times:
        c.say("nothing to do: the release is past --to " + (to or DEFAULT_TO))
    state = read_state(c)
    if not do_rollback and state.next_step:
        c.say(f"next: stackctl migrate --to {state.next_step}"
              + ("  (no way back from finalize on)" if state.next_step == "finalize" else ""))
    return 0
