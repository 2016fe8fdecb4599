"""The golden files: every page of every bundled mirror beside `<page>.expected.json`.

Rewrite them after a reviewed parser change with
    KABAR_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and read the diff (`git diff tests/fixtures`) before committing it.
"""

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from kabar.records import Article, ExtractionIssue, to_json
from kabar.urls import rebase
from sites import ParseError, get_site
from tasks.clean import clean
from tasks.multipage import join_pages

MIRRORS = Path(__file__).parent / "fixtures" / "sites"
# The frozen clock relative times resolve against, per era of the mirror (by the page's path).
CLOCKS = (("read/news/", datetime(2015, 11, 12, 5, 0, tzinfo=timezone.utc)),
          ("read/", datetime(2023, 10, 1, 5, 0, tzinfo=timezone.utc)),
          ("", datetime(2024, 10, 19, 5, 0, tzinfo=timezone.utc)))


def golden_pages() -> list[Path]:
    """Mirror pages at article URLs (index pages, feeds, and pages 2..n of an article — files named
    `<page>@<query>.html`, joined into page 1 — have no golden file of their own)."""
    return sorted(p for p in MIRRORS.glob("*/**/*.html")
                  if p.is_file() and "@" not in p.name and get_site(site_of(p)).article_id(page_url(p)))


def site_of(page: Path) -> str:
    return page.relative_to(MIRRORS).parts[0]


def page_url(page: Path) -> str:
    """The real-site URL a mirror file stands for (its path, on the site's own origin)."""
    path = "/" + page.relative_to(MIRRORS / site_of(page)).with_suffix("").as_posix()
    return rebase(path, get_site(site_of(page)).base_url)


def fetched_at(page: Path) -> datetime:
    path = page.relative_to(MIRRORS / site_of(page)).as_posix()
    return next(clock for prefix, clock in CLOCKS if path.startswith(prefix))


def expected_path(page: Path) -> Path:
    return page.with_suffix(".expected.json")


def extract(page: Path) -> Article | ExtractionIssue:
    """What the flow makes of a mirror page: parsed, its continuation pages joined, cleaned."""
    site = get_site(site_of(page))
    try:
        parsed = site.parse(page.read_bytes(), page_url(page), fetched_at(page))
    except ParseError as error:
        return ExtractionIssue(url=page_url(page), stage="parse", problem=error.problem, detail=error.detail)
    rest = [site.parse(mirror_file(page, url).read_bytes(), url, fetched_at(page)) for url in parsed.continuation_urls]
    return clean(join_pages(parsed, rest), site.boilerplate)


def mirror_file(page: Path, url: str) -> Path:
    """The file beside `page` serving `url`'s query (`<name>@<query>.html`), as the mirror server maps it."""
    return page.with_name(f"{page.stem}@{urlsplit(url).query}.html")


def as_golden(result: Article | ExtractionIssue) -> dict:
    return json.loads(to_json(result))
