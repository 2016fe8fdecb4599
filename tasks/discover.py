"""Article URL discovery from robots.txt Sitemap lines, sitemaps (index, urlset, Google News) and feeds.

The parsers are pure and never raise: bytes that are not the XML they expect give empty lists.
"""

from __future__ import annotations

import gzip
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml import etree
from prefect import task
from prefect.cache_policies import NO_CACHE
from protego import Protego

from kabar.http import Crawl, Fetcher
from kabar.records import Discovery, Validators
from kabar.sites import Site

log = logging.getLogger(__name__)


def _parse(data: bytes) -> etree._Element | None:
    if data[:2] == b"\x1f\x8b":  # sitemap.xml.gz served without Content-Encoding
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None
    # Leading blank lines or a BOM before "<?xml" are common and make libxml2 refuse the document.
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    # No entity expansion and no network: sitemaps and feeds come from sites we do not control.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _name(element) -> str:
    """Local name without namespace; '' for comments and processing instructions."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child_texts(parent, child_name: str, grandchild_name: str) -> list[str]:
    # Only direct children: <image:loc> and <news:*> inside <url> are not page URLs.
    return [
        text
        for child in parent
        if _name(child) == child_name
        for grandchild in child
        if _name(grandchild) == grandchild_name and (text := (grandchild.text or "").strip())
    ]


def sitemaps_from_robots(text: str) -> list[str]:
    return list(Protego.parse(text).sitemaps)


def urls_from_sitemap(xml: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a <urlset> or a <sitemapindex>."""
    root = _parse(xml)
    name = "" if root is None else _name(root)
    if name == "urlset":
        return _child_texts(root, "url", "loc"), []
    if name == "sitemapindex":
        return [], _child_texts(root, "sitemap", "loc")
    return [], []


def changed_at(xml: bytes) -> dict[str, datetime]:
    """When each page last changed, as a sitemap (<lastmod>) or a feed (<updated>, <pubDate>, ...)
    says: pages not changed since their last fetch need no request."""
    root = _parse(xml)
    if root is None:
        return {}
    entries = (el for el in root.iter() if _name(el) in ("url", "item", "entry"))
    return {url: when for entry in entries if (url := _entry_url(entry)) and (when := _entry_time(entry))}


def _entry_url(entry) -> str:
    return next(((c.text or "").strip() for c in entry if _name(c) == "loc"), "") or _entry_link(entry)


def _entry_time(entry) -> datetime | None:
    texts = [(c.text or "").strip() for c in entry if _name(c) in ("lastmod", "updated", "pubDate", "date")]
    for text in filter(None, texts):
        try:
            moment = datetime.fromisoformat(text) if text[:1].isdigit() else parsedate_to_datetime(text)
        except (TypeError, ValueError):
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _entry_link(entry) -> str:
    """RSS <link>text</link>, or the Atom <link href> meant for readers (rel absent or alternate)."""
    for link in entry:
        if _name(link) != "link":
            continue
        if text := (link.text or "").strip():
            return text
        if link.get("rel", "alternate") == "alternate" and (href := (link.get("href") or "").strip()):
            return href
    return ""


def urls_from_feed(xml: bytes) -> list[str]:
    """Item links of RSS 2.0 / RSS 1.0 (<item>) and Atom (<entry>) feeds, in document order."""
    root = _parse(xml)
    if root is None:
        return []
    entries = (el for el in root.iter() if _name(el) in ("item", "entry"))
    return [link for entry in entries if (link := _entry_link(entry))]


def _is_robots(url: str) -> bool:
    return urlsplit(url).path.endswith("/robots.txt")


Listing = Callable[[bytes, str], tuple[list[str], list[str]]]  # a site's home/index page reader


def _read_source(content: bytes, url: str, listing: Listing | None = None) -> tuple[list[str], list[str]]:
    """(page URLs, further sources) of one fetched source, whatever kind it turns out to be."""
    if _is_robots(url):
        return [], sitemaps_from_robots(content.decode("utf-8", "replace"))
    pages, children = urls_from_sitemap(content)
    if not (pages or children):
        pages = urls_from_feed(content)
    if not (pages or children) and listing is not None and _looks_like_html(content):
        pages, children = listing(content, url)
    if not (pages or children):
        log.warning("discovery source %s skipped: no sitemap, feed or listing links found", url)
    return pages, children


