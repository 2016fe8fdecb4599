"""`kabar mirror` and `kabar serve` as an operator runs them: real processes without a terminal (stdin at
/dev/null), stopped by SIGTERM or SIGINT within seconds. The served schedules are prefect.yaml's."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import yaml

from kabar import cli
from kabar.sites import all_sites, get_site
from kabar.warehouse.db import connect

ROOT = Path(__file__).parents[1]
STOP_WITHIN = 15  # seconds a stopped process may take to exit


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """`kabar ARGS` in its own process, no terminal: stdin /dev/null, output to pipes."""
    mine = ("KABAR_", "PREFECT_API", "PREFECT_LOGGING")  # the test's own (an in-process demo sets some)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(mine)}
    return subprocess.Popen(
        [sys.executable, "-m", "kabar.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean | (env or {}),
        cwd=cwd,
    )


def _stop(
    process: subprocess.Popen, number: int = signal.SIGTERM, within: float = STOP_WITHIN
) -> tuple[int, str, str]:
    """Send the signal; (exit status, stdout, stderr). Kills the process if it outlives `within` s."""
    process.send_signal(number)
    try:
        out, err = process.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate(timeout=10)
        pytest.fail(f"still running {within} s after signal {number}:\n{out}\n{err}")
    return process.returncode, out, err


def _get(url: str, deadline: float = 30) -> requests.Response:
    """GET, retried while the server is still starting."""
    stop = time.monotonic() + deadline
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > stop:
                raise
            time.sleep(0.1)


@pytest.fixture
def running():
    """Processes a test started: killed at the end whatever happened."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_kabar_mirror_runs_without_a_terminal_until_stopped(running, number):
    port = _free_port()
    running.append(process := _start("mirror", "--site", "antara", "--port", str(port)))
    page = _get(f"http://127.0.0.1:{port}/berita/527702/ribuan-warga-sumbawa-ikuti-simulasi-evakuasi-tsunami")
    assert page.status_code == 200 and "Sumbawa" in page.text
    time.sleep(1)
    assert process.poll() is None  # stdin at /dev/null does not end it
    status, out, err = _stop(process, number)
    assert status == 0, err
    assert "serving the antara mirror" in out and err == ""


