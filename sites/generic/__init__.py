"""Any news site without a module of its own: metadata from JSON-LD, OpenGraph and the visible page,
the body from trafilatura's main-content pass on our tree plus our own checks, related-article blocks
found by their headings. Each page is parsed once, with lxml; everything runs on that tree.

Not a registered site (this package defines no `SITE`): the registry falls back to `site_for(url)`
for a host no site module owns.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from html import unescape
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml import etree
from trafilatura.metadata import extract_metainfo
from trafilatura.xpaths import AUTHOR_XPATHS

from kabar.clean import Rule, rule
from kabar.records import ParsedArticle, ParseError
from kabar.sites.base import Site
from kabar.text import normalize
from kabar.times import WIB
from kabar.urls import host_of

from . import body as bodies
from . import meta as m
from .related import find_blocks
from .tree import SKIP as SKIP_TAGS
from .tree import (
    MatchingValues,
    QuickXPath,
    classes,
    document_base,
    http_url,
    owners_of_values,
    parse,
    text_of,
)

__all__ = ["GenericSite", "site_for", "read_page"]

LAYOUT = "generic"

# Lines a generic page's story is often interleaved with; each removal is logged under its name.
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januari|februari|maret|mei|juni|juli|agustus"
    r"|oktober|desember)[a-z]*\.?"
)
BOILERPLATE = (
    rule(
        "read_also",
        r"(baca( juga)?|lihat juga|simak juga|read (also|more|next)|also read|see also)\b\s*:?.{0,150}$"
        r"|related\s*:.{0,150}$"  # and the same line in the languages of Europe's news sites:
        r"|(les også|læs også|läs också|lees ook|lesen sie auch|lies auch|(à )?lire aussi|leggi anche"
        r"|lee también|leia também|czytaj (też|także)|oku da)\s*:.{0,150}$",
    ),
    rule("read_our", r"read (our|the) (full )?.{0,80}\b(review|guide|policy|coverage)\b.{0,40}$"),
    rule("advertisement", r"(skip )?(advertisement|iklan|ads?|sponsored|anzeige|publicité)\W*$"),
    rule(
        "scroll_prompt", r"(scroll (untuk|to) (melanjutkan|continue)( reading)?|continue reading( below)?)$"
    ),
    rule("share_prompt", r"(share|bagikan|share this( article| story)?|follow us)\b.{0,40}$"),
    rule("copyright_line", r"(copyright\s*(©|\(c\)|\d{4})|©\s*\d{4}|all rights reserved)"),
    rule(
        "subscribe_prompt",
        r"(sign up|subscribe|berlangganan|daftar) (for|to|now|newsletter|untuk)\b.{0,80}$",
    ),
    rule(
        "call_to_action",
        r"(click here|klik di ?sini|check (it out|price|prices)|buy (on|now|at)|shop now"
        r"|see (price|deal)s?|view (deal|on))\b.{0,100}$",
    ),
    rule("contents_heading", r"(table of contents|contents|in this article|daftar isi|jump to)\s*:?$"),
    rule(
        "date_line",
        rf"((last )?(updated|published|posted|diperbarui|diterbitkan)( on)?\s*:?\s*)?"
        rf"([a-z]+,?\s+)?(\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}"
        rf"|\d{{4}}-\d{{2}}-\d{{2}})([\s,|]+\d{{1,2}}[:.]\d{{2}}\s*([ap]m|wib|wita|wit)?)?$",
    ),
    rule(
        "credit_line",
        r"((written|reviewed|edited|fact[- ]checked|medically reviewed) by|photo courtesy( of)?)\b.{0,80}$",
    ),
    rule("image_credit_line", r"(foto|photo|image|gambar)\s*:\s*\S.{0,60}$"),
    rule(  # "5 min read", "Jun 8, 2023 • 11 Minute Read", "Lesedauer: 4 Minuten"
        "reading_time",
        r"\W*(.{0,60}\b\d+\s*-?\s*(min|mins|minute|minutes|minuten)\.?\s+(read|reading|lesezeit|lesedauer"
        r"|de lecture|de lectura|di lettura)\b.{0,40}|(estimated )?reading time\s*:?.{0,20}"
        r"|(lesedauer|lesezeit|temps de lecture|tiempo de lectura)\s*:?.{0,20})$",
    ),
    rule(  # a photo's credit alone on its line: "Jane Doe/Getty Images", "STR/AFP via Getty Images"
        "photo_credit_line",
        r"\W*[\w .,'’&-]{0,60}(/[\w .,'’&-]{1,60})*\s*(/|via|,|\()\s*(getty images|getty|afp|reuters|ap photo"
        r"|dpa|imago|shutterstock|epa|picture alliance|istock(photo)?|alamy)\W*$",
    ),
    rule("continues_below", r"(-\s*)?(advertisement\W*.{0,30})?(story|article) continues below.{0,20}$"),
    rule(  # "Got a story? Get in touch with our news team by emailing us at …"
        "tip_line",
        r"(got a (story|tip)|have (a|any) (story|news tip|tip))\b.{0,40}"
        r"\b(contact|email|get in touch|send)\b.{0,160}$",
    ),
    rule("thanks_line", r"(thanks|thank you) for (reading|watching|subscribing|your interest)\b.{0,100}$"),
    rule(  # what stands in for an embed the reader's consent settings block: "External content not available"
        "embed_placeholder",
        r"(?=.{0,300}$)(?=.*\b((extern\w*|external|third[- ]party|eingebettete\w*|embedded)"
        r" (inhalt\w*|content|medien|media)"
        r"|(privacy|privatsphäre|cookie|consent|datenschutz)[- ]?(einstellungen|settings|preferences)))"
        r"(?=.*\b(laden|anzeigen|anzeige|aktiviere\w*|zustimm\w*|einwillig\w*|load|loading|show|display|enable"
        r"|activate|accept|allow|view)\b)"
        r"|(extern\w* inhalt\w* nicht verfügbar|external content (is )?(not available|unavailable))\W*$",
    ),
    rule(  # the paywall's notice: "Il vous reste 57% de cet article à lire", "for subscribers only"
        "paywall_notice",
        r".{0,100}\b(réservée? aux abonnés|s[oó]lo para suscriptores|for subscribers only|subscribers only"
        r"|nur für abonnenten|exklusiv für abonnenten|il vous reste \d)\b.{0,120}$",
    ),
    rule("back_to_top", r"(back to top|nach oben|zurück nach oben|back to blog|zurück zur übersicht)\W*$"),
    rule(  # a sign-up form's own words
        "form_message",
        r"(oops!? something went wrong.{0,80}|submit|already have an account\?.{0,40}"
        r"|thank you!? your submission has been received!?|no thanks)$",
    ),
)


_DATE_CLASS = re.compile(r"(date|time|publish|posted|tanggal|waktu|meta)", re.IGNORECASE)
# "author", not "authority" (Wikipedia's "authority-control" box of catalogue numbers)
_AUTHOR_CLASS = re.compile(
    r"(author(?!ity)|byline|writer|reporter|penulis|journalist|contributor)", re.IGNORECASE
)
_INDONESIAN = re.compile(
    r"\b(yang|dan|di|ke|dengan|untuk|dari|tidak|dalam|ini|itu|pada|akan|juga|warga|oleh)\b"
)


class GenericSite(Site):
    """A site known only by its host: URLs under that host's registrable domain are its pages."""

    layouts = ()
    language = "und"
    article_paths = ()
    boilerplate = BOILERPLATE

    def __init__(self, host: str):
        host = host.lower().removeprefix("www.")
        self.name = host
        self.domains = (host,)
        self.base_url = f"https://{host}"

    def __repr__(self) -> str:
        return f"GenericSite({self.name!r})"

    def fetch_url(self, url: str) -> str:
        """The canonical URL with the trailing slash the site linked it with: a site whose pages end
        in '/' (WordPress's) answers the other spelling with a redirect, a request more per article."""
        fetched = urlsplit(self.canonical_url(url))
        if urlsplit(url.strip()).path.endswith("/") and not fetched.path.endswith("/"):  # "/" ends in one
            return fetched._replace(path=fetched.path + "/").geturl()
        return fetched.geturl()

    def article_id(self, url: str) -> str | None:
        """The host and path of a URL that looks like an article's (a slug or a number, not a section)."""
        if not self.owns(url):
            return None
        path = urlsplit(url).path.rstrip("/")
        return f"{self.name}:{path}" if looks_like_article(path) else None

    def rules_for(self, layout_name: str) -> tuple[Rule, ...]:
        return self.boilerplate

    def parse(self, html: bytes | str, url: str, fetched_at: datetime) -> ParsedArticle:
        """The article on any page; ParseError (never another exception) when there is none."""
        try:
            fields, related_blocks, canonical = read_page(html, url)
        except ParseError:
            raise
        except Exception as error:  # a surprise on one page is that page's issue, not the batch's
            raise ParseError("parser_crashed", f"{type(error).__name__}: {error}") from error
        if not fields["title"] and not fields["paragraphs"]:
            raise ParseError("not_an_article", "no title and no text found")
        page_url = self.own_canonical(canonical, url)
        return ParsedArticle(
            site=self.name,
            article_id=f"{self.name}:{urlsplit(page_url).path.rstrip('/') or '/'}",
            url=page_url,
            layout=LAYOUT,
            fetched_at=fetched_at,
            related=self.related(related_blocks, page_url, fetched_at),
            **fields,
        )


