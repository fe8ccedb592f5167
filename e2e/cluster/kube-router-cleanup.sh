#!/usr/bin/env bash
# Remove what kube-router's NetworkPolicy controller left in the filter table and in ipset:
# the jumps from INPUT/FORWARD/OUTPUT to its KUBE-ROUTER-* chains, those chains, the per-pod
# (KUBE-POD-FW-*) and per-policy (KUBE-NWPLCY-*) chains, and its KUBE-SRC-*/KUBE-DST-* sets.
# Run by down.sh (through node-cleanup.sh) after kube-router has stopped; safe to run any
# number of times. Not `kube-router --cleanup-config`: that also runs its proxy's and
# router's cleanups, which flush every IPVS table of the host and delete their interfaces.
set -uo pipefail
for ipt in iptables ip6tables; do
  command -v "$ipt" >/dev/null 2>&1 || continue
  for builtin in INPUT FORWARD OUTPUT; do
    "$ipt" -S "$builtin" 2>/dev/null | grep -E -- '-j KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)' |
      while read -r rule; do eval "$ipt -D ${rule#-A }" 2>/dev/null || true; done
  done
  mapfile -t chains < <("$ipt" -S 2>/dev/null |
    sed -n -E 's/^-N (KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)|KUBE-POD-FW-[A-Z0-9]+|KUBE-NWPLCY-[A-Z0-9]+)$/\1/p')
  for c in "${chains[@]}"; do "$ipt" -F "$c" 2>/dev/null || true; done
  for c in "${chains[@]}"; do "$ipt" -X "$c" 2>/dev/null || true; done
done
if command -v ipset >/dev/null 2>&1; then
  ipset list -n 2>/dev/null | grep -E '^(inet6:)?KUBE-(SRC|DST)-[A-Z0-9]+$' |
    while read -r set; do ipset destroy "$set" 2>/dev/null || true; done
fi
exit 0
