"""prefect.yaml deploys one schedule per registered site (every 30 minutes, Asia/Jakarta, one run at a
time) and the daily maintenance, all running the flow files of this checkout; and the README's operator
path works end to end: a real Prefect server on 127.0.0.1, the process work pool, `prefect deploy --all`,
a process worker, a deployment run against the tempo mirror, the warehouse under KABAR_HOME.

The real-server tests start every process themselves (own PREFECT_HOME and SQLite database in a
temporary folder, PREFECT_API_URL always given, so no CLI call falls back to a temporary server) and stop
each one's process group, and anything it spawned, when they end. The server runs without its scheduler
service: a deployment's cron cannot create a run during the test, so the one run the test triggers is the
only run there is (asserted).
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kabar.sites import all_sites
from tests.processes import Server, client_of, prefect_server, start_prefect, stop_process, tail

ROOT = Path(__file__).parents[1]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
INGEST = [entry for entry in DEPLOYMENTS if entry["entrypoint"] == "flows/ingest.py:ingest"]
POOL = "kabar-process"
CLI_TIMEOUT = 180.0
RUN_TIMEOUT = 180.0  # a deployment run's worker pickup + the flow: ~15 s here
LOG_WAIT = 60.0
CONTACT = "kabar-deployment-test@example.org"  # in the test's kabar.toml: the runs read KABAR_CONFIG


def test_every_registered_site_has_one_deployment():
    deployed = [entry["parameters"]["site"] for entry in INGEST]
    assert sorted(deployed) == sorted(all_sites()), "add one prefect.yaml entry per site"
    assert {e["entrypoint"] for e in DEPLOYMENTS} - {e["entrypoint"] for e in INGEST} == {
        "flows/maintenance.py:maintenance"
    }
    tempo = next(e for e in INGEST if e["parameters"]["site"] == "tempo")
    assert tempo["schedules"][0]["cron"] == "*/30 * * * *"


def test_the_schedules_are_the_ones_kabar_serve_uses():
    """prefect.yaml (a work pool) and `kabar serve` (no work pool) run the sites on the same schedule."""
    from kabar.cli import MAINTENANCE_SCHEDULE, SCHEDULE_TIMEZONE
    from kabar.sites import get_site

    for entry in DEPLOYMENTS:
        [schedule] = entry["schedules"]
        site = entry["parameters"].get("site")
        cron, timezone = (
            (get_site(site).schedule, get_site(site).schedule_timezone)
            if site
            else (MAINTENANCE_SCHEDULE, SCHEDULE_TIMEZONE)
        )
        assert (schedule["cron"], schedule["timezone"]) == (cron, timezone), entry["name"]
        assert entry["concurrency_limit"] == 1 and entry["work_pool"]["name"] == POOL


def test_the_worker_unit_runs_a_worker_of_the_pool_against_a_server():
    unit = (ROOT / "docs" / "kabar-worker.service").read_text(encoding="utf-8")
    settings = [line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")]
    environment = dict(value.split("=", 1) for key, value in settings if key == "Environment")
    service = dict(settings)
    assert environment["PREFECT_API_URL"].startswith("http://127.0.0.1:")
    assert f"prefect worker start --pool {POOL}" in service["ExecStart"]
    assert service["Restart"] == "always" and service["WorkingDirectory"].startswith("/")


def test_deployments_carry_no_path_in_their_parameters():
    """Where the data goes is the job's environment (KABAR_HOME, KABAR_CONFIG), not a parameter."""
    for entry in DEPLOYMENTS:
        assert set(entry["parameters"]) <= {"site"}, entry["name"]
        env = entry["work_pool"]["job_variables"]["env"]
        assert set(env) == {"KABAR_HOME", "KABAR_CONFIG"}, entry["name"]


