#!/usr/bin/env bash
# The stack on a real single-node Kubernetes built from upstream sources (make e2e).
# shellcheck disable=SC2317  # functions run through step()
#
#   e2e/run.sh            build or reuse binaries and images, start containerd and the
#                         cluster, helm install the stack (staging topology, local images),
#                         wait for Ready, helm test, run the behaviour checks (e2e/checks),
#                         tear everything down (also on failure) and print a summary.
#   e2e/run.sh --keep     the same, but leave the cluster and the release running
#                         (make e2e-up); stop later with e2e/run.sh --down.
#   e2e/run.sh --stage1   control plane only (no pods): helm install --dry-run=server of
#                         every environment, then install + upgrades (setting changes,
#                         scale-out, and from the previous chart version to this one).
#   e2e/run.sh --down     tear down what a --keep run left.
#
# Env: E2E_CACHE (build cache, default ~/.cache/stack-e2e), E2E_NAMESPACE (stack-e2e),
# E2E_RELEASE (stack), E2E_ENV (staging), E2E_CHECKS (pytest -k expression).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

MODE=full
case "${1:-}" in
  "") ;;
  --keep) MODE=keep ;;
  --stage1) MODE=stage1 ;;
  --down) MODE=down ;;
  *) echo "usage: e2e/run.sh [--keep|--stage1|--down]" >&2; exit 2 ;;
esac

NAMESPACE="${E2E_NAMESPACE:-stack-e2e}"
RELEASE="${E2E_RELEASE:-stack}"
ENV_NAME="${E2E_ENV:-staging}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
RUN_DIR="${E2E_RUN_DIR:-/tmp/stack-e2e/run}"
export E2E_RUN_DIR="$RUN_DIR"

# One cluster per machine (see e2e/cluster/lib.sh): hold the lock for the whole run.
mkdir -p /tmp/stack-e2e
exec 9>/tmp/stack-e2e/cluster.lock
if ! flock -n 9; then
  echo "[e2e] another e2e run holds /tmp/stack-e2e/cluster.lock; waiting for it" >&2
  flock -w "${E2E_LOCK_WAIT:-3600}" 9
fi
export E2E_LOCK_HELD=$$

# --- timings and summary --------------------------------------------------------------
declare -a STEP_NAMES=() STEP_SECS=() STEP_RESULTS=()
T0=$(date +%s)
log() { echo "[e2e $(date -u +%H:%M:%S)] $*" >&2; }

# step NAME CMD...: run CMD, record its wall time and outcome; a failure stops the run.
step() {
  local name="$1"; shift
  local start rc=0
  start=$(date +%s)
  log "== $name"
  "$@" || rc=$?
  STEP_NAMES+=("$name"); STEP_SECS+=($(( $(date +%s) - start )))
  if (( rc == 0 )); then STEP_RESULTS+=(ok); else STEP_RESULTS+=("FAILED (exit $rc)"); fi
  return "$rc"
}

summary() {
  echo
  echo "e2e summary ($MODE):"
  local i
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-52s %6ss  %s\n' "${STEP_NAMES[$i]}" "${STEP_SECS[$i]}" "${STEP_RESULTS[$i]}"
  done
  printf '  %-52s %6ss\n' "total" "$(( $(date +%s) - T0 ))"
}

teardown() {
  log "tearing down"
  e2e/cluster/down.sh >/dev/null 2>&1 || true
  e2e/runtime/stop-containerd.sh --purge >/dev/null 2>&1 || true
}

on_exit() {
  local rc=$?
  if (( rc != 0 )) && [[ -d "$RUN_DIR/logs" ]]; then
    log "failed (exit $rc); cluster logs are in $RUN_DIR/logs (kept)"
    if [[ -n "${KUBECONFIG:-}" && -f "${KUBECONFIG:-/nonexistent}" ]]; then
      "$KUBECTL" get pods,pvc,events -n "$NAMESPACE" -o wide 2>&1 | tail -40 >&2 || true
    fi
  fi
  if [[ "$MODE" != keep ]]; then teardown; fi
  summary
  exit "$rc"
}

if [[ "$MODE" == down ]]; then teardown; exit 0; fi

# --- tools: the venv (stackctl, pinned helm), the e2e client libraries ------------------
setup_tools() {
  make -s setup
  "$PY" -c 'import kafka, dns' 2>/dev/null || "$VENV/bin/pip" install -q -e "${ROOT}[e2e]"
  HELM="$("$PY" -c 'from stackctl.helmbin import find_helm; print(find_helm())')"
  KUBECTL="$("$PY" -c 'from stackctl.helmbin import find_kubectl; print(find_kubectl())')"
  HELM_DIR="$(dirname "$HELM")"
  export HELM KUBECTL HELM_DIR
  # Package the subcharts (stackctl keeps charts/stack/charts in step with the sources).
  "$VENV/bin/stackctl" deps >/dev/null
}

build_control_plane() {
  e2e/build/build-etcd.sh
  e2e/build/build-k8s.sh kube-apiserver kube-controller-manager kube-scheduler
}
build_all() {
  e2e/build/build-etcd.sh
  e2e/build/build-k8s.sh
  e2e/build/build-coredns.sh
}

trap on_exit EXIT
step "setup: venv, pinned helm, chart dependencies" setup_tools
# Leftovers of an earlier run that was killed (down.sh is safe to run any time).
e2e/cluster/down.sh >/dev/null 2>&1 || true

# helm's own state stays out of the user's home.
HELM_HOME="$(mktemp -d /tmp/stack-e2e-helm.XXXXXX)"
export HELM_CACHE_HOME="$HELM_HOME/cache" HELM_CONFIG_HOME="$HELM_HOME/config" \
  HELM_DATA_HOME="$HELM_HOME/data"

