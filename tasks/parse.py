"""parse: FetchedPage -> ParsedArticle, through the site module; a page that fails is an issue."""

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.records import ExtractionIssue, FetchedPage, ParsedArticle
from sites import ParseError, Site, get_site
from tasks.fetch import read_archived

log = logging.getLogger(__name__)


def parse_page(site: Site, page: FetchedPage) -> ParsedArticle | ExtractionIssue:
    def issue(problem: str, detail: str) -> ExtractionIssue:
        return ExtractionIssue(url=page.url, stage="parse", problem=problem, detail=detail,
                               content_hash=page.content_hash)

    try:
        return site.parse(read_archived(page.archive_path), page.final_url, page.fetched_at)
    except ParseError as error:
        return issue(error.problem, error.detail)
    except Exception as error:  # one page's surprise must not stop the batch; the raw page is archived
        log.exception("parser crashed on %s", page.url)
        return issue("parser_crashed", f"{type(error).__name__}: {error}")


@task(name="parse", cache_policy=NO_CACHE)
def parse_batch(site_name: str, pages: list[FetchedPage]) -> dict[str, ParsedArticle | ExtractionIssue]:
    """Each page's result, by the URL it was fetched from."""
    site = get_site(site_name)
    return {page.url: parse_page(site, page) for page in pages}
