"""What every site declares, and what every site shares: URL -> article id -> layout -> ParsedArticle.

A site subclasses `Site` and lists its `layouts`; each `Layout` says whether a page is one of its pages,
which boilerplate rules its pages need, and reads its fields. The site owns everything in between:
the canonical URL, the id, picking the layout, the article header and turning cards into links.
"""

import logging
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from kabar.clean import Rule
from kabar.records import Card, ParsedArticle, ParseError, RelatedLink
from kabar.sites.html import (
    CUT,
    Element,
    canonical_link,
    css,
    page_of,
    refuse_cut,
    select,
    select_one,
    tree_of,
)
from kabar.times import resolve_time
from kabar.urls import canonical_url, host_of, rebase

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a layout reads off a page: ParsedArticle fields (all but the header the site fills in:
    site, article_id, url, layout, fetched_at, related) and its related blocks in page order."""

    fields: Mapping[str, object]
    blocks: Sequence[tuple[str, Sequence[Card]]] = field(default=())


class Layout:
    """One layout of a site's article pages (an era, an edition, a kind of page)."""

    name: str
    boilerplate: tuple[Rule, ...] = ()  # applied to this layout's pages only, after the site's own
    article: str | None = None  # the element that holds the story: a page ending inside it is truncated

    def matches(self, page: Element) -> bool:
        """`page`: the parsed page (`kabar.sites.html.page_of`)."""
        raise NotImplementedError

    def read(self, page: Element, site: "Site", url: str) -> Reading:
        """The fields and blocks of a page that `matches`; `url` is its canonical URL. The layout may
        change the tree (lift links out of the body, say): the page is parsed for it alone."""
        raise NotImplementedError


