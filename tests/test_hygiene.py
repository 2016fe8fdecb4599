"""Crash hygiene: a run killed mid-way is marked abandoned by the next start, temp files a killed
writer left in the archive are removed, and an older warehouse gains the new columns on open."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from kabar.archive import archive, remove_stale_temp_files
from kabar.records import Plan
from kabar.tasks.load import start_run
from kabar.warehouse import loader
from kabar.warehouse.db import connect

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
    with connect(db, read_only=True) as con:
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


def test_a_warehouse_gains_the_migrations_it_lacks_once(tmp_path):
    """Versioned migrations: applied once, recorded; one missing (an older warehouse) is applied on open."""
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        con.execute("DELETE FROM schema_migrations WHERE version = 2")
        con.execute("DROP VIEW run_health")
    with connect(db) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert versions == sorted(set(versions)) and 2 in versions
        assert con.execute("SELECT count(*) FROM run_health").fetchone() == (0,)
    with connect(db) as con:  # nothing pending: nothing applied again
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(versions),)


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
