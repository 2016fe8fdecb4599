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
META_SCAN_BYTES = 4096  # where a <meta charset> must stand (HTML asks for the first 1024 bytes; be lenient)


class Decoded(NamedTuple):
    text: str
    charset: str
    source: str  # bom, header, meta, detected, fallback
    replaced: int  # characters no charset explained (U+FFFD put in their place)


def choose(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(charset, how it was chosen) for a page's bytes."""
    for bom, charset in BOMS:
        if body.startswith(bom):
            return charset, "bom"
    header = HEADER_CHARSET.search(content_type or "")
    if header and _decodes(body, header[1]):
        return _name(header[1]), "header"
    meta = META_CHARSET.search(body[:META_SCAN_BYTES])
    if meta and _decodes(body, meta[1].decode("ascii", "ignore")):
        return _name(meta[1].decode("ascii")), "meta"
    best = from_bytes(body[:200_000]).best()  # detection reads a sample: pages are long and mostly ASCII
    if best is not None and _decodes(body, best.encoding):
        guess = _name(best.encoding)
        # Legacy single-byte Latin guesses (cp1250, latin-1, ...) tell little apart on a short sample;
        # windows-1252 is what such pages are in practice (WHATWG reads latin-1 labels as it, too).
        return ("cp1252" if guess in LATIN and _decodes(body, "cp1252") else guess), "detected"
    return "utf-8", "fallback"


def decode(body: bytes, charset: str | None = None, content_type: str | None = None) -> Decoded:
    """The page's text in `charset` (chosen here when not given) and how many characters were replaced."""
    source = "given"
    if charset is None:
        charset, source = choose(body, content_type)
    text = body.decode(charset, errors="replace")
    replaced = text.count("\ufffd") - _already_there(body, charset)
    return Decoded(text, charset, source, max(replaced, 0))


def _decodes(body: bytes, charset: str) -> bool:
    try:
        body.decode(charset)
    except (LookupError, UnicodeDecodeError):
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
