"""tempo.co's English edition of 2015: `en.tempo.co/read/news/YYYY/MM/DD/<code><id>,uk.html/<Slug>`.

The column holding the body (`div.kolom-2-kolom`) holds the photo (`div.blok-foto-konten`, its caption
ending "Image: TEMPO/Name"), the breadcrumb, the date line, the title (`div.judul-konten`) and the body
`div.tubuh-berita`: one <p> per paragraph, "TEMPO.CO, Jakarta - " opening it, a line in capitals closing
it (reporters, wire agency). Each related list follows a heading box (`judul-subkanal`, `judul-terkait`,
`judul-mlta`); the headline carousel on top (`ul#mycarousel`, `div.bintang-judul`) has no heading.
"""

import re

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import (
    Element,
    attr,
    css,
    first_text,
    meta,
    select,
    select_one,
    text,
    text_blocks,
    tree_of,
)
from kabar.sites.tempo import common
from kabar.text import normalize
from kabar.times import parse_datetime

# The real page's body has no boilerplate; a line echoing the page's follow box (@tempo_english) closing
# a story is modelled in the mirror (invented, not seen on a real page of the era).
BOILERPLATE = (
    rule(
        "follow_prompt_en",
        r"follow (us|tempo english) on (twitter|facebook)( (and|&) (twitter|facebook))?"
        r"\s*:?\s*(@\w+)?$",
    ),
)
HEADINGS = ("judul-subkanal", "judul-terkait", "judul-mlta")
CAROUSEL = "ul#mycarousel"  # the page does not name it: "headlines"
CARDS = ("kolom-300", "foto-terkait")  # cards that are <div>s; the other lists are <li>s
CARD_LINK = css(".bintang-judul a[href], .judul-kolom-300 a[href], .judul-kiri-lainnya a[href]")
LISTS = css(f"{CAROUSEL}, " + ", ".join(f".{c}" for c in HEADINGS))  # the carousel and the headings
ITEMS = css("li, " + ", ".join(f"div.{c}" for c in CARDS))
MATCHES = css("div.judul-konten"), css("div.tubuh-berita")
BODY, TITLE, SECTION, DATE = (
    css("div.tubuh-berita"),
    css("div.judul-konten"),
    css("#blok-sitemap .site-map a"),
    css("div.tanggal"),
)
CAPTION, IMAGE = css(".blok-foto-konten .foto-desc"), css(".blok-foto-konten img")
HTML, TOPICS, LI, LINK = css("html"), css(".mlta li a"), css("li"), css("a[href]")
TIME, SUMMARY = css(".tanggal"), css(".min-kolom-300")
PHOTO_CREDIT = re.compile(r"(?:^|\s)(?:Image|Photo)\s*:\s*(?P<credit>[^:]+)$")


class Layout2015en(Layout):
    name = "tempo-2015-en"
    article = "div.tubuh-berita"
    boilerplate = BOILERPLATE

    def matches(self, page: Element) -> bool:
        return all(select_one(page, s) is not None for s in MATCHES)

    def read(self, page: Element, site: Site, url: str) -> Reading:
        soup = tree_of(page)
        body = select_one(soup, BODY)
        column = body.getparent()  # title, date, photo and breadcrumb sit beside the body
        caption, credit = indonesian.split_credit(first_text(column, CAPTION), PHOTO_CREDIT)
        blocks = _blocks(soup)
        authors, agency = indonesian.take_credit_line(body)
        paragraphs = tuple(text_blocks(body))
        fields = dict(
            title=first_text(column, TITLE) or meta(soup, "og:title") or "",
            paragraphs=paragraphs,
            authors=authors,
            section=first_text(column, SECTION),
            # "Wednesday, 04 November, 2015 | 07:28 WIB"
            published_at=parse_datetime(first_text(column, DATE) or ""),
            tags=_tags(soup),
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_url=attr(column, IMAGE, "src"),
            image_caption=caption,
            image_credit=credit,
            language=(attr(soup, HTML, "lang") or "en").split("-")[0].lower(),
            kind=common.kind_from_url(url),
        )
        return Reading(fields, list(blocks.items()))


def _tags(soup: Element) -> tuple[str, ...]:
    """The keywords, then the topics ("Topic" list), once each. The site appended the description's
    words to the keywords ("Haze,Riau,Smoke,covers,the,…" for "Smoke covers the …"): those are dropped."""
    keywords = [normalize(k) for k in (meta(soup, "keywords") or "").split(",")]
    words = (meta(soup, "description") or "").split()
    if words and list(map(_word, keywords[-len(words) :])) == list(map(_word, words)):
        keywords = keywords[: -len(words)]
    return indonesian.unique_tags([*keywords, *(text(a) for a in select(soup, TOPICS))])


def _word(shown: str) -> str:
    return re.sub(r"\W+", "", shown.lower())


def _blocks(soup: Element) -> dict[str, list[Card]]:
    """Every related list in page order, named by its heading ("Latest News" -> latest_news)."""
    blocks: dict[str, list[Card]] = {}
    for heading in select(soup, LISTS):
        name = "headlines" if heading.tag == "ul" else re.sub(r"\W+", "_", text(heading).lower()).strip("_")
        items = select(heading, LI) if heading.tag == "ul" else _items(heading)
        if cards := [
            common.list_card(item, CARD_LINK, TIME, SUMMARY)
            for item in items
            if select_one(item, LINK) is not None
        ]:
            blocks.setdefault(name, []).extend(cards)
    return blocks


def _items(heading: Element) -> list[Element]:
    """The cards after a heading, up to the next one; a box (`div.blok-subkanal`) may wrap the heading."""
    box = heading.getparent() if _has_class(heading.getparent(), ("blok-subkanal",)) else heading
    items: list[Element] = []
    for sibling in box.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if _has_class(sibling, (*HEADINGS, "blok-subkanal")) or _holds_heading(sibling):
            break
        items += [sibling] if sibling.tag == "li" or _has_class(sibling, CARDS) else select(sibling, ITEMS)
    return items


def _has_class(el: Element, classes: tuple[str, ...]) -> bool:
    return any(c in classes for c in (el.get("class") or "").split())


def _holds_heading(el: Element) -> bool:
    return any(_has_class(d, HEADINGS) for d in el.iterdescendants() if isinstance(d.tag, str))
