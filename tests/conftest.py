"""Shared fixtures: the bundled mirrors served over real HTTP, and a real Prefect API (test harness)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Prefect sets its log handlers up when prefect.main is first imported (`from prefect import flow`;
# `import prefect` alone defers it), binding sys.stderr as it is then. Imported here, that is pytest's
# stream for the whole session; imported first inside a test that captures output (capsys), it would be
# that test's stream, closed when the test ends, and every later flow of the process would fail writing
# its log ("I/O operation on closed file"): which worker meets which test first decided it.
import prefect.main  # noqa: E402, F401

CORPUS = Path(os.environ.get("KABAR_CORPUS", Path(__file__).parents[2] / "shared" / "corpus"))


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A temporary Prefect server for the whole session (~6 s once, then ~1 s per flow call)."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    results = tmp_path_factory.mktemp("prefect-results")
    with (
        temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(results)}),
        prefect_test_harness(server_startup_timeout=180),  # 30 s by default: too short on a busy machine
    ):
        yield


def mirror_of(site: str) -> Path:
    """A site's bundled mirror folder (package data of its site module)."""
    from kabar.sites import get_site

    return get_site(site).mirror


@pytest.fixture
def tempo_mirror():
    from kabar.mirror import serve

    with serve(mirror_of("tempo")) as mirror:
        yield mirror
