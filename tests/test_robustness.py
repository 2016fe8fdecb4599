"""Whatever a server sends, a parser answers with an article or a ParseError, never a crash: real
pages of other sites (the shared corpus), our pages cut short, and bytes that are not HTML."""

import gzip
import logging
import os
from datetime import UTC, datetime

import pytest

from kabar.clean import clean
from kabar.extract import extract
from kabar.records import Article, ExtractionIssue, ParseError
from kabar.sites import get_site
from kabar.sites.generic import site_for
from tests.conftest import CORPUS
from tests.golden import fetched_at, golden_pages, page_url, site_of

TEMPO = get_site("tempo")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
URL = "https://nasional.tempo.co/read/1234567/sebuah-berita"
STRIDE = 1 if os.environ.get("KABAR_FULL_CORPUS") == "1" else 10  # every 10th page keeps CI quick


def _parse_or_refuse(html: bytes, url: str = URL) -> Article | ExtractionIssue | None:
    try:
        return clean(parsed := TEMPO.parse(html, url, NOW), TEMPO.rules_for(parsed.layout))
    except ParseError:
        return None


def _corpus_pages() -> list:
    return sorted(CORPUS.glob("*/pages/*.html.gz"))[::STRIDE] if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
@pytest.mark.parametrize("page", _corpus_pages(), ids=lambda p: p.name)
def test_real_pages_of_other_sites_never_crash_the_parser(page):
    _parse_or_refuse(gzip.decompress(page.read_bytes()))


@pytest.mark.parametrize("page", golden_pages(), ids=lambda p: p.stem)
def test_pages_cut_short_are_refused_or_parsed(page):
    html = page.read_bytes()
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        _parse_or_refuse(html[: int(len(html) * fraction)], page_url(page))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe" * 100,
        b"<html",
        b"not html at all",
        "<p>caf\xe9</p>".encode("latin-1"),
        gzip.compress(b"<html><body>zipped</body></html>", mtime=0),
    ],
)
def test_bytes_that_are_not_an_article_are_refused(raw):
    assert _parse_or_refuse(raw) is None


def _nested(html: bytes, depth: int) -> bytes:
    """The page with `depth` unclosed <span>s opened before its first paragraph."""
    at = html.index(b"<p", html.index(b"<body"))
    return html[:at] + b"<span>" * depth + html[at:]


def _first_page_of_each_site() -> list:
    firsts: dict = {}
    for page in golden_pages():
        firsts.setdefault(site_of(page).name, page)
    return list(firsts.values())


@pytest.mark.parametrize("page", _first_page_of_each_site(), ids=lambda p: p.stem)
def test_deep_nesting_is_read_in_full_or_refused_as_truncated(page):
    """libxml2 drops a page's end past its nesting limit (256) without an exception: 200 levels are
    read in full, 300 make the page a `truncated` issue, never an article cut short."""
    site, html, url, at = site_of(page), page.read_bytes(), page_url(page), fetched_at(page)
    whole = extract(site, html, url, at)
    assert isinstance(whole, Article)
    assert extract(site, _nested(html, 200), url, at).body == whole.body
    cut = extract(site, _nested(html, 300), url, at)
    assert isinstance(cut, ExtractionIssue) and cut.problem == "truncated", cut
    assert "Excessive depth" in cut.detail


def test_the_generic_site_reads_deep_nesting_or_refuses_it_as_truncated():
    words = "council budget schools roads river bridge market harvest rain teachers doctors".split()
    paragraphs = [" ".join(f"{words[(i * 7 + j) % len(words)]}{i}" for j in range(40)) for i in range(6)]
    html = (
        "<html><head><title>Council Sets the Budget</title></head>"
        "<body><article><h1>Council Sets the Budget</h1>"
        + "".join(f"<p>{text}.</p>" for text in paragraphs)
        + "<p>The last paragraph of the story, after the nesting.</p></article></body></html>"
    ).encode()
    url, site = "https://example.com/news/2024/council-sets-the-budget", site_for("https://example.com/")
    deep = extract(site, _nested(html, 200), url, NOW)
    assert isinstance(deep, Article) and "last paragraph of the story" in deep.body
    assert deep.body == extract(site, html, url, NOW).body
    cut = extract(site, _nested(html, 300), url, NOW)
    assert isinstance(cut, ExtractionIssue) and cut.problem == "truncated", cut


def test_a_listing_page_cut_short_gives_its_first_links_and_says_so(caplog):
    first = '<a href="/read/1000001/kabar-pertama-dari-desa">Kabar pertama dari desa</a>'
    later = '<a href="/read/1000002/kabar-kedua-dari-kota">Kabar kedua dari kota</a>'
    html = f"<html><body><ul><li>{first}</li></ul>{'<span>' * 300}<p>{later}</p></body></html>".encode()
    with caplog.at_level(logging.WARNING, logger="kabar.sites.base"):
        articles, _ = TEMPO.listing(html, "https://www.tempo.co/")
    assert [url.rsplit("/", 1)[-1] for url in articles] == ["kabar-pertama-dari-desa"]
    assert "read in part" in caplog.text and "Excessive depth" in caplog.text
