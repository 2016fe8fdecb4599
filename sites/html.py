"""Small readers over a parsed page, shared by the site modules.

A page is parsed once, with lxml (`page_of`), and every field is read off that tree through CSS
selectors compiled once to XPath (`css`). The selectors match as soupsieve did on BeautifulSoup, which
the site modules were written against: an element under the scope matches when it and its ancestors
(inside the scope or not) fit the selector.
BeautifulSoup stays for callers that want a soup (`soup_of`); the readers accept one too (`tree_of`).
"""

import json
import threading
from collections.abc import Callable, Iterator
from functools import cache

from bs4 import BeautifulSoup
from bs4 import Tag as SoupTag
from bs4.dammit import EncodingDetector
from cssselect import HTMLTranslator, parse
from cssselect.parser import Attrib, Class, CombinedSelector, Hash
from cssselect.parser import Element as Element_
from lxml import etree

from kabar.records import ParseError
from kabar.text import normalize

Element = etree._Element
PAGE = "kabar-page"  # the element standing for the document (see `page_of`)

BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript template iframe svg form button select".split())
# Elements whose strings BeautifulSoup typed apart (Script, Stylesheet, ...): its get_text() left
# them out of any other element's text.
STRING_CONTAINERS = frozenset("script style template rt rp".split())
_BLOCKS = tuple(BLOCK_TAGS)


# --- parsing ----------------------------------------------------------------------------------------


def soup_of(html: bytes | str) -> BeautifulSoup:
    """The page as BeautifulSoup, for callers that want one (the site modules read `page_of`)."""
    return BeautifulSoup(html, "lxml")


def page_of(html: bytes | str) -> Element:
    """The page, parsed as BeautifulSoup(html, "lxml") parsed it: text as given (a leading BOM dropped),
    bytes in the first charset BeautifulSoup's detector proposes that lxml takes. What it returns stands
    for the document, as the BeautifulSoup object did: an element (tag `PAGE`) holding the <html>
    element and whatever the page has after its end (markup after `</html>` makes another)."""
    if isinstance(html, str):
        # As UTF-8 bytes: lxml refuses a str with an XML encoding declaration
        return _parsed(html.removeprefix("\ufeff").encode("utf-8", "replace"), "utf-8")
    detector = EncodingDetector(html, is_html=True)
    for encoding in detector.encodings:
        try:
            return _parsed(detector.markup, encoding)
        except (UnicodeDecodeError, LookupError, etree.ParserError):
            continue
    return etree.Element(PAGE)


def _parsed(markup: bytes, encoding: str) -> Element:
    page = etree.Element(PAGE)
    parser = _parser(encoding)
    try:
        root = etree.fromstring(markup, parser)
    except etree.XMLSyntaxError:  # nothing to parse: an empty document, as BeautifulSoup gives
        return page
    if cut := parser_cut(parser):
        page.set(CUT, cut)
    if root is not None:
        page.extend([*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()])
    return page


_PARSERS = threading.local()


def thread_parser(key: str, make: Callable[[], etree.HTMLParser]) -> etree.HTMLParser:
    """This thread's parser under `key`, made by `make` once per thread: its error log is read after
    each page (`parser_cut`), and a parser shared with another thread's parse may have reset it."""
    parsers = _PARSERS.__dict__
    if key not in parsers:
        parsers[key] = make()
    return parsers[key]


def _parser(encoding: str) -> etree.HTMLParser:
    return thread_parser(
        encoding, lambda: etree.HTMLParser(recover=True, encoding=encoding, collect_ids=False)
    )


CUT = "cut-by-parser"  # set on the page element when the parser dropped the page's end (`parser_cut`)


def parser_cut(parser: etree.HTMLParser) -> str | None:
    """Why the parser's last document lost its end, or None. libxml2 stops at elements nested past
    256 levels or a text of over 10 MB and drops all that follows with no exception: a page of
    unclosed tags gave an article cut short, or none, in silence. Its huge_tree option is not taken:
    no page of the shared corpus nests past 55 levels, and the readers here recurse per level."""
    limit = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
    if limit is None:
        return None
    return f"the HTML parser stopped at line {limit.line} ({limit.message.split(',')[0]})"


