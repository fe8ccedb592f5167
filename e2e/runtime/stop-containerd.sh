#!/usr/bin/env bash
# Stops the e2e containerd started by start-containerd.sh.
#   e2e/runtime/stop-containerd.sh [--purge]
# --purge first removes every pod/container/task it runs (CRI pods via crictl, then ctr tasks in
# the k8s.io and default namespaces), ends the shims that belong to this containerd (matched by
# its own socket path) and deletes $STACK_E2E_STATE/containerd and the CNI IPAM state.
# Without --purge, the content store stays (images need no re-import on the next start).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
log() { printf '[runtime %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
PURGE=no; [ "${1:-}" = "--purge" ] && PURGE=yes
CTR=(ctr -a "$CONTAINERD_SOCK")

up() { ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
if [ "$PURGE" = yes ] && up; then
  if [ -x "$STACK_E2E_STATE/bin/crictl" ]; then
    log "removing CRI pods"
    "$STACK_E2E_STATE/bin/crictl" --config "$STACK_E2E_STATE/crictl.yaml" rmp -fa >/dev/null 2>&1 || true
  fi
  for ns in k8s.io default; do
    for c in $("${CTR[@]}" -n "$ns" containers ls -q 2>/dev/null); do
      "${CTR[@]}" -n "$ns" tasks kill -s KILL "$c" >/dev/null 2>&1 || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        "${CTR[@]}" -n "$ns" tasks delete "$c" >/dev/null 2>&1 && break; sleep 0.3
      done
      "${CTR[@]}" -n "$ns" containers delete "$c" >/dev/null 2>&1 || true
    done
  done
fi

if [ -f "$CONTAINERD_PIDFILE" ]; then
  pid=$(cat "$CONTAINERD_PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping containerd pid $pid"
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$CONTAINERD_PIDFILE"
else
  log "no pidfile ($CONTAINERD_PIDFILE): containerd not started by start-containerd.sh"
fi

if [ "$PURGE" = yes ]; then
  # shims of *this* containerd carry "-address <our socket>" on their command line
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in
      *containerd-shim*"-address $CONTAINERD_SOCK "*) log "ending shim ${p#/proc/}"; kill -KILL "${p#/proc/}" 2>/dev/null || true ;;
    esac
  done
  sleep 0.5
  # unmount whatever is left under our root/state (overlay rootfs, shm) before deleting
  grep -oE " $CONTAINERD_DIR/[^ ]+" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$CONTAINERD_DIR" "$STACK_E2E_STATE/cni/ipam"
  ip link del cni-e2e0 2>/dev/null || true
  log "purged $CONTAINERD_DIR"
fi
