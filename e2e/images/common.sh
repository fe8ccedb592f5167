# shellcheck shell=bash
# shellcheck disable=SC2034  # settings for the scripts that source this file
# Shared settings for the e2e image builders (sourced, not executed).
set -euo pipefail
IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Versions (cache keys): e2e/versions.sh. Bump a version there to rebuild that image.
# shellcheck source=../versions.sh
source "$IMAGES_DIR/../versions.sh"
IMG_CACHE="$E2E_CACHE/images"
ZK_IMAGE="localhost/zookeeper:${ZK_VERSION}"
KAFKA_IMAGE="localhost/kafka:${KAFKA_VERSION}"
KAFKA4_IMAGE="localhost/kafka:${KAFKA4_VERSION}"
PAUSE_IMAGE="localhost/pause:${PAUSE_VERSION}"
JMX_EXPORTER_IMAGE="localhost/jmx-exporter:${JMX_EXPORTER_VERSION}"
CTR_NS="${CTR_NS:-k8s.io}"
log() { printf '[images %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# First Debian mirror URI configured on this host (apt sources), so nothing is hard-coded.
debian_mirror() {
  local m
  m=$(grep -rhoE '^(URIs:|deb) +[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)
  [ -n "$m" ] || { echo "no Debian mirror found in /etc/apt sources" >&2; return 1; }
  echo "${m%/}"
}

# apt-get install the packages whose commands are missing (idempotent). args: cmd:package ...
ensure_cmds() {
  local pair need=()
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}"); done
  [ ${#need[@]} -eq 0 ] && return 0
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q "${need[@]}" || { apt-get update -q && apt-get install -y -q "${need[@]}"; }; } >/dev/null 2>&1 </dev/null
}
