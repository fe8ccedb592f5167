#!/usr/bin/env bash
# Build CoreDNS from the Go module proxy (`go install github.com/coredns/coredns@<tag>`;
# its go.mod has no replace directives, so no wrapper module is needed).
#   e2e/build/build-coredns.sh        -> $E2E_CACHE/coredns-$COREDNS_VERSION/coredns
# Env: COREDNS_VERSION, E2E_CACHE (both from e2e/versions.sh), BUILD_P (default 2),
#      FORCE=1 to rebuild.
set -euo pipefail
# shellcheck source=../versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/../versions.sh"
DIR="$E2E_CACHE/coredns-$COREDNS_VERSION"
if [[ -x "$DIR/coredns" && "${FORCE:-0}" != 1 ]]; then
  echo "cached coredns ($DIR/coredns)"
  exit 0
fi
mkdir -p "$DIR"
start=$(date +%s)
(cd "$DIR" && GOTOOLCHAIN=local GOWORK=off GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 \
   GOBIN="$DIR" go install -p "${BUILD_P:-2}" -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION")
end=$(date +%s)
echo "built coredns $COREDNS_VERSION in $((end - start))s ($DIR/coredns)"
echo "$(date -u +%FT%TZ) coredns $COREDNS_VERSION $((end - start))s" >> "$E2E_CACHE/build-times.log"
