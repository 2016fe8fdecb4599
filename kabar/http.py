"""Fetching politely and safely: one session per batch, a per-host throttle, robots.txt, conditional
GET, retries that fit a deadline, and limits enforced while the body streams in.

A `Fetcher` never raises for one bad URL: each URL becomes a `FetchedPage`, with `error` (for a
person) and `reason` (a stable code, see kabar.records.REASONS) set when something went wrong.
Pages that were not requested at all (robots.txt, scope) have `attempts=0`.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import IncompleteRead, ProtocolError, ReadTimeoutError

from kabar import __version__
from kabar.archive import archive, archive_path, read_archived
from kabar.charset import choose
from kabar.extract import PageSource, Unavailable
from kabar.records import FetchedPage, Validators, record
from kabar.scope import Resolver, Scope, system_resolver
from kabar.urls import rebase

USER_AGENT = f"kabar/{__version__} (+https://github.com/kabar-news/kabar; news archiving bot)"
RETRIES = 3  # further attempts after a 429, a 5xx or a refused connection, while the deadline allows
BACKOFF = 0.5  # seconds before the first retry, doubling; a Retry-After wins
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DISALLOWED = "disallowed by robots.txt"
CONNECT_TIMEOUT = 5.0
CHUNK = 64 * 1024


@record
class Crawl:
    """How a run fetches: from where, into which archive, as whom, how politely, within which limits.
    Built once per run and handed to every task that fetches."""

    archive_dir: str
    base_url: str | None = None  # a mirror of the site to fetch from instead of the real one
    hosts: tuple[str, ...] = ()  # the site's hosts (and their subdomains); empty: any host
    allow_private: bool = False  # allow hosts on loopback/private networks (a mirror always may)
    user_agent: str = USER_AGENT
    min_delay: float = 0.0  # seconds between requests to one host (robots.txt may ask for more)
    max_workers: int = 4
    max_bytes: int = 10_000_000  # body limit, compressed and decompressed
    deadline: float = 20.0  # seconds for a whole request: redirects, retries and the body
    max_redirects: int = 5
    idle_timeout: float = 5.0  # seconds without a byte that end a request (a hang)
    straggler_grace: float = 2.0  # seconds a batch waits for its last pages once nothing else finishes
    robots: Mapping[str, RobotsText] = field(default_factory=dict)  # read once per run, by discovery

    def locate(self, url: str) -> str:
        """The URL this crawl requests for a real-site URL: itself, or the mirror's."""
        return rebase(url, self.base_url) if self.base_url else url

    def scope(self, resolve: Resolver = system_resolver) -> Scope:
        return Scope(self.hosts, mirror=self.base_url, allow_private=self.allow_private, resolve=resolve)


class RobotsText(NamedTuple):
    """An origin's robots.txt as read: the bytes, or why it could not be read (then: disallow all)."""

    text: bytes
    error: str | None = None


class Answer(NamedTuple):
    """One URL's request, redirects and retries done."""

    url: str  # the last URL requested
    status: int | None = None
    headers: Mapping[str, str] = MappingProxyType({})
    body: bytes = b""
    attempts: int = 1
    reason: str | None = None
    error: str | None = None
    retry_after: float | None = None


