"""kabar.cli.main called in-process: bad input is one 'kabar:' line on stderr and exit 2; extract and sql."""

import gzip
import json
import logging
import sys
import types
from datetime import date
from pathlib import Path

import pytest

from kabar.cli import main
from kabar.records import RunFailed
from kabar.warehouse.db import connect
from tests.conftest import mirror_of

PAGE = mirror_of("tempo") / "read" / "1772314" / "norwegia-dan-chile-sepakati-riset-bersama-di-antartika.html"
TITLE = "Norwegia dan Chile Sepakati Riset Bersama di Antartika"


@pytest.fixture(autouse=True)
def no_crawl(monkeypatch) -> list[dict]:
    """`run` and `demo` must never reach the flow here: a stub records any call instead of crawling."""
    return stub_ingest(monkeypatch)


def stub_ingest(monkeypatch) -> list[dict]:
    import kabar.flows.ingest as ingest_module

    calls: list[dict] = []
    monkeypatch.setattr(ingest_module, "ingest", lambda **kwargs: calls.append(kwargs) or {})
    return calls


REPARSE_COUNTS = {
    "pages": 7,
    "articles_new": 0,
    "articles_updated": 2,
    "issues": 1,
    "issues_resolved": 1,
    "unchanged": 4,
}


@pytest.fixture(autouse=True)
def no_reparse(monkeypatch) -> list[dict]:
    """`reparse` never reaches the flow here either."""
    return stub_reparse(monkeypatch)


def stub_reparse(monkeypatch) -> list[dict]:
    """A stub module stands in while flows/reparse.py does not exist."""
    try:
        import kabar.flows.reparse as reparse_module
    except ModuleNotFoundError as error:
        if error.name != "kabar.flows.reparse":
            raise
        reparse_module = types.ModuleType("kabar.flows.reparse")
        monkeypatch.setitem(sys.modules, "kabar.flows.reparse", reparse_module)
    calls: list[dict] = []
    stub = lambda **kwargs: calls.append(kwargs) or dict(REPARSE_COUNTS)  # noqa: E731
    monkeypatch.setattr(reparse_module, "reparse", stub, raising=False)
    return calls


@pytest.fixture
def small_db(tmp_path) -> Path:
    path = tmp_path / "small.duckdb"
    con = connect(path)
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
        pytest.param(["mirror", "--site", "nope"], id="mirror-unknown-site"),
        pytest.param(["mirror", "--port", "0"], id="mirror-port-0"),
        pytest.param(["mirror", "--dir", "/nonexistent/mirror"], id="mirror-no-folder"),
        pytest.param(["status", "--runs", "0"], id="status-runs-0"),
        pytest.param(["run", "--workers", "0"], id="workers-0"),
        pytest.param(["run", "--user-agent", ""], id="empty-user-agent"),
        pytest.param(["extract", str(PAGE), "--fetched-at", "notatime"], id="fetched-at-not-a-time"),
        pytest.param(["extract"], id="extract-without-file"),
    ],
)
def test_bad_arguments(capsys, no_crawl, argv):
    assert_usage_error(capsys, argv)
    assert no_crawl == []


@pytest.mark.parametrize(
    ("argv", "help_of"),
    [
        (["sql", "--bogus", "SELECT 1"], "kabar sql"),
        (["run", "--nope"], "kabar run"),
        (["--nope", "run"], "kabar"),  # given before the command: the main help
    ],
)
def test_an_unknown_option_points_to_the_help_of_its_command(capsys, no_crawl, argv, help_of):
    line = assert_usage_error(capsys, argv)
    assert line.endswith(f"(see `{help_of} --help`)") and "unrecognized arguments: --" in line


@pytest.mark.parametrize("delay", ["nan", "inf"])
def test_delay_must_be_a_finite_number(capsys, no_crawl, delay):
    assert_usage_error(capsys, ["run", "--delay", delay])
    assert no_crawl == []


