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
from itertools import takewhile

from bs4 import BeautifulSoup, Comment, Tag

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.antara import wire
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import BLOCK_TAGS, attr, first_text, meta, text, text_blocks
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
ITEMS = ".brtall > div, ul.terpopuler > li, .box_content > div"
SECTION = "#topnav > li.active > a"  # the main menu's open section; otomotif's menu marks none


class Layout2015(Layout):
    name = "antara-2015"
    article = "#content_news"
    # The editor line stands inside `#content_news` in this layout only (later ones put it after the body).
    boilerplate = (rule("editor_line", r"editor\s*:\s*[^.!?]{1,60}$"),)

    def matches(self, soup: BeautifulSoup) -> bool:
        return all(soup.select_one(s) is not None for s in ("div.bjbrt h1.title", "#content_news"))

    def read(self, soup: BeautifulSoup, site: Site, url: str) -> Reading:
        article = soup.select_one("div.bjbrt")  # the header fields live in it; the sidebars do not
        body = soup.select_one("#content_news")  # in it too, unless a tag left open above moves it out
        for br in body.find_all("br"):  # a line break is a paragraph break, as a reader sees it
            br.replace_with(Tag(name="hr"))
        also = _take_labelled_lines(body)
        paragraphs = tuple(text_blocks(body))
        title = first_text(article, "h1.title") or meta(soup, "og:title") or ""
        caption, credit = indonesian.split_credit(first_text(article, "#caption_news"), CREDIT)
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
            image_url=attr(article, "#image_news img", "src"),  # og:image of a page without one: a folder
            image_caption=caption,
            image_credit=credit,
            language=attr(soup, "html", "lang") or site.language,
        )
        return Reading(fields, [("baca_juga", also), *_blocks(soup)])


def _take_labelled_lines(body: Tag) -> list[Card]:
    """'Baca juga: <a>…</a>' lines link other stories, not body text: lift each line out as a card.
    A line is the run of inline nodes between blocks (the breaks are blocks by now)."""
    cards = []
    for link in body.find_all("a", href=True):
        line = _line_of(link, body) if any(parent is body for parent in link.parents) else []  # [] if lifted
        shown = "".join(n if isinstance(n, str) else n.get_text() for n in line if not isinstance(n, Comment))
        if indonesian.BACA_JUGA.match(normalize(shown)):
            cards.append(Card(href=link["href"], title=text(link) or None))
            for node in line:
                node.extract()
    return cards


def _line_of(node: Tag, body: Tag) -> list:
    while node.parent is not body and node.parent.name not in BLOCK_TAGS:
        node = node.parent  # the outermost inline element holding the link: <strong>Baca juga: <a>
    before = reversed(list(takewhile(_is_inline, node.previous_siblings)))
    return [*before, node, *takewhile(_is_inline, node.next_siblings)]


def _is_inline(node) -> bool:
    return not isinstance(node, Tag) or (node.name not in BLOCK_TAGS and node.find(BLOCK_TAGS) is None)


def _authors(article: Tag) -> tuple[str, ...]:
    shown = BYLINE.sub("", first_text(article, "div.byline") or "")
    return tuple(name for name in NAMES.split(shown) if name)


def _editor(body: Tag) -> str | None:
    match = EDITOR.match(first_text(body, "p.mt10") or "")
    return match["name"] if match else None


def _published(article: Tag) -> datetime | None:
    """The `<time datetime>`, else the date line before its view count, else the schema.org meta."""
    shown = (first_text(article, "div.date") or "").split("|")[0]
    stamps = (attr(article, "time[datetime]", "datetime"), shown, _itemprop(article, "datePublished"))
    return next(filter(None, map(parse_datetime, filter(None, stamps))), None)


def _itemprop(article: Tag, name: str) -> str:
    return attr(article, f'meta[itemprop="{name}"]', "content") or ""


def _tags(article: Tag, soup: BeautifulSoup, title: str) -> tuple[str, ...]:
    """The article's keywords; without them (otomotif), the page's, less the title and site-wide filler."""
    shown = attr(article, '[itemprop="keywords"]', "content") or first_text(article, '[itemprop="keywords"]')
    if shown is None:
        words = (meta(soup, "keywords") or "").split(",")
        shown = ",".join(w for w in words if not FILLER_KEYWORD.match(w.strip()) and normalize(w) != title)
    return indonesian.unique_tags(shown.split(","))


def _blocks(soup: BeautifulSoup) -> list[tuple[str, list[Card]]]:
    """Every related list under a known heading, in page order, then the fly-in "Baca Juga" box."""
    blocks: dict[str, list[Card]] = {}
    for heading in soup.select("div.box_header"):
        if name := HEADINGS.get(text(heading).lower()):
            blocks.setdefault(name, []).extend(filter(None, map(_card, heading.parent.select(ITEMS))))
    blocks["baca_juga_flybox"] = list(filter(None, map(_card, soup.select("#box_fly .fall"))))
    return list(blocks.items())


def _card(item: Tag) -> Card | None:
    """A list item: its headline link (else its first), image, and the tooltip that summarises it."""
    anchor = item.select_one("h3 a[href], h2 a[href]") or item.select_one("a[href]")
    title = (text(anchor) or normalize(anchor.get("title"))) if anchor else ""
    if not title:  # no link, or the empty items the fly-in box pads itself with
        return None
    image = item.select_one("img")
    alt = normalize(image.get("alt")) if image else ""
    tooltip = unescape(anchor.get("data-tooltip") or "")  # shows "&amp;nbsp;" as "&nbsp;"
    return Card(
        href=anchor["href"],
        title=title,
        image_url=image.get("src") if image else None,
        image_caption=alt if alt and alt != title else None,  # alt repeating the title is no caption
        summary=normalize(tooltip) or None,
    )
