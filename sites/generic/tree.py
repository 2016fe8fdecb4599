"""One lxml parse per page, and the few readers every part of the generic extractor shares."""

import re
from itertools import islice
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from kabar.sites.html import parser_cut, refuse_cut, thread_parser
from kabar.text import normalize

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
# Characters XML cannot hold (NUL among them), raw or as a character reference: lxml refuses them in a
# text it is given, so one in a paragraph made trafilatura's body pass fail and the page lose its body.
_NOT_XML = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|&#(?:0*(?:[1-8]|1[124-9]|2\d|3[01])|x0*(?:[1-8bcef]|1[\da-f]));",
    re.IGNORECASE,
)


def _parser() -> lxml.html.HTMLParser:
    """This thread's parser (`thread_parser`). As trafilatura parses (comments and processing
    instructions dropped: its pass reads the tree better); the page goes in as UTF-8 bytes (libxml2
    reads a Python str as UCS-4 and converts it, up to twice as slow)."""
    return thread_parser("generic", _new_parser)


def _new_parser() -> lxml.html.HTMLParser:
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False, encoding="utf-8"
    )
    parser.set_element_class_lookup(_class_lookup())
    return parser


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


# UTF-8 read as Latin-1/cp1252: "Ã³" for "ó", "â€™" for "’"
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]|\u00e2\u20ac"
)
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "button", "select", "option"})


