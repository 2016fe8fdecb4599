"""Reparse benchmark (issue 11): pages/s of the reparse flow in-process and on a Dask cluster of 1 and
2 worker processes, over an archive that the ingest flow filled from a generated tempo mirror served
on 127.0.0.1. Prints one JSON object to stdout; progress goes to stderr. No network.

    python -m bench.reparse_dask [--pages 20000] [--workers 1,2] [--batch-size 1000] [--rounds 1] [--seed 0]
    python -m bench.reparse_dask --reuse DIR     # the archive and warehouse a --keep DIR run left

The mirror is bench.sitegen's `generate(out, pages, seed)`; one run of `flows.ingest.ingest` fetches
it, archives every page and loads the warehouse, as `kabar run --base-url` would. Each reparse then
runs the flow (`flows.reparse.reparse`, every page of the site, nothing changed since the ingest) on
its own copy of that warehouse: first in-process, then per worker count on a `distributed.LocalCluster`
(1 thread per worker) started here and passed as `dask_address`, so a run's wall time leaves out the
cluster's start (reported beside it); `--rounds` repeats that sequence. Every copy must end with the
same content digest (bench/crash.py); `same_warehouse` says whether it did (exit status 1 otherwise).
The machine is shared: compare runs by their ratios within a round (`speedup`), with the load average
sampled during each run beside them; CPU seconds of the flow's process and of the workers say where
the work went, whatever the load.
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
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.crash import digest_of, fingerprint  # noqa: E402
from bench.report import rate, say, timed  # noqa: E402
from bench.sitegen import generate  # noqa: E402
from kabar.warehouse.db import data_path  # noqa: E402

HARNESS_TIMEOUT_S = 180  # Prefect's default (30 s) is too short on a loaded 2-core machine
CLUSTER_TIMEOUT_S = 180
LOAD_SAMPLE_S = 5
LIBRARIES = ("prefect", "prefect-dask", "distributed", "duckdb", "beautifulsoup4", "lxml")


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


def build_archive(work: Path, pages: int, seed: int, batch_size: int) -> dict:
    """Generate the mirror, serve it, and ingest it once into work/warehouse.duckdb and work/archive."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    _, generate_s = timed(generate, work / "mirror", pages, seed)
    say(f"{pages} pages generated in {generate_s:.0f} s; ingesting them")
    with serve(work / "mirror") as mirror:
        counts, ingest_s = timed(
            ingest,
            site="tempo",
            base_url=mirror.base_url,
            warehouse=str(work / "warehouse.duckdb"),
            archive=str(work / "archive"),
            delay=0.0,
            batch_size=batch_size,
            workers=8,
        )
    say(f"ingested in {ingest_s:.0f} s: {counts}")
    return {
        "generate_s": round(generate_s, 1),
        "ingest_s": round(ingest_s, 1),
        "ingest_pages_per_s": rate(pages, ingest_s),
        "ingest_counts": counts,
        **archive_figures(work),
        "raw_kb_mean": round(
            sum(p.stat().st_size for p in (work / "mirror").rglob("*.html")) / 1024 / pages, 1
        ),
    }


def archive_figures(work: Path) -> dict:
    archived = [path for path in (work / "archive").rglob("*.html.gz")]
    return {
        "archive_files": len(archived),
        "archive_mb": round(sum(path.stat().st_size for path in archived) / 2**20, 1),
    }


class LoadSampler:
    """The 1-minute load average, sampled every few seconds while a run goes on (the machine is shared)."""

    def __init__(self) -> None:
        self.samples = [load_average()]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self.stop.wait(LOAD_SAMPLE_S):
            self.samples.append(load_average())

    def __enter__(self) -> "LoadSampler":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def summary(self) -> dict:
        return {"mean": round(statistics.fmean(self.samples), 1), "max": max(self.samples)}


