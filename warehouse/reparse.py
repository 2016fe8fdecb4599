"""The reads a reparse needs: which archived pages to parse again, and where their pages 2..n are."""

from datetime import datetime
from urllib.parse import urlsplit

from kabar.records import FetchedPage
from kabar.warehouse.db import sql


def fetched_sites(con) -> list[str]:
    """The sites some ingest run fetched pages for."""
    rows = con.execute(
        "SELECT DISTINCT site FROM crawl_runs WHERE coalesce(kind, 'ingest') = 'ingest' ORDER BY site"
    ).fetchall()
    return [site for (site,) in rows]


def pages_to_reparse(
    con, site: str, since: datetime | None = None, layout: str | None = None
) -> list[FetchedPage]:
    """Each URL's latest successful fetch of the site (see reparse_pages.sql), newest first; the
    pages carry no archive path (the caller knows the archive)."""
    rows = con.execute(sql("reparse_pages.sql"), {"site": site, "since": since, "layout": layout}).fetchall()
    return [
        FetchedPage(url=url, final_url=final, fetched_at=at, status=200, content_hash=hash_, served_at=served)
        for url, final, at, hash_, served in rows
    ]


def archived_hash(con, site: str, url: str) -> str | None:
    """The raw page of `url` (a real-site URL) as the site's runs last fetched it, or None."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    row = con.execute(sql("archived_page.sql"), {"site": site, "url": url, "path": path}).fetchone()
    return row[0] if row else None
