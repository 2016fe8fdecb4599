"""Synthetic news-site mirrors of any size and of real page weight, deterministic for a seed.

Four kinds of site, each page an article of invented text whose links point at other generated pages:

- `tempo`: tempo.co's 2023 layout. Each page is one of the bundled mirror pages
  (`sites/tempo/mirror/read/*/*.html`, in turn) with a new id (1800000 + i), title, body text (paragraph
  count and lengths as in the template), date, and Pilihan Editor / related-card links.
- `tempo-2024`: tempo.co's 2024 layout (the Next.js page), from the bundled free NewsArticle pages of 2024
  in the same way: new id (1900000 + i), title, lead, JSON-LD, body, date, Pilihan Editor, cards.
- `antara`: antaranews.com's 2015 layout, written after the bundled mirror's pages (`#content_news` lines
  split by `<br />`, a "Baca juga" line, reporter code, editor and copyright lines, Berita Lainnya,
  Terpopuler, Top News and the fly-in box), ids 600000 + i.
- `wartanusa` (alias `configured_demo`): a site declared by configuration and read by the generic
  extractor, shaped as `sites/configured_demo` (JSON-LD NewsArticle, a "Baca juga" list in the side
  column), ids 40000 + i. `generate_site` makes such a site under any name and host, with its `[[site]]`
  table.

Every page is then dressed by `bench.pagebits.Chrome` to the weight of a real news page (~150 KB: inline
CSS and scripts, JSON-LD, a `__NEXT_DATA__` state blob, a mega menu, cookie banner, ad slots, a
most-read column, a latest-news grid, comments, footer) around the article's markup, never inside it.
Each mirror has robots.txt (naming its sitemap), a flat sitemap of every page's real-site URL and an RSS
feed of the 5 newest. Same seed, same bytes.

    python -m bench.sitegen /tmp/tempo-mirror --pages 2000 --seed 1 [--site antara]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cache
from html import escape as html_escape
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

from bs4 import BeautifulSoup, Tag

from bench.pagebits import Chrome, Link, person, sentences, title
from kabar.sites import get_site
from kabar.text import normalize

WIB = timezone(timedelta(hours=7), "WIB")
DAYS = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split()
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
CITIES = "Jakarta Bandung Surabaya Semarang Medan Makassar Palembang Denpasar Mataram Kupang Jayapura".split()
ALIASES = {"configured_demo": "wartanusa", "tempo-2023": "tempo"}
SITES = ("tempo", "tempo-2024", "antara", "wartanusa")  # and the aliases
DEMO_HOST = "wartanusa.example"
CONFIGURED_PATTERN = r"/berita/\d{4}/\d{2}/\d{2}/(?P<id>\d+)/"
CARDS_PER_PAGE = 40  # links the chrome's lists and state blob show to other pages
TEMPLATES = {  # page shells of the sites written from scratch, $-placeholders
    name: Template((Path(__file__).parent / "templates" / f"{name}.html").read_text(encoding="utf-8"))
    for name in ("antara", "configured")
}


@dataclass(frozen=True)
class Page:
    """One generated article: where it lives and what it says."""

    index: int
    id: int
    url: str  # the real-site canonical URL; the mirror serves it from `path`
    path: str
    title: str
    section: str
    published: datetime
    template: int = 0


@dataclass
class Generated:
    """A rendered page and what its site's parser should read off it."""

    page: Page
    html: str
    paragraphs: list[str]  # the body text written (a dateline prefix is not included)
    related: list[str] = field(default_factory=list)  # canonical URLs of the related cards written


@dataclass
class Mirror:
    """A whole generated mirror: its pages and other files (robots.txt, sitemap, feed) by path."""

    site: str  # the name `kabar.sites.get_site` knows it by
    pages: list[Generated]
    files: dict[str, str]
    related_blocks: tuple[str, ...] | None  # the blocks `related` come in; None: any (generic extractor)

    @property
    def urls(self) -> list[str]:
        return [g.page.url for g in self.pages]

    def write(self, out_dir: Path) -> None:
        out = Path(out_dir)
        for generated in self.pages:
            _write(out / generated.page.path, generated.html)
        for path, text in self.files.items():
            _write(out / path, text)