@lru_cache(maxsize=256)
def site_for(url: str) -> GenericSite:
    """The generic site of a URL's host (one instance per host)."""
    return GenericSite(host_of(url) or "unknown")


def looks_like_article(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    last = segments[-1].lower()
    if re.fullmatch(
        r"(tag|tags|topic|topik|category|kategori|author|penulis|search|page|index|indeks)",
        segments[0].lower(),
    ):
        return False
    return bool(re.search(r"\d{4,}", path)) or last.count("-") >= 3 or (len(segments) >= 3 and "-" in last)


def read_page(html: bytes | str, url: str):
    """(ParsedArticle fields, related blocks, canonical URL) of one page: one lxml parse, then metadata,
    related blocks and the body on that tree, in that order (the body pass prunes the tree)."""
    root = parse(html)
    head = root.find("head")
    meta = m.meta_tags(root)
    ld = m.json_ld(root)
    article = m.article_object(ld)
    host = host_of(url)
    base = document_base(root, url)
    canonical = _canonical(root, head, base)

    lang = _language(root, meta, article)
    site_names = _site_names(meta, ld, article)
    title, _ = _title(root, meta, article, site_names, host)
    authors = _authors(root, meta, ld, article, site_names, host)

    if not lang:  # no declared language: Indonesian words in the title and description say so
        sample = f"{title} {m.first(meta, 'og:description', 'description') or ''}".lower()
        lang = "id" if len(_INDONESIAN.findall(sample)) >= 2 else None
    local = WIB if (lang or "").startswith("id") else UTC
    updated = m.parse_time(m.ld_text(article.get("dateModified")), local) or m.parse_time(
        m.first(meta, *MODIFIED_META), local
    )
    published = _published(root, meta, article, m.page_object(ld), url, local, title)
    blocks = find_blocks(root, url, host, base)

    bodies.drop_hidden(root)
    shown = _page_prose(root)  # before the body pass prunes the tree
    paragraphs = bodies.main_text(root, url)  # last: trafilatura prunes the tree
    paragraphs = _recall_body(html, url, paragraphs, shown)
    paragraphs = _drop_posts(_drop_slides(_trim_tail(_trim(paragraphs, title, authors))))
    paragraphs = _stated_body(article.get("articleBody"), paragraphs)
    if not lang and len(_INDONESIAN.findall(" ".join(paragraphs[:5]).lower())) > 8:
        lang = "id"
    free = m.ld_free(article.get("isAccessibleForFree"))
    if free is None:
        free = next((m.ld_free(o.get("isAccessibleForFree")) for o in ld if "isAccessibleForFree" in o), None)
    section = m.ld_text(article.get("articleSection")) or m.first(
        meta, "article:section", "section", "category"
    )
    fields = dict(
        title=title,
        paragraphs=tuple(paragraphs),
        authors=tuple(authors),
        published_at=published,
        updated_at=updated,
        section=section or None,
        tags=_tags(meta, article),
        image_url=_image(meta, article, base),
        language=lang,
        access="paywalled" if free is False else "free",
    )
    return fields, blocks, canonical


# --- the fields ---------------------------------------------------------------------------------------


def _canonical(root, head, url: str) -> str | None:
    for link in (head if head is not None else root).iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return urljoin(url, link.get("href").strip())
    return None


def _language(root, meta, article) -> str | None:
    lang = root.get("lang") or root.get("xml:lang") or m.ld_text(article.get("inLanguage"))
    lang = lang or m.first(meta, "og:locale", "content-language", "language", "dc.language")
    lang = (lang or "").strip().replace("_", "-").lower()
    return lang.split("-")[0] if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]+)*", lang) else None


