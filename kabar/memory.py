"""Failure memory: what each selected URL's last fetch means for its next one. Pure: no clock, no I/O.

A page that came back is revisited at growing intervals (corrections come in an article's first days),
then weekly; a failure backs off exponentially; a URL the site says is gone is never asked for again.
The warehouse keeps one `UrlState` per URL (`url_state`); the flow asks `is_due` before fetching.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from kabar.records import SKIPPED, FetchedPage, record

MIN_REVISIT = timedelta(hours=1)  # a page that just came back is not asked for again sooner
MAX_REVISIT = timedelta(days=7)  # nor later, once it has settled
FIRST_BACKOFF = timedelta(minutes=30)  # after one failure; doubled by each further failure
TOO_LARGE_BACKOFF = timedelta(days=1)  # an oversized page or a bomb: its first wait, doubled likewise
MAX_BACKOFF = timedelta(days=7)  # also caps a Retry-After, so a hostile header cannot bury a URL
SKIP_DELAY = timedelta(days=1)  # robots.txt disallowed it: ask robots.txt again after this
UNCHANGED_SINCE = "unchanged"  # not due: the sitemap's lastmod is older than our last good fetch

# Why a URL is not due (the keys of the counts `due` reports).
GONE, BACKOFF, REVISIT = "gone", "backoff", "revisit"


@record
class UrlState:
    """Where one URL stands after its latest attempt."""

    url: str  # as requested (fetches.url)
    site: str | None
    failures: int = 0  # consecutive failed attempts (a robots.txt skip is not one)
    last_status: int | None = None
    last_reason: str | None = None  # FetchedPage.reason of the latest attempt; None when it came back
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None  # None: due now
    gone: bool = False  # 410, or 404 twice in a row: never due again (the article row is kept)
    first_success_at: datetime | None = None
    last_success_at: datetime | None = None


def reason_of(page: FetchedPage) -> str | None:
    """The page's failure code, None when it came back; derived from the status when the fetcher
    gave none."""
    if page.reason or page.status in (200, 304):
        return page.reason
    if page.status is None:
        return "connection"
    if page.status in (404, 410, 429):
        return f"http_{page.status}"
    return "http_5xx" if 500 <= page.status < 600 else "http_other"


def after_fetch(previous: UrlState | None, page: FetchedPage, site: str | None, outcome: str) -> UrlState:
    """The URL's state after `page` (the flow's fetch of it, whatever its parse `outcome` was)."""
    reason = "disallowed" if outcome == SKIPPED else reason_of(page)
    state = previous or UrlState(url=page.url, site=site)
    now = page.fetched_at
    state = replace(state, site=site or state.site, last_status=page.status, last_attempt_at=now)
    if reason is None:
        return _came_back(state, now)
    if reason == "disallowed":  # robots.txt's answer, not the page's: no failure is counted
        return replace(state, last_reason=reason, next_attempt_at=now + SKIP_DELAY)
    return _failed(state, now, reason, page.retry_after)


def _came_back(state: UrlState, now: datetime) -> UrlState:
    """Half the page's age since it first came back, within [MIN_REVISIT, MAX_REVISIT]."""
    first = state.first_success_at or now
    revisit = min(max((now - first) / 2, MIN_REVISIT), MAX_REVISIT)
    return replace(
        state,
        failures=0,
        last_reason=None,
        next_attempt_at=now + revisit,
        gone=False,
        first_success_at=first,
        last_success_at=now,
    )


def _failed(state: UrlState, now: datetime, reason: str, retry_after: float | None) -> UrlState:
    failures = state.failures + 1
    gone = _is_gone(state, reason)
    return replace(
        state,
        failures=failures,
        last_reason=reason,
        next_attempt_at=None if gone else now + _backoff(failures, reason, retry_after),
        gone=gone,
    )


def _is_gone(state: UrlState, reason: str) -> bool:
    """410 says so at once; a 404 only when the attempt before was a 404 too (a page can be missing
    for a moment while it is republished or moved)."""
    return reason == "http_410" or (reason == "http_404" and state.last_reason == "http_404")


def _backoff(failures: int, reason: str, retry_after: float | None) -> timedelta:
    """Exponential from the reason's first wait, capped; never shorter than the server asked."""
    first = TOO_LARGE_BACKOFF if reason == "too_large" else FIRST_BACKOFF
    doubled = first.total_seconds() * 2 ** min(failures - 1, 32)  # the exponent capped: no overflow
    asked = min(retry_after or 0.0, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=max(min(doubled, MAX_BACKOFF.total_seconds()), asked))


def why_not_due(state: UrlState | None, now: datetime, changed_at: datetime | None = None) -> str | None:
    """None when the URL may be fetched at `now`; else "gone", "backoff" (after a failure or a
    robots.txt skip), "revisit" (it came back recently) or "unchanged" (a sitemap or feed says it
    last changed at `changed_at`, before our last good fetch of it)."""
    if state is None:
        return None
    if state.gone:
        return GONE
    if (
        changed_at
        and state.last_success_at
        and state.last_reason is None
        and changed_at <= state.last_success_at
    ):
        return UNCHANGED_SINCE
    if state.next_attempt_at is None or state.next_attempt_at <= now:
        return None
    return REVISIT if state.last_reason is None else BACKOFF


def is_due(state: UrlState | None, now: datetime) -> bool:
    return why_not_due(state, now) is None
