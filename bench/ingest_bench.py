"""Ingest benchmark: the whole Prefect flow, then parse+clean, fetch and load alone, over a synthetic
tempo.co mirror served on 127.0.0.1. Prints one JSON object to stdout; progress goes to stderr.

    python -m bench.ingest_bench [--pages 500] [--batch-size 100] [--workers 4] [--seed 0]
"""

import os

# Before Prefect is imported: offline, quiet.
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from prefect import flow  # noqa: E402

from bench.sitegen import generate  # noqa: E402
from kabar.clean import clean  # noqa: E402
from kabar.http import Crawl, fetch_pages  # noqa: E402
from kabar.mirror import serve  # noqa: E402
from kabar.records import FetchedPage  # noqa: E402
from kabar.sites import get_site  # noqa: E402
from kabar.tasks.dedup import plan_batch  # noqa: E402
from kabar.tasks.extract import extract_fetched  # noqa: E402
from kabar.urls import rebase  # noqa: E402
from kabar.warehouse import loader  # noqa: E402
from kabar.warehouse.db import connect  # noqa: E402

FETCHED_AT = datetime(2023, 10, 1, 5, 0, tzinfo=UTC)
LIBRARIES = ("prefect", "duckdb", "beautifulsoup4", "lxml", "requests", "protego", "w3lib")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


@flow(name="bench-noop")
def noop() -> None:
    """The fixed cost of one flow call (run creation, state changes) with nothing inside."""


# --- the figures ---------------------------------------------------------------------------------


