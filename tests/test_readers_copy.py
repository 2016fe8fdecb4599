"""The copy of the catalog readers attach (warehouse/db.py): published when a writer's connection
closes, adopted from a warehouse made before it existed, and never worth a lost commit."""

import logging
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from kabar.warehouse.db import connect, writer_catalog

FIXTURE = Path(__file__).parent / "fixtures" / "warehouse-v2" / "warehouse.sqlite"


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_writer_publishes_what_it_committed_when_it_closes(tmp_path):
    db = tmp_path / "w.sqlite"
    with connect(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")
        with connect(db, read_only=True) as reader:  # the schema was published when the warehouse was made
            assert _count(reader, "schema_migrations") > 0
        con.execute("INSERT INTO notes VALUES (1)")
    with connect(db, read_only=True) as reader:
        assert _count(reader, "notes") == 1
    assert writer_catalog(db).is_file()


def test_a_warehouse_made_before_the_copy_existed_is_adopted(tmp_path):
    db = tmp_path / "warehouse.sqlite"
    shutil.copy(FIXTURE, db)
    shutil.copytree(FIXTURE.with_name(FIXTURE.name + ".files"), db.with_name(db.name + ".files"))
    assert not writer_catalog(db).exists()
    with connect(db) as con:
        assert _count(con, "articles") == 3
    assert writer_catalog(db).is_file()
    with connect(db, read_only=True) as reader:  # the copy now carries the migrations applied since
        assert _count(reader, "analytics.articles") == 3


def test_a_copy_that_cannot_be_refreshed_costs_a_warning_not_the_commit(tmp_path, caplog):
    db = tmp_path / "w.sqlite"
    connect(db).close()
    db.unlink()
    db.mkdir()  # something in the copy's place: the rename onto it fails
    (db / "in-the-way").write_text("x")
    with caplog.at_level(logging.WARNING, logger="kabar.warehouse.db"):
        with connect(db) as con:
            con.execute("CREATE TABLE kept (i INTEGER)")
            con.execute("INSERT INTO kept VALUES (1)")
    assert "readers' copy of" in caplog.text and "not refreshed" in caplog.text
    shutil.rmtree(db)
    with connect(db) as con:  # the commit is in the writers' catalog; this connect publishes again
        assert _count(con, "kept") == 1
    with connect(db, read_only=True) as reader:
        assert _count(reader, "kept") == 1


def latest_snapshot(catalog: Path) -> int:
    """The newest snapshot a catalog file holds, read with SQLite alone (a kabar connect would refresh)."""
    with closing(sqlite3.connect(catalog)) as con:
        return con.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()[0]


def test_closing_publishes_only_what_the_commits_did_not(tmp_path):
    db = tmp_path / "w.sqlite"
    connect(db).close()
    con = connect(db)
    con.begin()
    con.execute("CREATE TABLE notes (i INTEGER)")
    con.commit()  # published here
    published = db.stat().st_ino
    con.close()
    assert db.stat().st_ino == published  # nothing new at close: the same file, not copied again
    con = connect(db)
    con.execute("INSERT INTO notes VALUES (1)")  # autocommitted: no explicit commit publishes it
    assert latest_snapshot(db) < latest_snapshot(writer_catalog(db))
    con.close()
    assert latest_snapshot(db) == latest_snapshot(writer_catalog(db))


def test_a_copy_left_half_made_by_a_killed_publisher_is_cleared(tmp_path):
    db = tmp_path / "w.sqlite"
    connect(db).close()
    leftover = tmp_path / ".w.sqlite.999999.publishing"  # a publisher killed between backup and rename
    leftover.write_bytes(b"half a catalog")
    with connect(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")
    assert not leftover.exists()


def _catalog_file(reader) -> Path:
    """The SQLite file a reader's lake reads its catalog from."""
    (path,) = reader.execute("SELECT path FROM duckdb_databases() WHERE database_name = 'kabar'").fetchone()
    return Path(path.removeprefix("sqlite:"))


def test_a_reader_reads_a_link_of_its_own_and_moves_it_to_each_new_copy(tmp_path):
    db = tmp_path / "w.sqlite"
    with connect(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")
    reader = connect(db, read_only=True)
    first = _catalog_file(reader)
    assert first != db and first.samefile(db)  # the copy as it was, under a name no writer replaces
    with connect(db) as con:
        con.execute("INSERT INTO notes VALUES (1)")  # published as this writer closes
    assert first.exists() and not first.samefile(db)  # until its next statement the reader keeps its copy
    assert _count(reader, "notes") == 1  # which moves it to the new one
    second = _catalog_file(reader)
    assert second.samefile(db) and not first.exists()
    assert _count(reader, "internal.url_state") == 0  # the schema `internal` is still on its search path
    reader.close()
    assert not second.exists()


def test_a_reader_in_a_transaction_keeps_its_copy_until_it_ends(tmp_path):
    db = tmp_path / "w.sqlite"
    with connect(db) as con:
        con.execute("CREATE TABLE notes (i INTEGER)")
    with connect(db, read_only=True) as reader:
        reader.begin()
        with connect(db) as con:
            con.execute("INSERT INTO notes VALUES (1)")
        assert _count(reader, "notes") == 0
        reader.commit()
        assert _count(reader, "notes") == 1
        with connect(db) as con:
            con.execute("INSERT INTO notes VALUES (2)")
        reader.begin()  # a new transaction starts on the newest copy
        assert _count(reader, "notes") == 2
        reader.commit()
        with connect(db) as con:
            con.execute("INSERT INTO notes VALUES (3)")
        reader.execute("BEGIN TRANSACTION")  # and so does one begun in SQL
        assert _count(reader, "notes") == 3
        with connect(db) as con:
            con.execute("INSERT INTO notes VALUES (4)")
        assert _count(reader, "notes") == 3
        reader.execute("COMMIT")
        assert _count(reader, "notes") == 4


def test_links_left_by_killed_readers_are_removed_by_the_next_publication(tmp_path):
    db = tmp_path / "w.sqlite"
    connect(db).close()
    gone = tmp_path / f".w.sqlite.{_ended_pid()}.0.reading"
    os.link(db, gone)
    with connect(db, read_only=True) as reader:
        held = _catalog_file(reader)
        with connect(db) as con:
            con.execute("CREATE TABLE notes (i INTEGER)")
        assert not gone.exists() and held.exists()  # a live reader's link stays


def _ended_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
