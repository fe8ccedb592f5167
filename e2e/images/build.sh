#!/usr/bin/env bash
# Builds the e2e images as docker-archive tarballs, without a registry or a daemon, and imports
# them into the e2e containerd (namespace k8s.io) when it is running.
#
#   e2e/images/build.sh [--no-import] [base|zookeeper|kafka|kafka4|jmx-exporter|pause|all]...
#
# Everything is cached under $E2E_CACHE/images/<name>-<version>/ and reused when the recipe
# (files under e2e/images/<name>/, this script, mkimage.py, the versions) is unchanged.
# Images: localhost/zookeeper, localhost/kafka, localhost/jmx-exporter, localhost/pause, tagged
# with the versions of e2e/versions.sh (ZK_VERSION, KAFKA_VERSION, JMX_EXPORTER_VERSION,
# PAUSE_VERSION); kafka4 (not in all: only make e2e KRAFT=1 runs it) is localhost/kafka at
# KAFKA4_VERSION, built from kafka4/ the same way as kafka from kafka/.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNTIME_DIR="$(cd "$IMAGES_DIR/../runtime" && pwd)"
# shellcheck source=../runtime/env.sh
source "$RUNTIME_DIR/env.sh"

DO_IMPORT=auto
targets=()
for a in "$@"; do
  case "$a" in
    --no-import) DO_IMPORT=no ;;
    --import) DO_IMPORT=yes ;;
    all) targets+=(zookeeper kafka jmx-exporter pause) ;;
    base|zookeeper|kafka|kafka4|jmx-exporter|pause) targets+=("$a") ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(zookeeper kafka jmx-exporter pause)

MVN_REPO="$E2E_CACHE/m2"
BASE_LAYER="$IMG_CACHE/base-$BASE_VERSION/layer.tar"
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
JAVA_HOME_IMG=/usr/lib/jvm/java-17-openjdk-amd64

