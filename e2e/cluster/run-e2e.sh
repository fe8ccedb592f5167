#!/usr/bin/env bash
# The whole runtime-truth run, one command: build (cached) -> containerd + local images ->
# cluster up -> helm path per environment -> cluster down (always, via trap).
#
#   e2e/cluster/run-e2e.sh [ENV ...]      # default: dev staging prod
#
# dev and staging must install, become Ready and pass `helm test` (after an upgrade that
# changes the heap settings, so the StatefulSets really roll). prod asks for hard pod
# anti-affinity over 3 replicas, which a single node cannot satisfy: it must pass
# `helm install --dry-run=server` and a real install + upgrade without waiting.
# Prints "N passed, N failed" at the end and exits non-zero when anything failed.
# Env: E2E_KEEP_UP=1 leaves the cluster running afterwards; KEEP=1 keeps the releases.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
ROOT="$E2E_REPO_ROOT"
envs=("$@"); (( ${#envs[@]} )) || envs=(dev staging prod)
passed=0; failed=0; results=()

step() {  # step NAME CMD...
  local name="$1"; shift
  local s; s=$(date +%s)
  log "=== $name"
  if "$@"; then
    passed=$((passed + 1)); results+=("PASS $name ($(( $(date +%s) - s ))s)")
  else
    failed=$((failed + 1)); results+=("FAIL $name ($(( $(date +%s) - s ))s)")
    return 1
  fi
}

finish() {
  if [[ "${E2E_KEEP_UP:-0}" != 1 ]]; then "$HERE/down.sh" >/dev/null 2>&1 || true; fi
  printf '%s\n' "${results[@]}"
  echo "$passed passed, $failed failed"
}
trap finish EXIT

step build-k8s "$ROOT/e2e/build/build-k8s.sh" || exit 1
step build-coredns "$ROOT/e2e/build/build-coredns.sh" || exit 1
step build-etcd "$ROOT/e2e/build/build-etcd.sh" || exit 1
step containerd+images "$ROOT/e2e/runtime/start-containerd.sh" --with-images || exit 1
"$HERE/down.sh" >/dev/null 2>&1 || true   # leftovers of an earlier run
step cluster-up "$HERE/up.sh" || exit 1

for env in "${envs[@]}"; do
  case "$env" in
    prod)
      step "helm $env (dry-run=server, install, upgrade; no wait)" \
        env RELEASE="e2e-$env" NAMESPACE="e2e-$env" HELM_WAIT=0 SETTLE_SECONDS=30 \
            VALUES_FILES="$HERE/values-local-images.yaml" "$HERE/helm-smoke.sh" "$env"
      ;;
    *)
      step "helm $env (install, upgrade, Ready, helm test)" \
        env RELEASE="e2e-$env" NAMESPACE="e2e-$env" HELM_WAIT=1 HELM_TIMEOUT="${HELM_TIMEOUT:-10m}" \
            VALUES_FILES="$HERE/values-local-images.yaml" \
            UPGRADE_SET="${UPGRADE_SET---set zookeeper.heapSize=300M --set kafka.heapOpts=-Xmx400M}" \
            "$HERE/helm-smoke.sh" "$env"
      ;;
  esac
done
(( failed == 0 ))