env_values=(-f "charts/stack/environments/$ENV_NAME.yaml" -f e2e/cluster/values-local-images.yaml
            -f e2e/values-local.yaml)

# === Stage 1: the real API server, no pods =============================================
if [[ "$MODE" == stage1 ]]; then
  step "build etcd + kubernetes control plane (cached by version)" build_control_plane
  step "cluster up (etcd, kube-apiserver, controller-manager, scheduler)" \
    e2e/cluster/up.sh --control-plane
  export KUBECONFIG="$RUN_DIR/kubeconfig"

  dry_run_all() {
    local env out
    for env in charts/stack/environments/*.yaml; do
      out="$("$HELM" install "$RELEASE" charts/stack -n "$NAMESPACE" --create-namespace \
        -f "$env" --dry-run=server)"
      log "  $(basename "$env" .yaml): $(grep -c '^kind:' <<<"$out") objects accepted by the API server"
    done
  }
  step "helm install --dry-run=server, every environment" dry_run_all

  # The previous version of the charts (the last commit before HEAD that changed them),
  # installed first so the upgrade to this version crosses a real chart change.
  previous_charts() {
    local base
    base="$(git rev-list -1 HEAD~1 -- charts 2>/dev/null || true)"
    [[ -n "$base" ]] || { log "  no earlier chart version in this clone; skipping"; return 0; }
    rm -rf "$HELM_HOME/prev" && mkdir -p "$HELM_HOME/prev"
    git archive "$base" charts | tar -x -C "$HELM_HOME/prev"
    "$HELM" dependency build "$HELM_HOME/prev/charts/stack" >/dev/null
    log "  previous charts: $(git log -1 --format='%h %s' "$base" | cut -c1-70)"
  }
  step "previous chart version from git" previous_charts

  install_upgrade() {
    local env="charts/stack/environments/$ENV_NAME.yaml" first=charts/stack
    [[ -d "$HELM_HOME/prev/charts/stack" ]] && first="$HELM_HOME/prev/charts/stack"
    "$HELM" install "$RELEASE" "$first" -n "$NAMESPACE" --create-namespace -f "$env"
    "$HELM" upgrade "$RELEASE" charts/stack -n "$NAMESPACE" -f "$env"
    "$HELM" upgrade "$RELEASE" charts/stack -n "$NAMESPACE" -f "$env" \
      --set kafka.log.retentionHours=72 --set zookeeper.tickTime=3000 \
      --set kafka.replicaCount=4 --set kafka.image.tag=3.9.2
    "$HELM" history "$RELEASE" -n "$NAMESPACE"
    # An immutable field change is refused before it reaches the API server, by the
    # charts' upgrade guard (lookup of the live StatefulSet), naming the value.
    if "$HELM" upgrade "$RELEASE" charts/stack -n "$NAMESPACE" -f "$env" \
        --set kafka.persistence.size=999Gi >"$HELM_HOME/immutable.out" 2>&1; then
      log "  a volumeClaimTemplates change was accepted: expected a refusal"; return 1
    fi
    if ! grep -q "kafka.persistence.size" "$HELM_HOME/immutable.out"; then
      log "  refused, but not by the upgrade guard:"; cat "$HELM_HOME/immutable.out" >&2
      return 1
    fi
    log "  persistence.size change refused: $(grep -m1 'kafka.persistence.size' "$HELM_HOME/immutable.out" | cut -c1-150)"
  }
  step "install previous chart, upgrade to this one, upgrade settings + scale" install_upgrade
  exit 0
fi

# === Stage 2: real pods =================================================================
step "build etcd, kubernetes, CoreDNS (cached by version)" build_all
step "containerd + local images (cached)" e2e/runtime/start-containerd.sh --with-images
step "cluster up (control plane, kubelet, kube-proxy, CoreDNS)" e2e/cluster/up.sh
export KUBECONFIG="$RUN_DIR/kubeconfig"

wait_node() {
  "$KUBECTL" wait --for=condition=Ready "node/${E2E_NODE_NAME:-e2e-node}" --timeout=180s
}
step "node Ready" wait_node

install_stack() {
  "$HELM" install "$RELEASE" charts/stack -n "$NAMESPACE" --create-namespace \
    "${env_values[@]}" --wait --timeout 20m
  "$KUBECTL" get pods -n "$NAMESPACE" -o wide
}
step "helm install $ENV_NAME → all pods Ready" install_stack

helm_test() {
  "$HELM" test "$RELEASE" -n "$NAMESPACE" --logs --timeout 10m
}
step "helm test" helm_test

checks() {
  local values
  values="$(printf '%s:' "$ROOT/charts/stack/environments/$ENV_NAME.yaml" \
    "$ROOT/e2e/cluster/values-local-images.yaml" "$ROOT/e2e/values-local.yaml")"
  E2E_NAMESPACE="$NAMESPACE" E2E_RELEASE="$RELEASE" E2E_VALUES="${values%:}" \
    E2E_DNS="${E2E_NODE_IP:-10.213.0.10}:53" \
    "$VENV/bin/pytest" -p no:cacheprovider -W ignore::DeprecationWarning -v e2e/checks ${E2E_CHECKS:+-k "$E2E_CHECKS"}
}
step "behaviour checks (e2e/checks)" checks

if [[ "$MODE" == keep ]]; then
  log "left running: export KUBECONFIG=$KUBECONFIG; $KUBECTL get pods -n $NAMESPACE"
  log "stop with: e2e/run.sh --down"
fi
