"""dedup: decide, per batch, which pages become articles and which repeat what is already known.

Layers: a canonical URL is fetched once (discovery); the same bytes are parsed once (raw hash);
one row per site article id; the same title+body under another id joins the first id (content hash).
Near duplicates (the story republished with small edits) stay articles: the plan carries the MinHash
signatures of new bodies, and the loader marks them (kabar/neardup.py).
"""

from collections.abc import Iterable, Mapping
from dataclasses import replace

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.neardup import signature
from kabar.records import (
    ARTICLE,
    CONTINUATION,
    DUPLICATE,
    ERROR,
    ISSUE,
    SKIPPED,
    UNCHANGED,
    Article,
    ExtractionIssue,
    FetchedPage,
    Plan,
)
from kabar.warehouse import loader
from kabar.warehouse.db import session


def pages_to_parse(pages: Iterable[FetchedPage], seen_raw: set[str]) -> list[FetchedPage]:
    """Successful fetches whose bytes were never processed before (in this batch or earlier runs). A
    page with a failure reason (cut off at the size limit, truncated) is never parsed, whatever its status."""
    fresh, seen = [], set(seen_raw)
    for page in pages:
        if (
            page.status == 200
            and page.reason is None
            and not page.unchanged
            and page.content_hash not in seen
        ):
            fresh.append(page)
            seen.add(page.content_hash)
    return fresh


def plan_batch(
    pages: list[FetchedPage],
    results: Mapping[str, Article | ExtractionIssue],
    known: Mapping[str, str],
    continuations: Iterable[FetchedPage] = (),
) -> Plan:
    """`results` maps a parsed page's URL to its article or issue; `known` maps stored content hashes
    to their article ids; `continuations` are the pages 2..n fetched for multi-page articles."""
    owners = dict(known)
    kept: dict[str, Article] = {}
    aliases, issues, outcomes = [], [], {}
    by_bytes = {p.content_hash: results[p.url] for p in pages if p.url in results}
    for page in pages:
        # A page with the same bytes as one parsed in this batch shares its result.
        result = results.get(page.url) or (
            None if page.unchanged or page.reason else by_bytes.get(page.content_hash)
        )
        if result is None:
            outcomes[page.url] = _unparsed_outcome(page)
        elif isinstance(result, ExtractionIssue):
            issues += [] if result in issues else [result]
            outcomes[page.url] = ERROR if result.stage == "fetch" else ISSUE  # an error is retried next run
        else:
            article_id = result.parsed.article_id
            owner = owners.setdefault(result.content_hash, article_id)
            if article_id in kept or owner != article_id:
                outcomes[page.url] = DUPLICATE
            else:
                kept[article_id] = result
                outcomes[page.url] = ARTICLE
                issues += [_flagged(page, flag) for flag in result.flags]  # loaded, and said so
            aliases.append((page.url, owner))
    outcomes |= {page.url: CONTINUATION if page.status == 200 else ERROR for page in continuations}
    return Plan(
        articles=tuple(kept.values()), aliases=tuple(aliases), issues=tuple(issues), outcomes=outcomes
    )


def _flagged(page: FetchedPage, flag: str) -> ExtractionIssue:
    detail = f"the text needed U+FFFD: no charset explains every byte (decoded as {page.charset})"
    return ExtractionIssue(
        url=page.url, stage="decode", problem=flag, detail=detail, content_hash=page.content_hash
    )


def _unparsed_outcome(page: FetchedPage) -> str:
    """A page that gave nothing to parse: robots.txt kept us away (skipped, not an error), it failed,
    or it is the page already processed."""
    if page.reason == "disallowed":
        return SKIPPED
    return ERROR if page.reason or page.status not in (200, 304) else UNCHANGED


def sign_new_content(plan: Plan, known: Mapping[str, str]) -> Plan:
    """The plan with a MinHash signature for each article whose content the warehouse does not hold
    yet (new or changed): a re-run over unchanged pages computes and writes nothing."""
    fresh = {a.parsed.article_id: signature(a.body) for a in plan.articles if a.content_hash not in known}
    return replace(plan, signatures=fresh)


@task(name="fresh-pages", cache_policy=NO_CACHE)
def fresh_pages(db_path: str, pages: list[FetchedPage]) -> list[FetchedPage]:
    with session(db_path) as con:
        seen = loader.seen_raw_hashes(con, [p.content_hash for p in pages if p.content_hash])
    return pages_to_parse(pages, seen)


@task(name="dedup", cache_policy=NO_CACHE)
def dedup_batch(
    db_path: str,
    pages: list[FetchedPage],
    results: Mapping[str, Article | ExtractionIssue],
    continuations: list[FetchedPage] | None = None,
) -> Plan:
    hashes = [r.content_hash for r in results.values() if isinstance(r, Article)]
    with session(db_path) as con:
        known = loader.known_content(con, hashes)
    return sign_new_content(plan_batch(pages, results, known, continuations or ()), known)
