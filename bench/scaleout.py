"""Scale-out benchmark (issue 11): many configured sites, one Prefect work pool with several process
workers at once, one warehouse on a PostgreSQL catalog with its data in a shared folder.

    python -m bench.scaleout [--sites 20] [--pages 20] [--workers 4] [--articles 2000] [--batch 200]

What it does, all on 127.0.0.1 (no other network):
  - generates `--sites` invented news sites (bench/sitegen.py's `generate_site`: read by the generic
    extractor), serves each on a port of its own, and declares them as `[[site]]`
    tables in a kabar.toml whose warehouse is `postgres:...` (a throwaway server, tests/pg.py),
  - starts a real `prefect server`, a process work pool, one deployment per site and `--workers`
    workers of the pool (one run at a time each), runs every deployment once, all queued together,
    while an analyst process (bench/load.py's reader) queries the warehouse every 100 ms,
  - ingests the same sites one after another into a fresh SQLite warehouse and compares every
    content table (`content_digest`: bench/crash.py's digest, without the fetch-time columns),
  - times the loader alone (bench/load.py's synthetic batches, `--articles` in `--batch`es) against
    a PostgreSQL catalog and a SQLite one, in the same run: their ratio is the figure to read.

Prints one JSON object to stdout (pages/s overall and per worker, loader articles/s by catalog, commit
conflicts retried, the analyst's read latency p50/p95 and failures, whether the tables match);
progress goes to stderr. Asserts nothing on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from pathlib import Path

from bench import crash
from bench.sitegen import GeneratedSite, generate_site
from tests import pg
from tests.processes import (
    Server,
    client_of,
    prefect_server,
    start_prefect,
    stop_process,
    tail,
)

ROOT = Path(__file__).parents[1]
POOL = "kabar-scaleout"
RUNS_TIMEOUT = 600.0  # every queued run final
CONFLICT_LOG = "warehouse commit conflict"  # what tasks/load.py logs on each retry
# Columns that hold, or are reckoned from, the moment a run fetched a page: they differ between any two
# runs. A related card's time window is its time text ("3 jam lalu") read at the fetch; the text itself
# is compared.
FETCH_TIME = re.compile(r"(seen_at|found_at)$")
READ_AT_FETCH = {"related_links": ("published_after", "published_until")}


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[scaleout {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- invented sites ---------------------------------------------------------------------------------


def generate_sites(root: Path, count: int, pages: int) -> list[GeneratedSite]:
    """`count` configured sites of `pages` articles each (bench/sitegen.py), one seed each."""
    return [
        generate_site(Path(root) / f"situs{n:02d}", pages, n, f"situs{n:02d}", f"situs{n:02d}.example")
        for n in range(count)
    ]


def kabar_toml(path: Path, sites: list[GeneratedSite], warehouse: str, data_path: Path | None) -> Path:
    """The configuration every run reads (KABAR_CONFIG): the warehouse, no delay, the sites."""
    lines = [f"warehouse = {json.dumps(warehouse)}", "delay = 0"]
    if data_path is not None:
        lines.append(f"data_path = {json.dumps(str(data_path))}")
    path.write_text("\n".join(lines) + "\n\n" + "\n".join(s.toml for s in sites), encoding="utf-8")
    return path


@contextmanager
def serve_sites(sites: list[GeneratedSite]) -> Iterator[dict[str, str]]:
    """Each site on a port of its own: {name: base URL}."""
    from kabar.mirror import serve

    with ExitStack() as stack:
        yield {site.name: stack.enter_context(serve(site.mirror)).base_url for site in sites}


# --- the warehouse's content ------------------------------------------------------------------------


def content_digest(location: str | Path) -> dict[str, list]:
    """{table: [rows, md5 of its sorted rows]} of every content table (bench/crash.py's digest), also
    without the columns that hold when a run fetched a page, or are reckoned from it."""
    from kabar.warehouse.db import connect

    tables = {}
    with connect(location, read_only=True) as con:
        for name in crash.CONTENT_TABLES:
            qualified = crash._table(con, name)
            compared = [
                c
                for c in crash._columns(con, qualified)[0]
                if not FETCH_TIME.search(c) and c not in READ_AT_FETCH.get(name, ())
            ]
            columns = ", ".join(f'"{column}"' for column in compared)
            tables[name] = list(
                con.execute(
                    "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), ''))"
                    f" FROM (SELECT {columns} FROM {qualified}) r"
                ).fetchone()
            )
    return tables


def run_pages(location: str | Path) -> dict[str, int]:
    """{run_id: pages fetched} of every ingest run in the warehouse."""
    from kabar.warehouse.db import connect

    with connect(location, read_only=True) as con:
        return dict(con.execute("SELECT run_id, coalesce(pages_fetched, 0) FROM crawl_runs").fetchall())


def ingest_one_after_another(sites: list[GeneratedSite], mirrors: dict[str, str], warehouse: Path) -> float:
    """Every site ingested in this process, one after another, into `warehouse`; the seconds taken.
    Needs a Prefect API (PREFECT_API_URL) and KABAR_CONFIG declaring the sites."""
    from prefect.logging.handlers import APILogHandler

    from kabar.flows.ingest import ingest

    started = time.perf_counter()
    for site in sites:
        ingest(site=site.name, base_url=mirrors[site.name], warehouse=str(warehouse), delay=0.0)
    took = time.perf_counter() - started
    APILogHandler().flush()  # the runs' last lines reach the API before the server stops
    return took


# --- Prefect: a server, a work pool of process workers, one deployment per site ---------------------


def deploy_sites(server: Server, sites: list[GeneratedSite], mirrors: dict[str, str], env: dict) -> list:
    """The process work pool and one ingest deployment per site (its mirror as `base_url`, the job's
    environment `env`); the deployments' ids."""
    from prefect import deploy
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.workers.process import ProcessWorker

    from kabar.flows.ingest import ingest

    with client_of(server) as client:
        template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process", base_job_template=template))
    deployments = [
        ingest.to_deployment(
            name=f"{site.name}-scaleout",
            parameters={"site": site.name, "base_url": mirrors[site.name]},
            job_variables={"env": env},
            tags=["kabar", site.name],
            entrypoint_type=EntrypointType.MODULE_PATH,  # the installed package: any working folder
        )
        for site in sites
    ]
    with temporary_settings({PREFECT_API_URL: server.api_url}), redirect_stdout(sys.stderr):  # its table
        return deploy(
            *deployments,
            work_pool_name=POOL,
            build=False,
            push=False,
            print_next_steps_message=False,
            ignore_warnings=True,
        )


@contextmanager
def workers(server: Server, count: int, env: dict) -> Iterator[list[Path]]:
    """`count` process workers of the pool, one flow run at a time each; their log files."""
    logs = [server.folder / f"worker-{n}.log" for n in range(count)]
    worker_env = server.env | env | {"PREFECT_WORKER_QUERY_SECONDS": "1"}
    started = []
    try:
        for n, log in enumerate(logs):
            args = ["worker", "start", "--pool", POOL, "--name", f"scaleout-{n}", "--limit", "1"]
            started.append(start_prefect(args, worker_env, log))
        yield logs
    finally:
        for process in started:
            stop_process(process)


def run_all(server: Server, deployment_ids: list, timeout: float = RUNS_TIMEOUT) -> list:
    """One run of each deployment, all queued at once; the runs once every one is final."""
    with client_of(server) as client:
        runs = [client.create_flow_run_from_deployment(d) for d in deployment_ids]
        deadline = time.monotonic() + timeout
        while True:
            runs = [client.read_flow_run(run.id) for run in runs]
            done = sum(run.state.is_final() for run in runs)
            if done == len(runs):
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(runs) - done} of {len(runs)} runs not final after {timeout:.0f} s")
            time.sleep(1)


