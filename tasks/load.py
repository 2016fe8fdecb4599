"""load: the flow's writes and reads of the warehouse (tasks take the warehouse's location and a
connection of the process's for their time: `session`). A write whose commit loses to another writer's
(several workers on one PostgreSQL catalog) is tried again, on another connection, after a growing
pause."""

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from kabar.archive import remove_stale_temp_files
from kabar.records import FetchedPage, Plan, Validators
from kabar.warehouse import loader
from kabar.warehouse.db import is_conflict, session

ATTEMPTS = 6  # a commit tried this often before its conflict fails the task
FIRST_PAUSE = 0.2  # seconds before the second try; doubled each time, jittered so losers spread out
T = TypeVar("T")


def write(db_path: str, work: Callable[..., T], *args) -> T:
    """`work(con, *args)`, which commits its own transaction, on another connection per attempt; tried
    again only when the commit lost to a concurrent writer (DuckLake's conflict: nothing of it was
    stored), up to ATTEMPTS times. Each retry is logged."""
    for attempt in range(1, ATTEMPTS):
        try:
            with session(db_path) as con:
                return work(con, *args)
        except Exception as error:
            if not is_conflict(error):
                raise
            pause = FIRST_PAUSE * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            _logger().warning(
                "warehouse commit conflict in %s (attempt %d of %d), retrying in %.2f s: %s",
                work.__name__,
                attempt,
                ATTEMPTS,
                pause,
                (str(error).strip().splitlines() or [type(error).__name__])[0],
            )
            time.sleep(pause)
    with session(db_path) as con:  # the last attempt: its conflict fails the task
        return work(con, *args)


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:  # called outside a flow or task run
        return logging.getLogger(__name__)


@task(name="start-run", cache_policy=NO_CACHE)
def start_run(
    db_path: str,
    run_id: str,
    site: str,
    started_at: datetime,
    archive_dir: str | None = None,
    kind: str = "ingest",
) -> int:
    """The run's row. A run of this site and kind still `running` died (one runs at a time): it is
    marked `abandoned`; returns how many were. With `archive_dir`, temp files a killed writer left
    in the archive are removed."""
    if archive_dir:
        remove_stale_temp_files(archive_dir)
    return write(db_path, loader.start_run, run_id, site, started_at, kind)


@task(name="previous-fetches", cache_policy=NO_CACHE)
def previous_fetches(db_path: str, urls: list[str]) -> dict[str, Validators]:
    with session(db_path) as con:
        return {url: Validators(*known) for url, known in loader.previous_fetches(con, urls).items()}


@task(name="previous-sources", cache_policy=NO_CACHE)
def previous_sources(db_path: str, site: str) -> dict[str, Validators]:
    """Validators of the site's discovery sources read before: the next read is a conditional GET."""
    with session(db_path) as con:
        urls = loader.source_urls(con, site)
        return {url: Validators(*known) for url, known in loader.previous_fetches(con, urls).items()}


@task(name="recent-articles", cache_policy=NO_CACHE)
def recent_articles(db_path: str, site: str, since: datetime) -> list[str]:
    with session(db_path) as con:
        return loader.recent_article_urls(con, site, since)


@task(name="record-sources", cache_policy=NO_CACHE)
def record_sources(db_path: str, run_id: str, pages: list[FetchedPage]) -> None:
    write(db_path, loader.record_sources, run_id, pages)


@task(name="due-urls", cache_policy=NO_CACHE)
def due_urls(
    db_path: str, urls: list[str], now: datetime, changed_at: dict[str, datetime] | None = None
) -> tuple[list[str], dict[str, int]]:
    """The URLs the failure memory lets the run fetch at `now` (input order), and how many it holds
    back per reason: gone, backoff, revisit, unchanged. Ask with the URLs as the run requests them."""
    with session(db_path) as con:
        return loader.due(con, urls, now, changed_at)


@task(name="load", cache_policy=NO_CACHE)
def load_batch(
    db_path: str,
    run_id: str,
    pages: list[FetchedPage],
    plan: Plan,
    continuations: list[FetchedPage] | None = None,
) -> dict[str, int]:
    """One batch in one transaction (tried again on a commit conflict); `continuations` (pages 2..n)
    are recorded as fetches only."""
    return write(db_path, loader.load_batch, run_id, pages, plan, continuations or ())


@task(name="load-reparsed", cache_policy=NO_CACHE)
def load_reparsed(db_path: str, run_id: str, pages: list[FetchedPage], plan: Plan) -> dict[str, int]:
    """Archived pages parsed again: content, issues and links; no fetches rows, no failure memory."""
    return write(db_path, loader.load_reparsed, run_id, pages, plan)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run(db_path: str, run_id: str, finished_at: datetime, status: str, counts: dict[str, int]) -> None:
    write(db_path, loader.finish_run, run_id, finished_at, status, counts)
