# shellcheck shell=bash
# Every version the e2e suite builds or runs, in one place. Sourced by e2e/run.sh and by
# every script under e2e/build, e2e/images, e2e/runtime and e2e/cluster; nothing else
# carries a version default. Each value may be overridden from the environment (e.g.
# K8S_VERSION=v1.35.0 e2e/run.sh); caches are keyed by version, so an override builds
# beside the default instead of replacing it.

# Kubernetes server binaries, built from k8s.io/kubernetes through the Go module proxy
# (e2e/build/build-k8s.sh). The proxy here serves v1.34.0…v1.37.2 but refuses some tags.
K8S_VERSION="${K8S_VERSION:-v1.34.12}"
# etcd: what kubeadm 1.34 deploys, and the client version k8s.io/kubernetes v1.34 links.
ETCD_VERSION="${ETCD_VERSION:-v3.6.4}"
# CoreDNS: what kubeadm 1.34 deploys.
COREDNS_VERSION="${COREDNS_VERSION:-v1.12.1}"
# crictl (sigs.k8s.io/cri-tools), for the node's runtime; tracks the Kubernetes minor.
CRICTL_VERSION="${CRICTL_VERSION:-v1.34.0}"
# kube-router: only its NetworkPolicy controller runs (iptables + ipset; this kernel lacks
# nftables' queue, which kube-network-policies needs). v2.1.0 has reported security flaws,
# which matter little for a cluster that exists only inside the test VM (e2e/cluster/README.md).
KUBE_ROUTER_VERSION="${KUBE_ROUTER_VERSION:-v2.1.0}"

# Local images (e2e/images/build.sh): the application versions are the charts' appVersions;
# the installs set image.tag from these (values-local-images.yaml names only the repos).
ZK_VERSION="${ZK_VERSION:-3.8.4}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
# Kafka 4: the kafka chart's default in KRaft mode (make e2e KRAFT=1), and where the migration
# from ZooKeeper mode ends.
KAFKA4_VERSION="${KAFKA4_VERSION:-4.3.2}"
PAUSE_VERSION="${PAUSE_VERSION:-3.10}"
# The Prometheus JMX exporter javaagent (the kafka chart's metrics.jmx image): the newest
# version Maven Central serves here (io.prometheus.jmx:jmx_prometheus_javaagent).
JMX_EXPORTER_VERSION="${JMX_EXPORTER_VERSION:-1.0.1}"
# The shared Debian + JRE base layer; bump the suffix to rebuild it.
BASE_VERSION="${BASE_VERSION:-debian12-jre17-v1}"

# Build cache shared by all of the above (binaries, image tarballs, Maven repository).
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/stack-e2e}"

export K8S_VERSION ETCD_VERSION COREDNS_VERSION CRICTL_VERSION KUBE_ROUTER_VERSION ZK_VERSION KAFKA_VERSION KAFKA4_VERSION \
  PAUSE_VERSION JMX_EXPORTER_VERSION BASE_VERSION E2E_CACHE
