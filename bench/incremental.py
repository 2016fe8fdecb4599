"""Incremental re-run benchmark: the ingest flow over a synthetic tempo.co mirror (served by
kabar.mirror.serve, which sends ETag / Last-Modified and answers conditional GETs), then again over the
unchanged mirror into the same warehouse. Prints one JSON object to stdout; progress goes to stderr.

    python -m bench.incremental [--pages 1000] [--seed 0] [--batch-size 100]

Issue 7's target: the re-run takes at most 10 % of the first run's wall time and fetches only 304s
(or nothing). Nothing asserts; `targets` says whether it holds. Requests are the mirror's own log,
counted per status and per kind of path (robots, sitemap, feed, article, other). Everything runs in
this process under one Prefect test harness, after one empty flow call (so the first run does not
pay the client's set-up); the runs see 127.0.0.1 only (`tests.faults.loopback_only`).
"""

import os

# Before Prefect is imported: offline, quiet.
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from prefect import flow  # noqa: E402

from bench.hostile import code_state  # noqa: E402
from bench.sitegen import generate  # noqa: E402
from kabar.mirror import serve  # noqa: E402
from kabar.warehouse.db import connect
from tests.faults import loopback_only  # noqa: E402

TARGET_RATIO = 0.10


def say(message: str) -> None:
    print(f"[incremental {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@flow(name="bench-noop")
def noop() -> None:
    """Prefect's client set-up, paid here rather than by the first run."""


def kind(path: str) -> str:
    path = urlsplit(path).path
    if path == "/robots.txt":
        return "robots"
    if "sitemap" in path:
        return "sitemap"
    if path.startswith("/rss") or "feed" in path:
        return "feed"
    if path.startswith("/read/"):
        return "article"
    return "other"


def requests_of(hits) -> dict:
    """How many requests, per status and per kind of path (each kind: per status)."""
    per_kind: dict[str, Counter] = {}
    for hit in hits:
        per_kind.setdefault(kind(hit.path), Counter())[str(hit.status)] += 1
    return {
        "requests": len(hits),
        "statuses": dict(sorted(Counter(str(hit.status) for hit in hits).items())),
        "by_kind": {name: dict(sorted(counts.items())) for name, counts in sorted(per_kind.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args(argv)
    report = {
        "benchmark": "incremental",
        "pages": args.pages,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "code": code_state(),
    }
    with tempfile.TemporaryDirectory(prefix="kabar-incremental-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        generate(work / "mirror", args.pages, args.seed)
        report["generate_s"] = round(time.perf_counter() - started, 2)
        say(f"{args.pages} pages generated in {report['generate_s']} s")
        db, archive = work / "warehouse.duckdb", work / "archive"
        with loopback_only() as guard, serve(work / "mirror") as mirror:
            from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
            from prefect.testing.utilities import prefect_test_harness

            from kabar.flows.ingest import ingest

            started = time.perf_counter()
            with (
                temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(work / "prefect-results")}),
                prefect_test_harness(),
            ):
                report["harness_start_s"] = round(time.perf_counter() - started, 2)
                noop()
                runs = {}
                for name in ("first_run", "rerun"):
                    say(f"{name} against {mirror.base_url}")
                    mark, started = len(mirror.hits), time.perf_counter()
                    counts = ingest(
                        site="tempo",
                        base_url=mirror.base_url,
                        warehouse=str(db),
                        archive=str(archive),
                        delay=0.0,
                        batch_size=args.batch_size,
                    )
                    wall_s = time.perf_counter() - started
                    runs[name] = {"wall_s": round(wall_s, 2), "counts": counts} | requests_of(
                        mirror.hits[mark:]
                    )
                    say(f"{name}: {wall_s:.1f} s, {runs[name]['requests']} requests")
        with connect(db, read_only=True) as con:
            loaded = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    first, rerun = runs["first_run"], runs["rerun"]
    ratio = rerun["wall_s"] / first["wall_s"] if first["wall_s"] else None
    article_statuses = set(rerun["by_kind"].get("article", {}))
    report |= {
        "first_run": first,
        "rerun": rerun,
        "rerun_over_first": round(ratio, 3) if ratio is not None else None,
        "articles_loaded": loaded,
        "connections_refused": sorted({f"{host}:{port}" for host, port in guard.blocked}),
        "targets": {
            "rerun_within_10pct_of_first": ratio is not None and ratio <= TARGET_RATIO,
            "rerun_fetches_only_304s": set(rerun["statuses"]) <= {"304"},
            "rerun_article_fetches_only_304s": article_statuses <= {"304"},
            "all_pages_loaded": loaded == args.pages,
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
