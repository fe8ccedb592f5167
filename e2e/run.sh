#!/usr/bin/env bash
# The one e2e driver: the stack on a real Kubernetes built from upstream sources. Behind
# make e2e / e2e-up / e2e-down / e2e-stage1; with NODES=3 (E2E_NODES=3), the multi-node run
# below instead of the single-node paths.
#
#   e2e/run.sh            build or reuse binaries and images, start containerd and the
#                         cluster, then
#                           dev path      install, upgrade that rolls both StatefulSets,
#                                         helm test, uninstall        (e2e/helm_paths)
#                           staging core  the secure (prod-like) install with the seed's
#                                         names (e2e/values-secure.yaml: SASL_SSL, ZooKeeper
#                                         auth, NetworkPolicies; its TLS Secret made by the
#                                         run), wait for Ready, helm test, behaviour checks
#                                         (e2e/checks) through the secure listeners
#                           prod path     dry-run=server, install without --wait, why its
#                                         pods stay Pending, uninstall (e2e/helm_paths)
#                         and tear everything down (on every path out, signals included).
#   E2E_NODES=3 e2e/run.sh
#                         three nodes, each in its own network namespace (e2e/cluster/
#                         nodes.sh), then prod's topology as it is (environments/prod.yaml,
#                         e2e/values-nodes.yaml sizes only): install, helm test, and the
#                         multi-node checks (e2e/checks/nodes: placement, drains, node loss).
#   E2E_KRAFT=1 e2e/run.sh
#                         one node, then KRaft mode (environments/kraft.yaml: three
#                         controllers, three brokers, Kafka 4, no ZooKeeper; e2e/values-kraft.yaml
#                         sizes only): install, helm test, the quorum checks (e2e/checks/kraft)
#                         and the brokers' (e2e/checks/test_2_kafka.py), instead of the paths.
#   e2e/run.sh --keep     the same, but leave the cluster and the staging release running
#                         (make e2e-up); stop later with e2e/run.sh --down.
#   e2e/run.sh --stage1   control plane only (no node): the charts against the real API
#                         server (e2e/stage1, pytest).
#   e2e/run.sh --down     tear down what a --keep run left.
#   e2e/run.sh --bench    build/reuse, cluster up, then the benchmark of the deployed
#                         cluster (e2e/bench/cluster.py: chart vs bare broker, prints a
#                         table) instead of the suites; tears down (make bench-cluster).
#
# At the end it prints a summary: each step's time and outcome, and every figure the
# checks measured against its bound (<logs>/figures.jsonl). On any failure the state of
# every namespace (pod logs current + previous, describe, events, get all) is kept under
# <logs>/diagnostics/ and the path printed.
#
# Env: E2E_CACHE (build cache), E2E_RUN_DIR (/tmp/stack-e2e/run), E2E_CHECKS (a pytest -k
# expression for every suite), E2E_SKIP_PATHS=1 (only the staging core),
# E2E_NETPOL=kube-router|none (the NetworkPolicy enforcer; e2e/cluster/README.md), versions:
# e2e/versions.sh.
# shellcheck disable=SC2317  # functions run through step()
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# === settings: declared once =============================================================
NAMESPACE=stack-e2e            # the staging release's namespace
RELEASE=stack
ENV_NAME=staging
# The seed's object names (README's fullnameOverride recipe): the article check runs the
# seed's verification steps verbatim against them, so the core release carries them.
ZK_NAME=zk ZK_HEADLESS=zk-svc KAFKA_NAME=kafka KAFKA_HEADLESS=kafka-svc
HELM_TIMEOUT=20m               # helm install/upgrade --wait of the staging release
LOCAL_IMAGES=e2e/cluster/values-local-images.yaml
SIZING=e2e/values-local.yaml   # staging's topology sized for one 2-core node
SECURE=e2e/values-secure.yaml  # prod's security settings (SASL_SSL, ZooKeeper auth, policies)
NODES_NAMESPACE=stack-prod     # the multi-node run's prod release
NODES_SIZING=e2e/values-nodes.yaml  # prod's heaps and requests for three nodes on one VM
KRAFT_NAMESPACE=stack-kraft    # the KRaft run's release
KRAFT_SIZING=e2e/values-kraft.yaml  # its heaps and requests for one 2-core node
MIGRATION_NAMESPACE=stack-migrate   # the migration's release (after the KRaft run's)
MIGRATION_SIZING=e2e/values-migration.yaml  # the controllers it adds, sized for the node
E2E_KRAFT="${E2E_KRAFT:-0}"
# The brokers' certificate: a Secret the run makes before the install (its own CA, kept in
# KAFKA_CA_DIR for the rotation check; e2e/stack_e2e/tls.py), given as kafka.tls.existingSecret.
KAFKA_TLS_SECRET=kafka-e2e-tls
KAFKA_SASL_USER=user1          # the kafka chart's default client user (auth.users)
# Step limits (s): a step that runs longer is ended (its whole process group) and fails.
LIMIT_BUILD=3600 LIMIT_UP=900 LIMIT_INSTALL=1800 LIMIT_TEST=900 LIMIT_SUITE=3600
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

