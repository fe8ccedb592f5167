#!/usr/bin/env bash
# Prove the helm path against the running e2e cluster (started by up.sh):
#   helm install --dry-run=server, a real helm install, then helm upgrade, of charts/stack
#   (dependencies built in a temp copy of charts/, so the work tree is never touched).
#
#   e2e/cluster/helm-smoke.sh [ENV]          # ENV: dev (default) | staging | prod
# Env: RELEASE (default stack-smoke), NAMESPACE (default stack-smoke), CHART_DIR (a
#   chart to use instead of charts/stack, e.g. a throwaway one), HELM + KUBECTL, KEEP=1 (do not
#   uninstall at the end), UPGRADE_SET (extra --set for the upgrade), VALUES_FILES
#   (space-separated extra -f files, e.g. e2e/cluster/values-local-images.yaml),
#   HELM_WAIT=1 (install/upgrade wait until the pods are Ready, then `helm test` unless
#   HELM_TEST=0: needs the node components), SETTLE_SECONDS (wait before reporting).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

ENV_NAME="${1:-dev}"
RELEASE="${RELEASE:-stack-smoke}"
NAMESPACE="${NAMESPACE:-stack-smoke}"
resolve_tools || die "no helm/kubectl (stackctl could not resolve them)"
export KUBECONFIG="$KUBECONFIG_ADMIN"
[[ -f "$KUBECONFIG" ]] || die "no kubeconfig at $KUBECONFIG: run e2e/cluster/up.sh first"

work="$(mktemp -d /tmp/stack-e2e-helm.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# helm's own state (repositories, cache) stays in the temp dir
export HELM_CACHE_HOME="$work/.cache" HELM_CONFIG_HOME="$work/.config" HELM_DATA_HOME="$work/.data"

values=()
if [[ -n "${CHART_DIR:-}" ]]; then
  cp -r "$CHART_DIR" "$work/chart"
  chart="$work/chart"
else
  cp -r "$E2E_REPO_ROOT/charts" "$work/charts"
  chart="$work/charts/stack"
  log "helm dependency build (temp copy: $work/charts)"
  "$HELM" dependency build "$chart"
  envfile="$chart/environments/$ENV_NAME.yaml"
  [[ -f "$envfile" ]] && values=(-f "$envfile")
fi
for f in ${VALUES_FILES:-}; do values+=(-f "$(readlink -f "$f")"); done
wait_args=()
[[ "${HELM_WAIT:-0}" == 1 ]] && wait_args=(--wait=watcher --timeout "${HELM_TIMEOUT:-15m}")

t() { local s; s=$(date +%s.%N); "$@"; log "  ($(python3 -c "print(round($(date +%s.%N)-$s,2))")s)"; }

log "helm install --dry-run=server"
t "$HELM" install "$RELEASE" "$chart" -n "$NAMESPACE" --create-namespace "${values[@]}" \
  --dry-run=server > "$work/dry-run.out"
log "dry-run rendered $(grep -c '^kind:' "$work/dry-run.out" || true) objects"

log "helm install"
t "$HELM" install "$RELEASE" "$chart" -n "$NAMESPACE" --create-namespace "${values[@]}" "${wait_args[@]}"

log "helm upgrade"
# shellcheck disable=SC2086
t "$HELM" upgrade "$RELEASE" "$chart" -n "$NAMESPACE" "${values[@]}" "${wait_args[@]}" ${UPGRADE_SET:-}

"$HELM" history "$RELEASE" -n "$NAMESPACE"
if [[ "${SETTLE_SECONDS:-0}" != 0 ]]; then
  log "letting the release settle for ${SETTLE_SECONDS}s"
  sleep "$SETTLE_SECONDS"
fi
if [[ "${HELM_WAIT:-0}" == 1 && "${HELM_TEST:-1}" == 1 ]]; then
  log "helm test"
  t "$HELM" test "$RELEASE" -n "$NAMESPACE" --logs --timeout "${HELM_TIMEOUT:-15m}"
fi
"$KUBECTL" get all,pvc,pdb,cm -n "$NAMESPACE" -o wide || true

# pods the scheduler could not place, and its current reason
"$KUBECTL" get pods -n "$NAMESPACE" --field-selector status.phase=Pending \
  -o jsonpath='{range .items[*]}{.metadata.name}{": "}{.status.conditions[?(@.type=="PodScheduled")].message}{"\n"}{end}' || true

# containers that restarted: show why (last lines of the previous instance)
"$KUBECTL" get pods -n "$NAMESPACE" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{range .status.containerStatuses[*]}{.name}{"="}{.restartCount}{" "}{end}{"\n"}{end}' |
while read -r pod rest; do
  for cr in $rest; do
    c="${cr%%=*}"; n="${cr#*=}"
    if [[ "$n" != 0 ]]; then
      log "pod $pod container $c restarted $n time(s); previous instance's last lines:"
      "$KUBECTL" logs -n "$NAMESPACE" "$pod" -c "$c" --previous --tail "${RESTART_LOG_LINES:-25}" || true
    fi
  done
done

if [[ "${KEEP:-0}" != 1 ]]; then
  log "helm uninstall"
  "$HELM" uninstall "$RELEASE" -n "$NAMESPACE"
fi
