import os

import pytest
import requests

from kabar.mirror import Hit, serve


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    files = {
        "robots.txt": "User-agent: *\nAllow: /\n",
        "index.html": "<h1>home</h1>",
        "read/1/story.html": "<p>story</p>",
        "news/index.html": "<p>news index</p>",
        "sitemap.xml": "<urlset/>",
        "data.json": "{}",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (tmp_path / "site.html").write_text("outside the mirror")
    (tmp_path / "secret.txt").write_text("outside the mirror")
    return root


@pytest.fixture
def mirror(site):
    with serve(site) as running:
        yield running


def get(mirror, path, **kw):
    return requests.get(mirror.base_url + path, timeout=5, **kw)


@pytest.mark.parametrize(
    "path, body",
    [
        ("/read/1/story.html", b"<p>story</p>"),  # exact file
        ("/read/1/story", b"<p>story</p>"),  # + .html
        ("/read/1/story?utm_source=x&b=2", b"<p>story</p>"),  # query ignored
        ("/news", b"<p>news index</p>"),  # index.html inside
        ("/news/", b"<p>news index</p>"),
        ("/", b"<h1>home</h1>"),
    ],
)
def test_path_resolution(mirror, path, body):
    response = get(mirror, path)
    assert (response.status_code, response.content) == (200, body)


@pytest.mark.parametrize("path", ["/missing", "/read/1", "/../secret.txt", "/%2e%2e/secret.txt"])
def test_unknown_or_escaping_paths_are_404(mirror, path):
    assert get(mirror, path).status_code == 404


def test_root_does_not_serve_sibling_html(tmp_path, site):
    (site / "index.html").unlink()
    with serve(site) as mirror:
        assert get(mirror, "/").status_code == 404


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/read/1/story", "text/html; charset=utf-8"),
        ("/sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain"),
        ("/data.json", "application/json"),
    ],
)
def test_content_types(mirror, path, content_type):
    assert get(mirror, path).headers["Content-Type"] == content_type


def test_validators_and_conditional_requests(mirror, site):
    first = get(mirror, "/read/1/story")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')  # strong, not W/"..."
    assert get(mirror, "/read/1/story", headers={"If-None-Match": etag}).status_code == 304
    assert get(mirror, "/read/1/story", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert get(mirror, "/read/1/story", headers={"If-None-Match": '"other"'}).status_code == 200

    (site / "read/1/story.html").write_text("<p>story, corrected</p>")
    os.utime(site / "read/1/story.html", (2e9, 2e9))
    changed = get(mirror, "/read/1/story", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert get(mirror, "/read/1/story", headers={"If-Modified-Since": last_modified}).status_code == 200


def test_head_has_headers_but_no_body(mirror):
    response = requests.head(mirror.base_url + "/read/1/story", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(b"<p>story</p>"))
    assert response.content == b""


def test_request_log_records_path_user_agent_and_status(mirror):
    get(mirror, "/read/1/story?x=1", headers={"User-Agent": "probe/1"})
    get(mirror, "/missing", headers={"User-Agent": "probe/2"})
    assert mirror.hits == [Hit("/read/1/story?x=1", "probe/1", 200), Hit("/missing", "probe/2", 404)]
    assert mirror.requests == ["/read/1/story?x=1", "/missing"]
    assert str(mirror) == mirror.base_url


def test_server_stops_on_exit(site):
    with serve(site) as mirror:
        assert get(mirror, "/").status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(mirror.base_url + "/", timeout=2)
