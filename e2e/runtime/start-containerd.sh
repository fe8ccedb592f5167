#!/usr/bin/env bash
# Starts the e2e containerd (CRI enabled) with its own socket/root/state under
# $STACK_E2E_STATE (default /tmp/stack-e2e), so it never clashes with a system containerd.
# Idempotent: installs missing Debian packages, re-renders the config, and does nothing if
# this containerd is already up.
#   e2e/runtime/start-containerd.sh [--with-images|--deps-only]   (--with-images: also build/import images)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
log() { printf '[runtime %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

need=()
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
[ -x "$CNI_BIN_DIR/bridge" ] || need+=(containernetworking-plugins)
command -v iptables >/dev/null || need+=(iptables)
command -v catatonit >/dev/null || need+=(catatonit)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  { apt-get install -y -q "${need[@]}" || { apt-get update -q && apt-get install -y -q "${need[@]}"; }; } \
    >/dev/null 2>&1 </dev/null
fi
export DEBIAN_FRONTEND=noninteractive

# crictl (not packaged in Debian 12): built once from the Go module proxy into the cache.
CRICTL_BIN="$E2E_CACHE/bin/crictl-$CRICTL_VERSION"
if [ ! -x "$CRICTL_BIN" ] && command -v go >/dev/null; then
  log "building crictl $CRICTL_VERSION (go install sigs.k8s.io/cri-tools/cmd/crictl)"
  tmpbin=$(mktemp -d)
  if (cd "$tmpbin" && GOBIN="$tmpbin" GOFLAGS=-mod=mod go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"); then
    mkdir -p "$(dirname "$CRICTL_BIN")" && mv "$tmpbin/crictl" "$CRICTL_BIN"
  else
    log "crictl build failed (optional)"
  fi
  rm -rf "$tmpbin"
fi

# --deps-only: the packages and crictl, nothing started (the multi-node cluster runs one
# containerd per node, inside the node's network namespace, where no mirror is reachable)
if [ "${1:-}" = "--deps-only" ]; then exit 0; fi

mkdir -p "$CONTAINERD_DIR" "$CONTAINERD_ROOT" "$CONTAINERD_STATE_DIR" "$CNI_CONF_DIR" "$STACK_E2E_STATE/cni/ipam" "$STACK_E2E_STATE/bin"
[ -x "$CRICTL_BIN" ] && ln -sf "$CRICTL_BIN" "$STACK_E2E_STATE/bin/crictl"
cat > "$STACK_E2E_STATE/crictl.yaml" <<YAML
runtime-endpoint: unix://$CONTAINERD_SOCK
image-endpoint: unix://$CONTAINERD_SOCK
timeout: 30
YAML

render() { # in out
  sed -e "s#@CONTAINERD_ROOT@#$CONTAINERD_ROOT#g" -e "s#@CONTAINERD_STATE_DIR@#$CONTAINERD_STATE_DIR#g" \
      -e "s#@CONTAINERD_SOCK@#$CONTAINERD_SOCK#g" -e "s#@CONTAINERD_DIR@#$CONTAINERD_DIR#g" \
      -e "s#@SANDBOX_IMAGE@#$SANDBOX_IMAGE#g" -e "s#@RUNC@#$(command -v runc)#g" \
      -e "s#@CNI_BIN_DIR@#$CNI_BIN_DIR#g" -e "s#@CNI_CONF_DIR@#$CNI_CONF_DIR#g" \
      -e "s#@POD_SUBNET@#$POD_SUBNET#g" -e "s#@STACK_E2E_STATE@#$STACK_E2E_STATE#g" "$1" > "$2.tmp"
  mv "$2.tmp" "$2"
}
render "$HERE/containerd.toml.in" "$CONTAINERD_CONFIG"
render "$HERE/cni/10-stack-e2e.conflist.in" "$CNI_CONF_DIR/10-stack-e2e.conflist"

# pods reach each other and Service VIPs through the host
sysctl -qw net.ipv4.ip_forward=1 || true

running() {
  [ -f "$CONTAINERD_PIDFILE" ] && kill -0 "$(cat "$CONTAINERD_PIDFILE")" 2>/dev/null \
    && ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1
}
if running; then
  log "containerd already running (pid $(cat "$CONTAINERD_PIDFILE"), socket $CONTAINERD_SOCK)"
else
  log "starting containerd (config $CONTAINERD_CONFIG, log $CONTAINERD_LOG)"
  rm -f "$CONTAINERD_SOCK"
  setsid containerd --config "$CONTAINERD_CONFIG" >>"$CONTAINERD_LOG" 2>&1 </dev/null 9>&- &
  echo $! > "$CONTAINERD_PIDFILE"
  for _ in $(seq 1 100); do
    ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1 && break
    kill -0 "$(cat "$CONTAINERD_PIDFILE")" 2>/dev/null || { tail -30 "$CONTAINERD_LOG" >&2; exit 1; }
    sleep 0.2
  done
  running || { log "containerd did not come up"; tail -30 "$CONTAINERD_LOG" >&2; exit 1; }
  log "containerd up: pid $(cat "$CONTAINERD_PIDFILE"), socket $CONTAINERD_SOCK"
fi
if [ "${1:-}" = "--with-images" ]; then
  "$HERE/../images/build.sh" all
fi
