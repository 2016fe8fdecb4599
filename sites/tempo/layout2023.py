"""tempo.co article pages of 2016–2023: `<section>.tempo.co/read/<id>/<slug>` (the seed page)."""

import re
from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from kabar.records import ParsedArticle
from kabar.times import parse_datetime
from sites.html import all_texts, attr, first_text, meta, text, text_blocks
from sites.site import Card, Site

NAME = "tempo-2023"
DATELINE = re.compile(r"^TEMPO\.CO\s*,\s*(?P<city>[^-–—]{2,40}?)\s*[-–—]\s")
AGENCY = re.compile(r"^[A-Z][A-Z.&/ ]{1,30}$")  # a closing credit line: REUTERS, ANTARA, AP, AFP
EDITORS_PICK = re.compile(r"^pilihan editor\s*:", re.IGNORECASE)
BLOCKS = (("rekomendasi", "section.rekomendasi"), ("video_pilihan", "section.video-pilihan"))


def matches(soup: BeautifulSoup) -> bool:
    return soup.select_one("article.detail-artikel h1.title") is not None and soup.select_one("#isi") is not None


def parse(soup: BeautifulSoup, *, site: Site, url: str, article_id: str, fetched_at: datetime) -> ParsedArticle:
    body = soup.select_one("#isi")
    pick_title, pick_url = _take_editors_pick(body, site, url)
    agency = _take_agency(body)
    paragraphs = tuple(text_blocks(body))
    caption, credit = _caption(soup)
    return ParsedArticle(
        site=site.name, article_id=article_id, url=url, layout=NAME, fetched_at=fetched_at,
        title=first_text(soup, "article h1.title") or meta(soup, "og:title") or "",
        paragraphs=paragraphs,
        authors=all_texts(soup, ".avatar-box .reporter a"),
        editor=first_text(soup, ".avatar-box .editor a"),
        published_at=parse_datetime(first_text(soup, ".detail-title p.date") or "")
        or parse_datetime(meta(soup, "article:published_time") or ""),
        section=first_text(soup, ".breadcrumbs a.section"),
        tags=all_texts(soup, ".tags a"),
        dateline=_dateline(paragraphs),
        agency=agency,
        image_url=attr(soup, "figure.foto-detail img.foto", "src") or meta(soup, "og:image"),
        image_caption=caption, image_credit=credit,
        editors_pick_title=pick_title, editors_pick_url=pick_url,
        language=attr(soup, "html", "lang") or site.language,
        related=tuple(link for block, selector in BLOCKS
                      for link in site.related_links(block, _cards(soup, selector), url, fetched_at)),
    )


def _take_editors_pick(body: Tag, site: Site, page_url: str) -> tuple[str | None, str | None]:
    """'Pilihan Editor: <a>…</a>' is a link to another article, not body text: lift it out."""
    for p in body.find_all("p"):
        if EDITORS_PICK.match(text(p)):
            link = p.find("a", href=True)
            pick = (text(link) or None, site.canonical_url(urljoin(page_url, link["href"]))) if link else (None, None)
            p.decompose()
            return pick
    return None, None


def _take_agency(body: Tag) -> str | None:
    """A short all-capitals paragraph among the last ones credits the wire agency."""
    for p in body.find_all("p", recursive=False)[-3:]:
        agency = text(p)
        if AGENCY.match(agency):
            p.decompose()
            return agency
    return None


def _dateline(paragraphs: tuple[str, ...]) -> str | None:
    """'TEMPO.CO, Jakarta - ' opens the story; a few boilerplate blocks may stand before it."""
    matches = (DATELINE.match(p) for p in paragraphs[:5])
    return next((m["city"] for m in matches if m), None)


def _caption(soup: BeautifulSoup) -> tuple[str | None, str | None]:
    figcaption = soup.select_one("figure.foto-detail figcaption")
    if figcaption is None:
        return None, None
    credit = first_text(figcaption, ".credit")
    caption = text(figcaption)
    if credit and caption.endswith(credit):
        caption = caption[: -len(credit)].rstrip()
    return caption or None, credit


def _cards(soup: BeautifulSoup, selector: str) -> list[Card]:
    return [_card(box) for box in soup.select(f"{selector} .card-box") if box.select_one("a[href]")]


def _card(box: Tag) -> Card:
    image = box.select_one("figure img")
    return Card(
        href=box.select_one("a[href]")["href"],
        title=first_text(box, "h2.title"),
        time_text=first_text(box, "h4.date"),
        image_url=image.get("src") if image else None,
        image_caption=first_text(box, "figcaption") or (image.get("alt") if image else None),
        summary=first_text(box, "p.summary"),
    )