def bench_end_to_end(base_url: str, work: Path, n: int, batch_size: int, workers: int) -> dict:
    """The real flow, twice over the same mirror: the first run loads, the second finds nothing new."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from kabar.flows.ingest import ingest

    db, archive = work / "e2e" / "warehouse.duckdb", work / "e2e" / "archive"
    started = time.perf_counter()
    with (
        temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(work / "prefect-results")}),
        prefect_test_harness(),
    ):
        harness_s = time.perf_counter() - started
        say(f"prefect test server up in {harness_s:.1f} s")
        _, noop_s = timed(noop)

        def run() -> tuple[dict, float]:
            return timed(
                ingest,
                site="tempo",
                base_url=base_url,
                warehouse=str(db),
                archive=str(archive),
                delay=0.0,
                batch_size=batch_size,
                workers=workers,
            )

        first, first_s = run()
        say(f"first run: {first_s:.1f} s")
        second, second_s = run()
        say(f"re-run: {second_s:.1f} s")
    with connect(db, read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {
        "harness_start_s": round(harness_s, 2),
        "noop_flow_s": round(noop_s, 3),
        "first_run": {"wall_s": round(first_s, 2), "pages_per_s": rate(n, first_s), "counts": first},
        "rerun": {"wall_s": round(second_s, 2), "pages_per_s": rate(n, second_s), "counts": second},
        "articles_loaded": loaded,
    }


def bench_parse_clean(pages: list[tuple[str, bytes]]) -> dict:
    """site.parse then clean, page after page, from bytes already in memory."""
    site = get_site("tempo")
    first = site.parse(pages[0][1], pages[0][0], FETCHED_AT)
    clean(first, site.rules_for(first.layout))  # warm-up: first-call costs
    parse_ms, clean_ms = [], []
    for url, html in pages:
        parsed, parse_s = timed(site.parse, html, url, FETCHED_AT)
        _, clean_s = timed(clean, parsed, site.rules_for(parsed.layout))
        parse_ms.append(parse_s * 1000)
        clean_ms.append(clean_s * 1000)
    total_s = (sum(parse_ms) + sum(clean_ms)) / 1000
    return {
        "pages_per_s": rate(len(pages), total_s),
        "mean_ms_per_page": round(total_s * 1000 / len(pages), 2),
        "parse_mean_ms": round(statistics.fmean(parse_ms), 2),
        "parse_p95_ms": round(statistics.quantiles(parse_ms, n=20)[-1], 2) if len(parse_ms) > 1 else None,
        "clean_mean_ms": round(statistics.fmean(clean_ms), 3),
        "html_kb_mean": round(statistics.fmean(len(html) for _, html in pages) / 1024, 1),
    }


def bench_fetch(urls: list[str], archive: Path, workers: int) -> tuple[dict, list[FetchedPage]]:
    """fetch_pages alone (robots.txt, GET, gzip into a fresh archive), one batch of every URL."""
    pages, seconds = timed(fetch_pages, urls, archive_dir=archive, max_workers=workers, min_delay=0.0)
    ok = sum(1 for p in pages if p.status == 200)
    figures = {
        "wall_s": round(seconds, 3),
        "pages_per_s": rate(len(urls), seconds),
        "status_200": ok,
        "mean_request_ms": round(statistics.fmean(p.elapsed_ms for p in pages), 2),
    }
    return figures, pages


def bench_loader(pages: list[FetchedPage], db: Path, batch_size: int) -> dict:
    """loader.load_batch alone, batch after batch into a fresh DuckDB file, one connection per batch as
    the flow opens it (connect applies the schema, timed apart)."""
    site = get_site("tempo")
    crawl = Crawl(archive_dir=str(db.parent))
    results = {p.url: extract_fetched(site, crawl, p) for p in pages if p.status == 200}
    run_id = "bench-loader"
    with connect(db) as con:
        loader.start_run(con, run_id, "tempo", FETCHED_AT)
    connect_ms, load_ms, articles = [], [], 0
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        plan = plan_batch(batch, {p.url: results[p.url] for p in batch if p.url in results}, {})
        con, connect_s = timed(connect, db)
        with con:
            _, load_s = timed(loader.load_batch, con, run_id, batch, plan)
        connect_ms.append(connect_s * 1000)
        load_ms.append(load_s * 1000)
        articles += len(plan.articles)
    total_s = sum(load_ms) / 1000
    return {
        "batches": len(load_ms),
        "load_batch_mean_ms": round(statistics.fmean(load_ms), 1),
        "load_batch_max_ms": round(max(load_ms), 1),
        "articles_per_s": rate(articles, total_s),
        "connect_mean_ms": round(statistics.fmean(connect_ms), 1),
    }


# --- the run -------------------------------------------------------------------------------------


def environment(args: argparse.Namespace) -> dict:
    return {
        "benchmark": "ingest",
        "pages": args.pages,
        "batch_size": args.batch_size,
        "workers": args.workers,
        "seed": args.seed,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": {name: version(name) for name in LIBRARIES},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = environment(args)
    with tempfile.TemporaryDirectory(prefix="kabar-bench-") as tmp:
        work = Path(tmp)
        urls, generate_s = timed(generate, work / "mirror", args.pages, args.seed)
        say(f"{len(urls)} pages generated in {generate_s:.1f} s under {work / 'mirror'}")
        report["generate_s"] = round(generate_s, 2)
        with serve(work / "mirror") as mirror:
            say(f"mirror at {mirror.base_url}")
            report["end_to_end"] = bench_end_to_end(
                mirror.base_url, work, args.pages, args.batch_size, args.workers
            )
            say("fetch alone")
            local = [rebase(url, mirror.base_url) for url in urls]
            report["fetch"], fetched = bench_fetch(local, work / "fetch-archive", args.workers)
        say("parse + clean alone")
        in_memory = [(url, (work / "mirror" / f"{urlsplit(url).path[1:]}.html").read_bytes()) for url in urls]
        report["parse_clean"] = bench_parse_clean(in_memory)
        say("loader alone")
        report["loader"] = bench_loader(fetched, work / "loader.duckdb", args.batch_size)
    report["articles_loaded"] = report["end_to_end"].pop("articles_loaded")
    print(json.dumps(report, indent=2))
    if report["articles_loaded"] != args.pages:
        say(f"expected {args.pages} articles in the warehouse, found {report['articles_loaded']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
