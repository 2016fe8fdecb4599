"""What Indonesian news pages share, whichever site shows them: "Baca juga" and "Pilihan Editor" links
inside the body, wire-agency credits, credit lines in capitals, photo credits after captions, tags."""

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from kabar.records import Card
from kabar.sites.base import Site
from kabar.sites.html import Element, drop, first_text, inside, text
from kabar.text import normalize

EDITORS_PICK = re.compile(r"^\s*pilihan editor\s*:", re.IGNORECASE)
BACA_JUGA = re.compile(r"^\s*baca( juga)?\s*:", re.IGNORECASE)
AGENCY = re.compile(r"^[A-Z][A-Z.&/ ]{1,30}$")  # a closing credit line: REUTERS, ANTARA, AP, AFP
AGENCIES = frozenset("ANTARA REUTERS AFP AP XINHUA BBC CNN BLOOMBERG KYODO DPA".split())
CREDIT_LINE = re.compile(r"^[A-Z][A-Z.'’ |-]{1,80}$")  # "SEKAR AYU", "ANTARA | RINA WIDIASTUTI"


def take_labelled_links(body: Element, label: re.Pattern[str]) -> list[Card]:
    """Paragraphs like 'Baca juga: <a>…</a>' are links to other articles, not body text: lift
    them out of the body and return them as cards, in page order."""
    cards = []
    for p in list(body.iterdescendants("p", "div")):
        if inside(p, body) and label.match(text(p)) and (link := first_link(p)) is not None:
            cards.append(Card(href=link.get("href"), title=text(link) or None))
            drop(p)
    return cards


def first_link(el: Element) -> Element | None:
    """The first <a href> inside `el`."""
    return next((a for a in el.iterdescendants("a") if a.get("href") is not None), None)


def paragraphs_of(body: Element) -> list[Element]:
    """The body's own <p> children."""
    return [child for child in body if child.tag == "p"]


def take_agency(body: Element) -> str | None:
    """A short all-capitals paragraph among the last ones credits the wire agency."""
    for p in paragraphs_of(body)[-3:]:
        agency = text(p)
        if AGENCY.match(agency):
            drop(p)
            return agency
    return None


def take_credit_line(body: Element) -> tuple[tuple[str, ...], str | None]:
    """The closing line in capitals credits reporters and wire agencies: 'ANTARA | SEKAR AYU' ->
    (('Sekar Ayu',), 'ANTARA'). Empty paragraphs may follow it."""
    for p in reversed([p for p in paragraphs_of(body) if text(p)][-3:]):
        if CREDIT_LINE.match(line := text(p)):
            drop(p)
            parts = [part.strip() for part in line.split("|") if part.strip()]
            names = tuple(name_case(part) for part in parts if part not in AGENCIES)
            return names, ", ".join(part for part in parts if part in AGENCIES) or None
    return (), None


def name_case(name: str) -> str:
    """'SEKAR AYU' -> 'Sekar Ayu', as bylines show names (str.title would make "Ma'Ruf")."""
    return " ".join(word.capitalize() for word in name.split())


def dateline(paragraphs: tuple[str, ...], pattern: re.Pattern[str]) -> str | None:
    """The city opening the story ('TEMPO.CO, Jakarta - '); a few boilerplate blocks may stand before it."""
    matches = (pattern.match(p) for p in paragraphs[:5])
    return next((m["city"] for m in matches if m), None)


def caption_and_credit(
    figcaption: Element | None, credit_selector: str = ".credit"
) -> tuple[str | None, str | None]:
    """A figcaption whose photo credit has markup of its own, at its end."""
    if figcaption is None:
        return None, None
    credit = first_text(figcaption, credit_selector)
    caption = text(figcaption)
    if credit and caption.endswith(credit):
        caption = caption[: -len(credit)].rstrip()
    return caption or None, credit


def split_credit(
    shown: str | None, pattern: re.Pattern[str], min_length: int = 1
) -> tuple[str | None, str | None]:
    """A caption whose photo credit has no markup: `pattern` finds it (group "credit") at the end."""
    match = pattern.search(shown or "")
    if match is None or len(match["credit"].strip()) < min_length:
        return shown, None
    return shown[: match.start()].rstrip() or None, match["credit"].strip()


def first_pick(site: Site, cards: list[Card], page_url: str) -> tuple[str | None, str | None]:
    """The editor's pick as the two article fields (the block keeps every pick)."""
    if not cards:
        return None, None
    return cards[0].title, site.canonical_url(urljoin(page_url, cards[0].href))


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags normalised, each once (case-insensitively), in the order first shown."""
    kept: dict[str, str] = {}
    for tag in map(normalize, tags):
        if tag:
            kept.setdefault(tag.lower(), tag)
    return tuple(kept.values())
