"""What tempo.co's layouts share: lifted links, dateline, agency credit, captions, kinds of page."""

import re
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from sites.html import first_text, text
from sites.site import Card, Site

DATELINE = re.compile(r"^TEMPO\.CO\s*,\s*(?P<city>[^-–—]{2,40}?)\s*[-–—]\s")
AGENCY = re.compile(r"^[A-Z][A-Z.&/ ]{1,30}$")  # a closing credit line: REUTERS, ANTARA, AP, AFP
EDITORS_PICK = re.compile(r"^\s*pilihan editor\s*:", re.IGNORECASE)
BACA_JUGA = re.compile(r"^\s*baca( juga)?\s*:", re.IGNORECASE)
KINDS = (("video", "video"), ("foto", "photo_gallery"), ("infografis", "infographic"), ("grafis", "infographic"))


def take_labelled_links(body: Tag, label: re.Pattern[str]) -> list[Card]:
    """Paragraphs like 'Baca juga: <a>…</a>' are links to other articles, not body text: lift
    them out of the body and return them as cards, in page order."""
    cards = []
    for p in body.find_all(["p", "div"]):
        if p.parent is not None and label.match(text(p)) and (link := p.find("a", href=True)):
            cards.append(Card(href=link["href"], title=text(link) or None))
            p.decompose()
    return cards


def take_agency(body: Tag) -> str | None:
    """A short all-capitals paragraph among the last ones credits the wire agency."""
    for p in body.find_all("p", recursive=False)[-3:]:
        agency = text(p)
        if AGENCY.match(agency):
            p.decompose()
            return agency
    return None


def dateline(paragraphs: tuple[str, ...]) -> str | None:
    """'TEMPO.CO, Jakarta - ' opens the story; a few boilerplate blocks may stand before it."""
    matches = (DATELINE.match(p) for p in paragraphs[:5])
    return next((m["city"] for m in matches if m), None)


def caption_and_credit(figcaption: Tag | None, credit_selector: str = ".credit") -> tuple[str | None, str | None]:
    if figcaption is None:
        return None, None
    credit = first_text(figcaption, credit_selector)
    caption = text(figcaption)
    if credit and caption.endswith(credit):
        caption = caption[: -len(credit)].rstrip()
    return caption or None, credit


def kind_from_url(url: str) -> str:
    """video.tempo.co, foto.tempo.co, /infografis/…: the URL says what kind of page it is."""
    parts = urlsplit(url)
    words = [parts.hostname.split(".")[0] if parts.hostname else "", *parts.path.split("/")[1:2]]
    return next((kind for word, kind in KINDS for w in words if w == word), "article")


def first_pick(site: Site, cards: list[Card], page_url: str) -> tuple[str | None, str | None]:
    """The editor's pick as the two article fields (the block keeps every pick)."""
    if not cards:
        return None, None
    return cards[0].title, site.canonical_url(urljoin(page_url, cards[0].href))
