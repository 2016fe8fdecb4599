"""One page becomes one Article or one ExtractionIssue: parse it, join its continuation pages, clean it.

This is the only place those steps are put together; the flow, `kabar extract`, `kabar stats` and
the golden test all call `extract`, so they cannot disagree.
"""

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from kabar.charset import binary_kind, decode
from kabar.clean import Rule, clean
from kabar.records import Article, ExtractionIssue, FetchedPage, ParsedArticle, ParseError, RelatedLink

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """A continuation page could not be had; the message says which and why."""


PageSource = Callable[[str], bytes]  # the raw bytes at a (real-site) URL; raises Unavailable


class Extractor(Protocol):
    """What extraction needs of a site."""

    def parse(self, html: bytes | str, url: str, fetched_at: datetime) -> ParsedArticle: ...

    def rules_for(self, layout_name: str) -> Sequence[Rule]: ...


def extract_from_fetch(
    site: Extractor,
    page: FetchedPage,
    html: bytes,
    url: str,
    more: PageSource | None = None,
    charset: str | None = None,
) -> Article | ExtractionIssue:
    """`extract` for a page kabar fetched: relative times ("2 jam lalu") count from when the server
    produced the page (its Date, else the fetch), while the article was seen when kabar fetched it;
    an issue keeps the raw page's hash."""
    result = extract(site, html, url, page.served_at or page.fetched_at, more, charset)
    if isinstance(result, ExtractionIssue):
        return replace(result, content_hash=page.content_hash)
    return replace(result, parsed=replace(result.parsed, fetched_at=page.fetched_at))


def extract(
    site: Extractor,
    html: bytes,
    url: str,
    fetched_at: datetime,
    more: PageSource | None = None,
    charset: str | None = None,
) -> Article | ExtractionIssue:
    """The cleaned article on a page fetched from `url` at `fetched_at`. `more` fetches pages 2..n
    of a multi-page article; without it page 1 stands alone. `charset`: what the fetch chose (else
    chosen here, from the bytes alone). Never raises for a bad page."""

    def issue(stage: str, problem: str, detail: str) -> ExtractionIssue:
        return ExtractionIssue(url=url, stage=stage, problem=problem, detail=detail)

    if (kind := binary_kind(html)) is not None:  # decoded, it would be garbage loaded as a story
        return issue("parse", "not_html", f"the body is {kind}")
    pages = [decode(html, charset)]
    try:
        first = _parse(site, pages[0].text, url, fetched_at)
    except ParseError as error:
        return issue("parse", error.problem, error.detail)
    rest: list[ParsedArticle] = []
    for page_url in first.continuation_urls if more else ():
        try:
            body = more(page_url)
            if (kind := binary_kind(body)) is not None:
                raise ParseError("not_html", f"the body is {kind}")
            pages.append(decode(body))
            rest.append(_parse(site, pages[-1].text, page_url, fetched_at))
        except Unavailable as error:  # stage "fetch": the next run tries again
            return replace(issue("fetch", "continuation_failed", str(error)), url=first.url)
        except ParseError as error:
            return replace(issue("parse", f"continuation_{error.problem}", error.detail), url=first.url)
    article = clean(join_pages(first, rest), site.rules_for(first.layout))
    replaced = any(page.replaced for page in pages)
    return (
        replace(article, flags=("replacement_characters",))
        if replaced and isinstance(article, Article)
        else article
    )


def extract_available(
    site: Extractor, html: bytes, url: str, fetched_at: datetime, more: PageSource | None
) -> tuple[Article | ExtractionIssue, str | None]:
    """As `extract`; when a continuation page cannot be had, page 1 alone and a line saying why
    (for a person reading one saved page, who wants what there is)."""
    result = extract(site, html, url, fetched_at, more)
    if isinstance(result, ExtractionIssue) and result.problem == "continuation_failed":
        return extract(site, html, url, fetched_at), f"page 1 alone: {result.detail}"
    return result, None


def _parse(site: Extractor, html: str, url: str, fetched_at: datetime) -> ParsedArticle:
    try:
        return site.parse(html, url, fetched_at)
    except ParseError:
        raise
    except Exception as error:  # one page's surprise must not stop the batch; the raw page is archived
        log.exception("parser crashed on %s", url)
        raise ParseError("parser_crashed", f"{type(error).__name__}: {error}") from error


def join_pages(first: ParsedArticle, rest: list[ParsedArticle]) -> ParsedArticle:
    """Page 1's fields, every page's paragraphs in order; a field page 1 lacks (the editor's pick and
    the agency credit stand at the end of the story) comes from a later page; related links of
    every page, each (block, URL) once."""
    pages = [first, *rest]
    later = {
        name: next((getattr(p, name) for p in rest if getattr(p, name)), None)
        for name in ("agency", "editors_pick_title", "editors_pick_url", "dateline")
    }
    return replace(
        first,
        paragraphs=tuple(par for page in pages for par in page.paragraphs),
        page_count=len(pages),
        related=_merge_related([link for page in pages for link in page.related]),
        **{name: getattr(first, name) or value for name, value in later.items()},
    )


def _merge_related(links: list[RelatedLink]) -> tuple[RelatedLink, ...]:
    merged: dict[tuple[str, str], RelatedLink] = {}
    per_block: Counter[str] = Counter()
    for link in links:
        if (link.block, link.url) not in merged:
            per_block[link.block] += 1
            merged[link.block, link.url] = replace(link, position=per_block[link.block])
    return tuple(merged.values())
