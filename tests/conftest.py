"""Shared fixtures: the bundled mirrors served over real HTTP, and a real Prefect API (test harness)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

MIRRORS = Path(__file__).parent / "fixtures" / "sites"
CORPUS = Path(os.environ.get("KABAR_CORPUS", Path(__file__).parents[2] / "shared" / "corpus"))


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A temporary Prefect server for the whole session (~6 s once, then ~1 s per flow call)."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    results = tmp_path_factory.mktemp("prefect-results")
    with temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(results)}), prefect_test_harness():
        yield


@pytest.fixture
def tempo_mirror():
    from kabar.mirror import serve

    with serve(MIRRORS / "tempo") as mirror:
        yield mirror