MODE=full
case "${1:-}" in
  "") ;;
  --keep) MODE=keep ;;
  --stage1) MODE=stage1 ;;
  --down) MODE=down ;;
  --bench) MODE=bench ;;
  *) echo "usage: e2e/run.sh [--keep|--stage1|--down|--bench]" >&2; exit 2 ;;
esac

# Versions, run dir, the one-cluster-per-machine lock (held until this script exits),
# resolve_tools, pid_alive.
# shellcheck source=cluster/lib.sh
source "$ROOT/e2e/cluster/lib.sh"
if (( E2E_NODES > 1 )) && [[ "$MODE" == stage1 || "$MODE" == bench ]]; then
  echo "e2e/run.sh: --$MODE runs on one node only (E2E_NODES=$E2E_NODES)" >&2; exit 2
fi
if [[ "$E2E_KRAFT" != 0 ]] && { [[ "$E2E_KRAFT" != 1 ]] || (( E2E_NODES > 1 )) ||
    [[ "$MODE" == stage1 || "$MODE" == bench ]]; }; then
  echo "e2e/run.sh: E2E_KRAFT=1 runs on one node, without --stage1/--bench (E2E_KRAFT=$E2E_KRAFT, E2E_NODES=$E2E_NODES)" >&2
  exit 2
fi
DIAG="$LOGS/diagnostics"
FIGURES="$LOGS/figures.jsonl"
IMAGE_SET="zookeeper.image.tag=$ZK_VERSION,kafka.image.tag=$KAFKA_VERSION"
IMAGE_SET+=",kafka.metrics.jmx.image.tag=$JMX_EXPORTER_VERSION"
SEED_NAMES="zookeeper.fullnameOverride=$ZK_NAME,zookeeper.service.headless.name=$ZK_HEADLESS"
SEED_NAMES+=",kafka.fullnameOverride=$KAFKA_NAME,kafka.service.headless.name=$KAFKA_HEADLESS"
SEED_NAMES+=",kafka.zookeeper.serviceName=$ZK_NAME"
STAGING_VALUES=(-f "charts/stack/environments/$ENV_NAME.yaml" -f "$LOCAL_IMAGES" -f "$SIZING"
                -f "$SECURE" --set-string "$IMAGE_SET" --set "$SEED_NAMES"
                --set "kafka.tls.existingSecret=$KAFKA_TLS_SECRET")
KAFKA_CA_DIR="$E2E_RUN_DIR/kafka-ca"   # the CA key: outside the logs, gone with the run dir

say() { echo "[e2e $(date -u +%H:%M:%S)] $*" >&2; }

# === steps: timed, bounded, each in its own process group =================================
# With job control on, every background job is its own process group: a step that times
# out, or a signal to this script, ends the step's whole tree (pytest, helm, kubectl, go),
# while the cluster's daemons (started with setsid) stay for the teardown to stop.
set -m
declare -a STEP_NAMES=() STEP_SECS=() STEP_RESULTS=()
T0=$(date +%s)
STEP_PID="" DOG_PID="" FAILED=0 LAST_RC=0

