"""Fetching against a hostile server (tests/faults.py, real sockets on 127.0.0.1): every fault ends in a
page with a stable reason within the request deadline, nothing leaves scope, nothing is expanded past
the size limit, and text is decoded as what it is."""

import time
import tracemalloc

import pytest

from kabar.http import Crawl, Fetcher
from kabar.sites import get_site
from kabar.tasks.discover import discover_urls
from kabar.tasks.extract import extract_fetched
from tests.conftest import mirror_of
from tests.faults import CHARSET_TITLE, METADATA_ADDRESS, METADATA_HOST, loopback_only, serve_faults

PAGE = "/read/1772314/norwegia-dan-chile-sepakati-riset-bersama-di-antartika"
DEADLINE = 2.0
# fault -> (status, reason) of the page that comes back
EXPECTED = {
    "500-then-ok": (200, None),
    "429": (200, None),
    "429-long": (429, "http_429"),
    "hang": (None, "deadline"),
    "trickle": (200, "deadline"),
    "reset": (None, "connection"),
    "truncated-length": (200, "truncated"),
    "redirect-loop": (None, "too_many_redirects"),
    "redirect-offsite": (None, "out_of_scope"),
    "redirect-metadata": (None, "out_of_scope"),
    "gzip-bomb": (200, "too_large"),
    "oversized": (200, "too_large"),
    "oversized-no-length": (200, "too_large"),
    "404": (404, "http_404"),
    "410": (410, "http_410"),
}


def _crawl(tmp_path, server, **fields) -> Crawl:
    return Crawl(archive_dir=str(tmp_path), base_url=server.base_url, deadline=DEADLINE, **fields)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_each_fault_ends_with_its_reason_within_the_deadline(fault, tmp_path):
    with serve_faults(mirror_of("tempo"), {PAGE: fault}, hold_s=10) as server:
        with Fetcher(_crawl(tmp_path, server)) as fetcher:
            started = time.monotonic()
            page = fetcher.fetch(server.base_url + PAGE)
            elapsed = time.monotonic() - started
        offsite = server.offsite.requests if server.offsite else []
    status, reason = EXPECTED[fault]
    assert (page.reason, page.status if status is not None else None) == (reason, status), page.error
    assert elapsed < DEADLINE + 1.5
    assert (page.content_hash is None) == (reason is not None)  # only whole pages are archived
    assert offsite == []


def test_429_with_a_long_retry_after_is_remembered_not_waited_for(tmp_path):
    with (
        serve_faults(mirror_of("tempo"), {PAGE: "429-long"}) as server,
        Fetcher(_crawl(tmp_path, server)) as f,
    ):
        page = f.fetch(server.base_url + PAGE)
    assert (page.attempts, page.retry_after) == (1, 3600)


def test_retries_fit_the_deadline(tmp_path):
    with (
        serve_faults(mirror_of("tempo"), {PAGE: "500-then-ok"}) as server,
        Fetcher(_crawl(tmp_path, server)) as f,
    ):
        page = f.fetch(server.base_url + PAGE)
    assert (page.status, page.attempts) == (200, 2)


def test_a_gzip_bomb_is_never_expanded(tmp_path):
    with (
        serve_faults(mirror_of("tempo"), {PAGE: "gzip-bomb"}) as server,
        Fetcher(_crawl(tmp_path, server)) as f,
    ):
        tracemalloc.start()
        page = f.fetch(server.base_url + PAGE)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert page.reason == "too_large"
    assert peak < 4 * Crawl(archive_dir="").max_bytes


def test_a_mislabelled_charset_is_decoded_as_what_it_is(tmp_path):
    tempo = get_site("tempo")
    with serve_faults(mirror_of("tempo"), {PAGE: "mislabelled-charset"}) as server:
        crawl = _crawl(tmp_path, server)
        with Fetcher(crawl) as fetcher:
            page = fetcher.fetch(server.base_url + PAGE)
    assert (page.charset, page.charset_source) == ("cp1252", "detected")
    article = extract_fetched(tempo, crawl, page)
    assert CHARSET_TITLE in article.parsed.title and article.flags == ()


