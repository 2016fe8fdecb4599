"""`kabar status` on a fresh data folder and after the demo (runs, gate verdicts, sizes, freshness, the
next scheduled run from a real Prefect API); and the demo's related-link windows against real times."""

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar.cli import main
from kabar.warehouse.db import connect, data_path


@pytest.fixture(scope="module")
def demo(prefect_api, tmp_path_factory) -> tuple[Path, Path]:
    """One `kabar demo` for the module: (warehouse, archive)."""
    folder = tmp_path_factory.mktemp("demo")
    warehouse, archive = folder / "demo.sqlite", folder / "demo-archive"
    assert main(["demo", "--warehouse", str(warehouse), "--archive", str(archive)]) == 0
    return warehouse, archive


def _rows(db: Path, query: str) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.mark.e2e
def test_every_window_holds_its_targets_real_time(demo):
    """Relative times resolve against each mirror page's capture time (served as its Date header), so
    a card's window holds the real publication time of its target wherever the target was crawled."""
    windows = _rows(
        demo[0],
        """SELECT r.source_article_id, r.target_article_id, r.time_text, r.published_after,
                  r.published_until, a.published_at
           FROM related_links r JOIN articles a ON a.article_id = r.target_article_id
           WHERE r.published_after IS NOT NULL AND a.published_at IS NOT NULL""",
    )
    assert len(windows) >= 60
    wrong = [row for row in windows if not row[3] < row[5] <= row[4]]
    assert wrong == []


@pytest.mark.e2e
def test_a_reparse_resolves_them_from_the_same_time(demo, tmp_path, capsys):
    """The Date each page came with is kept (fetches.served_at): a reparse gets the same windows."""
    warehouse = tmp_path / "w.sqlite"
    shutil.copy(demo[0], warehouse)
    shutil.copytree(data_path(demo[0]), data_path(warehouse))
    query = "SELECT source_article_id, block, target_url, published_after, published_until FROM related_links"
    before = sorted(_rows(warehouse, query))
    assert main(["reparse", "--warehouse", str(warehouse), "--archive", str(demo[1])]) == 0
    assert sorted(_rows(warehouse, query)) == before
    old = "SELECT count(*) FROM fetches WHERE served_at < fetched_at - INTERVAL 1 YEAR"  # captured pages
    assert _rows(warehouse, old)[0][0] > 0


@pytest.mark.e2e
def test_status_after_the_demo(demo, capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    warehouse, archive = demo
    assert main(["status", "--warehouse", str(warehouse), "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"warehouse {warehouse}: " in out and "nothing yet" not in out
    assert f"raw archive {archive}: " in out and " files" in out
    for site in ("tempo", "antara"):
        assert f"\n{site}\n" in out
    [(new, newest)] = _rows(
        warehouse,
        "SELECT r.articles_new, (SELECT max(published_at) FROM articles WHERE site = 'tempo')"
        " FROM crawl_runs r WHERE r.site = 'tempo'",
    )
    tempo = out.split("\ntempo\n")[1]
    assert "completed" in tempo and f"new {new}, changed 0," in tempo
    assert f"newest published {newest.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in tempo
    assert "next run: none scheduled" in out  # the harness API answers; nothing is scheduled


@pytest.mark.e2e
def test_status_shows_failed_gates(demo, capsys, tmp_path):
    """A run whose health gate failed: status names the measure and its message."""
    warehouse = tmp_path / "w.sqlite"
    shutil.copy(demo[0], warehouse)
    shutil.copytree(data_path(demo[0]), data_path(warehouse))
    with connect(warehouse) as con:
        [(run_id,)] = con.execute("SELECT run_id FROM crawl_runs WHERE site = 'tempo'").fetchall()
        con.execute(
            "CREATE TABLE IF NOT EXISTS health_checks (run_id VARCHAR, site VARCHAR, measure VARCHAR,"
            " value DOUBLE, baseline DOUBLE, threshold DOUBLE, passed BOOLEAN, message VARCHAR,"
            " checked_at TIMESTAMPTZ)"
        )
        con.execute("DELETE FROM health_checks")  # the demo's own verdicts (all passed), when recorded
        con.execute(
            "INSERT INTO health_checks (run_id, site, measure, value, baseline, threshold, passed, message,"
            " checked_at) VALUES (?, 'tempo', 'missing_title_rate', 0.4, 0.01, 0.05, false,"
            " 'tempo: missing_title_rate 0.40 > 0.05 (baseline 0.01)', now()),"
            " (?, 'tempo', 'urls_discovered', 30, NULL, 1, true, NULL, now())",
            [run_id, run_id],
        )
    assert main(["status", "--warehouse", str(warehouse), "--archive", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "gates 1/2 passed" in out
    assert "gate failed: tempo: missing_title_rate 0.40 > 0.05 (baseline 0.01)" in out
    assert "no gate verdicts" in out  # antara's run has none recorded


@pytest.mark.e2e
def test_status_reads_the_next_scheduled_run(demo, capsys):
    from prefect.client.orchestration import get_client
    from prefect.states import Scheduled

    from kabar.flows.ingest import ingest

    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(
            ingest, parameters={"site": "antara"}, state=Scheduled(scheduled_time=when)
        )
        try:
            assert main(["status", "--warehouse", str(demo[0]), "--archive", str(demo[1])]) == 0
        finally:
            client.delete_flow_run(run.id)
    out = capsys.readouterr().out
    antara = out.split("\nantara\n")[1].split("\ntempo\n")[0]
    assert f"next run: {when:%Y-%m-%d %H:%M} UTC" in antara


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kabar(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KABAR_", "PREFECT_API"))}
    command = [sys.executable, "-m", "kabar.cli", *args]
    return subprocess.run(
        command, env=clean | env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def test_status_on_a_fresh_data_folder(tmp_path):
    done = _kabar("status", env={"KABAR_HOME": str(tmp_path / "nothing")})
    assert done.returncode == 0, done.stderr
    assert "nothing yet" in done.stdout and "raw archive" in done.stdout and "empty" in done.stdout
    assert "no Prefect API (PREFECT_API_URL is not set)" in done.stdout
    assert "\ntempo\n" in done.stdout and "no runs yet" in done.stdout
    assert not (tmp_path / "nothing").exists()  # status only reads


def test_status_with_an_api_that_does_not_answer(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}/api"  # nothing listens there
    started = time.monotonic()
    done = _kabar("status", env={"KABAR_HOME": str(tmp_path), "PREFECT_API_URL": url})
    assert done.returncode == 0, done.stderr
    assert f"no Prefect API ({url}" in done.stdout
    assert time.monotonic() - started < 30


def test_status_with_a_bad_configuration_is_one_line(tmp_path):
    done = _kabar("status", env={"KABAR_HOME": str(tmp_path), "KABAR_WORKERS": "banyak"})
    assert done.returncode == 2
    assert done.stderr.splitlines() == ['kabar: KABAR_WORKERS: must be a positive integer, got "banyak"']