def _build_step(step_id: str, environ: dict[str, str]) -> str:
    """What one of prefect.yaml's build steps prints, run as `prefect deploy` runs it (a shell)."""
    document = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    [step] = [
        s for s in document["build"] if s["prefect.deployments.steps.run_shell_script"]["id"] == step_id
    ]
    options = step["prefect.deployments.steps.run_shell_script"]
    assert options["shell"] is True
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")} | environ
    done = subprocess.run(options["script"], shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("variable", ["KABAR_HOME", "KABAR_CONFIG"])
def test_the_deployers_environment_is_recorded_absolute_or_empty(variable):
    step = {"KABAR_HOME": "kabar-home", "KABAR_CONFIG": "kabar-config"}[variable]
    assert _build_step(step, {}) == ""  # unset: kabar's own default applies in the run
    assert _build_step(step, {variable: ""}) == ""
    assert _build_step(step, {variable: "/srv/kabar x"}) == "/srv/kabar x"
    assert _build_step(step, {variable: "data/kabar"}) == str(ROOT.resolve() / "data/kabar")
    assert _build_step("kabar-folder", {}) == str(ROOT.resolve())


# --- a real Prefect server, its CLI and a worker, as subprocesses ---------------------------------------


def _prefect(server: Server, *args: str, env: dict[str, str] | None = None) -> str:
    """A Prefect CLI command from the project folder, as an operator types it; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", *args],
        cwd=ROOT,
        env=env or server.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as running:
        yield running


@pytest.fixture(scope="module")
def deployed(server) -> Server:
    """The README's steps: the process work pool, then every deployment, with the data folder and the
    configuration file of this test in the deployer's environment."""
    home, config = server.folder / "kabar-home", server.folder / "kabar.toml"
    config.write_text(f'delay = 0\ncontact = "{CONTACT}"\n', encoding="utf-8")
    _prefect(server, "work-pool", "create", POOL, "--type", "process")
    _prefect(
        server, "deploy", "--all", env=server.env | {"KABAR_HOME": str(home), "KABAR_CONFIG": str(config)}
    )
    return server


@pytest.fixture
def client(deployed):
    with client_of(deployed) as client:
        yield client


@pytest.mark.e2e
def test_prefect_yaml_deploys_every_site_schedule(deployed, client):
    home, config = deployed.folder / "kabar-home", deployed.folder / "kabar.toml"
    for entry in DEPLOYMENTS:
        flow_name = entry["entrypoint"].rsplit(":", 1)[1]
        deployment = client.read_deployment_by_name(f"{flow_name}/{entry['name']}")
        assert deployment.parameters == entry["parameters"]
        assert deployment.work_pool_name == POOL
        assert deployment.entrypoint == entry["entrypoint"]
        assert deployment.global_concurrency_limit is not None
        assert deployment.global_concurrency_limit.limit == 1
        [schedule] = deployment.schedules
        assert schedule.schedule.timezone == "Asia/Jakarta" and schedule.active
        assert (
            schedule.schedule.cron == entry["schedules"][0]["cron"] and schedule.schedule.cron.count(",") <= 1
        )
        # The runs' environment: the deployer's KABAR_HOME and KABAR_CONFIG, recorded in the job variables
        assert deployment.job_variables["env"] == {"KABAR_HOME": str(home), "KABAR_CONFIG": str(config)}
        [step] = deployment.pull_steps
        assert step["prefect.deployments.steps.set_working_directory"]["directory"] == str(ROOT.resolve())
        # ... and no path of the deployer's machine in the parameter form
        properties = deployment.parameter_openapi_schema["properties"]
        defaults = {name: spec["default"] for name, spec in properties.items() if "default" in spec}
        for name, value in defaults.items():
            assert not (isinstance(value, str) and ("/" in value or "kabar-data" in value)), (name, value)
        assert not {"db_path", "archive_dir"} & set(properties), "the parameters' old names"

    # Deployed with neither variable set: both empty, which kabar reads as unset (kabar.toml in the project
    # folder, the runs' working folder, else ./kabar-data there); relative ones are made absolute
    bare = {k: v for k, v in deployed.env.items() if k not in ("KABAR_HOME", "KABAR_CONFIG")}
    _prefect(deployed, "deploy", "--name", "maintenance-daily", env=bare)
    deployment = client.read_deployment_by_name("maintenance/maintenance-daily")
    assert deployment.job_variables["env"] == {"KABAR_HOME": "", "KABAR_CONFIG": ""}


@pytest.mark.e2e
def test_a_worker_runs_the_tempo_deployment_against_the_mirror(deployed, client, tempo_mirror):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from kabar.warehouse.db import connect

    home = deployed.folder / "kabar-home"
    log = deployed.folder / "worker.log"
    worker_env = deployed.env | {"PREFECT_WORKER_QUERY_SECONDS": "1"}  # pick the run up at once
    command = ["worker", "start", "--pool", POOL, "--name", "kabar-test-worker"]
    worker = start_prefect(command, worker_env, log)
    try:
        deployment = client.read_deployment_by_name("ingest/tempo-every-30-minutes")
        # No delay parameter: the test's kabar.toml (delay = 0) reaches the run through KABAR_CONFIG
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"base_url": tempo_mirror.base_url}
        )
        deadline = time.monotonic() + RUN_TIMEOUT
        while not (run := client.read_flow_run(run.id)).state.is_final():
            assert worker.poll() is None, "the worker exited" + tail(log)
            assert time.monotonic() < deadline, (
                f"run {run.name} still {run.state.name} after {RUN_TIMEOUT:.0f} s" + tail(log)
            )
            time.sleep(1)
    finally:
        stop_process(worker)

    assert run.state.is_completed(), f"{run.state.name}: {run.state.message}" + tail(log)
    assert run.parameters["site"] == "tempo" and run.parameters["base_url"] == tempo_mirror.base_url
    assert run.name.startswith("tempo-"), f"runs are named after the site and start time, not {run.name!r}"
    assert tempo_mirror.hits, "the run never reached the mirror"
    assert all(CONTACT in (hit.user_agent or "") for hit in tempo_mirror.hits), "KABAR_CONFIG was not read"
    [only] = client.read_flow_runs()
    assert only.id == run.id, "a scheduled run fired during the test"

    # The warehouse is where the deployer's KABAR_HOME said, not in the project folder
    with connect(home / "warehouse.sqlite", read_only=True) as con:
        articles = con.sql("SELECT count(*) FROM articles").fetchone()[0]
        [status] = con.execute("SELECT status FROM crawl_runs WHERE run_id = ?", [str(run.id)]).fetchone()
    assert articles > 0 and status == "completed"
    assert (home / "archive").is_dir()

    artifacts = client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
    )
    assert {"markdown", "table"} <= {artifact.type for artifact in artifacts}, artifacts

    # The run's log reached the server (the process sends it in batches: the last may follow the state)
    deadline = time.monotonic() + LOG_WAIT
    while not any(re.match(r"tempo: (\d+)/\1 pages", line) for line in _log_lines(client, run.id)):
        assert time.monotonic() < deadline, "no progress line in the run's Prefect logs" + tail(log)
        time.sleep(0.5)


def _log_lines(client, run_id) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    newest = client.read_logs(
        LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200, sort=LogSort.TIMESTAMP_DESC
    )
    return [entry.message for entry in newest]