# step LIMIT NAME CMD...: run CMD (a command or a function of this script) with stdin from
# /dev/null, at most LIMIT seconds; record its time and outcome in LAST_RC and FAILED.
step() {
  local limit="$1" name="$2"; shift 2
  local start rc=0 marker dog
  start=$(date +%s)
  marker="$(mktemp -u /tmp/stack-e2e-step.XXXXXX)"
  say "== $name"
  "$@" </dev/null &
  STEP_PID=$!
  # The watchdog does not hold the e2e lock (fd 9): a sleep of it that outlived the run
  # (seen: a step's "sleep 600" alive after its run, reparented to init) kept the next run
  # waiting on /tmp/stack-e2e/cluster.lock for the rest of its 10 minutes.
  ( sleep "$limit"; touch "$marker"; kill -TERM -- "-$STEP_PID" 2>/dev/null
    sleep 20; kill -KILL -- "-$STEP_PID" 2>/dev/null ) </dev/null >/dev/null 2>&1 9>&- &
  dog=$! DOG_PID=$!
  wait "$STEP_PID" || rc=$?
  STEP_PID=""
  kill -- "-$dog" 2>/dev/null || true
  wait "$dog" 2>/dev/null || true
  DOG_PID=""
  STEP_NAMES+=("$name"); STEP_SECS+=($(( $(date +%s) - start )))
  if [[ -e "$marker" ]]; then
    rm -f "$marker"; rc=124
    STEP_RESULTS+=("TIMED OUT (limit ${limit}s)")
    say "$name: timed out after ${limit}s"
  elif (( rc == 0 )); then
    STEP_RESULTS+=(ok)
  else
    STEP_RESULTS+=("FAILED (exit $rc)")
  fi
  LAST_RC=$rc
  (( rc == 0 )) || FAILED=1
  return 0
}

# must LIMIT NAME CMD...: a step the rest of the run depends on; its failure ends the run.
must() {
  step "$@"
  (( LAST_RC == 0 )) || exit "$LAST_RC"
}

summary() {
  echo
  echo "e2e summary ($MODE):"
  local i
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-66s %6ss  %s\n' "${STEP_NAMES[$i]}" "${STEP_SECS[$i]}" "${STEP_RESULTS[$i]}"
  done
  printf '  %-66s %6ss\n' "total" "$(( $(date +%s) - T0 ))"
  if [[ -f "$FIGURES" ]]; then
    echo
    echo "measured (each against its bound; $FIGURES):"
    PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.figures "$FIGURES" || true
  fi
  echo
  echo "logs: $LOGS"
}

# keep_diagnostics DIR: the state of every namespace, now (bounded kubectl calls).
keep_diagnostics() {
  [[ -f "${KUBECONFIG:-/nonexistent}" ]] && pid_alive kube-apiserver || return 0
  PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.diagnostics "$1" || say "collecting diagnostics failed"
}

# teardown: everything the cluster made goes; a leftover fails the run (leftovers.sh).
teardown() {
  say "tearing down"
  e2e/cluster/down.sh >/dev/null 2>&1 || true
  e2e/runtime/stop-containerd.sh --purge >/dev/null 2>&1 || true
  e2e/cluster/leftovers.sh
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  set +e   # every cleanup below runs, whatever an earlier one did
  (( rc == 0 && FAILED )) && rc=1
  if [[ -n "$STEP_PID" ]]; then kill -TERM -- "-$STEP_PID" 2>/dev/null || true; fi
  if [[ -n "$DOG_PID" ]]; then kill -- "-$DOG_PID" 2>/dev/null || true; fi
  if (( rc != 0 )); then
    say "failed (exit $rc): keeping diagnostics"
    keep_diagnostics "$DIAG"
    if [[ -d "$DIAG" ]]; then
      say "diagnostics: $DIAG/<namespace>/ (at the moment of each failure: $DIAG/_failures/)"
    fi
  fi
  if [[ "$MODE" != keep ]]; then teardown || rc=1; fi
  if [[ -n "${HELM_HOME:-}" ]]; then rm -rf "$HELM_HOME"; fi
  summary
  exit "$rc"
}

on_signal() {
  say "interrupted ($1)"
  # The step's watchdog goes too: left behind (reparented to init) it would, after its
  # sleep, signal a process group id that may by then be another process's.
  if [[ -n "$DOG_PID" ]]; then kill -- "-$DOG_PID" 2>/dev/null || true; DOG_PID=""; fi
  if [[ -n "$STEP_PID" ]]; then
    kill -TERM -- "-$STEP_PID" 2>/dev/null || true
    wait "$STEP_PID" 2>/dev/null || true
    STEP_PID=""
  fi
  exit 130
}

if [[ "$MODE" == down ]]; then teardown; exit; fi
trap on_exit EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

