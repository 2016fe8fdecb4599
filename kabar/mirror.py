"""A static HTTP server for local mirrors of news sites (tests, benchmarks, `kabar demo`).

    with serve(get_site("tempo").mirror) as mirror:
        requests.get(f"{mirror.base_url}/robots.txt")
        mirror.requests      # ["/robots.txt"]: paths as requested, query included
        mirror.hits          # [Hit(path, user_agent, status)], in arrival order

`str(mirror)` is the base URL, so a mirror can stand wherever a base URL is expected.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from kabar.extract import PageSource, Unavailable

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".json": "application/json",
}


class Hit(NamedTuple):
    path: str
    user_agent: str | None
    status: int


@dataclass
class Mirror:
    base_url: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def requests(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def __str__(self) -> str:
        return self.base_url


def resolve(root: Path, url_path: str) -> Path | None:
    """The file serving `url_path`: exact file, else `.html` added, else `index.html` inside. A
    query string selects `<name>@<query>.html` when the mirror has one (page 2 of an article), and is
    ignored otherwise (tracking parameters)."""
    parts = urlsplit(url_path)
    relative = unquote(parts.path).lstrip("/")
    base = (root / relative).resolve()
    if not base.is_relative_to(root.resolve()):  # "/../etc/passwd" must not escape the mirror
        return None
    candidates = [base, base / "index.html"]
    if relative and not relative.endswith("/"):  # "/" must not reach "<root>.html" beside the mirror
        candidates.insert(1, base.with_name(base.name + ".html"))
        if parts.query and "/" not in parts.query:
            candidates.insert(0, base.with_name(f"{base.name}@{unquote(parts.query)}.html"))
    return next((c for c in candidates if c.is_file()), None)


def validators(body: bytes, mtime: float) -> dict[str, str]:
    """The ETag and Last-Modified the mirror sends with a file."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}


def not_modified(headers, etag: str, mtime: float) -> bool:
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
    if (tags := headers.get("If-None-Match")) is not None:
        return tags.strip() == "*" or etag in [t.strip() for t in tags.split(",")]
    if since := headers.get("If-Modified-Since"):
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def captured_at(page: Path | None) -> float | None:
    """When a mirror's page was captured from the site (`fetched_at` in `<page>.meta.json`), as a
    timestamp; None for a file without one (robots.txt, sitemaps, a generated mirror)."""
    meta = page.with_name(page.name.removesuffix(page.suffix) + ".meta.json") if page else None
    try:
        moment = datetime.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["fetched_at"])
    except (AttributeError, OSError, ValueError, KeyError, TypeError):
        return None
    return moment.timestamp() if moment.tzinfo else None


class _Handler(BaseHTTPRequestHandler):
    """Serves files under `root` and logs each request to `mirror` (both set per server by `serve`)."""

    disable_nagle_algorithm = True  # headers and body go out in two writes: do not hold the second back

    protocol_version = "HTTP/1.1"  # keep-alive, as real sites do
    root: Path
    mirror: Mirror
    captured: float | None = None

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        path = resolve(self.root, self.path)
        self.captured = captured_at(path)  # per request: a keep-alive connection reuses the handler
        if path is None:
            return self._send(404, b"not found\n", {"Content-Type": "text/plain"}, with_body)
        body, mtime = path.read_bytes(), path.stat().st_mtime
        headers = validators(body, mtime)
        if not_modified(self.headers, headers["ETag"], mtime):
            return self._send(304, b"", headers, with_body=False)
        headers["Content-Type"] = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, body, headers, with_body)

    def _send(self, status: int, body: bytes, headers: dict[str, str], with_body: bool) -> None:
        self.mirror.hits.append(Hit(self.path, self.headers.get("User-Agent"), status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header: a captured page is replayed as it was served, at its capture time."""
        return super().date_time_string(timestamp if timestamp is not None else self.captured)

    def log_message(self, format: str, *args) -> None:
        pass  # one line per request drowns test and benchmark output


@contextmanager
def serve(root: Path, port: int = 0) -> Iterator[Mirror]:
    """Serve `root` on 127.0.0.1 (`port` 0 picks a free one) until the block exits."""
    mirror = Mirror(base_url="")
    handler = type("MirrorHandler", (_Handler,), {"root": Path(root), "mirror": mirror})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True  # idle keep-alive connections must not block exit
    mirror.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits up to one interval, paid by every test that serves.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="kabar-mirror", daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def saved_pages(page: Path, url: str) -> PageSource | None:
    """Pages saved beside `page` the way a mirror keeps them (page 2 of `<name>.html` at
    `<name>@page_num=2.html`), as a source of continuation pages; None when `page` is not where a
    mirror would keep `url`."""
    page = Path(page).resolve()
    try:
        root = next((folder for folder in page.parents if resolve(folder, urlsplit(url).path) == page), None)
    except (OSError, ValueError):  # a path too long for the file system is no mirror's file
        return None
    if root is None:
        return None

    def read(other: str) -> bytes:
        parts = urlsplit(other)
        found = resolve(root, parts.path + (f"?{parts.query}" if parts.query else ""))
        if found is None or (parts.query and "@" not in found.name):  # a query the mirror has no file for
            raise Unavailable(f"{other}: not saved under {root}")
        return found.read_bytes()

    return read
