"""Crash hygiene: a run killed mid-way is marked abandoned by the next start, temp files a killed
writer left in the archive are removed, and an older warehouse gains the new columns on open."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import duckdb

from kabar.archive import archive, remove_stale_temp_files
from kabar.records import Plan
from kabar.tasks.load import start_run
from kabar.warehouse import loader
from kabar.warehouse.db import connect, sql

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)

# A run that starts, loads one (empty) batch, and is killed -9 with its connection open.
KILLED_RUN = """
import os, signal, sys
from datetime import datetime, UTC
from kabar.records import Plan
from kabar.warehouse import loader
from kabar.warehouse.db import connect, sql
con = connect(sys.argv[1])
loader.start_run(con, "dead", "tempo", datetime(2024, 3, 1, 6, tzinfo=UTC))
loader.load_batch(con, "dead", [], Plan(articles=(), aliases=(), issues=(), outcomes={}))
os.kill(os.getpid(), signal.SIGKILL)
"""


def runs(db) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, status, kind, finished_at, last_seen_at FROM crawl_runs"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_a_run_killed_mid_way_is_abandoned_by_the_next_start(tmp_path):
    db = tmp_path / "w.duckdb"
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, str(db)], capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    status, _, finished, last_seen = runs(db)["dead"]
    assert (status, finished) == ("running", None) and last_seen > T0  # the batch's heartbeat survived
    assert start_run.fn(str(db), "next", "tempo", datetime.now(UTC)) == 1
    after = runs(db)
    assert after["dead"] == ("abandoned", "ingest", last_seen, last_seen)  # ended when last seen
    assert after["next"][:2] == ("running", "ingest")


def test_only_running_rows_of_the_same_site_and_kind_are_abandoned(tmp_path):
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        loader.start_run(con, "antara-live", "antara", T0)
        loader.start_run(con, "reparse-live", "tempo", T0, kind="reparse")
        loader.start_run(con, "done", "tempo", T0)
        loader.finish_run(con, "done", T0 + timedelta(minutes=5), "completed", {})
        loader.start_run(con, "dead", "tempo", T0 + timedelta(hours=1))
        assert loader.start_run(con, "new", "tempo", T0 + timedelta(hours=2)) == 1
    after = runs(db)
    assert {run_id: row[0] for run_id, row in after.items()} == {
        "antara-live": "running",
        "reparse-live": "running",
        "done": "completed",
        "dead": "abandoned",
        "new": "running",
    }
    assert after["done"][2:] == (T0 + timedelta(minutes=5),) * 2  # finish_run is a sighting too
    assert after["dead"][2] == T0 + timedelta(hours=1)  # never seen after its start


def test_stale_temp_files_are_removed_and_fresh_ones_kept(tmp_path):
    digest, page = archive(tmp_path, b"<html>kept</html>")
    stale, fresh = page.parent / "killed.tmp", page.parent / "writing.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"half a page")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert remove_stale_temp_files(tmp_path) == 1
    assert not stale.exists() and fresh.exists() and page.exists()
    assert remove_stale_temp_files(tmp_path / "absent") == 0


def test_the_start_run_task_cleans_the_archive_when_given_one(tmp_path):
    _, page = archive(tmp_path / "archive", b"<html></html>")
    stale = page.parent / "killed.tmp"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    start_run.fn(str(tmp_path / "w.duckdb"), "run", "tempo", T0, archive_dir=str(tmp_path / "archive"))
    assert not stale.exists() and page.exists()


def test_every_batch_is_a_sighting(tmp_path):
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        loader.start_run(con, "run", "tempo", T0)
        loader.load_batch(con, "run", [], Plan(articles=(), aliases=(), issues=(), outcomes={}))
    assert runs(db)["run"][3] > T0


def test_an_older_warehouse_gains_the_new_tables_and_columns_on_open(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:  # as kabar wrote it before failure memory, hygiene and reparse
        con.execute(sql("schema.sql"))  # the tables as first shipped: later columns are migrations
        con.execute("DROP TABLE url_state")
        con.execute(
            "INSERT INTO crawl_runs (run_id, site, started_at, status) VALUES ('old', 'tempo', ?, 'running')",
            [datetime(2023, 9, 13, tzinfo=UTC)],
        )
    with connect(db) as con:
        columns = set(con.execute("SELECT table_name || '.' || column_name FROM duckdb_columns()").fetchall())
        assert {
            (name,)
            for name in (
                "crawl_runs.kind",
                "crawl_runs.last_seen_at",
                "crawl_runs.issues_resolved",
                "fetches.reason",
                "articles.gone_at",
                "extraction_issues.resolved_at",
                "url_state.next_attempt_at",
            )
        } <= columns
        assert loader.start_run(con, "new", "tempo", T0) == 1
    assert runs(db)["old"][:3] == ("abandoned", "ingest", datetime(2023, 9, 13, tzinfo=UTC))


def test_a_killed_writers_temp_file_goes_at_once_a_live_ones_stays(tmp_path):
    import subprocess
    import sys

    _, page = archive(tmp_path, b"<html>kept</html>")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    killed = page.parent / f"{dead.stdout.strip()}-abc.tmp"  # as archive() names it, its writer gone
    live = page.parent / f"{os.getppid()}-def.tmp"  # a writer still running (our parent process)
    for temp in (killed, live):
        temp.write_bytes(b"half")
    assert remove_stale_temp_files(tmp_path) == 1
    assert not killed.exists() and live.exists() and page.exists()