# === tools: the venv (stackctl, pinned helm), the e2e client libraries ====================
setup_tools() {
  make -s setup
  "$PY" -c 'import kafka, dns' 2>/dev/null || "$VENV/bin/pip" install -q -e "${ROOT}[e2e]"
  # Package the subcharts (stackctl keeps charts/stack/charts in step with the sources).
  "$VENV/bin/stackctl" deps >/dev/null
}
must 600 "setup: venv, pinned helm, chart dependencies" setup_tools
resolve_tools || exit 1   # HELM and KUBECTL, as stackctl resolves them
# helm's own state stays out of the user's home.
HELM_HOME="$(mktemp -d /tmp/stack-e2e-helm.XXXXXX)"
export HELM_CACHE_HOME="$HELM_HOME/cache" HELM_CONFIG_HOME="$HELM_HOME/config" \
  HELM_DATA_HOME="$HELM_HOME/data"
# What the pytest suites read (e2e/stack_e2e/settings.py, e2e/checks/conftest.py).
export KUBECONFIG="$KUBECONFIG_ADMIN" E2E_HELM="$HELM" E2E_KUBECTL="$KUBECTL" E2E_LOGS="$LOGS" \
  E2E_IMAGE_SET="$IMAGE_SET" E2E_LOCAL_IMAGES="$ROOT/$LOCAL_IMAGES" \
  E2E_NAMESPACE="$NAMESPACE" E2E_RELEASE="$RELEASE" E2E_ZK_NAME="$ZK_NAME" \
  E2E_ZK_HEADLESS="$ZK_HEADLESS" E2E_KAFKA_NAME="$KAFKA_NAME" \
  E2E_KAFKA_HEADLESS="$KAFKA_HEADLESS" E2E_DNS="$E2E_DNS_IP:53" E2E_NODE_IP E2E_NETPOL \
  E2E_SECURE_VALUES="$ROOT/$SECURE"
# How the checks' host-side clients reach the secure staging release (stack_e2e.security;
# the password and the CA are read from the release's Secrets at test time). The dev and
# prod path suites do not read these: they talk to their releases only through helm/kubectl.
export E2E_KAFKA_SECURITY_PROTOCOL=SASL_SSL E2E_KAFKA_PORT=9092 \
  E2E_KAFKA_CA_SECRET="$KAFKA_TLS_SECRET" E2E_KAFKA_TLS_SECRET="$KAFKA_TLS_SECRET" \
  E2E_KAFKA_CA_DIR="$KAFKA_CA_DIR" E2E_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
  E2E_KAFKA_SASL_USER="$KAFKA_SASL_USER" E2E_KAFKA_SASL_SECRET="$KAFKA_NAME-users" \
  E2E_KAFKA_SASL_PASSWORD_KEY="$KAFKA_SASL_USER" E2E_KAFKA_INTERBROKER_PORT=9094

# Leftovers of an earlier run that was killed (down.sh is safe to run any time).
e2e/cluster/down.sh >/dev/null 2>&1 || true

# suite NAME PATH...: a pytest suite with the e2e plugin (figures, diagnostics at failure).
suite() {
  local name="$1"; shift
  PYTHONPATH="$ROOT/e2e" "$VENV/bin/pytest" -p stack_e2e.plugin -p no:cacheprovider \
    -W ignore::DeprecationWarning -v --junitxml "$LOGS/junit-$name.xml" \
    ${E2E_CHECKS:+-k "$E2E_CHECKS"} "$@"
}

cluster_up() {
  e2e/cluster/up.sh "$@" >/dev/null
  rm -f "$FIGURES"   # up.sh moved an earlier run's logs to logs.prev; this run's start here
  mkdir -p "$LOGS/helm"
}

# === stage 1: the real API server, no node ================================================
if [[ "$MODE" == stage1 ]]; then
  build_control_plane() {
    e2e/build/build-etcd.sh
    e2e/build/build-k8s.sh kube-apiserver kube-controller-manager kube-scheduler
  }
  must "$LIMIT_BUILD" "build etcd + kubernetes control plane (cached by version)" build_control_plane
  must "$LIMIT_UP" "cluster up (etcd, kube-apiserver, controller-manager, scheduler)" \
    cluster_up --control-plane
  step "$LIMIT_SUITE" "stage 1 checks (e2e/stage1): dry-run, previous version, upgrades" \
    suite stage1 e2e/stage1
  exit 0
