"""extract: fetched pages -> articles or issues, through the one extraction path (kabar.extract)."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.archive import read_archived
from kabar.extract import PageSource, Unavailable, extract_from_fetch
from kabar.http import Crawl, Fetcher
from kabar.records import Article, ExtractionIssue, FetchedPage
from kabar.sites import Site
from kabar.urls import rebase

Result = Article | ExtractionIssue


def extract_fetched(site: Site, crawl: Crawl, page: FetchedPage, more: PageSource | None = None) -> Result:
    """The article on an archived page; an issue keeps the raw page's hash (the page stays archived)."""
    url = rebase(page.final_url, site.base_url) if crawl.base_url else page.final_url  # the real URL
    return extract_from_fetch(site, page, read_archived(page.archive_path), url, more, page.charset)


@task(name="extract", cache_policy=NO_CACHE)
def extract_batch(
    site: Site, crawl: Crawl, pages: list[FetchedPage]
) -> tuple[dict[str, Result], list[FetchedPage]]:
    """Each page's result by the URL it was fetched from, and the continuation pages fetched on the
    way (pages 2..n of multi-page articles, for the `fetches` table)."""
    continuations: list[FetchedPage] = []
    with Fetcher(crawl) as fetcher:

        def more(url: str) -> bytes:
            page = fetcher.fetch(crawl.locate(url))
            continuations.append(page)
            if page.status != 200:
                raise Unavailable(f"{url}: {page.error or page.status}")
            return read_archived(page.archive_path)

        return {page.url: extract_fetched(site, crawl, page, more) for page in pages}, continuations
