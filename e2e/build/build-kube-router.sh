#!/usr/bin/env bash
# Build kube-router from the Go module proxy (`go install
# github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@<tag>`; no replace directives).
# The e2e cluster runs only its NetworkPolicy controller (--run-firewall: iptables + ipset),
# beside the bridge CNI and kube-proxy (e2e/cluster/node.sh).
#   e2e/build/build-kube-router.sh   -> $E2E_CACHE/kube-router-$KUBE_ROUTER_VERSION/kube-router
# Env: KUBE_ROUTER_VERSION, E2E_CACHE (both from e2e/versions.sh), BUILD_P (default 2),
#      FORCE=1 to rebuild.
set -euo pipefail
# shellcheck source=../versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/../versions.sh"
DIR="$E2E_CACHE/kube-router-$KUBE_ROUTER_VERSION"
if [[ -x "$DIR/kube-router" && "${FORCE:-0}" != 1 ]]; then
  echo "cached kube-router ($DIR/kube-router)"
  exit 0
fi
mkdir -p "$DIR"
start=$(date +%s)
# kube-router stamps its version through these variables (like its Makefile does)
pkg=github.com/cloudnativelabs/kube-router/v2/pkg/version
(cd "$DIR" && GOTOOLCHAIN=local GOWORK=off GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 \
   GOBIN="$DIR" go install -p "${BUILD_P:-2}" \
   -ldflags "-s -w -X $pkg.Version=$KUBE_ROUTER_VERSION -X $pkg.BuildDate=module-proxy" \
   "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION")
end=$(date +%s)
echo "built kube-router $KUBE_ROUTER_VERSION in $((end - start))s ($DIR/kube-router)"
echo "$(date -u +%FT%TZ) kube-router $KUBE_ROUTER_VERSION $((end - start))s" >> "$E2E_CACHE/build-times.log"
