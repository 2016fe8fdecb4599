"""tasks.dedup: which fetched pages are parsed, and what each page of a batch becomes."""

from datetime import UTC, datetime

import pytest

from kabar.records import Article, ExtractionIssue, FetchedPage, ParsedArticle
from kabar.tasks.dedup import pages_to_parse, plan_batch

AT = datetime(2023, 10, 1, 5, tzinfo=UTC)
A = "https://dunia.tempo.co/read/1772314/norwegia"
A_TRACKED = A + "?utm_source=rss"
B = "https://dunia.tempo.co/read/1772290/penguin"
C = "https://nasional.tempo.co/read/1772105/guru"


def page(url: str, status: int | None = 200, raw: str | None = None, unchanged: bool = False) -> FetchedPage:
    return FetchedPage(
        url=url,
        final_url=url,
        fetched_at=AT,
        status=status,
        unchanged=unchanged,
        content_hash=raw if raw is not None else f"raw-of-{url}",
    )


def article(article_id: str, content_hash: str, url: str = A) -> Article:
    parsed = ParsedArticle(
        site="tempo",
        article_id=article_id,
        url=url,
        layout="tempo-2023",
        fetched_at=AT,
        title="Judul",
        paragraphs=("Isi.",),
    )
    return Article(parsed=parsed, body="Isi.", content_hash=content_hash)


# --- pages_to_parse --------------------------------------------------------------------------------


def test_pages_to_parse_keeps_fresh_successful_fetches_in_order():
    pages = [page(A, raw="r1"), page(B, raw="r2"), page(C, raw="r3")]
    assert [p.url for p in pages_to_parse(pages, set())] == [A, B, C]


@pytest.mark.parametrize(
    "skipped",
    [
        pytest.param(page(B, status=404, raw="r404"), id="404"),
        pytest.param(page(B, status=500, raw="r500"), id="500"),
        pytest.param(page(B, status=None, raw=None), id="no-response"),
        pytest.param(page(B, status=304, raw="r304"), id="304"),
        pytest.param(page(B, raw="r2", unchanged=True), id="unchanged"),
        pytest.param(page(B, raw="seen-before"), id="bytes-seen-in-an-earlier-run"),
        pytest.param(page(B, raw="r1"), id="same-bytes-as-an-earlier-page-of-the-batch"),
    ],
)
def test_pages_to_parse_skips(skipped):
    assert [p.url for p in pages_to_parse([page(A, raw="r1"), skipped], {"seen-before"})] == [A]


def test_pages_to_parse_does_not_change_seen_raw():
    seen = {"old"}
    pages_to_parse([page(A, raw="r1")], seen)
    assert seen == {"old"}


# --- plan_batch ------------------------------------------------------------------------------------


def test_new_article():
    plan = plan_batch([page(A)], {A: article("tempo:1", "h1")}, known={})
    assert [a.parsed.article_id for a in plan.articles] == ["tempo:1"]
    assert plan.aliases == ((A, "tempo:1"),)
    assert dict(plan.outcomes) == {A: "article"}
    assert plan.issues == () and plan.duplicates == 0


def test_same_article_id_twice_in_a_batch():
    first, second = article("tempo:1", "h1"), article("tempo:1", "h1")
    plan = plan_batch([page(A), page(A_TRACKED)], {A: first, A_TRACKED: second}, known={})
    assert plan.articles == (first,)
    assert plan.aliases == ((A, "tempo:1"), (A_TRACKED, "tempo:1"))
    assert dict(plan.outcomes) == {A: "article", A_TRACKED: "duplicate"}
    assert plan.duplicates == 1


def test_same_content_under_two_ids():
    first, second = article("tempo:1", "same"), article("tempo:2", "same", url=B)
    plan = plan_batch([page(A), page(B)], {A: first, B: second}, known={})
    assert plan.articles == (first,)
    assert plan.aliases == ((A, "tempo:1"), (B, "tempo:1"))
    assert dict(plan.outcomes) == {A: "article", B: "duplicate"}
    assert plan.duplicates == 1


def test_content_already_stored_under_another_id():
    plan = plan_batch([page(B)], {B: article("tempo:2", "stored", url=B)}, known={"stored": "tempo:1"})
    assert plan.articles == ()
    assert plan.aliases == ((B, "tempo:1"),)
    assert dict(plan.outcomes) == {B: "duplicate"}
    assert plan.duplicates == 1


