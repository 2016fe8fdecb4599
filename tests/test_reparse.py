"""End to end: the reparse flow (real Prefect API via the test harness) over a warehouse and archive
that the ingest flow filled from the tempo mirror; the mirror is down while reparse runs."""

import shutil
from datetime import UTC, date, datetime, timedelta

import pytest

from kabar.sites import Layout, Reading, get_site
from kabar.sites.html import first_text, select_one, text
from kabar.warehouse.db import connect, data_path

pytestmark = pytest.mark.e2e
CONTENT_TABLES = (
    "articles",
    "article_versions",
    "article_urls",
    "related_links",
    "removals",
    "extraction_issues",
    "article_minhash",
    "article_bands",
    "near_duplicates",
)
UNTOUCHED = ("fetches", "url_state")  # a reparse fetches nothing
MULTI_PAGE = "tempo:1772396"
TRUNCATED = "tempo:1772399"


@pytest.fixture(scope="module")
def ingested(prefect_api, tmp_path_factory):
    """(warehouse, archive) after one ingest of the tempo mirror; the mirror is stopped afterwards."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    db = tmp_path_factory.mktemp("ingested") / "warehouse.duckdb"
    archive = db.parent / "archive"
    with serve(get_site("tempo").mirror) as mirror:
        ingest(site="tempo", base_url=mirror.base_url, warehouse=str(db), archive=str(archive), delay=0.0)
    return db, archive


@pytest.fixture
def warehouse(ingested, tmp_path):
    """A copy of the ingested warehouse, for one test to change; the archive is shared (read only)."""
    db, archive = ingested
    shutil.copy(db, tmp_path / db.name)  # the catalog and its data folder beside it
    shutil.copytree(data_path(db), data_path(tmp_path / db.name))
    return tmp_path / db.name, archive


def reparse(warehouse, **options) -> dict[str, int]:
    from kabar.flows.reparse import reparse as flow

    db, archive = warehouse
    return flow(warehouse=str(db), archive=str(archive), **options)


def rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


def snapshot(db, tables=CONTENT_TABLES + UNTOUCHED) -> dict[str, list]:
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def test_a_reparse_without_changes_changes_nothing(warehouse):
    db = warehouse[0]
    before = snapshot(db)
    counts = reparse(warehouse, site="tempo")
    articles = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert counts == {
        "pages": articles + 1,  # every article page and the truncated page
        "articles_updated": 0,
        "articles_new": 0,
        "issues": 1,
        "issues_resolved": 0,
        "unchanged": articles,
        "duplicates": 0,
        "near_duplicates": 0,
        "missing": 0,
    }
    assert snapshot(db) == before  # the multi-page article too: its page 2 came from the archive
    assert rows(db, "SELECT page_count FROM articles WHERE article_id = ?", MULTI_PAGE) == [(2,)]
    run = rows(
        db, "SELECT kind, status, pages_reparsed, pages_unchanged FROM crawl_runs WHERE kind = 'reparse'"
    )
    assert run == [("reparse", "completed", articles + 1, articles)]


def test_a_dropped_rule_updates_the_articles_it_cleaned_and_their_removals(warehouse, monkeypatch):
    db = warehouse[0]
    site = get_site("tempo")
    monkeypatch.setattr(site, "boilerplate", tuple(r for r in site.boilerplate if r.name != "ad_label"))
    cleaned = rows(
        db, "SELECT article_id, layout FROM removals JOIN articles USING (article_id) WHERE rule = 'ad_label'"
    )
    assert cleaned and {layout for _, layout in cleaned} == {"tempo-2023"}
    before = snapshot(db, UNTOUCHED)
    assert reparse(warehouse, layout="tempo-2015")["articles_updated"] == 0  # no ad label on those pages
    counts = reparse(warehouse, site="tempo", layout="tempo-2023")
    assert (counts["articles_updated"], counts["articles_new"]) == (len(cleaned), 0)
    assert counts["unchanged"] == counts["pages"] - len(cleaned) - counts["issues"]
    assert rows(db, "SELECT count(*) FROM removals WHERE rule = 'ad_label'") == [(0,)]
    changed = rows(
        db,
        "SELECT article_id, version, body FROM articles WHERE article_id IN (SELECT unnest(?))",
        [a for a, _ in cleaned],
    )
    assert all(version == 2 and "Iklan" in body for _, version, body in changed)
    assert rows(db, "SELECT count(*) FROM article_versions WHERE version = 2") == [(len(cleaned),)]
    assert snapshot(db, UNTOUCHED) == before
    again = reparse(warehouse)  # every site ingested; the rule is still gone: nothing more to do
    assert (again["articles_updated"], again["unchanged"]) == (0, again["pages"] - again["issues"])


class Salvage(Layout):
    """A parser change: a layout that reads what a cut-off tempo page still has."""

    name = "tempo-salvage"

    def matches(self, page) -> bool:
        return select_one(page, "article.detail-artikel") is not None

    def read(self, page, site, url) -> Reading:
        title = first_text(page, "title").removesuffix(" - Nasional Tempo.co")
        return Reading({"title": title, "paragraphs": (text(select_one(page, "article.detail-artikel")),)})


def test_a_parser_change_turns_a_flagged_page_into_an_article(warehouse, monkeypatch):
    db = warehouse[0]
    site = get_site("tempo")
    assert rows(db, "SELECT problem FROM extraction_issues WHERE resolved_at IS NULL") == [("truncated",)]
    monkeypatch.setattr(site, "layouts", (*site.layouts, Salvage()))
    counts = reparse(warehouse, site="tempo", layout="tempo-salvage")  # flagged pages come along
    assert counts["pages"] == 1  # no article has this layout yet: only the flagged page
    assert (counts["articles_new"], counts["issues"], counts["issues_resolved"]) == (1, 0, 1)
    assert rows(db, "SELECT title, layout FROM articles WHERE article_id = ?", TRUNCATED) == [
        ("Halaman Rusak", "tempo-salvage")
    ]
    assert rows(db, "SELECT count(*) FROM extraction_issues WHERE resolved_at IS NOT NULL") == [(1,)]
    assert rows(db, "SELECT issues_resolved, articles_new FROM crawl_runs WHERE kind = 'reparse'") == [(1, 1)]


def test_since_limits_the_pages_by_their_fetch_time(warehouse):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert reparse(warehouse, since=tomorrow)["pages"] == 0
    assert reparse(warehouse, since=date(2000, 1, 1))["pages"] > 0


def test_a_page_whose_archive_file_is_gone_is_left_as_it_is(warehouse, tmp_path):
    db, archive = warehouse
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    digest = rows(db, "SELECT content_hash FROM fetches WHERE url LIKE '%1772314%'")[0][0]
    (copy / digest[:2] / f"{digest}.html.gz").write_bytes(b"not gzip")
    before = snapshot(db, CONTENT_TABLES)
    counts = reparse((db, copy), site="tempo")
    assert counts["missing"] == 1 and counts["articles_updated"] == 0
    assert snapshot(db, CONTENT_TABLES) == before


# --- the loader's side of a reparse, against a real DuckDB file -------------------------------------

AT = datetime(2024, 3, 1, 6, tzinfo=UTC)
URL = "https://nasional.tempo.co/read/1772105/guru"


def page(url: str = URL, at: datetime = AT, raw: str = "raw-1"):
    from kabar.records import FetchedPage

    return FetchedPage(url=url, final_url=url, fetched_at=at, status=200, content_hash=raw)


def article(body: str, at: datetime = AT):
    from kabar.records import Article, ParsedArticle

    parsed = ParsedArticle(
        site="tempo",
        article_id="tempo:1772105",
        url=URL,
        layout="tempo-2023",
        fetched_at=at,
        title="Guru",
        paragraphs=(body,),
    )
    return Article(parsed=parsed, body=body, content_hash=f"content-{body}")


def issue(problem: str, raw: str = "raw-1"):
    from kabar.records import ExtractionIssue

    return ExtractionIssue(url=URL, stage="parse", problem=problem, content_hash=raw)


def load(db, pages, results, *, reparsed: bool = False) -> dict[str, int]:
    from kabar.tasks.dedup import plan_batch
    from kabar.warehouse import loader
    from kabar.warehouse.db import connect

    with connect(db) as con:
        plan = plan_batch(
            pages, results, loader.known_content(con, [r.content_hash for r in results.values()])
        )
        if reparsed:
            return loader.load_reparsed(con, "reparse", pages, plan)
        return loader.load_batch(con, "ingest", pages, plan)


def test_an_open_issue_is_recorded_once_and_closed_when_the_page_shows_another(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, [page()], {URL: issue("unknown_layout")})
    load(db, [page()], {URL: issue("unknown_layout")}, reparsed=True)
    assert rows(db, "SELECT run_id, problem, resolved_at IS NULL FROM extraction_issues") == [
        ("ingest", "unknown_layout", True)
    ]
    assert load(db, [page()], {URL: issue("empty_body")}, reparsed=True)["issues_resolved"] == 0
    assert rows(
        db, "SELECT problem, resolved_at IS NULL FROM extraction_issues ORDER BY seen_at, problem"
    ) == [
        ("empty_body", True),
        ("unknown_layout", False),
    ]
    assert load(db, [page()], {URL: article("Isi.")}, reparsed=True)["issues_resolved"] == 1
    assert rows(db, "SELECT count(*) FROM extraction_issues WHERE resolved_at IS NULL") == [(0,)]


def test_a_reparse_never_replaces_a_version_with_an_older_fetchs(tmp_path):
    db = tmp_path / "w.duckdb"
    old, new = page(raw="raw-old"), page(URL + "?amp", AT + timedelta(days=1), "raw-new")
    load(db, [old], {old.url: article("Lama.")})
    load(db, [new], {new.url: article("Baru.", AT + timedelta(days=1))})
    counts = load(db, [old], {old.url: article("Lama, diperbaiki.")}, reparsed=True)
    assert (counts["articles_updated"], counts["unchanged"]) == (0, 1)
    assert rows(db, "SELECT body, version FROM articles") == [("Baru.", 2)]