def _site_names(meta, ld, article) -> list[str]:
    names = [m.first(meta, "og:site_name", "application-name", "twitter:site", "al:android:app_name")]
    names.append(m.ld_text(article.get("publisher")))
    names.extend(
        m.ld_text(o.get("name"))
        for o in ld
        if m.types_of(o) & {"organization", "newsmediaorganization", "website"}
    )
    return [n.lstrip("@") for n in names if n]


def _title(root, meta, article, site_names, host) -> tuple[str, str | None]:
    """The headline as shown: the page's h1 (the one a metadata title agrees with, else the first that
    is no site name or menu), else the best metadata title with the site name stripped. An h1 that is
    the site's masthead (a logo, a link to the home page) is a site name, not a headline."""
    headline = m.ld_text(article.get("headline")) or m.ld_text(article.get("name"))
    og = m.first(meta, *_META_TITLES)
    page_title = text_of(root.find(".//title"))
    h1_elements = [h for h in root.iter("h1")][:12]
    mastheads = [h for h in h1_elements if _masthead(h)]
    site_names = [*site_names, *(text_of(h) for h in mastheads)]
    candidates = [c for c in (headline, og, page_title) if c]
    stripped = [m.strip_site_name(c, site_names, host) for c in candidates]
    keys = {m.word_key(c) for c in candidates + stripped}
    shown_h1s = [h for h in h1_elements if h not in mastheads]
    h1s = [t for t in map(_own_text, shown_h1s) if t and len(t) < 400][:8]
    for h1 in h1s:
        if m.word_key(h1) in keys:
            return m.strip_exact_site_name(h1, site_names), h1
    for h1 in h1s:  # the h1 with a site name after it ("Story – Site"), or with its parts run together
        variants = (m.strip_exact_site_name(h1, site_names), *_spaced_texts(shown_h1s, h1))
        for variant in (*variants, *_leading_texts(shown_h1s, h1)):
            if m.word_key(variant) in keys:
                return variant, h1
    for h1 in h1s:  # the headline the metadata gives has a kicker the page shows apart: "Kicker: Headline"
        for c in stripped:
            if len(h1.split()) >= 2 and m.kicker_of(c, h1):
                return c, h1
    for h1 in h1s:  # an h1 with a kicker before the headline the metadata gives: "Kicker - Headline"
        k = m.word_key(h1)
        for c in stripped:
            if len(m.word_key(c)) > 15 and k.endswith(" " + m.word_key(c)):
                return c, h1
    names = {m.word_key(n) for n in site_names} | {m.word_key(w) for w in m.host_words(host)}
    words = {w for key in keys for w in key.split()}
    shown = [
        h1
        for h1 in h1s
        if m.word_key(h1) not in names
        and not _NOT_HEADLINE.match(h1)
        and len(h1.split()) >= 2
        and (not words or _share(h1, words) >= SHARE)
    ]
    if shown:
        # several: the one sharing most words with the metadata titles
        best = max(shown, key=lambda h: len(set(m.word_key(h).split()) & words))
        return best, best
    best = next((s for s in stripped if s), "")
    if best and m.looks_truncated(best):  # a headline cut short: the metadata title it begins
        longer = [s for s in stripped if m.word_key(s).startswith(m.word_key(best) + " ")]
        best = min(longer, key=len, default=best)
    if best and best == candidates[0]:  # nothing stripped: a site name the page does not state
        best = m.strip_unnamed_site(best, dashes=best != headline)
    if not best and h1s:
        best = h1s[0]
    return best, (h1s[0] if h1s else None)


# Metadata titles in the order one is taken when no h1 is the headline: Dublin Core's is the document's
# own title (Readability prefers it too), OpenGraph's the one most pages state.
_META_TITLES = tuple(
    "dc:title dc.title dcterms.title og:title twitter:title title headline parsely-title".split()
)


def _masthead(h1) -> bool:
    """An h1 that names the site, not the story: a logo or site-title element, or an h1 whose text is
    all one link to a home page ("/", "/en-us/", "index.html")."""
    if _MASTHEAD_CLASS.search(classes(h1)):
        return True
    links = list(h1.iter("a"))
    if len(links) != 1 or not text_of(links[0]) or text_of(links[0]) != text_of(h1):
        return False
    href = (links[0].get("href") or "").strip()
    if not href or href.startswith("#"):
        return False
    parts = urlsplit(href)
    return not parts.query and bool(_HOME_PATH.fullmatch(parts.path.strip("/").lower()))


_MASTHEAD_CLASS = re.compile(r"logo|site-?title|site-?name|masthead|branding", re.IGNORECASE)
_HOME_PATH = re.compile(r"|index\.\w+|[a-z]{2}(?:-[a-z]{2})?|home|blog")


def _own_text(el) -> str:
    """The element's text without its tail (the text after its end tag, which is not its own)."""
    tail = el.tail
    if not tail or not tail.strip():
        return text_of(el)
    el.tail = None
    try:
        return text_of(el)
    finally:
        el.tail = tail


def _spaced_texts(elements, shown: str) -> list[str]:
    """The text of the h1 shown as `shown` with a space between its child elements' texts: an h1 of
    <span>Kicker</span>Headline reads "KickerHeadline" when run together."""
    for el in elements:
        if len(el) and _own_text(el) == shown:
            parts = [el.text or ""] + [f"{_own_text(child)} {child.tail or ''}" for child in el]
            return [normalize(" ".join(parts))]
    return []


