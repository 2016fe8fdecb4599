"""Ingest benchmark: the whole Prefect flow, then fetch, parse+clean, dedup and load alone, over a synthetic
mirror of real page weight (bench/sitegen.py) served on 127.0.0.1, with pages/s per stage and per busy core.
Prints one JSON object to stdout; progress goes to stderr.

    python -m bench.ingest_bench [--pages 500] [--batch-size 100] [--workers 4] [--seed 0] [--site tempo]
"""

import os

# Before Prefect is imported: offline, quiet.
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import psutil  # noqa: E402
from prefect import flow  # noqa: E402

from bench.report import rate, say, timed
from bench.sitegen import build  # noqa: E402
from kabar.clean import clean  # noqa: E402
from kabar.http import Crawl, fetch_pages  # noqa: E402
from kabar.mirror import serve  # noqa: E402
from kabar.records import FetchedPage  # noqa: E402
from kabar.sites import get_site  # noqa: E402
from kabar.tasks.dedup import plan_batch, sign_new_content  # noqa: E402
from kabar.tasks.extract import extract_fetched  # noqa: E402
from kabar.urls import rebase  # noqa: E402
from kabar.warehouse import loader  # noqa: E402
from kabar.warehouse.db import connect  # noqa: E402

FETCHED_AT = datetime(2023, 10, 1, 5, 0, tzinfo=UTC)
HARNESS_TIMEOUT_S = 180  # Prefect's default (30 s) is too short on a loaded 2-core machine
LIBRARIES = ("prefect", "duckdb", "beautifulsoup4", "lxml", "requests", "protego", "w3lib")


def cpu_seconds() -> float:
    """CPU time (user + system) of this process's threads and of its child processes, live or reaped: the
    Prefect test server is a child, the mirror server a thread of this process."""
    me = psutil.Process()
    live = 0.0
    for child in me.children(recursive=True):
        try:
            times = child.cpu_times()
            live += times.user + times.system
        except psutil.Error:  # ended meanwhile: its time moves to RUSAGE_CHILDREN once reaped
            pass
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = me.cpu_times()
    return own.user + own.system + live + reaped.ru_utime + reaped.ru_stime


