"""The ingest flow: discover -> fetch -> parse -> clean -> dedup -> load, batch by batch."""

import os
from datetime import date, datetime, timezone
from pathlib import Path
from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from kabar.urls import fetch_from
from sites import get_site
from tasks.clean import clean_batch
from tasks.dedup import dedup_batch, fresh_pages
from tasks.discover import discover, index_pages
from tasks.fetch import USER_AGENT, fetch_batch
from tasks.load import finish_run, load_batch, previous_fetches, start_run
from tasks.multipage import complete_multipage
from tasks.parse import parse_batch
from tasks.select import select_articles

DATA_DIR = Path(os.environ.get("KABAR_HOME", "kabar-data"))
DEFAULT_DB = str(DATA_DIR / "warehouse.duckdb")
DEFAULT_ARCHIVE = str(DATA_DIR / "archive")
COUNTS = ("pages_fetched", "pages_unchanged", "fetch_errors", "articles_new", "articles_updated",
          "duplicates", "near_duplicates", "related_links_seen", "issues")  # fmt: skip


@flow(name="ingest", log_prints=True)
def ingest(
    site: str = "tempo",
    base_url: str | None = None,
    db_path: str = DEFAULT_DB,
    archive_dir: str = DEFAULT_ARCHIVE,
    limit: int | None = None,
    batch_size: int = 100,
    max_workers: int = 4,
    min_delay: float | None = None,
    user_agent: str = USER_AGENT,
    backfill_from: date | None = None,
    backfill_to: date | None = None,
) -> dict[str, int]:
    """Ingest one site into the warehouse. `base_url` fetches from a mirror of the site instead;
    `backfill_from` (to `backfill_to`, default today) also reads the site's index page of each day."""
    source = get_site(site)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    run_id = flow_run.get_id() or str(uuid4())
    start_run(db_path, run_id, site, _now())
    to_fetch = fetch_from(base_url)
    backfill = index_pages(source, backfill_from, backfill_to or _now().date()) if backfill_from else []
    delay = source.min_delay if min_delay is None else min_delay
    counts = dict.fromkeys(COUNTS, 0)
    try:  # whatever happens, the run's row says how it ended
        found = discover([to_fetch(u) for u in source.start_urls() + backfill], user_agent=user_agent,
                         base_url=base_url, site_name=site)  # fmt: skip
        selection = select_articles(source, found, limit)
        counts |= {"urls_discovered": len(selection.urls), "urls_skipped": selection.skipped,
                   "urls_collapsed": selection.collapsed}
        urls_to_fetch = [to_fetch(url) for url in selection.urls]
        for start in range(0, len(urls_to_fetch), batch_size):
            urls = urls_to_fetch[start : start + batch_size]
            pages = fetch_batch(urls, archive_dir, previous_fetches(db_path, urls), user_agent, delay, max_workers)
            parsed = parse_batch(site, fresh_pages(db_path, pages))
            parsed, continuations = complete_multipage(site, parsed, archive_dir, base_url, user_agent, delay,
                                                       max_workers)  # fmt: skip
            plan = dedup_batch(db_path, pages, clean_batch(site, parsed), continuations)
            _add(counts, load_batch(db_path, run_id, pages + continuations, plan), _fetch_counts(pages, plan))
    except BaseException:
        finish_run(db_path, run_id, _now(), "failed", counts)
        raise
    finish_run(db_path, run_id, _now(), "completed", counts)
    get_run_logger().info("run %s: %s", run_id, counts)
    return counts


def _fetch_counts(pages, plan) -> dict[str, int]:
    outcomes = list(plan.outcomes.values())
    return {"pages_fetched": len(pages), "pages_unchanged": outcomes.count("unchanged"),
            "fetch_errors": outcomes.count("error")}


def _add(total: dict[str, int], *parts: dict[str, int]) -> None:
    for part in parts:
        for key, value in part.items():
            total[key] += value


def _now() -> datetime:
    return datetime.now(timezone.utc)
