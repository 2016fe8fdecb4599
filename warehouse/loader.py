"""Writing one batch into the warehouse, in one transaction, and the reads the flow needs."""

import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import date, datetime

import duckdb

from kabar import memory, neardup
from kabar.clean import content_hash
from kabar.records import (
    ARTICLE,
    CONTINUATION,
    DUPLICATE,
    ISSUE,
    SOURCE,
    Article,
    ExtractionIssue,
    FetchedPage,
)
from kabar.warehouse.db import is_conflict, sql

log = logging.getLogger(__name__)

# A key list bound as JSON text (see `_keys`)
IN_KEYS = "IN (SELECT unnest(CAST(?::JSON AS VARCHAR[])))"
IN_IDS = "IN (SELECT unnest(CAST($ids::JSON AS VARCHAR[])))"
PARSED = (ARTICLE, DUPLICATE, ISSUE)  # outcomes of a page whose bytes were parsed in this batch


def previous_fetches(con, urls: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """(etag, last_modified, content_hash) of each URL's latest successful fetch."""
    rows = con.execute(
        f"""SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at),
                  arg_max(content_hash, fetched_at)
           FROM fetches WHERE status = 200 AND url {IN_KEYS} GROUP BY url""",
        [_keys(urls)],
    ).fetchall()
    return {url: (etag, modified, digest) for url, etag, modified, digest in rows}


def source_urls(con, site: str) -> list[str]:
    """The discovery sources (sitemaps, feeds, listings) of the site's earlier runs."""
    rows = con.execute(
        "SELECT DISTINCT f.url FROM fetches f JOIN crawl_runs r USING (run_id)"
        " WHERE f.outcome = ? AND r.site = ?",
        [SOURCE, site],
    ).fetchall()
    return [url for (url,) in rows]


def record_sources(con, run_id: str, pages: list[FetchedPage]) -> None:
    """The run's discovery requests, one `fetches` row each (their validators serve the next run)."""
    _insert_fetches(con, run_id, pages, {page.url: SOURCE for page in pages})


def recent_article_urls(con, site: str, since: datetime) -> list[str]:
    """The site's articles first seen since `since` and not gone, newest first: revisited while their
    failure memory says they are due (corrections, updates, takedowns)."""
    rows = con.execute(
        "SELECT url FROM articles WHERE site = ? AND first_seen_at >= ? AND gone_at IS NULL"
        " ORDER BY first_seen_at DESC",
        [site, since],
    ).fetchall()
    return [url for (url,) in rows]


def seen_raw_hashes(con, hashes: Iterable[str]) -> set[str]:
    """Raw pages (by sha256) that an earlier run already parsed."""
    rows = con.execute(
        f"SELECT DISTINCT content_hash FROM fetches WHERE outcome <> 'error' AND content_hash {IN_KEYS}",
        [_keys(hashes)],
    ).fetchall()
    return {digest for (digest,) in rows}


def known_content(con, hashes: Iterable[str]) -> dict[str, str]:
    """content hash -> article id, for the stored articles with these hashes."""
    rows = con.execute(
        f"SELECT content_hash, article_id FROM articles WHERE content_hash {IN_KEYS}",
        [_keys(hashes)],
    ).fetchall()
    return dict(rows)


STATE_FIELDS = tuple(f.name for f in fields(memory.UrlState))  # the columns of url_state


def url_states(con, urls: Iterable[str]) -> dict[str, memory.UrlState]:
    """The failure memory of these URLs (those fetched before)."""
    rows = con.execute(
        f"SELECT {', '.join(STATE_FIELDS)} FROM url_state WHERE url {IN_KEYS}",
        [_keys(urls)],
    ).fetchall()
    return {row[0]: memory.UrlState(**dict(zip(STATE_FIELDS, row))) for row in rows}


def due(
    con, urls: list[str], now: datetime, changed_at: Mapping[str, datetime] | None = None
) -> tuple[list[str], dict[str, int]]:
    """The URLs that may be fetched at `now`, in input order, and how many were held back per reason
    (gone, backoff, revisit, unchanged: `changed_at` is what sitemaps and feeds say)."""
    states = url_states(con, urls)
    held: dict[str, int] = {}
    kept = []
    for url in urls:
        reason = memory.why_not_due(states.get(url), now, (changed_at or {}).get(url))
        if reason is None:
            kept.append(url)
        else:
            held[reason] = held.get(reason, 0) + 1
    return kept, held


# --- runs -------------------------------------------------------------------------------------------


def start_run(con, run_id: str, site: str, started_at: datetime, kind: str = "ingest") -> int:
    """The run's row; first, every other run of this site and kind still `running` is dead (the
    deployment runs one at a time) and becomes `abandoned`, ended when it was last seen. Returns how
    many were marked."""
    con.begin()
    try:
        dead = con.execute(  # DuckLake has no UPDATE ... RETURNING: count, then update
            "SELECT run_id FROM crawl_runs"
            " WHERE site = ? AND coalesce(kind, 'ingest') = ? AND status = 'running' AND run_id <> ?",
            [site, kind, run_id],
        ).fetchall()
        con.execute(
            "UPDATE crawl_runs SET status = 'abandoned', finished_at = coalesce(last_seen_at, started_at)"
            " WHERE site = ? AND coalesce(kind, 'ingest') = ? AND status = 'running' AND run_id <> ?",
            [site, kind, run_id],
        )
        con.execute(
            "INSERT INTO crawl_runs (run_id, site, started_at, status, kind, last_seen_at)"
            " VALUES (?, ?, ?, 'running', ?, ?)",
            [run_id, site, started_at, kind, started_at],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return len(dead)


def finish_run(con, run_id: str, finished_at: datetime, status: str, counts: Mapping[str, int]) -> None:
    assignments = "".join(f", {column} = ?" for column in counts)
    con.execute(
        f"UPDATE crawl_runs SET finished_at = ?, last_seen_at = ?, status = ?{assignments} WHERE run_id = ?",
        [finished_at, finished_at, status, *counts.values(), run_id],
    )


HEARTBEAT_EVERY = 60.0  # seconds: a run's liveness is kept to about a minute, not a batch
_last_beat: dict[str, float] = {}  # run id -> when this process last recorded it alive (monotonic)


def _heartbeat(con, run_id: str) -> None:
    """The run is alive: a run whose process dies is later marked abandoned as of this time. A commit
    of its own after the batch's, at most every HEARTBEAT_EVERY seconds: every site's runs update
    crawl_runs, and inside each batch it made concurrent sites' batches conflict (one PostgreSQL
    catalog, many workers). A heartbeat that loses to another writer is skipped: a later one lands."""
    now = time.monotonic()
    if now - _last_beat.get(run_id, -HEARTBEAT_EVERY) < HEARTBEAT_EVERY:
        return
    try:
        con.execute("UPDATE crawl_runs SET last_seen_at = current_timestamp WHERE run_id = ?", [run_id])
        _last_beat[run_id] = now
    except duckdb.Error as error:
        if not is_conflict(error):
            raise
        log.info("heartbeat of run %s skipped: another writer changed crawl_runs", run_id)


# --- batches ----------------------------------------------------------------------------------------

INGEST_COUNTS = (
    "articles_new",
    "articles_updated",
    "related_links_seen",
    "issues",
    "duplicates",
    "near_duplicates",
)


def load_batch(
    con, run_id: str, pages: list[FetchedPage], plan, continuations: Iterable[FetchedPage] = ()
) -> dict[str, int]:
    """Fetches, articles (+ versions, URLs, removals), related links, issues and the failure memory
    of one batch, all or nothing. `continuations` (pages 2..n) get fetches rows but no memory; the
    flow may also pass them inside `pages`, where their outcome tells them apart. Returns the counts
    the run reports."""
    continuations = list(continuations)
    con.begin()
    try:
        _insert_fetches(con, run_id, pages + continuations, plan.outcomes)
        counts = _load_content(con, run_id, pages, plan)
        _remember(con, run_id, [p for p in pages if plan.outcomes.get(p.url) != CONTINUATION], plan.outcomes)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    _heartbeat(con, run_id)
    return {name: counts[name] for name in INGEST_COUNTS}


def load_reparsed(con, run_id: str, pages: list[FetchedPage], plan) -> dict[str, int]:
    """As `load_batch` for archived pages parsed again: no fetches rows and no failure memory (nothing
    was fetched). Content already stored is left alone. Returns the reparse's counts."""
    con.begin()
    try:
        counts = _load_content(con, run_id, pages, plan, reparse=True)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    _heartbeat(con, run_id)
    return counts


def _load_content(con, run_id: str, pages: list[FetchedPage], plan, reparse: bool = False) -> dict[str, int]:
    changed, new, headline_only = _upsert_articles(con, run_id, plan.articles, newer_only=reparse)
    known = {a.parsed.article_id for a in changed} - new
    _insert_urls(con, run_id, plan.aliases, {p.url: p.fetched_at for p in pages})
    links = _merge_related(con, run_id, plan.articles)
    bodies = [a for a in changed if a.parsed.article_id not in headline_only]
    marks = _mark_near_duplicates(con, run_id, bodies, plan.signatures, known)
    resolved = _record_issues(con, run_id, pages, plan)
    return {
        "articles_new": len(new),
        "articles_updated": len(changed) - len(new),
        "unchanged": len(plan.articles) - len(changed),
        "related_links_seen": links,
        "issues": len(plan.issues),
        "issues_resolved": resolved,
        "duplicates": plan.duplicates,
        "near_duplicates": marks,
    }


def _insert(con, table: str, rows: list[dict], new_by: str | None = None) -> None:
    """Insert rows column by column: one statement unnesting a list per column (DuckDB's executemany
    binds row by row and was ~35x slower for a batch of 100 articles), each column bound as one JSON
    text (binding a Python list converts it value by value: 7 s for 1,000 MinHash signatures, 0.03 s
    as JSON). With `new_by`, only rows whose key column holds a value the table does not have yet
    (DuckLake keeps no unique keys)."""
    if not rows:
        return
    columns = list(rows[0])
    types = _column_types(con, table, columns)
    values = ", ".join(f"{_unnest(types[c])} AS {c}" for c in columns)
    only_new = f" WHERE {new_by} NOT IN (SELECT {new_by} FROM {table})" if new_by else ""
    con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM (SELECT {values}){only_new}",
        [json.dumps([row[c] for row in rows], default=_json_value) for c in columns],
    )


def _unnest(sql_type: str) -> str:
    """One column's values from its JSON text (bytes arrive as hex: JSON has no bytes)."""
    if sql_type == "BLOB":
        return "unhex(unnest(CAST(?::JSON AS VARCHAR[])))"
    return f"unnest(CAST(?::JSON AS {sql_type}[]))"


_TYPES: dict[str, dict[str, str]] = {}  # table -> column -> SQL type, as last read from the catalog


def _column_types(con, table: str, columns: list[str]) -> dict[str, str]:
    """The SQL types of a table's columns: read once per process, and again when a column is unknown
    (a migration added it)."""
    if not set(columns) <= _TYPES.get(table, {}).keys():
        _TYPES[table] = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns()"
                " WHERE table_name = ? AND database_name IN (current_database(), 'temp')",
                [table],
            ).fetchall()
        )
    return _TYPES[table]


