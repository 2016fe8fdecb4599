"""The benchmark's synthetic mirrors are mirrors the flow can ingest whole, of real page weight: every
generated page is a single-page article of its own id that its site's parser reads back to the title,
body and related links written, its links inside the generated set, the weight around the article."""

import statistics
import tomllib
from datetime import UTC, datetime

import pytest
import requests

from bench.sitegen import build, generate, generate_site, main
from kabar.clean import clean
from kabar.config import declarations
from kabar.mirror import serve
from kabar.records import Article
from kabar.sites import all_sites, get_site
from kabar.sites.configured import ConfiguredSite
from kabar.text import normalize

TEMPO = get_site("tempo")
FETCHED = datetime(2027, 1, 1, tzinfo=UTC)


def test_generated_pages_are_distinct_clean_articles(tmp_path):
    urls = generate(tmp_path, n=25, seed=3)
    ids = {TEMPO.article_id(u) for u in urls}
    assert len(ids) == 25
    for url in urls:
        html = (tmp_path / url.split(".tempo.co/", 1)[1]).with_suffix(".html").read_bytes()
        parsed = TEMPO.parse(html, url, datetime(2024, 1, 1, tzinfo=UTC))
        assert (parsed.article_id, parsed.url, parsed.continuation_urls) == (TEMPO.article_id(url), url, ())
        assert isinstance(clean(parsed, TEMPO.rules_for(parsed.layout)), Article)
        targets = {
            link.target_article_id
            for link in parsed.related
            if link.block in ("rekomendasi", "video_pilihan")
        }
        assert targets <= ids


@pytest.mark.parametrize("site", ["tempo", "tempo-2024", "antara", "configured_demo"])
def test_pages_parse_to_what_was_written(site):
    mirror = build(12, seed=3, site=site)
    parser = get_site(mirror.site)
    ids = {parser.article_id(url) for url in mirror.urls}
    assert len(ids) == 12 and None not in ids
    for generated in mirror.pages:
        parsed = parser.parse(generated.html.encode(), generated.page.url, FETCHED)
        article = clean(parsed, parser.rules_for(parsed.layout))
        assert isinstance(article, Article)
        assert (parsed.title, parsed.article_id) == (
            generated.page.title,
            parser.article_id(generated.page.url),
        )
        assert generated.paragraphs and all(normalize(p) in article.body for p in generated.paragraphs)
        # The body is the story: none of the page's weight (menus, comments, cards) leaks into it.
        assert len(article.body) < sum(len(p) + 60 for p in generated.paragraphs)
        found = {
            link.url for link in parsed.related if link.block in (mirror.related_blocks or (link.block,))
        }
        if mirror.related_blocks:
            assert found == set(generated.related)
        else:  # the generic extractor may also take the chrome's most-read list or latest grid
            assert set(generated.related) <= found
        assert {
            parser.article_id(link.url) for link in parsed.related if link.url in generated.related
        } <= ids


@pytest.mark.parametrize("site", ["tempo", "tempo-2024", "antara", "wartanusa"])
def test_pages_weigh_what_real_pages_do(site):
    mirror = build(10, seed=1, site=site)
    sizes = [len(g.html.encode()) for g in mirror.pages]
    assert statistics.fmean(sizes) >= 100 * 1024
    for generated in mirror.pages:  # the weight is page furniture, not article text
        html = generated.html
        assert html.count("<script") >= 8 and html.count("<a ") >= 150
        assert '<script id="__NEXT_DATA__" type="application/json">' in html
        assert sum(len(p) for p in generated.paragraphs) < len(html) / 10


@pytest.mark.parametrize("site", ["tempo", "tempo-2024", "antara", "wartanusa"])
def test_same_seed_same_bytes(tmp_path, site):
    assert generate(tmp_path / "a", n=5, seed=1, site=site) == generate(
        tmp_path / "b", n=5, seed=1, site=site
    )
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 5 + 3  # pages, robots.txt, sitemap, feed
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    again, other = build(5, seed=1, site=site), build(5, seed=2, site=site)
    assert [g.html for g in again.pages] != [g.html for g in other.pages]


def test_generated_site_is_a_configured_site_served_from_its_mirror(tmp_path):
    made = generate_site(tmp_path / "s", 20, 7, "gen-07", "gen07.example")
    (declared,) = declarations(tomllib.loads(made.toml)["site"], made.root / "site.toml")
    assert (declared.name, declared.domains, declared.mirror) == ("gen-07", ("gen07.example",), made.mirror)
    site = ConfiguredSite(declared, all_sites().values())
    with serve(made.mirror) as mirror:
        robots = requests.get(f"{mirror.base_url}/robots.txt", timeout=10).text
        sitemap = requests.get(f"{mirror.base_url}/sitemap-berita.xml", timeout=10).text
        path = made.urls[4].split("gen07.example", 1)[1]
        page = requests.get(f"{mirror.base_url}{path}", timeout=10)
    assert "Sitemap: https://gen07.example/sitemap-berita.xml" in robots
    assert all(url in sitemap for url in made.urls)
    parsed = site.parse(page.content, made.urls[4], FETCHED)
    assert (parsed.article_id, parsed.url) == (f"gen-07:{40004}", made.urls[4])
    assert parsed.title == build(20, 7, "wartanusa", host="gen07.example", name="gen-07").pages[4].page.title


def test_command_line_rejects_an_unknown_site(tmp_path, capsys):
    assert main([str(tmp_path), "--pages", "2", "--site", "nowhere"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert main([str(tmp_path), "--pages", "2", "--site", "antara"]) == 0
    assert len(list(tmp_path.rglob("*.html"))) == 2