def cpu_seconds() -> float:
    """This process's CPU time, user and system (run on each Dask worker too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def reparse_copy(work: Path, name: str, batch_size: int, client=None) -> dict:
    """The reparse flow over a fresh copy of the ingested warehouse: wall time, CPU seconds of this
    process (the flow: reading, loading, orchestration) and of the Dask workers (extraction), the
    load average meanwhile, counts, digest."""
    from kabar.flows.reparse import reparse

    source = work / "warehouse.duckdb"
    db = work / name / source.name
    db.parent.mkdir()
    shutil.copy(source, db)
    shutil.copytree(data_path(source), data_path(db))
    say(f"reparse {name} (load average {load_average()})")
    workers_before = client.run(cpu_seconds) if client else {}
    flow_before = cpu_seconds()
    with LoadSampler() as load:
        counts, wall_s = timed(
            reparse,
            site="tempo",
            warehouse=str(db),
            archive=str(work / "archive"),
            batch_size=batch_size,
            dask_address=client.cluster.scheduler_address if client else None,
        )
    flow_cpu = cpu_seconds() - flow_before
    workers_cpu = sum(client.run(cpu_seconds).values()) - sum(workers_before.values()) if client else 0.0
    say(f"reparse {name}: {wall_s:.1f} s, flow CPU {flow_cpu:.0f} s, workers CPU {workers_cpu:.0f} s")
    result = {
        "wall_s": round(wall_s, 2),
        "pages_per_s": rate(counts["pages"], wall_s),
        "flow_cpu_s": round(flow_cpu, 1),
        "workers_cpu_s": round(workers_cpu, 1),
        "flow_cpu_ms_per_page": round(1000 * flow_cpu / max(counts["pages"], 1), 2),
        "load_average": load.summary(),
        "counts": counts,
        "digest": fingerprint(digest_of(db)),
    }
    shutil.rmtree(db.parent)  # 20,000 pages: keep one copy at a time on disk
    return result


@contextmanager
def local_cluster(workers: int) -> Iterator[tuple[object, float]]:
    """A client of a LocalCluster of `workers` processes (1 thread each), and its start time."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=None, timeout=CLUSTER_TIMEOUT_S
        ) as cluster,
        Client(cluster) as client,
    ):
        start_s = time.perf_counter() - started
        say(f"local cluster of {workers} worker(s) up in {start_s:.1f} s")
        yield client, start_s


def one_round(work: Path, worker_counts: list[int], batch_size: int) -> dict:
    """In-process, then on a fresh cluster of each worker count."""
    runs = {"in_process": reparse_copy(work, "in-process", batch_size)}
    for workers in worker_counts:
        with local_cluster(workers) as (client, start_s):
            run = reparse_copy(work, f"dask-{workers}", batch_size, client)
        runs[f"dask_{workers}_workers"] = {"cluster_start_s": round(start_s, 1), **run}
    return runs


def environment(args: argparse.Namespace) -> dict:
    return {
        "benchmark": "reparse_dask",
        "pages": args.pages,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": {name: version(name) for name in LIBRARIES},
    }


def bench(args: argparse.Namespace, work: Path) -> dict:
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    report = environment(args)
    with (
        temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(work / "prefect-results")}),
        prefect_test_harness(server_startup_timeout=HARNESS_TIMEOUT_S),
    ):
        if args.reuse:
            report["archive"] = archive_figures(work) | {"reused": str(work)}
        else:
            report["archive"] = build_archive(work, args.pages, args.seed, args.batch_size)
            shutil.rmtree(work / "mirror")
        rounds = [one_round(work, args.workers, args.batch_size) for _ in range(args.rounds)]
    report["rounds"] = rounds
    report["median"] = {
        name: {
            key: round(statistics.median(run[name][key] for run in rounds), 2)
            for key in ("wall_s", "pages_per_s", "flow_cpu_ms_per_page")
        }
        for name in rounds[0]
    }
    report["speedup"] = [  # per round: in-process wall time over each cluster's
        {
            name: round(runs["in_process"]["wall_s"] / run["wall_s"], 2)
            for name, run in runs.items()
            if name != "in_process"
        }
        for runs in rounds
    ]
    digests = {run["digest"] for runs in rounds for run in runs.values()}
    report["same_warehouse"] = len(digests) == 1
    return report


def _workers(value: str) -> list[int]:
    counts = [int(part) for part in value.split(",") if part.strip().isdigit()]
    if not counts or min(counts) < 1 or len(counts) != len(value.split(",")):
        raise argparse.ArgumentTypeError(f"expected worker counts like 1,2, got {value!r}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000, help="pages generated, ingested, reparsed")
    parser.add_argument("--workers", type=_workers, default=[1, 2], help="Dask worker counts, e.g. 1,2")
    parser.add_argument("--batch-size", type=int, default=1000, help="the flows' pages per batch")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the runs, in turn, this many times")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it (default: a temp one)")
    parser.add_argument(
        "--reuse", type=Path, help="reparse the archive and warehouse a --keep run left in this folder"
    )
    args = parser.parse_args(argv)
    if min(args.pages, args.batch_size, args.rounds) < 1:
        parser.error("--pages, --batch-size and --rounds must be 1 or more")
    if args.reuse and (args.keep or not (args.reuse / "warehouse.duckdb").is_file()):
        parser.error("--reuse takes a folder a --keep run left (warehouse.duckdb, archive/), without --keep")
    if args.reuse:
        report = bench(args, args.reuse)
    elif args.keep:
        args.keep.mkdir(parents=True)
        report = bench(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kabar-reparse-dask-") as tmp:
            report = bench(args, Path(tmp))
    print(json.dumps(report, indent=2))
    return 0 if report["same_warehouse"] else 1


if __name__ == "__main__":  # LocalCluster's worker processes import this module: run only when asked
    sys.exit(main())