def refuse_cut(cut: str | None) -> None:
    """ParseError `truncated` for a page the parser cut short (`parser_cut`'s reason, or None)."""
    if cut:
        raise ParseError("truncated", f"{cut}; the rest of the page is lost")


def tree_of(node) -> Element:
    """An lxml element as is; BeautifulSoup (a page or one element of it) parsed again with lxml."""
    if not isinstance(node, SoupTag):  # BeautifulSoup is a Tag too
        return node
    page = page_of(str(node))
    if isinstance(node, BeautifulSoup):
        return page
    body = next(page.iter("body"), None)
    return next(page.iter("html")) if node.name == "html" or body is None else body[0]


# --- selectors --------------------------------------------------------------------------------------


class Css:
    """A CSS selector compiled once, matched as soupsieve matched it (see the module's doc): a selector of
    one compound of tag, id, classes and attribute presence by walking the tree, any other by XPath."""

    __slots__ = ("selector", "_simple", "_all", "_first", "_outside", "_inside_all", "_inside_first")

    def __init__(self, selector: str):
        self.selector = selector
        parsed = parse(selector)
        self._simple = _simple(parsed[0].parsed_tree) if len(parsed) == 1 else None
        # One location step whatever the selector list: a union would sort its parts into document
        # order, and `[1]` on a single step lets libxml2 stop at the first match.
        step = _step(_test(s.parsed_tree) for s in parsed)
        self._all, self._first = etree.XPath(f"descendant::{step}"), etree.XPath(f"descendant::{step}[1]")
        # A selector with combinators is matched faster from the scope down (cssselect's own XPath),
        # which is exact when no element at or above the scope fits any of its left-hand parts.
        lefts = [test for s in parsed for test in _lefts(s.parsed_tree)]
        self._outside = etree.XPath(f"ancestor-or-self::{_step(lefts)}[1]") if lefts else None
        inside = " | ".join(_XPATH.selector_to_xpath(s, prefix="descendant::") for s in parsed)
        self._inside_all, self._inside_first = etree.XPath(inside), etree.XPath(f"({inside})[1]")

    def __repr__(self) -> str:
        return f"css({self.selector!r})"

    def all(self, scope) -> list[Element]:
        scope = tree_of(scope)
        if self._simple is not None:
            return list(self._walk(scope))
        if self._outside is not None and not self._outside(scope):
            return self._inside_all(scope)
        return self._all(scope)

    def first(self, scope) -> Element | None:
        scope = tree_of(scope)
        if self._simple is not None:
            return next(self._walk(scope), None)
        if self._outside is not None and not self._outside(scope):
            found = self._inside_first(scope)
        else:
            found = self._first(scope)
        return found[0] if found else None

    def _walk(self, scope: Element) -> Iterator[Element]:
        tag, id_, classes, attributes = self._simple
        for el in scope.iterdescendants(tag):
            if id_ is not None and el.get("id") != id_:
                continue
            if classes and not classes.issubset((el.get("class") or "").split()):
                continue
            if all(el.get(name) is not None for name in attributes):
                yield el


def _simple(tree) -> tuple | None:
    """(tag, id, classes, attributes present) of a selector that says no more than those, else None."""
    id_, classes, attributes = None, set(), []
    while not isinstance(tree, Element_):
        if isinstance(tree, Class):
            classes.add(tree.class_name)
        elif isinstance(tree, Hash) and id_ is None:
            id_ = tree.id
        elif isinstance(tree, Attrib) and tree.operator == "exists" and not tree.namespace:
            attributes.append(tree.attrib.lower())
        else:
            return None
        tree = tree.selector
    if tree.namespace:
        return None
    tag = tree.element.lower() if tree.element and tree.element != "*" else etree.Element
    return tag, id_, frozenset(classes), tuple(attributes)


class _Translator(HTMLTranslator):
    """cssselect's HTML translation, attribute values compared as soupsieve compares them in HTML:
    those the HTML standard lists as case-insensitive (rel, type, ...) ignore ASCII case."""

    def xpath_attrib(self, selector):
        if selector.attrib.lower() in CASE_INSENSITIVE and selector.value is not None:
            selector.flag = selector.flag or "i"
        return super().xpath_attrib(selector)


