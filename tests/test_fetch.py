import gzip
import hashlib
import os
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kabar.archive import read_archived
from kabar.http import DISALLOWED, USER_AGENT, fetch_pages
from kabar.mirror import serve
from kabar.records import Validators

FROZEN = datetime(2023, 9, 13, 12, 36, tzinfo=UTC)
A = b"<html><p>Artikel A</p></html>"
B = b"<html><p>Artikel B</p></html>"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_site(root, files: dict[str, bytes | str]):
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


@pytest.fixture
def site(tmp_path):
    return write_site(
        tmp_path / "site",
        {
            "robots.txt": "User-agent: *\nDisallow: /private/\n",
            "read/a.html": A,
            "read/b.html": B,
            "read/a-copy.html": A,
            "private/secret.html": "<p>secret</p>",
        },
    )


@pytest.fixture
def mirror(site):
    with serve(site) as running:
        yield running


def fetch(urls, tmp_path, **kw):
    return fetch_pages(urls, archive_dir=tmp_path / "archive", clock=lambda: FROZEN, **kw)


def test_pages_come_back_in_input_order_with_metadata(mirror, tmp_path):
    urls = [f"{mirror}/read/b", f"{mirror}/read/a", f"{mirror}/missing", f"{mirror}/read/a?utm_source=x"]
    pages = fetch(urls, tmp_path, max_workers=4)
    assert [p.url for p in pages] == urls
    assert [p.status for p in pages] == [200, 200, 404, 200]
    b = pages[0]
    assert b.final_url == urls[0] and b.fetched_at == FROZEN
    assert (b.content_hash, b.byte_count, b.attempts) == (sha(B), len(B), 1)
    assert (b.error, b.unchanged) == (None, False)
    assert b.content_type == "text/html; charset=utf-8"
    assert b.etag and b.last_modified and b.elapsed_ms > 0


def test_archive_is_gzip_and_content_addressed(mirror, site, tmp_path):
    a, b, a_copy = fetch([f"{mirror}/read/a", f"{mirror}/read/b", f"{mirror}/read/a-copy"], tmp_path)
    expected = tmp_path / "archive" / sha(A)[:2] / f"{sha(A)}.html.gz"
    assert a.archive_path == str(expected) == a_copy.archive_path
    assert gzip.decompress(expected.read_bytes()) == A
    assert read_archived(b.archive_path) == B
    robots = (site / "robots.txt").read_bytes()
    assert sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()) == sorted(
        [f"{sha(A)}.html.gz", f"{sha(B)}.html.gz", f"{sha(robots)}.html.gz"]
    )  # one file per content (robots.txt too: the next read is conditional), no temporary files


def test_existing_archive_file_is_not_rewritten(mirror, tmp_path):
    (first,) = fetch([f"{mirror}/read/a"], tmp_path)
    before = os.stat(first.archive_path)
    fetch([f"{mirror}/read/a-copy"], tmp_path)
    after = os.stat(first.archive_path)
    # A rewrite would rename a new inode into place.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize("send_etag, send_last_modified", [(True, True), (True, False), (False, True)])
def test_304_gives_unchanged_and_carries_previous_archive(mirror, tmp_path, send_etag, send_last_modified):
    (first,) = fetch([f"{mirror}/read/a"], tmp_path)
    known = Validators(first.etag, first.last_modified, first.content_hash)
    previous = {
        first.url: known._replace(
            etag=known.etag if send_etag else None,
            last_modified=known.last_modified if send_last_modified else None,
        )
    }
    (second,) = fetch([first.url], tmp_path, previous=previous)
    assert (second.status, second.unchanged) == (304, True)
    assert (second.content_hash, second.archive_path) == (first.content_hash, first.archive_path)
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    assert second.error is None
    assert [h.status for h in mirror.hits if h.path == "/read/a"] == [200, 304]


def test_same_bytes_without_validators_is_unchanged(mirror, tmp_path):
    previous = {
        f"{mirror}/read/a": Validators(None, None, sha(A)),
        f"{mirror}/read/b": Validators(None, None, sha(A)),  # b's bytes differ from what we knew
    }
    a, b = fetch([f"{mirror}/read/a", f"{mirror}/read/b"], tmp_path, previous=previous)
    assert (a.status, a.unchanged, a.content_hash) == (200, True, sha(A))
    assert (b.status, b.unchanged, b.content_hash) == (200, False, sha(B))