def generate(out_dir: Path, n: int = 500, seed: int = 0, site: str = "tempo") -> list[str]:
    """Write a mirror of n pages of `site` (tempo, tempo-2024, antara, wartanusa) under out_dir, its web root;
    return the pages' canonical URLs."""
    mirror = build(n, seed, site)
    mirror.write(out_dir)
    return mirror.urls


def build(
    n: int, seed: int = 0, site: str = "tempo", host: str = DEMO_HOST, name: str = "wartanusa"
) -> Mirror:
    """The mirror in memory (`generate` writes it). `host` and `name` are for a configured site only."""
    kind = ALIASES.get(site, site)
    if kind == "tempo":
        return _tempo(n, seed)
    if kind == "tempo-2024":
        return _tempo2024(n, seed)
    if kind == "antara":
        return _antara(n, seed)
    if kind == "wartanusa":
        return _configured(n, seed, name, host)
    raise ValueError(f"unknown site {site!r}: {', '.join(SITES)}")


@dataclass(frozen=True)
class GeneratedSite:
    """A configured site written by `generate_site`."""

    name: str
    host: str
    root: Path  # holds site.toml and mirror/
    mirror: Path  # the web root to serve
    toml: str  # the `[[site]]` table (also in root/site.toml), mirror path absolute
    urls: list[str]


def generate_site(out_dir: Path, n_pages: int, seed: int, name: str, host: str) -> GeneratedSite:
    """Write a configured news site `name` on `host`: `out_dir/mirror/` (its web root) and `out_dir/site.toml`
    (one `[[site]]` table as kabar.toml takes it: domains [host], start URLs robots.txt and rss.xml, delay 0,
    the article pattern `/berita/YYYY/MM/DD/<id>/`, `mirror` = the absolute mirror path).

    The pages are read by the generic extractor (`kabar.sites.configured.ConfiguredSite`). To serve and crawl
    one: `kabar.mirror.serve(site.mirror)`, then the ingest flow with `base_url` = the server's URL, once the
    site is declared (append `site.toml` text to a kabar.toml, or build it with `kabar.config.declarations`).
    Pages are dated from 2026-11-01 on, one every ~37 minutes; a 20-page site takes ~0.1 s.

        sites = [generate_site(tmp / f"s{i}", 20, i, f"gen{i:02d}", f"gen{i:02d}.example") for i in range(20)]
        Path("kabar.toml").write_text("\\n".join(s.toml for s in sites))
    """
    root = Path(out_dir)
    mirror = build(n_pages, seed, "wartanusa", host=host, name=name)
    mirror.write(root / "mirror")
    toml = (
        f'[[site]]\nname = "{name}"\ndomains = ["{host}"]\n'
        f'start_urls = ["https://{host}/robots.txt", "https://{host}/rss.xml"]\n'
        f"delay = 0.0\narticle_pattern = '{CONFIGURED_PATTERN}'\nmirror = '{(root / 'mirror').resolve()}'\n"
    )
    _write(root / "site.toml", toml)
    return GeneratedSite(name, host, root, root / "mirror", toml, mirror.urls)


# --- tempo.co, 2023 layout --------------------------------------------------------------------------------

TEMPO_TEMPLATES = get_site("tempo").mirror / "read"
TEMPO_FIRST_ID = 1_800_000
TEMPO_OLDEST = datetime(2023, 9, 1, 6, 0, tzinfo=WIB)
DATELINE = re.compile(r"^TEMPO\.CO\s*,")  # <strong>TEMPO.CO</strong>, <strong>City</strong> - ...
ARTICLE_LINK = re.compile(r"^https://(\w+\.)?tempo\.co/read/\d+")
CARDS = "section.rekomendasi .card-box, section.video-pilihan .card-box"  # the related blocks' items


@cache
def load_templates() -> tuple[tuple[BeautifulSoup, str], ...]:
    """(page, section) of every bundled single-page article in the 2023 layout (not the truncated page,
    not the pages of a multi-page article: their generated copies would link pages that do not exist)."""
    found = []
    for path in sorted(TEMPO_TEMPLATES.glob("*/*.html")):
        soup = BeautifulSoup(path.read_bytes(), "lxml")
        single = soup.select_one("div.pagination") is None
        if single and soup.select_one("article.detail-artikel h1.title") and soup.select_one("#isi"):
            canonical = soup.select_one('link[rel="canonical"]')["href"]
            found.append((soup, re.match(r"https://(\w+)\.tempo\.co/", canonical)[1]))
    return tuple(found)


