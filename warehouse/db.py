"""Opening the warehouse: schema applied on write, UTC everywhere, waiting out another writer's lock."""

import time
from importlib import resources
from pathlib import Path

import duckdb

from kabar.settings import demo_warehouse_path

SQL_FILES = ("schema.sql", "migrations.sql", "near_duplicates.sql", "views.sql")
LOCK_WAIT_SECONDS = 60.0


def sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def connect(db_path: str | Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS):
    """A connection with the schema in place. DuckDB lets one process write a file at a time, and
    readers block writers: wait for the lock rather than fail a scheduled run."""
    if read_only and not Path(db_path).exists():
        raise FileNotFoundError(
            f"no warehouse at {db_path} (run `kabar run` first; `kabar demo` writes {demo_warehouse_path()})"
        )
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        for name in SQL_FILES:
            con.execute(sql(name))
    return con