def parse(html: str | bytes) -> lxml.html.HtmlElement:
    """The page as an lxml tree; an empty or unparseable page is an empty document. ParseError
    `truncated` when the parser dropped the page's end (`parser_cut`)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    html = repair_mojibake(_NOT_XML.sub("", _XML_DECLARATION.sub("", html, count=1)))
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the str itself, as lxml reads it
        data = html
    parser = _parser()
    try:
        root = lxml.html.document_fromstring(data, parser=parser) if html.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    refuse_cut(parser_cut(parser))
    return root if root is not None else lxml.html.document_fromstring("<html><body></body></html>")


def http_url(base: str, href: str) -> str | None:
    """`href` resolved against `base` when that gives an http(s) URL; else None (a javascript: or data:
    value, or one no URL parser reads, such as an unclosed [IPv6 bracket)."""
    try:
        found = urljoin(base, href.strip())
        return found if urlsplit(found).scheme in ("http", "https") else None
    except ValueError:
        return None


def document_base(root, url: str) -> str:
    """The URL a page's relative links resolve against: its first <base href> (joined to `url`),
    else `url` itself; a base that is no http(s) URL is ignored, as browsers ignore it."""
    href = next((el.get("href") for el in root.iter("base") if el.get("href")), None)
    return (http_url(url, href) if href else None) or url


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


# --- XPath expressions that test class and id by regular expression, evaluated cheaply ------------------

# lxml runs an XPath's re:test() in Python, element by element (and on elements without the attribute
# too): on a large page trafilatura's expressions by class and id cost more than what they find. A
# QuickXPath finds the same elements by reading the class and id values once, matching them in Python,
# and evaluating the expression's own predicate only on the elements that could pass it.
_EXSLT = {"re": "http://exslt.org/regular-expressions"}
_LITERALS = re.compile(r"'[^']*'")
# the tests of a value trafilatura's expressions use, with the value they read (group "arg")
_VALUE_TESTS = re.compile(
    r"re:test\((?P<r>[^,()]+), '(?P<pattern>[^']*)'(?:, '(?P<flags>[^']*)')?\)"
    r"|contains\((?P<c>[^,()]+|translate\([^,()]+,\s*'[^']*',\s*'[^']*'\)), '(?P<contained>[^']*)'\)"
    r"|starts-with\((?P<s>[^,()]+), '(?P<start>[^']*)'\)"
    r"|(?P<e>@[\w:-]+)\s*=\s*'(?P<equal>[^']*)'"
)
_FUNCTIONS = frozenset({"re:test", "contains", "translate", "starts-with"})
_BRANCH = re.compile(
    r"^(?:\((?P<first>\.?//\*)(?P<fp>\[.*\])\)\[1\]|(?P<each>\.?//\*)(?P<ep>\[.*\])\[1\]"
    r"|(?P<all>\.?//\*)(?P<ap>\[.*\])|(?P<tagged>\.?//)(?P<tag>[A-Za-z][\w-]*))$",
    re.DOTALL,
)


class QuickXPath:
    """An expression of trafilatura's by class and id (.//*[…], //*[…], (.//*[…])[1], .//*[…][1], and
    unions of those with //tag): the same elements, in the same order, its predicates evaluated only on
    the elements that could pass them: those with one of the other attributes (or child elements) the
    predicates read, or with a class or id value one of their class or id tests passes (the context's
    values matched in Python). ValueError for an expression of another form (or whose predicates could
    hold without any of those: not(), a test an empty value passes)."""

    def __init__(self, expression) -> None:
        self.path = path = " ".join(expression.path.split())
        branches = [_BRANCH.match(branch) for branch in _split_union(path)]
        if not all(branches) or all(m["tag"] for m in branches):
            raise ValueError(f"not an expression QuickXPath knows: {path[:60]}")
        self.kind = next((k for k in ("first", "each") if branches[0][k]), "all")
        if self.kind != "all" and len(branches) > 1:
            raise ValueError("a position in a union")
        bases = {(m["first"] or m["each"] or m["all"] or m["tagged"]).rstrip("*") for m in branches}
        if len(bases) != 1:
            raise ValueError("branches from different contexts")
        base = "//*" if bases.pop() == "//" else "descendant::*"
        step = "//" if base == "//*" else "descendant::"
        presence, values, tests = set(), [], []
        for m in branches:
            if m["tag"]:
                presence.add(step + m["tag"])
                tests.append(f"$candidates[self::{m['tag']}]")
                continue
            predicates = m["fp"] or m["ep"] or m["ap"]
            attributes, patterns = _needs(predicates, base)
            presence |= attributes
            values += patterns
            tests.append(f"$candidates{predicates}")
        try:  # (values matched line by line: a line of a value of several lines is a candidate too)
            self.pattern = re.compile("|".join(dict.fromkeys(values)), re.MULTILINE) if values else None
        except re.error as error:  # a pattern with its own flags, say
            raise ValueError(f"patterns that cannot be joined: {error}") from error
        # by the attribute (or child) itself: the attribute axis costs less than a test of every element
        by_presence = sorted(presence)
        by_values = [owners_of_values(base)]
        self.without_values = etree.XPath(" | ".join(by_presence)) if by_presence else None
        self.with_values = etree.XPath(" | ".join(by_presence + by_values))
        self.values = etree.XPath(f"{base}/@class | {base}/@id", smart_strings=False)
        self.matching = MatchingValues(lambda value: self.pattern.search(value) is not None)
        # the predicates on the candidates, in one evaluation (document order, as they come)
        self.test = etree.XPath(" | ".join(tests), namespaces=_EXSLT)

    @classmethod
    def of(cls, expression):
        """The expression's QuickXPath, else (an expression of another form) the expression itself."""
        try:
            return cls(expression)
        except ValueError:
            return expression

    def __str__(self) -> str:
        return self.path

    def __call__(self, context) -> list:
        candidates = self._candidates(context)
        if not candidates:
            return []
        matches = self.test(context, candidates=candidates)
        if self.kind == "first":  # (.//*[…])[1]
            return matches[:1]
        if self.kind == "each":  # .//*[…][1]: each match that is the first among its siblings
            found = set(matches)
            return [el for el in matches if not any(s in found for s in el.itersiblings(preceding=True))]
        return matches

    def _candidates(self, context) -> list:
        if self.pattern is not None and (values := self.matching(self.values(context))):
            return self.with_values(context, values=values)
        return self.without_values(context) if self.without_values is not None else []


def owners_of_values(base: str) -> str:
    """XPath: the elements under `base` (//* or descendant::*) whose class or id is a line of $values."""
    return " | ".join(f"{base}/@{a}[contains($values, concat('\n', ., '\n'))]/.." for a in ("class", "id"))


class MatchingValues:
    """The class and id values a test passes, as $values for owners_of_values ("" for none). Pages of
    a site share most of their values: the test's answer for a value is kept (a search of a long
    alternation costs a microsecond a value)."""

    def __init__(self, test) -> None:
        self.test, self.known = test, {}

    def __call__(self, values: list[str]) -> str:
        known = self.known
        if len(known) > 50_000:
            known.clear()
        matching = []
        for value in dict.fromkeys(values):
            found = known.get(value)
            if found is None:
                found = known[value] = self.test(value)
            if found:
                matching.append(value)
        return "\n" + "\n".join(matching) + "\n" if matching else ""


def _split_union(path: str) -> list[str]:
    """The branches of an expression's top-level union."""
    branches, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(path):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])":
            depth -= 1
        elif not quoted and not depth and char == "|":
            branches.append(path[start:i].strip())
            start = i + 1
    return [*branches, path[start:].strip()]


