"""The connection a task takes for its time (warehouse/db.py `session`): the process keeps it for the
next task, publishes what it left unpublished when it is given back, and never hands out one that
failed, idled too long or belongs to a warehouse made again at the same path."""

import pytest

from kabar.warehouse import db as warehouse
from kabar.warehouse.db import connect, session, writer_catalog
from tests.test_readers_copy import latest_snapshot


@pytest.fixture(autouse=True)
def no_idle_connections():
    warehouse.close_idle()
    yield
    warehouse.close_idle()


def _has_notes(con) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'notes'").fetchone()[0] == 1


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
        assert latest_snapshot(db) < latest_snapshot(writer_catalog(db))
    assert latest_snapshot(db) == latest_snapshot(writer_catalog(db))


def _work_that_fails(db):
    """A task whose work fails inside its transaction (a table made, then an error)."""
    with pytest.raises(ZeroDivisionError), session(db) as con:
        con.begin()
        con.execute("CREATE TABLE notes (i INTEGER)")
        raise ZeroDivisionError("the work failed")
    return con


def _warehouse_made_again(db):
    """A task that made a table, then the warehouse moved away and a new one is made at the path."""
    with session(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")
    db.parent.rename(db.parent.with_name("moved"))
    db.parent.mkdir()
    return con


@pytest.mark.parametrize("before", [_work_that_fails, _warehouse_made_again], ids=["failed", "made-again"])
def test_the_next_task_gets_a_new_connection_after(before, tmp_path):
    db = tmp_path / "here" / "w.sqlite"
    earlier = before(db)
    with session(db) as con:
        assert con is not earlier
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


def test_a_tasks_connection_runs_on_the_configured_duckdb_threads(tmp_path, monkeypatch):
    db = tmp_path / "w.sqlite"
    with session(db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1  # the default
    warehouse.close_idle()
    monkeypatch.setenv("KABAR_WRITER_THREADS", "3")
    with session(db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 3


def test_no_connection_draws_a_progress_bar_on_stdout(tmp_path):
    """DuckDB draws one for a query past 2 s, on stdout: into `kabar run`'s JSON or a piped `kabar sql`."""
    db = tmp_path / "w.sqlite"
    with session(db) as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    for read_only in (False, True):
        with connect(db, read_only=read_only) as con:
            assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