def _leading_texts(elements, shown: str) -> list[str]:
    """The texts that begin the h1 shown as `shown` up to each element inside it: an h1 that runs on
    into a date line or a source link ("Headline <span>(example.com)</span>") begins with its headline."""
    for el in elements:
        if len(el) and _own_text(el) == shown:
            out: list[str] = []
            parts: list[str] = []
            skipped = 0
            for event, node in etree.iterwalk(el, events=("start", "end")):
                if not isinstance(node.tag, str):
                    continue
                if event == "start":
                    if node is not el and not skipped and normalize("".join(parts)):
                        out.append(normalize("".join(parts)))
                    skipped += node.tag in SKIP_TAGS
                    if not skipped:
                        parts.append(node.text or "")
                else:
                    skipped -= node.tag in SKIP_TAGS
                    if node is not el and not skipped:
                        parts.append(node.tail or "")
            return out[:12]
    return []


SHARE = 0.5


def _share(text: str, words: set[str]) -> float:
    own = set(m.word_key(text).split())
    return len(own & words) / len(own) if own else 0.0


_NOT_HEADLINE = re.compile(
    r"^(menu|navigation|search|main menu|our blog|blog|news|home|beranda|berita)$", re.I
)


def _authors(root, meta, ld, article, site_names, host: str = "") -> list[str]:
    """JSON-LD Person authors (references to Person nodes followed), else author names in JSON-LD or
    meta (a login name there gives way to a person's name the page shows as its byline), else a visible
    byline (author classes, "By …" text, links to author pages), else the names the metadata gave even
    where they are the site's (a blog named after its author), else author page URLs, else the site's
    name: an unsigned story is the publisher's (on a site named after a person, that person). A site
    name stands only when no person is named."""
    author = m.resolve_refs(article.get("author") or article.get("creator"), ld)
    people = m.ld_people(author)
    raw = m.ld_names(author) or [
        v for key in _AUTHOR_META for v in meta.get(key, []) if not v.startswith("http")
    ]
    raw = raw or _labelled_author(meta)
    stated = m.clean_authors(people, site_names) or m.clean_authors(raw, site_names)
    squashed = [m.word_key(n).replace(" ", "") for n in site_names]
    if stated and not all(
        m.looks_like_handle(n)
        and m.word_key(n) not in m.AGENCIES  # "dpa" is a wire, not a login
        and not any(site.startswith(m.word_key(n).replace(" ", "")) for site in squashed)  # the site's own
        for n in stated
    ):
        return stated
    if stated:  # a login name ("jdoe", "KatieS"): the byline the page shows, when it names a person
        shown = m.clean_authors(_visible_bylines(root), site_names)
        shown = shown or m.clean_authors([_xpath_byline(root) or ""], site_names)
        shown = [n for n in shown or m.person_names(_text_bylines(root), site_names) if m.looks_like_name(n)]
        return [n for n in shown if len(n.split()) > 1] or stated
    for found in (
        lambda: m.clean_authors(_visible_bylines(root), site_names),
        lambda: m.clean_authors([_xpath_byline(root) or ""], site_names),
        lambda: m.person_names(_text_bylines(root), site_names),
        lambda: m.person_names(_author_links(root), site_names),
        lambda: m.clean_authors(people) or m.clean_authors(raw),
        lambda: m.ld_organizations(author),
    ):
        if names := found():
            return names
    urls = [v for v in meta.get("article:author", []) if v.startswith("http")]
    urls += [a.get("href") or "" for a in root.iter("a") if "author" in (a.get("rel") or "")]
    names = list(dict.fromkeys(filter(None, map(m.author_url_name, urls))))[:5]
    names = names or _site_owner(root, host, site_names)
    # the publisher's name as it is where cleaning a byline drops it ("98 Example Media", "example.com")
    return names or m.publisher_names([*site_names[:1], *filter(m.is_host, raw)])


_PAGE_TEXT = etree.XPath("//title/text() | //body//text()[not(ancestor::script) and not(ancestor::style)]")


def _site_owner(root, host: str, site_names) -> list[str]:
    """The person (or business) a site is named after, as the page writes the name ("Toby Hede" on
    tobyhede.com, in its footer or header): the author of the posts it publishes unsigned. Not when
    a site name the metadata gives is the host's ("LegalZoom" on legalzoom.com): that one stands."""
    core = m.host_words(host)[1] if host else ""
    brands = [re.sub(r"[\W_]", "", n.lower()) for n in site_names]
    if len(core) < 6 or not core.isalpha() or any(core in brand for brand in brands):
        return []
    for node in _PAGE_TEXT(root):
        if core not in re.sub(r"[\W\d_]", "", node.lower()):
            continue
        words = re.findall(r"[^\W\d_][\w'’-]*", node)
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                name = " ".join(words[i : i + size])
                if name.replace(" ", "").lower() == core and m.looks_like_name(name):
                    return [name]
    return []


# A byline shown as text: "By Jane Doe", "Written by: Jane Doe", or a "Written by" label beside the name
_BYLINE_TEXT = etree.XPath("//body//text()[contains(translate(., 'BY', 'by'), 'by')]")
_BYLINE_START = re.compile(
    r"^(?:(?:written|posted|words|story|text|reported|article|post|essay)\s+)?by\b\s*:?", re.IGNORECASE
)
_AUTHOR_LINKS = etree.XPath(
    "//body//a[contains(@href, '/author/') or contains(@href, '/authors/') or contains(@href, '/penulis/')]"
)


def _text_bylines(root) -> list[str]:
    """The first short blocks that read as a byline ("By Jane Doe", a "Written by" label and the name
    beside it), outside reader comments and menus."""
    found: list[str] = []
    for node in _BYLINE_TEXT(root):
        if not _BYLINE_START.match(str(node).strip()):
            continue
        el = node.getparent()
        el = el.getparent() if node.is_tail else el
        for _ in range(3):  # the label alone ("Written by"): the name is beside it, in the parent
            if el is None or el.tag in ("body", "html") or el.tag in SKIP_TAGS:
                break
            shown = _spaced_text(el) if len(el) < 12 else ""
            if len(shown) > 120 or not _BYLINE_START.match(shown):
                break
            if _BYLINE_START.sub("", shown).strip(" :"):
                if not _in_comments(el):
                    found.append(shown)
                break
            el = el.getparent()
        if len(found) >= 3:
            break
    return found