def test_good_run_arguments_reach_the_flow(capsys, no_crawl, tmp_path):
    db = str(tmp_path / "w.duckdb")
    argv = ["run", "--db", db, "--limit", "3", "--delay", "0.5", "--base-url", "http://127.0.0.1:9"]
    assert main(argv) == 0
    assert [(c["site"], c["warehouse"], c["limit"], c["delay"], c["base_url"]) for c in no_crawl] == [
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


def test_extract_of_a_page_its_parser_crashes_on_is_one_line_without_a_traceback(capsys, caplog, monkeypatch):
    from kabar.sites import get_site

    def crash(*_):
        raise RuntimeError("a surprise in the layout")

    monkeypatch.setattr(get_site("tempo"), "parse", crash)
    with caplog.at_level(logging.ERROR, logger="kabar.extract"):
        line = assert_usage_error(capsys, ["extract", str(PAGE)])
    assert line.endswith("parser_crashed: RuntimeError: a surprise in the layout")
    # caught twice in a process where Prefect has set logging up
    records = [r for r in caplog.records if r.name == "kabar.extract"]
    assert records and all(r.getMessage().startswith("parser crashed on ") for r in records)
    assert all(r.exc_info is None for r in records)
    assert not logging.getLogger("kabar.extract").filters  # the quiet filter ends with the command


def test_kabar_home_moves_every_default_path(monkeypatch, tmp_path, no_crawl, capsys):
    """One settings module owns the data folder: run, demo and sql all follow KABAR_HOME."""
    from kabar.cli import _parser

    monkeypatch.setenv("KABAR_HOME", str(tmp_path / "home"))
    assert main(["run", "--site", "tempo"]) == 0
    assert no_crawl[-1]["warehouse"] == str(tmp_path / "home" / "warehouse.sqlite")
    assert no_crawl[-1]["archive"] == str(tmp_path / "home" / "archive")
    demo = _parser().parse_args(["demo"])
    home = tmp_path / "home"
    assert (demo.warehouse, demo.archive) == (str(home / "demo.sqlite"), str(home / "demo-archive"))
    line = assert_usage_error(capsys, ["sql", "SELECT 1"])
    assert str(tmp_path / "home" / "warehouse.sqlite") in line


def test_run_budget_reaches_the_flow(capsys, no_crawl):
    assert main(["run", "--max-pages", "50", "--max-minutes", "2.5"]) == 0
    [call] = no_crawl
    assert (call["max_pages"], call["max_minutes"]) == (50, 2.5)
    assert isinstance(call["max_pages"], int) and isinstance(call["max_minutes"], float)


def test_no_budget_by_default(capsys, no_crawl):
    assert main(["run"]) == 0
    assert (no_crawl[0]["max_pages"], no_crawl[0]["max_minutes"]) == (None, None)
    assert (no_crawl[0]["backfill_from"], no_crawl[0]["backfill_to"]) == (None, None)


def test_backfill_is_a_command_of_its_own(capsys, no_crawl, tmp_path):
    db, archive = str(tmp_path / "w.duckdb"), str(tmp_path / "arsip")
    argv = ["backfill", "--site", "antara", "--from", "2023-09-01", "--to", "2023-09-03", "--db", db]
    argv += ["--archive", archive, "--base-url", "http://127.0.0.1:9", "--max-pages", "10"]
    assert main([*argv, "--max-minutes", "1"]) == 0
    [call] = no_crawl
    assert call["site"] == "antara" and (call["warehouse"], call["archive"]) == (db, archive)
    assert (call["backfill_from"], call["backfill_to"]) == (date(2023, 9, 1), date(2023, 9, 3))
    assert (call["base_url"], call["max_pages"], call["max_minutes"]) == ("http://127.0.0.1:9", 10, 1.0)
    assert json.loads(capsys.readouterr().out) == {}


def test_backfill_to_defaults_to_the_flows_today(capsys, no_crawl):
    assert main(["backfill", "--site", "tempo", "--from", "2023-09-01"]) == 0
    assert (no_crawl[0]["backfill_from"], no_crawl[0]["backfill_to"]) == (date(2023, 9, 1), None)


def test_run_backfill_options_stay_as_aliases(capsys, no_crawl):
    assert main(["run", "--backfill-from", "2023-09-01", "--backfill-to", "2023-09-02"]) == 0
    assert (no_crawl[0]["backfill_from"], no_crawl[0]["backfill_to"]) == (date(2023, 9, 1), date(2023, 9, 2))


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(
            ["backfill", "--site", "tempo", "--from", "2023-09-03", "--to", "2023-09-01"], id="from-after-to"
        ),
        pytest.param(
            ["run", "--backfill-from", "2023-09-03", "--backfill-to", "2023-09-01"], id="alias-after"
        ),
        pytest.param(["run", "--backfill-to", "2023-09-01"], id="to-without-from"),
        pytest.param(["backfill", "--site", "tempo", "--from", "2999-01-01"], id="from-in-the-future"),
        pytest.param(["backfill", "--site", "tempo"], id="no-from"),
        pytest.param(["backfill", "--from", "2023-09-01"], id="no-site"),
        pytest.param(["backfill", "--site", "nope", "--from", "2023-09-01"], id="unknown-site"),
    ],
)
def test_bad_backfill(capsys, no_crawl, argv):
    assert_usage_error(capsys, argv)
    assert no_crawl == []


