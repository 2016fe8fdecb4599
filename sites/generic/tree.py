"""One lxml parse per page, and the few readers every part of the generic extractor shares."""

import re
from itertools import islice

import lxml.html
from lxml import etree

from kabar.text import normalize

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
# As trafilatura parses (comments and processing instructions dropped: its pass reads the tree better).
# The page goes in as UTF-8 bytes: libxml2 reads a Python str as UCS-4 and converts it, up to twice as slow.
PARSER = lxml.html.HTMLParser(
    remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False, encoding="utf-8"
)


def _class_lookup() -> etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (HtmlElement; FormElement and the other form classes by tag), looked
    up in C: lxml.html's own lookup is a Python call for every element proxy made, a tenth of the
    generic extractor's time (trafilatura's passes over our tree and its copies use it too)."""
    default = etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
    lookup = etree.ElementNamespaceClassLookup(default)
    lookup.get_namespace(None).update(lxml.html.HtmlElementClassLookup._default_element_classes)
    return lookup


PARSER.set_element_class_lookup(_class_lookup())
# UTF-8 read as Latin-1/cp1252: "Ã³" for "ó", "â€™" for "’"
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]|\u00e2\u20ac"
)
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "button", "select", "option"})


def parse(html: str | bytes) -> lxml.html.HtmlElement:
    """The page as an lxml tree; an empty or unparseable page is an empty document, never an exception."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    html = repair_mojibake(_XML_DECLARATION.sub("", html, count=1).replace("\x00", ""))
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the str itself, as lxml reads it
        data = html
    try:
        root = lxml.html.document_fromstring(data, parser=PARSER) if html.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else lxml.html.document_fromstring("<html><body></body></html>")


def repair_mojibake(html: str) -> str:
    """A page of UTF-8 bytes decoded as a single-byte charset (a wrong meta charset): decoded again."""
    head = html[:200_000]
    if "\u00c2" not in head and "\u00c3" not in head and "\u00e2\u20ac" not in head:  # most pages: no scan
        return html
    if sum(1 for _ in islice(_MOJIBAKE.finditer(head), 5)) < 5:
        return html
    for single in ("cp1252", "latin-1", "iso8859-15"):
        try:
            return html.encode(single).decode("utf-8")
        except UnicodeError:
            continue
    return html


def text_of(el) -> str:
    """Visible text of an element: scripts and styles left out, white space normalised."""
    if el is None:
        return ""
    parts: list[str] = []
    _collect(el, parts)
    return normalize("".join(parts))


def text_within(el, limit: int) -> str | None:
    """`text_of(el)` when it is at most `limit` characters long, else None, reading only as far as that
    shows: a large ancestor (a whole section) is not read to the end to be found too long."""
    parts = _Bounded(limit)
    try:
        _collect(el, parts)
    except _Enough:
        return None
    shown = normalize("".join(parts))
    return shown if len(shown) <= limit else None


class _Enough(Exception):
    pass


class _Bounded(list):
    """Text parts that stop the reading (`_Enough`) once they make more than `limit` characters as
    `text_of` shows them. Collapsing white space never makes a longer text shorter than a prefix of
    it, so the count is checked only when enough raw characters have come to pass the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.raw, self.check_at = limit, 0, limit

    def append(self, text: str) -> None:
        super().append(text)
        self.raw += len(text)
        if self.raw > self.check_at:
            shown = len(normalize("".join(self)))
            if shown > self.limit:
                raise _Enough
            self.check_at = self.raw + self.limit - shown


def _collect(el, parts: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        tag = ""
    if tag in SKIP:
        if tail := el.tail:
            parts.append(tail)
        return
    if tag == "br":
        parts.append(" ")
    elif tag and (text := el.text):
        parts.append(text)
    for child in el:
        _collect(child, parts)
    if tag in BLOCKS:
        parts.append(" ")
    if tail := el.tail:
        parts.append(tail)


BLOCKS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)


def classes(el) -> str:
    """The element's class and id, lower-cased, for loose matching."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()