def _keys(values: Iterable) -> str:
    """A list of keys (or times) bound as one JSON text: DuckDB binds a Python list value by value,
    ~60 µs each (0.12 s for a batch's 2,000 hashes), and reads the JSON in a millisecond."""
    return json.dumps(list(values), default=_json_value)


def _delete(con, tables: Iterable[str], key: str, values: list[str]) -> None:
    """Delete the rows whose `key` is one of `values` (the caller passes only keys it read back: each
    DELETE scans its table, and most keys of a batch are new)."""
    if values:
        for table in tables:
            con.execute(
                f"DELETE FROM {table} WHERE {key} {IN_KEYS}",
                [_keys(values)],
            )


def _json_value(value):
    """Times and days as ISO 8601 text, which DuckDB casts back to TIMESTAMPTZ / DATE; bytes as hex."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _insert_fetches(con, run_id: str, pages: list[FetchedPage], outcomes: Mapping[str, str]) -> None:
    _insert(
        con,
        "fetches",
        [
            {
                "run_id": run_id,
                "url": p.url,
                "final_url": p.final_url,
                "fetched_at": p.fetched_at,
                "status": p.status,
                "outcome": outcomes[p.url],
                "byte_count": p.byte_count,
                "elapsed_ms": p.elapsed_ms,
                "attempts": p.attempts,
                "etag": p.etag,
                "last_modified": p.last_modified,
                "content_type": p.content_type,
                "content_hash": p.content_hash,
                "error": p.error,
                "reason": memory.reason_of(p),  # derived from the status when the fetcher gave none
                "charset": p.charset,
                "charset_source": p.charset_source,
                "served_at": p.served_at,
            }
            for p in pages
        ],
    )


def _upsert_articles(
    con, run_id: str, articles: tuple[Article, ...], newer_only: bool = False
) -> tuple[list[Article], set[str], set[str]]:
    """New content replaces the current row (delete + insert: far faster than UPDATE in DuckDB) and
    appends a version; content already stored is left alone, and with `newer_only` (a reparse) so is
    a version that a later fetch than the article's own gave. Returns the changed articles, the ids
    of those that are new, and of those whose headline alone changed (their body is as stored)."""
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT article_id, content_hash, version_seen_at, title, version, first_seen_at, gone_at"
            f" FROM articles WHERE article_id {IN_KEYS}",
            [_keys(a.parsed.article_id for a in articles)],
        ).fetchall()
    }
    changed = [a for a in articles if _replaces(a, stored.get(a.parsed.article_id), newer_only)]
    headline_only = {
        a.parsed.article_id
        for a in changed
        if (row := stored.get(a.parsed.article_id)) and content_hash(row[2], a.body) == row[0]
    }
    stored = {article_id: row[3:] for article_id, row in stored.items()}  # what a new row carries over
    _delete(
        con,
        ("articles", "removals"),
        "article_id",
        [i for i in (a.parsed.article_id for a in changed) if i in stored],
    )
    # (version, first_seen_at, gone_at) carried over from the row the new content replaces
    versions = {
        a.parsed.article_id: stored.get(a.parsed.article_id, (0, a.parsed.fetched_at, None)) for a in changed
    }
    _insert(
        con,
        "articles",
        [_article_row(a, *versions[a.parsed.article_id]) | {"run_id": run_id} for a in changed],
    )
    _insert(
        con,
        "article_versions",
        [
            {
                "article_id": a.parsed.article_id,
                "version": versions[a.parsed.article_id][0] + 1,
                "content_hash": a.content_hash,
                "seen_at": a.parsed.fetched_at,
                "title": a.parsed.title,
                "body": a.body,
                "run_id": run_id,
            }
            for a in changed
        ],
    )
    _insert(
        con,
        "removals",
        [
            {
                "article_id": a.parsed.article_id,
                "rule": r.rule,
                "count": r.count,
                "sample": r.sample,
                "run_id": run_id,
            }
            for a in changed
            for r in a.removals
        ],
    )
    return changed, {a.parsed.article_id for a in changed if a.parsed.article_id not in stored}, headline_only


def _replaces(article: Article, stored: tuple | None, newer_only: bool) -> bool:
    """Whether `article` is new content for its row; `stored` is (content_hash, version_seen_at, ...)."""
    if stored is None:
        return True
    return stored[0] != article.content_hash and not (newer_only and article.parsed.fetched_at < stored[1])


ARTICLE_FIELDS = (
    "article_id",
    "site",
    "url",
    "title",
    "subtitle",
    "authors",
    "editor",
    "published_at",
    "updated_at",
    "section",
    "tags",
    "dateline",
    "agency",
    "image_url",
    "image_caption",
    "image_credit",
    "editors_pick_title",
    "editors_pick_url",
    "language",
    "layout",
    "kind",
    "access",
    "page_count",
)


def _article_row(article: Article, version: int, first_seen_at: datetime, gone_at: datetime | None) -> dict:
    """The `articles` row: the parsed fields by name, plus what cleaning and history add."""
    p = article.parsed
    row = {name: getattr(p, name) for name in ARTICLE_FIELDS}
    return row | {
        "authors": list(p.authors),
        "tags": list(p.tags),
        "body": article.body,
        "word_count": len(article.body.split()),
        "content_hash": article.content_hash,
        "flags": list(article.flags),
        "first_seen_at": first_seen_at,
        "gone_at": gone_at,
        "version_seen_at": p.fetched_at,
        "version": version + 1,
    }


def _insert_urls(
    con, run_id: str, aliases: Iterable[tuple[str, str]], fetched_at: Mapping[str, datetime]
) -> None:
    rows = [
        {"url": url, "article_id": article_id, "first_seen_at": fetched_at[url], "run_id": run_id}
        for url, article_id in dict(aliases).items()
    ]
    _insert(con, "article_urls", rows, new_by="url")


def _merge_related(con, run_id: str, articles: tuple[Article, ...]) -> int:
    rows = [
        {
            "source_article_id": a.parsed.article_id,
            "block": r.block,
            "target_url": r.url,
            "target_article_id": r.target_article_id,
            "position": r.position,
            "title": r.title,
            "time_text": r.time_text,
            "published_after": r.published_after,
            "published_until": r.published_until,
            "image_url": r.image_url,
            "image_caption": r.image_caption,
            "summary": r.summary,
            "seen_at": a.parsed.fetched_at,
            "run_id": run_id,
        }
        for a in articles
        for r in a.parsed.related
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged_links AS "
        "SELECT * EXCLUDE (first_seen_at, last_seen_at, seen_count), first_seen_at AS seen_at "
        "FROM related_links LIMIT 0"
    )
    _insert(con, "staged_links", rows)
    con.execute(sql("matched_links.sql"))
    if con.execute(_OLDER_SIGHTINGS).fetchone()[0]:  # a reparse of an older page: keep the stored cards
        con.execute(sql("merge_related.sql"))
    else:  # the same fold, reading 10 columns of the stored edges instead of all 16 (~half the time)
        con.execute("DELETE FROM related_links WHERE rowid IN (SELECT row_id FROM matched_links)")
        con.execute(sql("fold_related.sql"))
    return len(rows)


_OLDER_SIGHTINGS = """SELECT count(*) FROM staged_links s JOIN matched_links r
USING (source_article_id, block, target_url) WHERE s.seen_at < r.last_seen_at"""


def _record_issues(con, run_id: str, pages: list[FetchedPage], plan) -> int:
    """Open an issue for each page that is one, unless that raw page's same problem is open already;
    close (resolved_at) the open issues of the raw pages parsed again that are articles now or show
    another problem, and those of URLs that are articles now. Returns the pages that had an open
    issue and are articles now."""
    keys = [_issue_key(i.content_hash, i.stage, i.problem) for i in plan.issues]
    parsed = {p.content_hash for p in pages if plan.outcomes.get(p.url) in PARSED}
    parsed = (parsed | {i.content_hash for i in plan.issues}) - {None}
    good = _article_pages(pages, plan)
    urls = {url for _, known in good.values() for url in known}
    found = con.execute(sql("open_issues.sql"), {"hashes": _keys(parsed), "urls": _keys(urls)}).fetchall()
    open_keys = {_issue_key(*row[1:]) for row in found if row[1] in parsed}
    # answered: the raw page was parsed again and shows no longer this problem, or its URL is an article's
    closed = [
        row for row in found if (row[1] in parsed and _issue_key(*row[1:]) not in keys) or row[0] in urls
    ]
    if closed:
        columns = ("urls", "hashes", "stages", "problems")
        con.execute(sql("close_issues.sql"), {c: _keys(values) for c, values in zip(columns, zip(*closed))})
    _insert_issues(con, run_id, [i for i, key in zip(plan.issues, keys) if key not in open_keys], pages)
    hashes, urls = {row[1] for row in closed}, {row[0] for row in closed}
    return sum(1 for digest, known in good.values() if digest in hashes or known & urls)


def _issue_key(content_hash: str | None, stage: str, problem: str) -> str:
    return f"{content_hash}|{stage}|{problem}"


def _article_pages(pages: list[FetchedPage], plan) -> dict[str, tuple[str | None, set[str]]]:
    """Each page that became (or joined) an article: its raw hash and the URLs it is known by (as
    requested, as answered, the article's canonical URL)."""
    canonical = {a.parsed.article_id: a.parsed.url for a in plan.articles}
    owner = dict(plan.aliases)
    return {
        p.url: (p.content_hash, {p.url, p.final_url, canonical.get(owner.get(p.url))} - {None})
        for p in pages
        if plan.outcomes.get(p.url) in (ARTICLE, DUPLICATE)
    }


def _insert_issues(con, run_id: str, issues: list[ExtractionIssue], pages: list[FetchedPage]) -> None:
    seen_at = max((p.fetched_at for p in pages), default=None)
    _insert(
        con,
        "extraction_issues",
        [
            {
                "run_id": run_id,
                "url": i.url,
                "stage": i.stage,
                "problem": i.problem,
                "detail": i.detail,
                "content_hash": i.content_hash,
                "seen_at": seen_at,
            }
            for i in issues
        ],
    )


# --- failure memory (kabar/memory.py decides, this stores) ------------------------------------------


def _remember(con, run_id: str, pages: list[FetchedPage], outcomes: Mapping[str, str]) -> None:
    """Replace the url_state of each fetched URL with its state after this fetch; an article whose
    URL became gone gets `gone_at` (the article row is kept)."""
    if not pages:
        return
    site = _site_of(con, run_id)
    states = url_states(con, [p.url for p in pages])
    before = {url: state.gone for url, state in states.items()}
    for page in pages:
        states[page.url] = memory.after_fetch(states.get(page.url), page, site, outcomes.get(page.url, ""))
    touched = {p.url for p in pages}
    _delete(con, ("url_state",), "url", [url for url in touched if url in before])
    # by name, not dataclasses.asdict: its deep copy took a sixth of a batch's Python time
    rows = [{name: getattr(states[url], name) for name in STATE_FIELDS} for url in touched]
    _insert(con, "url_state", rows)
    gone = {url: states[url].last_attempt_at for url in touched if states[url].gone and not before.get(url)}
    _mark_gone(con, gone)


_sites: dict[str, str] = {}  # run id -> its site, which never changes: read once per process


def _site_of(con, run_id: str) -> str | None:
    """The run's site (crawl_runs is rewritten by every heartbeat: a read cost ~35 ms a batch)."""
    if run_id not in _sites:
        row = con.execute("SELECT site FROM crawl_runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            return None
        _sites[run_id] = row[0]
    return _sites[run_id]


def _mark_gone(con, gone: Mapping[str, datetime]) -> None:
    """articles.gone_at for the articles fetched from (or canonical at) these URLs, when first gone."""
    if not gone:
        return
    con.execute(sql("mark_gone.sql"), {"urls": _keys(gone), "times": _keys(gone.values())})


# --- near duplicates (layer 3 of deduplication; tasks/neardup.py) -----------------------------------

# Candidate pairs: a batch article (its band keys given) and a stored article sharing a bucket in some
# band. The batch's own articles are left out (their stored bands are their old bodies'): pairs within
# the batch come from the band keys in hand. Read before the batch's rows are written, as the marks
# and signatures below: a scan of a table the transaction changed costs more.
_CANDIDATES = """
SELECT DISTINCT mine.article_id, other.article_id
FROM (SELECT unnest(CAST($ids::JSON AS VARCHAR[])) AS article_id,
             unnest(CAST($bands::JSON AS INTEGER[])) AS band,
             unnest(CAST($buckets::JSON AS UBIGINT[])) AS bucket) mine
JOIN article_bands other ON other.band = mine.band AND other.bucket = mine.bucket
WHERE other.article_id NOT IN (SELECT unnest(CAST($batch::JSON AS VARCHAR[])))"""

# The stored marks of the candidates, their signatures and when each article was first seen: three
# narrow reads (one join of articles, signatures and marks filtered after it read every signature).
_MARKS = f"SELECT article_id, duplicate_of FROM near_duplicates WHERE article_id {IN_IDS}"
_SIGNATURES = f"SELECT article_id, signature FROM article_minhash WHERE article_id {IN_IDS}"
_FIRST_SEEN = f"SELECT article_id, first_seen_at FROM articles WHERE article_id {IN_IDS}"


def _mark_near_duplicates(
    con,
    run_id: str,
    articles: list[Article],
    signatures: Mapping[str, tuple[int, ...]],
    known: set[str],
) -> int:
    """Store the signatures of the batch's changed bodies and mark each body that repeats an earlier
    article (`known`: the ids stored before this batch). Marks only: nothing is deleted. Returns the
    marks written."""
    fresh = {
        a.parsed.article_id: signatures[a.parsed.article_id]
        for a in articles
        if a.parsed.article_id in signatures
    }
    if not fresh:
        return 0
    bands = {i: neardup.band_keys(sig) for i, sig in fresh.items()}
    candidates = _candidates(con, bands)
    stored_roots, stored = _stored_facts(con, {other for _, other in candidates} - fresh.keys(), fresh)
    _store_signatures(con, fresh, bands, known)
    sig = dict(fresh) | stored
    first_seen = dict(_read(con, _FIRST_SEEN, sig))
    sig = {i: s for i, s in sig.items() if i in first_seen}  # only articles with a row take part
    matches = [
        (a, o) for a, o in candidates if o in sig and neardup.similarity(sig[a], sig[o]) >= neardup.THRESHOLD
    ]
    roots = neardup.duplicates_of(list(fresh), matches, first_seen, stored_roots)
    seen_at = {a.parsed.article_id: a.parsed.fetched_at for a in articles}
    _insert(
        con,
        "near_duplicates",
        [
            {
                "article_id": i,
                "duplicate_of": root,
                "similarity": neardup.similarity(sig[i], sig[root]),
                "found_at": seen_at[i],
                "run_id": run_id,
            }
            for i, root in roots.items()
        ],
    )
    return len(roots)


def _candidates(con, bands: Mapping[str, tuple[int, ...]]) -> list[tuple[str, str]]:
    """(batch article, other) pairs sharing a bucket in some band: stored others from article_bands,
    other batch members from the band keys in hand."""
    keys = [(i, band, key) for i, row in bands.items() for band, key in enumerate(row)]
    params = {c: _keys(v) for c, v in zip(("ids", "bands", "buckets"), zip(*keys))}
    stored = con.execute(_CANDIDATES, params | {"batch": _keys(bands)}).fetchall()
    members: dict[tuple[int, int], list[str]] = {}
    for i, band, key in keys:
        members.setdefault((band, key), []).append(i)
    within = {(a, b) for ids in members.values() if len(ids) > 1 for a in ids for b in ids if a != b}
    return [*stored, *sorted(within)]


def _stored_facts(
    con, others: set[str], fresh: Mapping[str, tuple[int, ...]]
) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """The stored marks of the candidates outside the batch (`others`), and the signatures of those
    and of the articles their marks point at (the batch's own are in hand)."""
    stored_roots = dict(_read(con, _MARKS, others))
    wanted = (others | set(stored_roots.values())) - fresh.keys()
    return stored_roots, {i: neardup.unpack(sig) for i, sig in _read(con, _SIGNATURES, wanted)}


def _read(con, query: str, ids: Iterable[str]) -> list[tuple]:
    """The rows of `query` for these ids (none asked, none read)."""
    ids = list(ids)
    return con.execute(query, {"ids": _keys(ids)}).fetchall() if ids else []


def _store_signatures(
    con, fresh: Mapping[str, tuple[int, ...]], bands: Mapping[str, tuple[int, ...]], known: set[str]
) -> None:
    """Replace the signature, band keys and mark of each of these articles (their bodies changed: the
    caller leaves out a changed headline alone, which keeps them). Only `known` articles can have a
    signature stored already. (Telling a changed body by the content hash, not by reading the stored
    signatures back: that read scanned every signature, 13 ms per 10,000 articles.)"""
    _delete(
        con,
        ("article_minhash", "article_bands", "near_duplicates"),
        "article_id",
        [i for i in fresh if i in known],
    )
    _insert(
        con,
        "article_minhash",
        [{"article_id": i, "signature": neardup.pack(sig)} for i, sig in fresh.items()],
    )
    _insert(
        con,
        "article_bands",
        [
            {"band": band, "bucket": key, "article_id": i}
            for i, row in bands.items()
            for band, key in enumerate(row)
        ],
    )
