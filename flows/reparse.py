"""The reparse flow: archived pages -> extract -> dedup -> load, with no network, after a rule or
parser change. One `crawl_runs` row (kind `reparse`) per site; no `fetches` rows, no failure memory."""

from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from kabar.config import load as load_config
from kabar.flows.observe import Batches, forward_logs, publish_table, run_name
from kabar.records import FetchedPage, RunFailed
from kabar.sites import Site, get_site
from kabar.tasks.dedup import dedup_batch
from kabar.tasks.load import finish_run, load_reparsed, start_run
from kabar.tasks.reparse import extract_archived, fetched_sites, pages_to_reparse

COUNTS = ("pages", "articles_updated", "articles_new", "issues", "issues_resolved", "unchanged")
EXTRA = ("duplicates", "near_duplicates", "missing")  # also reported: pages whose archive file is gone
COLUMNS = {  # crawl_runs columns for the counts it keeps
    "pages": "pages_reparsed",
    "articles_updated": "articles_updated",
    "articles_new": "articles_new",
    "issues": "issues",
    "issues_resolved": "issues_resolved",
    "unchanged": "pages_unchanged",
    "duplicates": "duplicates",
    "near_duplicates": "near_duplicates",
}


@flow(name="reparse", log_prints=True, flow_run_name=run_name("reparse"))
def reparse(
    site: str | None = None,
    since: date | None = None,
    layout: str | None = None,
    warehouse: str | None = None,
    archive: str | None = None,
    batch_size: int = 200,
) -> dict[str, int]:
    """Parse again every page's latest archived fetch (of `site`, else of every site ingested; fetched
    since `since`; with `layout`, only articles of that layout and pages with an open issue) and
    load what changed. Returns pages, articles_updated, articles_new, issues, issues_resolved,
    unchanged (and duplicates, near_duplicates, missing)."""
    forward_logs()
    config = load_config()
    db_path, archive_dir = str(warehouse or config.warehouse), str(archive or config.archive)
    if not Path(db_path).exists():
        raise RunFailed(f"no warehouse at {db_path}: nothing was ingested to reparse")
    names = [get_site(site).name] if site else fetched_sites(db_path)
    run_id = flow_run.get_id() or str(uuid4())
    totals, rows = dict.fromkeys(COUNTS + EXTRA, 0), []
    for name in names:
        one = run_id if len(names) == 1 else f"{run_id}:{name}"
        counts = _reparse_site(get_site(name), one, db_path, archive_dir, since, layout, batch_size)
        _add(totals, counts)
        rows.append({"site": name, **counts})
    publish_table("reparse-figures", rows, "pages parsed again and what changed, per site")
    get_run_logger().info("reparse %s: %s", run_id, totals)
    return totals


def _reparse_site(
    site: Site,
    run_id: str,
    db_path: str,
    archive_dir: str,
    since: date | None,
    layout: str | None,
    batch_size: int,
) -> dict[str, int]:
    start_run(db_path, run_id, site.name, _now(), kind="reparse")
    counts = dict.fromkeys(COUNTS + EXTRA, 0)
    try:  # whatever happens, the run's row says how it ended
        pages = pages_to_reparse(db_path, site, archive_dir, since, layout)
        batches = Batches(site.name, len(pages))
        for batch in (pages[start : start + batch_size] for start in range(0, len(pages), batch_size)):
            _add(counts, _reparse_batch(site, db_path, archive_dir, run_id, batch))
            batches.step(len(batch), counts["missing"])
    except BaseException:
        finish_run(db_path, run_id, _now(), "failed", _columns(counts))
        raise
    finish_run(db_path, run_id, _now(), "completed", _columns(counts))
    return counts


def _reparse_batch(
    site: Site, db_path: str, archive_dir: str, run_id: str, batch: list[FetchedPage]
) -> dict[str, int]:
    results, missing = extract_archived(db_path, site, archive_dir, batch)
    parsed = [page for page in batch if page.url in results]
    plan = dedup_batch(db_path, parsed, results)
    loaded = load_reparsed(db_path, run_id, parsed, plan)
    return {"pages": len(parsed), "missing": len(missing)} | {
        name: loaded[name] for name in COUNTS + EXTRA if name in loaded
    }


def _columns(counts: dict[str, int]) -> dict[str, int]:
    return {column: counts[name] for name, column in COLUMNS.items()}


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] += value


def _now() -> datetime:
    return datetime.now(UTC)
