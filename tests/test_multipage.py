"""Multi-page articles: pages joined in order, fields a later page carries kept, a missing page an
issue that the next run retries."""

from datetime import UTC, datetime

from kabar.extract import Unavailable, extract, join_pages
from kabar.records import CONTINUATION, ERROR, ExtractionIssue, FetchedPage, ParsedArticle, RelatedLink
from kabar.sites import get_site
from kabar.tasks.dedup import plan_batch
from tests.conftest import mirror_of

NOW = datetime(2023, 10, 1, tzinfo=UTC)
URL = "https://metro.tempo.co/read/1772396/bambu"
PAGE2 = URL + "?page_num=2"
SLUG = "warga-bantaran-kali-ciliwung-tanam-seribu-pohon-bambu"
REAL = f"https://metro.tempo.co/read/1772396/{SLUG}"  # the mirror's two-page article


def _page(paragraphs, **fields) -> ParsedArticle:
    return ParsedArticle(
        site="tempo",
        article_id="tempo:1772396",
        url=URL,
        layout="tempo-2023",
        fetched_at=NOW,
        title="Bambu",
        paragraphs=tuple(paragraphs),
        **fields,
    )


def _link(block, url, position=1) -> RelatedLink:
    return RelatedLink(block=block, position=position, url=url)


def test_pages_join_in_order_and_later_pages_fill_what_page_one_lacks():
    first = _page(
        ["satu", "dua"],
        agency=None,
        dateline="Jakarta",
        continuation_urls=(PAGE2,),
        related=(_link("rekomendasi", "https://a.tempo.co/read/1/a"),),
    )
    second = _page(
        ["tiga"],
        agency="ANTARA",
        dateline="Bogor",
        editors_pick_title="Pilihan",
        related=(
            _link("rekomendasi", "https://a.tempo.co/read/1/a"),
            _link("rekomendasi", "https://b.tempo.co/read/2/b", 2),
            _link("baca_juga", "https://c.tempo.co/read/3/c"),
        ),
    )
    joined = join_pages(first, [second])
    assert joined.paragraphs == ("satu", "dua", "tiga")
    assert (joined.page_count, joined.agency, joined.dateline, joined.editors_pick_title) == (
        2,
        "ANTARA",
        "Jakarta",
        "Pilihan",
    )
    assert [(r.block, r.position, r.url[-1]) for r in joined.related] == [
        ("rekomendasi", 1, "a"),
        ("rekomendasi", 2, "b"),
        ("baca_juga", 1, "c"),
    ]


def test_a_missing_continuation_page_is_a_retryable_issue():
    html = (mirror_of("tempo") / "read" / "1772396" / f"{SLUG}.html").read_bytes()
    asked = []

    def missing(url: str) -> bytes:
        asked.append(url)
        raise Unavailable(f"{url}: HTTP 404")

    result = extract(get_site("tempo"), html, REAL, NOW, missing)
    assert isinstance(result, ExtractionIssue)
    assert (result.stage, result.problem, result.url) == ("fetch", "continuation_failed", REAL)
    assert asked == [REAL + "?page_num=2"] and result.detail == f"{REAL}?page_num=2: HTTP 404"
    missing = FetchedPage(url=PAGE2, final_url=PAGE2, fetched_at=NOW, status=404, error="HTTP 404")
    page1 = FetchedPage(url=URL, final_url=URL, fetched_at=NOW, status=200, content_hash="h1")
    plan = plan_batch([page1], {URL: result}, {}, continuations=[missing])
    assert plan.outcomes == {
        URL: ERROR,
        PAGE2: ERROR,
    }  # "error": its bytes are fetched and parsed again next run


def test_fetched_continuations_are_recorded_as_such():
    page2 = FetchedPage(url=PAGE2, final_url=PAGE2, fetched_at=NOW, status=200, content_hash="h2")
    plan = plan_batch([], {}, {}, continuations=[page2])
    assert plan.outcomes == {PAGE2: CONTINUATION}
