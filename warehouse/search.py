"""Full-text search: an fts index (Indonesian stemmer; English for English articles) over title,
subtitle and body, kept in a DuckDB file of its own beside the warehouse.

DuckLake tables take no fts index, so each refresh copies the current articles into a new file,
indexes it and moves it into place with one rename: a reader keeps the file it opened.
"""

import os
import re
from datetime import date
from pathlib import Path

import duckdb

from kabar.warehouse.db import NO_PROGRESS_BAR, data_path, is_postgres, load_extension

STEMMERS = (("docs_id", "indonesian"), ("docs_en", "english"))
COLUMNS = "article_id, site, url, title, coalesce(subtitle, '') AS subtitle, body, published_at"
SNIPPET_CHARS = 160


def search_path(db_path: str | Path) -> Path:
    if is_postgres(db_path):  # a shared catalog: the index goes beside the shared data folder
        return data_path(db_path).with_name(data_path(db_path).name + ".search")
    path = Path(db_path)
    return path.with_name(path.name + ".search")


def refresh(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> int:
    """Rebuild the index from the warehouse's current articles (`con`: a writable warehouse
    connection); returns how many articles it holds."""
    target = search_path(db_path)
    building = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    building.unlink(missing_ok=True)
    con.execute(f"ATTACH '{building}' AS search_build")
    try:
        for table, _ in STEMMERS:
            english = "=" if table == "docs_en" else "IS DISTINCT FROM"
            con.execute(
                f"CREATE TABLE search_build.{table} AS SELECT {COLUMNS} FROM articles"
                f" WHERE lower(language) {english} 'en'"
            )
    finally:
        con.execute("DETACH search_build")
    with duckdb.connect(str(building)) as index:
        index.execute(NO_PROGRESS_BAR)
        load_extension(index, "fts")
        for table, stemmer in STEMMERS:
            index.execute(
                f"PRAGMA create_fts_index('{table}', 'article_id', 'title', 'subtitle', 'body',"
                f" stemmer='{stemmer}', overwrite=1)"
            )
        count = sum(index.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t, _ in STEMMERS)
    os.replace(building, target)
    return count


def search(
    db_path: str | Path, query: str, *, site: str | None = None, since: date | None = None, limit: int = 10
) -> list[dict]:
    """Ranked hits (BM25) with title, date, URL and a snippet around the first matching word."""
    path = search_path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no search index at {path} (a run builds it; or `kabar maintain`)")
    with duckdb.connect(str(path), read_only=True) as index:
        index.execute(NO_PROGRESS_BAR)
        load_extension(index, "fts")
        scored = " UNION ALL ".join(
            f"SELECT *, fts_main_{t}.match_bm25(article_id, $q) AS score FROM {t}" for t, _ in STEMMERS
        )
        rows = index.execute(
            f"SELECT article_id, site, url, title, published_at, body, score FROM ({scored})"
            " WHERE score IS NOT NULL AND ($site IS NULL OR site = $site)"
            " AND ($since IS NULL OR published_at >= $since) ORDER BY score DESC LIMIT $limit",
            {"q": query, "site": site, "since": since, "limit": limit},
        ).fetchall()
    names = ("article_id", "site", "url", "title", "published_at", "body", "score")
    return [
        {**dict(zip(names[:-2], row[:-2])), "score": round(row[-1], 3), "snippet": snippet(row[5], query)}
        for row in rows
    ]


def snippet(body: str, query: str) -> str:
    """The body around the first word that shares a stem-like prefix with a query word."""
    words = [w.lower() for w in re.findall(r"\w{3,}", query)]
    prefixes = [w[: max(4, len(w) - 3)] for w in words]
    match = next(
        (m for m in re.finditer(r"\w+", body) if m.group().lower().startswith(tuple(prefixes))), None
    )
    start = max((match.start() if match else 0) - SNIPPET_CHARS // 3, 0)
    text = body[start : start + SNIPPET_CHARS].replace("\n", " ")
    return ("…" if start else "") + text + ("…" if start + SNIPPET_CHARS < len(body) else "")
