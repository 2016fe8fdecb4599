"""The records that flow between steps and layers: small, frozen, typed.

select -> Selection, fetch -> FetchedPage, parse -> ParsedArticle (+ RelatedLink, from a layout's
Cards), clean -> Article (+ Removal), dedup -> Plan. `dataclasses.asdict` of an article is the
golden-file JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import NamedTuple

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class Discovery:
    """What discovery found: page URLs first seen first, the time a sitemap or feed says each last
    changed, and every source that gave nothing, with why."""

    urls: tuple[str, ...]
    lastmod: Mapping[str, datetime] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    robots: Mapping[str, tuple] = field(default_factory=dict)  # origin -> kabar.http.RobotsText read
    sources: tuple[FetchedPage, ...] = ()  # the fetches of sitemaps, feeds and listings


@record
class Selection:
    """The article pages a run fetches, from every URL discovery found."""

    urls: tuple[str, ...]  # canonical article URLs, in discovery order
    skipped: int  # URLs of pages that are not articles (index pages, tags, ...)
    collapsed: int  # other URLs of an already selected article (tracking parameters, m. hosts, ...)


class Validators(NamedTuple):
    """What the previous fetch of a URL told us, for a conditional GET."""

    etag: str | None
    last_modified: str | None
    content_hash: str | None


@record
class FetchedPage:
    """One HTTP fetch; the raw bytes live in the archive under `content_hash`."""

    url: str  # as requested
    final_url: str  # after redirects
    fetched_at: datetime
    status: int | None = None  # None when no response came back
    content_hash: str | None = None  # sha256 of the raw body
    archive_path: str | None = None
    byte_count: int = 0
    elapsed_ms: float = 0.0
    attempts: int = 1
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None  # what went wrong, for a person
    reason: str | None = None  # the same as a short stable code (see REASONS), for failure memory
    retry_after: float | None = None  # seconds the server asked us to wait (429/503 Retry-After)
    charset: str | None = None  # what the body's bytes were decoded as (kabar.charset)
    charset_source: str | None = None  # how that was chosen: bom, header, meta, detected, fallback
    unchanged: bool = False  # 304, or the same bytes as the last fetch of this URL
    # The response's Date: when the server produced the page, which its relative times ("2 jam lalu")
    # count from; a mirror replaying a captured page sends the capture time. None: no usable Date.
    served_at: datetime | None = None


# FetchedPage.reason codes: why a URL gave no usable page this time.
REASONS = (
    "disallowed",  # robots.txt forbids it: skipped, not an error
    "out_of_scope",  # a redirect hop left the site's hosts (or the mirror), or reached a refused address
    "too_many_redirects",
    "too_large",  # the body passed the size limit (compressed or decompressed): cut off, never parsed
    "deadline",  # the request's total deadline passed (a hang, a trickle)
    "deferred",  # still loading when the rest of its batch was done: left for a later run
    "connection",  # refused, reset, DNS
    "truncated",  # the body ended before its Content-Length, or the HTML before its article closed
    "http_404",
    "http_410",
    "http_429",
    "http_5xx",
    "http_other",
    "robots_unreachable",  # robots.txt answered 5xx or not at all: nothing on that host is fetched
)


@record
class TimeWindow:
    """A publication time known only to lie in (after, until]."""

    after: datetime
    until: datetime


@record
class RelatedLink:
    """One item of a related-article block shown on a page."""

    block: str  # rekomendasi, video_pilihan, berita_terkait, ...
    position: int  # 1-based, in page order within the block
    url: str  # canonical
    target_article_id: str | None = None
    title: str | None = None
    time_text: str | None = None  # as shown: "2 jam lalu"
    published_after: datetime | None = None
    published_until: datetime | None = None
    image_url: str | None = None
    image_caption: str | None = None
    summary: str | None = None


@record
class Card:
    """One item of a related-article block as a layout reads it, before it becomes a RelatedLink."""

    href: str
    title: str | None = None
    time_text: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    summary: str | None = None


@record
class ParsedArticle:
    """What a site module reads off one article page, before cleaning."""

    site: str
    article_id: str  # "<site>:<the site's own id>"
    url: str  # canonical
    layout: str
    fetched_at: datetime
    title: str
    paragraphs: tuple[str, ...]  # body blocks in page order, boilerplate still in
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    editor: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    dateline: str | None = None
    agency: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    image_credit: str | None = None
    editors_pick_title: str | None = None
    editors_pick_url: str | None = None
    language: str | None = None
    kind: str = "article"  # article, video, photo_gallery, infographic
    access: str = "free"  # free, paywalled (a paywalled body is a teaser, never complete)
    page_count: int = 1  # pages of a multi-page article joined into this one
    continuation_urls: tuple[str, ...] = ()  # pages 2..n, as page 1 links them; fetched and joined
    related: tuple[RelatedLink, ...] = ()


@record
class Removal:
    """What one named cleaning rule took out of one page."""

    rule: str
    count: int
    sample: str


@record
class Article:
    """A cleaned article: the parsed fields plus the body that reaches the warehouse."""

    parsed: ParsedArticle
    body: str
    content_hash: str  # sha256 of the normalised body and title
    removals: tuple[Removal, ...] = field(default=())
    flags: tuple[str, ...] = ()  # what makes the text doubtful: "replacement_characters"


@record
class ExtractionIssue:
    """A page that could not become an article, and why; the raw page stays archived."""

    url: str
    stage: str  # fetch, parse, clean
    problem: str
    detail: str = ""
    content_hash: str | None = None


class RunFailed(Exception):
    """A run that cannot do its job (the site unreachable, nothing discovered): one line says why."""


class ParseError(Exception):
    """The page could not become an article; `problem` is a short stable code for the warehouse."""

    def __init__(self, problem: str, detail: str = ""):
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem, self.detail = problem, detail


# What became of one fetch; stored in `fetches.outcome`.
ERROR, UNCHANGED, ISSUE, DUPLICATE, ARTICLE = "error", "unchanged", "issue", "duplicate", "article"
CONTINUATION = "continuation"  # page 2..n of a multi-page article, joined into page 1's article
SKIPPED = "skipped"  # robots.txt forbids the page: not requested, not an error
SOURCE = "source"  # a discovery source (sitemap, feed, listing page), not an article page

Signature = tuple[int, ...]  # the MinHash of a body (kabar.neardup)


@record
class Plan:
    """What one batch writes: the articles, the URLs that led to them, the issues, each fetch's outcome."""

    articles: tuple[Article, ...]
    aliases: tuple[tuple[str, str], ...]  # (fetched URL, article id)
    issues: tuple[ExtractionIssue, ...]
    outcomes: Mapping[str, str]  # fetched URL -> outcome
    signatures: Mapping[str, Signature] = field(default_factory=dict)  # article id -> MinHash of a new body

    @property
    def duplicates(self) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome == DUPLICATE)


def to_json(item, indent: int | None = 2) -> str:
    """A record as the golden files store it: readable UTF-8, times in ISO 8601 (UTC); one line
    without `indent`."""
    return json.dumps(asdict(item), ensure_ascii=False, indent=indent, default=_iso) + "\n"


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
