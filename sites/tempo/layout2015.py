"""tempo.co article pages of 2015: `<section>.tempo.co/read/news/YYYY/MM/DD/<code><id>/<slug>`.

`div.artikel` holds breadcrumbs, h1, the date line, the photo and a body that is one <p> whose
paragraphs are split by <br>s; a line in capitals closes it, crediting the reporter and any wire
agency. Related lists sit all over the page, each under a plain heading ("Berita Terkait", ...).
"""

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from kabar.records import ParsedArticle
from kabar.text import normalize
from kabar.times import parse_datetime
from sites.html import attr, first_text, meta, text, text_blocks
from sites.site import Card, Site, rule
from sites.tempo import common

NAME = "tempo-2015"
BOILERPLATE = (  # the site-wide hot-topics bar pasted at the end of many bodies: "Topik terhangat: A | B"
    rule("topik_terhangat", r"topik terhangat\s*:(\s*#?[^|]{1,50}(\s*\|\s*#?[^|]{1,50})*)?$"),
)
# A list's heading as the page shows it -> block name; "Top 10 Gaya" names the section it ranks.
HEADINGS = tuple((name, re.compile(regex)) for name, regex in (
    ("berita_terkait", r"berita terkait$"), ("topik", r"topik$"), ("terpopuler", r"terpopuler$"),
    ("top_10", r"top 10\b"), ("berita_pilihan", r"berita pilihan$"), ("grafis", r"grafis ?\+?$"),
    ("berita_terbaru", r"berita terbaru$"),
))
LISTS = "h2.title, div.title.small, ul.terkait-img > li"  # list headings, and the labelled photo/video cards
# The main menu's selected section ("Gaya"), else the breadcrumb's (the menu comes first in the page)
SECTION = ".main-menu li.selected a, div.artikel .block-kanal-map li:nth-of-type(2) a"
HEADER = "ul.block-kanal-map, h1, .block-tanggal, .block-display"  # fields read before the body
CREDIT = re.compile(r"^[A-Z][A-Z.'’ |-]{1,80}$")  # "SEKAR AYU", "ANTARA | RINA WIDIASTUTI"
AGENCIES = frozenset("ANTARA REUTERS AFP AP XINHUA BBC CNN BLOOMBERG KYODO DPA".split())
# A caption ends with its photo credit: "... 4 November 2015. TEMPO/Dimas Prakoso", "... DOK. PANITIA"
PHOTO_CREDIT = re.compile(r"(?:^|\s)(?P<credit>[A-Z][A-Z.&-]+(?: [A-Z][A-Z.&-]+)*(?:/[A-Z][\w.' -]*)?)$")


def matches(soup: BeautifulSoup) -> bool:
    return all(soup.select_one(s) is not None for s in ("div.artikel > h1", "div.artikel .block-tanggal"))


def parse(
    soup: BeautifulSoup, *, site: Site, url: str, article_id: str, fetched_at: datetime
) -> ParsedArticle:
    article = soup.select_one("div.artikel")
    caption, credit = _caption_and_credit(first_text(article, ".block-display .deskripsi"))
    title = first_text(article, "h1") or meta(soup, "og:title") or ""
    # "Kamis, 05 November 2015 | 11:13 WIB"
    published = parse_datetime(first_text(article, ".block-tanggal") or "")
    section = first_text(soup, SECTION)
    image = attr(article, ".block-display .single-img > img", "src")
    blocks = _blocks(soup)
    also, authors, agency = _take_body_extras(article)
    paragraphs = tuple(text_blocks(article))
    return ParsedArticle(
        site=site.name, article_id=article_id, url=url, layout=NAME, fetched_at=fetched_at,
        title=title, paragraphs=paragraphs, authors=authors, published_at=published, section=section,
        tags=_tags(soup), dateline=common.dateline(paragraphs), agency=agency,
        image_url=image, image_caption=caption, image_credit=credit,
        language=attr(soup, "html", "lang") or site.language, kind=common.kind_from_url(url),
        related=tuple(link for block, cards in {**blocks, "baca_juga": also}.items()
                      for link in site.related_links(block, cards, url, fetched_at)),
    )


def _take_body_extras(article: Tag) -> tuple[list[Card], tuple[str, ...], str | None]:
    """Leave only the body in `article`: its lines as paragraphs, without links and credit line."""
    for header in article.select(HEADER):
        header.decompose()
    for p in article.find_all("p", recursive=False):
        _split_at_breaks(p)
    also = common.take_labelled_links(article, common.BACA_JUGA)
    return also, *_take_credit(article)


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


def _take_credit(body: Tag) -> tuple[tuple[str, ...], str | None]:
    """The closing line in capitals credits the reporters and wire agencies: 'ANTARA | SEKAR AYU'."""
    for p in reversed(body.find_all("p", recursive=False)[-3:]):
        if CREDIT.match(line := text(p)):
            p.decompose()
            parts = [part.strip() for part in line.split("|") if part.strip()]
            names = tuple(_name_case(part) for part in parts if part not in AGENCIES)
            return names, ", ".join(part for part in parts if part in AGENCIES) or None
    return (), None


def _name_case(name: str) -> str:
    """'SEKAR AYU' -> 'Sekar Ayu', as the other eras show bylines (str.title would make "Ma'Ruf")."""
    return " ".join(word.capitalize() for word in name.split())


def _caption_and_credit(shown: str | None) -> tuple[str | None, str | None]:
    """The photo credit has no markup of its own: it is the capitals run ending the caption."""
    match = PHOTO_CREDIT.search(shown or "")
    if match is None or len(match["credit"]) < 5:  # "DPR" or "TNI" closing a caption is no credit
        return shown, None
    return shown[: match.start("credit")].rstrip() or None, match["credit"]


def _tags(soup: BeautifulSoup) -> tuple[str, ...]:
    """The article's keywords, then the topics it is filed under ("#Gaya Hidup Sehat"), once each."""
    keywords = (meta(soup, "news_keywords") or meta(soup, "keywords") or "").split(",")
    topics = [text(a).lstrip("#") for a in soup.select("ul.topik-terkait a")]
    tags: dict[str, str] = {}
    for tag in map(normalize, (*keywords, *topics)):
        if tag:
            tags.setdefault(tag.lower(), tag)
    return tuple(tags.values())


def _blocks(soup: BeautifulSoup) -> dict[str, list[Card]]:
    """Every related list in page order; a block shown twice continues its positions."""
    blocks: dict[str, list[Card]] = {}
    for el in soup.select(LISTS):
        name, items = _block_of(el)
        if name:
            blocks.setdefault(name, []).extend(_card(item) for item in items if item.select_one("a[href]"))
    return blocks


def _block_of(el: Tag) -> tuple[str | None, list[Tag]]:
    """A heading names the list beside it; a photo/video card carries its own label ("Foto")."""
    if el.name == "li":
        label = first_text(el, ".multi-terkait") or ""
        return re.sub(r"\W+", "_", label.lower()).strip("_") or None, [el]
    shown = text(el).lower()
    name = next((name for name, pattern in HEADINGS if pattern.match(shown)), None)
    return name, el.parent.select("li") or el.parent.select("h3")


def _card(item: Tag) -> Card:
    link = item.select_one("h4 a[href], h3 a[href]") or item.select_one("a[href]")
    image = item.select_one("img")
    title = text(link) or normalize(link.get("title")) or None
    alt = normalize(image.get("alt")) if image else None
    return Card(
        href=link["href"], title=title, time_text=first_text(item, ".waktu"),
        image_url=image.get("src") if image else None,
        image_caption=alt if alt and alt != title else None,  # alt repeating the title is no caption
    )