# recipe hash: the files that define an image (+ the builder itself) and the versions
recipe_hash() {
  (cd "$IMAGES_DIR" && { printf '%s\n' "$BASE_VERSION" "$ZK_VERSION" "$KAFKA_VERSION" "$KAFKA4_VERSION" "$PAUSE_VERSION" "$@"; find "$@" common.sh build.sh mkimage.py -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
}

# jars: mvn dependency:copy-dependencies of <name>/pom.xml (its <name>.version property set
# from e2e/versions.sh) into <dir>/lib-<hash of pom + version>
resolve_jars() { # name outdir version
  local name=$1 dir=$2 version=$3 h
  h=$({ cat "$IMAGES_DIR/$name/pom.xml"; echo "$version"; } | sha256sum | cut -c1-16)
  if [ ! -f "$dir/lib-$h/DONE" ]; then
    log "$name: resolving jars from Maven Central (pom $h)"
    rm -rf "$dir"/lib-*
    mvn -q -B -f "$IMAGES_DIR/$name/pom.xml" -Dmaven.repo.local="$MVN_REPO" "-D$name.version=$version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib-$h/jars" \
      > "$dir/mvn.log" 2>&1 || { tail -30 "$dir/mvn.log" >&2; return 1; }
    touch "$dir/lib-$h/DONE"
  fi
  echo "$dir/lib-$h/jars"
}

# /etc/passwd and /etc/group of the base plus one user (uid/gid 1000)
add_user() { # root user group home shell
  local root=$1 user=$2 group=$3 home=$4 shell=$5
  mkdir -p "$root/etc"
  tar -xOf "$BASE_LAYER" ./etc/passwd > "$root/etc/passwd"
  tar -xOf "$BASE_LAYER" ./etc/group > "$root/etc/group"
  echo "$group:x:1000:" >> "$root/etc/group"
  echo "$user:x:1000:1000::$home:$shell" >> "$root/etc/passwd"
  chmod 644 "$root/etc/passwd" "$root/etc/group"
}

pack_layer() { # root out
  tar --numeric-owner --sort=name --mtime=@0 -C "$1" -cf "$2.tmp" . && mv "$2.tmp" "$2"
}

assemble() { # name dir tag spec layers...
  local name=$1 dir=$2 tag=$3 spec=$4; shift 4
  python3 "$IMAGES_DIR/mkimage.py" --tag "$tag" --spec "$spec" --out "$dir/image.tar" "$@" > "$dir/image.id"
  log "$name: $tag $(cat "$dir/image.id") ($(du -h "$dir/image.tar" | cut -f1))"
}

build_zookeeper() {
  local dir="$IMG_CACHE/zookeeper-$ZK_VERSION" h jars root dist="apache-zookeeper-$ZK_VERSION-bin"
  mkdir -p "$dir"; h=$(recipe_hash zookeeper)
  if [ -f "$dir/image.tar" ] && [ "$(cat "$dir/RECIPE" 2>/dev/null)" = "$h" ]; then
    log "zookeeper: cached ($dir/image.tar)"; return 0
  fi
  jars=$(resolve_jars zookeeper "$dir" "$ZK_VERSION")
  root="$dir/root"; rm -rf "$root"; mkdir -p "$root/$dist"/{bin,lib,conf} "$root"/{conf,data,datalog,logs,docker-entrypoint.d}
  install -m 755 "$IMAGES_DIR/zookeeper/bin/"*.sh "$root/$dist/bin/"
  cp "$jars"/*.jar "$root/$dist/lib/"
  install -m 644 "$IMAGES_DIR/zookeeper/conf/"* "$root/conf/"
  install -m 755 "$IMAGES_DIR/zookeeper/docker-entrypoint.sh" "$root/docker-entrypoint.sh"
  add_user "$root" zookeeper zookeeper /home/zookeeper /bin/sh
  chown -R 1000:1000 "$root/$dist" "$root"/{conf,data,datalog,logs}
  pack_layer "$root" "$dir/layer.tar"; rm -rf "$root"
  cat > "$dir/spec.json" <<JSON
{
  "Env": ["PATH=$STD_PATH:/$dist/bin", "JAVA_HOME=$JAVA_HOME_IMG",
          "ZOO_CONF_DIR=/conf", "ZOO_DATA_DIR=/data", "ZOO_DATA_LOG_DIR=/datalog", "ZOO_LOG_DIR=/logs",
          "ZOO_TICK_TIME=2000", "ZOO_INIT_LIMIT=5", "ZOO_SYNC_LIMIT=2",
          "ZOO_AUTOPURGE_PURGEINTERVAL=0", "ZOO_AUTOPURGE_SNAPRETAINCOUNT=3", "ZOO_MAX_CLIENT_CNXNS=60",
          "ZOO_STANDALONE_ENABLED=true", "ZOO_ADMINSERVER_ENABLED=true", "ZOOCFGDIR=/conf"],
  "Entrypoint": ["/docker-entrypoint.sh"],
  "Cmd": ["zkServer.sh", "start-foreground"],
  "WorkingDir": "/$dist",
  "ExposedPorts": {"2181/tcp": {}, "2888/tcp": {}, "3888/tcp": {}, "8080/tcp": {}},
  "Volumes": {"/data": {}, "/datalog": {}, "/logs": {}},
  "Labels": {"org.opencontainers.image.title": "zookeeper (e2e)", "org.opencontainers.image.version": "$ZK_VERSION"}
}
JSON
  assemble zookeeper "$dir" "$ZK_IMAGE" "$dir/spec.json" "$BASE_LAYER" "$dir/layer.tar"
  echo "$h" > "$dir/RECIPE"
}

# build_kafka SRC VERSION TAG: the Kafka image from e2e/images/SRC (kafka: 3.9, kafka4: 4.x),
# laid out as apache/kafka is (/opt/kafka, appuser 1000).
build_kafka() {
  local src=$1 version=$2 tag=$3 dir h jars root f
  dir="$IMG_CACHE/kafka-$version"
  mkdir -p "$dir"; h=$(recipe_hash "$src")
  if [ -f "$dir/image.tar" ] && [ "$(cat "$dir/RECIPE" 2>/dev/null)" = "$h" ]; then
    log "$src: cached ($dir/image.tar)"; return 0
  fi
  jars=$(resolve_jars "$src" "$dir" "$version")
  root="$dir/root"; rm -rf "$root"
  mkdir -p "$root/opt/kafka"/{bin,libs,config} "$root/var/lib/kafka/data" "$root/etc/kafka/secrets" \
           "$root/etc/kafka/docker" "$root/usr/logs" "$root/mnt/shared/config" "$root/home/appuser"
  install -m 755 "$IMAGES_DIR/$src/bin/"*.sh "$root/opt/kafka/bin/"
  cp "$jars"/*.jar "$root/opt/kafka/libs/"
  install -m 644 "$IMAGES_DIR/$src/config/"* "$root/opt/kafka/config/"
  for f in log4j.properties tools-log4j.properties log4j2.yaml tools-log4j2.yaml server.properties; do
    if [ -f "$root/opt/kafka/config/$f" ]; then cp "$root/opt/kafka/config/$f" "$root/etc/kafka/docker/"; fi
  done
  install -m 755 "$IMAGES_DIR/$src/run" "$root/etc/kafka/docker/run"
  add_user "$root" appuser appuser /home/appuser /bin/bash
  chown -R 1000:1000 "$root/opt/kafka" "$root/usr/logs" "$root/mnt/shared/config" "$root/home/appuser" "$root/etc/kafka/docker"
  chown -R 1000:0 "$root/var/lib/kafka" "$root/etc/kafka/secrets" "$root/etc/kafka"
  chmod -R ug+w "$root/etc/kafka" "$root/var/lib/kafka"
  pack_layer "$root" "$dir/layer.tar"; rm -rf "$root"
  cat > "$dir/spec.json" <<JSON
{
  "Env": ["PATH=$STD_PATH", "JAVA_HOME=$JAVA_HOME_IMG"],
  "Cmd": ["/etc/kafka/docker/run"],
  "User": "appuser",
  "ExposedPorts": {"9092/tcp": {}},
  "Volumes": {"/etc/kafka/secrets": {}, "/var/lib/kafka/data": {}, "/mnt/shared/config": {}},
  "Labels": {"org.opencontainers.image.title": "kafka (e2e)", "org.opencontainers.image.version": "$version"}
}
JSON
  assemble "$src" "$dir" "$tag" "$dir/spec.json" "$BASE_LAYER" "$dir/layer.tar"
  echo "$h" > "$dir/RECIPE"
}

# The kafka chart's metrics.jmx.image: the base (it has cp, which the chart's init container
# runs) and the javaagent jar at /opt/jmx-exporter/ (e2e/cluster/values-local-images.yaml
# gives that path as metrics.jmx.image.jarPath).
build_jmx_exporter() {
  local dir="$IMG_CACHE/jmx-exporter-$JMX_EXPORTER_VERSION" h jars root
  mkdir -p "$dir"; h="$(recipe_hash jmx-exporter)-$JMX_EXPORTER_VERSION"
  if [ -f "$dir/image.tar" ] && [ "$(cat "$dir/RECIPE" 2>/dev/null)" = "$h" ]; then
    log "jmx-exporter: cached ($dir/image.tar)"; return 0
  fi
  jars=$(resolve_jars jmx-exporter "$dir" "$JMX_EXPORTER_VERSION")
  root="$dir/root"; rm -rf "$root"; mkdir -p "$root/opt/jmx-exporter"
  install -m 644 "$jars/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar" \
    "$root/opt/jmx-exporter/jmx_prometheus_javaagent.jar"
  pack_layer "$root" "$dir/layer.tar"; rm -rf "$root"
  cat > "$dir/spec.json" <<JSON
{
  "Env": ["PATH=$STD_PATH"],
  "Cmd": ["ls", "-l", "/opt/jmx-exporter"],
  "User": "1000:1000",
  "Labels": {"org.opencontainers.image.title": "jmx-exporter javaagent (e2e)", "org.opencontainers.image.version": "$JMX_EXPORTER_VERSION"}
}
JSON
  assemble jmx-exporter "$dir" "$JMX_EXPORTER_IMAGE" "$dir/spec.json" "$BASE_LAYER" "$dir/layer.tar"
  echo "$h" > "$dir/RECIPE"
}

build_pause() {
  local dir="$IMG_CACHE/pause-$PAUSE_VERSION" h root bin
  mkdir -p "$dir"; h=$(recipe_hash pause)
  if [ -f "$dir/image.tar" ] && [ "$(cat "$dir/RECIPE" 2>/dev/null)" = "$h" ]; then
    log "pause: cached ($dir/image.tar)"; return 0
  fi
  bin=$(command -v catatonit || true)
  if [ -z "$bin" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q catatonit >/dev/null; bin=$(command -v catatonit)
  fi
  file -L "$bin" 2>/dev/null | grep -q 'statically linked' || { echo "pause: $bin is not static" >&2; return 1; }
  root="$dir/root"; rm -rf "$root"; mkdir -p "$root"
  install -m 755 "$bin" "$root/pause"
  pack_layer "$root" "$dir/layer.tar"; rm -rf "$root"
  # catatonit -P: pause mode (sleeps, reaps nothing, exits on SIGTERM/SIGINT), like k8s' /pause
  cp "$IMAGES_DIR/pause/spec.json" "$dir/spec.json"
  assemble pause "$dir" "$PAUSE_IMAGE" "$dir/spec.json" "$dir/layer.tar"
  echo "$h" > "$dir/RECIPE"
}

# config digest of an image already in containerd, or nothing
imported_id() { # tag
  local mdigest
  mdigest=$(ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" images ls "name==$1" 2>/dev/null | awk 'NR>1{print $3}')
  [ -n "$mdigest" ] || return 0
  ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" content get "$mdigest" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])' 2>/dev/null || true
}

import_image() { # name tag
  local dir="$IMG_CACHE/$1" tag=$2 want have
  want=$(cat "$dir/image.id"); have=$(imported_id "$tag")
  if [ "$want" = "$have" ]; then log "$tag: already in containerd ($want)"; digest_ref "$1" "$tag"; return 0; fi
  log "$tag: importing into containerd ($CTR_NS)"
  ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" images import "$dir/image.tar" >"$dir/import.log" 2>&1 \
    || { cat "$dir/import.log" >&2; return 1; }
  have=$(imported_id "$tag")
  [ "$want" = "$have" ] || { echo "$tag: imported config $have != built $want" >&2; return 1; }
  digest_ref "$1" "$tag"
}

# also name the image <repo>@<manifest digest>, so a chart's image.digest resolves locally
# (docker-archive imports carry no registry digest); the digest is kept in <dir>/manifest.digest
digest_ref() { # name tag
  local dir="$IMG_CACHE/$1" tag=$2 md
  md=$(ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" images ls "name==$tag" 2>/dev/null | awk 'NR>1{print $3}')
  [ -n "$md" ] || return 0
  echo "$md" > "$dir/manifest.digest"
  ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" images ls -q | grep -qx "${tag%:*}@$md" \
    || ctr -a "$CONTAINERD_SOCK" -n "$CTR_NS" images tag --force "$tag" "${tag%:*}@$md" >/dev/null
}

ensure_cmds mvn:maven java:openjdk-17-jdk-headless python3:python3 file:file catatonit:catatonit debootstrap:debootstrap
mkdir -p "$IMG_CACHE"
for t in "${targets[@]}"; do
  case "$t" in
    base) "$IMAGES_DIR/base.sh" ;;
    zookeeper) "$IMAGES_DIR/base.sh"; build_zookeeper ;;
    kafka) "$IMAGES_DIR/base.sh"; build_kafka kafka "$KAFKA_VERSION" "$KAFKA_IMAGE" ;;
    kafka4) "$IMAGES_DIR/base.sh"; build_kafka kafka4 "$KAFKA4_VERSION" "$KAFKA4_IMAGE" ;;
    jmx-exporter) "$IMAGES_DIR/base.sh"; build_jmx_exporter ;;
    pause) build_pause ;;
  esac
done

if [ "$DO_IMPORT" = yes ] || { [ "$DO_IMPORT" = auto ] && [ -S "$CONTAINERD_SOCK" ]; }; then
  for t in "${targets[@]}"; do
    case "$t" in
      zookeeper) import_image "zookeeper-$ZK_VERSION" "$ZK_IMAGE" ;;
      kafka) import_image "kafka-$KAFKA_VERSION" "$KAFKA_IMAGE" ;;
      kafka4) import_image "kafka-$KAFKA4_VERSION" "$KAFKA4_IMAGE" ;;
      jmx-exporter) import_image "jmx-exporter-$JMX_EXPORTER_VERSION" "$JMX_EXPORTER_IMAGE" ;;
      pause) import_image "pause-$PAUSE_VERSION" "$PAUSE_IMAGE" ;;
    esac
  done
elif [ "$DO_IMPORT" = no ]; then
  log "--no-import: built only"
else
  log "containerd socket $CONTAINERD_SOCK not present: built only (run e2e/runtime/start-containerd.sh, then build.sh again to import)"
fi
