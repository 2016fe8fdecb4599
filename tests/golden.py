"""The golden files: every article page of every site's bundled mirror, with `<page>.meta.json` (the
real URL and the frozen fetch time) and `<page>.expected.json` (what extraction makes of it) beside it.

Rewrite them after a reviewed parser change with
    KABAR_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and read the diff (`git diff sites/*/mirror`) before committing it.
"""

import json
from datetime import datetime
from pathlib import Path

from kabar.extract import extract
from kabar.mirror import saved_pages
from kabar.records import Article, ExtractionIssue, to_json
from kabar.sites import Site, all_sites


def mirrored_sites() -> list[Site]:
    return [site for site in all_sites().values() if site.mirror]


def golden_pages() -> list[Path]:
    """Every mirror page that has a meta file: the article pages (index pages, feeds and pages 2..n of
    an article, which are joined into page 1, have none)."""
    metas = (meta for site in mirrored_sites() for meta in site.mirror.rglob("*.meta.json"))
    return sorted(meta.with_name(meta.name.removesuffix(".meta.json") + ".html") for meta in metas)


def site_of(page: Path) -> Site:
    return next(site for site in mirrored_sites() if page.is_relative_to(site.mirror))


def meta(page: Path) -> dict:
    return json.loads(
        page.with_name(page.name.removesuffix(".html") + ".meta.json").read_text(encoding="utf-8")
    )


def page_url(page: Path) -> str:
    """The real-site URL the mirror page stands for."""
    return meta(page)["url"]


def fetched_at(page: Path) -> datetime:
    """The frozen clock relative times on the page resolve against."""
    return datetime.fromisoformat(meta(page)["fetched_at"])


def expected_path(page: Path) -> Path:
    return page.with_name(page.name.removesuffix(".html") + ".expected.json")


def extract_page(page: Path) -> Article | ExtractionIssue:
    """What the flow makes of a mirror page: parsed, its continuation pages joined, cleaned."""
    url = page_url(page)
    return extract(site_of(page), page.read_bytes(), url, fetched_at(page), saved_pages(page, url))


def as_golden(result: Article | ExtractionIssue) -> dict:
    return json.loads(to_json(result))
