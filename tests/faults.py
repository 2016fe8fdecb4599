"""A fault-injecting HTTP server for tests and benchmarks: real sockets on 127.0.0.1.

    with serve_faults(root, {"/read/1/story": "hang", "/read/2/other": "410"}) as server:
        requests.get(f"{server.base_url}/read/2/other")  # 410
        server.hits            # [FaultHit(path, user_agent, status, fault)], in arrival order
        server.offsite.hits    # the second server that `redirect-offsite` points at

Every path serves the files under `root` exactly as `kabar.mirror.serve` does (the same
`kabar.mirror.resolve`, ETag and Last-Modified, 304 answers to If-None-Match / If-Modified-Since,
keep-alive HTTP/1.1), except a path (query left out) that is a key of `faults`: it gets its fault
instead. The faults, by name:

- ``500-then-ok``: the first request of the path answers 500, later ones serve the file.
- ``429``: the first request answers 429 with ``Retry-After: 1``, later ones serve the file.
- ``429-long``: always 429 with ``Retry-After: 3600``.
- ``hang``: reads the request and sends nothing; holds the connection until the client goes away,
  the server stops or `hold_s` (120 s) pass, then closes it.
- ``trickle``: sends a 200's headers (no Content-Length, ``Connection: close``), then one byte of the
  file every second, until the client goes away, the server stops or `hold_s` pass.
- ``reset``: reads the request and closes the connection with an RST (SO_LINGER 0, then close).
- ``truncated-length``: Content-Length of the whole file, sends the first half, closes.
- ``truncated-no-length``: no Content-Length, ``Connection: close``, sends the first 40 % of the
  file's bytes, closes: a client cannot tell the body was cut short.
- ``redirect-loop``: 302 to the same path with ``?n=<n+1>`` (n from the request's query, else 0).
- ``redirect-offsite``: 302 to the same path and query on ``http://127.0.0.1:<offsite_port>``: the
  `offsite_port` argument, else a second server (`kabar.mirror.serve` of the same root) that the
  context manager starts and exposes as `.offsite`, so a test can check it got no request.
- ``redirect-metadata``: 302 to ``http://metadata.internal/latest/meta-data/``. The name is never
  resolvable for real; `loopback_only()` maps it to 169.254.169.254 and refuses the connection.
- ``gzip-bomb``: ``Content-Encoding: gzip``, ~1 MB of gzip that inflates to 1 GiB of zeros (built
  once per process by streaming compression, then kept in memory; never 1 GiB at once).
- ``gzip-twice``: the file gzipped twice, sent with ``Content-Encoding: gzip``: what a client inflates
  is gzip still (a server that compresses what its application already compressed).
- ``mislabelled-charset``: the file's text encoded as windows-1252 and served as ``text/html;
  charset=utf-8`` (with validators, so a re-run gets a 304). A page with none of é “ ” – first has
  the text of its <title> and first <h1> replaced by `CHARSET_TITLE`, "Désa “Café” – Kopi".
- ``oversized``: the file with an HTML comment before ``</body>`` that pads it to 60 MiB
  (`OVERSIZED_BYTES`): still valid HTML; Content-Length set, streamed in 1 MiB chunks.
- ``oversized-no-length``: the same body with ``Transfer-Encoding: chunked`` and no Content-Length.
- ``404``, ``410``: that status (text/plain body), whether or not the file exists.

A robots.txt disallow is no fault: write a robots.txt into `root`.

Handler threads are daemon threads. Leaving the block stops the server: hanging and trickling
handlers see a stop event within `TICK_S`, every open connection is shut down, and the handler
threads are joined for at most a second, so a hang never holds up a test's teardown.
"""

from __future__ import annotations

import errno
import gzip
import ipaddress
import re
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from kabar.mirror import CONTENT_TYPES, Mirror, not_modified, resolve, serve, validators

FAULTS = (
    "500-then-ok",
    "429",
    "429-long",
    "hang",
    "trickle",
    "reset",
    "truncated-length",
    "truncated-no-length",
    "redirect-loop",
    "redirect-offsite",
    "redirect-metadata",
    "gzip-bomb",
    "gzip-twice",
    "mislabelled-charset",
    "oversized",
    "oversized-no-length",
    "404",
    "410",
)
HOLD_S = 120.0  # the longest a hang or a trickle keeps its connection
TICK_S = 0.05  # how often a holding handler looks at the stop event and the client
METADATA_HOST = "metadata.internal"
METADATA_ADDRESS = "169.254.169.254"
METADATA_URL = f"http://{METADATA_HOST}/latest/meta-data/"
CHARSET_TITLE = "Désa “Café” – Kopi"
CHARSET_MARKS = "é“”–"
BOMB_BYTES = 1 << 30  # what the gzip bomb inflates to
OVERSIZED_BYTES = 60 << 20
CHUNK = 1 << 20
HTML = CONTENT_TYPES[".html"]


