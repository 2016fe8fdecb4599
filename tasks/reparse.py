"""reparse: archived pages -> articles or issues again, with no network (after a rule or parser change).

Pages come from the `fetches` table (each URL's latest successful fetch) and their bytes from the
archive; pages 2..n of a multi-page article too, through the fetches of their URLs.

On a Dask cluster (`extract_pages`) only the CPU-bound work leaves the flow's process: the flow reads
the archive files as stored (`read_pages`: gzip, a quarter of the page), a worker unpacks and extracts
them, and a page whose continuation page the worker was not given comes back as a request for it
(`Needs`); the flow reads that page (`continuation`) and submits the page again with it. The results
are the same as `extract_archived`'s.
"""

import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.archive import archive_path, read_archived, unpack
from kabar.extract import PageSource, Unavailable, extract_from_fetch
from kabar.records import Article, ExtractionIssue, FetchedPage
from kabar.sites import Site, all_sites, demo_sites
from kabar.urls import rebase
from kabar.warehouse import reparse
from kabar.warehouse.db import exists, session

Result = Article | ExtractionIssue
UNREADABLE = (
    OSError,
    EOFError,
    zlib.error,
)  # missing file, cut-off or corrupt gzip (BadGzipFile is an OSError)


def real_url(site: Site, url: str) -> str:
    """The site's own URL for a URL a run requested: itself, or the path on the site when the run
    fetched from a mirror (as `kabar run --base-url` does)."""
    return url if site.owns(url) else rebase(url, site.base_url)


def one_per_page(site: Site, pages: list[FetchedPage]) -> list[FetchedPage]:
    """The first of the pages (newest first) per real URL: runs against mirrors on different ports
    fetched one page under several URLs."""
    kept: dict[str, FetchedPage] = {}
    for page in pages:
        kept.setdefault(real_url(site, page.url), page)
    return list(kept.values())


def warehouse_exists(db_path: str) -> bool:
    """Whether a warehouse was made there (a file's catalog, or a PostgreSQL location)."""
    return exists(db_path)


@task(name="fetched-sites", cache_policy=NO_CACHE)
def fetched_sites(db_path: str) -> list[str]:
    """The sites the warehouse holds fetches of, registered or the demo's (one since removed is left out)."""
    with session(db_path) as con:
        return [name for name in reparse.fetched_sites(con) if name in all_sites() or name in demo_sites()]


@task(name="pages-to-reparse", cache_policy=NO_CACHE)
def pages_to_reparse(
    db_path: str, site: Site, archive_dir: str, since: date | None = None, layout: str | None = None
) -> list[FetchedPage]:
    """Each page's latest successful fetch, newest first, with its archive path."""
    start = datetime.combine(since, time(), UTC) if since else None
    with session(db_path) as con:
        pages = reparse.pages_to_reparse(con, site.name, start, layout)
    return [
        replace(page, archive_path=str(archive_path(archive_dir, page.content_hash)))
        for page in one_per_page(site, pages)
    ]


def archived_source(db_path: str, site: Site, archive_dir: str) -> PageSource:
    """Pages 2..n from the archive, as the site's runs last fetched them; `Unavailable` when a page
    was never fetched or its archive file is gone."""

    def get(url: str) -> bytes:
        with session(db_path) as con:  # rarely needed: a connection taken only then
            digest = reparse.archived_hash(con, site.name, url)
        if digest is None:
            raise Unavailable(f"{url}: never fetched")
        try:
            return read_archived(archive_path(archive_dir, digest))
        except UNREADABLE as error:
            raise Unavailable(f"{url}: archive {digest[:12]}: {error}") from None

    return get


def extract_page(site: Site, page: FetchedPage, html: bytes, more: PageSource) -> Result:
    """As the ingest flow extracts a fetched page; an issue keeps the raw page's hash."""
    return extract_from_fetch(site, page, html, real_url(site, page.final_url), more)


@task(name="extract-archived", cache_policy=NO_CACHE)
def extract_archived(
    db_path: str, site: Site, archive_dir: str, pages: list[FetchedPage]
) -> tuple[dict[str, Result], list[str]]:
    """Each readable page's result by its URL, and the URLs whose archive file is missing or corrupt
    (left as they are in the warehouse)."""
    more = archived_source(db_path, site, archive_dir)
    results: dict[str, Result] = {}
    missing: list[str] = []
    for page in pages:
        try:
            html = read_archived(page.archive_path)
        except UNREADABLE:
            missing.append(page.url)
            continue
        results[page.url] = extract_page(site, page, html, more)
    return results, missing


# --- on a cluster: the flow reads, a worker extracts ------------------------------------------------

Continuations = dict[str, bytes | str]  # a continuation page's bytes by URL, or why it cannot be had


@dataclass(frozen=True)
class Needs:
    """A page whose extraction needs a continuation page the worker was not given."""

    url: str


class _Missing(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


@dataclass(frozen=True)
class Unreadable:
    """A page whose archive file did not unpack on the worker (cut off, corrupt): left as it is."""


class Parcel:
    """A batch for a worker: each page with its archive file's bytes, and the continuation pages given.
    A plain class, not a list or a dataclass: Prefect walks those looking for futures (a quarter of a
    second a batch), and its quote() wrapper reaches a Dask worker still wrapped."""

    __slots__ = ("pages", "more")

    def __init__(self, pages: list[tuple[FetchedPage, bytes]], more: Continuations) -> None:
        self.pages, self.more = pages, more


def read_pages(pages: list[FetchedPage]) -> tuple[list[tuple[FetchedPage, bytes]], list[str]]:
    """Each page with its archive file's bytes as stored, and the URLs whose archive file is gone."""
    read: list[tuple[FetchedPage, bytes]] = []
    missing: list[str] = []
    for page in pages:
        try:
            read.append((page, Path(page.archive_path).read_bytes()))
        except OSError:
            missing.append(page.url)
    return read, missing


def continuation(source: PageSource, url: str) -> bytes | str:
    """A continuation page's bytes from the archive, or the reason it cannot be had (`Unavailable`)."""
    try:
        return source(url)
    except Unavailable as error:
        return str(error)


def given(pages: Continuations) -> PageSource:
    """A page source over the continuation pages given: a reason stands for `Unavailable`; a page not
    given stops the extraction (`_Missing`), to be asked of the flow."""

    def get(url: str) -> bytes:
        if url not in pages:
            raise _Missing(url)
        if isinstance(page := pages[url], str):
            raise Unavailable(page)
        return page

    return get


@task(name="extract-pages", cache_policy=NO_CACHE, persist_result=False)
def extract_pages(site: Site, parcel: Parcel) -> list[Result | Needs | Unreadable]:
    """Each page's result, in order, from its archive file's bytes and the continuation pages given
    (plain records: they travel back from a worker)."""
    return [_extract_given(site, page, stored, parcel.more) for page, stored in parcel.pages]


def _extract_given(
    site: Site, page: FetchedPage, stored: bytes, more: Continuations
) -> Result | Needs | Unreadable:
    try:
        html = unpack(stored)
    except UNREADABLE:
        return Unreadable()
    try:
        return extract_page(site, page, html, given(more))
    except _Missing as missing:
        return Needs(missing.url)
