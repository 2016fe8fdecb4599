"""The daily maintenance flow: compaction, snapshot expiry, the search index, a size report."""

from prefect import flow, get_run_logger

from kabar import settings
from kabar.tasks.maintain import compact, expire_snapshots, refresh_search, sizes


@flow(name="maintenance", log_prints=True)
def maintenance(db_path: str | None = None, archive_dir: str | None = None, keep_days: float = 30.0) -> dict:
    """Housekeeping of the warehouse (default: under KABAR_HOME). Snapshots older than `keep_days`
    are expired: time travel reaches back that far."""
    db_path = db_path or str(settings.warehouse_path())
    archive_dir = archive_dir or str(settings.archive_dir())
    compact(db_path)
    report = {
        "snapshots_expired": expire_snapshots(db_path, keep_days),
        "articles_indexed": refresh_search(db_path),
    }
    report |= sizes(db_path, archive_dir)
    get_run_logger().info("maintenance: %s", report)
    return report
