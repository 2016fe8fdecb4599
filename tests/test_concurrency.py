"""Reads and loads never block each other: an analyst's process keeps one read-only connection open
across three runs and the daily maintenance (compaction, snapshot expiry) and queries every 0.2 s; no
read fails, no run fails, and every read sees whole batches (a fetch recorded as an article always with
its article's URL row, written in the same batch)."""

import json
import subprocess
import sys
import time

import pytest

from kabar.mirror import serve
from kabar.warehouse.db import connect
from tests.conftest import mirror_of

pytestmark = pytest.mark.e2e

# Runs in its own process: one connection, a query every 0.2 s until the stop file appears (or 300 s).
READER = """
import json, sys, time
from pathlib import Path
from kabar.warehouse.db import connect
db, stop, out = sys.argv[1:4]
con = connect(db, read_only=True)
reads, failures, torn, counts = 0, [], 0, []
deadline = time.monotonic() + 300
Path(out + ".ready").write_text("1")
while not Path(stop).exists() and time.monotonic() < deadline:
    try:
        articles, orphans = con.execute(
            "SELECT (SELECT count(*) FROM articles),"
            " (SELECT count(*) FROM fetches f WHERE f.outcome = 'article'"
            "  AND NOT EXISTS (SELECT 1 FROM article_urls u WHERE u.url = f.url))"
        ).fetchone()
        reads += 1
        torn += orphans > 0
        counts.append(articles)
    except Exception as error:
        failures.append(f"{type(error).__name__}: {error}")
    time.sleep(0.2)
Path(out).write_text(json.dumps({"reads": reads, "failures": failures, "torn": torn, "counts": counts}))
"""


def test_a_reader_holding_a_connection_never_blocks_three_runs(prefect_api, tmp_path):
    from kabar.flows.ingest import ingest
    from kabar.flows.maintenance import maintenance

    db, stop, out = tmp_path / "w.duckdb", tmp_path / "stop", tmp_path / "reads.json"
    connect(db).close()  # the warehouse exists before the analyst opens it
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), str(out)])
    try:
        _wait_for(out.with_name(out.name + ".ready"))
        counts = []
        with serve(mirror_of("tempo")) as mirror:
            for archive in ("a1", "a2", "a3"):  # a fresh archive: every run fetches and loads again
                if archive == "a3":  # the maintenance deployment's work, while the analyst reads
                    maintenance(warehouse=str(db), archive=str(tmp_path / "a2"), keep_days=0.0)
                counts.append(
                    ingest(
                        site="tempo",
                        base_url=mirror.base_url,
                        warehouse=str(db),
                        archive=str(tmp_path / archive),
                        batch_size=5,
                        delay=0.0,
                    )
                )
    finally:
        stop.write_text("stop")
        reader.wait(timeout=60)
    reads = json.loads(out.read_text())
    assert reads["failures"] == [] and reads["torn"] == 0
    assert reads["reads"] >= 10 and reads["counts"] == sorted(reads["counts"])  # never a step back
    assert counts[0]["articles_new"] > 0
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT DISTINCT status FROM crawl_runs").fetchall() == [("completed",)]


def _wait_for(path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the reader never started"
        time.sleep(0.1)
