"""The article body: trafilatura's main-content pass on the lxml tree the page was parsed into once.

Its whole cascade runs (its own extractor, then the readability/justext comparison and the baseline
rescue), with its metadata pass skipped: the generic site reads metadata itself, which is where most
of trafilatura's time goes. What comes out is lines of text; the generic site trims the headline off
their top and the cleaner's rules (sites.generic.BOILERPLATE) remove and log the rest.

The cascade is trafilatura's own sequence rewritten step for step (`cascade`, pinned to trafilatura
2.3.1 as pyproject.toml pins it), on its own functions, with the same result for less work: its
regular-expression prunes run only on the elements whose class or id can match, its page measure and
its readability comparison are skipped where a cheap bound already settles them.
"""

import logging
import re
from contextlib import contextmanager
from copy import copy

import lxml.html
from lxml import etree
from trafilatura import main_extractor
from trafilatura.baseline import _spaced_text, baseline
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    _forum_thread_page,
    _prepare_tree,
    _recall_retry,
)
from trafilatura.external import compare_extraction, justext_rescue
from trafilatura.main_extractor import extract_content
from trafilatura.settings import BASIC_CLEAN_XPATH, Extractor
from trafilatura.xml import delete_element, xmltotxt

from kabar.text import normalize

from .tree import QuickXPath

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Reader comments left out: they are no part of the story (measured: body F1 up on all three corpus sets)
_OPTIONS = Extractor(output_format="python", fast=False, comments=False, tables=True)


# What a reader never sees: aria-hidden="true" or an inline visibility:hidden (a modal's text, a
# duplicate for screen layouts, a bot trap). Not display:none: collapsed story text ("read more",
# tabs) often waits behind it, and dropping it measured worse on the corpus.
# (Found by the attributes: cheaper than testing every element, and the style lower-cased only where
# there is one.)
_STYLE = "translate(., 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ', 'abcdefghijklmnopqrstuvwxyz')"  # lower case, no spaces
_HIDDEN = etree.XPath(
    "//body/descendant::*/@aria-hidden[. = 'true']/.."
    f" | //body/descendant::*/@style[contains({_STYLE}, 'visibility:hidden')]/.."
)


def drop_hidden(root) -> None:
    """Remove the elements a reader never sees (their tail text stays)."""
    for el in _HIDDEN(root):
        if el.getparent() is not None:
            el.drop_tree()


def main_text(root, url: str | None) -> list[str]:
    """The main content's blocks, in page order; [] when nothing is found. The caller has dropped the
    hidden elements (`drop_hidden`: `read_page` does, before it counts the page's prose). Mutates `root`."""
    try:
        body, _ = cascade(root, url)
        text = xmltotxt(body, False) or ""
    except Exception:  # a library surprise on one odd page costs that page its body, never the batch
        logging.getLogger(__name__).debug("trafilatura failed on %s", url, exc_info=True)
        return []
    return [block for block in map(normalize, text.split("\n")) if block]


def recall_text(root, url: str | None) -> list[str] | None:
    """The blocks trafilatura's recall-mode pass (its own retry for short texts) finds on a fresh tree;
    None if it fails. Mutates `root`."""
    try:
        drop_hidden(root)
        attributes = Attributes(root)
        is_forum = _forum_thread_page(root)
        root = prune(root, _RAW_TREE_PRUNE, attributes)
        if not is_forum:
            root = prune(root, _COMMENTS_AND_LISTS, attributes)
        options = copy(_OPTIONS)
        options.focus = "recall"
        with quick_expressions():
            body, _ = _recall_retry(root, options, url)
        text = xmltotxt(body, False) or ""
    except Exception:  # a library surprise keeps the text there is
        logging.getLogger(__name__).debug("recall pass failed on %s", url, exc_info=True)
        return None
    return [block for block in map(normalize, text.split("\n")) if block]


# --- trafilatura's cascade, the same results for less work ------------------------------------------

# lxml runs an XPath's re:test() in Python, element by element: on a large page the cascade's prunes by
# class and id cost more than its extraction. They are evaluated on the elements whose class or id
# passes one of their tests instead (the others cannot match), read off the page's attributes once.
_CLASS_OR_ID = (etree.XPath("//@class", smart_strings=False), etree.XPath("//@id", smart_strings=False))
# the elements under the context node whose class or id is a line of $values (by the attributes: 3x
# faster than testing every element's)
_WITH_VALUE = etree.XPath(
    "descendant::*/@class[contains($values, concat('\n', ., '\n'))]/.."
    " | descendant::*/@id[contains($values, concat('\n', ., '\n'))]/.."
)
# how trafilatura's expressions test a class or id: re:test(@id, '…'[, 'i']) or contains(@class, '…')
_TESTS = re.compile(r"re:test\(@(?:class|id), '([^']+)'(, 'i')?\)|contains\(@(?:class|id), '([^']+)'\)")
_EXSLT = {"re": "http://exslt.org/regular-expressions"}


