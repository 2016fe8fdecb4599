"""Sites declared by configuration alone: each `[[site]]` table of kabar.toml (kabar/config.py checks
it) is a `ConfiguredSite`, a GenericSite with a name, its domains, its start URLs and, optionally, a
delay, an article-URL pattern, a schedule and a mirror. The registry (`kabar.sites`) lists them after
the site modules; the same flow, warehouse, health gates and commands handle them.

A site module wins for its hosts: a configured site may not take a module's name, nor a domain a module
owns (that site could never own a page of it: a ConfigError), and a configured domain above a module's
(`example.com` beside a module's `news.example.com`) leaves the module's hosts to the module.

The bundled demo site (`configured_demo/site.toml`, with its mirror of invented pages) is declared the
same way but registered only for `kabar demo` and tests (`include_demo()`): it has no real host to
schedule, so it has no deployment.
"""

import re
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from kabar.config import ConfigError, SiteDeclaration, declarations
from kabar.records import ParsedArticle, ParseError
from kabar.sites.base import Site
from kabar.sites.generic import GenericSite, looks_like_article

__all__ = ["ConfiguredSite", "DEMO_FILE", "build", "demo_declarations"]

DEMO_FILE = Path(__file__).parent / "configured_demo" / "site.toml"


class ConfiguredSite(GenericSite):
    """A site known by its configuration: its hosts' article pages, read by the generic extractor."""

    def __init__(self, declaration: SiteDeclaration, modules: Iterable[Site] = ()):
        first = urlsplit(declaration.start_urls[0])
        self.name = declaration.name
        self.domains = declaration.domains
        self.base_url = urlunsplit((first.scheme, first.netloc, "", "", ""))
        self.declaration = declaration
        self.pattern = re.compile(declaration.article_pattern) if declaration.article_pattern else None
        self.min_delay = declaration.delay if declaration.delay is not None else Site.min_delay
        self.schedule = declaration.schedule
        self._modules = tuple(modules)
        self._mirror = declaration.mirror

    def __repr__(self) -> str:
        return f"ConfiguredSite({self.name!r})"

    def start_urls(self) -> list[str]:
        return list(self.declaration.start_urls)

    def owns(self, url: str) -> bool:
        """One of its domains, unless a site module owns the host."""
        return super().owns(url) and not any(module.owns(url) for module in self._modules)

    def article_id(self, url: str) -> str | None:
        """`<name>:<path>` of an article URL: one `article_pattern` matches (its group `id`, when it
        has one, is the id), else one that looks like an article's (a slug or a number)."""
        if not self.owns(url):
            return None
        path = urlsplit(url).path.rstrip("/")
        if self.pattern is None:
            return f"{self.name}:{path}" if looks_like_article(path) else None
        match = self.pattern.search(url)
        if match is None:
            return None
        return f"{self.name}:{match['id']}" if "id" in self.pattern.groupindex else f"{self.name}:{path}"

    def parse(self, html: bytes | str, url: str, fetched_at: datetime) -> ParsedArticle:
        parsed = super().parse(html, url, fetched_at)
        article_id = self.article_id(parsed.url) or self.article_id(url)
        if article_id is None:
            raise ParseError("not_an_article_url", parsed.url)
        return replace(parsed, article_id=article_id)

    @property
    def mirror(self) -> Path | None:
        return self._mirror


def build(declared: Iterable[SiteDeclaration], modules: dict[str, Site]) -> dict[str, ConfiguredSite]:
    """The configured sites, checked against the site modules (their names and hosts stay theirs)."""
    found: dict[str, ConfiguredSite] = {}
    for declaration in declared:
        where = f"{declaration.source}: site.{declaration.name}"
        if declaration.name in modules:
            raise ConfigError(f"{where}.name: {declaration.name!r} is a site module's name; choose another")
        for domain in declaration.domains:
            owner = next((m for m in modules.values() if m.owns(f"https://{domain}/")), None)
            if owner is not None:
                why = f"is a host of the {owner.name} site module (a module wins for its hosts)"
                raise ConfigError(f"{where}.domains: {domain} {why}")
            other = next((o for o in found.values() if _overlap(domain, o.domains)), None)
            if other is not None:  # the first declared would take every URL of the host, silently
                raise ConfigError(
                    f"{where}.domains: {domain} is also a host of the configured site {other.name}"
                )
        found[declaration.name] = ConfiguredSite(declaration, modules.values())
    return found


def _overlap(domain: str, domains: Iterable[str]) -> bool:
    """The same host, or one under the other (news.example.com and example.com)."""
    return any(domain == d or domain.endswith("." + d) or d.endswith("." + domain) for d in domains)


def demo_declarations() -> tuple[SiteDeclaration, ...]:
    """The bundled demo's configured site (its mirror of invented pages beside its site.toml)."""
    return declarations(tomllib.loads(DEMO_FILE.read_text(encoding="utf-8")).get("site"), DEMO_FILE)
