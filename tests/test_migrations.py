"""A warehouse written by an earlier release upgrades in place, its data intact: the fixture
tests/fixtures/warehouse-v2 was made by the release at schema version 2 (make_old_warehouse.py says
how), and every later migration is applied to a copy of it."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from kabar import neardup
from kabar.warehouse.db import connect, data_path, pending_migrations

FIXTURE = Path(__file__).parent / "fixtures" / "warehouse-v2" / "warehouse.sqlite"
CONTENT = (
    "articles",
    "article_versions",
    "article_urls",
    "related_links",
    "removals",
    "fetches",
    "crawl_runs",
)


def _copy(tmp_path) -> Path:
    db = tmp_path / "warehouse.sqlite"
    shutil.copy(FIXTURE, db)
    shutil.copytree(data_path(FIXTURE), data_path(db))
    return db


# Columns later migrations add (NULL in the old rows): run_id (3), fetches.served_at (7).
ADDED = dict.fromkeys(("articles", "article_versions", "article_urls", "related_links", "removals"), "run_id")
ADDED["fetches"] = "served_at"


def _content(db) -> dict[str, list]:
    with connect(db, read_only=True) as con:
        return {
            table: con.execute(f"SELECT * EXCLUDE ({ADDED[table]}) FROM {table} ORDER BY ALL").fetchall()
            if table in ADDED
            else con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in CONTENT
        }


def test_the_fixture_is_at_version_2(tmp_path):
    with connect(_copy(tmp_path), read_only=True) as con:
        assert con.execute("SELECT list(version ORDER BY version) FROM schema_migrations").fetchone()[0] == [
            1,
            2,
        ]
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 3


def test_every_later_migration_upgrades_it_in_place_with_its_data_intact(tmp_path):
    db = _copy(tmp_path)
    with connect(db, read_only=True) as con:  # as version 2 holds it (no run_id columns yet)
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in CONTENT}
    with connect(db) as con:  # a writable open applies what is missing
        versions = con.execute("SELECT list(version ORDER BY version) FROM schema_migrations").fetchone()[0]
        assert pending_migrations(set(versions)) == []
        assert {3} <= set(versions)
    assert _content(db) == before
    with connect(db, read_only=True) as con:  # the analyst layer reads the old rows
        assert con.execute("SELECT count(*) FROM analytics.articles").fetchone()[0] == 3


def test_stored_signatures_are_packed_with_their_values_intact(tmp_path):
    """Migration 9 turns each UINTEGER[] signature into one BLOB that unpacks to the same values."""
    db = _copy(tmp_path)
    with connect(db, read_only=True) as con:
        before = dict(con.execute("SELECT article_id, signature FROM article_minhash").fetchall())
    with connect(db) as con:
        after = dict(con.execute("SELECT article_id, signature FROM internal.article_minhash").fetchall())
    assert len(before) == 3
    assert {i: neardup.unpack(packed) for i, packed in after.items()} == {
        i: tuple(values) for i, values in before.items()
    }


def test_schema_changes_are_committed_by_a_child_process(tmp_path, monkeypatch):
    """DuckLake 1.5.5 may read freed memory as it commits a schema change (duckdb/ducklake#1248): the
    process that opens a warehouse lacking migrations leaves them to a child and never commits one."""
    from kabar.warehouse import db as warehouse_db

    def not_here(con):
        raise AssertionError("a schema change committed in this process")

    monkeypatch.setattr(warehouse_db, "upgrade", not_here)
    old = _copy(tmp_path)
    for location in (tmp_path / "new.sqlite", old):
        with connect(location) as con:
            (versions,) = con.execute(
                "SELECT list(version ORDER BY version) FROM schema_migrations"
            ).fetchone()
            assert pending_migrations(set(versions)) == [] and 0 in versions


def test_an_upgrade_that_fails_is_one_error_naming_the_warehouse(tmp_path, monkeypatch):
    from kabar.warehouse import db as warehouse_db

    monkeypatch.setattr(warehouse_db, "_CHILD", "import sys; sys.exit('migration 10: no space left')")
    with pytest.raises(duckdb.IOException) as caught:
        connect(tmp_path / "w.sqlite")
    assert (
        str(caught.value)
        == f"upgrading the warehouse at {tmp_path / 'w.sqlite'} failed: migration 10: no space left"
    )


# Three processes open one warehouse that does not exist yet at the same moment (`start`, a Unix time).
_OPENER = """
import sys, time
start, location = float(sys.argv[1]), sys.argv[2]
from kabar.warehouse.db import connect
time.sleep(max(0.0, start - time.time()))
with connect(location) as con:
    print(con.execute("SELECT list(version ORDER BY version) FROM schema_migrations").fetchone()[0])
"""


def test_writers_making_one_new_warehouse_at_once_all_open_it_whole(tmp_path):
    """DuckLake creates its catalog and the migrations run under SQLite's one write lock at a time: the
    writers that find it taken wait and open what the first made (5 of 9 such opens failed before)."""
    import subprocess
    import sys
    import time

    location = tmp_path / "w.sqlite"
    start = time.time() + 3  # past the three interpreters' start
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, str(start), str(location)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        done = [opener.communicate(timeout=120) for opener in openers]
    finally:
        for opener in openers:
            opener.kill()
    assert [
        (opener.returncode, err.strip().splitlines()[-1:]) for opener, (_, err) in zip(openers, done)
    ] == [(0, [])] * 3
    versions = {out.strip() for out, _ in done}
    assert len(versions) == 1
    assert pending_migrations(set(json.loads(versions.pop()))) == []