class Site:
    """Base of every site module: URLs, discovery, politeness, boilerplate, and its layouts."""

    name: str
    base_url: str  # the real site; `kabar run --base-url` points the crawl at a mirror instead
    domains: tuple[str, ...]
    language: str
    article_paths: tuple[
        re.Pattern[str], ...
    ]  # article URL paths, one per URL era; group "id" is the site's id
    start_paths: tuple[str, ...] = ("/robots.txt",)  # robots.txt (its Sitemap lines), feeds, sitemaps
    layouts: tuple[Layout, ...] = ()  # in order of preference: the first that matches a page reads it
    boilerplate: tuple[Rule, ...] = ()  # rules for every layout's pages
    min_delay: float = 1.0  # seconds between requests to one host, unless robots.txt asks for more
    # When the site is ingested on a schedule (`kabar serve`; prefect.yaml says the same, a test checks):
    schedule: str | None = None  # a cron expression
    schedule_timezone: str = "Asia/Jakarta"
    listing_selectors: tuple[str, ...] = ()  # the main list of a home or index page, in preference order

    def start_urls(self) -> list[str]:
        return [urljoin(self.base_url, path) for path in self.start_paths]

    def owns(self, url: str) -> bool:
        host = host_of(url)
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def article_id(self, url: str) -> str | None:
        if not self.owns(url):
            return None
        path = urlsplit(url).path
        match = next(filter(None, (pattern.search(path) for pattern in self.article_paths)), None)
        return f"{self.name}:{match['id']}" if match else None

    def canonical_url(self, url: str) -> str:
        return canonical_url(url)

    def own_canonical(self, canonical: str | None, url: str) -> str:
        """The URL a page fetched from `url` says it lives at, when that is a URL of this site's, else
        `url`; canonical either way. Judged after canonicalising: w3lib reads a backslash as a slash, so
        "https://evil.test\\@site/…" names evil.test; a link no parser reads (a port past 65535) is none."""
        if canonical:
            try:
                spelled = canonical_url(canonical)
                if self.owns(spelled):
                    return spelled
            except ValueError:
                pass
        return canonical_url(url)

    def fetch_url(self, url: str) -> str:
        """The spelling of an article URL to fetch: the canonical one (the site modules' pages are
        served there)."""
        return self.canonical_url(url)

    # --- reading an article page ------------------------------------------------------------------

    def parse(self, html: bytes | str, url: str, fetched_at: datetime) -> ParsedArticle:
        """The article on a page fetched from `url`; ParseError when the page is not one (or is cut short)."""
        page = page_of(html)
        refuse_cut(page.get(CUT))
        url = self.own_canonical(canonical_link(page), url)
        article_id = self.article_id(url)
        if article_id is None:
            raise ParseError("not_an_article_url", url)
        layout = self.layout_of(page, cut_short(html))
        reading = layout.read(page, self, url)
        return ParsedArticle(
            site=self.name,
            article_id=article_id,
            url=url,
            layout=layout.name,
            fetched_at=fetched_at,
            related=self.related(reading.blocks, url, fetched_at),
            **reading.fields,
        )

    def layout_of(self, page: Element, cut: bool = False) -> Layout:
        """The first layout matching the page; a page that ends early (`cut`, no closing tags) and
        ends inside that layout's article, or matches no layout at all, is truncated."""
        layout = next((layout for layout in self.layouts if layout.matches(page)), None)
        if cut and (layout is None or ends_inside(page, layout.article)):
            raise ParseError("truncated", "the page ends before its article does (no closing tags)")
        if layout is None:
            raise ParseError("unknown_layout", f"no {self.name} layout matches the page")
        return layout

    def rules_for(self, layout_name: str) -> tuple[Rule, ...]:
        """The boilerplate rules for a page of this layout: the site's, then the layout's own."""
        own = next((layout.boilerplate for layout in self.layouts if layout.name == layout_name), ())
        return self.boilerplate + own

    def related(
        self, blocks: Iterable[tuple[str, Iterable[Card]]], page_url: str, fetched_at: datetime
    ) -> tuple[RelatedLink, ...]:
        targets: dict[str, tuple[str, str | None]] = {}  # a link shown in several blocks is worked out once
        return tuple(
            link
            for block, cards in blocks
            for link in self.related_links(block, cards, page_url, fetched_at, targets)
        )

    def related_links(
        self,
        block: str,
        cards: Iterable[Card],
        page_url: str,
        fetched_at: datetime,
        targets: dict[str, tuple[str, str | None]] | None = None,
    ) -> tuple[RelatedLink, ...]:
        """A block's cards as links: canonical URLs, a target shown twice kept once, times resolved.
        `targets`: (canonical URL, article id) by href, as worked out for the page's other blocks."""
        targets = {} if targets is None else targets
        links: list[RelatedLink] = []
        shown: set[str] = set()
        for card in cards:
            if card.href not in targets:
                try:
                    url = self.canonical_url(urljoin(page_url, card.href))
                except ValueError:  # an unclosed [IPv6 bracket, a port past 65535: no article's link
                    continue
                targets[card.href] = url, self.article_id(url)
            url, article_id = targets[card.href]
            if url in shown:
                continue
            shown.add(url)
            window = resolve_time(card.time_text, fetched_at) if card.time_text else None
            links.append(
                RelatedLink(
                    block=block,
                    position=len(links) + 1,
                    url=url,
                    target_article_id=article_id,
                    title=card.title,
                    time_text=card.time_text,
                    published_after=window.after if window else None,
                    published_until=window.until if window else None,
                    image_url=card.image_url,
                    image_caption=card.image_caption,
                    summary=card.summary,
                )
            )
        return tuple(links)

    # --- listings and the bundled mirror -----------------------------------------------------------

    def index_url(self, day: date, page: int = 1) -> str | None:
        """The site's index (archive) page of one day, for backfill; None if it has none."""
        return None

    def listing(self, html: bytes, url: str) -> tuple[list[str], list[str]]:
        """(article URLs in page order, further listing pages) of a home or index page: the links
        of its main list (the whole page when no selector matches), each article once, to fetch.
        A mirror's copy of the page (`url` on another origin) names the site's own URLs."""
        url = url if self.owns(url) else rebase(url, self.base_url)
        page = page_of(html)
        if cut := page.get(CUT):  # the links before the cut are still worth fetching
            log.warning("listing page %s read in part: %s; its links after that are not read", url, cut)
        lists = next((found for s in self.listing_selectors if (found := select(page, s))), [page])
        articles: dict[str, str] = {}
        for link in (a for container in lists for a in select(container, LINKS)):
            target = urljoin(url, link.get("href"))
            if (article_id := self.article_id(target)) and article_id not in articles:
                articles[article_id] = self.fetch_url(target)
        more = [urljoin(url, a.get("href")) for a in select(page, NEXT_PAGES)]
        return list(articles.values()), list(dict.fromkeys(more))

    @property
    def mirror(self) -> Path | None:
        """The bundled mirror (package data): `mirror/` in the site's package, or `<module>/mirror/`
        beside a single-module site; None when the site ships none."""
        module = sys.modules[type(self).__module__]
        if hasattr(module, "__path__"):
            root = resources.files(module) / "mirror"
        else:
            package, _, leaf = module.__name__.rpartition(".")
            root = resources.files(package) / leaf / "mirror"
        path = Path(str(root))
        return path if path.is_dir() else None


def cut_short(html: bytes | str, tail: int = 65536) -> bool:
    """The document never closes: neither </body> nor </html> near its end."""
    end = html[-tail:].lower()
    if isinstance(end, bytes):
        return b"</body" not in end and b"</html" not in end
    return "</body" not in end and "</html" not in end


LINKS = css("a[href]")
NEXT_PAGES = css('a[rel~="next"][href], link[rel~="next"][href]')


def ends_inside(page: Element, selector: str | None) -> bool:
    """Nothing follows the element `selector` finds: the parser closed it at the end of the data."""
    page = tree_of(page)
    element = select_one(page, selector) if selector else None
    if element is None:
        return selector is not None
    return not any(_element_after(node) for node in (element, *element.iterancestors()))


def _element_after(node: Element) -> bool:
    return any(isinstance(sibling.tag, str) for sibling in node.itersiblings())
