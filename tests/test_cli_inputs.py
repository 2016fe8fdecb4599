"""Every bad input to the command line is one `kabar:` line on stderr and exit 2: broken saved pages,
malformed URLs, ports, numbers, days, paths. A run that fails under a real Prefect flow is one line too."""

import gzip
import logging
import os
import socket

import duckdb
import pytest

from kabar import cli
from kabar.cli import main
from kabar.records import RunFailed
from tests.test_cli import PAGE, TITLE, assert_usage_error, stub_ingest, stub_reparse

GOOD_PAGE = PAGE.read_bytes()


@pytest.fixture(autouse=True)
def no_crawl(monkeypatch) -> list[dict]:
    return stub_ingest(monkeypatch)


@pytest.fixture(autouse=True)
def no_reparse(monkeypatch) -> list[dict]:
    return stub_reparse(monkeypatch)


# Saved pages


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        pytest.param("halaman.html.gz", gzip.compress(GOOD_PAGE)[:-20], "truncated", id="truncated-gz"),
        pytest.param("halaman.html.gz", gzip.compress(GOOD_PAGE)[:200], "truncated", id="cut-early-gz"),
        pytest.param("halaman.html.gz", gzip.compress(GOOD_PAGE)[:5], "truncated", id="header-only-gz"),
        pytest.param("halaman.html.gz", GOOD_PAGE, "not a gzip file", id="html-named-gz"),
        pytest.param("halaman.html.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 40, "gzip", id="corrupt-gz"),
        pytest.param(
            "halaman.html", gzip.compress(GOOD_PAGE)[:-20], "truncated", id="truncated-gz-named-html"
        ),
        pytest.param("halaman.html", b"", "empty", id="empty-file"),
        pytest.param("halaman.html", b"  \n\t\n", "empty", id="blank-file"),
        pytest.param("halaman.html.gz", b"", "empty", id="empty-gz-file"),
        pytest.param("halaman.html.gz", gzip.compress(b""), "empty", id="gz-of-nothing"),
    ],
)
def test_extract_broken_page(capsys, tmp_path, name, content, says):
    page = tmp_path / name
    page.write_bytes(content)
    line = assert_usage_error(capsys, ["extract", str(page)])
    assert str(page) in line and says in line
    assert capsys.readouterr().out == ""


def test_extract_a_folder(capsys, tmp_path):
    assert "folder" in assert_usage_error(capsys, ["extract", str(tmp_path)])


def test_extract_a_pipe_does_not_wait_for_a_writer(capsys, tmp_path):
    pipe = tmp_path / "halaman.html"
    os.mkfifo(pipe)
    assert "a pipe or a socket" in assert_usage_error(capsys, ["extract", str(pipe)])


@pytest.mark.parametrize(
    "canonical", ["javascript:alert(1)", "../../berita/1", "https://[::1/berita/1", "bukan url sama sekali"]
)
def test_a_canonical_link_that_is_no_url_asks_for_one(capsys, tmp_path, canonical):
    page = tmp_path / "halaman.html"
    head = f'<link rel="canonical" href="{canonical}">'
    page.write_text(f"<html><head>{head}</head><body><h1>Judul</h1></body></html>")
    line = assert_usage_error(capsys, ["extract", str(page)])
    assert "canonical link is no http(s) URL" in line and "pass --url" in line


def test_a_url_too_long_for_a_file_name_is_still_extracted(capsys, tmp_path):
    page = tmp_path / "halaman.html"
    page.write_bytes(GOOD_PAGE)
    url = "https://www.tempo.co/read/1772314/" + "a" * 100_000
    assert main(["extract", str(page), "--url", url]) == 0
    assert TITLE in capsys.readouterr().out


def test_extract_an_unreadable_file(capsys, tmp_path):
    page = tmp_path / "rahasia.html"
    page.write_bytes(GOOD_PAGE)
    page.chmod(0)
    try:
        if page.open("rb"):  # root reads it anyway
            pytest.skip("running as root: the file is readable")
    except PermissionError:
        assert str(page) in assert_usage_error(capsys, ["extract", str(page)])
    finally:
        page.chmod(0o644)


