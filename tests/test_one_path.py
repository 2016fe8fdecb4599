"""One extraction path: the flow's extract task, `kabar extract`, `kabar stats` and the golden test give
the same article for every page of every bundled mirror (multi-page articles included)."""

import json
from dataclasses import replace

import pytest

from kabar.cli import main
from kabar.http import Crawl, Fetcher
from kabar.mirror import serve
from kabar.records import ExtractionIssue
from kabar.stats import extract_file
from kabar.tasks.extract import extract_batch
from tests.golden import as_golden, expected_path, fetched_at, golden_pages, mirrored_sites, page_url, site_of

PAGES = golden_pages()


@pytest.fixture(scope="module")
def served():
    """Every site's mirror served over HTTP, by site name."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield {site.name: stack.enter_context(serve(site.mirror)) for site in mirrored_sites()}


def _golden(page) -> dict:
    return json.loads(expected_path(page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_flow_extracts_the_golden_article(page, served, tmp_path):
    site = site_of(page)
    crawl = Crawl(archive_dir=str(tmp_path), base_url=served[site.name].base_url)
    with Fetcher(crawl, clock=lambda: fetched_at(page)) as fetcher:
        fetched = fetcher.fetch(crawl.locate(page_url(page)))
    results, continuations = extract_batch.fn(site, crawl, [fetched])
    result = results[fetched.url]
    if isinstance(result, ExtractionIssue):  # the flow adds the archived raw page's hash
        assert result.content_hash == fetched.content_hash
        result = replace(result, content_hash=None)
    assert as_golden(result) == _golden(page)
    assert [p.status for p in continuations] == [200] * len(continuations)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_kabar_extract_prints_the_golden_article(page, capsys):
    argv = ["extract", str(page), "--url", page_url(page), "--fetched-at", fetched_at(page).isoformat()]
    golden = _golden(page)
    is_article = "parsed" in golden
    assert main(argv) == (0 if is_article else 2)
    captured = capsys.readouterr()
    assert json.loads(captured.out) == golden
    assert captured.err == "" if is_article else captured.err.startswith("kabar: ")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_kabar_stats_reads_the_golden_article(page):
    got, golden = as_golden(extract_file(page, fetched_at(page))), _golden(page)
    if "parsed" not in golden:  # a page that is no article: stats knows it only by its canonical link
        got, golden = (got["stage"], got["problem"]), (golden["stage"], golden["problem"])
    assert got == golden


def test_the_mirrors_hold_a_multi_page_article():
    """The agreement above covers joining: at least one golden article has several pages."""
    assert any(_golden(page).get("parsed", {}).get("page_count", 1) > 1 for page in PAGES)


def test_kabar_extract_follows_continuation_pages_over_http(tmp_path, served, capsys):
    """A page saved alone: its page 2 comes from the mirror given as --base-url."""
    page = next(p for p in PAGES if _golden(p).get("parsed", {}).get("page_count", 1) > 1)
    alone = tmp_path / "page.html"
    alone.write_bytes(page.read_bytes())
    base = served[site_of(page).name].base_url
    argv = ["extract", str(alone), "--url", page_url(page), "--fetched-at", fetched_at(page).isoformat()]
    assert main([*argv, "--base-url", base]) == 0
    assert json.loads(capsys.readouterr().out) == _golden(page)


def test_kabar_extract_says_when_it_cannot_follow(tmp_path, capsys):
    """No saved page 2 and nothing listening at the mirror address: page 1 alone, and a line saying so."""
    page = next(p for p in PAGES if _golden(p).get("parsed", {}).get("page_count", 1) > 1)
    alone = tmp_path / "page.html"
    alone.write_bytes(page.read_bytes())
    argv = ["extract", str(alone), "--url", page_url(page), "--fetched-at", fetched_at(page).isoformat()]
    assert main([*argv, "--base-url", "http://127.0.0.1:9"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["parsed"]["page_count"] == 1
    [line] = captured.err.splitlines()
    assert line.startswith("kabar: page 1 alone:") and "page_num=2" in line
