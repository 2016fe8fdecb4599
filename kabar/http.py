"""Fetching politely: one session per batch, a per-host throttle, robots.txt, conditional GET, retries.

A `Fetcher` never raises for one bad URL: each URL becomes a `FetchedPage`, with `error` set when
something went wrong. Pages that were not requested at all (robots.txt) have `attempts=0`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from kabar import __version__
from kabar.archive import archive, archive_path
from kabar.extract import PageSource, Unavailable
from kabar.records import FetchedPage, Validators, record
from kabar.urls import rebase

USER_AGENT = f"kabar/{__version__} (+https://github.com/kabar-news/kabar; news archiving bot)"
RETRIES = 3
DISALLOWED = "disallowed by robots.txt"
TIMEOUT = (5.0, 30.0)  # connect, read (seconds)


@record
class Crawl:
    """How a run fetches: from where, into which archive, as whom, how politely. Built once per run
    and handed to every task that fetches."""

    archive_dir: str
    base_url: str | None = None  # a mirror of the site to fetch from instead of the real one
    user_agent: str = USER_AGENT
    min_delay: float = 0.0  # seconds between requests to one host (robots.txt may ask for more)
    max_workers: int = 4

    def locate(self, url: str) -> str:
        """The URL this crawl requests for a real-site URL: itself, or the mirror's."""
        return rebase(url, self.base_url) if self.base_url else url