class FaultHit(NamedTuple):
    path: str  # as requested, query included
    user_agent: str | None
    status: int | None  # None: no status line was sent (hang, reset)
    fault: str | None  # the path's fault, None for a plain file


@dataclass
class FaultMirror:
    base_url: str
    faults: Mapping[str, str]
    hits: list[FaultHit] = field(default_factory=list)
    offsite: Mirror | None = None  # the server `redirect-offsite` points at, when this one started it

    @property
    def requests(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def hits_of(self, path: str) -> list[FaultHit]:
        """Requests of `path`, whatever their query."""
        return [hit for hit in self.hits if urlsplit(hit.path).path == path]

    def __str__(self) -> str:
        return self.base_url


# --- bodies ----------------------------------------------------------------------------------------

_bomb: bytes | None = None
_bomb_lock = threading.Lock()


def gzip_bomb() -> bytes:
    """gzip of `BOMB_BYTES` zeros (~1 MB), compressed 1 MiB at a time; built once per process."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            packer, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(CHUNK)
            parts = [packer.compress(zeros) for _ in range(BOMB_BYTES // CHUNK)]
            _bomb = b"".join([*parts, packer.flush()])
        return _bomb


def mislabelled(body: bytes) -> bytes:
    """The page as windows-1252, with é “ ” – in its title when it had none of them."""
    text = body.decode("utf-8", "replace")
    if not any(mark in text for mark in CHARSET_MARKS):
        for tag in ("title", "h1"):
            text = re.sub(
                rf"(<{tag}\b[^>]*>).*?(</{tag}>)",
                lambda m: m[1] + CHARSET_TITLE + m[2],
                text,
                count=1,
                flags=re.IGNORECASE | re.DOTALL,
            )
    return text.encode("cp1252", "xmlcharrefreplace")


def oversized_parts(body: bytes, size: int = OVERSIZED_BYTES) -> Iterator[bytes]:
    """`body` with an HTML comment before its `</body>` (else at its end) that makes it `size` bytes,
    in chunks of at most `CHUNK` bytes; never the whole page in memory."""
    at = body.lower().rfind(b"</body>")
    head, tail = (body[:at], body[at:]) if at >= 0 else (body, b"")
    opening, closing = b"\n<!-- padding ", b" -->\n"
    left = size - len(head) - len(tail) - len(opening) - len(closing)
    if left < 0:
        raise ValueError(f"the page is larger than {size} bytes already")
    block = (b"kabar oversized page padding\n" * (CHUNK // 29 + 1))[:CHUNK]
    yield head + opening
    while left > 0:
        yield block[: min(left, CHUNK)]
        left -= CHUNK
    yield closing + tail


# --- the server ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, root: Path, faults: Mapping[str, str], hold_s: float) -> None:
        super().__init__(address, _Handler)
        self.root, self.faults, self.hold_s = Path(root), dict(faults), hold_s
        self.mirror = FaultMirror(base_url=f"http://127.0.0.1:{self.server_address[1]}", faults=self.faults)
        self.offsite_url = ""
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}
        self.connections: set[socket.socket] = set()
        self.threads: set[threading.Thread] = set()

    def handle_error(self, request, client_address) -> None:
        """A client that left mid-answer (timed out, cut off a body) is the point of a fault, not
        an error worth a traceback; anything else is printed as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def seen(self, path: str) -> int:
        """How many requests of `path` came before this one."""
        with self._lock:
            count = self._seen.get(path, 0)
            self._seen[path] = count + 1
            return count

    def process_request_thread(self, request, client_address) -> None:
        with self._lock:
            self.threads.add(threading.current_thread())
            self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self.threads.discard(threading.current_thread())
                self.connections.discard(request)

    def halt(self) -> None:
        """Stop holding handlers, accepting, and every open connection; join handlers for <= 1 s."""
        self.stop.set()
        self.shutdown()
        with self._lock:
            connections, threads = list(self.connections), list(self.threads)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed (reset) or gone
        deadline = time.monotonic() + 1.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args) -> None:
        pass

    def _answer(self, with_body: bool) -> None:
        path = urlsplit(self.path).path
        self.fault = self.server.faults.get(path)
        self.with_body = with_body
        if self.fault is None:
            return self._file()
        getattr(self, "fault_" + re.sub(r"\W", "_", self.fault))(self.server.seen(path))

    # --- plumbing

    def _hit(self, status: int | None) -> None:
        hit = FaultHit(self.path, self.headers.get("User-Agent"), status, self.fault)
        self.server.mirror.hits.append(hit)

    def _source(self) -> Path | None:
        """The file the path would serve; answers 404 (and returns None) when there is none."""
        found = resolve(self.server.root, self.path)
        if found is None:
            self._send(404, b"not found\n", {"Content-Type": "text/plain"})
        return found

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        """A whole response on a kept-alive connection (304: headers only)."""
        self._hit(status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.with_body and status != 304:
            self.wfile.write(body)

    def _file(self, body: bytes | None = None) -> None:
        """The file as kabar.mirror serves it, or `body` in its place (same validators logic)."""
        if (path := self._source()) is None:
            return
        mtime = path.stat().st_mtime
        body = path.read_bytes() if body is None else body
        headers = validators(body, mtime)
        if not_modified(self.headers, headers["ETag"], mtime):
            return self._send(304, b"", headers)
        headers["Content-Type"] = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, body, headers)

    def _head(self, status: int, headers: Mapping[str, str]) -> None:
        """Status line and headers only; the fault sends (or withholds) the body itself."""
        self._hit(status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _stream(self, parts: Iterator[bytes], chunked: bool = False) -> None:
        for part in parts:
            if self.server.stop.is_set():
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        else:
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return
        self.close_connection = True  # stopped halfway: the rest of the body will not come

    def _client_gone(self) -> bool:
        """True when the client closed (or reset) its side; anything it sent meanwhile is dropped."""
        try:
            data = self.connection.recv(4096, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        return not data

    def _hold(self, every: float | None = None, action=None) -> None:
        """Keep the connection until the client goes, the server stops or `hold_s` pass; call
        `action` every `every` seconds meanwhile (False from it ends the hold)."""
        started = next_action = time.monotonic()
        while not self.server.stop.is_set() and time.monotonic() - started < self.server.hold_s:
            if self._client_gone():
                break
            if action is not None and time.monotonic() >= next_action:
                if action() is False:
                    break
                next_action += every
            self.server.stop.wait(TICK_S)
        self.close_connection = True

    def _redirect(self, location: str) -> None:
        self._send(302, b"", {"Location": location})

    # --- the faults (argument: how many requests of the path came before)

    def fault_500_then_ok(self, seen: int) -> None:
        if seen:
            return self._file()
        self._send(500, b"internal server error\n", {"Content-Type": "text/plain"})

    def fault_429(self, seen: int) -> None:
        if seen:
            return self._file()
        self._send(429, b"too many requests\n", {"Content-Type": "text/plain", "Retry-After": "1"})

    def fault_429_long(self, seen: int) -> None:
        self._send(429, b"too many requests\n", {"Content-Type": "text/plain", "Retry-After": "3600"})

    def fault_hang(self, seen: int) -> None:
        self._hit(None)
        self._hold()

    def fault_trickle(self, seen: int) -> None:
        if (path := self._source()) is None:
            return
        body = path.read_bytes() or b" "
        self._head(200, {"Content-Type": HTML, "Connection": "close"})
        self.close_connection = True
        if not self.with_body:
            return
        sent = 0

        def one_byte() -> bool:
            nonlocal sent
            try:
                self.wfile.write(body[sent % len(body) : sent % len(body) + 1])
            except OSError:
                return False
            sent += 1
            return True

        self._hold(every=1.0, action=one_byte)

    def fault_reset(self, seen: int) -> None:
        self._hit(None)
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket only closes once no file made from it is open
        self.connection.close()

    def fault_truncated_length(self, seen: int) -> None:
        if (path := self._source()) is None:
            return
        body = path.read_bytes()
        self._head(200, {"Content-Type": HTML, "Content-Length": str(len(body))})
        self.close_connection = True
        if self.with_body:
            self.wfile.write(body[: len(body) // 2])

    def fault_truncated_no_length(self, seen: int) -> None:
        if (path := self._source()) is None:
            return
        body = path.read_bytes()
        self._head(200, {"Content-Type": HTML, "Connection": "close"})
        self.close_connection = True
        if self.with_body:
            self.wfile.write(body[: len(body) * 2 // 5])

    def fault_redirect_loop(self, seen: int) -> None:
        parts = urlsplit(self.path)
        n = dict(parse_qsl(parts.query)).get("n", "0")
        n = int(n) if n.isdigit() else 0
        self._redirect(f"{self.server.mirror.base_url}{parts.path}?n={n + 1}")

    def fault_redirect_offsite(self, seen: int) -> None:
        self._redirect(self.server.offsite_url + self.path)

    def fault_redirect_metadata(self, seen: int) -> None:
        self._redirect(METADATA_URL)

    def fault_gzip_bomb(self, seen: int) -> None:
        bomb = gzip_bomb()
        headers = {"Content-Type": HTML, "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
        self._head(200, headers)
        if self.with_body:
            self._stream(bomb[start : start + 64 * 1024] for start in range(0, len(bomb), 64 * 1024))

    def fault_gzip_twice(self, seen: int) -> None:
        """The page gzipped twice under one Content-Encoding: inflated, it is gzip still."""
        if (path := self._source()) is not None:
            body = gzip.compress(gzip.compress(path.read_bytes()))
            self._send(200, body, {"Content-Type": HTML, "Content-Encoding": "gzip"})

    def fault_mislabelled_charset(self, seen: int) -> None:
        if (path := self._source()) is not None:
            self._file(mislabelled(path.read_bytes()))

    def fault_oversized(self, seen: int) -> None:
        if (path := self._source()) is None:
            return
        parts = oversized_parts(path.read_bytes())
        self._head(200, {"Content-Type": HTML, "Content-Length": str(OVERSIZED_BYTES)})
        if self.with_body:
            self._stream(parts)

    def fault_oversized_no_length(self, seen: int) -> None:
        if (path := self._source()) is None:
            return
        parts = oversized_parts(path.read_bytes())
        self._head(200, {"Content-Type": HTML, "Transfer-Encoding": "chunked"})
        if self.with_body:
            self._stream(parts, chunked=True)

    def fault_404(self, seen: int) -> None:
        self._send(404, b"not found\n", {"Content-Type": "text/plain"})

    def fault_410(self, seen: int) -> None:
        self._send(410, b"gone\n", {"Content-Type": "text/plain"})


@contextmanager
def serve_faults(
    root: Path,
    faults: Mapping[str, str],
    port: int = 0,
    *,
    offsite_port: int | None = None,
    hold_s: float = HOLD_S,
) -> Iterator[FaultMirror]:
    """Serve `root` on 127.0.0.1 with `faults` ({URL path: fault name}) until the block exits."""
    unknown = sorted(set(faults.values()) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    if "gzip-bomb" in faults.values():
        gzip_bomb()  # ~2 s once per process: not inside the first request's timeout
    with ExitStack() as stack:
        offsite = None
        if offsite_port is None:
            offsite = stack.enter_context(serve(root))
            offsite_port = int(offsite.base_url.rsplit(":", 1)[1])
        server = _Server(("127.0.0.1", port), root, faults, hold_s)
        server.offsite_url = f"http://127.0.0.1:{offsite_port}"
        server.mirror.offsite = offsite
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="kabar-faults", daemon=True)
        thread.start()
        try:
            yield server.mirror
        finally:
            server.halt()
            thread.join()


# --- a resolver for tests: no name leaves the machine, no connection leaves loopback ---------------


@dataclass
class Guard:
    """What code under `loopback_only()` tried: names looked up, connections refused."""

    resolved: list[str] = field(default_factory=list)  # names answered from the injected table
    unresolved: list[str] = field(default_factory=list)  # other names: refused, never sent to DNS
    blocked: list[tuple[str, int]] = field(default_factory=list)  # (address, port) not on loopback


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only(hosts: Mapping[str, str] | None = None) -> Iterator[Guard]:
    """Within the block, `socket.getaddrinfo` answers names in `hosts` (default: metadata.internal
    -> 169.254.169.254) with their address, loopback names and address literals as usual, and any
    other name with an error (no DNS query is made); a connection to an address that is not
    loopback is refused (ConnectionRefusedError) and recorded, never attempted. Process-wide."""
    table = {METADATA_HOST: METADATA_ADDRESS} if hosts is None else dict(hosts)
    guard = Guard()
    real_getaddrinfo, real_connect, real_connect_ex = (
        socket.getaddrinfo,
        socket.socket.connect,
        socket.socket.connect_ex,
    )

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name.lower() == "localhost" or _is_address(name):
            return real_getaddrinfo(host, port, *args, **kwargs)
        if name.lower().rstrip(".") in table:
            guard.resolved.append(name)
            return real_getaddrinfo(table[name.lower().rstrip(".")], port, *args, **kwargs)
        guard.unresolved.append(name)
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolvable under loopback_only()")

    def refuse(sock: socket.socket, address) -> bool:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(str(address[0])):
            guard.blocked.append((str(address[0]), int(address[1])))
            return True
        return False

    def connect(sock, address):
        if refuse(sock, address):
            raise ConnectionRefusedError(f"{address[0]}: not loopback, refused by loopback_only()")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if refuse(sock, address):
            return errno.ECONNREFUSED
        return real_connect_ex(sock, address)

    socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = getaddrinfo, connect, connect_ex
    try:
        yield guard
    finally:
        socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = (
            real_getaddrinfo,
            real_connect,
            real_connect_ex,
        )


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True
