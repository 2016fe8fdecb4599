"""Opening the warehouse: a DuckLake (catalog in a SQLite file, data in Parquet files beside it), so
that analysts reading it and runs loading it never block each other; UTC everywhere; migrations
applied once, in order, on the first writable connect that lacks them.

All access goes through `connect`: a catalog elsewhere (PostgreSQL, for many machines) is a change
of the ATTACH string here and nowhere else.
"""

import hashlib
import sqlite3
from contextlib import closing
from importlib import resources
from pathlib import Path

import duckdb

from kabar.settings import demo_warehouse_path

CATALOG = "kabar"  # the name the lake is attached under (and selected by USE)
EXTENSIONS = ("ducklake", "sqlite")  # loaded from the pinned extension wheels: no download at run time
MIGRATIONS = "migrations"


def sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def data_path(db_path: str | Path) -> Path:
    """Where the lake keeps its Parquet files: a folder beside the catalog file."""
    path = Path(db_path)
    return path.with_name(path.name + ".files")


def storage_paths(db_path: str | Path) -> list[str]:
    """Every path the warehouse's data lives in (for a sandbox that allows nothing else)."""
    return [str(Path(db_path).resolve()), str(data_path(db_path).resolve())]


def connect(db_path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse, the lake selected; writable ones bring the schema up to date."""
    if read_only and not Path(db_path).exists():
        raise FileNotFoundError(
            f"no warehouse at {db_path} (run `kabar run` first; `kabar demo` writes {demo_warehouse_path()})"
        )
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    if not read_only:
        _write_ahead_log(db_path)
    con = duckdb.connect()
    try:
        return _open(con, db_path, read_only)
    except BaseException:  # interrupted (a run cancelled mid-connect): the catalog's lock must not outlive it
        con.close()
        raise


def _open(con: duckdb.DuckDBPyConnection, db_path: str | Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    _load_extensions(con)
    # The data folder always sits beside the catalog: a warehouse moved (KABAR_HOME, a copy) still opens.
    options = f"DATA_PATH '{data_path(db_path)}/', OVERRIDE_DATA_PATH true" + (
        ", READ_ONLY" if read_only else ""
    )
    con.execute(f"ATTACH 'ducklake:sqlite:{Path(db_path)}' AS {CATALOG} ({options})")
    con.execute(f"USE {CATALOG}")
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    _search_internal(con)
    if not read_only:
        refresh_analytics(con)
    return con


def _write_ahead_log(db_path: str | Path) -> None:
    """Put the catalog in SQLite's WAL mode (kept in the file, so set once): readers then never hold
    up a commit. In the default rollback journal a writer waits until no reader holds the file; with
    an analyst reading every 50 ms a commit took 0.65 s instead of 0.1 s."""
    with closing(sqlite3.connect(db_path)) as catalog:
        if catalog.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            catalog.execute("PRAGMA journal_mode=WAL")


def _search_internal(con: duckdb.DuckDBPyConnection) -> None:
    """Unqualified names find the schema `internal` too (failure memory, near-duplicate index), once
    a migration made it."""
    if con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = 'internal'",
        [CATALOG],
    ).fetchone()[0]:
        con.execute(f"SET search_path = '{CATALOG}.main,{CATALOG}.internal'")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations (warehouse/migrations/NNN_name.sql) the warehouse has not had yet, each
    in one transaction with its row in `schema_migrations`; returns the names applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {version for (version,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name in pending_migrations(done):
        con.begin()
        try:
            con.execute(sql(f"{MIGRATIONS}/{name}"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [version, name])
            con.commit()
        except BaseException:
            con.rollback()
            raise
        applied.append(name)
    return applied


ANALYTICS = ("analytics.sql", "comments.sql")  # the analyst layer: views and the comments from the docs
VIEW_COLUMNS = (
    "-- View columns:"  # comments.sql from here on: DuckLake 1.5.5 takes no comment on a view column
)


def refresh_analytics(con: duckdb.DuckDBPyConnection) -> bool:
    """(Re)create the analytics views and every comment when their files changed since the last time
    (one transaction, one snapshot; recorded in schema_migrations as version 0). True when applied."""
    text = sql(ANALYTICS[0]) + "\n" + sql(ANALYTICS[1]).split(VIEW_COLUMNS)[0]
    stamp = "analytics@" + hashlib.sha256(text.encode()).hexdigest()[:16]
    if con.execute("SELECT count(*) FROM schema_migrations WHERE name = ?", [stamp]).fetchone()[0]:
        return False
    con.begin()
    try:
        con.execute(text)
        con.execute("DELETE FROM schema_migrations WHERE version = 0")
        con.execute("INSERT INTO schema_migrations VALUES (0, ?, current_timestamp)", [stamp])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True


def pending_migrations(done: set[int]) -> list[tuple[int, str]]:
    files = resources.files(__package__).joinpath(MIGRATIONS).iterdir()
    found = sorted((int(f.name.split("_", 1)[0]), f.name) for f in files if f.name.endswith(".sql"))
    return [(version, name) for version, name in found if version not in done]


def _load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for name in EXTENSIONS:
        load_extension(con, name)


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Install an extension from its wheel (pinned with duckdb in pyproject.toml), then load it."""
    loaded_as = {"sqlite": "sqlite_scanner"}.get(name, name)
    installed = con.execute(
        "SELECT installed FROM duckdb_extensions() WHERE extension_name = ?", [loaded_as]
    ).fetchone()
    if not (installed and installed[0]):
        con.execute(f"INSTALL '{_extension_file(name)}'")
    con.execute(f"LOAD {loaded_as}")


def _extension_file(name: str) -> Path:
    folder = resources.files(f"duckdb_extension_{name}") / "extensions" / f"v{duckdb.__version__}"
    return Path(str(folder / f"{name}.duckdb_extension"))