def test_content_already_stored_under_the_same_id_is_reloaded():
    new = article("tempo:1", "stored")
    plan = plan_batch([page(A)], {A: new}, known={"stored": "tempo:1"})
    assert plan.articles == (new,)
    assert dict(plan.outcomes) == {A: "article"}
    assert plan.duplicates == 0


def test_extraction_issue():
    issue = ExtractionIssue(url=C, stage="clean", problem="empty_body")
    plan = plan_batch([page(C)], {C: issue}, known={})
    assert plan.issues == (issue,)
    assert plan.articles == () and plan.aliases == ()
    assert dict(plan.outcomes) == {C: "issue"}


@pytest.mark.parametrize(
    ("fetched", "outcome"),
    [
        pytest.param(page(C, status=404), "error", id="404"),
        pytest.param(page(C, status=503), "error", id="503"),
        pytest.param(page(C, status=None), "error", id="no-response"),
        pytest.param(page(C, status=304), "unchanged", id="304"),
        pytest.param(page(C, unchanged=True), "unchanged", id="same-bytes-as-last-fetch"),
    ],
)
def test_pages_without_a_result(fetched, outcome):
    plan = plan_batch([fetched], {}, known={})
    assert dict(plan.outcomes) == {C: outcome}
    assert plan.articles == () and plan.aliases == () and plan.issues == ()
    assert plan.duplicates == 0


def test_a_mixed_batch():
    issue = ExtractionIssue(url=C, stage="parse", problem="unknown_layout")
    pages = [page(A), page(A_TRACKED), page(B), page(C), page("https://tempo.co/read/9/gone", status=404)]
    results = {
        A: article("tempo:1", "h1"),
        A_TRACKED: article("tempo:1", "h1"),
        B: article("tempo:2", "h2", url=B),
        C: issue,
    }
    plan = plan_batch(pages, results, known={"h2": "tempo:0"})
    assert [a.parsed.article_id for a in plan.articles] == ["tempo:1"]
    assert plan.aliases == ((A, "tempo:1"), (A_TRACKED, "tempo:1"), (B, "tempo:0"))
    assert plan.issues == (issue,)
    assert dict(plan.outcomes) == {
        A: "article",
        A_TRACKED: "duplicate",
        B: "duplicate",
        C: "issue",
        "https://tempo.co/read/9/gone": "error",
    }
    assert plan.duplicates == 2


def test_same_bytes_under_two_urls_in_one_batch():
    pages = [page(A, raw="same-bytes"), page(B, raw="same-bytes")]
    parsed_urls = [p.url for p in pages_to_parse(pages, set())]
    results = {url: article("tempo:1", "h1") for url in parsed_urls}
    plan = plan_batch(pages, results, known={})
    assert dict(plan.outcomes) == {A: "article", B: "duplicate"}
    assert plan.aliases == ((A, "tempo:1"), (B, "tempo:1"))


def test_an_article_with_doubtful_text_is_loaded_and_raises_an_issue():
    from dataclasses import replace

    flagged = replace(article("tempo:1772314", "h1"), flags=("replacement_characters",))
    plan = plan_batch([page(A)], {A: flagged}, {})
    assert [a.parsed.article_id for a in plan.articles] == ["tempo:1772314"]
    [issue] = plan.issues
    assert (issue.stage, issue.problem, issue.content_hash) == (
        "decode",
        "replacement_characters",
        f"raw-of-{A}",
    )
    assert plan.outcomes[A] == "article"


def test_the_loader_stores_an_articles_flags(tmp_path):
    from dataclasses import replace

    from kabar.warehouse import loader
    from kabar.warehouse.db import connect

    flagged = replace(article("tempo:1772314", "h1"), flags=("replacement_characters",))
    plan = plan_batch([page(A)], {A: flagged}, {})
    with connect(tmp_path / "w.duckdb") as con:
        loader.start_run(con, "run", "tempo", AT)
        loader.load_batch(con, "run", [page(A)], plan)
        assert con.execute("SELECT flags FROM articles").fetchall() == [(["replacement_characters"],)]
        assert con.execute("SELECT stage, problem FROM extraction_issues").fetchall() == [
            ("decode", "replacement_characters")
        ]
