"""Home and index pages yield article URLs in page order, for discovery and backfill."""

from datetime import date

import pytest

from kabar.http import Crawl, Fetcher
from kabar.sites import get_site
from kabar.tasks.discover import discover_urls, index_pages
from tests.conftest import mirror_of
from tests.corpus import labelled_page

TEMPO = get_site("tempo")
INDEX = mirror_of("tempo") / "indeks"


def test_index_page_lists_its_articles_in_order_and_names_the_next_page():
    urls, more = TEMPO.listing(
        (INDEX / "2023-09-13.html").read_bytes(), "https://www.tempo.co/indeks/2023-09-13"
    )
    assert [TEMPO.article_id(u) for u in urls] == [
        "tempo:1772314",
        "tempo:1772290",
        "tempo:1772222",
        "tempo:1772201",
    ]
    assert (
        urls[0]
        == "https://dunia.tempo.co/read/1772314/norwegia-dan-chile-sepakati-riset-bersama-di-antartika"
    )
    assert more == ["https://www.tempo.co/indeks/2023-09-13?page=2"]


def test_index_pages_for_backfill_newest_first():
    assert index_pages(TEMPO, date(2023, 9, 12), date(2023, 9, 13)) == [
        "https://www.tempo.co/indeks/2023-09-13",
        "https://www.tempo.co/indeks/2023-09-12",
    ]
    assert index_pages(TEMPO, date(2023, 9, 14), date(2023, 9, 13)) == []


def test_discovery_follows_index_pages_over_http(tempo_mirror, tmp_path):
    with Fetcher(Crawl(archive_dir=str(tmp_path), base_url=tempo_mirror.base_url)) as fetcher:
        found = discover_urls(
            fetcher.source,
            [f"{tempo_mirror.base_url}/indeks/2023-09-13"],
            rewrite=lambda u: u.replace("https://www.tempo.co", tempo_mirror.base_url),
            listing=TEMPO.listing,
        )
    assert [TEMPO.article_id(u) for u in found.urls] == [
        "tempo:1772314",
        "tempo:1772290",
        "tempo:1772222",
        "tempo:1772201",
        "tempo:1772188",
        "tempo:1772001",
    ]


@pytest.mark.parametrize(
    ("page_id", "home"),
    [
        ("tempo-tempo-mainpage", "http://www.tempo.co/"),
        ("tempo-english-tempoen-mainpage", "http://en.tempo.co/"),
    ],
)
def test_real_2015_home_pages_list_the_labelled_articles_first(page_id, home):
    html, truth = labelled_page("indonesian-2015", page_id)
    labelled = truth["listing_urls"]
    urls, _ = TEMPO.listing(html, home)
    assert [TEMPO.article_id(u) for u in urls[: len(labelled)]] == [TEMPO.article_id(u) for u in labelled]
