"""antaranews.com: the site of ANTARA, Indonesia's national news agency, which carries its own wire copy
(and press releases it distributes); one module per era of its article pages."""

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from kabar.sites.antara import wire
from kabar.sites.antara.layout2015 import Layout2015
from kabar.sites.base import Site
from kabar.urls import canonical_url, rebase


class Antara(Site):
    name = "antara"
    base_url = "https://www.antaranews.com"
    domains = ("antaranews.com",)
    language = "id"
    # /berita/<id>/<slug> on www. and on the otomotif. sub-site (one id sequence; otomotif puts its section
    # where the slug goes), /amp/berita/<id>/<slug> on m.; English /en/news/<id> ids are another sequence.
    article_paths = (re.compile(r"^/(?:amp/)?berita/(?P<id>\d+)(?:/|$)"),)
    start_paths = ("/robots.txt", "/rss/terkini.xml")
    listing_selectors = ("#terkini-scroll",)  # the home page's Terkini list (newest first)
    schedule = "15,45 * * * *"  # between tempo's runs: the warehouse has one writer at a time
    layouts = (Layout2015(),)
    boilerplate = wire.BOILERPLATE  # how ANTARA copy ends, whatever the page around it

    def canonical_url(self, url: str) -> str:
        """One host for the main site: the bare domain and m. (with its /amp/ copies) are www."""
        parts = urlsplit(canonical_url(url))
        host = "www.antaranews.com" if parts.netloc == "antaranews.com" else parts.netloc
        return urlunsplit(parts._replace(netloc=host, path=re.sub(r"^/amp(?=/)", "", parts.path)))

    def listing(self, html: bytes, url: str) -> tuple[list[str], list[str]]:
        """A home page's Terkini list; or a feed's items in order (the corpus keeps the 2015 home
        page as the Terkini RSS feed, which discovery reads as a feed before any listing)."""
        if b"<rss" not in html[:2048]:
            return super().listing(html, url)
        url = url if self.owns(url) else rebase(url, self.base_url)  # a mirror's copy: links name this site
        links = BeautifulSoup(html, "xml").select("item > link")
        urls = (self.canonical_url(urljoin(url, link.get_text(strip=True))) for link in links)
        return list(dict.fromkeys(u for u in urls if self.article_id(u))), []


SITE = Antara()
