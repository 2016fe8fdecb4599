"""The ingest flow: discover -> select -> fetch -> extract -> dedup -> load, batch by batch."""

import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from kabar.config import load as load_config
from kabar.flows.observe import Batches, flush_logs, forward_logs, publish, run_name
from kabar.health import Tally, Thresholds, Verdict, breaches
from kabar.http import Crawl
from kabar.records import ERROR, SKIPPED, UNCHANGED, Discovery, Plan, RunFailed
from kabar.sites import Site, get_site
from kabar.tasks.dedup import dedup_batch, fresh_pages
from kabar.tasks.discover import discover, index_pages
from kabar.tasks.extract import extract_batch
from kabar.tasks.fetch import fetch_batch
from kabar.tasks.health import check_health
from kabar.tasks.load import (
    due_urls,
    finish_run,
    load_batch,
    previous_fetches,
    previous_sources,
    recent_articles,
    record_sources,
    start_run,
)
from kabar.tasks.maintain import refresh_search
from kabar.tasks.select import select_articles

COUNTS = (
    "pages_fetched",
    "pages_skipped",
    "pages_unchanged",
    "fetch_errors",
    "articles_new",
    "articles_updated",
    "duplicates",
    "near_duplicates",
    "related_links_seen",
    "issues",
)


@flow(name="ingest", log_prints=True, flow_run_name=run_name())
def ingest(
    site: str = "tempo",
    base_url: str | None = None,
    warehouse: str | None = None,
    archive: str | None = None,
    limit: int | None = None,
    batch_size: int = 100,
    workers: int | None = None,
    delay: float | None = None,
    user_agent: str | None = None,
    backfill_from: date | None = None,
    backfill_to: date | None = None,
    max_pages: int | None = None,
    max_minutes: float | None = None,
    max_bytes: int = 10_000_000,
    request_deadline: float = 20.0,
    allow_private_addresses: bool = False,
    revisit_days: float = 2.0,
) -> dict[str, int]:
    """Ingest one site into the warehouse. Parameters left None come from the configuration (kabar.toml,
    KABAR_* variables; `delay` then from the site). `base_url` fetches from a mirror of the site
    instead; `backfill_from` (to `backfill_to`, default today) also reads the site's index page of each
    day. `max_pages` / `max_minutes` end the run cleanly once spent; the next run goes on from there.
    Articles first seen in the last `revisit_days` are candidates too (fetched again when the failure
    memory says they are due), so a correction after an article left the feeds is still caught.
    The run fails when the health gate finds a measure past its threshold (the good pages are loaded)."""
    forward_logs()
    source, config = get_site(site), load_config()
    db_path = str(warehouse or config.warehouse)
    crawl = Crawl(
        archive_dir=str(archive or config.archive),
        base_url=base_url,
        hosts=source.domains,
        allow_private=allow_private_addresses,
        user_agent=user_agent or config.user_agent,
        max_workers=workers or config.workers,
        min_delay=next(d for d in (delay, config.delay, source.min_delay) if d is not None),
        max_bytes=max_bytes,
        deadline=request_deadline,
    )
    run_id = flow_run.get_id() or str(uuid4())
    if abandoned := start_run(db_path, run_id, source.name, _now(), archive_dir=crawl.archive_dir):
        get_run_logger().warning("%d earlier run(s) of %s died and are marked abandoned", abandoned, site)
    run = Run(source, db_path, run_id, dict.fromkeys(COUNTS, 0), Tally(source.name), config.health)
    try:  # whatever happens, the run's row says how it ended
        backfill = index_pages(source, backfill_from, backfill_to or _now().date()) if backfill_from else []
        recent = recent_articles(db_path, source.name, _now() - timedelta(days=revisit_days))
        _ingest(run, crawl, limit, batch_size, backfill, recent, Budget(max_pages, max_minutes))
    except RunFailed:  # nothing to load (nothing discovered): judged, kept and shown all the same
        _conclude(run, failed=True)
        raise
    except BaseException:
        finish_run(db_path, run_id, _now(), "failed", run.counts)
        raise
    if failed := _conclude(run):
        raise RunFailed("health gate: " + "; ".join(v.message for v in failed))
    return run.counts


@dataclass
class Run:
    """One run of one site: where it writes, what it counted, what the health gate will judge."""

    site: Site
    db_path: str
    run_id: str
    counts: dict[str, int]
    tally: Tally
    limits: Thresholds


