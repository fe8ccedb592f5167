"""make setup refuses a Python older than 3.11 before creating .venv, and recreates a
.venv whose interpreter is too old or gone instead of reusing it forever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tools" / "require-python.sh"


def fake_python(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def test_check_refuses_python_3_10(tmp_path: Path) -> None:
    py = fake_python(tmp_path / "python3", "3.10.12")
    proc = subprocess.run(["sh", str(CHECK), str(py)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"make: Python >= 3.11 is required ({py} is 3.10.12); "
                                   "use PYTHON=python3.11")


def test_check_accepts_3_11_and_later(tmp_path: Path) -> None:
    for version in ("3.11.0", "3.13.1", "4.0.0"):
        py = fake_python(tmp_path / version / "python3", version)
        assert subprocess.run(["sh", str(CHECK), str(py)]).returncode == 0
    assert subprocess.run(["sh", str(CHECK), sys.executable]).returncode == 0


def test_check_refuses_a_python_that_does_not_run(tmp_path: Path) -> None:
    proc = subprocess.run(["sh", str(CHECK), str(tmp_path / "gone")], capture_output=True,
                          text=True)
    assert proc.returncode == 1
    assert f"({tmp_path / 'gone'} does not run)" in proc.stderr


def test_make_setup_with_python_3_10_creates_nothing(tmp_path: Path) -> None:
    py = fake_python(tmp_path / "bin" / "python3", "3.10.12")
    venv = tmp_path / "venv"
    proc = subprocess.run(["make", "-C", str(REPO), "setup", f"PYTHON={py}", f"VENV={venv}"],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"make: Python >= 3.11 is required ({py} is 3.10.12)" in proc.stderr
    assert not venv.exists()


def test_a_venv_made_by_python_3_10_is_recreated(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    fake_python(venv / "bin" / "python", "3.10.12")
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "setup", f"VENV={venv}",
                          f"PYTHON={sys.executable}"], capture_output=True, text=True)
    assert f"rm -rf {venv}" in dry.stdout
    assert f"{sys.executable} -m venv {venv}" in dry.stdout


def test_a_healthy_venv_is_kept(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "setup", f"VENV={venv}"],
                         capture_output=True, text=True)
    assert "rm -rf" not in dry.stdout and "-m venv" not in dry.stdout
    assert f"{venv}/bin/python -m pip install" in dry.stdout
