"""`kabar export`: Parquet folders and a DuckDB file hold every row of the warehouse; a target that
exists is refused unless --force, and --force replaces only an earlier export, never the warehouse."""

import json
from pathlib import Path

import duckdb
import pytest

from kabar.cli import main
from kabar.warehouse import export as export_module
from kabar.warehouse.db import connect
from kabar.warehouse.export import MARKER, Relation, export_parquet, relations
from tests.test_sql import make_warehouse


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return make_warehouse(tmp_path / "gudang" / "warehouse.duckdb")


def counts_in(warehouse: Path) -> dict[str, int]:
    """Rows per table of the main schema and per analytics view, read from the warehouse itself."""
    with connect(warehouse, read_only=True) as con:
        found = relations(con, every_schema=False)
        return {r.label: con.execute(f"SELECT count(*) FROM {r.source}").fetchone()[0] for r in found}


def export(capsys, warehouse: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["export", "--db", str(warehouse), *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def refused(capsys, warehouse: Path, *argv: str) -> str:
    code, out, err = export(capsys, warehouse, *argv)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kabar: "), err
    return lines[0]


def test_parquet_has_a_folder_per_table_and_analytics_view(capsys, warehouse, tmp_path):
    expected = counts_in(warehouse)
    assert expected["kota"] == 3 and expected["analytics.kota_besar"] == 1
    target = tmp_path / "ekspor" / "parquet"
    code, out, err = export(capsys, warehouse, "--parquet", str(target))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"target": str(target), "rows": expected}
    assert sorted(p.name for p in target.iterdir() if p.name != MARKER) == sorted(expected)
    assert json.loads((target / MARKER).read_text(encoding="utf-8"))["rows"] == expected
    for label, rows in expected.items():
        files = sorted((target / label).glob("*.parquet"))
        assert files, label
        parquet = f"{target / label}/*.parquet"
        assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall() == [(rows,)], label
    kota = f"SELECT nama, penduduk, julukan FROM read_parquet('{target}/kota/*.parquet') WHERE penduduk < 2e6"
    assert duckdb.sql(kota).fetchall() == [("Makassar", 1423877, ["pelabuhan", "kuliner"])]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_duckdb_file_holds_every_table_and_the_views_as_tables(capsys, warehouse, tmp_path):
    expected = counts_in(warehouse)
    target = tmp_path / "ekspor.duckdb"
    code, out, err = export(capsys, warehouse, "--duckdb", str(target))
    assert (code, err) == (0, "")
    rows = json.loads(out)["rows"]
    with connect(warehouse, read_only=True) as con:
        every_relation = {r.label for r in relations(con)}  # the analytics layer's views too
    assert set(rows) == every_relation and "analytics.kota_besar" in rows
    assert {label: rows[label] for label in expected} == expected
    with duckdb.connect(str(target), read_only=True) as con:  # self-contained: opens on its own
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        assert {t if s == "main" else f"{s}.{t}" for s, t in tables} == set(rows) | {"kabar_export.about"}
        assert json.loads(con.execute("SELECT rows FROM kabar_export.about").fetchone()[0]) == rows
        assert not con.execute("SELECT * FROM duckdb_views() WHERE NOT internal").fetchall()
        for label, count in rows.items():
            assert con.execute(f"SELECT count(*) FROM {label}").fetchone()[0] == count, label
        assert con.execute("SELECT * FROM analytics.kota_besar").fetchall() == [("Bandung", 2444160)]
        comment = "SELECT comment FROM duckdb_tables() WHERE table_name = 'kota'"
        assert con.execute(comment).fetchone()[0] == "kota di Indonesia"
        comment = (
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'kota' AND column_name = 'penduduk'"
        )
        assert con.execute(comment).fetchone()[0] == "jumlah penduduk"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ekspor.duckdb", "gudang"]


def test_an_existing_target_is_refused_without_force(capsys, warehouse, tmp_path):
    folder, file = tmp_path / "parquet", tmp_path / "ekspor.duckdb"
    assert export(capsys, warehouse, "--parquet", str(folder))[0] == 0
    assert export(capsys, warehouse, "--duckdb", str(file))[0] == 0
    before = file.read_bytes(), sorted(folder.rglob("*"))
    assert "--force" in refused(capsys, warehouse, "--parquet", str(folder))
    assert "--force" in refused(capsys, warehouse, "--duckdb", str(file))
    empty = tmp_path / "kosong"
    empty.mkdir()
    refused(capsys, warehouse, "--parquet", str(empty))
    assert (file.read_bytes(), sorted(folder.rglob("*"))) == before


def test_force_replaces_an_earlier_export(capsys, warehouse, tmp_path):
    folder, file = tmp_path / "parquet", tmp_path / "ekspor.duckdb"
    assert export(capsys, warehouse, "--parquet", str(folder))[0] == 0
    assert export(capsys, warehouse, "--duckdb", str(file))[0] == 0
    (folder / "kota" / "data_0.parquet").write_bytes(b"PAR1 stale")
    (folder / "hilang").mkdir()  # a table the warehouse no longer has
    (folder / "hilang" / "data_0.parquet").write_bytes(b"PAR1")
    with connect(warehouse) as con:
        con.execute("INSERT INTO kota (nama, penduduk) VALUES ('Palu', 373218)")
    assert export(capsys, warehouse, "--parquet", str(folder), "--force")[0] == 0
    assert export(capsys, warehouse, "--duckdb", str(file), "--force")[0] == 0
    assert not (folder / "hilang").exists()
    assert duckdb.sql(f"SELECT count(*) FROM '{folder}/kota/*.parquet'").fetchall() == [(4,)]
    with duckdb.connect(str(file), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kota").fetchone()[0] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ekspor.duckdb", "gudang", "parquet"]


def test_force_replaces_nothing_but_an_export(capsys, warehouse, tmp_path):
    notes = tmp_path / "catatan"
    notes.mkdir()
    (notes / "penting.txt").write_text("jangan dihapus", encoding="utf-8")
    assert "not replacing" in refused(capsys, warehouse, "--parquet", str(notes), "--force")
    text = tmp_path / "catatan.txt"
    text.write_text("jangan dihapus", encoding="utf-8")
    assert "not a DuckDB file" in refused(capsys, warehouse, "--duckdb", str(text), "--force")
    assert "is a file" in refused(capsys, warehouse, "--parquet", str(text), "--force")
    assert "is a folder" in refused(capsys, warehouse, "--duckdb", str(notes), "--force")
    assert (notes / "penting.txt").read_text(encoding="utf-8") == text.read_text(encoding="utf-8")


def test_force_never_replaces_parquet_or_a_duckdb_file_of_the_users_own(capsys, warehouse, tmp_path):
    dataset = tmp_path / "dataset"  # hive-partitioned, as DuckDB writes one: Parquet-only subfolders
    duckdb.sql(f"COPY (SELECT 2024 AS year, 1 AS n) TO '{dataset}' (FORMAT parquet, PARTITION_BY (year))")
    own = tmp_path / "milik.duckdb"
    with duckdb.connect(str(own)) as con:
        con.execute("CREATE TABLE kota AS SELECT 'milik sendiri' AS nama")
    before = sorted(dataset.rglob("*")), own.read_bytes()
    assert "no kabar export" in refused(capsys, warehouse, "--parquet", str(dataset), "--force")
    assert "no kabar export" in refused(capsys, warehouse, "--duckdb", str(own), "--force")
    assert (sorted(dataset.rglob("*")), own.read_bytes()) == before


def _files(folder):
    """The folder's files, less SQLite's -wal and -shm files (they come and go with connections)."""
    return sorted(p for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def test_the_warehouse_is_never_a_target(capsys, warehouse, tmp_path):
    before = _files(warehouse.parent)
    for argv in (
        ["--duckdb", str(warehouse), "--force"],
        ["--parquet", str(warehouse.parent), "--force"],
        ["--parquet", str(tmp_path), "--force"],
    ):
        assert "warehouse" in refused(capsys, warehouse, *argv)
    assert _files(warehouse.parent) == before
    assert counts_in(warehouse)["kota"] == 3


@pytest.mark.parametrize("kind", ["--parquet", "--duckdb"])
def test_a_failed_export_leaves_nothing(capsys, warehouse, tmp_path, monkeypatch, kind):
    def with_a_missing_table(con, every_schema=True):
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        return [Relation(catalog, "main", "kota", "table"), Relation(catalog, "main", "tidak_ada", "table")]

    monkeypatch.setattr(export_module, "relations", with_a_missing_table)
    target = tmp_path / "ekspor"
    assert "tidak_ada" in refused(capsys, warehouse, kind, str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gudang"]


def test_export_needs_a_target_and_a_warehouse(capsys, warehouse, tmp_path):
    refused(capsys, warehouse)
    refused(capsys, warehouse, "--parquet", str(tmp_path / "a"), "--duckdb", str(tmp_path / "b"))
    line = refused(capsys, tmp_path / "tidak-ada.duckdb", "--parquet", str(tmp_path / "a"))
    assert "tidak-ada.duckdb" in line and not (tmp_path / "a").exists()


def test_export_from_python(warehouse, tmp_path):
    with connect(warehouse, read_only=True) as con:
        counts = export_parquet(con, tmp_path / "parquet")
    assert counts == counts_in(warehouse)


def test_every_export_option_has_help(capsys):
    from kabar.cli import _parser

    sub = _parser()._subparsers._group_actions[0].choices["export"]
    for action in sub._actions:
        assert action.help, f"kabar export {action.option_strings or action.dest} has no help"
    with pytest.raises(SystemExit) as exit:
        main(["export", "--help"])
    assert exit.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "warehouse.sqlite)" in out and "(default: None)" not in out and "(default: False)" not in out


@pytest.mark.parametrize("prefix", ["ducklake:", "sqlite:", "file:"])
def test_a_target_named_like_a_duckdb_prefix_is_a_plain_path(
    capsys, warehouse, tmp_path, monkeypatch, prefix
):
    """`ducklake:<data folder>/x` had DuckDB write a DuckLake's Parquet files into the warehouse's data."""
    monkeypatch.chdir(tmp_path)
    before = _files(warehouse.parent)
    code, _, err = export(capsys, warehouse, "--duckdb", f"{prefix}{warehouse.parent}/x")
    assert (code, err) == (0, "")
    assert (tmp_path / f"{prefix}{warehouse.parent}" / "x").is_file()  # a file in a folder of that name
    assert _files(warehouse.parent) == before


def test_the_search_index_is_never_a_target(capsys, warehouse):
    index = warehouse.with_name(warehouse.name + ".search")
    duckdb.connect(str(index)).close()
    before = index.read_bytes()
    assert "warehouse" in refused(capsys, warehouse, "--duckdb", str(index), "--force")
    assert index.read_bytes() == before


def test_another_databases_log_beside_the_target_is_left_alone(capsys, warehouse, tmp_path):
    log = tmp_path / "ekspor.duckdb.wal"
    log.write_bytes(b"log of another database")
    assert "ekspor.duckdb.wal exists" in refused(
        capsys, warehouse, "--duckdb", str(tmp_path / "ekspor.duckdb")
    )
    assert log.read_bytes() == b"log of another database"
    assert not (tmp_path / "ekspor.duckdb").exists()
