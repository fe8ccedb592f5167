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
