"""`kabar extract PAGE|URL …`: a URL is fetched as a run fetches it (here from a mirror on 127.0.0.1,
through --base-url) and read by its site module, else the generic site; several targets print one JSON
line each, and a target that fails is one line on stderr while the others go on (exit 2 at the end)."""

import json

import pytest

from kabar.cli import main
from kabar.mirror import serve
from tests.test_cli import PAGE, assert_usage_error

URL = "https://kabarkota.example/berita/jembatan-baru"
MISSING = "https://kabarkota.example/berita/jembatan-lama"
STORY = (
    "<html><head><title>Jembatan Baru Dibuka - Kabar Kota</title>"
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Jembatan Baru Dibuka",'
    ' "author": {"@type": "Person", "name": "Oleh Rina Wulan"},'
    ' "datePublished": "2026-11-30T10:00:00+07:00"}</script></head>'
    "<body><article><h1>Jembatan Baru Dibuka</h1>"
    "<p>Warga menyambut jembatan baru yang menghubungkan dua desa di tepi sungai itu.</p>"
    "<p>Pembangunannya memakan waktu dua tahun dan melibatkan ratusan pekerja setempat.</p>"
    "</article></body></html>"
)


@pytest.fixture
def kabarkota(tmp_path):
    """A mirror of a site no module knows: robots.txt and one story."""
    root = tmp_path / "mirror"
    (root / "berita").mkdir(parents=True)
    (root / "berita" / "jembatan-baru.html").write_text(STORY, encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    with serve(root) as mirror:
        yield mirror


def test_a_saved_page_of_an_unknown_host_is_read_by_the_generic_site(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(STORY, encoding="utf-8")
    assert main(["extract", str(page), "--url", URL]) == 0
    parsed = json.loads(capsys.readouterr().out)["parsed"]
    assert (parsed["layout"], parsed["title"], parsed["authors"]) == (
        "generic",
        "Jembatan Baru Dibuka",
        ["Rina Wulan"],
    )
    assert parsed["published_at"].startswith("2026-11-30T10:00")


def test_a_url_of_an_unknown_host_is_fetched_and_read_by_the_generic_site(kabarkota, capsys):
    assert main(["extract", URL, "--base-url", kabarkota.base_url]) == 0
    parsed = json.loads(capsys.readouterr().out)["parsed"]
    assert (parsed["layout"], parsed["title"], parsed["authors"]) == (
        "generic",
        "Jembatan Baru Dibuka",
        ["Rina Wulan"],
    )
    assert parsed["url"] == URL
    assert [hit.path for hit in kabarkota.hits] == ["/robots.txt", "/berita/jembatan-baru"]


def test_several_targets_print_a_line_each_and_one_that_fails_does_not_stop_the_rest(kabarkota, capsys):
    argv = ["extract", MISSING, str(PAGE), URL, "--base-url", kabarkota.base_url]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["parsed"]["layout"], r["parsed"]["url"]) for r in records][1:] == [("generic", URL)]
    assert records[0]["parsed"]["site"] == "tempo"  # the saved page, by its module
    assert err.splitlines() == [f"kabar: cannot fetch {MISSING}: HTTP 404"]


def test_url_names_where_one_saved_page_was_fetched_from(capsys):
    for argv in (["extract", URL, "--url", URL], ["extract", str(PAGE), str(PAGE), "--url", URL]):
        assert "--url names where one saved PAGE was fetched from" in assert_usage_error(capsys, argv)
    assert "expected an absolute http(s) URL" in assert_usage_error(capsys, ["extract", "ftp://x.example/a"])