def conflicts_retried(server: Server, runs: list, wait: float = 5.0) -> int:
    """The commit conflicts the runs retried (tasks/load.py logs each; logs arrive in batches)."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    time.sleep(wait)
    found, offset = 0, 0
    with client_of(server) as client:
        while page := client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id for run in runs])), limit=200, offset=offset
        ):
            found += sum(CONFLICT_LOG in entry.message for entry in page)
            offset += len(page)
    return found


def runs_by_worker(logs: list[Path], runs: list) -> dict[str, list[str]]:
    """{worker log name: ids of the runs it took}, read from the workers' own logs."""
    taken = {}
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        taken[log.stem] = [str(run.id) for run in runs if str(run.id) in text]
    return taken


# --- the analyst ------------------------------------------------------------------------------------


@contextmanager
def analyst(location: str, folder: Path, env: dict, interval: float = 0.1) -> Iterator[Path]:
    """bench/load.py's reader in a process of its own, reading `location` every `interval` s until
    the block ends; yields the file its reads are written to (at the end)."""
    out, stop = folder / "analyst.json", folder / "analyst.stop"
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--reader",
        location,
        "--out",
        str(out),
        "--stop",
        str(stop),
    ]
    process = subprocess.Popen(
        [*command, "--interval", str(interval)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "analyst.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{out}.ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the analyst did not start" + tail(folder / "analyst.log"))
            time.sleep(0.2)
        yield out
    finally:
        stop.touch()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def analyst_summary(out: Path) -> dict:
    data = json.loads(out.read_text())
    ms = sorted(r[1] * 1000 for r in data["reads"]) or [0.0]
    counts = [r[2] for r in data["reads"]]
    return {
        "reads": len(data["reads"]),
        "failed_reads": len(data["errors"]),
        "errors": [e[2] for e in data["errors"][:3]],
        "latency_ms": {
            "p50": round(statistics.median(ms), 1),
            "p95": round(ms[int(0.95 * (len(ms) - 1))], 1),
        },
        "articles_seen": {"first": counts[0] if counts else None, "last": counts[-1] if counts else None},
        "count_went_down": any(b < a for a, b in zip(counts, counts[1:], strict=False)),
    }


# --- the loader alone: PostgreSQL catalog vs SQLite ---------------------------------------------------


def loader_rates(locations: dict[str, str | Path], articles: int, batch: int) -> dict[str, float]:
    """Articles per second `load_batch` stores (bench/load.py's synthetic batches, one connection per
    batch as the flow) into each fresh warehouse; alternated batch by batch so load hits both alike."""
    from bench import load

    workload = load.Workload(articles=articles, batch=batch)
    seconds = dict.fromkeys(locations, 0.0)
    for name, location in locations.items():
        load.start_run(location, f"bench-{name}", load.BASE)
    for part in workload.batches():
        for name, location in locations.items():
            seconds[name] += load.load_one(location, f"bench-{name}", part)["load_s"]
    return {name: round(articles / spent, 1) for name, spent in seconds.items()}


# --- the whole scale-out ------------------------------------------------------------------------------


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """These variables set for the block (this process and what it starts), then as they were."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def scale_out(work: Path, catalog: str, sites: int, pages: int, worker_count: int) -> dict:
    """`sites` generated sites ingested by one run each on `worker_count` workers into the PostgreSQL
    warehouse `catalog` (data in work/lake) while an analyst reads, then one after another into a
    fresh SQLite warehouse; the figures, and both warehouses' content digests."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from kabar.warehouse.db import connect

    generated = generate_sites(work / "sites", sites, pages)
    config = kabar_toml(work / "kabar.toml", generated, catalog, work / "lake")
    env = {"KABAR_CONFIG": str(config), "KABAR_HOME": str(work / "home")}
    sequential = work / "sequential" / "warehouse.sqlite"
    with environ(env), serve_sites(generated) as mirrors, prefect_server(work / "prefect") as server:
        connect(catalog).close()  # the lake made and migrated once, before the analyst reads it
        ids = deploy_sites(server, generated, mirrors, env)
        say(f"{len(ids)} deployments, {worker_count} workers")
        with analyst(catalog, work, server.env | env) as reads, workers(server, worker_count, env) as logs:
            started = time.perf_counter()
            runs = run_all(server, ids)
            wall = time.perf_counter() - started
        say(f"runs final after {wall:.1f} s")
        fetched = run_pages(catalog)
        report = {
            "runs": len(runs),
            "runs_failed": [
                f"{run.name}: {run.state.name} {run.state.message}"
                for run in runs
                if not run.state.is_completed()
            ],
            "pages": sum(fetched.values()),
            "runs_seconds": round(wall, 1),
            "pages_per_s": round(sum(fetched.values()) / wall, 2),
            "pages_per_s_per_worker": {
                worker: round(sum(fetched.get(run, 0) for run in taken) / wall, 2)
                for worker, taken in runs_by_worker(logs, runs).items()
            },
            "commit_conflicts_retried": conflicts_retried(server, runs),
            "analyst": analyst_summary(reads),
        }
        say("the same sites one after another into a fresh SQLite warehouse")
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            report["one_after_another_seconds"] = round(
                ingest_one_after_another(generated, mirrors, sequential), 1
            )
        say("sequential done; digests")
        report["digests"] = {"postgres": content_digest(catalog), "sequential": content_digest(sequential)}
    return report


def bench(args: argparse.Namespace, work: Path) -> dict:
    with pg.postgres(durable=True) as server:
        report = scale_out(work, "postgres:" + server.database("kabar"), args.sites, args.pages, args.workers)
        digests = report.pop("digests")
        report["tables_match"] = digests["postgres"] == digests["sequential"]
        say("the loader alone: PostgreSQL catalog vs SQLite")
        loader = kabar_toml(
            work / "loader.toml", [], "postgres:" + server.database("loader"), work / "loader-lake"
        )
        with environ({"KABAR_CONFIG": str(loader)}):
            rates = loader_rates(
                {
                    "postgres": "postgres:" + server.conninfo("loader"),
                    "sqlite": work / "loader" / "warehouse.sqlite",
                },
                args.articles,
                args.batch,
            )
        report["loader_articles_per_s"] = rates | {
            "postgres_to_sqlite": round(rates["postgres"] / rates["sqlite"], 2)
        }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--pages", type=int, default=20, help="articles per site")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--articles", type=int, default=2000, help="the loader-alone comparison's articles")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--keep", metavar="DIR", help="work in DIR (kept: logs, warehouses) instead of a temporary folder"
    )
    args = parser.parse_args(argv)
    if reason := pg.missing():
        raise SystemExit(f"bench.scaleout: {reason}")
    started = time.perf_counter()
    report = {
        "benchmark": "scaleout",
        "workload": vars(args),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        report |= bench(args, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="kabar-scaleout-") as tmp:
            report |= bench(args, Path(tmp))
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
