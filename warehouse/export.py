"""Copies of the warehouse for other tools, read from one connection in one transaction (one snapshot):

- `export_parquet(con, folder)`: one subfolder per table of the main schema and per view of the
  `analytics` schema (`analytics.<view>`), each with its Parquet file.
- `export_duckdb(con, file)`: one self-contained DuckDB file with every table (in its own schema) and
  the `analytics` views materialised as tables in schema `analytics`; comments come along.

A copy is built beside its target and moved into place when complete: a failed export leaves nothing
half-written. A target that exists is refused (TargetExists) unless `force`, and even then only an
earlier export is replaced, told by what every export writes: `.kabar-export.json` in the folder, the
table `kabar_export.about` in the file (when, and the rows per table). A folder of Parquet files or a
DuckDB file of the user's own is never replaced.
"""

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

VIEW_SCHEMAS = ("analytics",)  # whose views are exported, materialised
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB database file
MARKER = ".kabar-export.json"  # in a Parquet export's folder
ABOUT = ("kabar_export", "about")  # schema and table in a DuckDB export


class ExportError(Exception):
    """A target that cannot be written (the message is one line)."""


class TargetExists(ExportError):
    """The target exists and `force` was not given."""


@dataclass(frozen=True)
class Relation:
    catalog: str
    schema: str
    name: str
    kind: str  # "table" or "view"
    comment: str | None = None

    @property
    def source(self) -> str:
        return ".".join(_name(part) for part in (self.catalog, self.schema, self.name))

    @property
    def label(self) -> str:
        """The name analysts use: `articles`, `analytics.daily_volume`."""
        return self.name if self.schema == "main" else f"{self.schema}.{self.name}"


def relations(con: duckdb.DuckDBPyConnection, *, every_schema: bool = True) -> list[Relation]:
    """The warehouse's tables (of every schema, or of `main` only) and the views of VIEW_SCHEMAS."""
    rows = con.execute(
        """SELECT * FROM (
             SELECT database_name, schema_name, table_name AS name, 'table', comment FROM duckdb_tables()
             WHERE database_name = current_database() AND NOT internal AND NOT temporary
               AND (? OR schema_name = 'main')
             UNION ALL
             SELECT database_name, schema_name, view_name, 'view', comment FROM duckdb_views()
             WHERE database_name = current_database() AND NOT internal AND NOT temporary
               AND list_contains(?, schema_name))
           ORDER BY schema_name <> 'main', schema_name, name""",
        [every_schema, list(VIEW_SCHEMAS)],
    ).fetchall()
    return [Relation(*row) for row in rows]