def _tempo(n: int, seed: int) -> Mirror:
    rng, templates = random.Random(seed), load_templates()
    pages = []
    for i in range(n):
        template = i % len(templates)
        section, headline = templates[template][1], title(rng)
        page_id, slug = TEMPO_FIRST_ID + i, _slug(headline)
        published = TEMPO_OLDEST + timedelta(minutes=37 * i + rng.randrange(30))
        url, path = f"https://{section}.tempo.co/read/{page_id}/{slug}", f"read/{page_id}/{slug}.html"
        pages.append(Page(i, page_id, url, path, headline, section, published, template))
    chrome = Chrome("Tempo.co", "https://www.tempo.co", seed)
    rendered = [_tempo_page(rng, chrome, templates[p.template][0], p, pages) for p in pages]
    files = {
        "robots.txt": "User-agent: *\nAllow: /\n\nSitemap: https://www.tempo.co/sitemap.xml\n",
        "sitemap.xml": _sitemap(pages),
        "rss/terbaru.xml": _rss(pages, "Tempo.co - Berita Terbaru", "https://www.tempo.co", "tempo"),
    }
    return Mirror("tempo", rendered, files, ("rekomendasi", "video_pilihan", "pilihan_editor"))


def _tempo_page(rng: random.Random, chrome: Chrome, template: BeautifulSoup, page: Page, pages: list[Page]):
    soup = copy.copy(template)
    suffix = soup.title.string.rsplit(" - ", 1)[1]
    soup.title.string = f"{page.title} - {suffix}"
    soup.select_one('link[rel="canonical"]')["href"] = page.url
    soup.select_one('meta[property="og:url"]')["content"] = page.url
    soup.select_one('meta[property="og:title"]')["content"] = page.title
    soup.select_one('meta[name="description"]')["content"] = sentences(rng, 14)
    soup.select_one("h1.title").string = page.title
    soup.select_one("p.date").string = _date_text(page.published)
    isi = soup.select_one("#isi")
    paragraphs = _rewrite_body(rng, isi)
    picks = [[a] for a in isi.select("p a[href]") if ARTICLE_LINK.match(a["href"])]  # Pilihan Editor, ...
    cards = [box.select("a[href]") for box in soup.select(CARDS)]
    related = []
    for target, anchors in zip(_others(rng, len(pages), page.index, len(picks) + len(cards)), picks + cards):
        _point(anchors, pages[target])
        related.append(pages[target].url)
    html = _dress(rng, chrome, soup.decode(), page, pages, "</article>")
    return Generated(page, html, paragraphs, related)


def _rewrite_body(rng: random.Random, isi: Tag) -> list[str]:
    """New text for each story paragraph, about as long as the old one; a repeated one stays repeated.
    Paragraphs with a class, a link, an image or bold text (agency, Pilihan Editor) and boilerplate
    lines stay as they are, except that the dateline paragraph keeps only its bold "TEMPO.CO, City".
    Works for the 2023 `#isi` and the 2024 `#content-wrapper`.
    Returns the texts written."""
    rules = get_site("tempo").boilerplate
    old_prev = new_prev = None
    written = []
    for p in isi.find_all("p", recursive=False):
        old = normalize(p.get_text())
        # 2023: <strong>TEMPO.CO</strong>, <strong>City</strong> …, 2024: <strong>TEMPO.CO, City</strong> - …
        dateline = DATELINE.match(old) and p.find("strong") and not p.find("a")
        if not dateline and (p.get("class") or p.find(["a", "img", "strong"])):
            continue
        if any(rule.matches(old) for rule in rules):
            continue
        new = new_prev if old == old_prev else sentences(rng, len(old.split()))
        old_prev, new_prev = old, new
        written.append(new)
        if dateline:
            city = p.find_all("strong")[-1]
            for node in list(city.next_siblings):
                node.extract()
            city.insert_after(f" - {new}")
        else:
            p.string = new
    return written


def _point(anchors: list[Tag], target: Page) -> None:
    for a in anchors:
        a["href"] = target.url
        (a.select_one("h2.title") or a).string = target.title


# --- tempo.co, 2024 layout --------------------------------------------------------------------------------