class Attributes:
    """The class and id values of a page."""

    def __init__(self, tree) -> None:
        self.values = [value for expression in _CLASS_OR_ID for value in expression(tree)]
        self.text = "\n".join(self.values)  # one search tells the pages where no value matches

    def owners(self, pattern: re.Pattern, context) -> list:
        """The elements inside `context` with a class or id the pattern matches, and at most a few more
        (a value that is a line of a matching value of several lines): candidates for a Selector."""
        if not pattern.search(self.text):  # most pages, for most patterns
            return []
        matching = [value for value in dict.fromkeys(self.values) if pattern.search(value)]
        return _WITH_VALUE(context, values="\n" + "\n".join(matching) + "\n")


class Selector:
    """One of trafilatura's expressions of the form .//*[…] whose every match has a class or id passing
    one of its tests (re:test or contains on @class or @id): the same elements, found by testing only
    the elements any of those tests passes."""

    def __init__(self, path: str) -> None:
        path = path.strip()
        if not path.startswith(".//*["):
            raise ValueError(f"not an expression of the form .//*[…]: {path[:40]}")
        tests = [
            f"(?i:{pattern})" if flag else f"(?:{pattern})" if pattern else re.escape(text)
            for pattern, flag, text in _TESTS.findall(path)
        ]
        self.pattern = re.compile("|".join(dict.fromkeys(tests)), re.MULTILINE)
        self.test = etree.XPath("self::*" + path[len(".//*") :], namespaces=_EXSLT)

    def __call__(self, context, attributes: Attributes) -> list:
        return [el for el in attributes.owners(self.pattern, context) if self.test(el)]


_RAW_TREE_PRUNE = [Selector(x.path) for x in RAW_TREE_PRUNE_XPATH]
_COMMENTS_AND_LISTS = [Selector(x.path) for x in REMOVE_COMMENTS_AND_LISTS_XPATH]
# BASIC_CLEAN_XPATH: its branches by tag, and its cookie-banner branch by class or id
_CLEAN_BY_TAG = etree.XPath(
    ".//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|.//style|.//svg"
    "|.//template"
)
_COOKIE_BANNER = Selector(BASIC_CLEAN_XPATH.path[len(_CLEAN_BY_TAG.path) + 1 :])


def prune(tree, selectors: list[Selector], attributes: Attributes):
    """trafilatura's prune_unwanted_nodes (the tail text stays), by selectors."""
    for select in selectors:
        for subtree in select(tree, attributes):
            delete_element(subtree)
    return tree


def page_text_length(tree, attributes: Attributes) -> int:
    """len(trafilatura.baseline.html2txt(tree)): the text of the page's body once asides, footers,
    scripts and cookie banners are cut, as the cascade measures a page."""
    return len(_spaced_text(_cleaned_body(tree, attributes)))


def _cleaned_body(tree, attributes: Attributes):
    """A copy of the page's body (else of the page) without what html2txt cuts; the cookie banners
    found on the page itself, then taken at their place in the copy."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    banners = _COOKIE_BANNER(root, attributes)
    work = copy(root)
    for el in _CLEAN_BY_TAG(work) + [_same_place(el, root, work) for el in banners]:
        delete_element(el)
    return work


def _same_place(el, root, other):
    """The element at el's place (under `root`) in `other`, a copy of root."""
    steps = []
    while el is not root:
        parent = el.getparent()
        steps.append(parent.index(el))
        el = parent
    for step in reversed(steps):
        other = other[step]
    return other


# The expressions by class and id trafilatura's main extractor selects the story's frame and prunes it with
# (a tenth of the generic extractor's time on large pages, its re:test calls Python per element): while
# the cascade runs, main_extractor reads QuickXPath twins of them, which find the same elements.
_MAIN_EXPRESSIONS = ("BODY_XPATH", "OVERALL_DISCARD_XPATH", "TEASER_DISCARD_XPATH", "DISCARD_IMAGE_ELEMENTS")
_ORIGINAL = {name: getattr(main_extractor, name) for name in _MAIN_EXPRESSIONS}
_QUICK = {name: [QuickXPath.of(x) for x in expressions] for name, expressions in _ORIGINAL.items()}


