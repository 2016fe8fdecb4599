import gzip
import logging

import pytest

from kabar.http import Crawl, Fetcher
from kabar.mirror import serve
from kabar.tasks.discover import discover_urls, sitemaps_from_robots, urls_from_feed, urls_from_sitemap

SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
IMAGE = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'


def urlset(*locs: str) -> str:
    items = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {SM}>{items}</urlset>'


def index(*locs: str) -> str:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {SM}>{items}</sitemapindex>'


def rss(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    channel = f"<channel><link>https://home/</link>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def test_sitemaps_from_robots():
    text = "User-agent: *\nDisallow: /search\n"
    text += "Sitemap: https://x.co/sitemap.xml\nsitemap: https://x.co/news.xml\n"
    assert sitemaps_from_robots(text) == ["https://x.co/sitemap.xml", "https://x.co/news.xml"]
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n") == []


def test_news_sitemap_gives_only_page_locs():
    xml = f"""\n\n  <?xml version="1.0" encoding="UTF-8"?>
    <urlset {SM} {NEWS} {IMAGE}>
      <url>
        <loc>
          https://www.tempo.co/read/1/a
        </loc>
        <lastmod>2023-09-13T19:36:00+07:00</lastmod>
        <news:news><news:publication><news:name>Tempo</news:name></news:publication>
          <news:title>A</news:title></news:news>
        <image:image><image:loc>https://img.tempo.co/a.jpg</image:loc></image:image>
      </url>
      <!-- a comment -->
      <url><loc>https://www.tempo.co/read/2/b</loc></url>
      <url><loc>   </loc></url>
    </urlset>"""
    pages = ["https://www.tempo.co/read/1/a", "https://www.tempo.co/read/2/b"]
    assert urls_from_sitemap(xml.encode()) == (pages, [])


def test_sitemap_index_and_unnamespaced_urlset():
    assert urls_from_sitemap(index("https://x/s1.xml", "https://x/s2.xml").encode()) == (
        [],
        ["https://x/s1.xml", "https://x/s2.xml"],
    )
    assert urls_from_sitemap(b"<urlset><url><loc>https://x/a</loc></url></urlset>") == (["https://x/a"], [])


def test_gzipped_sitemap_with_bom():
    data = gzip.compress(b"\xef\xbb\xbf" + urlset("https://x/a").encode())
    assert urls_from_sitemap(data) == (["https://x/a"], [])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<urlset><url><loc>https://x/a</loc></url>",  # truncated
        b"<html><body><p>Not found</body></html>",
        b"\x1f\x8b not really gzip",
        rss("https://x/a").encode(),  # a feed is not a sitemap
    ],
)
def test_not_a_sitemap_gives_empty_lists(data):
    assert urls_from_sitemap(data) == ([], [])


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("https://leaked/")
    xml = f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file://{secret}">]>'
    xml += "<urlset><url><loc>&e;</loc></url></urlset>"
    pages, _ = urls_from_sitemap(xml.encode())
    assert "https://leaked/" not in pages


def test_rss_item_links():
    assert urls_from_feed(rss("https://x/a", " https://x/b\n").encode()) == ["https://x/a", "https://x/b"]


def test_atom_entry_links_prefer_alternate():
    xml = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom">
      <link rel="self" href="https://x/feed.atom"/>
      <entry><link rel="enclosure" href="https://x/a.mp3"/><link rel="alternate" href="https://x/a"/></entry>
      <entry><link href="https://x/b"/></entry>
      <entry><title>no link</title></entry>
    </feed>"""
    assert urls_from_feed(xml) == ["https://x/a", "https://x/b"]


@pytest.mark.parametrize("data", [b"", b"<rss><channel><item><link>https://x/a</link></item>", b"plain text"])
def test_malformed_feed_gives_empty_list(data):
    assert urls_from_feed(data) == []


def write_news_site(root, base: str) -> None:
    files = {
        "robots.txt": f"User-agent: *\nSitemap: {base}/sitemap-index.xml\n",
        # The index lists itself (a loop), a missing child and a malformed child.
        "sitemap-index.xml": index(
            f"{base}/sitemap-news.xml",
            f"{base}/sitemap-index.xml",
            f"{base}/gone.xml",
            f"{base}/broken.xml",
            f"{base}/sitemap-2023.xml",
        ),
        "sitemap-news.xml": urlset(f"{base}/read/3", f"{base}/read/2"),
        "sitemap-2023.xml": urlset(f"{base}/read/2", f"{base}/read/1"),
        "broken.xml": "<urlset><url><loc>",
        "rss.xml": rss(f"{base}/read/4", f"{base}/read/3"),
    }
    for name, text in files.items():
        (root / name).write_text(text)


def fetcher_for(mirror, archive) -> Fetcher:
    """Requests within the mirror only, as a crawl of it makes them."""
    return Fetcher(Crawl(archive_dir=str(archive), base_url=mirror.base_url))


@pytest.fixture
def site_mirror(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    with serve(root) as mirror:  # files are read per request, so they can name the port
        write_news_site(root, mirror.base_url)
        yield mirror


def test_discover_follows_robots_index_and_feed(site_mirror, caplog, tmp_path):
    m = site_mirror
    with fetcher_for(m, tmp_path) as fetcher, caplog.at_level(logging.WARNING, logger="kabar.tasks.discover"):
        found = discover_urls(fetcher.source, [f"{m}/robots.txt", f"{m}/rss.xml", f"{m}/nothing.xml"])
    assert list(found.urls) == [f"{m}/read/{n}" for n in (4, 3, 2, 1)]  # start URLs first, then breadth-first
    assert m.requests.count("/sitemap-index.xml") == 1
    logged = caplog.text
    assert "gone.xml" in logged and "broken.xml" in logged and "nothing.xml" in logged


def test_discover_reads_at_most_max_sitemaps_found_sources(site_mirror, tmp_path):
    m = site_mirror
    with fetcher_for(m, tmp_path) as fetcher:
        found = discover_urls(fetcher.source, [f"{m}/robots.txt"], max_sitemaps=2)
    assert m.requests == ["/robots.txt", "/sitemap-index.xml", "/sitemap-news.xml"]
    assert list(found.urls) == [f"{m}/read/3", f"{m}/read/2"]