TEMPO2024_FIRST_ID = 1_900_000
TEMPO2024_OLDEST = datetime(2024, 10, 1, 6, 0, tzinfo=WIB)
TEMPO2024_LINK = re.compile(r"^(/[a-z0-9-]+/[a-z0-9-]+-\d{6,}|https://(\w+\.)?tempo\.co/read/\d+)")


@cache
def load_templates_2024() -> tuple[tuple[BeautifulSoup, str], ...]:
    """(page, section) of every bundled free NewsArticle page of the 2024 layout (not the video, photo and
    infographic pages, nor the paywalled one: a teaser)."""
    found = []
    for path in sorted(get_site("tempo").mirror.glob("*/*-1180[0-9][0-9][0-9].html")):
        soup = BeautifulSoup(path.read_bytes(), "lxml")
        ld = json.loads(soup.find("script", type="application/ld+json").string)
        if ld.get("@type") == "NewsArticle" and ld.get("isAccessibleForFree") is True:
            if path.parent.name not in ("infografis", "video", "foto"):
                found.append((soup, path.parent.name))
    return tuple(found)


def _tempo2024(n: int, seed: int) -> Mirror:
    rng, templates = random.Random(seed), load_templates_2024()
    pages = []
    for i in range(n):
        template = i % len(templates)
        section, headline = templates[template][1], title(rng)
        page_id, slug = TEMPO2024_FIRST_ID + i, _slug(headline)
        published = TEMPO2024_OLDEST + timedelta(minutes=37 * i + rng.randrange(30))
        url, path = f"https://www.tempo.co/{section}/{slug}-{page_id}", f"{section}/{slug}-{page_id}.html"
        pages.append(Page(i, page_id, url, path, headline, section, published, template))
    chrome = Chrome("Tempo", "https://www.tempo.co", seed)
    rendered = [_tempo2024_page(rng, chrome, templates[p.template][0], p, pages) for p in pages]
    files = {
        "robots.txt": "User-agent: *\nAllow: /\n\nSitemap: https://www.tempo.co/sitemap.xml\n",
        "sitemap.xml": _sitemap(pages),
        "rss/terbaru.xml": _rss(pages, "Tempo - Berita Terbaru", "https://www.tempo.co", "tempo"),
    }
    return Mirror(
        "tempo", rendered, files, ("berita_terkait", "topik", "terpopuler", "pilihan_editor", "baca_juga")
    )


def _tempo2024_page(
    rng: random.Random, chrome: Chrome, template: BeautifulSoup, page: Page, pages: list[Page]
):
    soup = copy.copy(template)
    lead = sentences(rng, 14)
    soup.title.string = f"{page.title} | tempo.co"
    soup.select_one('link[rel="canonical"]')["href"] = page.url
    for selector, value in (
        ('meta[property="og:url"]', page.url),
        ('meta[property="og:title"]', page.title),
        ('meta[name="description"]', lead),
        ('meta[property="og:description"]', lead),
        ('meta[property="article:published_time"]', page.published.isoformat()),
    ):
        soup.select_one(selector)["content"] = value
    soup.select_one('meta[property="article:modified_time"]')["content"] = page.published.isoformat()
    script = soup.find("script", type="application/ld+json")
    ld = json.loads(script.string)
    ld.update(headline=page.title, description=lead, datePublished=page.published.isoformat())
    ld.update(dateModified=page.published.isoformat(), mainEntityOfPage={"@type": "WebPage", "@id": page.url})
    script.string = json.dumps(ld, ensure_ascii=False, indent=2)
    header = soup.select_one("article > header")
    header.h1.string = page.title
    header.h1.find_next_sibling("p").string = lead
    header.time["datetime"] = page.published.isoformat()
    header.time.string = f"{_date_text(page.published)[:-10]} | {page.published:%H.%M} WIB"
    body = soup.select_one("article #content-wrapper")
    paragraphs = _rewrite_body(rng, body)
    picks = [[a] for a in body.select("p a[href]") if TEMPO2024_LINK.match(a["href"])]  # Pilihan Editor, ...
    cards = [figure.select("a[href]") for figure in soup.select("section:has(> h2) figure")]
    related = []
    for target, anchors in zip(_others(rng, len(pages), page.index, len(picks) + len(cards)), picks + cards):
        for a in anchors:
            a["href"] = pages[target].url
            if a.find("img") is None:  # a text link, or the card's <h3> title link
                (a.find("h3") or a).string = pages[target].title
        related.append(pages[target].url)
    html = _dress(rng, chrome, soup.decode(), page, pages, "</aside>")
    return Generated(page, html, paragraphs, related)