def make_session(user_agent: str = USER_AGENT, *, pool_size: int = 10) -> requests.Session:
    """A session that identifies itself; retries and redirects are the Fetcher's (to fit a deadline
    and check every hop), so the adapter does none."""
    adapter = HTTPAdapter(max_retries=0, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    session.headers["Accept-Encoding"] = "gzip, deflate"  # what the size limit can inflate stepwise
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
    text: bytes = b""  # as served (discovery reads its Sitemap lines)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _describe(exc: BaseException) -> str:
    """The innermost cause, briefly: "connection refused ([Errno 111] ...)" rather than a pool's story."""
    while (inner := getattr(exc, "reason", None) or (exc.args[0] if exc.args else None)) is not None:
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    message = str(exc)
    if "[Errno" not in message:
        return f"{type(exc).__name__}: {message}"
    start = message.index("[Errno")
    errno = message[start:]  # "… ([Errno -2] Name or service not known)": without the closing bracket
    return errno[:-1] if message[start - 1 : start] == "(" and errno.endswith(")") else errno


# --- the fetcher ---------------------------------------------------------------------------------


class Fetcher:
    """One session, one throttle, one scope and each origin's robots.txt (read once), shared by every
    page it fetches."""

    def __init__(
        self,
        crawl: Crawl,
        previous: Mapping[str, Validators] = MappingProxyType({}),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        resolve: Resolver = system_resolver,
    ) -> None:
        self.crawl, self.previous, self.clock = crawl, previous, clock
        self.scope = crawl.scope(resolve)
        self.session = make_session(crawl.user_agent, pool_size=crawl.max_workers)
        self.throttle = Throttle()
        self._robots = {origin: _rules(read) for origin, read in crawl.robots.items()}
        self.sources: list[FetchedPage] = []
        self._robots_lock = threading.Lock()
        self.done = 0  # pages of `fetch_all` answered so far (read by whoever reports progress)
        self._done_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def fetch_all(self, urls: list[str]) -> list[FetchedPage]:
        """Every URL with `max_workers` threads; results in input order. A straggler (still loading
        `straggler_grace` seconds after anything else finished, with nothing left to start) does not
        hold the batch: it is `deferred` to a later run, and its thread left to meet its deadline."""
        pool = ThreadPoolExecutor(self.crawl.max_workers)
        futures = [pool.submit(self.fetch, url) for url in urls]
        for future in futures:
            future.add_done_callback(self._count)
        try:
            _wait_for_all_but_stragglers(futures, self.crawl.straggler_grace)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return [
            future.result() if future.done() else self._deferred(url) for future, url in zip(futures, urls)
        ]

    def _count(self, _future) -> None:
        with self._done_lock:
            self.done += 1

    def _deferred(self, url: str) -> FetchedPage:
        error = f"still loading {self.crawl.straggler_grace:g} s after the rest of its batch: deferred"
        return FetchedPage(url=url, final_url=url, fetched_at=self.clock(), error=error, reason="deferred")

    def fetch(self, url: str) -> FetchedPage:
        """A page, archived when it came back whole."""
        if blocked := self.blocked(url):
            reason, error = blocked
            return FetchedPage(
                url=url, final_url=url, fetched_at=self.clock(), attempts=0, error=error, reason=reason
            )
        fetched_at, started = self.clock(), time.perf_counter()
        answer = self.request(url, _conditional_headers(self.known(url)))
        return self._page(url, answer, (time.perf_counter() - started) * 1000, fetched_at)

    def source(self, url: str) -> bytes | str:
        """A discovery source's bytes (robots.txt, sitemap, feed, listing) or why not: fetched like a
        page (a conditional GET, archived), and kept in `self.sources` for the `fetches` table."""
        if urlsplit(url).path == "/robots.txt":  # read once, for the rules and for discovery
            robots = self.robots(_origin(url))
            return robots.error or robots.text
        page = self.fetch(url)
        self.sources.append(page)
        if page.archive_path is None:
            return page.error or f"HTTP {page.status}"
        return read_archived(page.archive_path)

    def blocked(self, url: str) -> tuple[str, str] | None:
        """(reason, why) when `url` may not be requested now: out of scope or robots.txt; else None,
        after waiting for this host's turn."""
        if refusal := self.scope.refusal(url):
            return "out_of_scope", refusal
        robots = self.robots(_origin(url))
        if robots.error:
            return "robots_unreachable", robots.error
        if not robots.rules.can_fetch(url, self.crawl.user_agent):
            return "disallowed", DISALLOWED
        delay = max(self.crawl.min_delay, robots.rules.crawl_delay(self.crawl.user_agent) or 0.0)
        self.throttle.wait(urlsplit(url).netloc, delay)
        return None

    def known(self, url: str) -> Validators | None:
        """What the last fetch of `url` told us, if its body is still in the archive (a 304 then reads
        it there); else nothing, and the request is not conditional."""
        known = self.previous.get(url)
        if known and known.content_hash and archive_path(self.crawl.archive_dir, known.content_hash).exists():
            return known
        return None

    def robots(self, origin: str) -> Robots:
        """The origin's robots.txt, read once (itself a request, so throttled like one)."""
        with self._robots_lock:
            if origin not in self._robots:
                self.throttle.wait(urlsplit(origin).netloc, self.crawl.min_delay)
                self._robots[origin] = self._read_robots(origin)
            return self._robots[origin]

    def robots_read(self) -> dict[str, RobotsText]:
        """Every origin's robots.txt as read, for the run's later fetchers (read once per run)."""
        with self._robots_lock:
            return {origin: RobotsText(robots.text, robots.error) for origin, robots in self._robots.items()}

    def _read_robots(self, origin: str) -> Robots:
        """robots.txt, with a conditional GET when read before; recorded among the sources."""
        url, fetched_at, started = f"{origin}/robots.txt", self.clock(), time.perf_counter()
        answer = self.request(url, _conditional_headers(self.known(url)))
        page = self._page(url, answer, (time.perf_counter() - started) * 1000, fetched_at)
        self.sources.append(page)
        cut = answer.reason is not None and (answer.status or 0) < 400  # it answered, the body never came
        if (
            answer.status is None or answer.status >= 500 or cut
        ):  # RFC 9309 2.3.1.4: unreachable, disallow all
            return _rules(RobotsText(b"", f"robots.txt unreachable: {answer.error or answer.status}"))
        if page.archive_path is None:  # RFC 9309 2.3.1.3: unavailable (4xx) means allow all
            return _rules(RobotsText(b""))
        return _rules(RobotsText(read_archived(page.archive_path)))

    # --- one request: retries, redirects, limits -------------------------------------------------

    def request(self, url: str, headers: Mapping[str, str] = MappingProxyType({})) -> Answer:
        """GET with retries (429, 5xx, refused) while the deadline allows; the last answer."""
        deadline = time.monotonic() + self.crawl.deadline
        for attempt in range(1, RETRIES + 2):
            answer = self._follow(url, headers, deadline)._replace(attempts=attempt)
            wait = _retry_wait(answer, attempt)
            if wait is None or time.monotonic() + wait >= deadline:
                return answer
            time.sleep(wait)
        return answer

    def _follow(self, url: str, headers: Mapping[str, str], deadline: float) -> Answer:
        """One attempt, following at most `max_redirects` redirects, each hop checked against the scope."""
        for _ in range(self.crawl.max_redirects + 1):
            if refusal := self.scope.refusal(url):
                return Answer(url, reason="out_of_scope", error=f"redirect refused: {refusal}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Answer(url, reason="deadline", error=f"deadline of {self.crawl.deadline:g} s passed")
            try:
                idle = min(self.crawl.idle_timeout, remaining)  # per read: a hang ends here, not later
                response = self.session.get(
                    url,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(min(CONNECT_TIMEOUT, remaining), idle),
                )
            except requests.Timeout as exc:
                return Answer(url, reason="deadline", error=_describe(exc))
            except requests.RequestException as exc:
                return Answer(url, reason="connection", error=_describe(exc))
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers["Location"])
                    continue
                return self._read(url, response, deadline)
        return Answer(
            url, reason="too_many_redirects", error=f"more than {self.crawl.max_redirects} redirects"
        )

    def _read(self, url: str, response: requests.Response, deadline: float) -> Answer:
        """The body, streamed: cut off past `max_bytes` (before or after inflating) or the deadline."""
        answer = Answer(url, response.status_code, response.headers, retry_after=_retry_after(response))
        inflate = _inflater(response.headers.get("Content-Encoding", ""))
        body, received, limit = bytearray(), 0, self.crawl.max_bytes
        try:
            # read1: whatever has arrived, so a trickle meets the deadline check between bytes
            while chunk := response.raw.read1(CHUNK, decode_content=False):
                received += len(chunk)
                body += inflate(chunk, limit + 1 - len(body)) if inflate else chunk
                if received > limit or len(body) > limit:
                    return answer._replace(reason="too_large", error=f"body over {limit} bytes: cut off")
                if time.monotonic() > deadline:
                    return answer._replace(
                        reason="deadline", error=f"body still coming after {self.crawl.deadline:g} s"
                    )
        except (ReadTimeoutError, TimeoutError) as exc:
            return answer._replace(reason="deadline", error=_describe(exc))
        except (ProtocolError, IncompleteRead) as exc:
            return answer._replace(reason="truncated", error=f"body cut short: {_describe(exc)}")
        except (TransportError, OSError, zlib.error) as exc:
            return answer._replace(reason="connection", error=_describe(exc))
        return answer._replace(body=bytes(body), reason=_status_reason(response.status_code))

    def _page(self, url: str, answer: Answer, elapsed_ms: float, fetched_at: datetime) -> FetchedPage:
        known, status = self.previous.get(url), answer.status
        fields = dict(
            url=url,
            final_url=answer.url,
            fetched_at=fetched_at,
            status=status,
            elapsed_ms=elapsed_ms,
            attempts=answer.attempts,
            byte_count=len(answer.body),
            etag=answer.headers.get("ETag"),
            last_modified=answer.headers.get("Last-Modified"),
            content_type=answer.headers.get("Content-Type"),
            retry_after=answer.retry_after,
            reason=answer.reason,
            served_at=_served_at(answer.headers.get("Date"), fetched_at),
        )
        if status == 304 and known and known.content_hash and not answer.reason:
            # A 304 may omit validators; the ones we sent are still current.
            fields["etag"] = fields["etag"] or known.etag
            fields["last_modified"] = fields["last_modified"] or known.last_modified
            path = archive_path(self.crawl.archive_dir, known.content_hash)
            return FetchedPage(
                **fields, content_hash=known.content_hash, archive_path=str(path), unchanged=True
            )
        if answer.reason or not 200 <= (status or 0) < 300:
            return FetchedPage(**fields, error=answer.error or f"HTTP {status}")
        digest, path = archive(self.crawl.archive_dir, answer.body)
        charset, source = choose(answer.body, fields["content_type"])
        unchanged = bool(known and known.content_hash == digest)
        return FetchedPage(
            **fields,
            content_hash=digest,
            archive_path=str(path),
            unchanged=unchanged,
            charset=charset,
            charset_source=source,
        )


DATE_SKEW = timedelta(minutes=5)  # a server's clock may run this far ahead of ours


def _served_at(date: str | None, fetched_at: datetime) -> datetime | None:
    """The response's Date, when it is a valid time no later than the fetch (give or take a clock's
    skew): a Date from the future would push every relative time on the page there."""
    try:
        served = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None
    if served is None or served.tzinfo is None or served > fetched_at + DATE_SKEW:
        return None
    return served.astimezone(UTC)


def fetch_pages(
    urls: list[str],
    *,
    archive_dir: Path | str,
    previous: Mapping[str, Validators] = MappingProxyType({}),
    user_agent: str = USER_AGENT,
    max_workers: int = 4,
    min_delay: float = 0.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    **limits,
) -> list[FetchedPage]:
    """Fetch `urls` politely with one session and `max_workers` threads; results in input order.
    Any host, local ones included (tests, benchmarks); `limits` are Crawl fields."""
    crawl = Crawl(
        archive_dir=str(archive_dir),
        user_agent=user_agent,
        min_delay=min_delay,
        max_workers=max_workers,
        allow_private=True,
        **limits,
    )
    with Fetcher(crawl, previous, clock=clock) as fetcher:
        return fetcher.fetch_all(urls)


def page_source(fetcher: Fetcher, locate: Callable[[str], str] = lambda url: url) -> PageSource:
    """Continuation pages over HTTP (from `locate(url)`: the site, or a mirror of it), within the
    fetcher's scope and limits."""

    def get(url: str) -> bytes:
        got = fetcher.source(locate(url))
        if isinstance(got, str):
            raise Unavailable(f"{url}: {got}")
        return got

    return get


def _rules(read: RobotsText) -> Robots:
    if read.error:
        return Robots(None, read.error)
    return Robots(Protego.parse(read.text.decode("utf-8", "replace")), text=read.text)


def _wait_for_all_but_stragglers(futures: list[Future], grace: float) -> None:
    pending, finished = set(futures), 0
    while pending:
        done, pending = wait(pending, timeout=grace, return_when=FIRST_COMPLETED)
        finished += len(done)
        if finished and not done and all(future.running() for future in pending):  # the rest is done
            return


def _conditional_headers(known: Validators | None) -> dict[str, str]:
    headers = {}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def _retry_wait(answer: Answer, attempt: int) -> float | None:
    """Seconds to wait before trying again, or None when another attempt would not help."""
    if attempt > RETRIES or not (answer.status in RETRY_STATUSES or answer.reason == "connection"):
        return None
    return answer.retry_after if answer.retry_after is not None else BACKOFF * 2 ** (attempt - 1)


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds, from a number or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def _status_reason(status: int) -> str | None:
    if 200 <= status < 400:
        return None
    if status in (404, 410, 429):
        return f"http_{status}"
    return "http_5xx" if status >= 500 else "http_other"


def _inflater(encoding: str) -> Callable[[bytes, int], bytes] | None:
    """A stepwise inflater for gzip or deflate that never produces more than asked for at a time
    (the rest waits in the decompressor: a bomb is never expanded past the limit)."""
    encoding = encoding.strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    inflater = zlib.decompressobj(47)  # 32 + 15: a gzip or zlib header, detected

    def inflate(chunk: bytes, room: int) -> bytes:
        return inflater.decompress(inflater.unconsumed_tail + chunk, max(room, 1))

    return inflate