class Meter:
    """Wall and CPU seconds added up over the calls of a stage."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __call__(self, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = fn(*args, **kwargs)
        self.wall += time.perf_counter() - wall
        self.cpu += cpu_seconds() - cpu
        return result

    def figures(self, pages: int) -> dict:
        """pages/s, and per busy core: pages/s ÷ (CPU seconds ÷ wall seconds), i.e. pages per CPU second."""
        busy = self.cpu / self.wall if self.wall > 0 else 0.0
        return {
            "pages": pages,
            "wall_s": round(self.wall, 3),
            "cpu_s": round(self.cpu, 3),
            "cores_busy": round(busy, 2),
            "pages_per_s": rate(pages, self.wall),
            "pages_per_s_per_core": rate(pages, self.cpu),
        }


@flow(name="bench-noop")
def noop() -> None:
    """The fixed cost of one flow call (run creation, state changes) with nothing inside."""


# --- the figures ---------------------------------------------------------------------------------


def bench_end_to_end(site: str, base_url: str, work: Path, n: int, batch_size: int, workers: int) -> dict:
    """The real flow, twice over the same mirror: the first run loads, the second finds nothing new."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from kabar.flows.ingest import ingest

    db, archive = work / "e2e" / "warehouse.duckdb", work / "e2e" / "archive"
    started = time.perf_counter()
    with (
        temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(work / "prefect-results")}),
        prefect_test_harness(server_startup_timeout=HARNESS_TIMEOUT_S),
    ):
        harness_s = time.perf_counter() - started
        say(f"prefect test server up in {harness_s:.1f} s")
        _, noop_s = timed(noop)

        def run() -> tuple[dict, Meter]:
            meter = Meter()
            counts = meter(
                ingest,
                site=site,
                base_url=base_url,
                warehouse=str(db),
                archive=str(archive),
                delay=0.0,
                batch_size=batch_size,
                workers=workers,
            )
            return counts, meter

        first, first_meter = run()
        say(f"first run: {first_meter.wall:.1f} s")
        second, second_meter = run()
        say(f"re-run: {second_meter.wall:.1f} s")
    with connect(db, read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {
        "harness_start_s": round(harness_s, 2),
        "noop_flow_s": round(noop_s, 3),
        "first_run": first_meter.figures(n) | {"counts": first},
        "rerun": second_meter.figures(n) | {"counts": second},
        "articles_loaded": loaded,
    }


def bench_parse_clean(site_name: str, pages: list[tuple[str, bytes]]) -> tuple[dict, Meter]:
    """site.parse then clean, page after page, from bytes already in memory."""
    site = get_site(site_name)
    first = site.parse(pages[0][1], pages[0][0], FETCHED_AT)
    clean(first, site.rules_for(first.layout))  # warm-up: first-call costs
    parse_ms, clean_ms = [], []

    def every_page() -> None:
        for url, html in pages:
            parsed, parse_s = timed(site.parse, html, url, FETCHED_AT)
            _, clean_s = timed(clean, parsed, site.rules_for(parsed.layout))
            parse_ms.append(parse_s * 1000)
            clean_ms.append(clean_s * 1000)

    meter = Meter()
    meter(every_page)
    total_s = (sum(parse_ms) + sum(clean_ms)) / 1000
    figures = {
        "pages_per_s": rate(len(pages), total_s),
        "mean_ms_per_page": round(total_s * 1000 / len(pages), 2),
        "parse_mean_ms": round(statistics.fmean(parse_ms), 2),
        "parse_p95_ms": round(statistics.quantiles(parse_ms, n=20)[-1], 2) if len(parse_ms) > 1 else None,
        "clean_mean_ms": round(statistics.fmean(clean_ms), 3),
        "html_kb_mean": round(statistics.fmean(len(html) for _, html in pages) / 1024, 1),
    }
    return figures, meter


def bench_fetch(urls: list[str], archive: Path, workers: int) -> tuple[dict, list[FetchedPage], Meter]:
    """fetch_pages alone (robots.txt, GET, gzip into a fresh archive), one batch of every URL."""
    meter = Meter()
    pages = meter(fetch_pages, urls, archive_dir=archive, max_workers=workers, min_delay=0.0)
    ok = sum(1 for p in pages if p.status == 200)
    figures = {
        "wall_s": round(meter.wall, 3),
        "pages_per_s": rate(len(urls), meter.wall),
        "status_200": ok,
        "mean_request_ms": round(statistics.fmean(p.elapsed_ms for p in pages), 2),
    }
    return figures, pages, meter


def bench_dedup_and_load(
    site_name: str, base_url: str, pages: list[FetchedPage], db: Path, batch_size: int
) -> tuple[dict, dict, Meter, Meter]:
    """Batch after batch into a fresh DuckDB file, as the flow does each batch: the dedup task's work
    (connect, `known_content`, `plan_batch`, MinHash signatures of new bodies), then `loader.load_batch`
    on a connection of its own (connect applies the schema, timed apart). The pages are parsed and cleaned
    first, untimed (`parse_clean` times that)."""
    site = get_site(site_name)
    crawl = Crawl(archive_dir=str(db.parent), base_url=base_url)
    results = {p.url: extract_fetched(site, crawl, p) for p in pages if p.status == 200}
    run_id = "bench-loader"
    with connect(db) as con:
        loader.start_run(con, run_id, site_name, FETCHED_AT)
    dedup, load = Meter(), Meter()
    dedup_ms, connect_ms, load_ms, articles = [], [], [], 0
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        found = {p.url: results[p.url] for p in batch if p.url in results}
        before = dedup.wall
        plan = dedup(_plan, db, batch, found)
        dedup_ms.append((dedup.wall - before) * 1000)
        con, connect_s = timed(connect, db)
        with con:
            before = load.wall
            load(loader.load_batch, con, run_id, batch, plan)
        connect_ms.append(connect_s * 1000)
        load_ms.append((load.wall - before) * 1000)
        articles += len(plan.articles)
    dedup_figures = {"batches": len(dedup_ms), "mean_ms_per_batch": round(statistics.fmean(dedup_ms), 1)}
    load_figures = {
        "batches": len(load_ms),
        "load_batch_mean_ms": round(statistics.fmean(load_ms), 1),
        "load_batch_max_ms": round(max(load_ms), 1),
        "articles_per_s": rate(articles, load.wall),
        "connect_mean_ms": round(statistics.fmean(connect_ms), 1),
    }
    return dedup_figures, load_figures, dedup, load


def _plan(db: Path, batch: list[FetchedPage], results: dict):
    """What `tasks.dedup.dedup_batch` does, without its Prefect task wrapper."""
    hashes = [r.content_hash for r in results.values() if hasattr(r, "content_hash") and hasattr(r, "body")]
    with connect(db) as con:
        known = loader.known_content(con, hashes)
    return sign_new_content(plan_batch(batch, results, known), known)


# --- the run -------------------------------------------------------------------------------------


def environment(args: argparse.Namespace) -> dict:
    return {
        "benchmark": "ingest",
        "site": args.site,
        "pages": args.pages,
        "batch_size": args.batch_size,
        "workers": args.workers,
        "seed": args.seed,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)),
        "versions": {name: version(name) for name in LIBRARIES},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--site", default="tempo", help="tempo (2023), tempo-2024, antara or wartanusa (configured_demo)"
    )
    args = parser.parse_args(argv)
    if min(args.pages, args.batch_size, args.workers) < 1:
        parser.error("--pages, --batch-size and --workers must be 1 or more")
    try:
        mirror, generate_s = timed(build, args.pages, args.seed, args.site)
    except ValueError as error:
        parser.error(str(error))
    report = environment(args)
    n, site = args.pages, mirror.site
    with tempfile.TemporaryDirectory(prefix="kabar-bench-") as tmp:
        work = Path(tmp)
        mirror.write(work / "mirror")
        say(f"{n} {args.site} pages generated in {generate_s:.1f} s under {work / 'mirror'}")
        report["generate_s"] = round(generate_s, 2)
        with serve(work / "mirror") as served:
            say(f"mirror at {served.base_url}")
            report["end_to_end"] = bench_end_to_end(
                site, served.base_url, work, n, args.batch_size, args.workers
            )
            say("fetch alone")
            local = [rebase(url, served.base_url) for url in mirror.urls]
            report["fetch"], fetched, fetch_meter = bench_fetch(local, work / "fetch-archive", args.workers)
        say("parse + clean alone")
        in_memory = [
            (url, (work / "mirror" / f"{urlsplit(url).path[1:]}.html").read_bytes()) for url in mirror.urls
        ]
        report["parse_clean"], parse_meter = bench_parse_clean(site, in_memory)
        say("dedup and loader alone")
        report["dedup"], report["loader"], dedup_meter, load_meter = bench_dedup_and_load(
            site, served.base_url, fetched, work / "loader.duckdb", args.batch_size
        )
    first = report["end_to_end"]["first_run"]
    report["stages"] = {
        "fetch": fetch_meter.figures(n),
        "parse_clean": parse_meter.figures(n),
        "dedup": dedup_meter.figures(n),
        "load": load_meter.figures(n),
        "end_to_end": {
            k: first[k]
            for k in ("pages", "wall_s", "cpu_s", "cores_busy", "pages_per_s", "pages_per_s_per_core")
        },
    }
    report["articles_loaded"] = report["end_to_end"].pop("articles_loaded")
    print(json.dumps(report, indent=2))
    if report["articles_loaded"] != n:
        say(f"expected {n} articles in the warehouse, found {report['articles_loaded']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