def test_from_after_to_names_both(capsys):
    line = assert_usage_error(
        capsys, ["backfill", "--site", "tempo", "--from", "2023-09-03", "--to", "2023-09-01"]
    )
    assert "--from" in line and "2023-09-03" in line and "2023-09-01" in line


def _failing(**kwargs):
    raise RunFailed("the base URL http://127.0.0.1:9 cannot be reached\n(connection refused)")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["run", "--base-url", "http://127.0.0.1:9"], id="run"),
        pytest.param(["backfill", "--site", "tempo", "--from", "2023-09-01"], id="backfill"),
        pytest.param(["reparse"], id="reparse"),
    ],
)
def test_a_failed_run_is_one_line_and_exit_1(capsys, monkeypatch, argv):
    import kabar.flows.ingest

    monkeypatch.setattr(kabar.flows.ingest, "ingest", _failing)
    monkeypatch.setattr(sys.modules["kabar.flows.reparse"], "reparse", _failing)
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "kabar: run failed: the base URL http://127.0.0.1:9 cannot be reached (connection refused)"
    ]


def test_reparse_arguments_reach_the_flow(capsys, no_reparse, no_crawl, tmp_path):
    db, archive = str(tmp_path / "w.duckdb"), str(tmp_path / "arsip")
    argv = ["reparse", "--site", "tempo", "--since", "2023-09-01", "--layout", "tempo-2015"]
    assert main([*argv, "--db", db, "--archive", archive]) == 0
    assert no_reparse == [
        {
            "site": "tempo",
            "since": date(2023, 9, 1),
            "layout": "tempo-2015",
            "warehouse": db,
            "archive": archive,
            "batch_size": 1000,
        }
    ]
    assert json.loads(capsys.readouterr().out) == REPARSE_COUNTS
    assert no_crawl == []


def test_reparse_defaults_to_everything(capsys, no_reparse, monkeypatch, tmp_path):
    monkeypatch.setenv("KABAR_HOME", str(tmp_path / "home"))
    assert main(["reparse"]) == 0
    assert no_reparse == [
        {
            "site": None,
            "since": None,
            "layout": None,
            "warehouse": str(tmp_path / "home" / "warehouse.sqlite"),
            "archive": str(tmp_path / "home" / "archive"),
            "batch_size": 1000,
        }
    ]


def test_reparse_a_layout_of_any_site(capsys, no_reparse):
    assert main(["reparse", "--layout", "antara-2015"]) == 0
    assert no_reparse[0]["layout"] == "antara-2015" and no_reparse[0]["site"] is None


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["reparse", "--site", "nope"], id="unknown-site"),
        pytest.param(["reparse", "--layout", "nope"], id="unknown-layout"),
        pytest.param(["reparse", "--site", "tempo", "--layout", "antara-2015"], id="layout-of-another-site"),
        pytest.param(["reparse", "--since", "kemarin"], id="since-not-a-day"),
        pytest.param(["reparse", "--since", "20230901"], id="since-not-yyyy-mm-dd"),
    ],
)
def test_bad_reparse(capsys, no_reparse, argv):
    assert_usage_error(capsys, argv)
    assert no_reparse == []


def test_unknown_layout_names_the_known_ones(capsys):
    line = assert_usage_error(capsys, ["reparse", "--site", "tempo", "--layout", "nope"])
    assert "nope" in line and "tempo-2024" in line and "antara-2015" not in line


