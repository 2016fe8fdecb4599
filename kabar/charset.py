"""Text you can trust: which charset a page's bytes are in, and how we know.

Order: a byte-order mark; the charset the HTTP header names, if the bytes decode in it; the page's
own `<meta charset>` (or http-equiv), if they decode in that; else detection (charset-normalizer,
which requests already brings). Decoding never fails: what no charset explains becomes U+FFFD and
is counted, so a page decoded wrongly is visible instead of silently corrupted.
"""

import codecs
import re
from typing import NamedTuple

from charset_normalizer import from_bytes

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
LATIN = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_9", "iso8859_15"})
WEB_ENCODINGS = (
    "utf_8",
    "utf_16",
    "ibm866",
    "koi8_r",
    "koi8_u",
    "mac_roman",
    "mac_cyrillic",
    "cp874",
    *(f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
    *(f"cp125{n}" for n in range(9)),
    "gb18030",
    "big5",
    "euc_jp",
    "iso2022_jp",
    "shift_jis",
    "euc_kr",
)
# Every name a web page may declare, as Python's codecs name them: WHATWG's encodings and the labels
# that stand for them. Anything else (idna, punycode, unicode_escape, "undefined") is no page's charset.
LABELS = ("utf_8_sig", "ascii", "latin_1", "gbk", "gb2312", "utf_16_le", "utf_16_be", "tis_620")
WEB_CHARSETS = frozenset(codecs.lookup(name).name for name in (*WEB_ENCODINGS, *LABELS))
UTF_16 = frozenset(codecs.lookup(name).name for name in ("utf_16", "utf_16_le", "utf_16_be"))
META_SCAN_BYTES = 4096  # where a <meta charset> must stand (HTML asks for the first 1024 bytes; be lenient)


class Decoded(NamedTuple):
    text: str
    charset: str
    source: str  # bom, header, meta, detected, fallback
    replaced: int  # characters no charset explained (U+FFFD put in their place)


# What a body that is no text at all begins with: a server may send any of these as text/html.
MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data (compressed twice, or sent without its Content-Encoding)"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
)


def binary_kind(body: bytes) -> str | None:
    """What a body is when it is no text (an image, a PDF, still-compressed bytes, random bytes), else
    None. NUL bytes mean binary unless they are UTF-16's (a byte-order mark, or every other byte)."""
    for magic, kind in MAGIC:
        if body.startswith(magic):
            return kind
    sample = body[:4096]
    if b"\x00" not in sample or any(sample.startswith(bom) for bom, _ in BOMS):
        return None
    half = max(len(sample) // 2, 1)
    if max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.8 * half:  # ASCII in UTF-16 without a mark
        return None
    return "binary data (NUL bytes), not text"


def choose(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(charset, how it was chosen) for a page's bytes."""
    for bom, charset in BOMS:
        if body.startswith(bom):
            return charset, "bom"
    header = HEADER_CHARSET.search(content_type or "")
    meta = META_CHARSET.search(body[:META_SCAN_BYTES])
    declared = [(header[1], "header")] if header else []
    declared += [(_meta_charset(meta[1].decode("ascii", "ignore")), "meta")] if meta else []
    declared = [(charset, source) for charset, source in declared if _name(charset) in WEB_CHARSETS]
    for charset, source in declared:
        if _decodes(body, charset):
            return _name(charset), source
    # Detection reads a sample (pages are long and mostly ASCII) and weighs only the encodings a
    # browser knows (WHATWG): a DOS code page guessed for a web page is always wrong.
    best = from_bytes(body[:200_000], cp_isolation=list(WEB_ENCODINGS)).best()
    if best is not None and _decodes(body, best.encoding):
        guess = _name(best.encoding)
        # Legacy single-byte Latin guesses (cp1250, latin-1, ...) tell little apart on a short sample;
        # windows-1252 is what such pages are in practice (WHATWG reads latin-1 labels as it, too).
        latin = guess in LATIN and _decodes(body, "cp1252")
        if not (latin and _nearly(body, declared)):
            return ("cp1252" if latin else guess), "detected"
    # A page in its declared charset but for a stray byte or two: keep it (the stray bytes become
    # U+FFFD and the article is flagged) rather than read it all as Latin-1 mojibake.
    return next(((_name(c), s) for c, s in declared if _nearly(body, [(c, s)])), ("utf-8", "fallback"))


def _meta_charset(charset: str) -> str:
    """A page that says in itself that it is UTF-16 is not (it could not have been read so far): HTML
    reads that as UTF-8."""
    return "utf-8" if _name(charset) in UTF_16 else charset


def decode(body: bytes, charset: str | None = None, content_type: str | None = None) -> Decoded:
    """The page's text in `charset` (chosen here when not given, or when it is no page's charset) and
    how many characters were replaced."""
    source = "given"
    if charset is None or _name(charset) not in WEB_CHARSETS:
        charset, source = choose(body, content_type)
    text = body.decode(charset, errors="replace")
    replaced = text.count("\ufffd") - _already_there(body, charset)
    return Decoded(text, charset, source, max(replaced, 0))


def _nearly(body: bytes, declared: list[tuple[str, str]], stray: int = 2) -> bool:
    """The body decodes in one of the declared charsets but for at most `stray` bad bytes."""
    for charset, _ in declared:
        try:
            if body.decode(charset, errors="replace").count("\ufffd") <= stray:
                return True
        except LookupError:
            continue
    return False


def _decodes(body: bytes, charset: str) -> bool:
    try:
        body.decode(charset)
    except (LookupError, UnicodeError):  # UnicodeError: a codec such as idna refuses the bytes
        return False
    return True


def _name(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return charset.lower()


def _already_there(body: bytes, charset: str) -> int:
    """U+FFFD the page itself contains (encoded as such), which decoding did not put there."""
    try:
        return body.count("\ufffd".encode(charset))
    except (LookupError, UnicodeEncodeError):
        return 0