def test_a_body_cut_short_without_length_is_a_truncated_issue(tmp_path):
    tempo = get_site("tempo")
    with serve_faults(mirror_of("tempo"), {PAGE: "truncated-no-length"}) as server:
        crawl = _crawl(tmp_path, server)
        with Fetcher(crawl) as fetcher:
            page = fetcher.fetch(server.base_url + PAGE)
    assert page.status == 200 and page.reason is None  # nothing on the wire says so
    issue = extract_fetched(tempo, crawl, page)
    assert (issue.problem, issue.content_hash) == ("truncated", page.content_hash)


def test_utf8_that_does_not_decode_is_flagged(tmp_path):
    html = (mirror_of("tempo") / (PAGE.lstrip("/") + ".html")).read_bytes()
    broken = html.replace(b"Antartika", b"Antar\xfftika")  # not UTF-8, and no charset explains it
    tempo = get_site("tempo")
    from kabar.extract import extract

    article = extract(tempo, broken, "https://dunia.tempo.co" + PAGE, page_time(), charset="utf-8")
    assert article.flags == ("replacement_characters",)


def page_time():
    from datetime import UTC, datetime

    return datetime(2023, 10, 1, 5, tzinfo=UTC)


# --- scope for real sites: an injected resolver; no connection leaves 127.0.0.1 --------------------


def _resolver(table):
    asked = []

    def resolve(host):
        asked.append(host)
        return table.get(host, [])

    return resolve, asked


def test_a_site_host_resolving_to_a_metadata_address_is_refused(tmp_path):
    """Real-site mode: the redirect names a host of the site, but it resolves (through the injected
    resolver) to the cloud metadata address: refused before any connection."""
    resolve, asked = _resolver({"127.0.0.1": ["93.184.216.34"], METADATA_HOST: [METADATA_ADDRESS]})
    with serve_faults(mirror_of("tempo"), {PAGE: "redirect-metadata"}) as server, loopback_only() as guard:
        crawl = Crawl(archive_dir=str(tmp_path), hosts=("127.0.0.1", METADATA_HOST), deadline=DEADLINE)
        with Fetcher(crawl, resolve=resolve) as fetcher:
            page = fetcher.fetch(server.base_url + PAGE)
    assert page.reason == "out_of_scope" and METADATA_ADDRESS in page.error
    assert METADATA_HOST in asked and guard.blocked == []  # refused before any connection


@pytest.mark.parametrize(
    ("url", "table", "why"),
    [
        ("http://news.example/read/1", {}, "not a host of the site"),
        ("http://kabar.test/read/1", {"kabar.test": ["10.0.0.7"]}, "10.0.0.7"),
        ("http://kabar.test/read/1", {"kabar.test": ["127.0.0.1"]}, "127.0.0.1"),
        ("http://kabar.test/read/1", {"kabar.test": ["fd00::1"]}, "fd00::1"),
        ("file:///etc/passwd", {}, "not an http(s) URL"),
    ],
)
def test_out_of_scope_urls_are_never_requested(tmp_path, url, table, why):
    resolve, _ = _resolver(table)
    crawl = Crawl(archive_dir=str(tmp_path), hosts=("kabar.test",))
    with loopback_only({}) as guard, Fetcher(crawl, resolve=resolve) as fetcher:
        page = fetcher.fetch(url)
    assert (page.reason, page.attempts) == ("out_of_scope", 0) and why in page.error
    assert guard.blocked == [] and guard.unresolved == []  # no lookup, no connection was even tried


def test_robots_applies_to_discovery_sources(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\nSitemap: /private/sitemap.xml\n")
    (root / "private").mkdir()
    (root / "private" / "sitemap.xml").write_text("<urlset><url><loc>http://x/read/1</loc></url></urlset>")
    with serve_faults(root, {}) as server, Fetcher(_crawl(tmp_path, server)) as fetcher:
        found = discover_urls(
            fetcher.source, [f"{server.base_url}/robots.txt", f"{server.base_url}/private/sitemap.xml"]
        )
        requested = server.requests
    assert found.urls == () and "/private/sitemap.xml" not in requested
    assert any("disallowed" in problem for problem in found.problems)
