"""kabar.cli.main called in-process: bad input is one 'kabar:' line on stderr and exit 2; extract and sql."""

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from kabar.cli import main
from tests.conftest import mirror_of

PAGE = mirror_of("tempo") / "read" / "1772314" / "norwegia-dan-chile-sepakati-riset-bersama-di-antartika.html"
TITLE = "Norwegia dan Chile Sepakati Riset Bersama di Antartika"


@pytest.fixture(autouse=True)
def no_crawl(monkeypatch) -> list[dict]:
    """`run` and `demo` must never reach the flow here: a stub records any call instead of crawling."""
    import kabar.flows.ingest as ingest_module

    calls: list[dict] = []
    monkeypatch.setattr(ingest_module, "ingest", lambda **kwargs: calls.append(kwargs) or {})
    return calls


@pytest.fixture
def small_db(tmp_path) -> Path:
    path = tmp_path / "small.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE kota (nama VARCHAR, penduduk INTEGER)")
    con.execute("INSERT INTO kota VALUES ('Makassar', 1423877), ('Bandung', 2444160)")
    con.close()
    return path


def assert_usage_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kabar: "), err
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["nope"], id="unknown-command"),
        pytest.param(["run", "--limit", "0"], id="limit-0"),
        pytest.param(["run", "--limit", "dua"], id="limit-word"),
        pytest.param(["run", "--delay", "-1"], id="negative-delay"),
        pytest.param(["run", "--delay", "sebentar"], id="delay-word"),
        pytest.param(["run", "--site", "nope"], id="run-unknown-site"),
        pytest.param(["demo", "--site", "nope"], id="demo-unknown-site"),
        pytest.param(["serve", "--site", "nope"], id="serve-unknown-site"),
        pytest.param(["extract", str(PAGE), "--fetched-at", "notatime"], id="fetched-at-not-a-time"),
        pytest.param(["extract"], id="extract-without-file"),
    ],
)
def test_bad_arguments(capsys, no_crawl, argv):
    assert_usage_error(capsys, argv)
    assert no_crawl == []


@pytest.mark.parametrize("delay", ["nan", "inf"])
def test_delay_must_be_a_finite_number(capsys, no_crawl, delay):
    assert_usage_error(capsys, ["run", "--delay", delay])
    assert no_crawl == []


def test_good_run_arguments_reach_the_flow(capsys, no_crawl, tmp_path):
    db = str(tmp_path / "w.duckdb")
    argv = ["run", "--db", db, "--limit", "3", "--delay", "0.5", "--base-url", "http://127.0.0.1:9"]
    assert main(argv) == 0
    assert [(c["site"], c["db_path"], c["limit"], c["min_delay"], c["base_url"]) for c in no_crawl] == [
        ("tempo", db, 3, 0.5, "http://127.0.0.1:9")
    ]


def test_unknown_site_names_the_known_ones(capsys):
    line = assert_usage_error(capsys, ["run", "--site", "nope"])
    assert "nope" in line and "tempo" in line


def test_extract_missing_file(capsys, tmp_path):
    missing = tmp_path / "tidak-ada.html"
    assert str(missing) in assert_usage_error(capsys, ["extract", str(missing)])


def test_extract_broken_gzip(capsys, tmp_path):
    broken = tmp_path / "rusak.html.gz"
    broken.write_bytes(b"not gzip at all")
    assert_usage_error(capsys, ["extract", str(broken)])


def test_sql_missing_db(capsys, tmp_path):
    missing = tmp_path / "tidak-ada.duckdb"
    assert_usage_error(capsys, ["sql", "--db", str(missing), "SELECT 1"])
    assert not missing.exists()  # read-only: no file is created


@pytest.mark.parametrize("query", ["SELEC * FROM kota", "SELECT * FROM tidak_ada", "DROP TABLE kota"])
def test_sql_bad_query(capsys, small_db, query):
    assert_usage_error(capsys, ["sql", "--db", str(small_db), query])


def test_sql_prints_rows(capsys, small_db):
    assert main(["sql", "--db", str(small_db), "SELECT nama, penduduk FROM kota ORDER BY nama"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    assert "Bandung" in out and "Makassar" in out and "2444160" in out and "1423877" in out
    assert out.index("Bandung") < out.index("Makassar")


@pytest.mark.parametrize("compressed", [False, True], ids=["html", "html.gz"])
def test_extract_prints_the_cleaned_article(capsys, tmp_path, compressed):
    path = PAGE
    if compressed:
        path = tmp_path / "halaman.html.gz"
        path.write_bytes(gzip.compress(PAGE.read_bytes()))
    assert main(["extract", str(path), "--fetched-at", "2023-10-01T05:00:00Z"]) == 0
    captured = capsys.readouterr()
    article = json.loads(captured.out)
    assert article["parsed"]["title"] == TITLE
    assert article["parsed"]["article_id"] == "tempo:1772314"
    assert article["parsed"]["fetched_at"] == "2023-10-01T05:00:00+00:00"
    assert article["body"].startswith("TEMPO.CO, Jakarta - Menteri Luar Negeri Norwegia")
    assert "Iklan" not in article["body"] and "Scroll Untuk Melanjutkan" not in article["body"]
    assert "ad_label" in [r["rule"] for r in article["removals"]]


def test_kabar_home_moves_every_default_path(monkeypatch, tmp_path, no_crawl, capsys):
    """One settings module owns the data folder: run, demo and sql all follow KABAR_HOME."""
    from kabar.cli import _parser

    monkeypatch.setenv("KABAR_HOME", str(tmp_path / "home"))
    assert main(["run", "--site", "tempo"]) == 0
    assert no_crawl[-1]["db_path"] == str(tmp_path / "home" / "warehouse.duckdb")
    assert no_crawl[-1]["archive_dir"] == str(tmp_path / "home" / "archive")
    demo = _parser().parse_args(["demo"])
    home = tmp_path / "home"
    assert (demo.db, demo.archive) == (str(home / "demo.duckdb"), str(home / "demo-archive"))
    line = assert_usage_error(capsys, ["sql", "SELECT 1"])
    assert str(tmp_path / "home" / "warehouse.duckdb") in line