def _spaced_text(el) -> str:
    """An element's own text with a space between its children's: a "By" label in an element of its
    own runs into the name beside it ("<span>By</span><span>Jane Doe</span>" reads "ByJane Doe")."""
    if not len(el):
        return _own_text(el)
    parts = [el.text or ""] + [f" {_own_text(child)} {child.tail or ''}" for child in el]
    return normalize("".join(parts))


def _author_links(root) -> list[str]:
    """The names on the first links to author pages (/author/jane-doe) outside reader comments."""
    names = [text_of(a) for a in _AUTHOR_LINKS(root)[:6] if not _in_comments(a)]
    return [n for n in names if 2 < len(n) < 60][:3]


_AUTHOR_META = (
    "dc:creator",  # Dublin Core as RDFa properties ("dc:creator"), as readers like Readability prefer it
    "dcterms:creator",
    "dcterm:creator",
    "author",
    "article:author",
    "dc.creator",
    "byl",
    "parsely-author",
    "sailthru.author",
    "citation_author",
    "dcterms.creator",
    "cxenseparse:author",
)


def _labelled_author(meta) -> list[str]:
    """The author a "Written by" label of the share-card meta names (twitter:label1 "Written by",
    twitter:data1 "Jane Doe", as Yoast and other publishing tools write it)."""
    for n in range(1, 5):
        label = m.first(meta, f"twitter:label{n}") or ""
        if _WRITTEN_BY.fullmatch(label.strip().lower()):
            return meta.get(f"twitter:data{n}", [])[:1]
    return []


_WRITTEN_BY = re.compile(r"(?:written by|author|authors|by|auteur|autor|penulis|verfasst von)\s*:?")


# trafilatura's author expressions as QuickXPath: lxml calls re:test in Python for every element
# otherwise (the same nodes, ~5x less time)
_AUTHOR_XPATHS = [QuickXPath(x) for x in AUTHOR_XPATHS]


def _xpath_byline(root) -> str | None:
    """The byline trafilatura's author expressions find (author classes, rel=author, itemprop)."""
    try:
        return extract_metainfo(root, _AUTHOR_XPATHS, len_limit=120)
    except Exception:  # a library surprise costs this fallback only
        return None


# The elements _visible_bylines tests, found without reading every element: itemprop or rel "author",
# or a class or id value _AUTHOR_CLASS finds (a match never spans the space between class and id)
_CLASS_AND_ID_VALUES = etree.XPath("//@class | //@id", smart_strings=False)
_AUTHOR_VALUES = MatchingValues(lambda value: _AUTHOR_CLASS.search(value.lower()) is not None)
_BYLINE_OWNERS = etree.XPath(
    "//@itemprop[. = 'author']/.. | //@rel[. = 'author']/.. | " + owners_of_values("//*")
)


def _byline_owners(root) -> list:
    return _BYLINE_OWNERS(root, values=_AUTHOR_VALUES(_CLASS_AND_ID_VALUES(root)))


def _visible_bylines(root) -> list[str]:
    found = []
    for el in _byline_owners(root):
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "script", "style", "meta", "link"):
            continue
        named = classes(el)
        if el.get("itemprop") == "author" or el.get("rel") == "author" or _AUTHOR_CLASS.search(named):
            if _in_comments(el) or _AUTHOR_ABOUT.search(named):
                continue
            shown = el.get("content") if el.tag == "meta" else text_of(el)
            shown = _photo_name(el) if el.tag == "img" else shown
            if shown and len(shown) < 120:
                found.append(shown)
                if len(found) >= 6:
                    break
    return found


# an author box's other parts: "author-description" holds "Licensed Q Grader, M.A. Journalism", not a name
# ("author-position", "author-role"; never a utility class such as "position-relative")
_AUTHOR_ABOUT = re.compile(
    r"desc|\bbio|biography|about|credential|\bjob|[-_](job|position|role)\b", re.IGNORECASE
)


def _photo_name(img) -> str:
    """The name an author photo's alt text gives ("Jane Doe"), not a caption ("Headshot of Jane Doe")."""
    alt = normalize(img.get("alt") or "")
    return alt if m.looks_like_name(alt) and not _PHOTO_WORDS.search(alt) else ""


_PHOTO_WORDS = re.compile(r"(?i)head ?shot|photo|picture|image|avatar|profil|portrait|bild\b|foto\b")


_COMMENTS = re.compile(
    r"(?:\b|_)(?:comments?|repl(?:y|ies)|respond|menu|nav|navbar|filters?|dropdown)(?:\b|_)", re.IGNORECASE
)
_CHROME_TAGS = frozenset({"nav", "form", "select", "footer"})


def _in_comments(el) -> bool:
    """Inside reader comments, a menu, a filter form or the footer: names there ("by Jane" under a
    comment, "Browse by Industry") are no byline of the story."""
    return any(a.tag in _CHROME_TAGS or _COMMENTS.search(classes(a)) for a in el.iterancestors(*_ELEMENTS))


_ELEMENTS = tuple("div section aside ul ol li form nav footer select header article".split())


def _published(root, meta, article, page, url, local, title) -> datetime | None:
    """The publication time: JSON-LD, then article meta, then the WebPage's JSON-LD date, then the first
    date the page shows (<time>, elements whose class names a date, in English or Indonesian), then a
    date in the URL."""
    stated = None
    values = published_values(meta, article, page)
    for i, value in enumerate(values):
        if (stated := m.parse_time(value, local)) is not None:
            stated = _local_offset(stated, values[i + 1 :], local)
            break
    if stated is not None:
        return _on_url_day(_read_as_shown(stated, values[i], root, local, title), m.url_date(url, local))
    # the date by the headline is the story's; the page's first other date may be a sidebar's
    near = _date_near_headline(root, local, title)
    if near is not None:
        return near
    shown = _shown_dates(root, local, limit=1)
    if shown:
        return shown[0]
    return m.url_date(url, local) or _htmldate(root, local)


# a numeric date whose first two numbers could each be the month: "03-09-2026" is 3 September or 9 March
_EITHER_WAY = re.compile(r"^\s*(0?[1-9]|1[0-2])[-/.](0?[1-9]|1[0-2])[-/.]\d{4}\b")


