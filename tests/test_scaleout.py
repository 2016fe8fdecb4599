"""Many sites, many workers, one warehouse (issue 11): the warehouse on a PostgreSQL catalog (a real
server on 127.0.0.1, tests/pg.py) with its data in a shared folder, configured in kabar.toml; a commit
that loses to a concurrent writer is tried again; and 20 configured sites, served on 127.0.0.1, run
on one Prefect work pool by 4 process workers at once load exactly what ingesting them one after
another into a fresh SQLite warehouse loads, while an analyst process reads without a failure."""

import logging
import threading

import duckdb
import pytest

from kabar.cli import main as cli_main
from kabar.config import ConfigError, load
from kabar.tasks.load import write
from kabar.warehouse.db import connect, data_path, is_conflict
from tests import pg

pytestmark = pytest.mark.skipif(pg.missing() is not None, reason=pg.missing() or "")


@pytest.fixture(scope="module")
def server():
    with pg.postgres() as running:
        yield running


@pytest.fixture
def lake(server, tmp_path, monkeypatch, request):
    """A fresh database on the server as the configured warehouse, its data under tmp_path."""
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:50]
    location = "postgres:" + server.database(name)
    config = tmp_path / "kabar.toml"
    config.write_text(f'warehouse = "{location}"\ndata_path = "lake"\n', encoding="utf-8")
    monkeypatch.setenv("KABAR_CONFIG", str(config))
    return location


# --- configuration --------------------------------------------------------------------------------


def test_the_warehouse_may_be_a_postgres_catalog_with_a_data_path(tmp_path):
    config = tmp_path / "kabar.toml"
    config.write_text(
        'warehouse = "postgres:dbname=kabar host=db.internal password=secret"\ndata_path = "lake"\n',
        encoding="utf-8",
    )
    found = load({"KABAR_CONFIG": str(config)})
    assert found.warehouse == "postgres:dbname=kabar host=db.internal password=secret"
    assert found.data_path == tmp_path / "lake"  # relative to the file, as every path in it
    shown = dict((key, value) for key, value, _ in found.entries())
    assert shown["warehouse"] == "postgres:dbname=kabar host=db.internal password=***"
    by_variable = load({"KABAR_WAREHOUSE": "postgres:dbname=k", "KABAR_DATA_PATH": "/shared/lake"})
    assert (by_variable.warehouse, str(by_variable.data_path)) == ("postgres:dbname=k", "/shared/lake")
    assert load({}).data_path is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"KABAR_DATA_PATH": "/shared/lake"}, "KABAR_DATA_PATH: only for a postgres: warehouse"),
        ({"KABAR_WAREHOUSE": "postgres:"}, 'KABAR_WAREHOUSE: must be a path or "postgres:"'),
        (
            {"KABAR_WAREHOUSE": "postgresql://kabar@db/kabar"},
            'KABAR_WAREHOUSE: must be a path or "postgres:"',
        ),
        ({"KABAR_WAREHOUSE": "postgres:dbname=k\nhost=x"}, "KABAR_WAREHOUSE: must be text on one line"),
    ],
)
def test_a_bad_catalog_setting_is_one_line(environ, message):
    with pytest.raises(ConfigError) as caught:
        load(environ)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


# --- the PostgreSQL catalog -------------------------------------------------------------------------


