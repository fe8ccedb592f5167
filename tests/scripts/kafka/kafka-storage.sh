#!/bin/bash
# Stand-in for /opt/kafka/bin/kafka-storage.sh format: records each call in
# $FAKE_STORAGE_CALLS and writes meta.properties into log.dirs as the real tool does.
echo "$*" >>"$FAKE_STORAGE_CALLS"
config="" cluster=""
while (($#)); do
  case "$1" in
    --config) config=$2; shift ;;
    --cluster-id) cluster=$2; shift ;;
    --cluster-id=*) cluster=${1#--cluster-id=} ;;
  esac
  shift
done
dir=$(sed -n 's/^log.dirs=//p' "$config" | tail -n 1)
id=$(sed -n 's/^node.id=//p' "$config" | tail -n 1)
mkdir -p "$dir"
printf 'version=1\nnode.id=%s\ncluster.id=%s\n' "$id" "$cluster" >"$dir/meta.properties"
echo "Formatting metadata directory $dir"
