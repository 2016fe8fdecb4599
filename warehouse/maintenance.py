"""Housekeeping for the lake: compaction, snapshot expiry, removal of files no snapshot needs, and a
size report. Every commit writes new Parquet files (and keeps the old snapshot), so without this the
data folder only grows."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kabar.warehouse.db import CATALOG, data_path


def compact(con) -> None:
    """Merge the small files many batches leave into fewer, larger ones. Nothing is inlined in the
    catalog since migration 008, so there is nothing to flush: a flush would drop catalog tables that
    analysts' open connections still name (see that migration)."""
    con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")


def expire_snapshots(con, older_than: timedelta) -> int:
    """Forget snapshots older than `older_than` (time travel reaches back that far), then delete the
    files only they needed; returns how many snapshots were expired."""
    cutoff = datetime.now(UTC) - older_than
    con.begin()  # committed before any file goes: the commit publishes the readers' copy (warehouse/db.py)
    expired = con.execute(
        f"SELECT count(*) FROM ducklake_expire_snapshots('{CATALOG}', older_than => ?)", [cutoff]
    ).fetchone()[0]
    con.commit()
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
