"""tempo.co article pages of 2016–2023: `<section>.tempo.co/read/<id>/<slug>` (the seed page)."""

from urllib.parse import urljoin

from kabar.records import Card
from kabar.sites import indonesian
from kabar.sites.base import Layout, Reading, Site
from kabar.sites.html import (
    Element,
    all_texts,
    attr,
    css,
    first_text,
    meta,
    select,
    select_one,
    text_blocks,
    tree_of,
)
from kabar.sites.tempo import common
from kabar.times import parse_datetime

BLOCKS = (("rekomendasi", css("section.rekomendasi")), ("video_pilihan", css("section.video-pilihan")))
ARTICLE, TITLE, BODY = css("article.detail-artikel"), css("article.detail-artikel h1.title"), css("#isi")
CAPTION, IMAGE = css("figure.foto-detail figcaption"), css("figure.foto-detail img.foto")
H1, AUTHORS, EDITOR, DATE = (
    css("h1.title"),
    css(".avatar-box .reporter a"),
    css(".avatar-box .editor a"),
    css(".detail-title p.date"),
)
SECTION, TAGS, PAGES = css(".breadcrumbs a.section"), css(".tags a"), css("div.pagination a[href]")
CARD, LINK, CARD_IMAGE = css(".card-box"), css("a[href]"), css("figure img")
CARD_TITLE, CARD_DATE, FIGCAPTION, SUMMARY = (
    css("h2.title"),
    css("h4.date"),
    css("figcaption"),
    css("p.summary"),
)


class Layout2023(Layout):
    name = "tempo-2023"
    article = "article.detail-artikel"

    def matches(self, page: Element) -> bool:
        return select_one(page, TITLE) is not None and select_one(page, BODY) is not None

    def read(self, page: Element, site: Site, url: str) -> Reading:
        page = tree_of(page)
        soup = select_one(page, ARTICLE)  # every field below lives in it: search it alone
        body = select_one(soup, BODY)
        picks = indonesian.take_labelled_links(body, indonesian.EDITORS_PICK)
        also = indonesian.take_labelled_links(body, indonesian.BACA_JUGA)
        agency = indonesian.take_agency(body)
        paragraphs = tuple(text_blocks(body))
        caption, credit = indonesian.caption_and_credit(select_one(soup, CAPTION))
        pick_title, pick_url = indonesian.first_pick(site, picks, url)
        fields = dict(
            title=first_text(soup, H1) or meta(page, "og:title") or "",
            paragraphs=paragraphs,
            authors=all_texts(soup, AUTHORS),
            editor=first_text(soup, EDITOR),
            published_at=parse_datetime(first_text(soup, DATE) or "")
            or parse_datetime(meta(page, "article:published_time") or ""),
            updated_at=parse_datetime(meta(page, "article:modified_time") or ""),
            section=first_text(soup, SECTION),
            tags=all_texts(soup, TAGS),
            dateline=indonesian.dateline(paragraphs, common.DATELINE),
            agency=agency,
            image_url=attr(soup, IMAGE, "src") or meta(page, "og:image"),
            image_caption=caption,
            image_credit=credit,
            editors_pick_title=pick_title,
            editors_pick_url=pick_url,
            language=_html(page).get("lang") or site.language,
            kind=common.kind_from_url(url),
            continuation_urls=_continuations(soup, site, url),
        )
        blocks = [*((b, _cards(soup, s)) for b, s in BLOCKS), ("baca_juga", also), ("pilihan_editor", picks)]
        return Reading(fields, blocks)


def _html(page: Element) -> dict:
    """The <html> element's attributes (BeautifulSoup's `page.html`: the first anywhere)."""
    html = page if page.tag == "html" else next(page.iter("html"), None)
    return html.attrib if html is not None else {}


def _continuations(soup: Element, site: Site, url: str) -> tuple[str, ...]:
    """A multi-page article links its pages 2..n in `div.pagination`; page 1 is this one."""
    links = (site.canonical_url(urljoin(url, a.get("href"))) for a in select(soup, PAGES))
    return tuple(dict.fromkeys(link for link in links if link != url))


def _cards(soup: Element, selector) -> list[Card]:
    block = select_one(soup, selector)
    if block is None:
        return []
    return [_card(box) for box in select(block, CARD) if select_one(box, LINK) is not None]


def _card(box: Element) -> Card:
    image = select_one(box, CARD_IMAGE)
    return Card(
        href=select_one(box, LINK).get("href"),
        title=first_text(box, CARD_TITLE),
        time_text=first_text(box, CARD_DATE),
        image_url=image.get("src") if image is not None else None,
        image_caption=first_text(box, FIGCAPTION) or (image.get("alt") if image is not None else None),
        summary=first_text(box, SUMMARY),
    )