def make_session(user_agent: str = USER_AGENT, *, pool_size: int = 10) -> requests.Session:
    """A session that identifies itself and retries transient failures of GET/HEAD."""
    retry = Retry(
        total=RETRIES,
        backoff_factor=0.5,  # 0 s, 1 s, 2 s between attempts; Retry-After wins when sent
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last response so its status is recorded
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


# --- politeness ----------------------------------------------------------------------------------


class Throttle:
    """Minimum delay between request starts per host, shared by all threads of a batch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, delay: float) -> None:
        with self._lock:  # reserve a start slot, then sleep outside the lock
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + delay
        time.sleep(start - now)


class Robots(NamedTuple):
    """An origin's rules; `error` set when robots.txt could not be read (then nothing is fetched)."""

    rules: Protego | None
    error: str | None = None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def fetch_robots(session: requests.Session, origin: str, timeout: tuple[float, float]) -> Robots:
    try:
        response = session.get(f"{origin}/robots.txt", timeout=timeout)
    except requests.RequestException as exc:
        return Robots(None, f"robots.txt unreachable: {_describe(exc)}")
    if response.status_code >= 500:  # RFC 9309 2.3.1.4: unreachable means disallow all
        return Robots(None, f"robots.txt unreachable: HTTP {response.status_code}")
    if response.status_code >= 400:  # RFC 9309 2.3.1.3: unavailable means allow all
        return Robots(Protego.parse(""))
    return Robots(Protego.parse(response.content.decode("utf-8", "replace")))


# --- the fetcher ---------------------------------------------------------------------------------


class Fetcher:
    """One session, one throttle and each origin's robots.txt, shared by every page it fetches."""

    def __init__(
        self,
        crawl: Crawl,
        previous: Mapping[str, Validators] = MappingProxyType({}),
        *,
        timeout: tuple[float, float] = TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.crawl, self.previous, self.timeout, self.clock = crawl, previous, timeout, clock
        self.session = make_session(crawl.user_agent, pool_size=crawl.max_workers)
        self.throttle = Throttle()
        self._robots: dict[str, Robots] = {}
        self._robots_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def fetch_all(self, urls: list[str]) -> list[FetchedPage]:
        """Every URL with `max_workers` threads; results in input order."""
        with ThreadPoolExecutor(self.crawl.max_workers) as pool:
            return list(pool.map(self.fetch, urls))

    def fetch(self, url: str) -> FetchedPage:
        robots = self.robots(_origin(url))
        if robots.error or not robots.rules.can_fetch(url, self.crawl.user_agent):
            error = robots.error or DISALLOWED
            return FetchedPage(url=url, final_url=url, fetched_at=self.clock(), attempts=0, error=error)
        delay = max(self.crawl.min_delay, robots.rules.crawl_delay(self.crawl.user_agent) or 0.0)
        self.throttle.wait(urlsplit(url).netloc, delay)
        fetched_at, started = self.clock(), time.perf_counter()
        try:
            headers = _conditional_headers(self.previous.get(url))
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            elapsed_ms = (time.perf_counter() - started) * 1000
            return FetchedPage(
                url=url,
                final_url=url,
                fetched_at=fetched_at,
                elapsed_ms=elapsed_ms,
                attempts=_attempts_before(exc),
                error=_describe(exc),
            )
        return self._page(url, response, (time.perf_counter() - started) * 1000, fetched_at)

    def robots(self, origin: str) -> Robots:
        """The origin's robots.txt, read once (itself a request, so throttled like one)."""
        with self._robots_lock:
            if origin not in self._robots:
                self.throttle.wait(urlsplit(origin).netloc, self.crawl.min_delay)
                self._robots[origin] = fetch_robots(self.session, origin, self.timeout)
            return self._robots[origin]

    def _page(
        self, url: str, response: requests.Response, elapsed_ms: float, fetched_at: datetime
    ) -> FetchedPage:
        known, status = self.previous.get(url), response.status_code
        fields = dict(
            url=url,
            final_url=response.url,
            fetched_at=fetched_at,
            status=status,
            elapsed_ms=elapsed_ms,
            attempts=_attempts(response),
            byte_count=len(response.content),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            content_type=response.headers.get("Content-Type"),
        )
        if status == 304 and known and known.content_hash:
            # A 304 may omit validators; the ones we sent are still current.
            fields["etag"] = fields["etag"] or known.etag
            fields["last_modified"] = fields["last_modified"] or known.last_modified
            path = archive_path(self.crawl.archive_dir, known.content_hash)
            return FetchedPage(
                **fields, content_hash=known.content_hash, archive_path=str(path), unchanged=True
            )
        if not 200 <= status < 300:
            return FetchedPage(**fields, error=f"HTTP {status}")
        digest, path = archive(self.crawl.archive_dir, response.content)
        unchanged = bool(known and known.content_hash == digest)
        return FetchedPage(**fields, content_hash=digest, archive_path=str(path), unchanged=unchanged)


def fetch_pages(
    urls: list[str],
    *,
    archive_dir: Path | str,
    previous: Mapping[str, Validators] = MappingProxyType({}),
    user_agent: str = USER_AGENT,
    timeout: tuple[float, float] = TIMEOUT,
    max_workers: int = 4,
    min_delay: float = 0.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[FetchedPage]:
    """Fetch `urls` politely with one session and `max_workers` threads; results in input order."""
    crawl = Crawl(
        archive_dir=str(archive_dir), user_agent=user_agent, min_delay=min_delay, max_workers=max_workers
    )
    with Fetcher(crawl, previous, timeout=timeout, clock=clock) as fetcher:
        return fetcher.fetch_all(urls)


def _conditional_headers(known: Validators | None) -> dict[str, str]:
    headers = {}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def _attempts(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return 1 + len(retries.history) if retries is not None else 1


def _attempts_before(exc: requests.RequestException) -> int:
    # requests wraps urllib3's MaxRetryError when every retry failed; other errors are not retried.
    return 1 + RETRIES if exc.args and isinstance(exc.args[0], MaxRetryError) else 1


def page_source(
    session: requests.Session,
    locate: Callable[[str], str] = lambda url: url,
    timeout: tuple[float, float] = TIMEOUT,
) -> PageSource:
    """Continuation pages over HTTP (from `locate(url)`: the site, or a mirror of it)."""

    def get(url: str) -> bytes:
        try:
            response = session.get(locate(url), timeout=timeout)
        except requests.RequestException as exc:
            raise Unavailable(f"{url}: {_describe(exc)}") from None
        if response.status_code != 200:
            raise Unavailable(f"{url}: HTTP {response.status_code}")
        return response.content

    return get
