"""tasks.select.select_articles with the real tempo site module."""

import pytest

from kabar.records import Selection
from kabar.sites import get_site
from kabar.tasks.select import select_articles

TEMPO = get_site("tempo")
NORWEGIA = "https://dunia.tempo.co/read/1772314/norwegia-dan-chile"
PENGUIN = "https://dunia.tempo.co/read/1772290/peneliti-temukan-koloni-penguin"
GURU = "https://nasional.tempo.co/read/1772105/komisi-pendidikan-dpr"
INDEX = "https://www.tempo.co/indeks/2023-09-13"
TAG = "https://www.tempo.co/tag/antartika"
OTHER_SITE = "https://www.kompas.com/read/2023/09/13/1772314/berita"


def test_article_urls_kept_in_discovery_order():
    assert select_articles(TEMPO, [GURU, NORWEGIA, PENGUIN]) == Selection(
        urls=(GURU, NORWEGIA, PENGUIN), skipped=0, collapsed=0
    )


def test_non_article_urls_are_skipped_and_counted():
    selection = select_articles(TEMPO, [INDEX, NORWEGIA, TAG, "https://www.tempo.co/robots.txt", OTHER_SITE])
    assert selection == Selection(urls=(NORWEGIA,), skipped=4, collapsed=0)


def test_tracking_variants_collapse_to_the_first_spelling_canonicalised():
    urls = [
        NORWEGIA + "?utm_source=rss&utm_medium=feed",
        NORWEGIA,
        NORWEGIA + "?fbclid=abc",
        "http://m.dunia.tempo.co/read/1772314/norwegia-dan-chile/amp",
        NORWEGIA + "#komentar",
    ]
    assert select_articles(TEMPO, urls) == Selection(urls=(NORWEGIA,), skipped=0, collapsed=4)


def test_same_article_id_under_two_slugs_collapses():
    urls = [NORWEGIA, "https://www.tempo.co/read/1772314/judul-lama-yang-diganti", PENGUIN]
    assert select_articles(TEMPO, urls) == Selection(urls=(NORWEGIA, PENGUIN), skipped=0, collapsed=1)


def test_the_kept_url_is_canonical():
    url = "HTTP://Dunia.Tempo.co/read/1772314/norwegia-dan-chile/?utm_campaign=x"
    selection = select_articles(TEMPO, [url])
    assert selection.urls == (NORWEGIA,)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (1, (GURU,)),
        (2, (GURU, NORWEGIA)),
        (3, (GURU, NORWEGIA, PENGUIN)),
        (10, (GURU, NORWEGIA, PENGUIN)),
        (None, (GURU, NORWEGIA, PENGUIN)),
    ],
)
def test_limit_keeps_the_first_articles(limit, expected):
    assert select_articles(TEMPO, [GURU, INDEX, NORWEGIA, PENGUIN], limit).urls == expected


def test_limit_still_collapses_variants_of_chosen_articles():
    urls = [GURU, NORWEGIA, GURU + "?utm_source=x", INDEX]
    assert select_articles(TEMPO, urls, limit=1) == Selection(urls=(GURU,), skipped=1, collapsed=1)


def test_empty_input():
    assert select_articles(TEMPO, []) == Selection(urls=(), skipped=0, collapsed=0)