def test_extract_cuts_a_gzip_bomb_off(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "MAX_PAGE_BYTES", 1000)
    bomb = tmp_path / "bom.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * 100_000))
    assert "more than" in assert_usage_error(capsys, ["extract", str(bomb)])


def test_extract_a_gzip_page_by_its_bytes(capsys, tmp_path):
    """A gzipped page without the .gz suffix (a download saved as is) is read all the same."""
    page = tmp_path / "halaman.html"
    page.write_bytes(gzip.compress(GOOD_PAGE))
    assert main(["extract", str(page), "--fetched-at", "2023-10-01T05:00:00Z"]) == 0
    assert TITLE in capsys.readouterr().out


# URLs

BAD_URLS = [
    pytest.param("http://[::1", id="unclosed-ipv6"),
    pytest.param("http://[zz::1]/", id="bad-ipv6"),
    pytest.param("garbage", id="garbage"),
    pytest.param("127.0.0.1:8000", id="no-scheme"),
    pytest.param("localhost:8000", id="no-scheme-host-like-a-scheme"),
    pytest.param("www.tempo.co/read/1", id="relative"),
    pytest.param("file:///etc", id="file"),
    pytest.param("ftp://x", id="ftp"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("http://", id="no-host"),
    pytest.param("https:///read/1", id="empty-host"),
    pytest.param("http://:8000", id="port-only"),
    pytest.param("http://x:99999", id="port-out-of-range"),
    pytest.param("http://x:0", id="port-0"),
    pytest.param("http://x:abc", id="port-word"),
    pytest.param("http://exa mple.com", id="space"),
    pytest.param("http://a..b", id="empty-label"),
    pytest.param("http://x/\n", id="newline"),
    pytest.param("", id="empty"),
]


def _url_argvs(url: str) -> list[list[str]]:
    return [
        ["run", "--base-url", url],
        ["backfill", "--site", "tempo", "--from", "2023-09-01", "--base-url", url],
        ["extract", str(PAGE), "--base-url", url],
        ["extract", str(PAGE), "--url", url],
    ]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_url(capsys, no_crawl, url):
    for argv in _url_argvs(url):
        line = assert_usage_error(capsys, argv)
        assert "--base-url" in line or "--url" in line
    assert no_crawl == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/",
        "https://www.tempo.co",
        "http://[::1]:8000",
        "http://localhost",
    ],
)
def test_good_base_url(capsys, no_crawl, url):
    assert main(["run", "--base-url", url]) == 0
    assert no_crawl[-1]["base_url"] == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/mirror", "http://127.0.0.1:9/?a=1", "http://127.0.0.1:9/#x"]
)
def test_a_base_url_is_an_origin(capsys, no_crawl, url):
    """rebase() keeps only the base URL's scheme and host: a path would be silently ignored."""
    assert "origin" in assert_usage_error(capsys, ["run", "--base-url", url])


# Numbers, ports, days, paths


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "dua", "²", "١", "+4", ""])
@pytest.mark.parametrize("option", ["--batch-size", "--workers", "--limit", "--max-pages"])
def test_bad_whole_number(capsys, no_crawl, option, value):
    assert_usage_error(capsys, ["run", option, value])
    assert no_crawl == []


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "sebentar", ""])
def test_bad_max_minutes(capsys, no_crawl, value):
    assert_usage_error(capsys, ["run", "--max-minutes", value])
    assert no_crawl == []


@pytest.mark.parametrize("value", ["0", "65536", "-1", "http", "８０", "80.5", ""])
def test_bad_port(capsys, value):
    assert "argument --port: expected a TCP port" in assert_usage_error(capsys, ["mirror", "--port", value])


