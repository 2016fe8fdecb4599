"""The daily maintenance flow: compaction, snapshot expiry, the search index, a size report."""

from prefect import flow, get_run_logger

from kabar.config import load as load_config
from kabar.flows.observe import forward_logs, publish_table, run_name
from kabar.records import RunFailed
from kabar.tasks.maintain import compact, expire_snapshots, refresh_search, sizes
from kabar.warehouse.db import exists as warehouse_exists


@flow(name="maintenance", log_prints=True, flow_run_name=run_name("maintenance"))
def maintenance(warehouse: str | None = None, archive: str | None = None, keep_days: float = 30.0) -> dict:
    """Housekeeping of the warehouse (default: the configured one). Snapshots older than `keep_days`
    are expired: time travel reaches back that far."""
    forward_logs()
    config = load_config()
    db_path, archive_dir = str(warehouse or config.warehouse), str(archive or config.archive)
    if not warehouse_exists(db_path):  # connecting would make an empty one, which readers then take for real
        raise RunFailed(f"no warehouse at {db_path}: nothing was ingested to maintain")
    compact(db_path)
    report = {
        "snapshots_expired": expire_snapshots(db_path, keep_days),
        "articles_indexed": refresh_search(db_path),
    }
    report |= sizes(db_path, archive_dir)
    get_run_logger().info("maintenance: %s", report)
    publish_table("maintenance-report", [report], "snapshots expired, articles indexed, sizes")
    return report