fi

# === stage 2: a node, real pods ===========================================================
# The host tools stage 2 needs besides the runtime's own (start-containerd.sh installs those):
# kube-router's ipset, and kcat, the checks' second Kafka client. Installed before the builds:
# on a fresh machine a missing ipset used to fail 'cluster up' after 20-30 min of building.
host_tools() {
  local need=() t
  if [[ "$E2E_NETPOL" == kube-router ]] && ! command -v ipset >/dev/null 2>&1; then need+=(ipset); fi
  command -v kcat >/dev/null 2>&1 || need+=(kcat)
  (( ${#need[@]} )) || return 0
  say "apt-get install ${need[*]}"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"; }; } \
    >/dev/null 2>&1
  for t in "${need[@]}"; do command -v "$t" >/dev/null 2>&1 || { say "could not install $t"; return 1; }; done
}
must 600 "host tools (ipset for kube-router, kcat)" host_tools
build_all() {
  e2e/build/build-etcd.sh
  e2e/build/build-k8s.sh
  e2e/build/build-coredns.sh
  if [[ "$E2E_NETPOL" == kube-router ]]; then e2e/build/build-kube-router.sh; fi
}
must "$LIMIT_BUILD" "build etcd, kubernetes, CoreDNS, kube-router (cached by version)" build_all
if (( E2E_NODES > 1 )); then
  # each node runs its own containerd (nodes.sh imports the images into it)
  runtime_deps_and_images() {
    e2e/runtime/start-containerd.sh --deps-only
    e2e/images/build.sh --no-import all
  }
  must "$LIMIT_BUILD" "runtime packages + local images (cached)" runtime_deps_and_images
else
  must "$LIMIT_BUILD" "containerd + local images (cached)" e2e/runtime/start-containerd.sh --with-images
fi
if [[ "$E2E_KRAFT" == 1 ]]; then
  must "$LIMIT_BUILD" "Kafka $KAFKA4_VERSION image (cached)" e2e/images/build.sh kafka4
fi
# --bench reports the newest e2e run's operational figures: copies of them (named by their
# time, so a later stage-1 or bench run does not hide them), taken before up.sh rotates logs.
BENCH_FIGURES="$E2E_RUN_DIR/bench-e2e-figures"
if [[ "$MODE" == bench ]]; then
  mkdir -p "$BENCH_FIGURES"
  for f in "$LOGS/figures.jsonl" "$E2E_RUN_DIR/logs.prev/figures.jsonl"; do
    if [[ -f "$f" ]]; then cp -p "$f" "$BENCH_FIGURES/figures-$(stat -c %Y "$f").jsonl"; fi
  done
fi
must "$LIMIT_UP" "cluster up (control plane, $E2E_NODES node(s); NetworkPolicy: $E2E_NETPOL)" cluster_up

if [[ "$MODE" == bench ]]; then
  bench() {
    local saved=() f
    for f in "$BENCH_FIGURES"/figures-*.jsonl; do
      if [[ -f "$f" ]]; then saved+=(--e2e-figures "$f"); fi
    done
    PYTHONPATH="$ROOT/e2e" "$PY" -m bench.cluster "${saved[@]}" | tee "$LOGS/bench-cluster.txt"
  }
  step "$LIMIT_SUITE" "benchmark of the deployed cluster (e2e/bench)" bench
  exit 0
fi

# helm_test NAMESPACE ENV: the release's helm tests, their logs kept
helm_test() {
  if ! "$HELM" test "$RELEASE" -n "$1" --logs --timeout 10m 2>&1 |
      tee "$LOGS/helm/$2-helm-test.txt"; then
    # the failed test pods stay (hook-delete-policy hook-succeeded): keep them now
    keep_diagnostics "$DIAG/_failures/helm-test-$2"
    return 1
  fi
}

# === multi-node: prod's topology as it is, drains, node loss ===============================
if (( E2E_NODES > 1 )); then
  # prod's names (no overrides): what the checks and the Cluster fixture talk to
  export E2E_NAMESPACE="$NODES_NAMESPACE" E2E_ZK_NAME="$RELEASE-zookeeper" \
    E2E_ZK_HEADLESS="$RELEASE-zookeeper-headless" E2E_KAFKA_NAME="$RELEASE-kafka" \
    E2E_KAFKA_HEADLESS="$RELEASE-kafka-headless" E2E_KAFKA_CA_SECRET="$RELEASE-kafka-tls" \
    E2E_KAFKA_TLS_SECRET="$RELEASE-kafka-tls" E2E_KAFKA_SASL_SECRET="$RELEASE-kafka-users"
  install_nodes() {
    PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.namespaces "$NODES_NAMESPACE"
    "$HELM" install "$RELEASE" charts/stack -n "$NODES_NAMESPACE" --create-namespace \
      -f charts/stack/environments/prod.yaml -f "$LOCAL_IMAGES" -f "$NODES_SIZING" \
      --set-string "$IMAGE_SET" --wait=watcher --timeout "$HELM_TIMEOUT" 2>&1 |
      tee "$LOGS/helm/prod-nodes-install.txt"
    "$KUBECTL" get pods -n "$NODES_NAMESPACE" -o wide
  }
  must "$LIMIT_INSTALL" "helm install prod on $E2E_NODES nodes -> all pods Ready" install_nodes
  step "$LIMIT_TEST" "helm test prod (multi-node)" helm_test "$NODES_NAMESPACE" prod
  step "$LIMIT_SUITE" "multi-node checks (e2e/checks/nodes): placement, drains, node loss" \
    suite nodes e2e/checks/nodes
  if [[ "$MODE" == keep ]]; then
    say "left running: export KUBECONFIG=$KUBECONFIG; $KUBECTL get pods -n $NODES_NAMESPACE -o wide"
    say "crash and boot a node: e2e/cluster/node-ctl.sh crash|start e2e-n2; stop with: e2e/run.sh --down"
  fi
  exit 0
fi

# === KRaft: environments/kraft.yaml, Kafka 4, no ZooKeeper =================================
if [[ "$E2E_KRAFT" == 1 ]]; then
  # kraft.yaml's names; no ZooKeeper (the fixture's ZooKeeper names are never used)
  export E2E_KRAFT E2E_NAMESPACE="$KRAFT_NAMESPACE" E2E_ZK_NAME=- E2E_ZK_HEADLESS=- \
    E2E_KAFKA_NAME="$RELEASE-kafka" E2E_KAFKA_HEADLESS="$RELEASE-kafka-headless" \
    E2E_KAFKA_SECURITY_PROTOCOL=PLAINTEXT E2E_KAFKA_PORT=9092
  install_kraft() {
    PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.namespaces "$KRAFT_NAMESPACE"
    # the prometheus-operator CRDs: e2e/values-kraft.yaml turns the metrics, their
    # ServiceMonitors and the PrometheusRule on (e2e/checks/kraft/test_2_metrics.py)
    PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.monitoring --install-crds
    "$HELM" install "$RELEASE" charts/stack -n "$KRAFT_NAMESPACE" --create-namespace \
      -f charts/stack/environments/kraft.yaml -f "$LOCAL_IMAGES" -f "$KRAFT_SIZING" \
      --set-string "kafka.image.tag=$KAFKA4_VERSION,kafka.metrics.jmx.image.tag=$JMX_EXPORTER_VERSION" \
      --wait=watcher --timeout "$HELM_TIMEOUT" 2>&1 |
      tee "$LOGS/helm/kraft-install.txt"
    "$KUBECTL" get pods -n "$KRAFT_NAMESPACE" -o wide
  }
  must "$LIMIT_INSTALL" "helm install kraft (3 controllers, 3 brokers, Kafka $KAFKA4_VERSION) -> all pods Ready" install_kraft
  step "$LIMIT_TEST" "helm test kraft" helm_test "$KRAFT_NAMESPACE" kraft
  step "$LIMIT_SUITE" "KRaft checks (e2e/checks/kraft, e2e/checks/test_2_kafka.py)" \
    suite kraft e2e/checks/kraft e2e/checks/test_2_kafka.py

  # The migration: a ZooKeeper-mode stack (staging, Kafka $KAFKA_VERSION) that `stackctl
  # migrate` takes to dual-write and back, then to Kafka $KAFKA4_VERSION without ZooKeeper.
  # The KRaft release goes first: the node has room for one stack at a time.
  migration_values=(-f charts/stack/environments/staging.yaml -f "$LOCAL_IMAGES" -f "$SIZING"
                    -f "$MIGRATION_SIZING" --set "$IMAGE_SET")
  install_migration() {
    "$HELM" uninstall "$RELEASE" -n "$KRAFT_NAMESPACE" --wait --timeout 10m
    PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.namespaces "$MIGRATION_NAMESPACE"
    "$HELM" install "$RELEASE" charts/stack -n "$MIGRATION_NAMESPACE" --create-namespace \
      "${migration_values[@]}" --wait=watcher --timeout "$HELM_TIMEOUT" 2>&1 |
      tee "$LOGS/helm/migration-install.txt"
    "$KUBECTL" get pods -n "$MIGRATION_NAMESPACE" -o wide
  }
  must "$LIMIT_INSTALL" "helm install staging in ZooKeeper mode (Kafka $KAFKA_VERSION) for the migration" \
    install_migration
  export E2E_KRAFT=0 E2E_NAMESPACE="$MIGRATION_NAMESPACE" E2E_ZK_NAME="$RELEASE-zookeeper" \
    E2E_ZK_HEADLESS="$RELEASE-zookeeper-headless" E2E_STACKCTL="$VENV/bin/stackctl" \
    E2E_KAFKA4_VERSION="$KAFKA4_VERSION" \
    E2E_MIGRATE_ARGS="${migration_values[*]} --release $RELEASE -n $MIGRATION_NAMESPACE"
  step "$LIMIT_SUITE" "the migration (e2e/checks/migration): stackctl migrate to dual-write and back, then to Kafka $KAFKA4_VERSION" \
    suite migration e2e/checks/migration
  if [[ "$MODE" == keep ]]; then
    say "left running: export KUBECONFIG=$KUBECONFIG; $KUBECTL get pods -n $KRAFT_NAMESPACE -o wide"
    say "stop with: e2e/run.sh --down"
  fi
  exit 0
fi

if [[ "${E2E_SKIP_PATHS:-0}" != 1 ]]; then
  step "$LIMIT_SUITE" "dev path: install, upgrade rolls both, helm test, uninstall" \
    suite dev e2e/helm_paths/test_dev.py
fi

install_staging() {
  # Pod Security "restricted" enforced by kube-apiserver on every pod of the release
  # (e2e/stack_e2e/namespaces.py; the dev, prod and stage 1 namespaces get the same)
  PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.namespaces "$NAMESPACE"
  # the brokers' TLS Secret (a new CA + certificate, the chart's names), before the install
  PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.tls "$NAMESPACE" "$KAFKA_TLS_SECRET" \
    "$KAFKA_NAME" "$KAFKA_HEADLESS"
  # the declared users' password Secrets (kafka.provisioning.users of $SECURE; random,
  # never printed), before the install: the provisioning Job reads them
  PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.users "$NAMESPACE" "$SECURE"
  # the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule; the version
  # tests/crds.py validates against), so the release's monitoring objects can exist
  PYTHONPATH="$ROOT/e2e" "$PY" -m stack_e2e.monitoring --install-crds
  "$HELM" install "$RELEASE" charts/stack -n "$NAMESPACE" --create-namespace \
    "${STAGING_VALUES[@]}" --wait=watcher --timeout "$HELM_TIMEOUT" 2>&1 |
    tee "$LOGS/helm/$ENV_NAME-install.txt"
  "$KUBECTL" get pods -n "$NAMESPACE" -o wide
}
must "$LIMIT_INSTALL" "helm install $ENV_NAME secure (seed names) -> all pods Ready" install_staging

step "$LIMIT_TEST" "helm test $ENV_NAME" helm_test "$NAMESPACE" "$ENV_NAME"
step "$LIMIT_SUITE" "behaviour checks (e2e/checks)" suite checks e2e/checks --ignore=e2e/checks/nodes \
  --ignore=e2e/checks/kraft --ignore=e2e/checks/migration

if [[ "${E2E_SKIP_PATHS:-0}" != 1 ]]; then
  step "$LIMIT_SUITE" "prod path: dry-run=server, install (no wait), Pending explained" \
    suite prod e2e/helm_paths/test_prod.py
fi

if [[ "$MODE" == keep ]]; then
  say "left running: export KUBECONFIG=$KUBECONFIG; $KUBECTL get pods -n $NAMESPACE"
  say "stop with: e2e/run.sh --down"
fi
