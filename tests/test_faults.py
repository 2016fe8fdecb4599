"""The fault-injecting server itself (tests/faults.py), with plain requests and sockets."""

import socket
import time
import zlib
from contextlib import closing

import pytest
import requests

from tests.faults import (
    CHARSET_TITLE,
    METADATA_ADDRESS,
    METADATA_HOST,
    METADATA_URL,
    OVERSIZED_BYTES,
    loopback_only,
    serve_faults,
)

STORY = "/read/1/story"
PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Kopi Desa - Tempo.co</title></head>\n'
    '<body><article><h1 class="title">Kopi Desa</h1>\n'
    + "".join(f"<p>Paragraf {i} tentang kopi dari desa di lereng gunung.</p>\n" for i in range(40))
    + "</article></body></html>\n"
).encode()
ACCENTED = "<html><head><title>Désa</title></head><body><h1>Café – “kopi”</h1></body></html>\n"


@pytest.fixture
def root(tmp_path):
    files = {
        "robots.txt": b"User-agent: *\nAllow: /\n",
        "read/1/story.html": PAGE,
        "read/2/accented.html": ACCENTED.encode(),
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path


def get(server, path, **kw):
    kw.setdefault("timeout", 5)
    return requests.get(server.base_url + path, **kw)


def raw(server, path, timeout=2.0) -> socket.socket:
    """A connection that has sent one GET of `path` and not read anything yet."""
    sock = socket.create_connection(("127.0.0.1", int(server.base_url.rsplit(":", 1)[1])), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n".encode())
    return sock


def read_head(sock: socket.socket) -> tuple[str, bytes]:
    """(status line and headers, the body bytes that came with them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def read_to_close(sock: socket.socket, data: bytes = b"") -> bytes:
    while chunk := sock.recv(65536):
        data += chunk
    return data


# --- files, as kabar.mirror serves them -----------------------------------------------------------


def test_plain_files_with_validators_and_conditional_get(root):
    with serve_faults(root, {}) as server:
        first = get(server, STORY)
        assert (first.status_code, first.content) == (200, PAGE)
        assert first.headers["Content-Type"] == "text/html; charset=utf-8"
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert get(server, STORY, headers={"If-None-Match": etag}).status_code == 304
        assert get(server, STORY, headers={"If-Modified-Since": modified}).status_code == 304
        assert get(server, STORY, headers={"If-None-Match": '"other"'}).status_code == 200
        assert get(server, "/missing").status_code == 404
        assert [(h.status, h.fault) for h in server.hits] == [(200, None), (304, None), (304, None)] + [
            (200, None),
            (404, None),
        ]
        assert str(server) == server.base_url


def test_keep_alive(root):
    with serve_faults(root, {}) as server, requests.Session() as session:
        for _ in range(3):
            assert session.get(server.base_url + STORY, timeout=5).status_code == 200
        with closing(raw(server, STORY)) as sock:  # two requests, one connection
            head, body = read_head(sock)
            assert head.startswith("HTTP/1.1 200")
            while len(body) < len(PAGE):
                body += sock.recv(65536)
            sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_head(sock)[0].startswith("HTTP/1.1 200")


def test_query_is_left_out_when_matching_a_fault(root):
    with serve_faults(root, {STORY: "410"}) as server:
        assert get(server, STORY + "?utm_source=x").status_code == 410
        assert get(server, "/read/1/story.html").status_code == 200  # another path, same file
        assert len(server.hits_of(STORY)) == 1


def test_unknown_fault_is_refused(root):
    with pytest.raises(ValueError, match="unknown faults"):
        with serve_faults(root, {STORY: "slow"}):
            pass


# --- status faults --------------------------------------------------------------------------------


def test_500_then_ok(root):
    with serve_faults(root, {STORY: "500-then-ok"}) as server:
        assert get(server, STORY).status_code == 500
        second = get(server, STORY)
        assert (second.status_code, second.content) == (200, PAGE)
        assert get(server, STORY).status_code == 200
        assert [(h.status, h.fault) for h in server.hits] == [(500, "500-then-ok"), (200, "500-then-ok")] + [
            (200, "500-then-ok")
        ]


def test_429_then_ok(root):
    with serve_faults(root, {STORY: "429"}) as server:
        first = get(server, STORY)
        assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
        assert get(server, STORY).content == PAGE


def test_429_long(root):
    with serve_faults(root, {STORY: "429-long"}) as server:
        for _ in range(3):
            answer = get(server, STORY)
            assert (answer.status_code, answer.headers["Retry-After"]) == (429, "3600")


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_even_when_the_file_exists(root, status):
    with serve_faults(root, {STORY: str(status)}) as server:
        assert get(server, STORY).status_code == status
        assert get(server, STORY).status_code == status


# --- connection faults ----------------------------------------------------------------------------


def test_hang_sends_nothing_and_does_not_hold_up_shutdown(root):
    with serve_faults(root, {STORY: "hang"}) as server:
        sock = raw(server, STORY, timeout=0.5)
        with pytest.raises(TimeoutError):
            sock.recv(1)
        with pytest.raises(requests.ReadTimeout):
            get(server, STORY, timeout=(2, 0.3))
        assert [(h.status, h.fault) for h in server.hits] == [(None, "hang"), (None, "hang")]
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1.0
    sock.settimeout(2)
    with closing(sock):
        assert sock.recv(1) == b""  # closed by the stop, not left open


def test_hang_ends_when_the_client_leaves(root):
    with serve_faults(root, {STORY: "hang"}) as server:
        raw(server, STORY).close()
        time.sleep(0.3)
        with closing(raw(server, "/robots.txt")) as sock:  # the server still answers
            assert read_head(sock)[0].startswith("HTTP/1.1 200")


def test_trickle_sends_one_byte_a_second(root):
    with serve_faults(root, {STORY: "trickle"}) as server:
        sock = raw(server, STORY, timeout=3)
        head, body = read_head(sock)
        assert head.startswith("HTTP/1.1 200")
        assert "Content-Length" not in head and "Connection: close" in head
        started = time.monotonic()
        while time.monotonic() - started < 2.5:
            body += sock.recv(16)
        assert 2 <= len(body) <= 4
        assert PAGE.startswith(body)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1.0
    with closing(sock):
        assert PAGE.startswith(read_to_close(sock, body))


def test_reset_answers_with_rst(root):
    with serve_faults(root, {STORY: "reset"}) as server:
        with closing(raw(server, STORY)) as sock, pytest.raises(ConnectionResetError):
            sock.recv(1)
        with pytest.raises(requests.ConnectionError):
            get(server, STORY)
        assert get(server, "/robots.txt").status_code == 200
        assert [h.status for h in server.hits_of(STORY)] == [None, None]


def test_truncated_with_content_length(root):
    with serve_faults(root, {STORY: "truncated-length"}) as server:
        with closing(raw(server, STORY)) as sock:
            head, body = read_head(sock)
            assert f"Content-Length: {len(PAGE)}" in head
            assert read_to_close(sock, body) == PAGE[: len(PAGE) // 2]
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            get(server, STORY)


def test_truncated_without_content_length_looks_complete(root):
    with serve_faults(root, {STORY: "truncated-no-length"}) as server:
        answer = get(server, STORY)  # nothing tells the client the page was cut short
        assert answer.status_code == 200
        assert "Content-Length" not in answer.headers and answer.headers["Connection"] == "close"
        assert answer.content == PAGE[: len(PAGE) * 2 // 5]


# --- redirects ------------------------------------------------------------------------------------


def test_redirect_loop(root):
    with serve_faults(root, {STORY: "redirect-loop"}) as server:
        first = get(server, STORY, allow_redirects=False)
        assert (first.status_code, first.headers["Location"]) == (302, f"{server.base_url}{STORY}?n=1")
        second = requests.get(first.headers["Location"], allow_redirects=False, timeout=5)
        assert second.headers["Location"] == f"{server.base_url}{STORY}?n=2"
        with pytest.raises(requests.TooManyRedirects):
            get(server, STORY)


def test_redirect_offsite_goes_to_a_second_server(root):
    with serve_faults(root, {STORY: "redirect-offsite"}) as server:
        answer = get(server, STORY + "?a=1", allow_redirects=False)
        assert answer.status_code == 302
        assert answer.headers["Location"] == f"{server.offsite.base_url}{STORY}?a=1"
        assert server.offsite.base_url != server.base_url
        assert server.offsite.hits == []
        assert requests.get(answer.headers["Location"], timeout=5).content == PAGE  # a real server
        assert server.offsite.requests == [STORY + "?a=1"]


def test_redirect_offsite_to_a_given_port(root):
    with serve_faults(root, {STORY: "redirect-offsite"}, offsite_port=9) as server:
        assert server.offsite is None
        location = get(server, STORY, allow_redirects=False).headers["Location"]
        assert location == f"http://127.0.0.1:9{STORY}"


def test_redirect_to_metadata_is_resolved_by_the_injected_resolver_and_never_connected(root):
    with serve_faults(root, {STORY: "redirect-metadata"}) as server:
        answer = get(server, STORY, allow_redirects=False)
        assert (answer.status_code, answer.headers["Location"]) == (302, METADATA_URL)
        with loopback_only() as guard:
            with pytest.raises(requests.ConnectionError):
                get(server, STORY)
        assert guard.resolved == [METADATA_HOST]
        assert guard.blocked == [(METADATA_ADDRESS, 80)]


def test_loopback_only_resolves_no_other_name(root):
    with serve_faults(root, {}) as server, loopback_only() as guard:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("www.tempo.co", 443)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("10.0.0.1", 80), timeout=1)
        assert get(server, "/robots.txt").status_code == 200  # loopback still works
        assert get(server, "/robots.txt").url.startswith("http://127.0.0.1:")
    assert (guard.unresolved, guard.blocked) == (["www.tempo.co"], [("10.0.0.1", 80)])
    assert socket.getaddrinfo.__module__ == "socket"  # restored


# --- bodies ---------------------------------------------------------------------------------------


def test_gzip_bomb_is_small_on_the_wire_and_inflates_to_a_gibibyte(root):
    with serve_faults(root, {STORY: "gzip-bomb"}) as server:
        with get(server, STORY, stream=True) as answer:
            assert answer.headers["Content-Encoding"] == "gzip"
            wire = answer.raw.read(decode_content=False)
        assert len(wire) == int(answer.headers["Content-Length"]) < 2_000_000
    inflater, size, left = zlib.decompressobj(31), 0, wire
    while left:
        chunk = inflater.decompress(left, 1 << 24)
        assert not chunk.strip(b"\0")
        size, left = size + len(chunk), inflater.unconsumed_tail
    assert size == 1 << 30


def test_mislabelled_charset(root):
    with serve_faults(
        root, {STORY: "mislabelled-charset", "/read/2/accented": "mislabelled-charset"}
    ) as server:
        answer = get(server, STORY)
        assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
        with pytest.raises(UnicodeDecodeError):
            answer.content.decode("utf-8")
        text = answer.content.decode("cp1252")
        assert f"<title>{CHARSET_TITLE}</title>" in text and f">{CHARSET_TITLE}</h1>" in text
        assert all(mark.encode("cp1252") in answer.content for mark in "é“”–")
        assert get(server, STORY, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
        accented = get(server, "/read/2/accented")  # has é “ ” – already: only re-encoded
        assert accented.content == ACCENTED.encode("cp1252")


def test_oversized_with_content_length(root):
    with serve_faults(root, {STORY: "oversized"}) as server:
        with get(server, STORY, stream=True) as answer:
            assert int(answer.headers["Content-Length"]) == OVERSIZED_BYTES
            size, first, last = 0, b"", b""
            for chunk in answer.iter_content(1 << 20):
                first, size, last = first or chunk, size + len(chunk), (last + chunk)[-4096:]
    assert size == OVERSIZED_BYTES
    assert first.startswith(PAGE[: PAGE.index(b"</body>")] + b"\n<!--")
    assert last.endswith(b" -->\n</body></html>\n")


def test_oversized_without_content_length(root):
    with serve_faults(root, {STORY: "oversized-no-length"}) as server:
        with get(server, STORY, stream=True) as answer:
            assert "Content-Length" not in answer.headers
            assert answer.headers["Transfer-Encoding"] == "chunked"
            size = sum(len(chunk) for chunk in answer.iter_content(1 << 20))
        assert size == OVERSIZED_BYTES
        assert get(server, "/robots.txt").status_code == 200


# --- stopping -------------------------------------------------------------------------------------


def test_stop_is_prompt_with_every_kind_of_held_connection(root):
    faults = {STORY: "hang", "/read/1/story.html": "trickle", "/read/2/accented": "oversized"}
    with requests.Session() as idle:
        with serve_faults(root, faults) as server:
            held = [raw(server, path) for path in faults]
            read_head(held[1])
            read_head(held[2])  # the 60 MiB body is still on its way
            idle.get(server.base_url + "/robots.txt", timeout=5)  # an idle keep-alive connection too
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 1.0
    for sock in held:
        sock.close()
