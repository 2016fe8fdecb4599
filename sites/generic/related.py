"""Related-article blocks found without knowing the site: a heading such as "Baca juga", "Berita
Terkait", "Related" or "More stories", then the links to other articles of the same site that follow
it (until the next such heading), each link's card read for its title, time, image and summary.
An inline "Baca juga: <a>…</a>" line is a block of its own links."""

import re
from urllib.parse import urljoin, urlsplit

from kabar.records import Card
from kabar.text import normalize
from kabar.times import parse_datetime, resolve_relative
from kabar.urls import canonical_url

from .tree import http_url, text_of, text_within

# heading text -> block name; the first pattern that matches the start of a short heading wins
HEADINGS = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"baca( juga)?\b", "baca_juga"),
        (r"(lihat|simak) juga\b", "baca_juga"),
        (r"berita terkait\b", "berita_terkait"),
        (r"artikel terkait\b", "artikel_terkait"),
        (r"berita lain(nya)?\b", "berita_lainnya"),
        (r"(artikel|berita) lain(nya)?\b", "berita_lainnya"),
        (r"rekomendasi\b", "rekomendasi"),
        (r"(berita |artikel )?terpopuler\b|(paling|ter)banyak dibaca\b|populer\b", "terpopuler"),
        (r"(berita )?terkini\b|(berita )?terbaru\b", "terkini"),
        (r"(berita |artikel )?pilihan\b|editor'?s'? (picks?|choice)\b", "pilihan_editor"),
        (r"top (news|stories|\d+)\b|(top )?headlines\b|berita utama\b", "top_news"),
        (r"latest( (news|stories|articles|posts))?\b", "terkini"),
        (r"(video|foto) pilihan\b|(video|foto|galeri) terkait\b", "video_pilihan"),
        (r"related( (articles?|stories|news|posts|content|coverage|reading))?\b", "related"),
        (r"read (more|next|also)\b", "read_more"),
        (r"more (stories|news|articles|from|on|in)\b", "more_stories"),
        (
            r"(you (may|might) (also )?(like|enjoy)|recommended( for you| stories| articles)?)\b",
            "recommended",
        ),
        (r"(most (read|popular|viewed)|trending( now)?|popular( now| stories)?)\b", "most_read"),
        (r"(see|also read|also on|further reading)\b", "read_more"),
    )
)
_CANDIDATES = frozenset("h1 h2 h3 h4 h5 h6 div span p strong b header em label dt li".split())
_TIME_HINT = re.compile(
    r"(\d+\s*|\b(?:se|a|an|one|satu|dua|two)\s*)(detik|menit|jam|hari|minggu|bulan|tahun|second|minute|hour|day|week|month|year)s?"
    r"\s+(yang\s+|yg\s+)?(lalu|ago)|\bkemarin\b|\byesterday\b|\d{1,2}[:.]\d{2}|\d{4}",
    re.IGNORECASE,
)
_MAX_ITEMS = 30
MAX_CARDS = 300  # a page's related cards in all (real pages show under 100; each costs ~0.5 ms)


def block_name(text: str) -> str | None:
    """The block a heading names, or None: short headings only (a sentence mentioning 'related' is none)."""
    text = normalize(text).strip(" :|-–—•»›>")
    if not text or len(text) > 50:
        return None
    return next((name for pattern, name in HEADINGS if pattern.match(text)), None)


def registrable(host: str) -> str:
    labels = (host or "").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


_SECOND_LEVEL = frozenset("co com ac go or net org gov edu web sch my biz ne gob nic mil".split())


def find_blocks(root, page_url: str, host: str, base: str | None = None) -> list[tuple[str, list[Card]]]:
    """Every related block on the page, in page order: (name, cards); blocks of one name merged.
    `base`: what relative links resolve against (the page's <base href>), else the page's URL."""
    page = _Page(page_url, host, base)
    headings = []
    for el in root.iter(*_CANDIDATES):
        name = _heading(el)
        if name:
            headings.append((el, name))
    if not headings:
        return []
    heading_set = {id(el) for el, _ in headings}
    blocks: dict[str, list[Card]] = {}
    taken: set[str] = set()
    for el, name in headings:
        if len(taken) >= MAX_CARDS:  # a page of thousands of "Baca juga:" lines: the first ones
            break
        links = _links_after(el, heading_set, page)
        cards = []
        for url, anchors in links:
            if url in taken:
                continue
            if len(taken) >= MAX_CARDS:
                break
            card = _card(anchors, url, page)
            if card is not None:
                taken.add(url)
                cards.append(card)
        if cards:
            blocks.setdefault(name, []).extend(cards)
    return list(blocks.items())


