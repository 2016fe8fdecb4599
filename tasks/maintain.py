"""maintain: the daily housekeeping of the warehouse, one task per chore, each on a connection of its
own (every DuckDB thread: compaction rewrites whole tables)."""

from datetime import timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.warehouse import maintenance, search
from kabar.warehouse.db import connect


@task(name="compact", cache_policy=NO_CACHE)
def compact(db_path: str) -> None:
    with connect(db_path) as con:
        maintenance.compact(con)


@task(name="expire-snapshots", cache_policy=NO_CACHE)
def expire_snapshots(db_path: str, keep_days: float) -> int:
    with connect(db_path) as con:
        return maintenance.expire_snapshots(con, timedelta(days=keep_days))


@task(name="refresh-search", cache_policy=NO_CACHE)
def refresh_search(db_path: str) -> int:
    """The full-text index rebuilt from the current articles; returns how many it holds."""
    with connect(db_path) as con:
        return search.refresh(con, db_path)


@task(name="sizes", cache_policy=NO_CACHE)
def sizes(db_path: str, archive_dir: str | None) -> dict[str, int]:
    return maintenance.sizes(db_path, archive_dir)
