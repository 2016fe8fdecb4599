"""Small readers over a parsed page, shared by the site modules."""

import json
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from kabar.text import normalize

BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript template iframe svg form button select".split())


def soup_of(html: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def text(el: Tag | None) -> str:
    """Visible text, inline elements joined as a browser shows them, blocks by a space."""
    return " ".join(text_blocks(el)) if el is not None else ""


def first_text(root: Tag, selector: str) -> str | None:
    return text(root.select_one(selector)) or None


def all_texts(root: Tag, selector: str) -> tuple[str, ...]:
    """Texts of every match, in order, empty ones and repeats dropped."""
    return tuple(dict.fromkeys(t for t in (text(el) for el in root.select(selector)) if t))


def attr(root: Tag, selector: str, name: str) -> str | None:
    el = root.select_one(selector)
    value = el.get(name) if el is not None else None
    return normalize(value) or None if isinstance(value, str) else None


def meta(soup: BeautifulSoup, key: str) -> str | None:
    """<meta property=key> or <meta name=key> content."""
    return attr(soup.head or soup, f'meta[property="{key}"], meta[name="{key}"]', "content")


def canonical_link(soup: BeautifulSoup) -> str | None:
    """The URL the page says it lives at: rel=canonical, else og:url."""
    head = soup.head or soup  # the head is a small part of the page: search it alone
    return attr(head, 'link[rel="canonical"]', "href") or attr(head, 'meta[property="og:url"]', "content")


def json_ld(soup: BeautifulSoup) -> list[dict]:
    """Every JSON-LD object on the page, @graph flattened; broken blocks are skipped."""
    found = []
    for script in soup.select('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                found.extend(g for g in item.get("@graph", [item]) if isinstance(g, dict))
    return found


def text_blocks(el: Tag) -> Iterator[str]:
    """The visible text of `el` as a reader sees its blocks: one string per paragraph-like run."""
    run: list[str] = []
    for child in el.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            run.append(str(child))
        elif child.name in SKIP_TAGS:
            continue
        elif child.name == "br":
            run.append(" ")
        elif child.name in BLOCK_TAGS or child.find(BLOCK_TAGS):
            yield from _flush(run)
            yield from text_blocks(child)
        else:
            run.extend(_inline_texts(child))
    yield from _flush(run)


def _inline_texts(el: Tag) -> Iterator[str]:
    """An inline element's text as a browser lays it out: a <br> anywhere inside is a space."""
    for node in el.descendants:
        if isinstance(node, NavigableString) and not isinstance(node, Comment):
            yield str(node)
        elif getattr(node, "name", None) == "br":
            yield " "


def _flush(run: list[str]) -> Iterator[str]:
    block = normalize("".join(run))
    run.clear()
    if block:
        yield block