_WHOLE_TEXT = frozenset("h1 h2 h3 h4 h5 h6 header dt label".split())
_BOX_HEADER = re.compile(r"head|title|judul", re.IGNORECASE)
# the first word of every heading HEADINGS knows, after any bullets: a cheap test before the patterns
_FIRST_WORD = re.compile(
    r"\W*(baca|lihat|simak|berita|artikel|rekomendasi|terpopuler|paling|terbanyak|populer|terkini|terbaru"
    r"|pilihan|video|foto|galeri|related|read|more|you|recommended|most|trending|popular|see|also|further)",
    re.IGNORECASE,
)


def _heading(el) -> str | None:
    """The block name of an element that is a heading: its own short text names a block; an inline
    'Baca juga:' line holds its links itself."""
    if el.tag in _WHOLE_TEXT:
        shown = text_within(el, 300)  # small elements: their whole text (a long one is read no further)
    elif (not el.text or el.text.isspace()) and _BOX_HEADER.search(el.get("class") or ""):
        shown = text_within(el, 60)  # a box's header whose text is a link to the whole list: "Top News"
    else:  # larger ones: their own text only (a container's text would cost the whole page)
        own = el.text
        if not own or own.isspace() or len(own) > 300 or not _FIRST_WORD.match(own):
            return None
        shown = normalize(own)
    if not shown or len(shown) > 300:
        return None
    name = block_name(shown[:50]) if len(shown) <= 50 else None
    if name:
        # a heading holding a whole list is the list's container, not its heading
        return name if sum(1 for _ in el.iter("a")) <= 2 or el.tag.startswith("h") else None
    match = re.match(r"^\s*(baca( juga)?|lihat juga|simak juga|read (also|more)|see also)\s*:", shown, re.I)
    if match and el.find(".//a") is not None and el.tag in ("p", "div", "strong", "b", "span", "li", "em"):
        return "baca_juga"
    return None


class _Page:
    """The page the blocks are read from, and what is asked of it again and again: where a link's href
    leads (many links share one), and the shown length of an element (the cards of a list test their
    common ancestors)."""

    def __init__(self, url: str, host: str, base: str | None = None) -> None:
        self.site, self.key, self.base = registrable(host), _key(url), base or url
        self.targets: dict[str | None, str | None] = {}
        self.lengths: dict = {}  # element -> (length, bound): the length exact up to bound, else bound + 1

    def target(self, href: str | None) -> str | None:
        """The URL of a same-site article an href leads to, else None."""
        if href not in self.targets:
            self.targets[href] = self._target(href)
        return self.targets[href]

    def _target(self, href: str | None) -> str | None:
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        try:
            url = urljoin(self.base, href)
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:  # an unclosed [IPv6 bracket, a port past 65535: no page of ours
            return None
        if parts.scheme not in ("http", "https") or registrable(host) != self.site:
            return None
        if not _article_like(parts.path):  # the cheap test first
            return None
        key = _key(url)  # read as w3lib reads it: "https://evil.test\\@site/..." is evil.test's
        if key == self.key or registrable(urlsplit(key).hostname or "") != self.site:
            return None
        return url

    def longer(self, el, limit: int) -> bool:
        """Whether `text_of(el)` is longer than `limit`; a first reading goes on to _READ_AHEAD
        characters, enough for the next cards' limits."""
        known = self.lengths.get(el)
        if known is None or known[0] > known[1] and limit >= known[1]:
            bound = max(limit, _READ_AHEAD)
            shown = text_within(el, bound)
            known = self.lengths[el] = (len(shown) if shown is not None else bound + 1, bound)
        return known[0] > limit


_READ_AHEAD = 1000


