"""antaranews.com (ANTARA): the real 2015 pages against their labels, the home-page listing, the bundled
mirror's pages and the antara-specific pieces (article ids, dateline and wire credit, bylines, rules)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kabar.clean import clean
from kabar.neardup import signature, similarity
from kabar.records import ParseError, to_json
from kabar.sites import get_site
from kabar.sites.antara import SITE, wire
from tests.corpus import labelled_page, load_scorer

MIRROR = SITE.mirror
PAGES = sorted(p for p in MIRROR.glob("berita/*/*.html") if p.stem != "halaman-terpotong")
REAL = [f"antara-antara-singlepage{n}" for n in ("", "2", "3", "4", "5")]
FETCHED = datetime(2015, 11, 12, 5, tzinfo=UTC)
NEWEST_FIRST = ["527765", "527760", "527752", "527740", "527723", "527715", "527708", "527702"]


def page(article_id: str) -> Path:
    (found,) = MIRROR.glob(f"berita/{article_id}/*.html")
    return found


def meta(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".meta.json").read_text(encoding="utf-8"))


def parse(article_id: str):
    path = page(article_id)
    info = meta(path)
    return SITE.parse(path.read_bytes(), info["url"], datetime.fromisoformat(info["fetched_at"]))


def cleaned(article_id: str):
    parsed = parse(article_id)
    return clean(parsed, SITE.rules_for(parsed.layout))


def blocks(parsed) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for link in parsed.related:
        found.setdefault(link.block, []).append(link.target_article_id)
    return found


# --- the real pages of the era ---------------------------------------------------------------------


@pytest.mark.parametrize("page_id", REAL)
def test_real_pages_meet_the_benchmark(page_id):
    html, truth = labelled_page("indonesian-2015", page_id)
    score = load_scorer()
    parsed = SITE.parse(html, truth["url"], FETCHED)
    article = clean(parsed, SITE.rules_for(parsed.layout))
    assert score.norm(parsed.title) == score.norm(truth["title"])
    assert score.day(parsed.published_at.isoformat()) == score.day(truth["published"])
    assert score.prf(article.body, truth["body"])[2] >= 0.95
    assert parsed.editor and not any(line.startswith("Editor:") for line in article.body.split("\n\n"))


@pytest.mark.parametrize(
    ("page_id", "authors", "agency", "section"),
    [
        ("antara-antara-singlepage2", 2, "ANTARA", "Nasional"),
        ("antara-antara-singlepage3", 1, "ANTARA, PRNewswire", None),
        ("antara-antara-singlepage4", 1, "ANTARA", "Otomotif"),
    ],
)
def test_real_pages_credits_and_sections(page_id, authors, agency, section):
    html, truth = labelled_page("indonesian-2015", page_id)
    parsed = SITE.parse(html, truth["url"], FETCHED)
    assert (len(parsed.authors), parsed.agency, parsed.section) == (authors, agency, section)
    assert parsed.dateline and parsed.tags


def test_real_home_page_lists_the_labelled_articles_in_order():
    html, truth = labelled_page("indonesian-2015", "antara-antara-mainpage")  # the Terkini RSS feed
    urls, more = SITE.listing(html, "http://www.antaranews.com/")
    labelled = [SITE.canonical_url(url) for url in truth["listing_urls"]]
    assert urls[: len(labelled)] == labelled
    assert more == []


# --- the site: URLs, listing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "article_id", "canonical"),
    [
        (
            "http://www.antaranews.com/berita/527615/a-b?utm_source=fly&utm_medium=related",
            "antara:527615",
            "https://www.antaranews.com/berita/527615/a-b",
        ),
        (
            "http://otomotif.antaranews.com/berita/546646/prototype",
            "antara:546646",
            "https://otomotif.antaranews.com/berita/546646/prototype",
        ),
        (
            "http://m.antaranews.com/amp/berita/629369/a-b",
            "antara:629369",
            "https://www.antaranews.com/berita/629369/a-b",
        ),
        ("https://antaranews.com/berita/527700", "antara:527700", "https://www.antaranews.com/berita/527700"),
        ("http://www.antaranews.com/berita//?utm_source=fly", None, "https://www.antaranews.com/berita"),
        (
            "http://www.antaranews.com/en/news/101234/a-b",
            None,
            "https://www.antaranews.com/en/news/101234/a-b",
        ),
        (
            "http://www.antaranews.com/tag/78/letusan-barujari",
            None,
            "https://www.antaranews.com/tag/78/letusan-barujari",
        ),
        ("https://www.tempo.co/berita/527615/a-b", None, "https://www.tempo.co/berita/527615/a-b"),
    ],
)
def test_article_ids_and_canonical_urls(url, article_id, canonical):
    assert SITE.article_id(url) == article_id
    assert SITE.canonical_url(url) == canonical


def test_the_registry_finds_the_site():
    assert get_site("antara") is SITE
    assert SITE.start_urls() == [
        "https://www.antaranews.com/robots.txt",
        "https://www.antaranews.com/rss/terkini.xml",
    ]


def test_home_page_lists_only_its_terkini_list_and_the_feed_agrees():
    urls, more = SITE.listing((MIRROR / "index.html").read_bytes(), "https://www.antaranews.com/")
    assert [SITE.article_id(u) for u in urls] == [f"antara:{n}" for n in NEWEST_FIRST]
    assert more == []
    feed, _ = SITE.listing(
        (MIRROR / "rss" / "terkini.xml").read_bytes(), "https://www.antaranews.com/rss/terkini.xml"
    )
    assert feed == urls  # "?utm_source=rss" on one item is dropped
    mirrored, _ = SITE.listing((MIRROR / "index.html").read_bytes(), "http://127.0.0.1:8123/")
    assert mirrored == urls  # its relative links name the real site, wherever the copy was read
    assert "Sitemap: https://www.antaranews.com/sitemap.xml" in (MIRROR / "robots.txt").read_text()


# --- the 2015 layout on the mirror ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "city", "agency"),
    [
        ("Mataram, NTB (ANTARA News) - Sebanyak 29 penerbangan dibatalkan.", "Mataram, NTB", "ANTARA"),
        ("Kuala Lumpur (ANTARA News) - Pemerintah Malaysia", "Kuala Lumpur", "ANTARA"),
        ("ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) --", "ISTANBUL", "ANTARA, PRNewswire"),
        ("TEMPO.CO, Jakarta - Tim peneliti", None, None),
        ("Sebanyak 29 penerbangan (ANTARA) dibatalkan - katanya", None, None),
    ],
)
def test_dateline_and_wire_credit(text, city, agency):
    assert wire.dateline(("", text) if city else (text,)) == {"dateline": city, "agency": agency}


@pytest.mark.parametrize(
    ("article_id", "authors", "editor"),
    [
        ("527702", ("Rina Kartikasari",), "Fitri Handayani"),
        ("527708", ("Hendra Saputra", "Lestari Wulandari"), "Fitri Handayani"),  # "A dan B"
        ("527723", ("prwir",), "PR Wire"),  # an unclosed <span> in the byline
        ("527731", ("Dimas Prasetyo",), "Bambang Sutejo"),  # otomotif: no itemprop markup
        ("527752", ("Yohanes Kristanto",), "Fitri Handayani"),  # "Oleh <name>"
        ("527765", ("Sri Handayani", "Bayu Aji"), None),  # "A, B"; no editor line
    ],
)
def test_bylines_and_editor_lines(article_id, authors, editor):
    parsed = parse(article_id)
    assert (parsed.authors, parsed.editor) == (authors, editor)


@pytest.mark.parametrize(
    ("article_id", "removed"),
    [
        ("527702", {"copyright_line": 1, "editor_line": 1, "reporter_code": 1}),
        ("527731", {"copyright_line": 1, "editor_line": 1}),  # "COPYRIGHT © 2015", "Editor: Name"
        ("527740", {"copyright_line": 1, "editor_line": 1, "reporter_code": 1}),
        ("527765", {"copyright_line": 1}),
    ],
)
def test_boilerplate_rules_remove_only_the_closing_lines(article_id, removed):
    article = cleaned(article_id)
    assert {r.rule: r.count for r in article.removals} == removed
    assert article.body.endswith(article.parsed.paragraphs[len(article.body.split("\n\n")) - 1])


@pytest.mark.parametrize(
    "line", ["(10/11)", "(Foto/Video)", "Editor: ia meminta agar semua pihak bersabar. Lalu"]
)
def test_rules_spare_body_lines(line):
    assert not any(rule.matches(line) for rule in SITE.rules_for("antara-2015"))


def test_baca_juga_lines_are_lifted_out_of_the_body():
    article = cleaned("527740")
    assert blocks(article.parsed)["baca_juga"] == ["antara:527572", "antara:527578"]  # strong, then plain
    assert "Baca juga" not in article.body
    assert blocks(parse("527715"))["baca_juga"] == ["antara:527566"]


def test_related_blocks_in_page_order_without_padding_or_tracking():
    parsed = parse("527702")
    assert blocks(parsed) == {
        "berita_lainnya": ["antara:527541", "antara:527512", "antara:527528"],
        "terpopuler": ["antara:527560", "antara:527528", "antara:527566"],
        "top_news": ["antara:527541", "antara:527553"],
        "baca_juga_flybox": ["antara:527512"],  # the empty padding item is no card
    }
    assert all("utm_" not in link.url and link.time_text is None for link in parsed.related)
    assert [link.summary is not None for link in parsed.related if link.block == "terpopuler"] == [True] * 3


def test_otomotif_page_resolves_its_relative_links_on_its_own_host():
    parsed = parse("527731")
    assert parsed.url == "https://otomotif.antaranews.com/berita/527731/prototype"
    assert {link.url for link in parsed.related} == {"https://otomotif.antaranews.com/berita/527590/go-green"}
    assert parsed.tags == ("mobil listrik", "purwarupa", "bengkel modifikasi")  # no title, no filler
    assert parsed.published_at == datetime(2015, 11, 9, 4, 30, tzinfo=UTC)  # text only, WIB


def test_press_release_and_page_without_photo():
    parsed = parse("527723")
    assert (parsed.section, parsed.agency, parsed.dateline, parsed.image_url) == (
        None,
        "ANTARA, PRNewswire-AsiaNet",
        "SINGAPURA",
        None,
    )
    assert parse("527715").image_url is None  # og:image names the bare image folder
    assert "" not in parsed.paragraphs  # the &nbsp; spacer paragraphs


def test_photo_credit_and_modified_time():
    parsed = parse("527752")
    assert parsed.image_credit == "ANTARA FOTO/Kornelis Bara"
    assert not parsed.image_caption.endswith(")")
    assert parsed.updated_at == datetime(2015, 11, 10, 2, 15, tzinfo=UTC)


def test_pages_that_are_not_articles_raise():
    truncated = page("527798")
    with pytest.raises(ParseError) as error:
        SITE.parse(truncated.read_bytes(), meta(truncated)["url"], FETCHED)
    assert error.value.problem == "truncated"  # cut off before its article closes
    with pytest.raises(ParseError) as error:  # the home page, at its own URL
        SITE.parse((MIRROR / "index.html").read_bytes(), "https://www.antaranews.com/", FETCHED)
    assert error.value.problem == "not_an_article_url"
    with pytest.raises(ParseError) as error:  # an article URL serving a page of another kind
        SITE.parse(b"<html><body><h1>Indeks Berita</h1></body></html>", meta(page("527702"))["url"], FETCHED)
    assert error.value.problem == "unknown_layout"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.parent.name)
def test_mirror_pages_match_their_golden_files(path):
    got = json.loads(to_json(cleaned(path.parent.name)))
    assert got == json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def test_tempo_republication_is_a_near_duplicate_of_the_wire_story():
    tempo = get_site("tempo").mirror / "read" / "1772410"
    (copy,) = tempo.glob("*.expected.json")
    republished = json.loads(copy.read_text(encoding="utf-8"))
    assert republished["parsed"]["agency"] == "ANTARA"
    original = cleaned("527760").body
    assert similarity(signature(original), signature(republished["body"])) >= 0.85
