"""sites: the registry, tempo's article URLs, related-link cards and the shared HTML text reader."""

from datetime import UTC, datetime

import pytest

from kabar.records import Card, RelatedLink
from kabar.sites import Site, all_sites, get_site, site_for_url
from kabar.sites.html import soup_of, text_blocks

TEMPO = get_site("tempo")
PAGE = "https://dunia.tempo.co/read/1772314/norwegia-dan-chile"
FETCHED_AT = datetime(2023, 10, 1, 5, tzinfo=UTC)


# --- registry --------------------------------------------------------------------------------------


def test_all_sites_finds_tempo():
    sites = all_sites()
    assert "tempo" in sites
    assert isinstance(sites["tempo"], Site) and sites["tempo"].name == "tempo"


def test_get_site_unknown_raises_key_error_listing_known_sites():
    with pytest.raises(KeyError) as caught:
        get_site("nope")
    message = str(caught.value)
    assert "'nope'" in message
    assert "known: " in message and "tempo" in message.split("known: ", 1)[1]


@pytest.mark.parametrize(
    "url",
    [
        PAGE,
        "https://tempo.co/",
        "https://www.tempo.co/indeks/2023-09-13",
        "http://NASIONAL.TEMPO.CO/read/1/x",
    ],
)
def test_site_for_url_finds_tempo(url):
    assert site_for_url(url) is TEMPO


@pytest.mark.parametrize(
    "url",
    [
        "https://www.kompas.com/read/1772314/x",
        "https://nottempo.co/read/1772314/x",
        "https://tempo.co.example.com/read/1772314/x",
        "/read/1772314/x",
    ],
)
def test_site_for_url_none_for_other_hosts(url):
    assert site_for_url(url) is None


# --- tempo article ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dunia.tempo.co/read/1772314/slug", "tempo:1772314"),
        ("https://dunia.tempo.co/read/1772314", "tempo:1772314"),
        ("https://www.tempo.co/read/1772314/judul-lain?utm_source=rss#x", "tempo:1772314"),
        ("https://www.tempo.co/indeks/2023-09-13", None),
        ("https://www.tempo.co/read/abc/slug", None),
        ("https://www.tempo.co/tag/read/1772314", None),
        ("https://www.kompas.com/read/1772314/slug", None),
        ("https://example.com/read/news/2015/11/05/058716101/slug", None),
    ],
)
def test_tempo_article_id(url, expected):
    assert TEMPO.article_id(url) == expected


def test_tempo_2015_url_is_an_article():
    article_id = TEMPO.article_id("https://nasional.tempo.co/read/news/2015/11/05/058716101/slug")
    assert article_id is not None and article_id.startswith("tempo:") and article_id.endswith("716101")


def test_tempo_2015_url_id_drops_the_channel_code():
    assert TEMPO.article_id("https://nasional.tempo.co/read/news/2015/11/05/058716101/slug") == "tempo:716101"


# --- related links ---------------------------------------------------------------------------------


def test_related_links_dedup_a_target_and_number_from_one():
    cards = [
        Card(href="/read/1772290/penguin", title="Penguin", summary="Koloni baru."),
        Card(href="https://dunia.tempo.co/read/1772290/penguin?utm_source=widget", title="Penguin lagi"),
        Card(href="https://nasional.tempo.co/read/1772105/guru", title="Guru"),
        Card(href="/read/1772290/penguin", title="Penguin ketiga"),
        Card(href="https://www.tempo.co/indeks/2023-09-13", title="Indeks"),
    ]
    links = TEMPO.related_links("rekomendasi", cards, PAGE, FETCHED_AT)
    assert links == (
        RelatedLink(
            block="rekomendasi",
            position=1,
            url="https://dunia.tempo.co/read/1772290/penguin",
            target_article_id="tempo:1772290",
            title="Penguin",
            summary="Koloni baru.",
        ),
        RelatedLink(
            block="rekomendasi",
            position=2,
            url="https://nasional.tempo.co/read/1772105/guru",
            target_article_id="tempo:1772105",
            title="Guru",
        ),
        RelatedLink(
            block="rekomendasi",
            position=3,
            url="https://www.tempo.co/indeks/2023-09-13",
            target_article_id=None,
            title="Indeks",
        ),
    )


def test_related_link_relative_time_becomes_a_window():
    (link,) = TEMPO.related_links(
        "video_pilihan", [Card(href="/read/1772290/p", time_text="2 jam lalu")], PAGE, FETCHED_AT
    )
    assert link.time_text == "2 jam lalu"
    assert link.published_after == datetime(2023, 10, 1, 2, tzinfo=UTC)
    assert link.published_until == datetime(2023, 10, 1, 3, tzinfo=UTC)


def test_related_links_of_an_empty_block():
    assert TEMPO.related_links("rekomendasi", [], PAGE, FETCHED_AT) == ()


# --- sites.html.text_blocks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<p><strong>TEMPO.CO</strong>, Jakarta</p>", ["TEMPO.CO, Jakarta"], id="inline-run"),
        pytest.param(
            "<p><strong>TEMPO.CO</strong>, <strong>Jakarta</strong> - Isi.</p><p>Kedua.</p>",
            ["TEMPO.CO, Jakarta - Isi.", "Kedua."],
            id="two-paragraphs",
        ),
        pytest.param("<p>Baca <a href='/x'>di sini</a>.</p>", ["Baca di sini."], id="link-inline"),
        pytest.param(
            "Awal <em>miring</em><p>Tengah</p>Akhir",
            ["Awal miring", "Tengah", "Akhir"],
            id="loose-text-around-a-block",
        ),
        pytest.param("<p>satu<br>dua</p>", ["satu dua"], id="br-is-a-space"),
        pytest.param("<p>a&nbsp;&nbsp;b</p><p> </p>", ["a b"], id="normalised-and-empty-dropped"),
        pytest.param(
            "<p>x</p><script>var iklan = 1;</script><style>p{}</style><!-- c --><p>y</p>",
            ["x", "y"],
            id="script-style-comment-skipped",
        ),
        pytest.param("<span><p>a</p><p>b</p></span>", ["a", "b"], id="inline-wrapping-blocks"),
        pytest.param(
            "<ul><li>satu</li><li>dua</li></ul><h2>Judul</h2>", ["satu", "dua", "Judul"], id="lists"
        ),
    ],
)
def test_text_blocks(html, expected):
    root = soup_of(f"<html><body><div id='root'>{html}</div></body></html>").select_one("#root")
    assert list(text_blocks(root)) == expected


def test_text_blocks_br_inside_an_inline_element():
    root = soup_of("<div id='root'><p><strong>Baris satu<br>Baris dua</strong></p></div>").select_one("#root")
    assert list(text_blocks(root)) == ["Baris satu Baris dua"]