def test_a_taken_port(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = assert_usage_error(capsys, ["mirror", "--port", str(port)])
        assert f"cannot serve on port {port}" in line


@pytest.mark.parametrize(
    "value", ["2023-9-1", "20230901", "2023-W35-5", "2023-02-30", "kemarin", "2023-09-01T00:00"]
)
@pytest.mark.parametrize(
    "argv",
    [
        ["backfill", "--site", "tempo", "--from"],
        ["backfill", "--site", "tempo", "--from", "2023-01-01", "--to"],
        ["run", "--backfill-from"],
        ["reparse", "--since"],
    ],
    ids=["from", "to", "backfill-from", "since"],
)
def test_bad_day(capsys, no_crawl, no_reparse, argv, value):
    assert "2023-09-13" in assert_usage_error(capsys, [*argv, value])  # the line shows the expected form
    assert no_crawl == [] and no_reparse == []


@pytest.mark.parametrize(
    "command", [["run"], ["backfill", "--site", "tempo", "--from", "2023-09-01"], ["reparse"]]
)
def test_bad_paths(capsys, no_crawl, no_reparse, tmp_path, command):
    a_file = tmp_path / "berkas"
    a_file.write_text("")
    assert "folder" in assert_usage_error(capsys, [*command, "--db", str(tmp_path)])
    assert "file" in assert_usage_error(capsys, [*command, "--archive", str(a_file)])
    assert no_crawl == [] and no_reparse == []


def test_sql_db_is_a_folder(capsys, tmp_path):
    assert "folder" in assert_usage_error(capsys, ["sql", "--db", str(tmp_path), "SELECT 1"])


# A failed run under a real Prefect flow


@pytest.mark.e2e
def test_a_failed_flow_leaves_no_traceback(prefect_api, capsys, caplog, monkeypatch):
    """Prefect logs a flow's (and a task's) exception with its traceback; the command line keeps a
    RunFailed to one line: Prefect's log lines stay, with the reason, without the traceback."""
    from prefect import flow, task

    import kabar.flows.ingest

    @task
    def discover_nothing():
        raise RunFailed("discovery found no article URL on http://127.0.0.1:9")

    @flow(name="ingest")
    def failing_ingest(**parameters):
        discover_nothing()

    monkeypatch.setattr(kabar.flows.ingest, "ingest", failing_ingest)
    prefect_logger = logging.getLogger("prefect")  # does not propagate to the root, where caplog listens
    prefect_logger.addHandler(caplog.handler)
    try:
        assert main(["run", "--base-url", "http://127.0.0.1:9"]) == 1
    finally:
        prefect_logger.removeHandler(caplog.handler)
    failures = [r for r in caplog.records if "RunFailed" in r.getMessage()]
    assert {r.name for r in failures} == {"prefect.flow_runs", "prefect.task_runs"}
    assert "Traceback" not in caplog.text and all(r.exc_info is None for r in failures)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    assert captured.err.splitlines() == [
        "kabar: run failed: discovery found no article URL on http://127.0.0.1:9"
    ]


def test_search_with_a_broken_index_or_a_query_that_is_not_utf8(capsys, tmp_path):
    db = tmp_path / "w.duckdb"
    index = tmp_path / "w.duckdb.search"
    index.write_bytes(b"not a DuckDB file")
    line = assert_usage_error(capsys, ["search", "anggrek", "--db", str(db)])
    assert "cannot search" in line and "kabar maintain" in line
    index.unlink()
    duckdb.connect(str(index)).close()  # a DuckDB file without the index's tables
    assert "cannot search" in assert_usage_error(capsys, ["search", "anggrek", "--db", str(db)])
    query = b"\xff anggrek".decode("utf-8", "surrogateescape")  # as argv gives bytes that are no UTF-8
    assert "not UTF-8" in assert_usage_error(capsys, ["search", query, "--db", str(db)])


def test_a_whole_number_past_64_bits_is_a_usage_error(capsys, tmp_path):
    line = assert_usage_error(capsys, ["search", "x", "--limit", "9" * 21, "--db", str(tmp_path / "w")])
    assert "--limit" in line
