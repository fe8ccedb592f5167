#!/usr/bin/env bash
# Builds the shared base layer: Debian 12 minbase + openjdk-17-jre-headless + bash/netcat/procps.
# Output (cached, reused when present): $IMG_CACHE/base-$BASE_VERSION/layer.tar
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out="$IMG_CACHE/base-$BASE_VERSION"
if [ -f "$out/layer.tar" ] && [ -f "$out/DONE" ]; then
  log "base $BASE_VERSION: cached ($out/layer.tar)"; exit 0
fi
ensure_cmds debootstrap:debootstrap
mirror=$(debian_mirror)
rootfs="$out/rootfs"
# a crashed earlier run may have left /proc or /sys mounted in the rootfs: unmount before deleting
{ grep -oE " $out/[^ ]+" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
if grep -q " $out/" /proc/mounts; then echo "still mounted under $out; not deleting" >&2; exit 1; fi
rm -rf "$out"; mkdir -p "$out"
cleanup() {
  for m in proc sys dev/pts; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m" || true; done
}
trap cleanup EXIT

log "base: debootstrap minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$out/debootstrap.log" 2>&1 \
  || { tail -30 "$out/debootstrap.log" >&2; exit 1; }

# apt sources inside the image: the same Debian suites the host uses (incl. updates + security).
src=$(grep -lE 'debian-security' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -n1 || true)
if [ -n "$src" ] && [[ "$src" == *.sources ]]; then
  cp "$src" "$rootfs/etc/apt/sources.list.d/debian.sources"; : > "$rootfs/etc/apt/sources.list"
elif [ -n "$src" ]; then
  grep -E '^deb .*debian' "$src" > "$rootfs/etc/apt/sources.list"
fi
mount -t proc proc "$rootfs/proc"
mount --rbind /sys "$rootfs/sys" && mount --make-rslave "$rootfs/sys"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
log "base: apt-get install openjdk-17-jre-headless"
chroot "$rootfs" /bin/sh -ec '
  export DEBIAN_FRONTEND=noninteractive LC_ALL=C
  mkdir -p /usr/share/man/man1
  apt-get update -q
  apt-get install -y -q --no-install-recommends openjdk-17-jre-headless bash netcat-openbsd procps hostname
  apt-get clean
  java -version
' > "$out/apt.log" 2>&1 || { tail -30 "$out/apt.log" >&2; exit 1; }
cleanup
rm -f "$rootfs/usr/sbin/policy-rc.d"
: > "$rootfs/etc/resolv.conf"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
       "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log \
       "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/tmp/* "$rootfs"/dev/*
log "base: packing layer"
tar --numeric-owner --xattrs --sort=name -C "$rootfs" -cf "$out/layer.tar" .
rm -rf "$rootfs"
touch "$out/DONE"
log "base: done ($(du -h "$out/layer.tar" | cut -f1))"
