"""tempo.co pages from 2024 on: `www.tempo.co/<section>/<slug>-<id>`, a server-rendered Next.js page.

Its classes are Tailwind utilities that say nothing and change with every redesign, so the fields come
from the JSON-LD first, then meta tags, then HTML structure (article > header, #content-wrapper,
sections named by their <h2>) — never from class names.
"""

from collections.abc import Iterator
from datetime import datetime

from kabar.clean import rule
from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import (
    Element,
    all_texts,
    attr,
    css,
    first_text,
    json_ld,
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
HEADER_H1, BODY, HEADER = css("article > header h1"), css("article #content-wrapper"), css("article > header")
CAPTION, FIGURE_IMAGE, HTML = css("article > figure figcaption"), css("article > figure img"), css("html")
H1, SUBTITLE, TIME, CRUMBS = css("h1"), css("h1 + p"), css("time"), css("nav ol a")
TAG_LINKS, BYLINES, SECTIONS = css('article a[href*="/tag/"]'), css("p:has(> span)"), css("section:has(> h2)")
FIGURES, LINK, H3, IMG, SUMMARY = css("figure"), css("a[href]"), css("h3"), css("img"), css("figcaption > p")
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

    def matches(self, page: Element) -> bool:
        # The markup decides, not the JSON-LD: a page whose JSON-LD is broken is still this layout.
        return select_one(page, HEADER_H1) is not None and select_one(page, BODY) is not None

    def read(self, page: Element, site: Site, url: str) -> Reading:
        soup = tree_of(page)
        body = select_one(soup, BODY)
        picks = indonesian.take_labelled_links(body, indonesian.EDITORS_PICK)
        also = indonesian.take_labelled_links(body, indonesian.BACA_JUGA)
        agency = indonesian.take_agency(body)
        paragraphs = tuple(text_blocks(body))
        ld = _page_ld(soup)
        caption, credit = indonesian.caption_and_credit(select_one(soup, CAPTION), "span")
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


def _metadata(soup: Element, ld: dict, site: Site) -> dict:
    """The fields the JSON-LD states, each falling back to meta tags and then to the visible header."""
    header = select_one(soup, HEADER)
    return dict(
        title=_one(ld.get("headline")) or meta(soup, "og:title") or _first_text(header, H1) or "",
        subtitle=_one(ld.get("alternativeHeadline"))
        or _one(ld.get("description"))
        or meta(soup, "description")
        or _first_text(header, SUBTITLE),
        authors=_names(ld.get("author")) or _byline(header, "penulis"),
        editor=next(iter(_names(ld.get("editor")) or _byline(header, "editor")), None),
        published_at=_time(
            ld.get("datePublished"),
            meta(soup, "article:published_time"),
            attr(header, TIME, "datetime") if header is not None else None,
            _first_text(header, TIME),
        ),
        updated_at=_time(ld.get("dateModified"), meta(soup, "article:modified_time")),
        section=_one(ld.get("articleSection"))
        or meta(soup, "article:section")
        or next(reversed(all_texts(header, CRUMBS) if header is not None else ()), None),
        tags=_names(ld.get("keywords"), split=True) or all_texts(soup, TAG_LINKS),
        image_url=_one(ld.get("image") or ld.get("thumbnailUrl"), key="url")
        or meta(soup, "og:image")
        or attr(soup, FIGURE_IMAGE, "src"),
        language=_one(ld.get("inLanguage")) or attr(soup, HTML, "lang") or site.language,
    )


def _first_text(header: Element | None, selector) -> str | None:
    return first_text(header, selector) if header is not None else None


def _page_ld(soup: Element) -> dict:
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


def _byline(header: Element | None, label: str) -> tuple[str, ...]:
    """'Penulis <a>…</a>, <a>…</a>' and 'Editor <a>…</a>': the names are the links after the label."""
    for line in select(header, BYLINES) if header is not None else ():
        if text(next(line.iter("span"), None)).lower() == label:
            return tuple(name for name in map(text, line.iterdescendants("a")) if name)
    return ()


def _paywalled(ld: dict, paragraphs: tuple[str, ...]) -> bool:
    # The JSON-LD flag may be a bool or the string "False"; the box alone also says the body is a teaser.
    return str(ld.get("isAccessibleForFree", "")).lower() == "false" or any(map(PAYWALL.matches, paragraphs))


def _blocks(soup: Element) -> Iterator[tuple[str, list[Card]]]:
    """Related blocks are <section>s named by their <h2> heading ("Topik: Pilkada 2024" is a topik)."""
    for section in select(soup, SECTIONS):
        heading = text(next(section.iterdescendants("h2"), None)).lower()
        block = next((name for name, prefix in BLOCKS if heading.startswith(prefix)), None)
        if block:
            figures = select(section, FIGURES)
            yield block, [_card(figure) for figure in figures if select_one(figure, LINK) is not None]


def _card(figure: Element) -> Card:
    """A card is a <figure>: linked image (alt = its caption), h3 title, summary <p>, <time> as shown."""
    return Card(
        href=select_one(figure, LINK).get("href"),
        title=first_text(figure, H3),
        time_text=first_text(figure, TIME),
        image_url=attr(figure, IMG, "src"),
        image_caption=attr(figure, IMG, "alt"),
        summary=first_text(figure, SUMMARY),
    )