def _looks_like_html(content: bytes) -> bool:
    return b"<html" in content[:2048].lower() or b"<!doctype html" in content[:2048].lower()


Source = Callable[[str], bytes | str]  # a source's bytes, or why it could not be read


def discover_urls(
    get: Source,
    start_urls: list[str],
    *,
    max_sitemaps: int = 50,
    rewrite: Callable[[str], str] = lambda url: url,
    listing: Listing | None = None,
    in_scope: Callable[[str], bool] = lambda url: True,
) -> Discovery:
    """Page URLs reachable from `start_urls`, first seen first, without exact duplicates.

    Start URLs are always read; sources found through them (robots.txt Sitemap lines, sitemap
    index entries, listing pages) are read breadth-first when `in_scope` (the site's own hosts), at
    most `max_sitemaps` of them, each once, from the URL `rewrite` gives (a mirror's, when crawling
    one). Page URLs are returned as found; what a source could not give is in `problems`.
    """
    queue, seen, found, lastmod, problems = deque(start_urls), set(start_urls), {}, {}, []
    budget = max_sitemaps
    while queue:
        url = queue.popleft()
        content = get(url)
        if isinstance(content, str):
            problems.append(f"{url}: {content}")
            log.warning("discovery source %s skipped: %s", url, content)
            continue
        pages, children = _read_source(content, url, listing)
        found.update(dict.fromkeys(pages))
        lastmod |= changed_at(content) if pages else {}
        for child in (c for c in children if not in_scope(c)):
            problems.append(f"{child}: not a host of the site, not read")
        fresh = [c for c in dict.fromkeys(map(rewrite, filter(in_scope, children))) if c not in seen]
        if len(fresh) > budget:
            log.warning("max_sitemaps=%d reached: %d sources not read", max_sitemaps, len(fresh) - budget)
        fresh = fresh[:budget]
        budget -= len(fresh)
        seen.update(fresh)
        queue.extend(fresh)
    return Discovery(
        urls=tuple(found), lastmod={u: t for u, t in lastmod.items() if u in found}, problems=tuple(problems)
    )


@task(name="discover", retries=2, retry_delay_seconds=30, cache_policy=NO_CACHE)
def discover(
    site: Site,
    crawl: Crawl,
    extra_sources: list[str] | None = None,
    previous: Mapping[str, Validators] | None = None,
    max_sitemaps: int = 50,
) -> Discovery:
    """Article URLs from the site's start URLs and `extra_sources` (backfill index pages), read
    through the crawl's mirror when it has one, within its scope, limits and robots.txt; home and
    index pages are read as listings; `previous` has the validators of sources read before (a source
    that answers 304 is read from the archive)."""
    sources = [crawl.locate(url) for url in site.start_urls() + (extra_sources or [])]
    with Fetcher(crawl, previous or {}) as fetcher:
        found = discover_urls(
            fetcher.source,
            sources,
            max_sitemaps=max_sitemaps,
            rewrite=crawl.locate,
            listing=site.listing,
            in_scope=lambda url: _is_own(site, crawl, url),
        )
        return replace(found, robots=fetcher.robots_read(), sources=tuple(fetcher.sources))


def _is_own(site: Site, crawl: Crawl, url: str) -> bool:
    """A source found in a source: one of the site's hosts (or, crawling a mirror, the mirror itself)."""
    return site.owns(url) or bool(crawl.base_url) and url.startswith(crawl.base_url.rstrip("/") + "/")


def index_pages(site: Site, first: date, last: date) -> list[str]:
    """The site's index page of every day from `last` back to `first` (newest first), for backfill."""
    days = (last - first).days + 1
    return [url for n in range(max(days, 0)) if (url := site.index_url(last - timedelta(days=n)))]