def export_parquet(
    con: duckdb.DuckDBPyConnection, folder: str | Path, *, force: bool = False, keep_out: list[str] = ()
) -> dict[str, int]:
    """Write `folder`/<table>/data_0.parquet for each table of the main schema and each analytics view
    (`folder`/analytics.<view>/...); returns the rows written per table or view. The target may be
    neither in nor around the files the connection has open or the paths `keep_out` (the warehouse's)."""
    target = Path(folder).absolute()  # "ducklake:x" or "sqlite:x" is a name here, never a DuckDB prefix
    _check_folder(con, target, force, keep_out)
    staging = _beside(target, "partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts = {}
    try:
        con.begin()
        try:
            for relation in relations(con, every_schema=False):
                (staging / relation.label).mkdir()
                file = staging / relation.label / "data_0.parquet"
                copy = f"COPY (SELECT * FROM {relation.source}) TO {_text(file)} ({PARQUET_OPTIONS})"
                counts[relation.label] = con.execute(copy).fetchone()[0]
        finally:
            con.rollback()  # read only
        about = {"exported_at": datetime.now(UTC).isoformat(), "rows": counts}
        (staging / MARKER).write_text(json.dumps(about, indent=2), encoding="utf-8")
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def export_duckdb(
    con: duckdb.DuckDBPyConnection, file: str | Path, *, force: bool = False, keep_out: list[str] = ()
) -> dict[str, int]:
    """Write one DuckDB file at `file` with every table and the analytics views as tables; returns the
    rows written per table (`name`, `schema.name` outside main). `keep_out` as for export_parquet."""
    target = Path(file).absolute()  # as export_parquet's
    _check_file(con, target, force, keep_out)
    staging = _beside(target, "partial")
    staging.parent.mkdir(parents=True, exist_ok=True)
    _remove_database(staging)
    alias = f"kabar_export_{os.getpid()}"
    counts = {}
    con.execute(f"ATTACH {_text(staging)} AS {_name(alias)} (READ_WRITE)")
    try:
        con.begin()
        try:
            found = relations(con, every_schema=True)
            columns = _column_comments(con)
            for schema in sorted({relation.schema for relation in found} - {"main"}):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {_name(alias)}.{_name(schema)}")
            for relation in found:
                copy = f"{_name(alias)}.{_name(relation.schema)}.{_name(relation.name)}"
                con.execute(f"CREATE TABLE {copy} AS SELECT * FROM {relation.source}")
                counts[relation.label] = con.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]
                if relation.comment:
                    con.execute(f"COMMENT ON TABLE {copy} IS {_text(relation.comment)}")
                for column, comment in columns.get((relation.schema, relation.name), []):
                    con.execute(f"COMMENT ON COLUMN {copy}.{_name(column)} IS {_text(comment)}")
            about = ".".join(map(_name, (alias, *ABOUT)))
            con.execute(f"CREATE SCHEMA {_name(alias)}.{_name(ABOUT[0])}")
            con.execute(
                f"CREATE TABLE {about} AS SELECT current_timestamp AS exported_at, ?::JSON AS rows",
                [json.dumps(counts)],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.execute(f"DETACH {_name(alias)}")
        _remove_database(target)
        os.replace(staging, target)
    except BaseException:
        _remove_database(staging)
        raise
    return counts


def _column_comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    rows = con.execute(
        """SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()
           WHERE database_name = current_database() AND comment IS NOT NULL AND comment <> ''
           ORDER BY schema_name, table_name, column_index"""
    ).fetchall()
    comments: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, comment in rows:
        comments.setdefault((schema, table), []).append((column, comment))
    return comments


def _check_folder(con: duckdb.DuckDBPyConnection, target: Path, force: bool, keep_out: list[str]) -> None:
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder")
    _refuse_the_warehouse(con, target, keep_out)
    if not target.exists():
        return
    if not force:
        raise TargetExists(f"{target} exists (--force replaces an earlier export)")
    if not (target / MARKER).is_file():
        raise ExportError(f"{target} is no kabar export (it has no {MARKER}); not replacing it")


def _check_file(con: duckdb.DuckDBPyConnection, target: Path, force: bool, keep_out: list[str]) -> None:
    if target.is_dir():
        raise ExportError(f"{target} is a folder, not a DuckDB file")
    _refuse_the_warehouse(con, target, keep_out)
    log = target.with_name(target.name + ".wal")
    if not target.exists():
        if log.exists():  # DuckDB would replay another database's log into the export
            raise ExportError(f"{log} exists beside the target; choose another target or remove it")
        return
    if not force:
        raise TargetExists(f"{target} exists (--force replaces an earlier export)")
    with target.open("rb") as stream:
        if stream.read(12)[8:] != DUCKDB_MAGIC:
            raise ExportError(f"{target} is not a DuckDB file; not replacing it")
    if not _has_about(target):
        raise ExportError(f"{target} is no kabar export (no table {'.'.join(ABOUT)}); not replacing it")


def _has_about(file: Path) -> bool:
    try:
        with duckdb.connect(str(file), read_only=True) as other:
            query = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
            return other.execute(query, list(ABOUT)).fetchone()[0] == 1
    except duckdb.Error:  # another DuckDB's version, or a file in use: not ours to replace
        return False


def _refuse_the_warehouse(con: duckdb.DuckDBPyConnection, target: Path, keep_out: list[str]) -> None:
    """A target may not be, hold or lie in a file the connection has open or a path of `keep_out`."""
    query = "SELECT path FROM duckdb_databases() WHERE path IS NOT NULL AND path <> ''"
    paths = [path for (path,) in con.execute(query).fetchall()] + [str(path) for path in keep_out]
    resolved = target.resolve()
    for path in paths:
        kept = Path(path).resolve()
        if kept == resolved or resolved in kept.parents or kept in resolved.parents:
            raise ExportError(f"{target} is, holds or lies in the warehouse's {path}; choose another target")


def _beside(target: Path, what: str) -> Path:
    return target.with_name(f".{target.name}.{what}-{os.getpid()}")


def _move_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    old = _beside(target, "old")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _remove_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _text(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"
