#!/bin/bash
# zk-4lw.sh WORD [HOST] [PORT]: send a ZooKeeper four-letter word and print the answer.
# Uses bash's /dev/tcp only (no nc in the image is needed). ZooKeeper closes the connection
# after answering, so the answer is everything read until end of file.
# HOST defaults to 127.0.0.1, PORT to $ZK_CLIENT_PORT (2181); ZK_4LW_TIMEOUT (seconds,
# default 5) bounds the wait for the answer.
set -euo pipefail

word="${1:?usage: zk-4lw.sh WORD [HOST] [PORT]}"
host="${2:-127.0.0.1}"
port="${3:-${ZK_CLIENT_PORT:-2181}}"
timeout="${ZK_4LW_TIMEOUT:-5}"

if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "zk-4lw.sh: cannot connect to $host:$port" >&2
  exit 1
fi
printf '%s' "$word" >&3

# read -d '' reads up to end of file: status 1 there (expected), above 128 on timeout.
status=0
IFS= read -r -d '' -t "$timeout" -u 3 answer || status=$?
exec 3<&-
if ((status > 128)); then
  echo "zk-4lw.sh: no answer to '$word' from $host:$port within ${timeout}s" >&2
  exit 1
fi
printf '%s\n' "$answer"
