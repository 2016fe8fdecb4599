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


# An analyst in plain DuckDB, attached as the README shows, leaves a result unread: DuckDB keeps that
# read (and its catalog transaction) open until the next statement. Then a run loads.
IDLE_READER = """
import sys, time
from pathlib import Path
import duckdb
from kabar.warehouse.db import load_extension
db, stop, out = sys.argv[1:4]
con = duckdb.connect()
for name in ("ducklake", "sqlite"):
    load_extension(con, name)  # installs from the pinned wheels, as `LOAD ducklake; LOAD sqlite_scanner`
con.execute(f"ATTACH 'ducklake:sqlite:{db}' AS kabar (READ_ONLY)")
before = con.execute("SELECT count(*) FROM kabar.fetches").fetchone()[0]
con.execute("SELECT url FROM kabar.fetches").fetchone()  # the rest of the rows left unread
Path(out + ".ready").write_text("1")
deadline = time.monotonic() + 300
while not Path(stop).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
after = con.execute("SELECT count(*) FROM kabar.fetches").fetchone()[0]
Path(out).write_text(f"{before} {after}")
"""


def test_a_reader_leaving_a_result_unread_never_holds_up_a_run(prefect_api, tmp_path):
    from kabar.flows.ingest import ingest

    db, stop, out = tmp_path / "w.duckdb", tmp_path / "stop", tmp_path / "reads.txt"
    with serve(mirror_of("tempo")) as mirror:
        run = dict(site="tempo", base_url=mirror.base_url, warehouse=str(db), batch_size=5, delay=0.0)
        ingest(archive=str(tmp_path / "a1"), max_pages=5, **run)  # something to read; the rest next run
        reader = subprocess.Popen([sys.executable, "-c", IDLE_READER, str(db), str(stop), str(out)])
        try:
            _wait_for(out.with_name(out.name + ".ready"))
            counts = ingest(archive=str(tmp_path / "a1"), **run)
        finally:
            stop.write_text("stop")
            reader.wait(timeout=60)
    before, after = map(int, out.read_text().split())
    assert counts["pages_fetched"] > 0 and after > before > 0  # the run's fetches, seen once it closed
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall() == [
            ("completed", 2)
        ]
        assert con.execute("SELECT count(DISTINCT run_id) FROM fetches").fetchone()[0] == 2


def test_reads_under_small_commits_each_see_one_whole_commit(capsys):
    """Many small DELETE + INSERT commits (the count never changes) while a reader process counts every
    20 ms: a query that read two commits' catalogs (before readers had links of their own: 36 of 788
    reads at 150 commits) counts something else."""
    from bench import torn_reads

    assert torn_reads.main(["--rounds", "80"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reads"] > 40 and report["commits_seen"] > 15  # the reader read while the writer wrote
    assert report["reads_off_a_commit"] == 0, report["examples"]
