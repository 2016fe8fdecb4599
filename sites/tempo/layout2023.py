"""tempo.co article pages of 2016–2023: `<section>.tempo.co/read/<id>/<slug>` (the seed page)."""

from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from kabar.records import ParsedArticle
from kabar.times import parse_datetime
from sites.html import all_texts, attr, first_text, meta, text_blocks
from sites.site import Card, Site
from sites.tempo import common

NAME = "tempo-2023"
BLOCKS = (("rekomendasi", "section.rekomendasi"), ("video_pilihan", "section.video-pilihan"))


def matches(soup: BeautifulSoup) -> bool:
    return soup.select_one("article.detail-artikel h1.title") is not None and soup.select_one("#isi") is not None


def parse(page: BeautifulSoup, *, site: Site, url: str, article_id: str, fetched_at: datetime) -> ParsedArticle:
    soup = page.select_one("article.detail-artikel")  # every field below lives in it: search it alone
    body = soup.select_one("#isi")
    picks = common.take_labelled_links(body, common.EDITORS_PICK)
    also = common.take_labelled_links(body, common.BACA_JUGA)
    agency = common.take_agency(body)
    paragraphs = tuple(text_blocks(body))
    caption, credit = common.caption_and_credit(soup.select_one("figure.foto-detail figcaption"))
    pick_title, pick_url = common.first_pick(site, picks, url)
    cards = [*((b, _cards(soup, s)) for b, s in BLOCKS), ("baca_juga", also), ("pilihan_editor", picks)]
    return ParsedArticle(
        site=site.name, article_id=article_id, url=url, layout=NAME, fetched_at=fetched_at,
        title=first_text(soup, "h1.title") or meta(page, "og:title") or "",
        paragraphs=paragraphs,
        authors=all_texts(soup, ".avatar-box .reporter a"),
        editor=first_text(soup, ".avatar-box .editor a"),
        published_at=parse_datetime(first_text(soup, ".detail-title p.date") or "")
        or parse_datetime(meta(page, "article:published_time") or ""),
        updated_at=parse_datetime(meta(page, "article:modified_time") or ""),
        section=first_text(soup, ".breadcrumbs a.section"),
        tags=all_texts(soup, ".tags a"),
        dateline=common.dateline(paragraphs),
        agency=agency,
        image_url=attr(soup, "figure.foto-detail img.foto", "src") or meta(page, "og:image"),
        image_caption=caption, image_credit=credit,
        editors_pick_title=pick_title, editors_pick_url=pick_url,
        language=(page.html.get("lang") if page.html else None) or site.language,
        kind=common.kind_from_url(url),
        continuation_urls=_continuations(soup, site, url),
        related=tuple(link for block, items in cards for link in site.related_links(block, items, url, fetched_at)),
    )


def _continuations(soup: BeautifulSoup, site: Site, url: str) -> tuple[str, ...]:
    """A multi-page article links its pages 2..n in `div.pagination`; page 1 is this one."""
    links = (site.canonical_url(urljoin(url, a["href"])) for a in soup.select("div.pagination a[href]"))
    return tuple(dict.fromkeys(link for link in links if link != url))


def _cards(soup: BeautifulSoup, selector: str) -> list[Card]:
    block = soup.select_one(selector)
    return [_card(box) for box in block.select(".card-box") if box.select_one("a[href]")] if block else []


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
