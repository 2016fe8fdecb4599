"""End to end: the Prefect ingest flow (real API via the test harness) against the tempo mirror
served over real HTTP on 127.0.0.1, into a real DuckDB file."""

from datetime import UTC, datetime

import pytest

from kabar.warehouse.db import connect
from tests.golden import as_golden, extract_page, golden_pages, site_of

pytestmark = pytest.mark.e2e
CONTENT_TABLES = (
    "articles",
    "article_versions",
    "article_urls",
    "related_links",
    "removals",
    "extraction_issues",
    "article_minhash",
    "article_bands",
    "near_duplicates",
)
CHOSEN = "tempo:1772314"
REPUBLISHED = "tempo:1772327"  # CHOSEN again under a new id: another headline, a word added, an update line
WIRE_STORY, WIRE_COPY = "antara:527760", "tempo:1772410"  # ANTARA's story, tempo's copy of it


@pytest.fixture(scope="module")
def warehouse(prefect_api, tmp_path_factory):
    """The mirror ingested twice into one warehouse: (db path, first counts, second counts, snapshot)."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve
    from tests.conftest import mirror_of

    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    archive = db.parent / "archive"
    with serve(mirror_of("tempo")) as mirror:

        def run():  # several batches on purpose
            return ingest(
                site="tempo",
                base_url=mirror.base_url,
                warehouse=str(db),
                archive=str(archive),
                batch_size=5,
                delay=0.0,
            )

        first = run()
        after_first = _snapshot(db)
        second = run()
    return db, first, second, after_first


def _snapshot(db) -> dict[str, list]:
    with connect(db, read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in CONTENT_TABLES}


def _rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


def _expected(*sites: str) -> dict[str, dict]:
    """The golden extraction of every article of the sites' mirrors (tempo's by default), by article id."""
    goldens = [as_golden(extract_page(p)) for p in golden_pages() if site_of(p).name in (sites or ("tempo",))]
    return {g["parsed"]["article_id"]: g for g in goldens if "parsed" in g}


def test_every_mirror_article_is_loaded_once(warehouse):
    db, first, _, _ = warehouse
    expected = _expected()
    loaded = dict(_rows(db, "SELECT article_id, body FROM articles"))
    assert set(loaded) == set(expected)
    assert all(loaded[i] == expected[i]["body"] for i in expected)
    assert first["articles_new"] == len(expected)


def test_counts_of_the_run(warehouse):
    db, first, _, _ = warehouse
    assert first["issues"] == 1  # the truncated page
    assert first["fetch_errors"] == 1  # the sitemap's deleted article (404)
    assert first["urls_collapsed"] == 2  # the feed's links with tracking parameters
    assert first["urls_skipped"] >= 1  # the index page is not fetched
    problem = _rows(db, "SELECT url, problem FROM extraction_issues")
    assert [(u.rsplit("/", 2)[-2], p) for u, p in problem] == [("1772399", "truncated")]
    runs = _rows(db, "SELECT status, articles_new, issues FROM crawl_runs ORDER BY started_at")
    assert runs[0] == ("completed", first["articles_new"], 1)


def test_chosen_article_field_by_field(warehouse):
    db = warehouse[0]
    row = _rows(
        db,
        """SELECT url, title, authors, editor, published_at, section, tags, dateline, agency,
                              image_url, image_caption, image_credit, editors_pick_title, editors_pick_url,
                              language, layout, version, word_count
                       FROM articles WHERE article_id = ?""",
        CHOSEN,
    )[0]
    assert row == (
        "https://dunia.tempo.co/read/1772314/norwegia-dan-chile-sepakati-riset-bersama-di-antartika",
        "Norwegia dan Chile Sepakati Riset Bersama di Antartika",
        ["Sekar Wulandari"],
        "Ida Rosdalina",
        datetime(2023, 9, 13, 12, 36, tzinfo=UTC),
        "Dunia",
        ["Antartika", "Norwegia", "Chile"],
        "Jakarta",
        "REUTERS",
        "https://statik.tempo.co/data/2023/09/13/id_1231001/1231001_720.jpg",
        "Kapal riset Norwegia bersandar di pelabuhan Punta Arenas, Chile, 12 September 2023. "
        "Kapal itu akan membawa tim gabungan ke Semenanjung Antartika.",
        "REUTERS/Lucia Ferrandez",
        "Gletser di Patagonia Menyusut Lebih Cepat dari Perkiraan",
        "https://dunia.tempo.co/read/1772001/gletser-di-patagonia-menyusut-lebih-cepat-dari-perkiraan",
        "id",
        "tempo-2023",
        1,
        130,
    )
    body = _rows(db, "SELECT body FROM articles WHERE article_id = ?", CHOSEN)[0][0]
    assert body.startswith("TEMPO.CO, Jakarta - Menteri Luar Negeri Norwegia")
    assert body.endswith("penangkapan ikan skala besar di perairan sekitar.")
    for boilerplate in ("Iklan", "Scroll Untuk Melanjutkan", "REUTERS", "Pilihan Editor", "REUTERS/Lucia"):
        assert boilerplate not in body
    removals = _rows(db, "SELECT rule, count FROM removals WHERE article_id = ? ORDER BY rule", CHOSEN)
    assert removals == [("ad_label", 2), ("duplicate_caption", 1), ("scroll_prompt", 1)]


def test_chosen_article_related_links(warehouse):
    db = warehouse[0]
    links = _rows(
        db,
        """SELECT block, position, target_url, target_article_id, title, time_text,
                                published_until - published_after, summary
                         FROM related_links WHERE source_article_id = ? ORDER BY block, position""",
        CHOSEN,
    )
    hour, day = datetime(1, 1, 1, 1) - datetime(1, 1, 1), datetime(1, 1, 2) - datetime(1, 1, 1)
    assert links == [
        (
            "pilihan_editor",
            1,
            "https://dunia.tempo.co/read/1772001/gletser-di-patagonia-menyusut-lebih-cepat-dari-perkiraan",
            "tempo:1772001",
            "Gletser di Patagonia Menyusut Lebih Cepat dari Perkiraan",
            None,
            None,
            None,
        ),
        (
            "rekomendasi",
            1,
            "https://dunia.tempo.co/read/1772290/peneliti-temukan-koloni-penguin-baru-di-pulau-terpencil",
            "tempo:1772290",
            "Peneliti Temukan Koloni Penguin Baru di Pulau Terpencil",
            "2 jam lalu",
            hour,
            "Koloni itu diperkirakan berisi lebih dari seribu pasang penguin yang belum pernah tercatat.",
        ),
        (
            "video_pilihan",
            1,
            "https://www.tempo.co/read/1771880/video-cara-kerja-kapal-pemecah-es",
            "tempo:1771880",
            "Video: Cara Kerja Kapal Pemecah Es",
            "1 hari lalu",
            day,
            "Haluan kapal yang diperkuat baja menekan es hingga retak di bawah bobotnya sendiri.",
        ),
    ]


def test_related_links_match_the_pages(warehouse):
    db = warehouse[0]
    expected = {(aid, r["block"], r["url"]) for aid, g in _expected().items() for r in g["parsed"]["related"]}
    assert set(_rows(db, "SELECT source_article_id, block, target_url FROM related_links")) == expected


def test_republished_story_is_marked_as_a_near_duplicate(warehouse):
    db, first, second, _ = warehouse
    marks = _rows(db, "SELECT article_id, duplicate_of, similarity FROM near_duplicates")
    assert [(a, d) for a, d, _ in marks] == [
        (REPUBLISHED, CHOSEN)
    ]  # the later points at the earlier, and only it
    assert 0.8 <= marks[0][2] < 1
    assert _rows(db, "SELECT count(*) FROM articles WHERE article_id IN (?, ?)", CHOSEN, REPUBLISHED) == [
        (2,)
    ]
    assert (first["near_duplicates"], second["near_duplicates"]) == (1, 0)
    assert _rows(db, "SELECT near_duplicates FROM crawl_runs ORDER BY started_at") == [(1,), (0,)]
    signed = _rows(db, "SELECT count(*), count(DISTINCT article_id) FROM article_minhash")
    assert signed == [(len(_expected()), len(_expected()))]  # every article, once


def test_duplicate_url_collapsed_into_one_article(warehouse):
    db = warehouse[0]
    fetched = [
        u
        for (u,) in _rows(
            db, "SELECT url FROM fetches WHERE run_id = (SELECT min_by(run_id, started_at) FROM crawl_runs)"
        )
    ]
    assert not [u for u in fetched if "utm_" in u or "fbclid" in u]
    assert len(fetched) == len(set(fetched))


def test_second_run_changes_no_content(warehouse):
    db, _, second, after_first = warehouse
    assert second["articles_new"] == 0 and second["articles_updated"] == 0
    assert second["pages_unchanged"] == second["pages_fetched"] - second["fetch_errors"]
    assert _snapshot(db) == after_first


def _documented_queries() -> list[str]:
    from pathlib import Path

    root = Path(__file__).parents[1]
    text = (root / "README.md").read_text() + (root / "docs" / "queries.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```sql")[1:]]
    return [
        q.strip() for block in blocks for q in block.split(";") if q.strip().replace("\n", "").strip("- ")
    ]


def test_documented_queries_run(warehouse):
    db = warehouse[0]
    queries = _documented_queries()
    assert len(queries) >= 10
    with connect(db, read_only=True) as con:
        for query in queries:
            con.execute(query).fetchall()


def test_kabar_demo_fills_a_warehouse(prefect_api, tmp_path, capsys):
    from kabar.cli import main

    db = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(db), "--archive", str(tmp_path / "archive")]) == 0
    out = capsys.readouterr().out
    for site in ("antara", "tempo"):
        assert f"{site}: {len(_expected(site))} new articles" in out
    assert "duplicates collapsed: 2 URLs before fetching" in out
    assert "sample query:" in out and "│" in out  # the query's result table
    assert "wartanusa: 6 new articles" in out  # the demo's configured site (tests/test_configured_sites.py)
    assert _rows(db, "SELECT count(*) FROM articles") == [(len(_expected("antara", "tempo")) + 6,)]
    # The wire story ANTARA sent first and tempo republished: one cluster across the sites, earliest first
    across = _rows(
        db,
        "SELECT n.article_id, n.duplicate_of FROM near_duplicates n JOIN articles a USING (article_id)"
        " JOIN articles b ON b.article_id = n.duplicate_of WHERE a.site <> b.site",
    )
    assert across == [(WIRE_COPY, WIRE_STORY)]


def test_kabar_run_against_a_mirror_with_a_limit(prefect_api, tempo_mirror, tmp_path, capsys):
    import json

    from kabar.cli import main

    db = tmp_path / "run.duckdb"
    args = [
        "run",
        "--base-url",
        tempo_mirror.base_url,
        "--limit",
        "3",
        "--delay",
        "0",
        "--db",
        str(db),
        "--archive",
        str(tmp_path / "archive"),
    ]
    assert main(args) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["urls_discovered"] == 3
    assert _rows(db, "SELECT count(*) FROM fetches WHERE outcome <> 'source'") == [(3,)]
    ua = {hit.user_agent for hit in tempo_mirror.hits}
    assert len(ua) == 1 and ua.pop().startswith("kabar/")


def test_a_run_budget_ends_the_run_and_the_next_goes_on(prefect_api, tempo_mirror, tmp_path):
    from kabar.flows.ingest import ingest

    def run():
        return ingest(
            site="tempo",
            base_url=tempo_mirror.base_url,
            warehouse=str(tmp_path / "w.duckdb"),
            archive=str(tmp_path / "archive"),
            batch_size=4,
            delay=0.0,
            max_pages=6,
        )

    first, second = run(), run()
    assert (first["pages_fetched"], second["pages_fetched"]) == (6, 6)
    fetched = _rows(
        tmp_path / "w.duckdb",
        "SELECT count(DISTINCT url), count(*) FROM fetches WHERE status = 200 AND outcome <> 'source'",
    )
    assert fetched == [(12, 12)]  # the second run went on with new pages, none fetched twice
    assert second["urls_not_due"] == 6


def test_an_unreachable_site_fails_the_run_in_one_line(prefect_api, tmp_path, capsys):
    from kabar.cli import main

    db = tmp_path / "w.duckdb"
    assert main(["run", "--base-url", "http://127.0.0.1:9", "--db", str(db), "--archive", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("kabar: ")]
    assert line.startswith("kabar: run failed: discovery found no article URLs of tempo")
    assert "Connection refused" in line
    assert _rows(db, "SELECT status FROM crawl_runs") == [("failed",)]


def test_discovery_sources_are_recorded_and_read_again_conditionally(warehouse):
    db = warehouse[0]
    runs = [run for (run,) in _rows(db, "SELECT run_id FROM crawl_runs ORDER BY started_at")]
    query = "SELECT DISTINCT status FROM fetches WHERE outcome = 'source' AND run_id = ? ORDER BY 1"
    assert [_rows(db, query, run) for run in runs] == [[(200,)], [(304,)]]  # read once, then 304s


def test_every_content_row_names_the_run_that_wrote_it(warehouse):
    db = warehouse[0]
    first_run = _rows(db, "SELECT run_id FROM crawl_runs ORDER BY started_at LIMIT 1")
    for table in (
        "articles",
        "article_versions",
        "article_urls",
        "related_links",
        "removals",
        "near_duplicates",
    ):
        rows = _rows(db, f"SELECT DISTINCT run_id FROM {table}")
        assert rows == first_run, table  # the second run changed nothing, so wrote nothing


def test_recent_articles_no_longer_listed_are_revisited_when_due(
    prefect_api, tempo_mirror, tmp_path, monkeypatch
):
    """An article that left the feeds and sitemaps is fetched again while it is recent (first seen
    within `revisit_days`) and its failure memory says it is due; an older one is not."""
    from dataclasses import replace
    from datetime import timedelta

    from kabar.flows import ingest as ingest_module
    from kabar.urls import rebase

    def run(**options):
        return ingest_module.ingest(
            site="tempo",
            base_url=tempo_mirror.base_url,
            warehouse=str(tmp_path / "w.sqlite"),
            archive=str(tmp_path / "archive"),
            batch_size=4,
            delay=0.0,
            **options,
        )

    run(limit=3)
    first = {url for (url,) in _rows(tmp_path / "w.sqlite", "SELECT url FROM articles")}
    discover = ingest_module.discover

    def without_first(*args, **kwargs):  # the real discovery, minus the articles of the first run
        found = discover(*args, **kwargs)
        lastmod = {url: when for url, when in found.lastmod.items() if url not in first}
        return replace(found, urls=tuple(u for u in found.urls if u not in first), lastmod=lastmod)

    monkeypatch.setattr(ingest_module, "discover", without_first)
    later = ingest_module._now() + timedelta(days=8)  # due again: past the longest revisit interval (7 days)
    monkeypatch.setattr(ingest_module, "_now", lambda: later)
    run(revisit_days=10)

    fetched_again = _rows(
        tmp_path / "w.sqlite",
        "SELECT count(DISTINCT f.url) FROM fetches f JOIN crawl_runs r USING (run_id)"
        " WHERE f.outcome <> 'source' AND r.started_at = ? AND f.url IN (SELECT unnest(?))",
        later,
        [rebase(url, tempo_mirror.base_url) for url in first],
    )
    assert len(first) == 3 and fetched_again == [(3,)]
