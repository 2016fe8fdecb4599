"""What tempo.co's layouts share: the dateline, the kind of page its URL names, 2015-era list cards."""

import re
from urllib.parse import urlsplit

from bs4 import Tag

from kabar.records import Card
from kabar.sites.html import first_text, text
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


def list_card(item: Tag, link: str, time: str, summary: str | None = None) -> Card:
    """A 2015 list item or card: its title link (`link`, else its first link), image, time, summary."""
    anchor = item.select_one(link) or item.select_one("a[href]")
    image = item.select_one("img")
    title = text(anchor) or normalize(anchor.get("title")) or None
    alt = normalize(image.get("alt")) if image else None
    return Card(
        href=anchor["href"],
        title=title,
        time_text=first_text(item, time),
        image_url=image.get("src") if image else None,
        image_caption=alt if alt and alt != title else None,  # alt repeating the title is no caption
        summary=first_text(item, summary) if summary else None,
    )