def _read_as_shown(stated: datetime, value: str, root, local, title) -> datetime:
    """A metadata date that reads either way, read the way the page shows it by the headline: "03-09-2026"
    in article:published_time under a byline of "March 9, 2026" is a month-first date."""
    either = _EITHER_WAY.match(value)
    if not either or either[1].lstrip("0") == either[2].lstrip("0"):
        return stated
    near = _date_near_headline(root, local, title)
    if near is None or near.date() == stated.date():
        return stated
    try:
        swapped = stated.replace(month=stated.day, day=stated.month)
    except ValueError:
        return stated
    return swapped if near.date() == swapped.date() else stated


def published_values(meta, article, page) -> list[str]:
    """The publication times the metadata states, in the order one is taken: the article's JSON-LD,
    the article meta, the WebPage's JSON-LD."""
    values = [m.ld_text(article.get("datePublished")), m.ld_text(article.get("dateCreated"))]
    values += [meta[key][0] for key in _PUBLISHED_META if meta.get(key)]
    return [*values, m.ld_text(page.get("datePublished"))]


MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")


def _local_offset(stated: datetime, others: list[str], local) -> datetime:
    """A time stated in UTC in the offset another of the page's metadata gives the same instant in: the
    publisher's own wall clock, whose calendar day is the one the page shows ("…T01:18Z" in JSON-LD
    and "…T17:18-08:00" in article:published_time are the evening before, in California)."""
    if stated.utcoffset() != timedelta(0):
        return stated
    for value in others:
        other = m.parse_time(value, local)
        if other is not None and other.utcoffset() and abs((other - stated).total_seconds()) <= 60:
            return stated.astimezone(other.tzinfo)
    return stated


_PUBLISHED_META = (
    "article:published_time",
    "published",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "og:published_time",
    "article.published",
    "published_time",
    "citation_publication_date",
    "content_publish_date",
    "publication_date",
    "release_date",
    "cxenseparse:recs:publishtime",
)


_FOLLOWING_TEXT = etree.XPath("following::text()[position() <= 80]")
# the lines just above the headline, nearest first: a date shown over it ("March 3, 2025" as a kicker)
_PRECEDING_TEXT = etree.XPath("preceding::text()[position() <= 12]")
_DATE_WORDS = re.compile(r"\d{4}|\d\.\d{2}\b")  # a year, or a day-first date's two-digit one (25.04.24)


def _date_near_headline(root, local, title: str) -> datetime | None:
    """A date among the first lines after the headline, as a byline shows it ("March 3, 2025",
    "Kamis, 5 November 2015 14:56 WIB"), else among the few just above it. The first 25 lines only:
    further on, a date is the story's own text or a list's."""
    h1s = [h for _, h in zip(range(4), root.iter("h1"))]
    h1 = next((h for h in h1s if text_of(h)), h1s[0] if h1s else None)  # an empty h1 may be a menu's
    headline = h1 if h1 is not None else _shown_headline(root, title)
    if headline is None:
        return None
    following = [n for n in _FOLLOWING_TEXT(headline) if _shown_text(n)][:25]
    for node in (*following, *_PRECEDING_TEXT(headline)):
        shown = _shown_text(node)
        if 6 <= len(shown) <= 80 and _DATE_WORDS.search(shown):
            found = m.parse_time(shown, local)
            if found is not None:
                return found
    return None


def _shown_headline(root, title: str):
    """A page without an h1 (site builders style a paragraph as the headline): the first element in
    the body whose own text is the title."""
    key = m.word_key(title or "")
    if len(key) < 10:
        return None
    body = root.find("body")
    for element in body.iter() if body is not None else ():
        own = element.text if isinstance(element.tag, str) else None
        if own and len(own) < 2 * len(title) + 20 and m.word_key(normalize(own)) == key:
            return element
    return None


def _shown_text(node) -> str:
    """A text node as the page shows it; "" inside a script or style."""
    parent = node.getparent()
    if parent is not None and parent.tag in ("script", "style", "noscript", "template"):
        return ""
    return normalize(str(node))


def _on_url_day(when: datetime, url_day: datetime | None) -> datetime:
    """The same instant in the offset of the publisher's own calendar day: a time stated in UTC
    ("…T02:41Z") of a story whose URL says /2025/12/18/ is shown at that day's evening, UTC-5."""
    if url_day is None or when.date() == url_day.date() or abs((when.date() - url_day.date()).days) > 1:
        return when
    for hours in sorted(range(-12, 15), key=abs):
        shifted = when.astimezone(timezone(timedelta(hours=hours)))
        if shifted.date() == url_day.date():
            return shifted
    return when


