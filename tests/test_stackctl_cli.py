"""No tracebacks: OS errors, closed pipes and bugs end in one clear line and an exit code;
duplicate keys in a values file are refused naming both lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli
from stackctl import cli, outdir

ENV = "charts/stack/environments/prod.yaml"


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, root, *args)


# --- duplicate keys ---------------------------------------------------------------------

@pytest.mark.parametrize("command", ["render", "validate"])
def test_duplicate_key_names_both_lines(mini_repo: Path, capsys, command: str) -> None:
    (mini_repo / ENV).write_text(
        "team: x\nalpha:\n  replicaCount: 3\n  ports: [1]\n  replicaCount: 5\n")
    extra = ["--kube-versions", "1.35"] if command == "validate" else []
    code, _, err = run(capsys, mini_repo, command, "--env", "prod", *extra)
    assert code == 1
    assert f"{ENV}:5: alpha.replicaCount: duplicate key (first at line 3)" in err.splitlines()


def test_second_top_level_block_is_a_duplicate(mini_repo: Path, tmp_path: Path,
                                               capsys) -> None:
    extra = tmp_path / "x.yaml"
    extra.write_text("alpha:\n  replicaCount: 3\nbeta: {}\nalpha:\n  note: x\n")
    code, _, err = run(capsys, mini_repo, "render", "-f", str(extra))
    assert code == 1
    assert err.splitlines() == [f"{extra}:4: alpha: duplicate key (first at line 1)"]


def test_equal_keys_in_different_maps_are_fine(mini_repo: Path, tmp_path: Path,
                                               capsys) -> None:
    extra = tmp_path / "x.yaml"
    extra.write_text("alpha:\n  image:\n    tag: '1'\n  labels:\n    tag: a\n")
    assert run(capsys, mini_repo, "render", "-f", str(extra))[0] == 0


# --- --output-dir that cannot be written --------------------------------------------------

def test_output_dir_under_a_regular_file(mini_repo: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "out"
    code, _, err = run(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(target))
    assert code == 1
    assert err.strip() == f"stackctl: {target}: {tmp_path / 'file'} is not a directory"
    assert (tmp_path / "file").read_text() == "x"


def test_output_dir_in_proc(mini_repo: Path, capsys) -> None:
    code, _, err = run(capsys, mini_repo, "render", "--output-dir", "/proc/stackctl-x")
    assert code == 1
    assert err.startswith("stackctl: /proc/stackctl-x: ")


def test_unwritable_output_dir_leaves_nothing_behind(mini_repo: Path, tmp_path: Path,
                                                     capsys, monkeypatch) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).parent == parent:  # root ignores chmod 555: fail the way the OS would
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(outdir.os, "replace", replace)
    code, _, err = run(capsys, mini_repo, "render", "--output-dir", str(parent / "out"))
    assert code == 1
    assert err.strip() == f"stackctl: {parent / 'out'}: Permission denied"
    assert list(parent.iterdir()) == []


def test_failed_swap_keeps_the_previous_output(mini_repo: Path, tmp_path: Path, capsys,
                                               monkeypatch) -> None:
    out = tmp_path / "out"
    assert run(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(out))[0] == 0
    before = sorted(p.name for p in out.iterdir())
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == out and Path(src).name.startswith(".out."):  # the staging dir
            raise OSError(30, "Read-only file system", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(outdir.os, "replace", replace)
    code, _, err = run(capsys, mini_repo, "render", "--env", "dev", "--output-dir", str(out))
    assert (code, err.strip()) == (1, f"stackctl: {out}: Read-only file system")
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name != "repo"] == ["out"]


# --- closed stdout and internal errors ------------------------------------------------------

@pytest.mark.parametrize("args", [["render", "--env", "prod"],
                                  ["diff", "--env", "dev", "--env", "prod"]])
def test_closed_stdout_ends_quietly_with_141(mini_repo: Path, args: list[str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "stackctl.cli", "--root", str(mini_repo),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -1` exiting before stackctl writes
    err = proc.stderr.read().decode()
    assert proc.wait() == cli.EXIT_BROKEN_PIPE
    assert err == ""


def test_unexpected_exception_is_an_internal_error_not_a_traceback(
        mini_repo: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    from stackctl import commands

    def boom(*_args: object, **_kwargs: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(commands, "render", boom)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, _, err = run(capsys, mini_repo, "render")
    assert code == cli.EXIT_INTERNAL
    log = tmp_path / "cache/stackctl/internal-error.log"
    assert err.splitlines() == [
        "stackctl: internal error: ZeroDivisionError: division by zero",
        f"stackctl: this is a bug in stackctl; the traceback is in {log}; please report it "
        "with the command you ran"]
    assert "ZeroDivisionError" in log.read_text()


def test_output_dir_gets_the_umask_mode_not_mkdtemps_0700(mini_repo: Path, tmp_path: Path,
                                                          capsys) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "out"
        assert run(capsys, mini_repo, "render", "--output-dir", str(out))[0] == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755


def test_output_dir_writes_secrets_for_the_user_alone(mini_repo: Path, tmp_path: Path,
                                                      capsys) -> None:
    (mini_repo / "charts/beta/templates/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: beta-auth\n"
        "stringData:\n  password: hunter2\n")
    target = tmp_path / "out"
    code, _, _ = run(capsys, mini_repo, "render", "--env", "prod", "--output-dir", str(target))
    assert code == 0
    modes = {p.name: p.stat().st_mode & 0o777 for p in target.glob("*.yaml")}
    assert modes.pop("secret-beta-auth.yaml") == 0o600
    assert modes and all(mode & 0o044 for mode in modes.values())  # the rest: as the umask says