def test_a_postgres_warehouse_keeps_its_data_in_the_data_path(lake, tmp_path):
    with connect(lake) as con:
        con.execute("INSERT INTO removals VALUES ('a:1', 'rule', 1, 'sample', 'run-1')")
    assert data_path(lake) == tmp_path / "lake"
    assert list((tmp_path / "lake").rglob("*.parquet")), "no Parquet file in the configured data path"
    assert not (tmp_path / "lake.files").exists()
    with connect(lake, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM removals").fetchone()[0] == 1
        assert con.execute("SELECT version FROM schema_migrations WHERE version > 0 LIMIT 1").fetchone()


def test_status_reads_a_postgres_warehouse(lake, tmp_path, capsys):
    with connect(lake) as con:
        con.execute("INSERT INTO removals VALUES ('a:1', 'rule', 1, 'sample', 'run-1')")
    with_password = lake + " password=hunter2"  # trust authentication: the server ignores it
    assert cli_main(["status", "--warehouse", with_password, "--archive", str(tmp_path / "archive")]) == 0
    out = capsys.readouterr().out
    assert f"warehouse {lake} password=***: " in out and "nothing yet" not in out and "hunter2" not in out


def test_a_data_path_other_than_the_catalogs_is_refused(lake, tmp_path, monkeypatch):
    connect(lake).close()
    other = tmp_path / "elsewhere.toml"
    other.write_text(f'warehouse = "{lake}"\ndata_path = "other"\n', encoding="utf-8")
    monkeypatch.setenv("KABAR_CONFIG", str(other))
    with pytest.raises(duckdb.Error, match="does not match existing data path"):
        connect(lake)
    other.write_text(f'warehouse = "{lake}"\n', encoding="utf-8")  # unset: the catalog's own
    with connect(lake, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def _touch_run(con, rival: threading.Event | None, lake: str) -> str:
    """Update one crawl_runs row in a transaction; with `rival` unset, another connection updates
    the same row and commits first (once), so this commit conflicts."""
    con.execute("SET ducklake_max_retry_count = 0")  # DuckLake's own retries off: the conflict reaches us
    con.begin()
    con.execute("UPDATE crawl_runs SET pages_fetched = pages_fetched + 1 WHERE run_id = 'r'")
    if rival is not None and not rival.is_set():
        rival.set()
        with connect(lake) as other:
            other.execute("UPDATE crawl_runs SET pages_fetched = pages_fetched + 10 WHERE run_id = 'r'")
    con.commit()
    return "done"


def test_a_commit_that_loses_to_a_concurrent_writer_is_tried_again(lake, caplog):
    with connect(lake) as con:
        con.execute("INSERT INTO crawl_runs (run_id, site, started_at, status) VALUES ('r', 's', now(), 'x')")
    with connect(lake) as con, pytest.raises(duckdb.Error) as caught:
        _touch_run(con, threading.Event(), lake)
    assert is_conflict(caught.value)

    caplog.set_level(logging.WARNING)
    assert write(lake, _touch_run, threading.Event(), lake) == "done"
    with connect(lake, read_only=True) as con:  # the rivals' +10 twice, this write's +1 once
        assert con.execute("SELECT pages_fetched FROM crawl_runs WHERE run_id = 'r'").fetchone()[0] == 21
    assert [r.getMessage() for r in caplog.records if "commit conflict" in r.getMessage()][0].startswith(
        "warehouse commit conflict in _touch_run (attempt 1 of"
    )


def test_an_error_that_is_no_conflict_is_not_tried_again(lake):
    calls = []

    def broken(con):
        calls.append(1)
        con.execute("SELECT * FROM no_such_table")

    with pytest.raises(duckdb.CatalogException):
        write(lake, broken)
    assert calls == [1]


# --- 20 sites, 4 workers, one warehouse ---------------------------------------------------------------


@pytest.mark.e2e
def test_twenty_sites_on_four_workers_load_what_one_after_another_loads(server, tmp_path):
    from bench.scaleout import scale_out

    sites, pages = 20, 5
    report = scale_out(tmp_path, "postgres:" + server.database("scaleout"), sites, pages, worker_count=4)
    assert report["runs"] == sites and report["runs_failed"] == [], report["runs_failed"]
    assert report["pages"] == sites * pages, report
    taken = report["pages_per_s_per_worker"]
    assert len(taken) == 4 and sum(rate > 0 for rate in taken.values()) >= 2, "the runs were not shared"
    concurrent, sequential = report["digests"]["postgres"], report["digests"]["sequential"]
    assert concurrent["articles"][0] == sites * pages and concurrent["related_links"][0] > 0
    differ = {name: (rows, sequential[name]) for name, rows in concurrent.items() if rows != sequential[name]}
    assert not differ, f"concurrent vs one after another (rows, md5): {differ}"  # nothing lost or doubled
    analyst = report["analyst"]
    assert analyst["reads"] > 10 and analyst["failed_reads"] == 0, analyst["errors"]
    assert not analyst["count_went_down"]
