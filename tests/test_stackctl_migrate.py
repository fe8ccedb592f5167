"""stackctl migrate: the order of the steps, the values of each helm upgrade, the checks that
hold a step back, the rollback's order and where an interrupted run resumes.

Kubernetes and helm are a fake here (a release whose mode the upgrades change, pods that
answer the checks' commands as Kafka's tools would). The real thing, on a real cluster with
real Kafka: e2e/checks/migration (make e2e KRAFT=1).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO
from stackctl import migrate
from stackctl.cli import main
from stackctl.errors import UsageError

CID = "MkU3OEVBNTcwNTJENDM2Qg"


class FakeCluster(migrate.Cluster):
    """A stack release of three brokers whose mode each helm upgrade moves."""

    def __init__(self, mode: str = "zookeeper", chart: Path = REPO / "charts" / "stack") -> None:
        super().__init__(migrate.Release("stack", "ns", chart), kubectl="kubectl", helm="helm",
                         say=self.lines_append)
        self.mode, self.tag, self.zookeeper = mode, "3.9.1", True
        self.lines: list[str] = []
        self.upgrades: list[dict[str, str]] = []
        self.actions: list[str] = []
        self.migration_znode = ('{"version":0,"kraft_metadata_offset":27,'
                                '"kraft_controller_id":1000,"kraft_metadata_epoch":3,'
                                '"kraft_controller_epoch":3}')
        # ZooKeeper's /controller_epoch (value, data version); the KRaft leader's epoch
        self.controller_epoch = (5, 4)
        self.kraft_epoch = 3
        self.refuse_set = False
        self.observers = [0, 1, 2]
        self.urp = ""
        self.pvcs = ["data-stack-kafka-controller-0"]

    def lines_append(self, line: str) -> None:
        self.lines.append(line)

    @property
    def controllers(self) -> bool:
        return self.mode in ("migration-controllers", "migration-dual-write",
                             "migration-brokers", "kraft")

    def sts(self, component: str) -> dict[str, Any]:
        name = {"broker": "stack-kafka", "controller": "stack-kafka-controller",
                "zookeeper": "stack-zookeeper"}[component]
        annotations = {} if self.mode == "zookeeper" else {"kafka.chart/metadata": self.mode}
        return {"metadata": {"name": name, "annotations": annotations},
                "spec": {"replicas": 3, "template": {"spec": {"containers": [
                    {"image": f"localhost/kafka:{self.tag}", "env": []}]}}},
                "status": {"readyReplicas": 3, "updatedReplicas": 3,
                           "currentRevision": "r1", "updateRevision": "r1"}}

    def objects(self, kind: str, component: str) -> list[dict[str, Any]]:
        if kind == "pod":
            return []
        if component == "controller" and not self.controllers:
            return []
        if component == "zookeeper" and not self.zookeeper:
            return []
        return [self.sts(component)]

    def k(self, *args: str, timeout: float = 120) -> str:
        self.actions.append("kubectl " + " ".join(args[:2]))
        return ""

    def exec(self, pod: str, script: str, timeout: float = 120) -> str:
        if "meta.properties" in script:
            return f"version=0\nbroker.id=0\ncluster.id={CID}\n"
        if "kafka-broker-api-versions" in script:
            return "".join(f"host:9094 (id: {i} rack: null) -> (\n" for i in range(3))
        if "--unavailable-partitions" in script:
            return ""
        if "--under-replicated-partitions" in script:
            return self.urp
        if "describe --status" in script:
            return "ClusterId: x\nLeaderId:               1000\n"
        if "describe --replication" in script:
            header = "NodeId DirectoryId LogEndOffset Lag LastFetch LastCaughtUp Status"
            return header + "\n" + "".join(f"{i} x 10 0 1 1 Observer\n" for i in self.observers)
        if "zookeeper-shell" in script:
            command = script.rsplit('"$z" ', 1)[1].split(" 2>&1")[0]
            self.actions.append(f"zk {command}")
            if command == "get /migration":
                # zookeeper_shell's answer for an absent node (exit 0, see the last test)
                return (self.migration_znode or "Node does not exist: /migration") + "\n"
            if command == "get /controller":
                holder = 1000 if self.kraft_epoch >= 0 else 1
                return (f'{{"version":2,"brokerid":{holder},"timestamp":"1",'
                        f'"kraftControllerEpoch":{self.kraft_epoch}}}\n')
            if command == "get -s /controller_epoch":
                value, version = self.controller_epoch
                return (f"Connecting to zk:2181\n\nWATCHER::\n\n{value}\ncZxid = 0x1a\n"
                        f"dataVersion = {version}\nnumChildren = 0\n")
            if command.startswith("set -v "):
                _, _, version, path, value = command.split()
                if path == "/controller_epoch" and int(version) == self.controller_epoch[1] \
                        and not self.refuse_set:
                    self.controller_epoch = (int(value), int(version) + 1)
                    return ""
                return f"version No is not valid : {path}\n"
            return ""
        raise AssertionError(script)

    def upgrade(self, values: dict[str, str]) -> None:
        self.upgrades.append(values)
        self.actions.append("helm upgrade")
        phase = values.get("kafka.kraft.migration.phase")
        if values.get("kafka.kraft.enabled") == "true":
            self.mode = "kraft"
            self.tag = values["kafka.image.tag"]
            self.zookeeper = values.get("zookeeper.enabled") != "false"
        elif phase:
            self.mode = f"migration-{phase}"
        else:
            self.mode = "zookeeper"


def fast(c: migrate.Cluster, state: migrate.State) -> migrate.Checks:
    clock = [0.0]

    def sleep(s: float) -> None:
        clock[0] += s
    return migrate.Checks(c, state, seconds=30, poll=5, sleep=sleep, clock=lambda: clock[0])


def test_by_default_the_migration_stops_at_the_last_step_with_a_way_back():
    c = FakeCluster()
    times = migrate.migrate(c, checks_factory=fast)
    assert [name for name, _ in times] == ["controllers", "dual-write", "brokers"]
    assert c.mode == "migration-brokers"
    assert c.upgrades == [
        {"kafka.kraft.clusterId": CID, "kafka.kraft.migration.phase": "controllers"},
        {"kafka.kraft.clusterId": CID, "kafka.kraft.migration.phase": "dual-write"},
        {"kafka.kraft.clusterId": CID, "kafka.kraft.migration.phase": "brokers"},
    ]


def test_the_steps_past_the_point_of_no_return_pin_the_tag_then_drop_zookeeper_then_kafka_4():
    c = FakeCluster("migration-brokers")
    migrate.migrate(c, to="kafka4", kafka4_tag="4.3.2", checks_factory=fast)
    assert c.upgrades == [
        {"kafka.kraft.clusterId": CID, "kafka.kraft.enabled": "true", "kafka.image.tag": "3.9.1"},
        {"kafka.kraft.clusterId": CID, "kafka.kraft.enabled": "true", "kafka.image.tag": "3.9.1",
         "zookeeper.enabled": "false"},
        {"kafka.kraft.clusterId": CID, "kafka.kraft.enabled": "true", "kafka.image.tag": "4.3.2",
         "zookeeper.enabled": "false"},
    ]
    assert migrate.read_state(c).next_step == ""
    # and run again, there is nothing left to do
    assert migrate.migrate(c, to="kafka4", checks_factory=fast) == []


@pytest.mark.parametrize(("mode", "zookeeper", "tag", "step"), [
    ("zookeeper", True, "3.9.1", "controllers"),
    ("migration-controllers", True, "3.9.1", "dual-write"),
    ("migration-dual-write", True, "3.9.1", "brokers"),
    ("migration-brokers", True, "3.9.1", "finalize"),
    ("kraft", True, "3.9.1", "remove-zookeeper"),
    ("kraft", False, "3.9.1", "kafka4"),
    ("kraft", False, "4.3.2", ""),
])
def test_an_interrupted_migration_resumes_where_the_release_stands(
        mode: str, zookeeper: bool, tag: str, step: str):
    c = FakeCluster(mode)
    c.zookeeper, c.tag = zookeeper, tag
    assert migrate.read_state(c).next_step == step


def test_a_failing_check_holds_the_step_back_and_says_which():
    c = FakeCluster("migration-dual-write")
    c.migration_znode = '{"version":0,"kraft_metadata_offset":-1}'
    with pytest.raises(migrate.MigrationError) as err:
        migrate.migrate(c, checks_factory=fast)
    message = str(err.value)
    assert 'check "the metadata has migrated (ZooKeeper\'s /migration)" failed for 30 s' in message
    assert "the release stays at migration-dual-write" in message
    assert "run `stackctl migrate` again (it resumes from there)" in message
    assert c.upgrades == []


def test_brokers_unknown_to_kraft_hold_the_brokers_step_back():
    # strimzi 12929, "No brokers are known to KRaft": never roll the brokers into KRaft then
    c = FakeCluster("migration-dual-write")
    c.observers = [0, 2]
    with pytest.raises(migrate.MigrationError) as err:
        migrate.migrate(c, checks_factory=fast)
    assert "brokers [1] do not follow the controllers' metadata log" in str(err.value)
    assert c.upgrades == []


def test_the_brokers_ids_start_at_their_offset_which_is_read_once_per_check():
    class Offset(FakeCluster):
        reads = 0

        def sts(self, component: str) -> dict[str, Any]:
            sts = super().sts(component)
            if component == "broker":
                self.reads += 1
                sts["spec"]["template"]["spec"]["containers"][0]["env"] = [
                    {"name": "BROKER_ID_OFFSET", "value": "100"}]
            return sts

    c = Offset("migration-dual-write")
    checks = fast(c, migrate.read_state(c))
    c.observers, c.reads = [100, 101], 0  # 102 never catches up: 7 probes in the 30 s bound
    with pytest.raises(migrate.MigrationError) as err:
        checks.brokers_follow_the_quorum()
    assert "brokers [102] do not follow" in str(err.value)
    assert c.reads == 1
    c.observers, c.reads = [100, 101, 102], 0
    checks.brokers_follow_the_quorum()
    assert c.reads == 1


def test_an_incomplete_isr_holds_a_step_back_until_it_is_full():
    c = FakeCluster()
    c.urp = "Topic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,0\tIsr: 1\n"
    with pytest.raises(migrate.MigrationError) as err:
        migrate.migrate(c, to="controllers", checks_factory=fast)
    assert "partitions with an incomplete ISR: t-0" in str(err.value)
    assert c.upgrades == []


def test_rollback_from_dual_write_goes_in_kafkas_order():
    c = FakeCluster("migration-dual-write")
    migrate.rollback(c, checks_factory=fast)
    assert c.mode == "zookeeper"
    assert [u.get("kafka.kraft.migration.phase") for u in c.upgrades] == ["rollback", ""]
    # the controllers go first, then their claims and the znodes, then the brokers roll
    order = [a for a in c.actions if a.startswith(("helm", "kubectl delete", "zk delete",
                                                   "zk set"))]
    assert order == ["helm upgrade", "kubectl delete pvc", "zk deleteall /controller",
                     "zk delete /migration", "helm upgrade"]
    assert any("/migration was: {" in line for line in c.lines)
    assert "  /controller_epoch 5: not below the KRaft controllers' epoch 3" in c.lines


def test_rollback_raises_the_controller_epoch_above_the_kraft_one_before_a_broker_takes_over():
    # KAFKA-20488: the KRaft leader wrote the partitions' state with its epoch 7; a ZooKeeper
    # controller of epoch 5 (4 + 1) could elect none of their leaders.
    c = FakeCluster("migration-dual-write")
    c.controller_epoch, c.kraft_epoch = (4, 3), 7
    migrate.rollback(c, checks_factory=fast)
    order = [a for a in c.actions if a.startswith(("zk set", "zk delete"))]
    assert order == ["zk set -v 3 /controller_epoch 7", "zk deleteall /controller",
                     "zk delete /migration"]
    assert c.controller_epoch == (7, 4)
    assert any("raised /controller_epoch from 4 to the KRaft controllers' epoch 7" in line
               for line in c.lines)


def test_a_second_rollback_run_leaves_a_brokers_controller_znode_alone():
    # interrupted after /controller went: a broker holds it now (kraftControllerEpoch -1)
    c = FakeCluster("migration-rollback")
    c.kraft_epoch = -1
    migrate.rollback(c, checks_factory=fast)
    zk = [a for a in c.actions if a.startswith(("zk set", "zk delete"))]
    assert zk == ["zk delete /migration"]
    assert c.mode == "zookeeper"


def test_a_rollback_run_after_the_znodes_went_only_rolls_the_brokers():
    # interrupted after both znodes were deleted, before the brokers' roll
    c = FakeCluster("migration-rollback")
    c.kraft_epoch, c.migration_znode = -1, ""
    migrate.rollback(c, checks_factory=fast)
    assert not [a for a in c.actions if a.startswith(("zk set", "zk delete"))]
    assert "  /migration was: absent" in c.lines
    assert c.mode == "zookeeper"


def test_rollback_stops_before_deleting_controller_if_the_epoch_cannot_be_raised():
    c = FakeCluster("migration-dual-write")
    c.controller_epoch, c.kraft_epoch, c.refuse_set = (4, 3), 7, True
    with pytest.raises(migrate.MigrationError) as err:
        migrate.rollback(c, checks_factory=fast)
    assert "could not raise ZooKeeper's /controller_epoch from 4" in str(err.value)
    assert "zk deleteall /controller" not in c.actions
    # the release waits in the rollback phase; a second run finishes it
    assert migrate.read_state(c).mode == "migration-rollback"
    c.refuse_set = False
    migrate.rollback(c, checks_factory=fast)
    assert c.mode == "zookeeper" and c.controller_epoch[0] == 7


def test_rollback_from_the_brokers_step_goes_back_through_dual_write():
    c = FakeCluster("migration-brokers")
    migrate.rollback(c, checks_factory=fast)
    assert [u.get("kafka.kraft.migration.phase") for u in c.upgrades] == [
        "dual-write", "rollback", ""]


def test_no_rollback_once_the_controllers_left_migration_mode():
    with pytest.raises(migrate.MigrationError) as err:
        migrate.rollback(FakeCluster("kraft"), checks_factory=fast)
    assert "Kafka allows no way back to ZooKeeper from there" in str(err.value)


def test_the_kafka_chart_alone_has_no_prefix_and_no_ensemble_to_remove():
    c = FakeCluster("migration-brokers", chart=REPO / "charts" / "kafka")
    state = migrate.read_state(c)
    assert migrate.values_for(c.release, state, "finalize", CID, "") == {
        "kraft.clusterId": CID, "kraft.enabled": "true", "image.tag": "3.9.1"}
    with pytest.raises(UsageError):
        migrate.migrate(c, to="remove-zookeeper", checks_factory=fast)


def test_status_prints_every_step_and_the_next(capsys: pytest.CaptureFixture[str]):
    c = FakeCluster("migration-dual-write")
    migrate.status(c)
    text = "\n".join(c.lines)
    assert "migration-dual-write, 3 brokers on Kafka 3.9.1, ZooKeeper running" in text
    assert "  controllers      done" in text and "  brokers          next" in text


def test_the_command_line_refuses_bad_input_without_a_traceback(
        capsys: pytest.CaptureFixture[str], tmp_path: Path):
    assert main(["migrate", "--to", "brokers", "--rollback"]) == 2
    assert "--to, --rollback and --status exclude each other" in capsys.readouterr().err
    assert main(["migrate", "-f", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such values file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["migrate", "--to", "finish"])
    assert exit_.value.code == 2
    assert "invalid choice: 'finish'" in capsys.readouterr().err


def test_a_missing_release_is_a_message(monkeypatch: pytest.MonkeyPatch):
    c = FakeCluster()
    monkeypatch.setattr(c, "objects", lambda kind, component: [])
    with pytest.raises(migrate.MigrationError) as err:
        migrate.migrate(c, checks_factory=fast)
    assert "release stack in namespace ns has no Kafka brokers' StatefulSet" in str(err.value)


def test_helm_upgrade_gets_the_users_values_then_the_migrations(tmp_path: Path):
    calls: list[list[str]] = []

    def run(argv: Any, timeout: float) -> Any:
        calls.append(list(argv))
        import subprocess
        return subprocess.CompletedProcess(argv, 0, "", "")

    values = tmp_path / "env.yaml"
    values.write_text("{}")
    c = migrate.Cluster(migrate.Release("stack", "ns", REPO / "charts" / "stack", (values,),
                                        ("kafka.heapSize=1G",)),
                        run=run, kubectl="kubectl", helm="helm", say=lambda _: None)
    c.upgrade({"kafka.kraft.clusterId": CID, "kafka.kraft.enabled": "true"})
    [argv] = calls
    assert argv[:6] == ["helm", "upgrade", "stack", str(REPO / "charts" / "stack"), "-n", "ns"]
    assert argv[6:] == ["-f", str(values), "--set", "kafka.heapSize=1G",
                        "--set-string", f"kafka.kraft.clusterId={CID}",
                        "--set", "kafka.kraft.enabled=true", "--wait=watcher", "--timeout", "20m"]
    assert json.dumps(argv)  # plain strings only


@pytest.mark.parametrize(("says", "exits", "rc"), [
    ("Node does not exist: /migration", 1, 0),          # an answer: /migration is absent
    ("version No is not valid : /controller_epoch", 1, 0),  # an answer: the set did not take
    ('{"version":0}', 0, 0),
    ("java.net.ConnectException: Connection refused", 1, 1),  # no answer: an error
])
def test_the_pod_script_turns_zookeeper_shells_answers_into_output(
        tmp_path: Path, says: str, exits: int, rc: int):
    (tmp_path / "zookeeper-shell.sh").write_text(
        f"#!/bin/sh\necho \"$1 $2 $3\" > {tmp_path}/argv\necho 'Connecting to $1'\n"
        f"echo '{says}'\nexit {exits}\n")
    (tmp_path / "zookeeper-shell.sh").chmod(0o755)
    config = tmp_path / "server.properties"
    config.write_text("broker.id=0\nzookeeper.connect=zk:2181/stack\n")
    script = migrate.zookeeper_shell("get /migration", str(config))
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False,
                         env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert run.returncode == rc, run
    assert says in run.stdout
    assert (tmp_path / "argv").read_text() == "zk:2181/stack get /migration\n"
    config.write_text("process.roles=broker\n")  # KRaft mode: no ensemble named
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False,
                         env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert run.returncode == 3
