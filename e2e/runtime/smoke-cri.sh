#!/usr/bin/env bash
# CRI smoke test (what the kubelet will do): through the CRI socket with crictl, run a pod
# sandbox (localhost/pause + CNI bridge, pod IP from 10.244.0.0/24) and in it a
# localhost/zookeeper container with the charts' security context (uid/gid 1000,
# read-only root, capabilities dropped, no_new_privs, seccomp RuntimeDefault), then check
# `srvr` from inside the pod (127.0.0.1:2181). Also `crictl images` lists the three images.
# shellcheck disable=SC2015  # "test && ok || ko": ok only prints and counts, it never fails
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/env.sh"
"$HERE/start-containerd.sh" || exit 1
"$HERE/../images/build.sh" all || exit 1
CRICTL=("$STACK_E2E_STATE/bin/crictl" --config "$STACK_E2E_STATE/crictl.yaml")
W="$STACK_E2E_STATE/cri-smoke"
pass=0; fail=0
ok() { echo "PASS: $*"; pass=$((pass+1)); }
ko() { echo "FAIL: $*"; fail=$((fail+1)); }

cleanup() {
  for p in $("${CRICTL[@]}" pods -q --name cri-smoke-zk 2>/dev/null) $("${CRICTL[@]}" pods -q --name cri-smoke-client 2>/dev/null); do
    "${CRICTL[@]}" stopp "$p" >/dev/null 2>&1; "${CRICTL[@]}" rmp -f "$p" >/dev/null 2>&1
  done
}
cleanup; trap cleanup EXIT
rm -rf "$W"; mkdir -p "$W"/{logs,conf,data,datalog,zklogs,tmp}
printf 'tickTime=2000\ndataDir=/data\ndataLogDir=/datalog\nclientPort=2181\nadmin.enableServer=false\n' > "$W/conf/zoo.cfg"
cp "$HERE/../images/zookeeper/conf/logback.xml" "$W/conf/"
chown -R 1000:1000 "$W"/{conf,data,datalog,zklogs,tmp}

imgs=$("${CRICTL[@]}" images 2>&1)
for i in localhost/pause localhost/zookeeper localhost/kafka; do
  grep -q "^$i " <<<"$imgs" && ok "crictl images lists $i" || ko "crictl images: $i missing: $imgs"
done

cat > "$W/pod.json" <<JSON
{"metadata": {"name": "cri-smoke-zk", "namespace": "e2e-smoke", "uid": "cri-smoke-zk-uid", "attempt": 0},
 "hostname": "cri-smoke-zk", "log_directory": "$W/logs",
 "linux": {"cgroup_parent": "/stack-e2e-smoke", "security_context": {"namespace_options": {"network": 0, "pid": 1, "ipc": 0},
                                "run_as_user": {"value": 1000}, "run_as_group": {"value": 1000},
                                "supplemental_groups": [1000],
                                "seccomp": {"profile_type": 0}}}}
JSON
cat > "$W/ctr.json" <<JSON
{"metadata": {"name": "zookeeper"}, "image": {"image": "localhost/zookeeper:$ZK_VERSION"},
 "command": ["zkServer.sh", "start-foreground"], "envs": [{"key": "ZK_SERVER_HEAP", "value": "256"}],
 "log_path": "zookeeper.log",
 "mounts": [{"container_path": "/conf", "host_path": "$W/conf"},
            {"container_path": "/data", "host_path": "$W/data"},
            {"container_path": "/datalog", "host_path": "$W/datalog"},
            {"container_path": "/logs", "host_path": "$W/zklogs"},
            {"container_path": "/tmp", "host_path": "$W/tmp"}],
 "linux": {"security_context": {"run_as_user": {"value": 1000}, "run_as_group": {"value": 1000},
                                "readonly_rootfs": true, "no_new_privs": true,
                                "capabilities": {"drop_capabilities": ["ALL"]},
                                "seccomp": {"profile_type": 0}}}}
JSON
pod=$("${CRICTL[@]}" runp "$W/pod.json" 2>&1) && ok "crictl runp (sandbox $(cut -c1-13 <<<"$pod"))" || { ko "crictl runp: $pod"; echo "$pass passed, $fail failed"; exit 1; }
ip=$("${CRICTL[@]}" inspectp -o go-template --template '{{.status.network.ip}}' "$pod" 2>&1)
[[ "$ip" == 10.244.0.* ]] && ok "pod IP $ip from the CNI bridge/host-local subnet" || ko "pod IP: $ip"
simg=$("${CRICTL[@]}" inspectp "$pod" 2>/dev/null | grep -o '"sandboxImage": *"[^"]*"' | head -n1)
[ -n "$simg" ] && echo "info: $simg"
cid=$("${CRICTL[@]}" create "$pod" "$W/ctr.json" "$W/pod.json" 2>&1) && "${CRICTL[@]}" start "$cid" >/dev/null 2>&1 \
  && ok "crictl create+start zookeeper container" || ko "crictl create/start: $cid"
out=""
for _ in $(seq 1 60); do
  out=$("${CRICTL[@]}" exec "$cid" bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && cat <&3' 2>/dev/null)
  grep -q Mode <<<"$out" && break; sleep 1
done
grep -q 'Mode: standalone' <<<"$out" && ok "zookeeper in the CRI pod answers srvr: Mode: standalone" \
  || { ko "srvr in pod: '$out'"; "${CRICTL[@]}" logs "$cid" 2>&1 | tail -20; }
u=$("${CRICTL[@]}" exec "$cid" id -u 2>&1)
[ "$u" = 1000 ] && ok "container runs as uid 1000 with read-only root" || ko "uid: $u"
ro=$("${CRICTL[@]}" exec "$cid" bash -c 'touch /ro-test 2>&1 || true')
grep -qi 'read-only' <<<"$ro" && ok "root filesystem is read-only" || ko "root fs writable? '$ro'"
logs=$("${CRICTL[@]}" logs "$cid" 2>&1 | grep -c 'binding to port')
[ "$logs" -ge 1 ] && ok "crictl logs shows the server log" || ko "crictl logs empty"

# a second pod (kafka image, same security context) reaches the zookeeper pod by its pod IP
sed -e 's/cri-smoke-zk/cri-smoke-client/g' "$W/pod.json" > "$W/pod2.json"
cat > "$W/ctr2.json" <<JSON
{"metadata": {"name": "client"}, "image": {"image": "localhost/kafka:$KAFKA_VERSION"},
 "command": ["sleep", "600"], "log_path": "client.log",
 "linux": {"security_context": {"run_as_user": {"value": 1000}, "run_as_group": {"value": 1000},
                                "readonly_rootfs": true, "no_new_privs": true,
                                "capabilities": {"drop_capabilities": ["ALL"]},
                                "seccomp": {"profile_type": 0}}}}
JSON
pod2=$("${CRICTL[@]}" runp "$W/pod2.json" 2>&1) && cid2=$("${CRICTL[@]}" create "$pod2" "$W/ctr2.json" "$W/pod2.json" 2>&1) \
  && "${CRICTL[@]}" start "$cid2" >/dev/null 2>&1 || ko "second pod: $pod2 $cid2"
out=$("${CRICTL[@]}" exec "$cid2" bash -c "exec 3<>/dev/tcp/$ip/2181 && echo srvr >&3 && cat <&3" 2>&1)
grep -q 'Mode: standalone' <<<"$out" && ok "pod-to-pod over the bridge: client pod -> $ip:2181 srvr" || ko "pod-to-pod $ip:2181: '$out'"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
