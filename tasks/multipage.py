"""Multi-page articles: fetch pages 2..n that page 1 links, and join them into one article."""

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.records import ExtractionIssue, FetchedPage, ParsedArticle, RelatedLink
from kabar.urls import fetch_from
from sites import Site, get_site
from tasks.fetch import USER_AGENT, fetch_pages
from tasks.parse import parse_page

Result = ParsedArticle | ExtractionIssue


def join_pages(first: ParsedArticle, rest: list[ParsedArticle]) -> ParsedArticle:
    """Page 1's fields, every page's paragraphs in order; a field page 1 lacks (the editor's pick and
    the agency credit stand at the end of the story) comes from a later page; related links of
    every page, each (block, URL) once."""
    pages = [first, *rest]
    later = {name: next((getattr(p, name) for p in rest if getattr(p, name)), None)
             for name in ("agency", "editors_pick_title", "editors_pick_url", "dateline")}
    return replace(
        first,
        paragraphs=tuple(par for page in pages for par in page.paragraphs),
        page_count=len(pages),
        related=_merge_related([link for page in pages for link in page.related]),
        **{name: getattr(first, name) or value for name, value in later.items()},
    )


def _merge_related(links: list[RelatedLink]) -> tuple[RelatedLink, ...]:
    merged: dict[tuple[str, str], RelatedLink] = {}
    for link in links:
        if (link.block, link.url) not in merged:
            position = 1 + sum(1 for block, _ in merged if block == link.block)
            merged[link.block, link.url] = replace(link, position=position)
    return tuple(merged.values())


def join_continuations(site: Site, first: ParsedArticle, pages: Mapping[str, FetchedPage],
                       parse: Callable[[Site, FetchedPage], Result] = parse_page) -> Result:
    """`first` joined with its fetched continuation pages; an issue if one is missing or unparsable
    (stage "fetch" when it could not be fetched: the next run tries again)."""
    rest = []
    for url in first.continuation_urls:
        page = pages[url]
        if page.status != 200:
            return ExtractionIssue(url=first.url, stage="fetch", problem="continuation_failed",
                                   detail=f"{url}: {page.error or page.status}")
        result = parse(site, page)
        if isinstance(result, ExtractionIssue):
            return replace(result, url=first.url, problem=f"continuation_{result.problem}")
        rest.append(result)
    return join_pages(first, rest)


@task(name="multipage", cache_policy=NO_CACHE)
def complete_multipage(
    site_name: str, parsed: dict[str, Result], archive_dir: str, base_url: str | None = None,
    user_agent: str = USER_AGENT, min_delay: float = 0.0, max_workers: int = 4,
) -> tuple[dict[str, Result], list[FetchedPage]]:
    """Fetches every continuation page the batch's articles link and joins them; returns the joined
    results and the extra fetches (for the `fetches` table)."""
    wanted = list(dict.fromkeys(u for p in parsed.values() if isinstance(p, ParsedArticle) for u in p.continuation_urls))
    if not wanted:
        return parsed, []
    fetched = fetch_pages(list(map(fetch_from(base_url), wanted)), archive_dir=Path(archive_dir),
                          user_agent=user_agent, min_delay=min_delay, max_workers=max_workers)
    by_url, site = dict(zip(wanted, fetched)), get_site(site_name)
    joined = {url: join_continuations(site, p, by_url) if isinstance(p, ParsedArticle) and p.continuation_urls else p
              for url, p in parsed.items()}
    return joined, fetched
