"""Replacing the brokers' TLS certificate (issue 8, e2e 6), last of the checks: it rolls
every broker.

The run made the Secret kafka.tls.existingSecret names (e2e/stack_e2e/tls.py: its own CA,
serial 0x0E2E0001). Here a second certificate for the same names from the SAME CA (a new
key, serial +1) replaces it in the Secret, and the brokers are rolled (`kubectl rollout
restart`: the chart puts no checksum of a Secret on the pods, so a changed certificate
takes effect at the next roll), while an acks=all producer keeps sending at ~20/s.
Asserted: no send fails and every acknowledged message is read back afterwards (clients
keep working: they trust the CA, not the certificate), the longest wait for an
acknowledgement is bounded, and every broker then serves the new certificate (its serial,
verified against the CA with hostname verification) on both listeners, and on the
external listener at its node port (verified against the node IP, an IP SAN).
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import yaml
from stack_e2e import tls
from stack_e2e.figures import Figures
from stack_e2e.settings import NODE_IP, SECURE_VALUES
from stack_e2e.waits import within
from test_2_kafka import BOUND_CONSUME, AckedProducer, all_ready, consume_acknowledged, create_topic

from conftest import Cluster

INTERVAL = 0.05            # s between sends
BOUND_ROLL = 900           # s: the restart has rolled every broker
BOUND_ACK = 60             # s: the slowest acknowledgement of any message
BOUND_SERVED = 60          # s after the roll: every broker serves the new certificate


def test_new_certificate_from_the_same_ca_rolls_in_without_losing_messages(
    cluster: Cluster, figures: Figures,
) -> None:
    secret = os.environ.get("E2E_KAFKA_TLS_SECRET")
    directory = tls.ca_dir()
    if cluster.security.protocol not in ("SSL", "SASL_SSL") or not secret:
        pytest.skip("the staging install has no TLS Secret of the run's own")
    if not (directory / "ca.key").exists():
        pytest.skip(f"no CA key in {directory} (the run that made the Secret is gone)")
    kube = cluster.kube
    brokers = cluster.brokers()
    all_ready(cluster, brokers)
    cafile = cluster.security.cafile or ""
    hosts = [cluster.broker_host(i) for i in range(brokers)]
    old = {tls.served_serial(h, cluster.security.port, cafile) for h in hosts}
    assert len(old) == 1, f"the brokers serve different certificates: {old}"
    old_serial = old.pop()
    new_serial = old_serial + 1

    topic = f"e2e-rotate-{uuid.uuid4().hex[:8]}"
    create_topic(cluster, topic)
    stop = threading.Event()
    tracked = AckedProducer(cluster, topic)
    sent, acked, failed, producer = tracked.sent, tracked.acked, tracked.failed, tracked.producer

    def produce() -> None:
        for i in range(10**6):
            if stop.is_set():
                return
            value = f"r-{i:06d}"
            tracked.send(value)
            time.sleep(INTERVAL)

    before = kube.get("statefulset", cluster.kafka)["status"]["updateRevision"]
    sender = threading.Thread(target=produce, daemon=True)
    sender.start()
    try:
        within(30, "the producer's first acknowledgements", lambda: len(acked) >= 20,
               interval=0.2)
        crt, key = tls.issue(directory, cluster.kafka,
                             tls.subject_alt_names(cluster.kafka, cluster.kafka_headless,
                                                   cluster.namespace), new_serial,
                             prefix="tls-2")
        tls.apply_secret(cluster.namespace, secret, crt, key, directory / "ca.crt")
        kube.run("rollout", "restart", f"statefulset/{cluster.kafka}")
        restarted = time.monotonic()
        rolled = within(BOUND_ROLL, f"{cluster.kafka} rolled (rollout restart)",
                        lambda: kube.statefulset_rolled(cluster.kafka, before),
                        since=restarted, interval=2)
        time.sleep(5)  # a few more sends against the rolled brokers
        stop.set()
        sender.join(timeout=30)
        tracked.flush(180)
    finally:
        stop.set()  # on a failure above: leave no producer behind
        sender.join(timeout=30)
        producer.close(timeout=30)
    assert not failed, f"{len(failed)} sends failed, e.g. {sorted(failed.items())[:3]}"
    assert len(acked) == len(sent), f"{len(sent) - len(acked)} sends never completed"
    slowest = max(acked[v] - sent[v] for v in acked)
    figures.record("tls-rotation-roll", f"new certificate (serial {new_serial:#x}, same CA) "
                   f"in Secret {secret}; rollout restart rolled all {brokers} brokers in "
                   f"{rolled.seconds:.0f} s while producing", seconds=rolled.seconds)
    figures.bounded("tls-rotation-slowest-ack", slowest, BOUND_ACK,
                    f"during the certificate roll: all {len(acked)} sends acknowledged "
                    f"(acks=all, none failed); the slowest took {slowest:.1f} s")

    read = consume_acknowledged(cluster, topic, acked)
    figures.bounded("tls-rotation-consumed", read.seconds, BOUND_CONSUME,
                    f"after the certificate roll: all {len(acked)} acknowledged messages "
                    f"consumed in {read.seconds:.1f} s (a client that trusts the CA only)")

    ports = (cluster.security.port, int(os.environ.get("E2E_KAFKA_INTERBROKER_PORT") or 9094))

    # The external listener too, by the address each broker advertises there (node IP +
    # its node port; the certificate's IP SAN verified), when the release has one.
    external = {}
    access = (yaml.safe_load(SECURE_VALUES.read_text()) or {}).get("kafka", {}) \
        .get("externalAccess") or {}
    if access.get("enabled") and access.get("service", {}).get("nodePortBase"):
        base = int(access["service"]["nodePortBase"])
        external = {f"{cluster.kafka}-{i} external": (NODE_IP, base + i) for i in range(brokers)}

    def serials() -> dict[str, int]:
        found = {f"{h.split('.')[0]}:{p}": tls.served_serial(h, p, cafile)
                 for h in hosts for p in ports}
        found.update({f"{what} {h}:{p}": tls.served_serial(h, p, cafile)
                      for what, (h, p) in external.items()})
        return found

    served = within(BOUND_SERVED, f"every broker serves serial {new_serial:#x}",
                    lambda: set(serials().values()) == {new_serial}, interval=2,
                    describe=lambda _: str(serials()))
    figures.record("tls-rotation-served", f"afterwards every broker serves the new "
                   f"certificate (serial {old_serial:#x} -> {new_serial:#x}) on ports "
                   f"{', '.join(map(str, ports))}"
                   + (f" and on the external listener ({len(external)} node ports of "
                      f"{NODE_IP})" if external else "")
                   + f", verified against the CA ({served.attempts} sample(s))")
