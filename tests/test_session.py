"""The connection a task takes for its time (warehouse/db.py `session`): the process keeps it for the
next task, publishes what it left unpublished when it is given back, and never hands out one that
failed, idled too long or belongs to a warehouse made again at the same path."""

import shutil
import sqlite3
from contextlib import closing

import pytest

from kabar.warehouse import db as warehouse
from kabar.warehouse.db import connect, session, writer_catalog


@pytest.fixture(autouse=True)
def no_idle_connections():
    warehouse.close_idle()
    yield
    warehouse.close_idle()


def _has_notes(con) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'notes'").fetchone()[0] == 1


def _latest_snapshot(catalog) -> int:
    with closing(sqlite3.connect(catalog)) as con:
        return con.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()[0]


def test_the_next_task_gets_the_connection_the_last_one_gave_back(tmp_path):
    db = tmp_path / "w.sqlite"
    with session(db) as first:
        first.execute("CREATE TABLE notes (i INTEGER)")
    with session(db) as second:
        assert second is first
        second.execute("INSERT INTO notes VALUES (1)")
        with session(db) as meanwhile:  # another thread's task: a connection of its own
            assert meanwhile is not second
    with connect(db, read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM notes").fetchone()[0] == 1


def test_giving_back_publishes_an_autocommitted_change(tmp_path):
    db = tmp_path / "w.sqlite"
    with session(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")  # autocommitted: no explicit commit published it
        assert _latest_snapshot(db) < _latest_snapshot(writer_catalog(db))
    assert _latest_snapshot(db) == _latest_snapshot(writer_catalog(db))


def test_a_connection_whose_work_failed_is_closed_not_kept(tmp_path):
    db = tmp_path / "w.sqlite"
    with pytest.raises(ZeroDivisionError):
        with session(db) as failed:
            failed.begin()
            failed.execute("CREATE TABLE notes (i INTEGER)")
            raise ZeroDivisionError("the work failed")
    with session(db) as con:
        assert con is not failed
        assert not _has_notes(con)


def test_an_idle_connection_is_closed_after_a_while(tmp_path, monkeypatch):
    db = tmp_path / "w.sqlite"
    with session(db) as first:
        pass
    monkeypatch.setattr(warehouse, "IDLE_SECONDS", 0.0)
    with session(db) as second:
        assert second is not first
    with pytest.raises(Exception, match="closed"):
        first.execute("SELECT 1")


def test_a_warehouse_made_again_at_the_same_path_gets_a_new_connection(tmp_path):
    db = tmp_path / "w.sqlite"
    with session(db) as first:
        first.execute("CREATE TABLE notes (i INTEGER)")
    shutil.move(tmp_path, tmp_path.with_name(tmp_path.name + "-old"))
    tmp_path.mkdir()
    with session(db) as second:
        assert second is not first
        assert not _has_notes(second)


def test_a_tasks_connection_runs_on_the_configured_duckdb_threads(tmp_path, monkeypatch):
    db = tmp_path / "w.sqlite"
    with session(db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1  # the default
    warehouse.close_idle()
    monkeypatch.setenv("KABAR_WRITER_THREADS", "3")
    with session(db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 3
