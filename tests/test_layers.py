"""The structure holds: the layers of DESIGN.md as an import-linter contract, and
every module imports on Windows and macOS (no POSIX-only import at module level)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)} | ({"PYTHONPATH": str(pythonpath)} if pythonpath else {})
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_layers_contract_is_kept():
    r = lint_imports(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 2 kept, 0 broken." in r.stdout


@pytest.mark.parametrize("module, upward", [
    ("index/saved.py", "from photofs.views import by_similar"),   # index reaching up into views
    ("jobs/sort_io.py", "from photofs.vfs.tree import MountState"),  # a job using a VFS internal
    ("commands.py", "from photofs.cli import main"),               # the cycle cli <-> commands
])
def test_an_arrow_that_runs_back_up_breaks_it(tmp_path, module, upward):
    shutil.copytree(ROOT / "photofs", tmp_path / "photofs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "photofs" / module, "a") as f:
        f.write(f"\n{upward}  # noqa\n")
    r = lint_imports(tmp_path, pythonpath=tmp_path)
    assert r.returncode == 1 and "BROKEN" in r.stdout, r.stdout + r.stderr
    assert upward.split()[1] in r.stdout  # names the offending import


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_every_module_imports_on_windows_and_macos(platform):
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "import_everywhere.py"), platform],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    failed = json.loads(r.stdout)
    # The native WinFsp adapter needs winfspy, which only photofs[windows] installs; it says so.
    if "photofs.adapters.winfsp" in failed:
        assert "winfspy" in failed.pop("photofs.adapters.winfsp")
    assert failed == {}


def test_the_check_catches_a_posix_only_import(tmp_path):
    shutil.copytree(ROOT / "photofs", tmp_path / "photofs", ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "photofs" / "jobs" / "week.py", "a") as f:
        f.write("\nimport fcntl  # noqa\n")
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "import_everywhere.py"), "win32"], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    failed = json.loads(r.stdout)
    assert "fcntl" in failed["photofs.jobs.week"]
