"""Writing one batch into the warehouse, in one transaction, and the reads the flow needs."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from kabar import neardup
from kabar.records import Article, ExtractionIssue, FetchedPage
from kabar.warehouse.db import sql


def previous_fetches(con, urls: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """(etag, last_modified, content_hash) of each URL's latest successful fetch."""
    rows = con.execute(
        """SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at),
                  arg_max(content_hash, fetched_at)
           FROM fetches WHERE status = 200 AND url IN (SELECT unnest(?)) GROUP BY url""",
        [urls],
    ).fetchall()
    return {url: (etag, modified, digest) for url, etag, modified, digest in rows}


def seen_raw_hashes(con, hashes: Iterable[str]) -> set[str]:
    """Raw pages (by sha256) that an earlier run already parsed."""
    rows = con.execute(
        "SELECT DISTINCT content_hash FROM fetches"
        " WHERE outcome <> 'error' AND content_hash IN (SELECT unnest(?))",
        [list(hashes)],
    ).fetchall()
    return {digest for (digest,) in rows}


def known_content(con, hashes: Iterable[str]) -> dict[str, str]:
    """content hash -> article id, for the stored articles with these hashes."""
    rows = con.execute(
        "SELECT content_hash, article_id FROM articles WHERE content_hash IN (SELECT unnest(?))",
        [list(hashes)],
    ).fetchall()
    return dict(rows)


def start_run(con, run_id: str, site: str, started_at: datetime) -> None:
    con.execute(
        "INSERT INTO crawl_runs (run_id, site, started_at, status) VALUES (?, ?, ?, 'running')",
        [run_id, site, started_at],
    )


def finish_run(con, run_id: str, finished_at: datetime, status: str, counts: Mapping[str, int]) -> None:
    assignments = ", ".join(f"{column} = ?" for column in counts)
    con.execute(
        f"UPDATE crawl_runs SET finished_at = ?, status = ?, {assignments} WHERE run_id = ?",
        [finished_at, status, *counts.values(), run_id],
    )


def load_batch(con, run_id: str, pages: list[FetchedPage], plan) -> dict[str, int]:
    """Fetches, articles (+ versions, URLs, removals), related links and issues of one batch,
    all or nothing. Returns the counts the run reports."""
    con.begin()
    try:
        _insert_fetches(con, run_id, pages, plan.outcomes)
        changed, new = _upsert_articles(con, plan.articles)
        _insert_urls(con, plan.aliases, {p.url: p.fetched_at for p in pages})
        links = _merge_related(con, plan.articles)
        marks = _mark_near_duplicates(con, changed, plan.signatures)
        _insert_issues(con, run_id, plan.issues, pages)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return {
        "articles_new": new,
        "articles_updated": len(changed) - new,
        "related_links_seen": links,
        "issues": len(plan.issues),
        "duplicates": plan.duplicates,
        "near_duplicates": marks,
    }


def _insert(con, table: str, rows: list[dict], on_conflict: str = "") -> None:
    """Insert rows column by column: one statement unnesting a list per column (DuckDB's executemany
    binds row by row and was ~35x slower for a batch of 100 articles)."""
    if not rows:
        return
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?", [table]
        ).fetchall()
    )
    columns = list(rows[0])
    values = ", ".join(f"unnest(?::{types[c]}[])" for c in columns)
    con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} {on_conflict}",
        [[row[c] for row in rows] for c in columns],
    )


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
            }
            for p in pages
        ],
    )


def _upsert_articles(con, articles: tuple[Article, ...]) -> tuple[list[Article], int]:
    """New content replaces the current row (delete + insert: far faster than UPDATE in DuckDB) and
    appends a version; content already stored is left alone. Returns the changed articles and how
    many of them are new."""
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT article_id, content_hash, version, first_seen_at FROM articles"
            " WHERE article_id IN (SELECT unnest(?))",
            [[a.parsed.article_id for a in articles]],
        ).fetchall()
    }
    changed = [a for a in articles if stored.get(a.parsed.article_id, (None,))[0] != a.content_hash]
    ids = [a.parsed.article_id for a in changed]
    con.execute("DELETE FROM articles WHERE article_id IN (SELECT unnest(?))", [ids])
    con.execute("DELETE FROM removals WHERE article_id IN (SELECT unnest(?))", [ids])
    versions = {
        a.parsed.article_id: stored.get(a.parsed.article_id, (None, 0, a.parsed.fetched_at))[1:]
        for a in changed
    }
    _insert(con, "articles", [_article_row(a, *versions[a.parsed.article_id]) for a in changed])
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
            }
            for a in changed
        ],
    )
    _insert(
        con,
        "removals",
        [
            {"article_id": a.parsed.article_id, "rule": r.rule, "count": r.count, "sample": r.sample}
            for a in changed
            for r in a.removals
        ],
    )
    return changed, sum(1 for a in changed if a.parsed.article_id not in stored)


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