def _needs(predicate: str, base: str) -> tuple[set[str], list[str]]:
    """What an element under `base` (//* or descendant::*) needs to pass a predicate: to be one of the
    elements these XPath expressions find (by another attribute, or a child element, the predicate
    reads), or to have a class or id value one of these patterns finds. ValueError where that is not
    so."""
    bare = _LITERALS.sub("''", predicate)
    if "not(" in bare or "!=" in bare or "<" in bare or ">" in bare:
        raise ValueError("a negation or comparison")
    if set(re.findall(r"([\w:-]+)\(", bare)) - _FUNCTIONS:
        raise ValueError("a function QuickXPath does not know")
    if re.search(r"\[\s*\d", bare):  # a position: counted among the candidates it would differ
        raise ValueError("a position")
    for source, target in re.findall(r"translate\([^,()]+,\s*'([^']*)',\s*'([^']*)'\)", predicate):
        if source.lower() != target:  # only lower-casing keeps a match found case-blind
            raise ValueError("a translate() other than to lower case")
    patterns, covered = [], 0
    for m in _VALUE_TESTS.finditer(predicate):
        arg = m["r"] or m["c"] or m["s"] or m["e"]
        reads = len(re.findall(r"@(?:class|id)\b", arg))
        if not reads:
            continue
        covered += reads
        if m["pattern"] is not None:
            if (m["flags"] or "") not in ("", "i"):
                raise ValueError("a flag QuickXPath does not know")
            pattern = f"(?i:{m['pattern']})" if m["flags"] else f"(?:{m['pattern']})"
        else:
            literal = re.escape(m["contained"] if m["c"] else m["start"] if m["s"] else m["equal"])
            if m["c"]:
                pattern = f"(?i:{literal})" if "translate(" in arg else literal
            else:
                pattern = f"^{literal}" if m["s"] else f"^{literal}$"
        try:
            empty = re.search(pattern, "")
        except re.error as error:
            raise ValueError(f"a pattern Python cannot read as written: {error}") from error
        if empty:  # an element without the attribute would pass
            raise ValueError("a test an empty value passes")
        patterns.append(pattern)
    if covered != len(re.findall(r"@(?:class|id)\b", bare)):
        raise ValueError("a class or id read otherwise than by a known test")
    attributes = {f"{base}/@{a}/.." for a in re.findall(r"@([\w:-]+)", bare) if a not in ("class", "id")}
    # a bare name is a child element (trafilatura's rel='me'): an element with such a child may pass
    names = re.sub(r"@[\w:-]+|self::[\w-]+|[\w:-]+\(|''|\b(?:and|or)\b", " ", bare)
    children = {f"{base}/{name}/.." for name in re.findall(r"[A-Za-z_][\w-]*", names)}
    return attributes | children, patterns