COMMANDS = [
    "run",
    "backfill",
    "reparse",
    "demo",
    "serve",
    "mirror",
    "status",
    "config",
    "extract",
    "stats",
    "sql",
    "search",
    "export",
    "maintain",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help(command):
    from kabar.cli import _parser

    parser = _parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        assert action.help, f"kabar {command} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("run", ["(default: tempo)", "(default: 100)", "(default: 4)", "warehouse.sqlite)"]),
        ("mirror", ["(default: 8000)", "(default: tempo)"]),
        ("status", ["warehouse.sqlite)", "archive)", "(default: 5)"]),
        ("sql", ["warehouse.sqlite)"]),
        ("reparse", ["archive)", "tempo-2015"]),
    ],
)
def test_help_shows_the_defaults(capsys, command, shown):
    with pytest.raises(SystemExit) as exit:
        main([command, "--help"])
    assert exit.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for text in shown:
        assert text in out
    assert "(default: None)" not in out and "(default: False)" not in out


def _reporting(**kwargs):
    from kabar.progress import Progress, report

    report(Progress("tempo pages", 50, 200, 75.0))
    report(Progress("tempo pages", 200, 200, 0.0))
    return {}


def test_progress_is_plain_lines_without_a_terminal(capsys, monkeypatch):
    import kabar.flows.ingest

    monkeypatch.setattr(kabar.flows.ingest, "ingest", _reporting)
    assert main(["run", "--base-url", "http://127.0.0.1:9"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "kabar: tempo pages: 50/200, about 1 min 15 s left",
        "kabar: tempo pages: 200/200, about 0 s left",
    ]


def test_progress_is_a_bar_on_a_terminal(tmp_path):
    """A real pseudo-terminal on stderr: tqdm draws the bar there (carriage returns, a percentage)."""
    import os
    import pty
    import subprocess

    script = (
        "import sys, kabar.flows.ingest as i, tests.test_cli as t\n"
        "i.ingest = t._reporting\n"
        "from kabar.cli import main\n"
        "sys.exit(main(['run', '--base-url', 'http://127.0.0.1:9']))\n"
    )
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=Path(__file__).parents[1],
            timeout=60,
        )
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = drawn.decode("utf-8", "replace")
    assert "tempo pages" in text and "\r" in text and "100%" in text and "200/200" in text
    assert "kabar: tempo pages: 50/200" not in text  # no plain lines on a terminal


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"kabar {version('kabar')}"


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "examples:\n  kabar demo " in out and "kabar status" in out and "kabar serve" in out


def test_db_is_a_hidden_alias_of_warehouse(capsys, no_crawl, tmp_path):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--warehouse FILE" in out and "--db" not in out
    assert main(["run", "--db", str(tmp_path / "old.sqlite")]) == 0
    assert no_crawl[-1]["warehouse"] == str(tmp_path / "old.sqlite")


def test_the_configuration_gives_the_defaults_and_options_win(capsys, no_crawl, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kabar.toml").write_text('workers = 7\ncontact = "ops@contoh.id"\nsites = ["antara"]\n')
    monkeypatch.setenv("KABAR_DELAY", "0.25")
    assert main(["run"]) == 0
    call = no_crawl[-1]
    assert (call["site"], call["workers"], call["delay"]) == ("antara", 7, 0.25)  # tempo is not enabled
    assert call["user_agent"].startswith("kabar/") and call["user_agent"].endswith("; ops@contoh.id)")
    assert main(["run", "--workers", "2", "--delay", "3", "--user-agent", "bot/2 (+https://contoh.id)"]) == 0
    call = no_crawl[-1]
    assert (call["workers"], call["delay"], call["user_agent"]) == (
        2,
        3.0,
        "bot/2 (+https://contoh.id; ops@contoh.id)",
    )
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 7)" in out and "(default: 0.25)" in out and "(default: antara)" in out


def test_a_bad_configuration_is_one_line_and_exit_2(capsys, no_crawl, monkeypatch):
    monkeypatch.setenv("KABAR_WORKERS", "banyak")
    line = assert_usage_error(capsys, ["run"])
    assert line == 'kabar: KABAR_WORKERS: must be a positive integer, got "banyak"'
    assert no_crawl == []