def _article_row(article: Article, version: int, first_seen_at: datetime) -> dict:
    """The `articles` row: the parsed fields by name, plus what cleaning and history add."""
    p = article.parsed
    row = {name: getattr(p, name) for name in ARTICLE_FIELDS}
    return row | {
        "authors": list(p.authors),
        "tags": list(p.tags),
        "body": article.body,
        "word_count": len(article.body.split()),
        "content_hash": article.content_hash,
        "first_seen_at": first_seen_at,
        "version_seen_at": p.fetched_at,
        "version": version + 1,
    }


def _insert_urls(con, aliases: Iterable[tuple[str, str]], fetched_at: Mapping[str, datetime]) -> None:
    rows = [
        {"url": url, "article_id": article_id, "first_seen_at": fetched_at[url]}
        for url, article_id in dict(aliases).items()
    ]
    _insert(con, "article_urls", rows, on_conflict="ON CONFLICT (url) DO NOTHING")


def _merge_related(con, articles: tuple[Article, ...]) -> int:
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
    con.execute(sql("merge_related.sql"))
    return len(rows)


def _insert_issues(con, run_id: str, issues: tuple[ExtractionIssue, ...], pages: list[FetchedPage]) -> None:
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


# --- near duplicates (layer 3 of deduplication; tasks/neardup.py) -----------------------------------

# Candidate pairs: a batch article and any other sharing a bucket in some band (the batch's own rows
# are stored first, so two near duplicates arriving together find each other too).
_CANDIDATES = """
SELECT DISTINCT mine.article_id, other.article_id
FROM article_bands mine JOIN article_bands other ON other.band = mine.band AND other.bucket = mine.bucket
WHERE mine.article_id IN (SELECT unnest(?)) AND other.article_id <> mine.article_id"""

# What ordering and confirming need about the batch, its candidates and the roots they point at.
_FACTS = """
SELECT a.article_id, a.first_seen_at, m.signature, n.duplicate_of
FROM articles a JOIN article_minhash m USING (article_id) LEFT JOIN near_duplicates n USING (article_id)
WHERE a.article_id IN (SELECT unnest($ids))
   OR a.article_id IN (SELECT duplicate_of FROM near_duplicates WHERE article_id IN (SELECT unnest($ids)))"""


def _mark_near_duplicates(con, articles: list[Article], signatures: Mapping[str, tuple[int, ...]]) -> int:
    """Store the signatures of the batch's changed bodies and mark each body that repeats an earlier
    article. Marks only: nothing is deleted. Returns the marks written."""
    signed = _store_signatures(
        con,
        {
            a.parsed.article_id: signatures[a.parsed.article_id]
            for a in articles
            if a.parsed.article_id in signatures
        },
    )
    if not signed:
        return 0
    candidates = con.execute(_CANDIDATES, [signed]).fetchall()
    ids = list({*signed, *(other for _, other in candidates)})
    facts = {row[0]: row[1:] for row in con.execute(_FACTS, {"ids": ids}).fetchall()}
    sig = {article_id: tuple(signature) for article_id, (_, signature, _) in facts.items()}
    matches = [
        (a, o) for a, o in candidates if o in sig and neardup.similarity(sig[a], sig[o]) >= neardup.THRESHOLD
    ]
    roots = neardup.duplicates_of(
        signed, matches, {i: f[0] for i, f in facts.items()}, {i: f[2] for i, f in facts.items() if f[2]}
    )
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
            }
            for i, root in roots.items()
        ],
    )
    return len(roots)


def _store_signatures(con, signatures: Mapping[str, tuple[int, ...]]) -> list[str]:
    """Replace the signature, band keys and mark of each article whose body's signature changed (a
    changed headline alone keeps them); returns those articles' ids."""
    stored = dict(
        con.execute(
            "SELECT article_id, signature FROM article_minhash WHERE article_id IN (SELECT unnest(?))",
            [list(signatures)],
        ).fetchall()
    )
    fresh = {i: sig for i, sig in signatures.items() if tuple(stored.get(i) or ()) != tuple(sig)}
    for table in ("article_minhash", "article_bands", "near_duplicates"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?))", [list(fresh)])
    _insert(con, "article_minhash", [{"article_id": i, "signature": list(sig)} for i, sig in fresh.items()])
    _insert(
        con,
        "article_bands",
        [
            {"band": band, "bucket": key, "article_id": i}
            for i, sig in fresh.items()
            for band, key in enumerate(neardup.band_keys(sig))
        ],
    )
    return list(fresh)
