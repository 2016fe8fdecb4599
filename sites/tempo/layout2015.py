"""tempo.co article pages of 2015: `<section>.tempo.co/read/news/YYYY/MM/DD/<code><id>/<slug>`.

`div.artikel` holds breadcrumbs, h1, the date line, the photo and a body that is one <p> whose
paragraphs are split by <br>s; a line in capitals closes it, crediting the reporter and any wire
agency. Related lists sit all over the page, each under a plain heading ("Berita Terkait", ...).
"""

import re

from bs4 import BeautifulSoup, Tag

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import attr, first_text, meta, text, text_blocks
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
LISTS = "h2.title, div.title.small, ul.terkait-img > li"  # list headings, and the labelled photo/video cards
# The main menu's selected section ("Gaya"), else the breadcrumb's (the menu comes first in the page)
SECTION = ".main-menu li.selected a, div.artikel .block-kanal-map li:nth-of-type(2) a"
HEADER = "ul.block-kanal-map, h1, .block-tanggal, .block-display"  # fields read before the body
CARD_LINK = "h4 a[href], h3 a[href]"
# A caption ends with its photo credit: "... 4 November 2015. TEMPO/Dimas Prakoso", "... DOK. PANITIA"
PHOTO_CREDIT = re.compile(r"(?:^|\s)(?P<credit>[A-Z][A-Z.&-]+(?: [A-Z][A-Z.&-]+)*(?:/[A-Z][\w.' -]*)?)$")


class Layout2015(Layout):
    name = "tempo-2015"
    article = "div.artikel"
    boilerplate = BOILERPLATE

    def matches(self, soup: BeautifulSoup) -> bool:
        return all(soup.select_one(s) is not None for s in ("div.artikel > h1", "div.artikel .block-tanggal"))

    def read(self, soup: BeautifulSoup, site: Site, url: str) -> Reading:
        article = soup.select_one("div.artikel")
        caption, credit = indonesian.split_credit(
            first_text(article, ".block-display .deskripsi"), PHOTO_CREDIT, 5
        )
        title = first_text(article, "h1") or meta(soup, "og:title") or ""
        # "Kamis, 05 November 2015 | 11:13 WIB"
        published = parse_datetime(first_text(article, ".block-tanggal") or "")
        section = first_text(soup, SECTION)
        image = attr(article, ".block-display .single-img > img", "src")
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
            language=attr(soup, "html", "lang") or site.language,
            kind=common.kind_from_url(url),
        )
        return Reading(fields, list({**blocks, "baca_juga": also}.items()))


def _take_body_extras(article: Tag) -> tuple[list[Card], tuple[str, ...], str | None]:
    """Leave only the body in `article`: its lines as paragraphs, without links and credit line."""
    for header in article.select(HEADER):
        header.decompose()
    for p in article.find_all("p", recursive=False):
        _split_at_breaks(p)
    also = indonesian.take_labelled_links(article, indonesian.BACA_JUGA)
    return also, *indonesian.take_credit_line(article)


def _split_at_breaks(p: Tag) -> None:
    """A 2015 body is one <p> with <br>s between its lines: give every line a <p> of its own."""
    if p.find("br", recursive=False) is None:
        return
    lines: list[list] = [[]]
    for child in list(p.children):
        if getattr(child, "name", None) == "br":
            lines.append([])
        else:
            lines[-1].append(child.extract())
    for nodes in lines:
        if "".join(node.get_text() for node in nodes).strip():
            line = Tag(name="p")
            line.extend(nodes)
            p.insert_before(line)
    p.decompose()


def _tags(soup: BeautifulSoup) -> tuple[str, ...]:
    """The article's keywords, then the topics it is filed under ("#Gaya Hidup Sehat"), once each."""
    keywords = (meta(soup, "news_keywords") or meta(soup, "keywords") or "").split(",")
    return indonesian.unique_tags(
        [*keywords, *(text(a).lstrip("#") for a in soup.select("ul.topik-terkait a"))]
    )


def _blocks(soup: BeautifulSoup) -> dict[str, list[Card]]:
    """Every related list in page order; a block shown twice continues its positions."""
    blocks: dict[str, list[Card]] = {}
    for el in soup.select(LISTS):
        name, items = _block_of(el)
        if name:
            blocks.setdefault(name, []).extend(
                common.list_card(item, CARD_LINK, ".waktu") for item in items if item.select_one("a[href]")
            )
    return blocks


def _block_of(el: Tag) -> tuple[str | None, list[Tag]]:
    """A heading names the list beside it; a photo/video card carries its own label ("Foto")."""
    if el.name == "li":
        label = first_text(el, ".multi-terkait") or ""
        return re.sub(r"\W+", "_", label.lower()).strip("_") or None, [el]
    shown = text(el).lower()
    name = next((name for name, pattern in HEADINGS if pattern.match(shown)), None)
    return name, el.parent.select("li") or el.parent.select("h3")