def test_kabar_mirror_serves_a_generated_folder(running, tmp_path):
    (tmp_path / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (tmp_path / "read" / "1").mkdir(parents=True)
    (tmp_path / "read" / "1" / "judul.html").write_text("<html><h1>Halaman buatan</h1></html>")
    port = _free_port()
    running.append(process := _start("mirror", "--dir", str(tmp_path), "--port", str(port)))
    assert "Halaman buatan" in _get(f"http://127.0.0.1:{port}/read/1/judul").text
    assert _get(f"http://127.0.0.1:{port}/robots.txt").status_code == 200
    status, out, err = _stop(process)
    assert status == 0 and f"serving the folder {tmp_path}" in out and err == ""


def test_a_taken_port_is_one_line_and_exit_2(running):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "kabar.cli", "mirror", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and f"cannot serve on port {port}" in done.stderr


def test_a_captured_page_is_served_with_its_capture_time(tempo_mirror):
    """The mirror replays a page as it was served: its Date is `fetched_at` of its meta.json."""
    page = "/read/1772105/komisi-pendidikan-dpr-minta-pendataan-guru-honorer-dipercepat"
    assert (
        requests.get(tempo_mirror.base_url + page, timeout=5).headers["Date"]
        == "Sun, 01 Oct 2023 05:00:00 GMT"
    )
    assert "2023" not in requests.get(tempo_mirror.base_url + "/robots.txt", timeout=5).headers["Date"]


def test_the_served_schedules_are_prefect_yaml_s():
    """One source of truth: each site module's `schedule`; prefect.yaml must say the same."""
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    by_site = {
        entry["parameters"]["site"]: entry["schedules"][0]
        for entry in deployments
        if entry["entrypoint"] == "flows/ingest.py:ingest"
    }
    assert set(by_site) == set(all_sites())
    for name, schedule in by_site.items():
        site = get_site(name)
        assert (schedule["cron"], schedule["timezone"]) == (site.schedule, site.schedule_timezone), name
    [maintenance] = [e for e in deployments if e["entrypoint"] == "flows/maintenance.py:maintenance"]
    assert maintenance["schedules"][0]["cron"] == cli.MAINTENANCE_SCHEDULE
    assert maintenance["schedules"][0]["timezone"] == cli.SCHEDULE_TIMEZONE


def test_serve_refuses_an_unknown_site_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "kabar.cli", "serve", "--site", "nope"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "nope" in done.stderr


def _deployments(api_url: str) -> dict[str, dict]:
    answer = requests.post(f"{api_url}/deployments/filter", json={}, timeout=10)
    answer.raise_for_status()
    return {deployment["name"]: deployment for deployment in answer.json()}


def _wait_for(check, what: str, deadline: float):
    stop = time.monotonic() + deadline
    while not (found := check()):
        if time.monotonic() > stop:
            pytest.fail(f"no {what} within {deadline} s")
        time.sleep(0.5)
    return found


def _run_status(db: Path) -> str | None:
    if not db.exists():
        return None
    try:
        with connect(db, read_only=True) as con:
            row = con.execute("SELECT status FROM crawl_runs WHERE kind = 'ingest'").fetchone()
    except Exception:  # noqa: BLE001 (the writer may be mid-commit: ask again)
        return None
    return row[0] if row else None


@pytest.mark.e2e
def test_kabar_serve_registers_the_schedules_and_a_stop_marks_the_run(prefect_api, running, tmp_path):
    """`kabar serve` against a real Prefect API: it registers every enabled site's schedule and the
    maintenance; a run it started is in progress (a slow crawl of a mirror) when SIGTERM comes, and
    the process ends within bounds with that run's crawl_runs row no longer 'running'."""
    from prefect.settings import PREFECT_API_URL

    from kabar.mirror import serve

    api_url = PREFECT_API_URL.value()
    env = {
        "PREFECT_API_URL": api_url,
        "KABAR_HOME": str(tmp_path / "home"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    running.append(process := _start("serve", env=env, cwd=tmp_path))
    names = {"tempo-served", "antara-served", "maintenance-served"}
    found = _wait_for(
        lambda: names <= set(_deployments(api_url)) and _deployments(api_url), "deployments", 90
    )
    tempo = found["tempo-served"]
    assert tempo["parameters"] == {"site": "tempo"} and tempo["work_pool_name"] is None
    [schedule] = tempo["schedules"]
    assert (
        schedule["schedule"]["cron"] == "*/30 * * * *" and schedule["schedule"]["timezone"] == "Asia/Jakarta"
    )

    db = tmp_path / "w.sqlite"
    with serve(get_site("tempo").mirror) as mirror:
        parameters = {"site": "tempo", "base_url": mirror.base_url, "warehouse": str(db), "delay": 1.0}
        trigger = f"{api_url}/deployments/{tempo['id']}/create_flow_run"
        _wait_for(  # a busy test server may answer 503 for a moment
            lambda: requests.post(trigger, json={"parameters": parameters}, timeout=10).ok, "a flow run", 30
        )
        _wait_for(lambda: _run_status(db) == "running", "running crawl", 120)
        status, out, err = _stop(process, within=90)  # the run is cancelled first, then the process ends
    assert status == 0, out + err
    # the flow's failure path marks it failed; if Prefect had to kill it first, `kabar serve` marks it
    assert _run_status(db) in ("failed", "abandoned"), out + err
    assert "prefect.runner" in out and "Cancelled flow run 'tempo-" in out  # logs go to stdout


@pytest.mark.e2e
def test_kabar_serve_stops_on_sigint_and_a_restart_resumes_the_schedules(prefect_api, running, tmp_path):
    """Ctrl-C (SIGINT) stops it like SIGTERM; a stop pauses the served schedules (Prefect's serve), and
    the next `kabar serve` resumes them."""
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    env = {"PREFECT_API_URL": api_url, "KABAR_HOME": str(tmp_path / "home"), "KABAR_SITES": "antara"}
    for _ in range(2):
        running.append(process := _start("serve", env=env, cwd=tmp_path))
        served = _wait_for(  # registered, and not paused (the first stop paused it)
            lambda: (d := _deployments(api_url).get("antara-served")) and not d["paused"] and d,
            "a served, unpaused deployment",
            90,
        )
        assert served["parameters"] == {"site": "antara"}
        status, out, err = _stop(process, signal.SIGINT, within=60)
        assert status == 0, out + err
        assert "serving antara-served, maintenance-served;" in out and "stopped" in out
        assert _deployments(api_url)["antara-served"]["paused"]  # paused while nobody serves it


@pytest.mark.e2e
def test_a_killed_run_is_marked_abandoned_when_serve_stops(prefect_api, tmp_path):
    """The net under the flow's failure path: a run Prefect ended (cancelled) whose row still says
    'running' (its process was killed first) is marked 'abandoned' as `kabar serve` stops."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled, Running

    from kabar.config import load
    from kabar.flows.ingest import ingest
    from kabar.warehouse.loader import start_run

    db = tmp_path / "w.sqlite"
    with get_client(sync_client=True) as client:
        since = datetime.now(UTC)
        deployment_id = ingest.to_deployment(name="killed-served", parameters={"site": "tempo"}).apply()
        run = client.create_flow_run_from_deployment(deployment_id, parameters={"warehouse": str(db)})
        client.set_flow_run_state(run.id, Running(), force=True)
        with connect(db) as con:
            start_run(con, str(run.id), "tempo", datetime.now(UTC))
            start_run(con, "another-run", "antara", datetime.now(UTC))
        client.set_flow_run_state(run.id, Cancelled(), force=True)
    cli._mark_stopped_runs(["killed-served"], since, load())
    with connect(db, read_only=True) as con:
        rows = con.execute("SELECT run_id, status FROM crawl_runs ORDER BY site").fetchall()
    assert rows == [("another-run", "running"), (str(run.id), "abandoned")]  # only the run Prefect ended


@pytest.mark.parametrize(
    ("date", "kept"),
    [
        ("Sun, 01 Oct 2023 05:00:00 GMT", datetime(2023, 10, 1, 5, tzinfo=UTC)),  # a replayed capture
        ("Fri, 01 Dec 2023 12:03:00 GMT", datetime(2023, 12, 1, 12, 3, tzinfo=UTC)),  # a clock 3 min ahead
        ("Fri, 01 Dec 2023 13:00:00 GMT", None),  # from the future: would move every relative time there
        ("kemarin", None),
        ("Sun, 01 Oct 2023 05:00:00", None),  # no zone
        (None, None),
    ],
)
def test_the_fetcher_keeps_a_usable_date(date, kept):
    from kabar.http import _served_at

    assert _served_at(date, datetime(2023, 12, 1, 12, tzinfo=UTC)) == kept