# --- antaranews.com, 2015 layout --------------------------------------------------------------------------

ANTARA_FIRST_ID = 600_000
ANTARA_OLDEST = datetime(2015, 11, 1, 6, 0, tzinfo=WIB)
ANTARA_SECTIONS = {
    "nasional": "Umum",
    "ekonomi": "Makro",
    "olahraga": "Sepakbola",
    "hiburan": "Musik",
    "teknologi": "Sains",
    "internasional": "Asiaoseania",
}
ANTARA_IMG = "http://img.antaranews.com/new/2015/11"
ANTARA_UTM = "?utm_source={0}&amp;utm_medium={1}&amp;utm_campaign=news"


def _antara(n: int, seed: int) -> Mirror:
    rng = random.Random(seed)
    pages = []
    for i in range(n):
        headline = title(rng).capitalize()  # antara writes sentence case
        page_id, slug = ANTARA_FIRST_ID + i, _slug(headline)
        published = ANTARA_OLDEST + timedelta(minutes=37 * i + rng.randrange(30))
        url = f"https://www.antaranews.com/berita/{page_id}/{slug}"
        section = list(ANTARA_SECTIONS)[i % len(ANTARA_SECTIONS)]
        pages.append(Page(i, page_id, url, f"berita/{page_id}/{slug}.html", headline, section, published))
    chrome = Chrome("ANTARA News", "https://www.antaranews.com", seed)
    rendered = [_antara_page(rng, chrome, page, pages) for page in pages]
    files = {
        "robots.txt": "User-agent: *\nDisallow: /search\n\nSitemap: https://www.antaranews.com/sitemap.xml\n",
        "sitemap.xml": _sitemap(pages),
        "rss/terkini.xml": _rss(pages, "ANTARA News - Terkini", "https://www.antaranews.com", "antara"),
    }
    return Mirror(
        "antara",
        rendered,
        files,
        ("baca_juga", "berita_lainnya", "terpopuler", "top_news", "baca_juga_flybox"),
    )


