"""e2e/cluster/lib.sh, the process bookkeeping of the e2e cluster, run outside a cluster."""

import shutil
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "e2e" / "cluster" / "lib.sh"


def test_a_process_slow_to_exec_counts_as_alive(tmp_path: Path) -> None:
    # On a fresh machine the first start of the just-built kube-apiserver failed: "exited
    # while waiting for kube-apiserver /readyz" 0 s after the start, while the server ran.
    # start_proc returned before the forked shell had exec'd setsid and setsid the binary,
    # and pid_alive (wait_for calls it at once) read the shell as /proc/<pid>/exe. A setsid
    # that takes 0.3 s to exec stands in for the cold exec.
    real_setsid = shutil.which("setsid")
    assert real_setsid
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    slow = bin_dir / "setsid"
    slow.write_text(f'#!/bin/sh\nsleep 0.3\nexec {real_setsid} "$@"\n')
    slow.chmod(0o755)
    script = f"""
set -euo pipefail
export E2E_LOCK_HELD=1 E2E_RUN_DIR={tmp_path}/run PATH={bin_dir}:$PATH
source {LIB}
start_proc slow /bin/sleep 30
pid_alive slow || {{ echo "not alive right after start_proc"; exit 1; }}
read -r pid exe < "$PIDS/slow.pid"
[ "$exe" = "$(readlink -f /bin/sleep)" ] || {{ echo "recorded $exe"; exit 1; }}
kill "$pid"
"""
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


RUN_SH = LIB.parents[1] / "run.sh"


