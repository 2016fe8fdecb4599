"""fetch: one batch of URLs per task run (Prefect's per-task overhead is ~25 ms: batch 100-500 URLs)."""

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from kabar.http import Crawl, Fetcher
from kabar.records import FetchedPage, Validators


@task(name="fetch", retries=2, retry_delay_seconds=30, cache_policy=NO_CACHE)
def fetch_batch(
    crawl: Crawl, urls: list[str], previous: Mapping[str, Validators] | None = None
) -> list[FetchedPage]:
    with Fetcher(crawl, previous or {}) as fetcher, _telling(fetcher, len(urls)):
        return fetcher.fetch_all(urls)


REPORT_EVERY = 15.0  # seconds: at 1 request/s a batch of 100 takes ~100 s, which should not be silent


@contextmanager
def _telling(fetcher: Fetcher, total: int) -> Iterator[None]:
    """Log how far the batch got every REPORT_EVERY seconds while it runs."""
    logger, stop = get_run_logger(), threading.Event()

    def tell() -> None:
        while not stop.wait(REPORT_EVERY):
            logger.info("fetching: %d/%d pages of this batch answered", fetcher.done, total)

    teller = threading.Thread(target=tell, name="fetch-progress", daemon=True)
    teller.start()
    try:
        yield
    finally:
        stop.set()
        teller.join()
