"""Related-link sightings folded into related_links (warehouse/loader.py): one row per edge, the newest
sighting's card, windows that intersect, a reparse of an older page that is not counted again."""

from datetime import UTC, datetime, timedelta

import pytest

from kabar.records import Article, ParsedArticle, Plan, RelatedLink
from kabar.warehouse import loader
from kabar.warehouse.db import connect

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TARGET = "https://nasional.tempo.co/read/1772000/target"
COLUMNS = (
    "block, target_url, position, title, published_after, published_until, first_seen_at, last_seen_at,"
    " seen_count, run_id"
)


def link(position=1, title="Target", after=T0 - DAY, until=T0, url=TARGET, block="terkait") -> RelatedLink:
    return RelatedLink(
        block=block, position=position, url=url, title=title, published_after=after, published_until=until
    )


def page(at: datetime, *links: RelatedLink, body: str = "Isi.") -> Article:
    parsed = ParsedArticle(
        site="tempo",
        article_id="tempo:1772105",
        url="https://nasional.tempo.co/read/1772105/guru",
        layout="tempo-2023",
        fetched_at=at,
        title="Guru",
        paragraphs=(body,),
        related=links,
    )
    return Article(parsed=parsed, body=body, content_hash=f"content-{body}")


def plan(article: Article) -> Plan:
    return Plan(articles=(article,), aliases=(), issues=(), outcomes={})


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        loader.start_run(con, "run-1", "tempo", T0)
        loader.start_run(con, "run-2", "tempo", T0, kind="reparse")
    return path


def sight(db, article: Article, run_id: str = "run-1", reparse: bool = False) -> None:
    with connect(db) as con:
        if reparse:
            loader.load_reparsed(con, run_id, [], plan(article))
        else:
            loader.load_batch(con, run_id, [], plan(article))


def edges(db) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(f"SELECT {COLUMNS} FROM related_links ORDER BY block, target_url").fetchall()


def test_a_new_edge_is_one_sighting(db):
    sight(db, page(T0, link()))
    assert edges(db) == [("terkait", TARGET, 1, "Target", T0 - DAY, T0, T0, T0, 1, "run-1")]


def test_a_later_sighting_counts_shows_its_card_and_narrows_the_window(db):
    sight(db, page(T0, link(after=T0 - DAY, until=T0)))
    sight(db, page(T0 + HOUR, link(position=2, title="Target, edited", after=T0 - 2 * HOUR, until=T0 + HOUR)))
    assert edges(db) == [
        ("terkait", TARGET, 2, "Target, edited", T0 - 2 * HOUR, T0, T0, T0 + HOUR, 2, "run-1")
    ]


def test_windows_that_disagree_take_the_newest(db):
    sight(db, page(T0, link(after=T0 - DAY, until=T0 - 12 * HOUR)))
    sight(db, page(T0 + HOUR, link(after=T0 - 2 * HOUR, until=T0 + HOUR)))  # republished
    assert edges(db)[0][4:6] == (T0 - 2 * HOUR, T0 + HOUR)


def test_an_older_sighting_keeps_the_newer_card_and_is_not_counted_again(db):
    sight(db, page(T0 + DAY, link(position=3, title="Newer", after=T0, until=T0 + DAY)))
    old = page(T0, link(position=1, title="Older", after=T0 - DAY, until=T0 + HOUR), body="Lama.")
    sight(db, old, "run-2", reparse=True)  # an archived page parsed again
    assert edges(db) == [("terkait", TARGET, 3, "Newer", T0, T0 + HOUR, T0, T0 + DAY, 1, "run-1")]


def test_a_sighting_at_the_same_time_refreshes_the_card_without_counting(db):
    sight(db, page(T0, link(title="First parse")))
    sight(db, page(T0, link(title="Parsed again"), body="Lain."), "run-2", reparse=True)
    assert edges(db) == [("terkait", TARGET, 1, "Parsed again", T0 - DAY, T0, T0, T0, 1, "run-1")]


def test_edges_of_one_batch_fold_with_the_stored_ones_and_new_ones_join(db):
    other = TARGET.replace("1772000", "1772001")
    sight(db, page(T0, link(), link(position=2, url=other)))
    sight(db, page(T0 + HOUR, link(), link(position=1, url=other, block="populer")))
    assert [(e[0], e[1], e[6], e[7], e[8]) for e in edges(db)] == [
        ("populer", other, T0 + HOUR, T0 + HOUR, 1),
        ("terkait", TARGET, T0, T0 + HOUR, 2),
        ("terkait", other, T0, T0, 1),  # not on the later page: kept as last seen
    ]


def test_an_edge_shown_twice_on_a_page_is_one_row(db):
    sight(db, page(T0, link(position=1), link(position=4)))
    assert [(e[1], e[8]) for e in edges(db)] == [(TARGET, 1)]
