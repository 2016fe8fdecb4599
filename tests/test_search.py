"""Full-text search and the daily maintenance over a warehouse the real flow filled (both mirrors)."""

import pytest

from kabar.cli import main
from kabar.mirror import serve
from kabar.sites import get_site
from kabar.warehouse.db import connect
from kabar.warehouse.search import search, search_path

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def filled(prefect_api, tmp_path_factory):
    from kabar.flows.ingest import ingest

    work = tmp_path_factory.mktemp("search")
    db = work / "w.duckdb"
    for site in ("antara", "tempo"):
        with serve(get_site(site).mirror) as mirror:
            ingest(
                site=site,
                base_url=mirror.base_url,
                warehouse=str(db),
                archive=str(work / "archive"),
                delay=0.0,
            )
    return db, work / "archive"


def test_each_run_leaves_an_index_of_every_article(filled):
    db, _ = filled
    with connect(db, read_only=True) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    hits = search(db, "anggrek", limit=100)
    assert search_path(db).exists() and articles > 0
    assert {h["article_id"] for h in hits} == {"antara:527760", "tempo:1772410"}  # the wire story, twice


def test_indonesian_stemming_finds_other_forms_of_a_word(filled):
    db, _ = filled
    hits = [{h["article_id"] for h in search(db, q, limit=100)} for q in ("temukan", "ditemukan")]
    assert hits[0] and hits[0] == hits[1]  # di-/-kan stripped: one stem, "temu"


def test_filters_and_the_command(filled, capsys):
    db, _ = filled
    assert {h["site"] for h in search(db, "anggrek", site="tempo")} == {"tempo"}
    assert main(["search", "anggrek", "--site", "antara", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "antaranews.com/berita/527760" in out and "anggrek" in out.lower()


def test_maintenance_compacts_expires_and_reports(filled, capsys):
    db, archive = filled
    with connect(db, read_only=True) as con:
        before = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert main(["maintain", "--db", str(db), "--archive", str(archive), "--keep-days", "0.00001"]) == 0
    report = __import__("json").loads(capsys.readouterr().out)
    assert report["snapshots_expired"] > 0 and report["articles_indexed"] == before
    assert report["data_files"] > 0 and report["archive_files"] > 0
    with connect(db, read_only=True) as con:  # the content is untouched
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == before


def test_maintenance_of_no_warehouse_fails_and_makes_none(prefect_api, tmp_path, capsys):
    missing = tmp_path / "belum" / "warehouse.sqlite"
    assert main(["maintain", "--db", str(missing), "--archive", str(tmp_path / "arsip")]) == 1
    said = capsys.readouterr().err
    assert said == f"kabar: run failed: no warehouse at {missing}: nothing was ingested to maintain\n"
    assert not missing.parent.exists() or not any(missing.parent.iterdir())


def test_a_hit_is_printed_as_text_a_terminal_shows_not_obeys(tmp_path, capsys, monkeypatch):
    from datetime import UTC, datetime

    import kabar.warehouse.search

    hit = {
        "title": "Judul \x1b]0;diretas\x07 biasa",
        "site": "contoh",
        "published_at": datetime(2024, 3, 12, tzinfo=UTC),
        "score": 1.5,
        "url": "https://contoh.example/berita/1",
        "snippet": "teks \x9b2J \u202ekebalik",
    }
    monkeypatch.setattr(kabar.warehouse.search, "search", lambda *args, **kwargs: [hit])
    assert main(["search", "judul", "--db", str(tmp_path / "warehouse.sqlite")]) == 0
    out = capsys.readouterr().out
    assert out == (
        "1. Judul \\x1b]0;diretas\\x07 biasa (contoh, 2024-03-12, score 1.5)\n"
        "   https://contoh.example/berita/1\n   teks \\x9b2J \\u202ekebalik\n"
    )
