"""What tempo.co's layouts share: the dateline, the kind of page its URL names, 2015-era list cards."""

import re
from urllib.parse import urlsplit

from kabar.records import Card
from kabar.sites.html import Css, Element, css, first_text, select_one, text
from kabar.text import normalize

DATELINE = re.compile(r"^TEMPO\.CO\s*,\s*(?P<city>[^-–—]{2,40}?)\s*[-–—]\s")
KINDS = (
    ("video", "video"),
    ("foto", "photo_gallery"),
    ("infografis", "infographic"),
    ("grafis", "infographic"),
)


def kind_from_url(url: str) -> str:
    """video.tempo.co, foto.tempo.co, /infografis/…: the URL says what kind of page it is."""
    parts = urlsplit(url)
    words = [parts.hostname.split(".")[0] if parts.hostname else "", *parts.path.split("/")[1:2]]
    return next((kind for word, kind in KINDS for w in words if w == word), "article")


LINK = css("a[href]")
IMAGE = css("img")


def list_card(item: Element, link: Css, time: Css, summary: Css | None = None) -> Card:
    """A 2015 list item or card: its title link (`link`, else its first link), image, time, summary."""
    anchor = select_one(item, link)
    anchor = anchor if anchor is not None else select_one(item, LINK)
    image = select_one(item, IMAGE)
    title = text(anchor) or normalize(anchor.get("title")) or None
    alt = normalize(image.get("alt")) if image is not None else None
    return Card(
        href=anchor.get("href"),
        title=title,
        time_text=first_text(item, time),
        image_url=image.get("src") if image is not None else None,
        image_caption=alt if alt and alt != title else None,  # alt repeating the title is no caption
        summary=first_text(item, summary) if summary else None,
    )
