"""Sites declared by configuration alone: `[[site]]` tables in kabar.toml, checked one line per error;
the registry builds them (a site module wins for its hosts); the ingest flow takes one end to end
against a mirror served on 127.0.0.1; and the demo's bundled configured site (Warta Nusa, invented)."""

from pathlib import Path

import pytest

from kabar.config import ConfigError, declared_sites, load
from kabar.records import Selection
from kabar.sites import Site, all_sites, demo_sites, get_site, site_for_url
from kabar.sites.configured import ConfiguredSite, build
from kabar.tasks.select import select_articles
from kabar.warehouse.db import connect

DEMO = get_site("wartanusa")
SITE = """
[[site]]
name = "nusa"
domains = ["wartanusa.example"]
start_urls = ["https://wartanusa.example/robots.txt", "https://wartanusa.example/rss.xml",
              "https://wartanusa.example/kanal/daerah"]
delay = 0.5
article_pattern = '/berita/\\d{4}/\\d{2}/\\d{2}/(?P<id>\\d+)/'
"""
ARTICLE = "https://wartanusa.example/berita/2026/11/24/30105/laporan-khusus-jejak-dana-desa-yang-hilang-di-waringin-raya"


@pytest.fixture
def kabar_toml(tmp_path, monkeypatch):
    """Write a kabar.toml and point KABAR_CONFIG at it; the registry reads it again when it changes."""
    path = tmp_path / "kabar.toml"
    monkeypatch.setenv("KABAR_CONFIG", str(path))

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_a_site_table_makes_a_registered_site(kabar_toml):
    kabar_toml(SITE)
    [declared] = load().declared
    assert (declared.name, declared.domains, declared.delay) == ("nusa", ("wartanusa.example",), 0.5)
    site = all_sites()["nusa"]
    assert isinstance(site, ConfiguredSite) and get_site("nusa") is site and site_for_url(ARTICLE) is site
    assert site.min_delay == 0.5 and site.start_urls()[0] == "https://wartanusa.example/robots.txt"
    assert site.article_id(ARTICLE) == "nusa:30105"
    assert site.article_id("https://wartanusa.example/kanal/daerah") is None  # not the pattern
    assert site.article_id("https://other.example/berita/2026/11/24/1/x") is None
    assert "nusa" in load(known_sites=all_sites()).sites  # `sites = [...]` may name it