def test_robots_disallow_is_honoured_and_robots_read_once(mirror, tmp_path):
    paths = ["/read/a", "/private/secret", "/read/b", "/private/secret.html"]
    urls = [f"{mirror}{path}" for path in paths]
    pages = fetch(urls, tmp_path, max_workers=4)
    assert [p.error for p in pages] == [None, DISALLOWED, None, DISALLOWED]
    secret = pages[1]
    assert (secret.status, secret.attempts, secret.archive_path, secret.fetched_at) == (None, 0, None, FROZEN)
    assert not any(path.startswith("/private") for path in mirror.requests)
    assert mirror.requests.count("/robots.txt") == 1


def test_missing_robots_allows_everything(tmp_path):
    root = write_site(tmp_path / "site", {"private/secret.html": "<p>secret</p>"})
    with serve(root) as mirror:
        (page,) = fetch([f"{mirror}/private/secret"], tmp_path)
    assert (page.status, page.error) == (200, None)
    assert mirror.requests == ["/robots.txt", "/private/secret"]


def test_robots_rules_for_our_user_agent(tmp_path):
    robots = "User-agent: kabar\nDisallow: /read/b\n\nUser-agent: *\nDisallow: /\n"
    root = write_site(tmp_path / "site", {"robots.txt": robots, "read/a.html": A, "read/b.html": B})
    with serve(root) as mirror:
        a, b = fetch([f"{mirror}/read/a", f"{mirror}/read/b"], tmp_path)
        other = fetch([f"{mirror}/read/a"], tmp_path, user_agent="otherbot/1.0")[0]
    assert (a.status, b.error, other.error) == (200, DISALLOWED, DISALLOWED)


def test_404_is_an_error_and_not_archived(mirror, site, tmp_path):
    (page,) = fetch([f"{mirror}/missing"], tmp_path)
    assert (page.status, page.error, page.archive_path, page.content_hash) == (404, "HTTP 404", None, None)
    archived = [p.name for p in (tmp_path / "archive").rglob("*.html.gz")]
    assert archived == [f"{sha((site / 'robots.txt').read_bytes())}.html.gz"]  # robots.txt alone


def test_connection_refused_is_reported_not_raised(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (page,) = fetch([f"http://127.0.0.1:{port}/read/a"], tmp_path)
    assert page.status is None and page.archive_path is None
    assert "Connection refused" in page.error and "robots.txt" in page.error
    assert page.reason == "robots_unreachable"


def test_user_agent_is_sent_on_every_request(mirror, tmp_path):
    fetch([f"{mirror}/read/a", f"{mirror}/read/b"], tmp_path)
    fetch([f"{mirror}/read/a"], tmp_path, user_agent="kabar-test/9")
    agents = [h.user_agent for h in mirror.hits]
    assert agents == [USER_AGENT] * 3 + ["kabar-test/9"] * 2


@pytest.mark.parametrize(
    "robots, min_delay", [("User-agent: *\nCrawl-delay: 0.25\n", 0.0), ("User-agent: *\n", 0.25)]
)
def test_requests_to_one_host_are_spaced(tmp_path, robots, min_delay):
    root = write_site(tmp_path / "site", {"robots.txt": robots, "a.html": A, "b.html": B, "c.html": A})
    with serve(root) as mirror:
        started = time.monotonic()
        fetch([f"{mirror}/a", f"{mirror}/b", f"{mirror}/c"], tmp_path, max_workers=3, min_delay=min_delay)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.5  # three starts at least 0.25 s apart, even with three threads


class Flaky(BaseHTTPRequestHandler):
    """/flaky fails once with 503 then succeeds; /down always fails with 503."""

    calls: dict[str, int] = {}

    def do_GET(self):
        calls = Flaky.calls[self.path] = Flaky.calls.get(self.path, 0) + 1
        ok = self.path == "/flaky" and calls > 1
        status, body = (200, b"ok") if ok else (404 if self.path == "/robots.txt" else 503, b"")
        self.send_response(status)
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky_server():
    Flaky.calls = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_transient_errors_are_retried_and_counted(flaky_server, tmp_path):
    flaky, down = fetch([f"{flaky_server}/flaky", f"{flaky_server}/down"], tmp_path)
    assert (flaky.status, flaky.attempts, flaky.error) == (200, 2, None)
    assert (down.status, down.attempts, down.error) == (503, 4, "HTTP 503")
    assert Flaky.calls == {"/robots.txt": 1, "/flaky": 2, "/down": 4}


def test_a_body_gone_from_the_archive_is_fetched_whole_again(mirror, tmp_path):
    """Validators are only sent while the archive still holds the body a 304 would point at."""
    (first,) = fetch([f"{mirror}/read/a"], tmp_path)
    previous = {first.url: Validators(first.etag, first.last_modified, first.content_hash)}
    Path(first.archive_path).unlink()
    (again,) = fetch([f"{mirror}/read/a"], tmp_path, previous=previous)
    assert (again.status, Path(again.archive_path).exists()) == (200, True)
