"""antaranews.com article pages of 2015–2017: `www.antaranews.com/berita/<id>/<slug>`, and the
`otomotif.` sub-site's `/berita/<id>/<section>` in the same shell without the schema.org markup.

`div.bjbrt` holds `h1.title`; `div.date` "Kamis, 5 November 2015 14:56 WIB | 1.229 Views" (with a
`<time datetime>` inside on the main site); hidden `[itemprop=keywords]`; `div.byline` "Pewarta: <names>"
or "Oleh <name>"; `#image_news` (an img and `#caption_news`, ending "(ANTARA FOTO/<name>)"); an optional
pull quote; then `#content_news`. Its lines are split by `<br>`s, sometimes inside `<div>`s or Word's
`<p class=MsoNormal>`; the first opens with the dateline "Mataram, NTB (ANTARA News) - ", and `p.mt10`
"Editor: <name>" and `p.date` "COPYRIGHT © ANTARA 2015" close it, inside the body, as boilerplate.
Related lists sit under `div.box_header` headings ("Berita Lainnya", "Terpopuler", "Top News"); a
fly-in box headed "Baca Juga" (`#box_fly`) closes the page.
"""

import re
from datetime import datetime
from html import unescape

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.antara import wire
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import (
    BLOCK_TAGS,
    Element,
    attr,
    css,
    first_text,
    has_block,
    inside,
    meta,
    select,
    select_one,
    soup_text,
    text,
    text_blocks,
    tree_of,
)
from kabar.text import normalize
from kabar.times import parse_datetime

BYLINE = re.compile(r"^(?:pewarta|oleh|reporter)\b\s*:?\s*", re.IGNORECASE)
NAMES = re.compile(r"\s*(?:,|&|\bdan\b)\s*")  # "Budisantoso Budiman dan Agus S"
EDITOR = re.compile(r"^editor\s*:\s*(?P<name>.+)$", re.IGNORECASE)
CREDIT = re.compile(r"\((?P<credit>(?:antara ?foto|antara(?:news)?|foto|dok)\b[^()]*)\)$", re.IGNORECASE)
FILLER_KEYWORD = re.compile(r"^(?:berita|portal)\b", re.IGNORECASE)  # "berita terkini", "portal Indonesia"
# A list's heading as the page shows it -> block name; other boxes (a section's or a focus topic's
# latest stories, "Topik Pilihan" tag links) are the same sidebar on every page of a section.
HEADINGS = {"berita lainnya": "berita_lainnya", "terpopuler": "terpopuler", "top news": "top_news"}
ITEMS = css(".brtall > div, ul.terpopuler > li, .box_content > div")
SECTION = css("#topnav > li.active > a")  # the main menu's open section; otomotif's menu marks none
MATCHES = css("div.bjbrt h1.title"), css("#content_news")
ARTICLE, BODY, TITLE, CAPTION = css("div.bjbrt"), css("#content_news"), css("h1.title"), css("#caption_news")
IMAGE, HTML, BYLINE_LINE, EDITOR_LINE = css("#image_news img"), css("html"), css("div.byline"), css("p.mt10")
DATE, TIME = css("div.date"), css("time[datetime]")
KEYWORDS, HEADINGS_BOX, FLY_BOX = css('[itemprop="keywords"]'), css("div.box_header"), css("#box_fly .fall")
HEADLINE, LINK, IMG = css("h3 a[href], h2 a[href]"), css("a[href]"), css("img")
ITEMPROPS = {name: css(f'meta[itemprop="{name}"]') for name in ("dateModified", "datePublished")}


class Layout2015(Layout):
    name = "antara-2015"
    article = "#content_news"
    # The editor line stands inside `#content_news` in this layout only (later ones put it after the body).
    boilerplate = (rule("editor_line", r"editor\s*:\s*[^.!?]{1,60}$"),)

    def matches(self, page: Element) -> bool:
        return all(select_one(page, s) is not None for s in MATCHES)

    def read(self, page: Element, site: Site, url: str) -> Reading:
        soup = tree_of(page)
        article = select_one(soup, ARTICLE)  # the header fields live in it; the sidebars do not
        body = select_one(soup, BODY)  # in it too, unless a tag left open above moves it out
        for br in list(body.iter("br")):  # a line break is a paragraph break, as a reader sees it
            br.tag = "hr"
            br.attrib.clear()
        also = _take_labelled_lines(body)
        paragraphs = tuple(text_blocks(body))
        title = first_text(article, TITLE) or meta(soup, "og:title") or ""
        caption, credit = indonesian.split_credit(first_text(article, CAPTION), CREDIT)
        fields = dict(
            title=title,
            paragraphs=paragraphs,
            authors=_authors(article),
            editor=_editor(body),
            published_at=_published(article),
            updated_at=parse_datetime(_itemprop(article, "dateModified")),
            section=first_text(soup, SECTION) or ("Otomotif" if "//otomotif." in url else None),
            tags=_tags(article, soup, title),
            **wire.dateline(paragraphs),
            image_url=attr(article, IMAGE, "src"),  # og:image of a page without one: a folder
            image_caption=caption,
            image_credit=credit,
            language=attr(soup, HTML, "lang") or site.language,
        )
        return Reading(fields, [("baca_juga", also), *_blocks(soup)])