@contextmanager
def quick_expressions():
    """trafilatura's main extractor on the QuickXPath twins of its expressions, its own ones back after.
    (Another thread's trafilatura run meanwhile finds the same elements; the originals are what is put
    back, so overlapping runs never leave the twins in place.)"""
    for name, quick in _QUICK.items():
        setattr(main_extractor, name, quick)
    try:
        yield
    finally:
        for name, original in _ORIGINAL.items():
            setattr(main_extractor, name, original)


def cascade(tree, url: str | None):
    """(body element, its text): trafilatura 2.3.1's trafilatura_sequence with our options (comments
    off, balanced focus, fallbacks on), step for step, on the same trafilatura functions; only the
    prunes and the page measure above are cheaper, and the main extractor's expressions (QuickXPath).
    tests/test_generic_speed.py checks it against trafilatura's own on pages of every path. Mutates
    `tree`."""
    with quick_expressions():
        return _cascade(tree, url)


def _cascade(tree, url: str | None):
    attributes = Attributes(tree)
    is_forum = _forum_thread_page(tree)
    tree = prune(tree, _RAW_TREE_PRUNE, attributes)
    if not is_forum:  # comments off: prune them from the raw tree, unless they are a forum's posts
        tree = prune(tree, _COMMENTS_AND_LISTS, attributes)
    cleaned, backup = _prepare_tree(tree, _OPTIONS, url)
    body, text = extract_content(cleaned, _OPTIONS)
    # the comparison with readability (and justext); readability reads a blank page where it cannot win
    raw = tree if _readability_may_win(tree, body, text) else _BLANK
    body, text = compare_extraction(backup, copy(raw), body, text, _OPTIONS)
    if len(text) < _OPTIONS.min_extracted_size:  # the baseline rescue on the raw tree
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if 0 < len(text) < ESCALATION_MAX_LENGTH and _covers_little(len(text), tree, attributes):
        body, text = _escalate(tree, url, body, text)
    return body, text


_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_BLANK = lxml.html.document_fromstring("<html><body></body></html>")  # readability finds no text in it
_READABILITY_CUTS = etree.XPath(
    ".//script//text()|.//style//text()|.//fencedframe//text()", smart_strings=False
)
_IFRAMES = etree.XPath("count(.//iframe)")


def _readability_may_win(tree, body, text: str) -> bool:
    """Whether readability's text could replace ours (trafilatura's _prefer_readability, balanced focus):
    not when ours has paragraphs (and no more tables than paragraphs) and is at least half as long as
    all the text readability could keep: the page's, white space collapsed, less its scripts' and
    styles' (readability drops them first), plus "VIDEO" for any iframe. Long pages are not measured."""
    if (
        not text
        or not body.xpath(".//p//text()")
        or len(body.findall(".//table")) > len(body.findall(".//p"))
    ):
        return True
    page = tree.text_content() + (tree.tail or "")
    if len(page) > 16 * len(text):  # far more text (and white space) than ours: measuring is no use
        return True
    cut = sum(len("".join(piece.split())) for piece in _READABILITY_CUTS(tree))
    return 2 * len(text) < len(" ".join(page.split())) - cut + 6 * int(_IFRAMES(tree))


def _covers_little(length: int, tree, attributes: Attributes) -> bool:
    """The escalation's test: a text under a fifth of the page's (page_text_length). Most pages are
    settled by a bound first: a text's length with white space collapsed, plus two spaces an element
    (html2txt adds at most a space before each element's text and tail), on the page's body as it is,
    then on the body as html2txt cuts it."""
    body = tree.find(".//body")
    if length >= ESCALATION_PAGE_SHARE * _most_text(body if body is not None else tree):
        return False
    work = _cleaned_body(tree, attributes)
    if length >= ESCALATION_PAGE_SHARE * _most_text(work):
        return False
    return length < ESCALATION_PAGE_SHARE * len(_spaced_text(work))


def _most_text(el) -> int:
    return len(" ".join(el.text_content().split())) + 2 * int(_ELEMENTS(el))


def _escalate(tree, url: str | None, body, text: str):
    """The cascade's recall escalation: a short text covering little of the page, retried in recall
    mode and with justext, the longer kept when clearly longer."""
    r_options = copy(_OPTIONS)
    r_options.focus = "recall"
    r_text = j_text = ""
    try:
        r_body, r_text = _recall_retry(tree, r_options, url)
    except Exception:  # as trafilatura: a failed retry keeps the text there is
        pass
    try:
        j_body, j_text = justext_rescue(copy(tree), _OPTIONS)
    except Exception:
        pass
    if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * len(text):
        return j_body, j_text
    if len(r_text) >= _OPTIONS.min_extracted_size and len(r_text) > ESCALATION_ACCEPT_RATIO * len(text):
        return r_body, r_text
    return body, text
