"""tempo.co article pages of 2015: `<section>.tempo.co/read/news/YYYY/MM/DD/<code><id>/<slug>`.

`div.artikel` holds breadcrumbs, h1, the date line, the photo and a body that is one <p> whose
paragraphs are split by <br>s; a line in capitals closes it, crediting the reporter and any wire
agency. Related lists sit all over the page, each under a plain heading ("Berita Terkait", ...).
"""

import re

from lxml import etree

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import (
    Element,
    attr,
    css,
    drop,
    first_text,
    meta,
    select,
    select_one,
    soup_text,
    text,
    text_blocks,
    tree_of,
)
from kabar.sites.tempo import common
from kabar.times import parse_datetime

BOILERPLATE = (  # the site-wide hot-topics bar pasted at the end of many bodies: "Topik terhangat: A | B"
    rule("topik_terhangat", r"topik terhangat\s*:(\s*#?[^|]{1,50}(\s*\|\s*#?[^|]{1,50})*)?$"),
)
# A list's heading as the page shows it -> block name; "Top 10 Gaya" names the section it ranks.
HEADINGS = tuple(
    (name, re.compile(regex))
    for name, regex in (
        ("berita_terkait", r"berita terkait$"),
        ("topik", r"topik$"),
        ("terpopuler", r"terpopuler$"),
        ("top_10", r"top 10\b"),
        ("berita_pilihan", r"berita pilihan$"),
        ("grafis", r"grafis ?\+?$"),
        ("berita_terbaru", r"berita terbaru$"),
    )
)
LISTS = css(
    "h2.title, div.title.small, ul.terkait-img > li"
)  # list headings, and the labelled photo/video cards
# The main menu's selected section ("Gaya"), else the breadcrumb's (the menu comes first in the page)
SECTION = css(".main-menu li.selected a, div.artikel .block-kanal-map li:nth-of-type(2) a")
HEADER = css("ul.block-kanal-map, h1, .block-tanggal, .block-display")  # fields read before the body
CARD_LINK = css("h4 a[href], h3 a[href]")
ARTICLE, TITLE, DATE = css("div.artikel"), css("h1"), css(".block-tanggal")
MATCHES = css("div.artikel > h1"), css("div.artikel .block-tanggal")
CAPTION, IMAGE = css(".block-display .deskripsi"), css(".block-display .single-img > img")
HTML, TOPICS, TIME, LABEL = css("html"), css("ul.topik-terkait a"), css(".waktu"), css(".multi-terkait")
LINK, ITEMS, TITLES = css("a[href]"), css("li"), css("h3")
# A caption ends with its photo credit: "... 4 November 2015. TEMPO/Dimas Prakoso", "... DOK. PANITIA"
PHOTO_CREDIT = re.compile(r"(?:^|\s)(?P<credit>[A-Z][A-Z.&-]+(?: [A-Z][A-Z.&-]+)*(?:/[A-Z][\w.' -]*)?)$")


class Layout2015(Layout):
    name = "tempo-2015"
    article = "div.artikel"
    boilerplate = BOILERPLATE

    def matches(self, page: Element) -> bool:
        return all(select_one(page, s) is not None for s in MATCHES)

    def read(self, page: Element, site: Site, url: str) -> Reading:
        soup = tree_of(page)
        article = select_one(soup, ARTICLE)
        caption, credit = indonesian.split_credit(first_text(article, CAPTION), PHOTO_CREDIT, 5)
        title = first_text(article, TITLE) or meta(soup, "og:title") or ""
        # "Kamis, 05 November 2015 | 11:13 WIB"
        published = parse_datetime(first_text(article, DATE) or "")
        section = first_text(soup, SECTION)
        image = attr(article, IMAGE, "src")
        blocks = _blocks(soup)
        also, authors, agency = _take_body_extras(article)
        paragraphs = tuple(text_blocks(article))
        fields = dict(
            title=title,
            paragraphs=paragraphs,
            authors=authors,
            published_at=published,
            section=section,
            tags=_tags(soup),
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_url=image,
            image_caption=caption,
            image_credit=credit,
            language=attr(soup, HTML, "lang") or site.language,
            kind=common.kind_from_url(url),
        )
        return Reading(fields, list({**blocks, "baca_juga": also}.items()))


def _take_body_extras(article: Element) -> tuple[list[Card], tuple[str, ...], str | None]:
    """Leave only the body in `article`: its lines as paragraphs, without links and credit line."""
    for header in select(article, HEADER):
        drop(header)
    for p in indonesian.paragraphs_of(article):
        _split_at_breaks(p)
    also = indonesian.take_labelled_links(article, indonesian.BACA_JUGA)
    return also, *indonesian.take_credit_line(article)


def _split_at_breaks(p: Element) -> None:
    """A 2015 body is one <p> with <br>s between its lines: give every line a <p> of its own."""
    if p.find("br") is None:
        return
    lines = [etree.Element("p")]
    lines[0].text = p.text
    for child in list(p):
        if child.tag == "br":
            lines.append(etree.Element("p"))
            lines[-1].text = child.tail
        else:
            lines[-1].append(child)  # its tail, the text after it, comes along
    for line in lines:
        if (line.text or "").strip() or "".join(_line_text(node) for node in line).strip():
            p.addprevious(line)
    drop(p)


def _line_text(node: Element) -> str:
    """What BeautifulSoup's get_text() gave for a node of a line and the text after it."""
    shown = soup_text(node) if isinstance(node.tag, str) else ""
    return shown + (node.tail or "")


def _tags(soup: Element) -> tuple[str, ...]:
    """The article's keywords, then the topics it is filed under ("#Gaya Hidup Sehat"), once each."""
    keywords = (meta(soup, "news_keywords") or meta(soup, "keywords") or "").split(",")
    return indonesian.unique_tags([*keywords, *(text(a).lstrip("#") for a in select(soup, TOPICS))])


def _blocks(soup: Element) -> dict[str, list[Card]]:
    """Every related list in page order; a block shown twice continues its positions."""
    blocks: dict[str, list[Card]] = {}
    for el in select(soup, LISTS):
        name, items = _block_of(el)
        if name:
            blocks.setdefault(name, []).extend(
                common.list_card(item, CARD_LINK, TIME)
                for item in items
                if select_one(item, LINK) is not None
            )
    return blocks


def _block_of(el: Element) -> tuple[str | None, list[Element]]:
    """A heading names the list beside it; a photo/video card carries its own label ("Foto")."""
    if el.tag == "li":
        label = first_text(el, LABEL) or ""
        return re.sub(r"\W+", "_", label.lower()).strip("_") or None, [el]
    shown = text(el).lower()
    name = next((name for name, pattern in HEADINGS if pattern.match(shown)), None)
    return name, select(el.getparent(), ITEMS) or select(el.getparent(), TITLES)
