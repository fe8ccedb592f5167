# shellcheck shell=bash
# shellcheck disable=SC2034  # settings for the scripts that source this file
# Paths of the e2e container runtime (sourced by the scripts here and by e2e/images/build.sh).
# Everything lives under $STACK_E2E_STATE so it never clashes with a system containerd.
# shellcheck source=../versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/../versions.sh"
STACK_E2E_STATE="${STACK_E2E_STATE:-/tmp/stack-e2e}"
CONTAINERD_DIR="$STACK_E2E_STATE/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"      # CRI + containerd API (unix socket)
CONTAINERD_CONFIG="$CONTAINERD_DIR/config.toml"         # rendered from e2e/runtime/containerd.toml.in
CONTAINERD_ROOT="$CONTAINERD_DIR/root"                  # content store + snapshots
CONTAINERD_STATE_DIR="$CONTAINERD_DIR/state"
CONTAINERD_LOG="$CONTAINERD_DIR/containerd.log"
CONTAINERD_PIDFILE="$CONTAINERD_DIR/containerd.pid"
CNI_CONF_DIR="$STACK_E2E_STATE/cni/net.d"
CNI_BIN_DIR="${CNI_BIN_DIR:-/usr/lib/cni}"              # Debian's containernetworking-plugins
POD_SUBNET="${POD_SUBNET:-10.244.0.0/24}"
SANDBOX_IMAGE="localhost/pause:$PAUSE_VERSION"
export CONTAINER_RUNTIME_ENDPOINT="unix://$CONTAINERD_SOCK"   # read by crictl
export IMAGE_SERVICE_ENDPOINT="unix://$CONTAINERD_SOCK"
