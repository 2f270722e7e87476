"""Shared fixtures: paths to the seeds and the test pages, and a built seed index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run and keep no database of past failures:
# a run passes or fails for its sources alone, never for a random draw or an earlier run.
settings.register_profile("winnow", derandomize=True, database=None)
settings.load_profile("winnow")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PAGES = Path(__file__).resolve().parent / "pages"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """A seed index built once per session: (sources folder, index folder)."""
    from pipeline.ingest import build_index

    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(SEEDS, index_dir)
    return index_dir


@pytest.fixture()
def sources_copy(tmp_path) -> Path:
    """A private copy of the seeds that a test may change."""
    target = tmp_path / "sources"
    shutil.copytree(SEEDS, target)
    return target
