"""Shared test fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``hybrid`` console entry point in a fresh interpreter."""
    cmd = [sys.executable, "-c", "from hybrid_workbench.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def gset_dir() -> Path:
    from hybrid_workbench.data import data_dir

    folder = data_dir("gset")
    if folder is None:
        pytest.skip("shared G-set data not found (set HYBRID_DATA_DIR)")
    return folder