def _htmldate(root, local) -> datetime | None:
    """Last resort, for a page that states no date where we look: htmldate's search of the page."""
    try:
        found = find_date(root, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:  # a library surprise costs this fallback only
        return None
    return m.parse_time(found, local) if found else None


def _shown_dates(root, local, limit: int = 4) -> list[datetime]:
    """The first dates the page shows: <time> elements and small elements whose class names a date."""
    found: list[datetime] = []
    for el in root.iter("time", "span", "div", "p", "small", "li", "abbr"):
        if el.tag == "time":
            value = el.get("datetime") or text_of(el)
        elif len(el) < 6 and _DATE_CLASS.search(classes(el)):
            value = text_of(el)
            if not 6 <= len(value) < 120:
                continue
        else:
            continue
        if (when := m.parse_time(value, local)) is not None:
            found.append(when)
            if len(found) >= limit:
                break
    return found


def _tags(meta, article) -> tuple[str, ...]:
    keywords = article.get("keywords")
    values = keywords if isinstance(keywords, list) else str(keywords or "").split(",")
    values = [*values, *meta.get("article:tag", [])]
    if not [v for v in values if v]:
        values = (m.first(meta, "news_keywords", "keywords") or "").split(",")
    tags: dict[str, str] = {}
    for value in values:
        tag = normalize(m.ld_text(value))
        if tag and len(tag) < 80:
            tags.setdefault(tag.lower(), tag)
    return tuple(tags.values())


def _image(meta, article, url) -> str | None:
    """The main image's http(s) URL (a javascript: or data: value is no image an analyst can open)."""
    image = m.ld_image(article.get("image")) or m.first(meta, "og:image", "og:image:url", "twitter:image")
    return http_url(url, image) if image else None


# List items that read as prose (not links), outside the page's menus, header, footer, asides and forms
_PROSE_ITEMS = etree.XPath(
    "//body//li[not(.//li)][not(ancestor::nav or ancestor::footer or ancestor::header or ancestor::aside"
    " or ancestor::menu or ancestor::form)]"
)
_PARAGRAPHS = etree.XPath("//body//p")
# readers' comments: prose in list items that is no part of the story (and on most pages that have them)
_COMMENTS = re.compile(r"comment|komentar|kommentar|disqus|discussion|diskusi|repl(?:y|ies)")


def _page_prose(root) -> tuple[list[str], int]:
    """(the texts of the page's list items that read as prose: 40 characters or more, at most a fifth of
    them link text, not in a comment section; the length of all its paragraphs' text), read before the
    body pass prunes the tree."""
    items = []
    for li in _PROSE_ITEMS(root):
        text = normalize(li.text_content())
        if len(text) >= 40 and not any(_COMMENTS.search(classes(el)) for el in li.iterancestors()):
            links = sum(len(normalize(a.text_content())) for a in li.iter("a"))
            if links <= 0.2 * len(text):
                items.append(text)
    return items, sum(len(normalize(p.text_content())) for p in _PARAGRAPHS(root))


def _recall_body(html, url: str, paragraphs: list[str], shown) -> list[str]:
    """trafilatura's recall-mode pass (its own retry for short texts) where the balanced pass left out
    much of what the page shows as prose, on a parse of its own (the first tree is pruned by now):
    - list items (the balanced pass drops lists it is unsure of) of 100 characters or more in all and a
      twentieth of the text kept: its text is taken when a tenth longer, by no more than twice what was
      missing (more is the page's link lists coming in with them);
    - paragraphs of over twice the text kept: its text is taken when half as long again."""
    items, paragraph_length = shown
    joined = " ".join(paragraphs)
    length = len(joined)
    missing = sum(len(text) for text in set(items) if text not in joined)
    by_items = missing >= 100 and missing >= 0.05 * length
    by_paragraphs = 2 * length < paragraph_length
    if not (by_items or by_paragraphs):
        return paragraphs
    lines = bodies.recall_text(parse(html), url)  # a parse of its own: the first tree is pruned by now
    if lines is None:
        return paragraphs
    found = len(" ".join(lines))
    if by_paragraphs and found > 1.5 * length:
        return lines
    if by_items and 1.1 * length < found <= length + 2 * missing:
        return lines
    return paragraphs


_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def _stated_body(stated, paragraphs: list[str]) -> list[str]:
    """JSON-LD articleBody instead of what the page showed when it is over twice as long: the story is
    rendered by script, or the main-content pass kept only a fragment of it. A shorter one is a teaser."""
    if not isinstance(stated, str) or len(stated) < 400:
        return paragraphs
    stated = unescape(_TAG.sub("", _BLOCK_END.sub("\n", stated))) if "<" in stated else stated
    lines = [line for line in map(normalize, stated.splitlines()) if line]
    shown = sum(len(p) for p in paragraphs)
    return lines if sum(len(line) for line in lines) > 2 * shown + 200 else paragraphs


# What follows a story's last paragraph on many pages and is no part of it: source and agency credits,
# a copyright line, newsletter and follow prompts, the comments' and related stories' headings, a note
# on where the story first appeared. Only at the end: the same words inside a story are its own.
_TAIL = re.compile(
    r"[(\[]?(with (files|reporting|reports) (from|by)|(additional )?reporting (by|from)|writing by|editing by"
    r"|mit (material|agenturmaterial)|mit dpa|quelle|quellen|source|sources|fonte|fuente)\b.{0,300}$"
    r"|\W{0,3}(©|copyright\b|ⓒ|\(c\) ?\d{4}).{0,120}$"
    r"|.{0,60}\b(newsletter|sign up|subscribe|abonniere|abonnieren|suscr[ií]bete|inscreva|in your inbox)\b"
    r".{0,200}$"
    r"|(follow|folge|folgen sie|suivez|síguenos|join) .{0,150}$"
    r"|(comments?|kommentare?|join (the|our) (conversation|discussion|commenting)|would you like to comment"
    r"|leave a (comment|reply)|kommentar abgeben)\b.{0,120}$"
    r"|(related( content| articles| posts| stories)?|more from .{1,40}|ähnliche( artikel)?|mehr zum thema"
    r"|read more|weitere artikel|you (may|might) also like|recommended|passend zum artikel"
    r"|mehr themen\b.{0,40}|weitere themen\b.{0,40}|das könnte sie auch interessieren)\s*:?$"
    r"|(our standards|this (article|story|piece) (was|is) (first |originally )?(published|produced|developed"
    r"|written)|first published|originally published|dieser artikel (ist|erschien)).{0,250}$"
    # the post's tags and categories; a prompt to read, explore or join more; the comment policy; a
    # contact address; "MORE: <another story>"; "Did you enjoy this article?"; thanks for the visit
    r"|(tags?|topics?|posted in|filed under|categories|category|kategorie|schlagwörter|schlagworte|themen)\b"
    r"(\s*:.{0,150}|(\s+[^\s.!?]+){0,6})$"
    r"|(check out|explore|discover|learn more|find out more|read more|see more|get more|get the (latest|best)"
    r"|get started|sign up|join)\b.{0,250}$"
    r"|.{0,80}\bcomment(ing)? (policy|guidelines)\b.{0,80}$|loading comments.{0,5}$"
    r"|.{0,60}\b(log ?in|sign in|einloggen|anmelden) (to|um) (comment|einen kommentar)\b.{0,60}$"
    r"|.{0,100}\b[\w.+-]+@[\w-]+\.[\w.-]*\w\W{0,3}$"
    r"|(more|mehr)\s*:\s.{0,150}$|more (news|stories|articles)\W*$"
    r"|(hat ihnen (dieser|der|das) .{0,20}gefallen|fehler gefunden|did you (like|enjoy) (this|the)"
    r"|(enjoy|enjoyed|like|liked) (the|this) (post|article|story)\?|if you (liked|enjoyed) this).{0,250}$"
    r"|(thanks|thank you) for (visiting|stopping by|your support|supporting)\b.{0,150}$|vielen dank\W*$"
    # the story's credits ("Übersetzung: …, Redaktion: …") and the broadcast it ran in
    r"|(übersetzung|redaktion|schlussredaktion|mitarbeit|faktencheck|translation|translated by|edited by"
    r"|produced by|illustration|grafik|fotos?|bilder?)\s*:\s*.{0,200}$"
    r"|(sendung\s*:|sendung vom\b|dieses thema im programm|dieser beitrag lief).{0,150}$",
    re.IGNORECASE,
)


# The heading of a block of other stories ("More Opinion Columns", "Most read", "You might also like")
_OTHER_STORIES = re.compile(
    r"((other|more|related|latest|top|recommended|popular) (\w+ ){0,2}"
    r"(stories|articles|news|posts|columns|reads|reading|videos|headlines|opinion)|more from\b.{0,40}"
    r"|most (read|popular|viewed|shared)|trending( now)?"
    r"|you (may|might) (also )?like|read next|weitere artikel|mehr zum thema|ähnliche artikel|meistgelesen\w*"
    r"|\w+ news in pictures)\s*:?$",
    re.IGNORECASE,
)


def _trim_tail(paragraphs: list[str]) -> list[str]:
    """The story without the credit, copyright and prompt lines that close the page's text block, nor
    a block of other stories under its heading in the last three tenths of the text."""
    out = list(paragraphs)
    total, seen = sum(map(len, out)), 0
    for i, line in enumerate(out):
        if i and seen >= 0.7 * total and len(line.split()) <= 8 and _OTHER_STORIES.match(line):
            out = out[:i]
            break
        seen += len(line)
    while len(out) > 1 and _TAIL.match(out[-1]):
        out.pop()
    return out


# A photo gallery's slide captions: "1/50 United going down …", "- 2/50 …"
_SLIDE = re.compile(r"(?:- )?(\d{1,3}) ?(?:/|of) ?(\d{1,3})\s+\S")


def _drop_slides(paragraphs: list[str]) -> list[str]:
    """The story without a gallery's slide captions: three or more lines counting up to the same number of
    slides ("1/50 …", "2/50 …"), none past it (a recipe's "1/2 cup" is no slide)."""
    slides: dict[str, list[tuple[int, int]]] = {}
    for i, line in enumerate(paragraphs):
        if match := _SLIDE.match(line):
            slides.setdefault(match.group(2), []).append((int(match.group(1)), i))
    drop: set[int] = set()
    for total, seen in slides.items():
        numbers = [number for number, _ in seen]
        counting = numbers == sorted(set(numbers)) and numbers[-1] <= int(total)
        if len(seen) >= 3 and int(total) >= 3 and counting:
            drop.update(i for _, i in seen)
    return [line for i, line in enumerate(paragraphs) if i not in drop] or paragraphs


# An embedded post's signature as the embed code writes it: "— Jane Doe (@janedoe) May 2, 2025"
_POST_SIGNATURE = re.compile(r"[—–-]\s*[^()]{1,80}\(@\w{1,15}\)\s+\w+\.? \d{1,2},? \d{4}\W*$")


def _drop_posts(paragraphs: list[str]) -> list[str]:
    """The story without the social-media posts embedded in it: a post's signature line and the post's
    text, the line above it."""
    drop = {i for i, line in enumerate(paragraphs) if _POST_SIGNATURE.match(line)}
    drop |= {i - 1 for i in drop if i > 0}
    return [line for i, line in enumerate(paragraphs) if i not in drop] or paragraphs


def _trim(paragraphs: list[str], title: str, authors=()) -> list[str]:
    """The headline trafilatura keeps at the top of the story is not body text (an h1 that is not the
    headline, a section name or a kicker, stays: it is the page's own heading of the text), nor is the
    byline among its first lines ("By Jane Doe", "Von Jane Doe, Berlin", the author's name alone). The
    headline as the second line goes with the kicker, section or date line of up to four words above it."""
    out = list(paragraphs)
    while out and (
        m.same_text(out[0], title) or _kicked_headline(out[0], title) or _LABEL_LINE.match(out[0])
    ):
        out.pop(0)
    if len(out) > 2 and m.same_text(out[1], title):
        out = out[2:] if len(out[0].split()) <= 4 and len(out[0]) < 50 else [out[0], *out[2:]]
    names = {m.word_key(name) for name in authors}
    head = [p for p in out[:3] if (len(p) < 60 and m.word_key(p) in names) or _BYLINE_LINE.match(p)]
    return [p for p in out[:3] if p not in head] + out[3:]


# A label above the story: "Article", "Headline", "FAQ", "In brief" ("Kort fortalt", "Auf einen Blick")
_LABEL_LINE = re.compile(
    r"(- )?(article|artikel|článek|headline|news|blog|home|faq|kort fortalt|kortversjonen|in brief"
    r"|auf einen blick|das wichtigste in kürze)\s*:?$",
    re.IGNORECASE,
)


def _kicked_headline(line: str, title: str) -> bool:
    """The headline run together with a kicker of up to six words before it ("Premiere in Town - Headline",
    "Kicker : Headline"; up to three words without a separator) or the site's name after a separator
    ("Headline | Site"). A line that goes on from the headline in any other way is the story's."""
    words = re.findall(r"\w+", title or "")
    if len(words) < 3 or len(line) > 2 * len(title) + 80:
        return False
    found = re.search(r"\W+".join(map(re.escape, words)), line, re.IGNORECASE)
    if found is None:
        return False
    before, after = line[: found.start()], line[found.end() :]
    if not re.sub(r"\W", "", after):  # the headline ends the line: a kicker before it
        kicker = re.findall(r"\w+", before)
        return 0 < len(kicker) <= 6 and (len(kicker) <= 3 or re.search(r"[:|–—-]\s*$", before) is not None)
    return not before.strip() and re.match(r"\s*[|–—:-]", after) is not None and len(after.split()) <= 5


# "By Jane Doe", "Von Jane Doe, Berlin", "by: Jane Doe, Dec 17, 2025": a byline of up to five words
_BYLINE_LINE = re.compile(
    r"(by|von|par|por|door|oleh|written by|words by)\s*:?\s+[^\W\d_][\w.'’-]*(\s+[^\W\d_][\w.'’-]*){0,4}"
    r"\s*([,|—–-].{0,40})?$",
    re.IGNORECASE,
)