def _antara_page(rng: random.Random, chrome: Chrome, page: Page, pages: list[Page]) -> Generated:
    picks = [pages[j] for j in _others(rng, len(pages), page.index, 10)]
    also, lainnya, populer, top, fly = picks[0], picks[1:4], picks[4:7], picks[7:9], picks[9:10]
    paragraphs = [sentences(rng, rng.randint(25, 70)) for _ in range(rng.randint(5, 9))]
    city = rng.choice(CITIES)
    lines = [f"{city} (ANTARA News) - {paragraphs[0]}", *paragraphs[1:]]
    lines.insert(2, f'<strong>Baca juga: <a href="{also.url}">{also.title}</a></strong>')
    letters = "ABCDEFGHKMRSW"
    code = f"(T.{rng.choice(letters)}{rng.randint(1, 99):03d}/{rng.choice(letters)}{rng.randint(1, 99):03d})"
    body = "<br />\n<br />\n".join(lines + [code])
    editor, author = person(rng), person(rng)
    sub = ANTARA_SECTIONS[page.section]
    when = page.published
    shown, caption = _date_text(when), sentences(rng, 16)
    menu = "".join(
        f'<li class="{"active" if s == page.section else ""}"><a href="/{s}" title="{s.capitalize()}">'
        f'{s.capitalize()}</a><span><div class="menu_bg"><a href="/{s}/{sub_.lower()}">{sub_}</a></div>'
        "</span></li>"
        for s, sub_ in ANTARA_SECTIONS.items()
    )
    lainnya_html = "".join(
        f'<div class="topbox" itemscope itemtype="http://schema.org/WebPage"><a href="{p.url}'
        f'{ANTARA_UTM.format("related_news", "related")}" class="tooltip" data-tooltip="" title="{p.title}">'
        f'<img class="img_150x100" src="{ANTARA_IMG}/small/{p.id}.jpg" alt="{p.title}" />'
        f'</a><h3 itemprop="name"><a itemprop="relatedLink" href="{p.url}'
        f'{ANTARA_UTM.format("related_news", "related")}" title="{p.title}">{p.title}</a></h3></div>'
        for p in lainnya
    )
    populer_html = "".join(
        f'<li><a href="/berita/{p.id}/{_slug(p.title)}{ANTARA_UTM.format("populer_home", "populer")}" '
        f'class="tooltip" data-tooltip="{sentences(rng, 20)}" title="{p.title}">{p.title}</a> '
        f'<span class="date">{rng.randint(1, 9)}.{rng.randint(100, 999)} views</span></li>'
        for p in populer
    )
    top_html = "".join(
        f'<div class="cl mb10"><a href="/berita/{p.id}/{_slug(p.title)}" title="{p.title}"><img '
        f'class="img_thumb fl" alt="{p.title}" src="{ANTARA_IMG}/thumb/{p.id}.jpg"></a><a title="{p.title}" '
        f'href="/berita/{p.id}/{_slug(p.title)}" class="fl w200 ml10">{p.title}</a><div class="cl"></div>'
        "</div>"
        for p in top
    )
    fly_html = "".join(
        f'<div class="fall mb10"><div class="boxpic"><div class="pic"><img alt="{p.title}" '
        f'src="{ANTARA_IMG}/thumb/{p.id}.jpg" /></div></div><div class="boxtxt"><h2>'
        f'<a href="/berita/{p.id}/{_slug(p.title)}{ANTARA_UTM.format("fly", "related")}" title="{p.title}">'
        f"{p.title}</a></h2></div></div>"
        for p in fly
    )
    html = TEMPLATES["antara"].substitute(
        title=page.title,
        section=page.section,
        description=paragraphs[0][:150],
        url=page.url,
        id=page.id,
        stamp=when.isoformat(),
        day=f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year}",
        menu=menu,
        shown=shown,
        views=f"{rng.randint(1, 9)}.{rng.randint(100, 999)}",
        keywords=f"{page.section}, {sub.lower()}",
        author=author,
        caption=f"{caption} (ANTARA FOTO/{person(rng)})",
        body=body,
        editor=editor,
        year=when.year,
        lainnya=lainnya_html,
        populer=populer_html,
        top=top_html,
        fly=fly_html,
    )
    related = [also.url, *(p.url for p in lainnya + populer + top + fly)]
    return Generated(page, _dress(rng, chrome, html, page, pages, "<!-- /right -->"), paragraphs, related)


# --- a configured site (generic extractor) ----------------------------------------------------------------

CONFIGURED_FIRST_ID = 40_000
CONFIGURED_OLDEST = datetime(2026, 11, 1, 6, 0, tzinfo=WIB)
CONFIGURED_SECTIONS = ("daerah", "ekonomi", "olahraga", "budaya", "teknologi")


def _configured(n: int, seed: int, name: str, host: str) -> Mirror:
    rng, home = random.Random(seed), f"https://{host}"
    display = name.replace("-", " ").replace("_", " ").title()
    pages = []
    for i in range(n):
        headline, when = title(rng), CONFIGURED_OLDEST + timedelta(minutes=37 * i + rng.randrange(30))
        page_id, slug = CONFIGURED_FIRST_ID + i, _slug(headline)
        path = f"berita/{when:%Y/%m/%d}/{page_id}/{slug}"
        section = CONFIGURED_SECTIONS[i % len(CONFIGURED_SECTIONS)]
        pages.append(Page(i, page_id, f"{home}/{path}", f"{path}.html", headline, section, when))
    chrome = Chrome(display, home, seed)
    rendered = [_configured_page(rng, chrome, display, home, page, pages) for page in pages]
    files = {
        "robots.txt": f"User-agent: *\nDisallow: /cari\n\nSitemap: {home}/sitemap-berita.xml\n",
        "sitemap-berita.xml": _sitemap(pages),
        "rss.xml": _rss(pages, f"{display} - Berita Terkini", home, name),
    }
    return Mirror(name, rendered, files, None)