def test_without_a_pattern_article_urls_are_the_generic_ones(kabar_toml):
    kabar_toml(SITE.replace("article_pattern", "# article_pattern"))
    site = get_site("nusa")
    assert site.article_id(ARTICLE) == "nusa:" + ARTICLE.removeprefix("https://wartanusa.example")
    assert site.article_id("https://wartanusa.example/kanal/daerah") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "nusa"', 'name = "Nusa Raya"'), "site[1].name: must be a site name"),
        (('name = "nusa"', ""), "site[1].name: must be a site name"),
        (('domains = ["wartanusa.example"]', "domains = []"), "site.nusa.domains: must be a non-empty list"),
        (('["wartanusa.example"]', '["https://wartanusa.example"]'), "site.nusa.domains: must be"),
        (("https://wartanusa.example/rss.xml", "https://elsewhere.example/rss.xml"), "site.nusa.start_urls:"),
        (
            ("https://wartanusa.example/rss.xml", "ftp://wartanusa.example/rss"),
            "site.nusa.start_urls: must be",
        ),
        (("delay = 0.5", "delay = -1"), "site.nusa.delay: must be a number of seconds"),
        (("delay = 0.5", 'delay = "2"'), "site.nusa.delay: must be a number of seconds"),
        (("(?P<id>", "(?P<id"), "site.nusa.article_pattern: not a regular expression"),
        (("delay = 0.5", 'schedule = "every hour"'), "site.nusa.schedule: must be a cron expression"),
        (("delay = 0.5", 'schedule = "61 * * * *"'), "site.nusa.schedule: must be a cron expression"),
        (("delay = 0.5", 'schedule = "0 6 * 13 *"'), "site.nusa.schedule: must be a cron expression"),
        (("delay = 0.5", 'schedule = "H * * * *"'), "site.nusa.schedule: must be a cron expression"),
        (("delay = 0.5", 'mirror = "no-such-folder"'), "site.nusa.mirror: must be a folder"),
        (("delay = 0.5", "dely = 0.5"), "site.nusa.dely: unknown key"),
        (("[[site]]", "[site]"), "site: must be an array of tables ([[site]])"),
    ],
)
def test_a_bad_site_table_is_one_line_naming_its_key(kabar_toml, change, message):
    path = kabar_toml(SITE.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load()
    assert str(caught.value).startswith(f"{path}: {message}") and "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="site"):
        declared_sites()


def test_a_site_declared_twice_is_an_error(kabar_toml):
    kabar_toml(SITE + SITE)
    with pytest.raises(ConfigError, match=r"site\.nusa\.name: declared twice"):
        load()


def test_the_command_line_reports_a_bad_table_in_one_line(kabar_toml, capsys):
    from kabar.cli import main

    path = kabar_toml(SITE)
    assert main(["config"]) == 0
    assert any(
        line.split() == ["site.nusa", "wartanusa.example", str(path)]
        for line in capsys.readouterr().out.splitlines()
    )

    kabar_toml(SITE.replace("delay = 0.5", "delay = -1"))
    assert main(["config"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "site.nusa.delay: must be a number of seconds" in line


def test_two_configured_sites_never_share_a_host(kabar_toml):
    other = SITE.replace('name = "nusa"', 'name = "nusa2"').replace("/rss.xml", "/feed.xml")
    kabar_toml(SITE + other)
    with pytest.raises(ConfigError, match=r"site\.nusa2\.domains: wartanusa\.example is also a host of the "):
        all_sites()
    # one under the other: the first declared would take every URL of both
    kabar_toml(SITE + other.replace("wartanusa.example", "daerah.wartanusa.example"))
    with pytest.raises(ConfigError, match=r"site\.nusa2\.domains: daerah\.wartanusa\.example is also"):
        all_sites()
    kabar_toml(SITE + other.replace("wartanusa.example", "kabarlain.example"))
    assert {"nusa", "nusa2"} <= set(all_sites())


def test_a_module_wins_for_its_hosts(kabar_toml):
    kabar_toml(SITE.replace('name = "nusa"', 'name = "tempo"'))
    with pytest.raises(ConfigError, match=r"site\.tempo\.name: 'tempo' is a site module's name"):
        all_sites()
    kabar_toml(SITE.replace('["wartanusa.example"]', '["wartanusa.example", "www.tempo.co"]'))
    with pytest.raises(ConfigError, match=r"site\.nusa\.domains: tempo\.co is a host of the tempo site"):
        all_sites()
    # a domain above a module's: the configured site has the rest, the module keeps its own hosts
    kabar_toml(SITE)
    news = type(
        "News", (Site,), {"name": "news", "domains": ("news.wartanusa.example",), "article_paths": ()}
    )()
    [declaration] = declared_sites()
    site = build([declaration], {"news": news})["nusa"]
    assert not site.owns("https://news.wartanusa.example/berita/2026/11/24/30105/x")
    assert site.article_id("https://news.wartanusa.example/berita/2026/11/24/30105/x") is None
    assert site.article_id(ARTICLE) == "nusa:30105"
    assert site_for_url("https://www.tempo.co/politik/some-story-1180120") is get_site("tempo")


def test_the_demo_site_is_found_but_not_registered():
    """No real host to schedule or deploy: prefect.yaml needs no entry for it (test_deployment)."""
    assert "wartanusa" in demo_sites() and "wartanusa" not in all_sites()
    assert DEMO.mirror is not None and (DEMO.mirror / "robots.txt").is_file()
    assert site_for_url(ARTICLE) is DEMO and DEMO.article_id(ARTICLE) == "wartanusa:30105"
    pages = sorted(DEMO.mirror.glob("berita/**/*.html"))
    assert 5 <= len(pages) <= 8 and all(p.with_name(p.stem + ".meta.json").is_file() for p in pages)


@pytest.mark.e2e
def test_a_configured_site_is_ingested_end_to_end(prefect_api, kabar_toml, tmp_path):
    """kabar.toml declares the site; the ingest flow discovers (robots.txt -> news sitemap, RSS, a section
    page), fetches, extracts with the generic extractor, loads, and the health gate passes."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    kabar_toml(SITE)
    db, archive = tmp_path / "warehouse.duckdb", tmp_path / "archive"
    with serve(DEMO.mirror) as mirror:
        counts = ingest(
            site="nusa", base_url=mirror.base_url, warehouse=str(db), archive=str(archive), delay=0.0
        )
    assert counts["articles_new"] == 6 and counts["issues"] == 0 and counts["fetch_errors"] == 0
    with connect(db, read_only=True) as con:
        articles = dict(con.execute("SELECT article_id, access FROM articles WHERE site = 'nusa'").fetchall())
        assert articles == {f"nusa:{n}": "free" for n in range(30101, 30107)} | {"nusa:30105": "paywalled"}
        [(title, authors, section, language)] = con.execute(
            "SELECT title, authors, section, language FROM articles WHERE article_id = 'nusa:30102'"
        ).fetchall()
        assert title == "Banjir Rob Genangi Pesisir Kota Tanjung Lamaran" and list(authors) == [
            "Dimas Prayogo"
        ]
        assert (section, language) == ("Daerah", "id")
        links = con.execute(
            "SELECT block, position, target_article_id FROM related_links"
            " WHERE source_article_id = 'nusa:30102' ORDER BY position"
        ).fetchall()
        assert links == [
            ("baca_juga", 1, "nusa:30106"),
            ("baca_juga", 2, "nusa:30105"),
            ("baca_juga", 3, "nusa:30101"),
        ]
        [(status,)] = con.execute("SELECT status FROM crawl_runs WHERE site = 'nusa'").fetchall()
        assert status == "completed"
        failed = con.execute("SELECT measure FROM health_checks WHERE NOT passed").fetchall()
        assert failed == []


def test_an_article_linked_with_a_trailing_slash_is_fetched_there_and_known_without(kabar_toml):
    """WordPress serves a post at /slug/ and redirects /slug there: fetching the canonical spelling
    cost a redirect per article. The id and the stored URL stay the canonical ones."""
    kabar_toml(SITE.replace("article_pattern", "# article_pattern"))
    site = get_site("nusa")
    linked = "https://wartanusa.example/2026/11/24/petani-garam-panen-lebih-awal/?utm_source=rss"
    fetched = "https://wartanusa.example/2026/11/24/petani-garam-panen-lebih-awal/"
    selection = select_articles(site, [linked, fetched.rstrip("/")])
    assert selection == Selection(urls=(fetched,), skipped=0, collapsed=1)
    assert site.article_id(fetched) == site.article_id(fetched.rstrip("/"))
    listing = f'<html><body><ul><li><a href="{linked}">Petani garam</a></li></ul></body></html>'
    assert site.listing(listing.encode(), "https://wartanusa.example/")[0] == [fetched]
    tempo = "https://dunia.tempo.co/read/1772314/norwegia-dan-chile"
    assert get_site("tempo").fetch_url(tempo + "/") == tempo  # a module's pages: at the canonical URL


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("5,35 * * * *", True),
        ("*/15 6-22 * * *", True),
        ("0 6 * * MON-FRI", True),
        ("0 6 1 jan,jul *", True),
        ("61 * * * *", False),
        ("0 24 * * *", False),
        ("0 6 32 * *", False),
        ("0 6 * * 8", False),
        ("H * * * *", False),
        ("R 6 * * *", False),
        ("0 6 * * * *", False),
        ("@daily", False),
        (5, False),
    ],
)
def test_a_schedule_is_five_cron_fields_prefect_can_run(value, valid):
    from kabar.config import is_cron

    assert is_cron(value) is valid