def _links_after(heading, headings: set[int], page: _Page):
    """Same-site article links after the heading: inside it (an inline line), else in its nearest
    ancestor that has some, up to the next heading; grouped by target URL, in page order."""
    inside = _collect(heading.iter("a"), page)
    if inside:  # an inline "Baca juga: <a>" line, or a heading wrapping its list
        return inside
    # Each ancestor adds the elements after the ones its child holds: the links of one are read once
    # (the heading's own links lead nowhere: none was taken above).
    following: list = []
    node = heading
    for _ in range(4):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            if node is heading:  # a heading set straight in <body>: the list right after it, no further
                return _collect(_first_list_after(heading, headings), page)
            break
        stopped = _anchors_after(node, headings, following)
        links = _collect(following, page)
        if links:
            return links
        if stopped:  # a wider ancestor reads the same elements, up to the same heading
            break
        node = parent
    return []


def _first_list_after(heading, headings: set[int]) -> list:
    """The links of the first element after the heading that holds any, up to the next heading."""
    for sibling in heading.itersiblings():
        anchors: list = []
        met = _anchors_after_within(sibling, headings, anchors)
        if anchors or met:
            return anchors
    return []


def _anchors_after_within(element, headings: set[int], anchors: list) -> bool:
    """The links inside `element` appended to `anchors`, up to a heading; whether one was met."""
    for el in element.iter():
        if id(el) in headings:
            return True
        if el.tag == "a":
            anchors.append(el)
    return False


def _anchors_after(node, headings: set[int], anchors: list) -> bool:
    """The links in the node's following siblings (and inside them) appended to `anchors`, up to the
    next heading; whether one was met."""
    return any(_anchors_after_within(sibling, headings, anchors) for sibling in node.itersiblings())


def _collect(anchors, page: _Page) -> list[tuple[str, list]]:
    grouped: dict[str, list] = {}
    for a in anchors:
        url = page.target(a.get("href"))
        if url is None:
            continue
        grouped.setdefault(url, []).append(a)
        if len(grouped) >= _MAX_ITEMS:
            break
    return list(grouped.items())


def _key(url: str) -> str:
    try:
        return canonical_url(url)
    except Exception:  # a URL w3lib cannot read is no page of ours
        return url


def _article_like(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    if segments[0].lower() in (
        "tag",
        "tags",
        "topic",
        "topik",
        "category",
        "kategori",
        "author",
        "penulis",
        "search",
        "indeks",
        "index",
        "login",
        "register",
        "user",
    ):
        return False
    last = segments[-1]
    return bool(re.search(r"\d{3,}", path)) or last.count("-") >= 2 or len(last) > 25


def _card(anchors: list, url: str, page: _Page) -> Card | None:
    """A link's card: its item element (the nearest ancestor holding only this link), read for the
    title (the longest link text), image, time text and summary."""
    item = anchors[0]
    title = max((text_of(a) for a in anchors), key=len, default="")
    for _ in range(4):
        parent = item.getparent()
        if parent is None or parent.tag in ("body", "html", "ul", "ol"):
            break
        if page.longer(parent, 3 * len(title) + 300):  # the story around an inline link is no card
            break
        hrefs = {a.get("href") for a in parent.iter("a")}
        if len(hrefs) > 1 and not all(a in anchors for a in parent.iter("a")):
            break
        item = parent
        if item.tag in ("li", "article"):
            break
    if not title:
        title = normalize(anchors[0].get("title") or "")
    image = next(item.iter("img"), None)
    if not title and image is not None:
        title = normalize(image.get("alt") or "")
    if not title or len(title) < 4:
        return None
    image_url = None
    if image is not None:
        image_url = next(
            (image.get(k) for k in ("data-src", "data-original", "data-lazy-src", "src") if image.get(k)),
            None,
        )
        image_url = http_url(page.base, image_url) if image_url else None
    time_text = None
    when = next(item.iter("time"), None)
    if when is not None:
        time_text = text_of(when) or when.get("datetime")
    summary = None
    for el in item.iter("span", "div", "p", "small"):
        shown = text_of(el)
        if not shown or shown == title or title in shown and len(shown) < len(title) + 3:
            continue
        if time_text is None and len(shown) < 40 and _TIME_HINT.search(shown) and _is_time(shown):
            time_text = shown
        elif summary is None and el.tag == "p" and len(shown) > 40 and title not in shown:
            summary = shown
    return Card(
        href=url,
        title=title,
        time_text=time_text,
        image_url=image_url,
        summary=summary,
    )


def _is_time(shown: str) -> bool:
    from datetime import UTC, datetime

    return (
        resolve_relative(shown, datetime(2000, 1, 1, tzinfo=UTC)) is not None
        or parse_datetime(shown) is not None
    )