def _configured_page(
    rng: random.Random, chrome: Chrome, display: str, home: str, page: Page, pages: list[Page]
):
    paragraphs = [sentences(rng, rng.randint(30, 80)) for _ in range(rng.randint(4, 8))]
    also = [pages[j] for j in _others(rng, len(pages), page.index, 3)]
    author, tags = person(rng), [w for w in title(rng).lower().split() if len(w) > 3][:3]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": page.url},
        "headline": page.title,
        "datePublished": page.published.isoformat(),
        "dateModified": page.published.isoformat(),
        "author": [{"@type": "Person", "name": author}],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": display,
            "logo": {"@type": "ImageObject", "url": f"{home}/aset/logo.png"},
        },
        "articleSection": page.section.capitalize(),
        "keywords": ", ".join(tags),
        "image": [f"{home}/aset/foto/{page.id}.jpg"],
        "inLanguage": "id-ID",
        "isAccessibleForFree": True,
    }
    menu = " ".join(f'<a href="{home}/kanal/{s}">{s.capitalize()}</a>' for s in CONFIGURED_SECTIONS)
    text = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    topics = " ".join(f'<a href="{home}/topik/{t}">{t}</a>' for t in tags)
    cards = "\n".join(
        f'<li class="kartu"><a href="{p.url}"><span class="kartu-judul">{html_escape(p.title)}</span></a>'
        f'<span class="kartu-waktu">{p.published:%Y-%m-%d}</span></li>'
        for p in also
    )
    html = TEMPLATES["configured"].substitute(
        title=page.title,
        display=display,
        url=page.url,
        description=paragraphs[0][:150],
        home=home,
        id=page.id,
        stamp=page.published.isoformat(),
        section=page.section.capitalize(),
        ld=json.dumps(ld, ensure_ascii=False),
        menu=menu,
        author=author,
        text=text,
        topics=topics,
        cards=cards,
        year=page.published.year,
    )
    related = [p.url for p in also]
    return Generated(page, _dress(rng, chrome, html, page, pages, "</aside>"), paragraphs, related)


# --- shared -----------------------------------------------------------------------------------------------


def _dress(rng: random.Random, chrome: Chrome, html: str, page: Page, pages: list[Page], after: str) -> str:
    others = [pages[j] for j in rng.choices(range(len(pages)), k=CARDS_PER_PAGE)] if len(pages) > 1 else []
    info = {
        "id": page.id,
        "url": page.url,
        "title": page.title,
        "section": page.section,
        "published": page.published.isoformat(),
        "author": person(rng),
    }
    return chrome.dress(html, rng, info, [Link(p.url, p.title) for p in others if p is not page], after)


def _others(rng: random.Random, n: int, i: int, k: int) -> list[int]:
    """k distinct pages other than i (repeats only when there are too few pages)."""
    chosen = [j for j in rng.sample(range(n), min(n, k + 1)) if j != i][:k]
    return chosen + [chosen[-1] if chosen else i] * (k - len(chosen))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _date_text(when: datetime) -> str:
    return f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year} {when:%H:%M} WIB"


def _sitemap(pages: list[Page]) -> str:
    urls = "".join(
        f"  <url>\n    <loc>{escape(p.url)}</loc>\n"
        f"    <lastmod>{p.published.isoformat()}</lastmod>\n  </url>\n"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def _rss(pages: list[Page], name: str, home: str, guid: str) -> str:
    newest = pages[::-1][:5]
    built = format_datetime(newest[0].published if newest else datetime(2000, 1, 1, tzinfo=WIB))
    items = "".join(
        f"    <item>\n      <title>{escape(p.title)}</title>\n      <link>{escape(p.url)}</link>\n"
        f"      <pubDate>{format_datetime(p.published)}</pubDate>\n"
        f'      <guid isPermaLink="false">{guid}-{p.id}</guid>\n    </item>\n'
        for p in newest
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
        f"    <title>{escape(name)}</title>\n    <link>{escape(home)}</link>\n"
        f"    <description>{escape(name)}</description>\n    <language>id</language>\n"
        f"    <lastBuildDate>{built}</lastBuildDate>\n{items}  </channel>\n</rss>\n"
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--site", default="tempo", help="tempo (2023), tempo-2024, antara or wartanusa (configured_demo)"
    )
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be 1 or more")
    try:
        urls = generate(args.out_dir, args.pages, args.seed, args.site)
    except (ValueError, OSError) as error:
        print(f"sitegen: {error}", file=sys.stderr)
        return 2
    print(f"{len(urls)} {args.site} pages written under {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