def _take_labelled_lines(body: Element) -> list[Card]:
    """'Baca juga: <a>…</a>' lines link other stories, not body text: lift each line out as a card.
    A line is the run of inline nodes between blocks (the breaks are blocks by now)."""
    cards = []
    for link in [a for a in body.iter("a") if a.get("href") is not None]:
        if not inside(link, body):  # lifted with an earlier line
            continue
        parent, start, end = _line_of(link, body)
        if indonesian.BACA_JUGA.match(normalize(_line_text(parent, start, end))):
            cards.append(Card(href=link.get("href"), title=text(link) or None))
            _lift(parent, start, end)
    return cards


def _line_of(node: Element, body: Element) -> tuple[Element, int, int]:
    """The line holding `node`: (its parent, the first and last child of the parent in it). The line
    starts with the text after child `start - 1` (the parent's own text when `start` is 0)."""
    while node.getparent() is not body and node.getparent().tag not in BLOCK_TAGS:
        node = node.getparent()  # the outermost inline element holding the link: <strong>Baca juga: <a>
    parent = node.getparent()
    children = list(parent)
    start = end = children.index(node)
    while start > 0 and _is_inline(children[start - 1]):
        start -= 1
    while end + 1 < len(children) and _is_inline(children[end + 1]):
        end += 1
    return parent, start, end


def _line_text(parent: Element, start: int, end: int) -> str:
    before = parent[start - 1].tail if start else parent.text
    shown = [before or ""]
    for child in parent[start : end + 1]:
        shown.append((soup_text(child) if isinstance(child.tag, str) else "") + (child.tail or ""))
    return "".join(shown)


def _lift(parent: Element, start: int, end: int) -> None:
    """Take the line out: its first text, then its nodes (each with the text after it)."""
    if start:
        parent[start - 1].tail = None
    else:
        parent.text = None
    for child in parent[start : end + 1]:
        parent.remove(child)


def _is_inline(node: Element) -> bool:
    return not isinstance(node.tag, str) or (node.tag not in BLOCK_TAGS and not has_block(node))


def _authors(article: Element) -> tuple[str, ...]:
    shown = BYLINE.sub("", first_text(article, BYLINE_LINE) or "")
    return tuple(name for name in NAMES.split(shown) if name)


def _editor(body: Element) -> str | None:
    match = EDITOR.match(first_text(body, EDITOR_LINE) or "")
    return match["name"] if match else None


def _published(article: Element) -> datetime | None:
    """The `<time datetime>`, else the date line before its view count, else the schema.org meta."""
    shown = (first_text(article, DATE) or "").split("|")[0]
    stamps = (attr(article, TIME, "datetime"), shown, _itemprop(article, "datePublished"))
    return next(filter(None, map(parse_datetime, filter(None, stamps))), None)


def _itemprop(article: Element, name: str) -> str:
    return attr(article, ITEMPROPS[name], "content") or ""


def _tags(article: Element, soup: Element, title: str) -> tuple[str, ...]:
    """The article's keywords; without them (otomotif), the page's, less the title and site-wide filler."""
    shown = attr(article, KEYWORDS, "content") or first_text(article, KEYWORDS)
    if shown is None:
        words = (meta(soup, "keywords") or "").split(",")
        shown = ",".join(w for w in words if not FILLER_KEYWORD.match(w.strip()) and normalize(w) != title)
    return indonesian.unique_tags(shown.split(","))


def _blocks(soup: Element) -> list[tuple[str, list[Card]]]:
    """Every related list under a known heading, in page order, then the fly-in "Baca Juga" box."""
    blocks: dict[str, list[Card]] = {}
    for heading in select(soup, HEADINGS_BOX):
        if name := HEADINGS.get(text(heading).lower()):
            blocks.setdefault(name, []).extend(filter(None, map(_card, select(heading.getparent(), ITEMS))))
    blocks["baca_juga_flybox"] = list(filter(None, map(_card, select(soup, FLY_BOX))))
    return list(blocks.items())


def _card(item: Element) -> Card | None:
    """A list item: its headline link (else its first), image, and the tooltip that summarises it."""
    anchor = select_one(item, HEADLINE)
    anchor = anchor if anchor is not None else select_one(item, LINK)
    title = (text(anchor) or normalize(anchor.get("title"))) if anchor is not None else ""
    if not title:  # no link, or the empty items the fly-in box pads itself with
        return None
    image = select_one(item, IMG)
    alt = normalize(image.get("alt")) if image is not None else ""
    tooltip = unescape(anchor.get("data-tooltip") or "")  # shows "&amp;nbsp;" as "&nbsp;"
    return Card(
        href=anchor.get("href"),
        title=title,
        image_url=image.get("src") if image is not None else None,
        image_caption=alt if alt and alt != title else None,  # alt repeating the title is no caption
        summary=normalize(tooltip) or None,
    )
