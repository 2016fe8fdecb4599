"""tempo.co pages from 2024 on: `www.tempo.co/<section>/<slug>-<id>`, a server-rendered Next.js page.

Its classes are Tailwind utilities that say nothing and change with every redesign, so the fields come
from the JSON-LD first, then meta tags, then HTML structure (article > header, #content-wrapper,
sections named by their <h2>) — never from class names.
"""

from collections.abc import Iterator
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import all_texts, attr, first_text, json_ld, meta, text, text_blocks
from kabar.sites.tempo import common
from kabar.text import normalize
from kabar.times import parse_datetime

# The JSON-LD object that describes the page itself (the others are breadcrumbs, the publisher, ...).
LD_TYPES = frozenset(
    "NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle Article "
    "VideoObject ImageGallery".split()
)
LD_KINDS = {"VideoObject": "video", "ImageGallery": "photo_gallery"}  # other types: the URL's section says
BLOCKS = (("berita_terkait", "berita terkait"), ("terpopuler", "terpopuler"), ("topik", "topik"))
PAYWALL = rule(  # the subscription box that replaces the rest of a paywalled story, line by line
    "paywall_prompt",
    r"(berlangganan untuk lanjutkan membaca|berlangganan sekarang|sudah berlangganan\? ?masuk"
    r"|akses tanpa batas ke seluruh artikel tempo mulai rp ?[\d.,]+ ?/ ?bulan)\.?$",
)
BOILERPLATE = (
    rule("ad_label_en", r"advertisement$"),
    rule("scroll_prompt_2024", r"scroll ke bawah untuk melanjutkan membaca$"),
    rule(
        "follow_prompt",
        r"ikuti berita terkini dari tempo di (google news|saluran whatsapp)(,? klik di sini)?$",
    ),
    PAYWALL,
)


class Layout2024(Layout):
    name = "tempo-2024"
    article = "article"
    boilerplate = BOILERPLATE

    def matches(self, soup: BeautifulSoup) -> bool:
        # The markup decides, not the JSON-LD: a page whose JSON-LD is broken is still this layout.
        header, body = soup.select_one("article > header h1"), soup.select_one("article #content-wrapper")
        return header is not None and body is not None

    def read(self, soup: BeautifulSoup, site: Site, url: str) -> Reading:
        body = soup.select_one("article #content-wrapper")
        picks = indonesian.take_labelled_links(body, indonesian.EDITORS_PICK)
        also = indonesian.take_labelled_links(body, indonesian.BACA_JUGA)
        agency = indonesian.take_agency(body)
        paragraphs = tuple(text_blocks(body))
        ld = _page_ld(soup)
        caption, credit = indonesian.caption_and_credit(
            soup.select_one("article > figure figcaption"), "span"
        )
        pick_title, pick_url = indonesian.first_pick(site, picks, url)
        fields = dict(
            paragraphs=paragraphs,
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_caption=caption,
            image_credit=credit,
            editors_pick_title=pick_title,
            editors_pick_url=pick_url,
            kind=next((LD_KINDS[t] for t in _types(ld) if t in LD_KINDS), None) or common.kind_from_url(url),
            access="paywalled" if _paywalled(ld, paragraphs) else "free",
            **_metadata(soup, ld, site),
        )
        return Reading(fields, [*_blocks(soup), ("baca_juga", also), ("pilihan_editor", picks)])


def _metadata(soup: BeautifulSoup, ld: dict, site: Site) -> dict:
    """The fields the JSON-LD states, each falling back to meta tags and then to the visible header."""
    header = soup.select_one("article > header")
    return dict(
        title=_one(ld.get("headline")) or meta(soup, "og:title") or first_text(header, "h1") or "",
        subtitle=_one(ld.get("alternativeHeadline"))
        or _one(ld.get("description"))
        or meta(soup, "description")
        or first_text(header, "h1 + p"),
        authors=_names(ld.get("author")) or _byline(header, "penulis"),
        editor=next(iter(_names(ld.get("editor")) or _byline(header, "editor")), None),
        published_at=_time(
            ld.get("datePublished"),
            meta(soup, "article:published_time"),
            attr(header, "time", "datetime"),
            first_text(header, "time"),
        ),
        updated_at=_time(ld.get("dateModified"), meta(soup, "article:modified_time")),
        section=_one(ld.get("articleSection"))
        or meta(soup, "article:section")
        or next(reversed(all_texts(header, "nav ol a")), None),
        tags=_names(ld.get("keywords"), split=True) or all_texts(soup, 'article a[href*="/tag/"]'),
        image_url=_one(ld.get("image") or ld.get("thumbnailUrl"), key="url")
        or meta(soup, "og:image")
        or attr(soup, "article > figure img", "src"),
        language=_one(ld.get("inLanguage")) or attr(soup, "html", "lang") or site.language,
    )


def _page_ld(soup: BeautifulSoup) -> dict:
    return next((item for item in json_ld(soup) if LD_TYPES.intersection(_types(item))), {})


def _types(item: dict) -> list[str]:
    kinds = item.get("@type", [])
    return [kinds] if isinstance(kinds, str) else [k for k in kinds if isinstance(k, str)]


def _one(value, key: str = "name") -> str | None:
    """A JSON-LD value as one string: the first of a list, a Thing's name (or its url, for images)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get(key)
    return (normalize(value) or None) if isinstance(value, str) else None


def _names(value, split: bool = False) -> tuple[str, ...]:
    """Persons (or keywords) as given: one, a list, or with `split` a comma-separated string."""
    if not isinstance(value, list):
        value = value.split(",") if split and isinstance(value, str) else [value]
    return tuple(dict.fromkeys(name for name in map(_one, value) if name))


def _time(*candidates: str | None) -> datetime | None:
    return next(filter(None, (parse_datetime(c) for c in candidates if c)), None)


def _byline(header: Tag | None, label: str) -> tuple[str, ...]:
    """'Penulis <a>…</a>, <a>…</a>' and 'Editor <a>…</a>': the names are the links after the label."""
    for line in header.select("p:has(> span)") if header is not None else ():
        if text(line.find("span")).lower() == label:
            return tuple(name for name in map(text, line.find_all("a")) if name)
    return ()


def _paywalled(ld: dict, paragraphs: tuple[str, ...]) -> bool:
    # The JSON-LD flag may be a bool or the string "False"; the box alone also says the body is a teaser.
    return str(ld.get("isAccessibleForFree", "")).lower() == "false" or any(map(PAYWALL.matches, paragraphs))


def _blocks(soup: BeautifulSoup) -> Iterator[tuple[str, list[Card]]]:
    """Related blocks are <section>s named by their <h2> heading ("Topik: Pilkada 2024" is a topik)."""
    for section in soup.select("section:has(> h2)"):
        heading = text(section.find("h2")).lower()
        block = next((name for name, prefix in BLOCKS if heading.startswith(prefix)), None)
        if block:
            figures = section.select("figure")
            yield block, [_card(figure) for figure in figures if figure.select_one("a[href]")]


def _card(figure: Tag) -> Card:
    """A card is a <figure>: linked image (alt = its caption), h3 title, summary <p>, <time> as shown."""
    return Card(
        href=figure.select_one("a[href]")["href"],
        title=first_text(figure, "h3"),
        time_text=first_text(figure, "time"),
        image_url=attr(figure, "img", "src"),
        image_caption=attr(figure, "img", "alt"),
        summary=first_text(figure, "figcaption > p"),
    )
