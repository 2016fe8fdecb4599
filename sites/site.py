"""What every site module declares, and the errors its parser may raise."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from kabar.records import ParsedArticle, RelatedLink
from kabar.times import resolve_time
from kabar.urls import canonical_url, host_of
from sites.html import soup_of


@dataclass(frozen=True, slots=True)
class Rule:
    """A named boilerplate rule: a body block matching `pattern` (from its start) is removed."""

    name: str
    pattern: re.Pattern[str]

    def matches(self, block: str) -> bool:
        return self.pattern.match(block) is not None


def rule(name: str, regex: str) -> Rule:
    return Rule(name, re.compile(regex, re.IGNORECASE))


class ParseError(Exception):
    """The page could not become an article; `problem` is a short stable code for the warehouse."""

    def __init__(self, problem: str, detail: str = ""):
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem, self.detail = problem, detail


class Site:
    """Base of every site module: URLs, discovery, politeness, boilerplate; `parse` per layout."""

    name: str
    base_url: str  # the real site; `kabar run --base-url` points the crawl at a mirror instead
    domains: tuple[str, ...]
    language: str
    article_paths: tuple[re.Pattern[str], ...]  # article URL paths, one per URL era; group "id" is the site's id
    start_paths: tuple[str, ...] = ("/robots.txt",)  # robots.txt (its Sitemap lines), feeds, sitemaps
    boilerplate: tuple[Rule, ...] = ()
    min_delay: float = 1.0  # seconds between requests to one host, unless robots.txt asks for more

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

    listing_selectors: tuple[str, ...] = ()  # the main list of a home or index page, in preference order

    def parse(self, html: bytes, url: str, fetched_at: datetime) -> ParsedArticle:
        raise NotImplementedError

    def index_url(self, day: date, page: int = 1) -> str | None:
        """The site's index (archive) page of one day, for backfill; None if it has none."""
        return None

    def listing(self, html: bytes, url: str) -> tuple[list[str], list[str]]:
        """(article URLs in page order, further listing pages) of a home or index page: the links
        of its main list (the whole page when no selector matches), each article once, canonical."""
        soup = soup_of(html)
        lists = next((found for s in self.listing_selectors if (found := soup.select(s))), [soup])
        articles: dict[str, str] = {}
        for link in (a for container in lists for a in container.select("a[href]")):
            target = urljoin(url, link["href"])
            if (article_id := self.article_id(target)) and article_id not in articles:
                articles[article_id] = self.canonical_url(target)
        more = [urljoin(url, a["href"]) for a in soup.select('a[rel~="next"][href], link[rel~="next"][href]')]
        return list(articles.values()), list(dict.fromkeys(more))

    def related_links(
        self, block: str, cards: Iterable["Card"], page_url: str, fetched_at: datetime
    ) -> tuple[RelatedLink, ...]:
        """A block's cards as links: canonical URLs, a target shown twice kept once, times resolved."""
        links: list[RelatedLink] = []
        for card in cards:
            url = self.canonical_url(urljoin(page_url, card.href))
            if any(link.url == url for link in links):
                continue
            window = resolve_time(card.time_text, fetched_at) if card.time_text else None
            links.append(RelatedLink(
                block=block, position=len(links) + 1, url=url, target_article_id=self.article_id(url),
                title=card.title, time_text=card.time_text,
                published_after=window.after if window else None,
                published_until=window.until if window else None,
                image_url=card.image_url, image_caption=card.image_caption, summary=card.summary,
            ))
        return tuple(links)


@dataclass(frozen=True, slots=True)
class Card:
    """One item of a related-article block as a layout reads it, before it becomes a RelatedLink."""

    href: str
    title: str | None = None
    time_text: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    summary: str | None = None
