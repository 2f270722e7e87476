"""What a plain `pip install .` (not editable) installs: every module and data file winnow reads."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

SHIPPED = {".py", ".json", ".txt", ".tsv", ".html"}


def _files(top, under: str) -> set[str]:
    return {p.relative_to(top).as_posix() for p in (top / under).rglob("*")
            if p.is_file() and p.suffix in SHIPPED and "__pycache__" not in p.parts}


def test_a_build_of_the_package_holds_every_module_and_data_file(tmp_path):
    pytest.importorskip("setuptools")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md", "cli.py"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "pipeline", checkout / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    built = tmp_path / "built"
    # build_py is the step of a wheel build that picks the packages and their data (no network, no install).
    proc = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                           "--build-lib", str(built)], cwd=checkout, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    expected = _files(checkout, "pipeline")
    assert {"pipeline/clean/model.json", "pipeline/readers/html.py", "pipeline/web/__init__.py"} <= expected
    assert _files(built, "pipeline") == expected
    assert (built / "cli.py").is_file()