# https://html.spec.whatwg.org/multipage/semantics-other.html#case-sensitivity-of-selectors
CASE_INSENSITIVE = frozenset(
    "accept accept-charset align alink axis bgcolor charset checked clear codetype color compact declare "
    "defer dir direction disabled enctype face frame hreflang http-equiv lang language link media method "
    "multiple nohref noresize noshade nowrap readonly rel rev rules scope scrolling selected shape target "
    "text type valign valuetype vlink".split()
)
css = cache(Css)
_XPATH = _Translator()
# How a right-hand element relates to the element the left part of a selector must match
_AXES = {" ": "ancestor::*", ">": "parent::*", "+": "preceding-sibling::*[1]", "~": "preceding-sibling::*"}


def _test(tree) -> tuple[str, str]:
    """(element name, condition on the element) meaning "the element matches `tree`", left parts
    looked for among its ancestors and earlier siblings."""
    if not isinstance(tree, CombinedSelector):
        expr = _XPATH.xpath(tree)
        return expr.element, expr.condition
    element, cond = _test(tree.subselector)
    left_element, left_cond = _test(tree.selector)
    left = " and ".join(filter(None, (f"self::{left_element}" if left_element != "*" else "", left_cond)))
    relation = f"{_AXES[tree.combinator]}{f'[{left}]' if left else ''}"
    return element, " and ".join(f"({part})" for part in (cond, relation) if part)


def _lefts(tree) -> list[tuple[str, str]]:
    """The tests of every part of a selector but its rightmost (the element it selects)."""
    if not isinstance(tree, CombinedSelector):
        return []
    return [_test(tree.selector), *_lefts(tree.selector)]


def _step(tests) -> str:
    """One XPath step (node test and predicate) for elements matching any of `tests`."""
    tests = list(tests)
    if len({element for element, _ in tests}) == 1:
        element = tests[0][0]
        conds = [cond for _, cond in tests]
        return element if not all(conds) else f"{element}[{' or '.join(f'({c})' for c in conds)}]"
    either = (" and ".join(filter(None, (f"self::{e}" if e != "*" else "", c))) or "true()" for e, c in tests)
    return f"*[{' or '.join(f'({t})' for t in either)}]"


def _css(selector: "Css | str") -> Css:
    return selector if isinstance(selector, Css) else css(selector)


def select(root, selector: "Css | str") -> list[Element]:
    return _css(selector).all(root)


def select_one(root, selector: "Css | str") -> Element | None:
    return _css(selector).first(root)


# --- readers ----------------------------------------------------------------------------------------


def text(el) -> str:
    """Visible text, inline elements joined as a browser shows them, blocks by a space."""
    if el is None:
        return ""
    if isinstance(el, Element) and len(el) == 0:  # its own text alone (the common case: a link, a title)
        return normalize(el.text) if isinstance(el.tag, str) else ""
    return " ".join(text_blocks(el))


def first_text(root, selector: "Css | str") -> str | None:
    return text(select_one(root, selector)) or None


def all_texts(root, selector: "Css | str") -> tuple[str, ...]:
    """Texts of every match, in order, empty ones and repeats dropped."""
    return tuple(dict.fromkeys(t for t in (text(el) for el in select(root, selector)) if t))


def attr(root, selector: "Css | str", name: str) -> str | None:
    el = select_one(root, selector)
    return value_of(el, name) if el is not None else None


def value_of(el: Element, name: str) -> str | None:
    """An attribute's value, normalised; None when absent, empty, or one BeautifulSoup split into a list."""
    if name in MULTI_VALUED:
        return None
    return normalize(el.get(name)) or None


# BeautifulSoup gave these attributes as lists: `attr` never returned them.
MULTI_VALUED = frozenset("class rel rev accept-charset headers accesskey dropzone".split())


def head_of(root) -> Element:
    """The page's <head>, else the page: the head is a small part of the page, search it alone."""
    root = tree_of(root)
    return next(root.iter("head"), root)


