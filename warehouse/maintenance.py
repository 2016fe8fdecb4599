"""Housekeeping for the lake: compaction, snapshot expiry, removal of files no snapshot needs, and a
size report. Every commit writes new Parquet files (and keeps the old snapshot), so without this the
data folder only grows."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from kabar.warehouse.db import CATALOG, data_path

log = logging.getLogger(__name__)


def compact(con) -> None:
    """Move the rows and deletes kept in the catalog (data inlining, migration 006) into Parquet, then
    merge the small files many batches leave into fewer, larger ones."""
    try:
        con.execute(f"CALL ducklake_flush_inlined_data('{CATALOG}')")
    except duckdb.Error as error:  # seen once in CI (DuckLake 1.5.5 built a query with no table name)
        log.warning("inlined rows stay in the catalog this time: %s", str(error).splitlines()[0])
    con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")


def expire_snapshots(con, older_than: timedelta) -> int:
    """Forget snapshots older than `older_than` (time travel reaches back that far), then delete the
    files only they needed; returns how many snapshots were expired."""
    cutoff = datetime.now(UTC) - older_than
    expired = con.execute(
        f"SELECT count(*) FROM ducklake_expire_snapshots('{CATALOG}', older_than => ?)", [cutoff]
    ).fetchone()[0]
    con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)")
    return expired


def sizes(db_path: str | Path, archive_dir: str | Path | None = None) -> dict[str, int]:
    """Bytes of the catalog, the data folder and (when given) the raw archive, and their file counts."""
    report = {"catalog_bytes": Path(db_path).stat().st_size}
    for name, folder in (("data", data_path(db_path)), ("archive", archive_dir)):
        files = (
            [f for f in Path(folder).rglob("*") if f.is_file()] if folder and Path(folder).exists() else []
        )
        report |= {f"{name}_bytes": sum(f.stat().st_size for f in files), f"{name}_files": len(files)}
    return report
