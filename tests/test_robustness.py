"""Whatever a server sends, a parser answers with an article or a ParseError, never a crash: real
pages of other sites (the shared corpus), our pages cut short, and bytes that are not HTML."""

import gzip
import os
from datetime import UTC, datetime

import pytest

from kabar.clean import clean
from kabar.records import Article, ExtractionIssue, ParseError
from kabar.sites import get_site
from tests.conftest import CORPUS
from tests.golden import golden_pages, page_url

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