def meta(root, key: str) -> str | None:
    """<meta property=key> or <meta name=key> content."""
    return attr(head_of(root), css(f'meta[property="{key}"], meta[name="{key}"]'), "content")


CANONICAL = css('link[rel="canonical"]')
OG_URL = css('meta[property="og:url"]')
JSON_LD = css('script[type="application/ld+json"]')


def canonical_link(root) -> str | None:
    """The URL the page says it lives at: rel=canonical, else og:url."""
    head = head_of(root)
    return attr(head, CANONICAL, "href") or attr(head, OG_URL, "content")


def json_ld(root) -> list[dict]:
    """Every JSON-LD object on the page, @graph flattened; broken blocks are skipped."""
    found = []
    for script in select(root, JSON_LD):
        try:
            data = json.loads(_only_string(script))
        except (ValueError, RecursionError):  # broken, or nested past Python's limit
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                found.extend(g for g in item.get("@graph", [item]) if isinstance(g, dict))
    return found


def _only_string(el: Element) -> str:
    """BeautifulSoup's `.string`: the element's text when it is its one child, else nothing."""
    return el.text or "" if len(el) == 0 else ""


# --- text as a reader sees it -----------------------------------------------------------------------


def text_blocks(el) -> list[str]:
    """The visible text of `el` as a reader sees its blocks: one string per paragraph-like run."""
    blocks: list[str] = []
    run: list[str] = []
    _blocks_into(tree_of(el), run, blocks)
    _flush(run, blocks)
    return blocks


def _blocks_into(el: Element, run: list[str], blocks: list[str]) -> None:
    """`el`'s children into the current run of inline text, a block child ending the run."""
    if el.text and isinstance(el.tag, str):
        run.append(el.text)
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            if tag is etree.PI:  # BeautifulSoup kept a processing instruction's text as text
                run.append(_pi_text(child))
        elif tag in SKIP_TAGS:
            pass
        elif tag == "br":
            run.append(" ")
        elif tag in BLOCK_TAGS or has_block(child):
            _flush(run, blocks)
            _blocks_into(child, run, blocks)
            _flush(run, blocks)
        else:
            _inline_texts(child, run)
        if child.tail:
            run.append(child.tail)


def has_block(el: Element) -> bool:
    return next(el.iterdescendants(_BLOCKS), None) is not None


def _inline_texts(el: Element, run: list[str]) -> None:
    """An inline element's text as a browser lays it out: a <br> anywhere inside is a space."""
    if el.text:
        run.append(el.text)
    for child in el:
        tag = child.tag
        if tag == "br":
            run.append(" ")
        elif isinstance(tag, str):
            _inline_texts(child, run)
        elif tag is etree.PI:
            run.append(_pi_text(child))
        if child.tail:
            run.append(child.tail)


def _pi_text(pi) -> str:
    return f"{pi.target} {pi.text or ''}"


def _flush(run: list[str], blocks: list[str]) -> None:
    if not run:
        return
    block = "".join(run)
    run.clear()
    if not block.isspace():  # white space alone normalises to nothing: skip the work
        block = normalize(block)
        if block:
            blocks.append(block)


def soup_text(el: Element) -> str:
    """BeautifulSoup's get_text(): every string, but for comments and those inside another kind of
    string container (a script's text is not a paragraph's)."""
    parts: list[str] = []
    _soup_strings(el, el.tag if el.tag in STRING_CONTAINERS else None, None, parts)
    return "".join(parts)


def _soup_strings(el: Element, wanted: str | None, container: str | None, parts: list[str]) -> None:
    container = el.tag if el.tag in STRING_CONTAINERS else container
    if el.text and container == wanted:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _soup_strings(child, wanted, container, parts)
        if child.tail and container == wanted:
            parts.append(child.tail)


# --- changing the tree ------------------------------------------------------------------------------


def drop(el: Element) -> None:
    """Take `el` out of the page, the text after it staying where it was."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
        el.tail = None
    parent.remove(el)


def inside(el: Element, root: Element) -> bool:
    """`el` is still under `root` (nothing holding it was taken out)."""
    return any(parent is root for parent in el.iterancestors())
