"""tempo.co's English edition of 2015: `en.tempo.co/read/news/YYYY/MM/DD/<code><id>,uk.html/<Slug>`.

The column holding the body (`div.kolom-2-kolom`) holds the photo (`div.blok-foto-konten`, its caption
ending "Image: TEMPO/Name"), the breadcrumb, the date line, the title (`div.judul-konten`) and the body
`div.tubuh-berita`: one <p> per paragraph, "TEMPO.CO, Jakarta - " opening it, a line in capitals closing
it (reporters, wire agency). Each related list follows a heading box (`judul-subkanal`, `judul-terkait`,
`judul-mlta`); the headline carousel on top (`ul#mycarousel`, `div.bintang-judul`) has no heading.
"""

import re

from bs4 import BeautifulSoup, Tag

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import attr, first_text, meta, text, text_blocks
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
CARD_LINK = ".bintang-judul a[href], .judul-kolom-300 a[href], .judul-kiri-lainnya a[href]"
PHOTO_CREDIT = re.compile(r"(?:^|\s)(?:Image|Photo)\s*:\s*(?P<credit>[^:]+)$")


class Layout2015en(Layout):
    name = "tempo-2015-en"
    article = "div.tubuh-berita"
    boilerplate = BOILERPLATE

    def matches(self, soup: BeautifulSoup) -> bool:
        return all(soup.select_one(s) is not None for s in ("div.judul-konten", "div.tubuh-berita"))

    def read(self, soup: BeautifulSoup, site: Site, url: str) -> Reading:
        body = soup.select_one("div.tubuh-berita")
        column = body.parent  # title, date, photo and breadcrumb sit beside the body
        caption, credit = indonesian.split_credit(
            first_text(column, ".blok-foto-konten .foto-desc"), PHOTO_CREDIT
        )
        blocks = _blocks(soup)
        authors, agency = indonesian.take_credit_line(body)
        paragraphs = tuple(text_blocks(body))
        fields = dict(
            title=first_text(column, "div.judul-konten") or meta(soup, "og:title") or "",
            paragraphs=paragraphs,
            authors=authors,
            section=first_text(column, "#blok-sitemap .site-map a"),
            # "Wednesday, 04 November, 2015 | 07:28 WIB"
            published_at=parse_datetime(first_text(column, "div.tanggal") or ""),
            tags=_tags(soup),
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_url=attr(column, ".blok-foto-konten img", "src"),
            image_caption=caption,
            image_credit=credit,
            language=(attr(soup, "html", "lang") or "en").split("-")[0].lower(),
            kind=common.kind_from_url(url),
        )
        return Reading(fields, list(blocks.items()))


def _tags(soup: BeautifulSoup) -> tuple[str, ...]:
    """The keywords, then the topics ("Topic" list), once each. The site appended the description's
    words to the keywords ("Haze,Riau,Smoke,covers,the,…" for "Smoke covers the …"): those are dropped."""
    keywords = [normalize(k) for k in (meta(soup, "keywords") or "").split(",")]
    words = (meta(soup, "description") or "").split()
    if words and list(map(_word, keywords[-len(words) :])) == list(map(_word, words)):
        keywords = keywords[: -len(words)]
    return indonesian.unique_tags([*keywords, *(text(a) for a in soup.select(".mlta li a"))])


def _word(shown: str) -> str:
    return re.sub(r"\W+", "", shown.lower())


def _blocks(soup: BeautifulSoup) -> dict[str, list[Card]]:
    """Every related list in page order, named by its heading ("Latest News" -> latest_news)."""
    blocks: dict[str, list[Card]] = {}
    for heading in soup.select(f"{CAROUSEL}, " + ", ".join(f".{c}" for c in HEADINGS)):
        name = "headlines" if heading.name == "ul" else re.sub(r"\W+", "_", text(heading).lower()).strip("_")
        items = heading.select("li") if heading.name == "ul" else _items(heading)
        if cards := [
            common.list_card(item, CARD_LINK, ".tanggal", ".min-kolom-300")
            for item in items
            if item.select_one("a[href]")
        ]:
            blocks.setdefault(name, []).extend(cards)
    return blocks


def _items(heading: Tag) -> list[Tag]:
    """The cards after a heading, up to the next one; a box (`div.blok-subkanal`) may wrap the heading."""
    box = heading.parent if "blok-subkanal" in heading.parent.get("class", []) else heading
    items: list[Tag] = []
    for sibling in box.find_next_siblings():
        if _has_class(sibling, (*HEADINGS, "blok-subkanal")) or sibling.find(class_=HEADINGS):
            break
        items += (
            [sibling]
            if sibling.name == "li" or _has_class(sibling, CARDS)
            else sibling.select("li, " + ", ".join(f"div.{c}" for c in CARDS))
        )
    return items


def _has_class(el: Tag, classes: tuple[str, ...]) -> bool:
    return any(c in classes for c in el.get("class", []))
