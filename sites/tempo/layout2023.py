"""tempo.co article pages of 2016–2023: `<section>.tempo.co/read/<id>/<slug>` (the seed page)."""

from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import all_texts, attr, first_text, meta, text_blocks
from kabar.sites.tempo import common
from kabar.times import parse_datetime

BLOCKS = (("rekomendasi", "section.rekomendasi"), ("video_pilihan", "section.video-pilihan"))


class Layout2023(Layout):
    name = "tempo-2023"
    article = "article.detail-artikel"

    def matches(self, soup: BeautifulSoup) -> bool:
        return (
            soup.select_one("article.detail-artikel h1.title") is not None
            and soup.select_one("#isi") is not None
        )

    def read(self, page: BeautifulSoup, site: Site, url: str) -> Reading:
        soup = page.select_one("article.detail-artikel")  # every field below lives in it: search it alone
        body = soup.select_one("#isi")
        picks = indonesian.take_labelled_links(body, indonesian.EDITORS_PICK)
        also = indonesian.take_labelled_links(body, indonesian.BACA_JUGA)
        agency = indonesian.take_agency(body)
        paragraphs = tuple(text_blocks(body))
        caption, credit = indonesian.caption_and_credit(soup.select_one("figure.foto-detail figcaption"))
        pick_title, pick_url = indonesian.first_pick(site, picks, url)
        fields = dict(
            title=first_text(soup, "h1.title") or meta(page, "og:title") or "",
            paragraphs=paragraphs,
            authors=all_texts(soup, ".avatar-box .reporter a"),
            editor=first_text(soup, ".avatar-box .editor a"),
            published_at=parse_datetime(first_text(soup, ".detail-title p.date") or "")
            or parse_datetime(meta(page, "article:published_time") or ""),
            updated_at=parse_datetime(meta(page, "article:modified_time") or ""),
            section=first_text(soup, ".breadcrumbs a.section"),
            tags=all_texts(soup, ".tags a"),
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_url=attr(soup, "figure.foto-detail img.foto", "src") or meta(page, "og:image"),
            image_caption=caption,
            image_credit=credit,
            editors_pick_title=pick_title,
            editors_pick_url=pick_url,
            language=(page.html.get("lang") if page.html else None) or site.language,
            kind=common.kind_from_url(url),
            continuation_urls=_continuations(soup, site, url),
        )
        blocks = [*((b, _cards(soup, s)) for b, s in BLOCKS), ("baca_juga", also), ("pilihan_editor", picks)]
        return Reading(fields, blocks)


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