def _host_tools(tmp_path: Path, present: list[str],
                netpol: str) -> subprocess.CompletedProcess[str]:
    """e2e/run.sh's host_tools function, run alone with a PATH of stubs only: ``present``
    and an apt-get that "installs" a tool by creating its stub."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in present:
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n'
                   'for a in "$@"; do case "$a" in -*|install|update) ;; '
                   f'*) printf "#!/bin/sh\\n" > {bin_dir}/$a; '
                   f'/bin/chmod +x {bin_dir}/$a;; esac; done\n')
    apt.chmod(0o755)
    function = subprocess.run(["sed", "-n", "/^host_tools() {/,/^}/p", str(RUN_SH)],
                              capture_output=True, text=True, check=True).stdout
    assert function, "e2e/run.sh has no host_tools function"
    script = f'say() {{ echo "$*"; }}\nE2E_NETPOL={netpol}\n{function}\nhost_tools\n'
    return subprocess.run(["/bin/bash", "-c", script], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)}, timeout=30)


def test_host_tools_installs_what_stage_2_lacks_before_the_builds(tmp_path: Path) -> None:
    # A fresh machine built for 20-30 min, then failed 'cluster up' on the missing ipset.
    result = _host_tools(tmp_path, present=[], netpol="kube-router")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "install -y -q ipset kcat" in (tmp_path / "apt.log").read_text()
    steps = [line.split('" ')[-1] for line in RUN_SH.read_text().splitlines()
             if line.startswith("must ")]
    assert steps.index("host_tools") < steps.index("build_all"), steps


def test_host_tools_leaves_ipset_out_without_kube_router(tmp_path: Path) -> None:
    result = _host_tools(tmp_path, present=["kcat"], netpol="none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "apt.log").exists()


def test_host_tools_asks_for_nothing_when_all_is_there(tmp_path: Path) -> None:
    result = _host_tools(tmp_path, present=["ipset", "kcat"], netpol="kube-router")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "apt.log").exists()


def _lib(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    full = (f"set -euo pipefail\nexport E2E_LOCK_HELD=1 E2E_RUN_DIR={tmp_path}/run {exports}\n"
            f"source {LIB}\n{script}")
    return subprocess.run(["bash", "-c", full], capture_output=True, text=True, timeout=60)


def test_nodes_are_named_addressed_and_zoned_one_by_one(tmp_path: Path) -> None:
    result = _lib('for i in 1 2 3; do echo "e2e-n$i $(node_ip $i) $(node_subnet $i) '
                  '$(node_zone $i)"; done; node_names | tr "\\n" " "; echo; echo "$E2E_DNS_IP"',
                  tmp_path, E2E_NODES="3", E2E_NETPOL="none")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "e2e-n1 10.213.0.11 10.244.1.0/24 a",
        "e2e-n2 10.213.0.12 10.244.2.0/24 b",
        "e2e-n3 10.213.0.13 10.244.3.0/24 c",
        "e2e-n1 e2e-n2 e2e-n3 ",
        "10.213.0.1",  # CoreDNS on the nodes' bridge, not on the single node's address
    ]


def test_single_node_keeps_its_address_for_dns(tmp_path: Path) -> None:
    result = _lib('echo "$E2E_NODES $E2E_DNS_IP $E2E_NETPOL"', tmp_path)
    assert result.stdout.strip() == "1 10.213.0.10 kube-router", result.stderr


def test_a_bad_node_count_or_kube_router_on_many_nodes_is_refused(tmp_path: Path) -> None:
    bad = _lib("true", tmp_path, E2E_NODES="0")
    assert bad.returncode == 2 and "E2E_NODES must be a number of nodes" in bad.stderr
    many = _lib("true", tmp_path, E2E_NODES="3", E2E_NETPOL="kube-router")
    assert many.returncode == 2 and "not supported with E2E_NODES=3" in many.stderr
    # not asked for: a multi-node cluster runs without an enforcer
    default = _lib('echo "$E2E_NETPOL"', tmp_path, E2E_NODES="3")
    assert default.stdout.strip() == "none", default.stderr


LEFTOVERS = LIB.parent / "leftovers.sh"


def test_leftovers_finds_a_node_namespace_and_passes_once_it_is_gone(tmp_path: Path) -> None:
    import os

    import pytest

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 (network namespaces)")
    env = {**os.environ, "E2E_LOCK_HELD": "1", "E2E_RUN_DIR": str(tmp_path / "run")}
    clean = subprocess.run(["bash", str(LEFTOVERS)], capture_output=True, text=True, env=env,
                           timeout=60)
    if clean.returncode != 0:
        pytest.skip(f"an e2e cluster (or its leftovers) is on this machine: {clean.stderr}")
    ns = "e2e-n9"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        found = subprocess.run(["bash", str(LEFTOVERS)], capture_output=True, text=True,
                               env=env, timeout=60)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)
    assert found.returncode == 1 and f"network namespace {ns}" in found.stderr, found.stderr
    again = subprocess.run(["bash", str(LEFTOVERS)], capture_output=True, text=True, env=env,
                           timeout=60)
    assert again.returncode == 0, again.stderr


def test_the_step_watchdog_does_not_hold_the_e2e_lock(tmp_path: Path) -> None:
    # A step's watchdog ("sleep <limit>") was seen alive after its run ended, reparented to
    # init and still holding the driver's lock (fd 9): the next run waited on
    # /tmp/stack-e2e/cluster.lock for the rest of the limit. The watchdog closes fd 9, so a
    # straggler cannot. step() is taken from run.sh as it is.
    text = RUN_SH.read_text()
    start = text.index("step() {")
    body = text[start:text.index("\n}\n", start) + 3]
    lock = tmp_path / "lock"
    script = f"""
set -m
exec 9>{lock}
say() {{ :; }}
declare -a STEP_NAMES=() STEP_SECS=() STEP_RESULTS=()
FAILED=0 LAST_RC=0 STEP_PID=""
{body}
watch() {{
  sleep 1
  for p in $(pgrep -x sleep); do
    if [ "$(tr '\\0' ' ' < /proc/$p/cmdline)" = "sleep 777 " ] &&
        ls -l /proc/$p/fd | grep -q {lock}; then
      echo "the watchdog $p holds the lock"; exit 1
    fi
  done
  pgrep -fx "sleep 777" >/dev/null || {{ echo "no watchdog found"; exit 1; }}
}}
step 777 "watched" watch
exit "$LAST_RC"
"""
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
