"""stackctl: render, validate and snapshot-test the ZooKeeper/Kafka Helm charts."""

__version__ = "0.1.0"
