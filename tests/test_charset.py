"""kabar.charset: BOM, then a declared charset the bytes satisfy, then detection; what no charset
explains is counted, never silently dropped."""

import codecs
import gzip
import random

import pytest

from kabar.charset import binary_kind, choose, decode

TEXT = (
    "<html><head><title>Désa “Café” – Kopi</title></head><body>" + "kata berita hari ini " * 100 + "</body>"
)
UTF8 = "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (codecs.BOM_UTF8 + TEXT.encode(), "text/html; charset=iso-8859-1", ("utf-8-sig", "bom")),
        (TEXT.encode(), UTF8, ("utf-8", "header")),
        (TEXT.encode("cp1252"), UTF8, ("cp1252", "detected")),  # labelled UTF-8, is windows-1252
        (b'<meta charset="windows-1252">' + TEXT.encode("cp1252"), None, ("cp1252", "meta")),
        (b'<meta charset="utf-8">' + TEXT.encode("cp1252"), "text/html", ("cp1252", "detected")),
        (TEXT.encode(), None, ("utf-8", "detected")),
    ],
    ids=["bom-wins", "header", "mislabelled", "meta", "meta-wrong", "detected"],
)
def test_the_charset_and_how_it_was_chosen(body, content_type, expected):
    assert choose(body, content_type) == expected


def test_text_decoded_in_the_chosen_charset_is_the_written_text():
    decoded = decode(TEXT.encode("cp1252"), content_type=UTF8)
    assert (decoded.text, decoded.replaced) == (TEXT, 0)


def test_a_stray_byte_keeps_the_declared_charset_and_is_counted():
    """One bad byte in a UTF-8 page: the page stays UTF-8 (not Latin-1 mojibake), the byte is U+FFFD."""
    body = TEXT.encode().replace(b"kata", b"ka\x81ta", 1)
    decoded = decode(body, content_type=UTF8)
    assert (decoded.charset, decoded.source, decoded.replaced) == ("utf-8", "header", 1)
    assert "Désa “Café” – Kopi" in decoded.text


def test_replacement_characters_already_in_the_page_are_not_counted():
    decoded = decode(("fine \ufffd text " + TEXT).encode(), content_type=UTF8)
    assert decoded.replaced == 0


@pytest.mark.parametrize("label", ["undefined", "idna", "punycode", "unicode_escape", "utf-7"])
def test_a_charset_no_web_page_is_in_is_not_obeyed(label):
    """Python's codecs include some that are no page's charset: 'undefined' and 'idna' raised out of
    decoding (an exception that stopped a batch), 'unicode_escape' rewrote backslashes."""
    body = f'<meta charset="{label}"><p>Kopi di C:\\data, caf\u00e9</p>'.encode()
    decoded = decode(body)
    assert decoded.charset == "utf-8" and decoded.text.endswith("<p>Kopi di C:\\data, caf\u00e9</p>")


def test_a_page_that_says_in_itself_it_is_utf16_is_read_as_utf8():
    body = b'<meta charset="utf-16"><p>Kabar dari Kediri</p>'
    assert choose(body) == ("utf-8", "meta") and decode(body).text.endswith("Kabar dari Kediri</p>")


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (gzip.compress(TEXT.encode()), "gzip-compressed data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (random.Random(1).randbytes(5000), "binary data"),
        (TEXT.encode(), None),
        (TEXT.encode("cp1252"), None),
        (TEXT.encode("utf-16"), None),  # a byte-order mark
        (TEXT.encode("utf-16-le"), None),  # none: ASCII's every other byte is NUL
        (TEXT.encode("utf-16-be"), None),
    ],
    ids=["gzip", "pdf", "png", "jpeg", "random", "utf-8", "cp1252", "utf-16", "utf-16-le", "utf-16-be"],
)
def test_a_body_that_is_no_text_says_what_it_is(body, kind):
    found = binary_kind(body)
    assert found == kind if kind is None else found.startswith(kind)


def test_a_page_that_is_no_text_is_an_issue_never_an_article():
    from datetime import UTC, datetime

    from kabar.extract import extract
    from kabar.records import Article, ExtractionIssue
    from kabar.sites.generic import site_for

    url = "https://harbour.example/news/2025/03/02/ferry-keeps-its-timetable"
    page = TEXT.replace("<body>", "<body><h1>Ferry Keeps Its Timetable</h1><p>").encode()
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert isinstance(extract(site_for(url), page, url, when), Article)
    for body in (gzip.compress(gzip.compress(page)), b"%PDF-1.4\n" + page, random.Random(2).randbytes(3000)):
        issue = extract(site_for(url), body, url, when)
        assert isinstance(issue, ExtractionIssue)
        assert (issue.stage, issue.problem) == ("parse", "not_html")
        assert issue.detail.startswith("the body is ")