def _conclude(run: Run, failed: bool = False) -> list[Verdict]:
    """Judge the run, end its row (`failed` on a breach, or when it `failed` already), refresh the
    search index, publish the summary; returns the breaches."""
    try:
        verdicts = check_health(run.db_path, run.run_id, run.tally, run.limits, _now())
    except BaseException:
        finish_run(run.db_path, run.run_id, _now(), "failed", run.counts)
        raise
    breached = breaches(verdicts)
    status = "failed" if breached or failed else "completed"
    finish_run(run.db_path, run.run_id, _now(), status, run.counts)
    if run.counts["articles_new"] or run.counts["articles_updated"]:
        refresh_search(run.db_path)  # the full-text index follows the articles
    publish(run.site.name, run.counts, run.tally, verdicts)
    logger = get_run_logger()
    logger.info("run %s: %s", run.run_id, run.counts)
    for verdict in breached:
        logger.error("health gate: %s", verdict.message)
    flush_logs()
    return breached


class Budget:
    """What a run may still spend: pages fetched and minutes."""

    def __init__(self, pages: int | None, minutes: float | None) -> None:
        self.pages = pages
        self.ends = time.monotonic() + minutes * 60 if minutes is not None else None

    def take(self, urls: list[str]) -> list[str]:
        """The URLs of the next batch that the budget allows (none once it is spent)."""
        if self.ends is not None and time.monotonic() >= self.ends:
            return []
        allowed = urls if self.pages is None else urls[: max(self.pages, 0)]
        self.pages = None if self.pages is None else self.pages - len(allowed)
        return allowed


def _ingest(
    run: Run,
    crawl: Crawl,
    limit: int | None,
    batch_size: int,
    backfill: list[str],
    recent: list[str],
    budget: Budget,
) -> None:
    site, db_path, counts = run.site, run.db_path, run.counts
    found = discover(site, crawl, backfill, previous_sources(db_path, site.name))
    record_sources(db_path, run.run_id, list(found.sources))
    crawl = replace(crawl, robots=found.robots)  # robots.txt is read once per host per run
    urls = _due(run, crawl, found, recent, limit)
    batches = Batches(site.name, len(urls) if budget.pages is None else min(len(urls), budget.pages))
    for batch in (urls[start : start + batch_size] for start in range(0, len(urls), batch_size)):
        if not (batch := budget.take(batch)):
            left = len(urls) - counts["pages_fetched"]
            get_run_logger().info("run budget spent: %d article URLs left for the next run", left)
            break
        # quote(): Prefect would walk every page, result and plan looking for futures (0.25 s per
        # task call on a 200-page batch); these hold none
        pages = fetch_batch(quote(crawl), batch, quote(previous_fetches(db_path, batch)))
        fresh = fresh_pages(db_path, quote(pages))
        results, continuations = extract_batch(site, quote(crawl), quote(fresh))
        plan = dedup_batch(db_path, quote(pages), quote(results), quote(continuations))
        loaded = load_batch(db_path, run.run_id, quote(pages), quote(plan), quote(continuations))
        _add(counts, loaded, _fetch_counts(pages, plan))
        run.tally.add(pages, results, site.rules_for)
        batches.step(len(batch), counts["fetch_errors"])


def _due(run: Run, crawl: Crawl, found: Discovery, recent: list[str], limit: int | None) -> list[str]:
    """The URLs to request this run: one per article, discovered ones first, then the recent articles
    to revisit; and only those the failure memory and the sitemaps' lastmod say are due."""
    site, counts = run.site, run.counts
    if not found.urls:
        why = "; ".join(found.problems[:3]) or "the sources listed none"
        raise RunFailed(f"discovery found no article URLs of {site.name}: {why}")
    listed = set(found.urls)
    selection = select_articles(site, [*found.urls, *(url for url in recent if url not in listed)], limit)
    changed_at = {crawl.locate(url): when for url, when in found.lastmod.items()}
    urls, held = due_urls(run.db_path, [crawl.locate(url) for url in selection.urls], _now(), changed_at)
    run.tally.urls_discovered = len(selection.urls)
    counts |= {
        "urls_discovered": len(selection.urls),
        "urls_skipped": selection.skipped,
        "urls_collapsed": selection.collapsed,
        "urls_not_due": sum(held.values()),
    }
    if held:
        get_run_logger().info(
            "not due this run: %s", ", ".join(f"{n} {why}" for why, n in sorted(held.items()))
        )
    return urls


def _fetch_counts(pages, plan: Plan) -> dict[str, int]:
    outcomes = list(plan.outcomes.values())
    return {
        "pages_fetched": len(pages),
        "pages_unchanged": outcomes.count(UNCHANGED),
        "fetch_errors": outcomes.count(ERROR),
        "pages_skipped": outcomes.count(SKIPPED),
    }


def _add(total: dict[str, int], *parts: dict[str, int]) -> None:
    for part in parts:
        for key, value in part.items():
            total[key] += value


def _now() -> datetime:
    return datetime.now(UTC)
