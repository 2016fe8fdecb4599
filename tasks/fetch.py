"""fetch: one batch of URLs per task run (Prefect's per-task overhead is ~25 ms: batch 100-500 URLs)."""

from collections.abc import Mapping

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.http import Crawl, Fetcher
from kabar.records import FetchedPage, Validators


@task(name="fetch", retries=2, retry_delay_seconds=30, cache_policy=NO_CACHE)
def fetch_batch(
    crawl: Crawl, urls: list[str], previous: Mapping[str, Validators] | None = None
) -> list[FetchedPage]:
    with Fetcher(crawl, previous or {}) as fetcher:
        return fetcher.fetch_all(urls)
