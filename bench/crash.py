"""Crash benchmark (issue 8, item 9): kill -9 the loader at random moments and check the warehouse.

    python -m bench.crash [--trials 20] [--articles 300] [--batch 25] [--seed 0]

The workload is `bench.load.Workload`: run 1 loads `--articles` synthetic articles (related links,
exact and near copies, removals, an extraction issue, 404s) batch by batch, run 2 fetches
`--update` of them again, `--changed` with an edited body. A child process (this module with
`--child`) loads it the flow's way: a connection for each batch's time (`session`), the dedup task's plan
(`known_content`, `plan_batch`, `sign_new_content`), `loader.load_batch`; `start_run` and
`finish_run` around each run.

First an uninterrupted child loads the whole workload into a fresh warehouse, recording the content
digest after every batch. Then, per trial, a child loads into a fresh warehouse and is sent SIGKILL
after a random delay (seeded) within the reference load time. The parent then
  - opens the warehouse with `connect` (must succeed),
  - checks that no batch is half-loaded: every fetch URL carries its batch number (`/b00012/`), so
    each batch must have all of its `fetches` rows or none, the batches present must be the first
    k, every `fetches` row with outcome 'article' must have its `article_urls` row and its article,
    and the content digest must equal the reference's after exactly k batches,
  - re-runs the load to completion in a child, as the deployment would: runs that completed are not
    repeated; the interrupted run is run again from its first batch under a new run id (its pages
    come back with the same bytes and fetch times, so what the killed child committed is loaded
    again),
  - compares the content digest with the uninterrupted run's.
The content digest is md5 over the sorted rows of articles, article_versions, article_urls,
related_links, removals, near_duplicates, article_minhash and article_bands, without the columns
that name the run that wrote a row (run_id) or take the wall clock (a current_timestamp default).

Prints one JSON object to stdout; progress goes to stderr. No network.
"""

import argparse
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from random import Random

from bench.load import BASE, Workload, batch_of, code_version, finish_run, load_one, start_run
from bench.report import say
from kabar.warehouse.db import connect

CONTENT_TABLES = (
    "articles",
    "article_versions",
    "article_urls",
    "related_links",
    "removals",
    "near_duplicates",
    "article_minhash",
    "article_bands",
)
PROVENANCE = ("run_id", "load_id", "loaded_at", "snapshot_id")  # who or when wrote a row, not what
WALL_CLOCK = ("current_timestamp", "now()", "get_current_timestamp", "transaction_timestamp")


# --- the content digest ----------------------------------------------------------------------------


def _table(con, name: str) -> str:
    """The table's qualified name, wherever a migration put it (main first)."""
    schemas = [
        schema
        for (schema,) in con.execute(
            "SELECT schema_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND table_name = ? ORDER BY schema_name <> 'main', schema_name",
            [name],
        ).fetchall()
    ]
    if not schemas:
        raise LookupError(f"no table {name} in the warehouse")
    return f'"{schemas[0]}"."{name}"'


def _columns(con, qualified: str) -> tuple[list[str], list[str]]:
    """(compared, excluded) columns of a table."""
    schema, table = (part.strip('"') for part in qualified.split("."))
    rows = con.execute(
        "SELECT column_name, coalesce(column_default, '') FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
        " ORDER BY column_index",
        [schema, table],
    ).fetchall()
    compared, excluded = [], []
    for name, default in rows:
        drop = name in PROVENANCE or name.endswith("_run_id")
        drop = drop or any(clock in default.lower() for clock in WALL_CLOCK)
        (excluded if drop else compared).append(name)
    return compared, excluded


def content_digest(con) -> dict:
    """{table: [rows, md5 of its sorted rows]}, and the columns left out."""
    tables, excluded = {}, []
    for name in CONTENT_TABLES:
        qualified = _table(con, name)
        compared, dropped = _columns(con, qualified)
        excluded += [f"{name}.{column}" for column in dropped]
        columns = ", ".join(f'"{column}"' for column in compared)
        rows, digest = con.execute(
            f"SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), ''))"
            f" FROM (SELECT {columns} FROM {qualified}) r"
        ).fetchone()
        tables[name] = [rows, digest]
    return {"tables": tables, "excluded": excluded}


def digest_of(db: Path) -> dict:
    with connect(db) as con:
        return content_digest(con)


def fingerprint(digest: dict) -> str:
    return hashlib.md5(json.dumps(digest["tables"], sort_keys=True).encode()).hexdigest()


# --- the child: the load, as the flow does it --------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    workload = make_workload(args)
    db = Path(args.db)
    prefix = [digest_of(db)] if args.prefix_out else None  # the empty warehouse: 0 batches
    digest_s = 0.0  # time spent on digests, not loading
    print("loading", flush=True)  # the parent's kill clock starts here
    for run in range(len(workload.plan)):
        run_id = f"run{run}-{args.attempt}"
        with connect(db) as con:
            done = con.execute(
                "SELECT count(*) FROM crawl_runs WHERE run_id LIKE ? AND status = 'completed'",
                [f"run{run}-%"],
            ).fetchone()[0]
        if done and not args.replay_all:
            say(f"run {run} completed before: not repeated")
            continue
        say(f"start {run_id}")
        start_run(db, run_id, BASE + timedelta(days=3 * run))
        totals: dict[str, int] = {}
        for batch in workload.run_batches(run):
            say(f"batch {batch.number} starts")
            figures = load_one(db, run_id, batch, step=lambda what, n=batch.number: say(f"batch {n} {what}"))
            say(f"batch {batch.number} committed")
            for key, value in figures["counts"].items():
                totals[key] = totals.get(key, 0) + value
            if prefix is not None:
                digest_started = time.perf_counter()
                prefix.append(digest_of(db))
                digest_s += time.perf_counter() - digest_started
        finish_run(db, run_id, totals)
        say(f"finished {run_id}")
    if prefix is not None:
        Path(args.prefix_out).write_text(json.dumps({"prefix": prefix, "digest_s": digest_s}))
    return 0


def make_workload(args: argparse.Namespace) -> Workload:
    return Workload(args.articles, args.update, args.changed, args.batch, args.seed)


def child_command(args: argparse.Namespace, db: Path, attempt: str, prefix_out: Path | None = None) -> list:
    command = [sys.executable, "-m", "bench.crash", "--child", "--db", str(db), "--attempt", attempt]
    command += ["--articles", str(args.articles), "--update", str(args.update)]
    command += ["--changed", str(args.changed), "--batch", str(args.batch), "--seed", str(args.seed)]
    command += ["--replay-all"] if args.replay_all and attempt == "recovered" else []
    return command + (["--prefix-out", str(prefix_out)] if prefix_out else [])


def run_child(command: list, log: Path, timeout: float) -> float:
    """Run a child to completion; returns its load time (from its 'loading' line to its exit)."""
    with log.open("a") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True
        )
        process.stdout.readline()
        started = time.perf_counter()
        if process.wait(timeout=timeout) != 0:
            raise RuntimeError(f"child failed ({process.returncode}): see {log}")
        return time.perf_counter() - started


# --- the checks -------------------------------------------------------------------------------------


def readers_copy(db: Path, prefix: list[dict]) -> dict:
    """The copy of the catalog analysts attach, as the killed child left it: it opens read-only and
    shows the content after a whole number of batches (it may lag the writers' catalog; no copy at
    all only if the child died before its first connection closed)."""
    try:
        with connect(db, read_only=True) as con:
            tables = content_digest(con)["tables"]
    except FileNotFoundError:
        return {"reader_opened": False, "reader_at_batch": None}
    except Exception as error:
        return {"reader_opened": False, "reader_error": f"{type(error).__name__}: {error}"[:300]}
    whole = [k for k, digest in enumerate(prefix) if digest["tables"] == tables]
    return {"reader_opened": True, "reader_at_batch": whole[-1] if whole else None}


def inspect(db: Path, workload: Workload, prefix: list[dict]) -> dict:
    """Open the warehouse a killed child left (the readers' copy first, as the crash left it: the
    writable connection publishes a new one) and look for a half-loaded batch."""
    reader = readers_copy(db, prefix)
    try:
        con = connect(db)
    except Exception as error:
        return {"opened": False, "error": f"{type(error).__name__}: {error}"[:300]}
    expected = [len(events) for run in workload.plan for events in run]
    with con:
        per_batch = {}
        for (url,) in con.execute("SELECT url FROM fetches").fetchall():
            per_batch[batch_of(url)] = per_batch.get(batch_of(url), 0) + 1
        orphans = con.execute(
            "SELECT count(*) FROM fetches f WHERE f.outcome = 'article' AND NOT EXISTS ("
            " SELECT 1 FROM article_urls u JOIN articles a USING (article_id) WHERE u.url = f.url)"
        ).fetchone()[0]
        stray_urls = con.execute(
            "SELECT count(*) FROM article_urls u"
            " WHERE NOT EXISTS (SELECT 1 FROM fetches f WHERE f.url = u.url)"
        ).fetchone()[0]
        digest = content_digest(con)
        running = con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()[0]
    k = len(per_batch)
    problems = []
    partial = {b: n for b, n in per_batch.items() if b >= len(expected) or n != expected[b]}
    if partial:
        problems.append(f"batches with some of their fetches rows: {partial}")
    if sorted(per_batch) != list(range(k)):
        problems.append(f"batches present are not the first {k}: {sorted(per_batch)}")
    if orphans:
        problems.append(f"{orphans} article fetches without their article_urls row or article")
    if stray_urls:
        problems.append(f"{stray_urls} article_urls rows without their fetch")
    matches = k < len(prefix) and digest["tables"] == prefix[k]["tables"]
    if not matches:
        problems.append(f"content differs from the reference after {k} batches")
    if "reader_error" in reader or (reader["reader_opened"] and reader["reader_at_batch"] is None):
        problems.append(f"the readers' copy is not the content after a whole batch: {reader}")
    elif reader["reader_opened"] and reader["reader_at_batch"] > k:
        problems.append(f"the readers' copy shows {reader['reader_at_batch']} batches, the catalog {k}")
    return reader | {
        "opened": True,
        "batches_committed": k,
        "runs_left_running": running,
        "half_loaded": bool(problems),
        "problems": problems,
    }


def trial(args, work: Path, number: int, delay: float, workload, prefix: list, final: dict) -> dict:
    folder = work / f"trial-{number:02d}-{int(delay * 1000)}"
    folder.mkdir()
    db, log = folder / "warehouse.db", folder / "child.log"
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(
            child_command(args, db, "crashed"),
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        process.stdout.readline()
        loading = time.perf_counter()
        try:
            exit_code = process.wait(timeout=delay)
            killed = False  # it finished (or failed) first
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed = True
    lines = log.read_text().strip().splitlines()
    result = {
        "trial": number,
        "delay_s": round(delay, 2),
        "killed": killed,
        "child_s": round(time.perf_counter() - loading, 1),
        "last_step": lines[-1].split("] ", 1)[-1] if lines else None,
    }
    if not killed and exit_code != 0:  # the child failed by itself: its last words say why
        result["child_error"] = next((line for line in reversed(lines) if "Error" in line), lines[-1:])
        steps = [line.split("] ", 1)[-1] for line in lines if line.startswith("[bench ")]
        result["last_step"] = steps[-1] if steps else None
    result |= inspect(db, workload, prefix)
    if result["opened"]:
        recover_s = run_child(child_command(args, db, "recovered"), log, timeout=max(600.0, 20 * delay))
        digest = digest_of(db)
        with connect(db) as con:
            statuses = dict(con.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall())
        result |= {
            "recover_s": round(recover_s, 1),
            "converged": digest["tables"] == final["tables"],
            "differs": sorted(t for t in final["tables"] if digest["tables"][t] != final["tables"][t]),
            "runs_after": statuses,
        }
    else:
        result["converged"] = False
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _inside(step: str | None) -> bool:
    return bool(step) and step.startswith("batch ") and not step.endswith(" committed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--update", type=int, help="articles fetched again in run 2 (default: a fifth)")
    parser.add_argument("--changed", type=int, help="of those, with an edited body (default: a third)")
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--replay-all",
        action="store_true",
        help="recover by replaying every run from the first, completed ones too (older pages after newer)",
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (kept) instead of a temporary folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--attempt", help=argparse.SUPPRESS)
    parser.add_argument("--prefix-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.update = args.articles // 5 if args.update is None else args.update
    args.changed = args.update // 3 if args.changed is None else args.changed
    if args.child:
        return child(args)
    started = time.perf_counter()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        report = bench(args, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="kabar-crash-") as tmp:
            report = bench(args, Path(tmp))
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0 if report["opened_ok"] == report["converged"] == args.trials and not report["half_loaded"] else 1


def bench(args: argparse.Namespace, work: Path) -> dict:
    workload = make_workload(args)
    say(f"reference: {workload.batch_count()} batches, uninterrupted")
    reference, prefix_file = work / "reference", work / "prefix.json"
    reference.mkdir()
    load_s = run_child(
        child_command(args, reference / "warehouse.db", "reference", prefix_file),
        reference / "child.log",
        3600,
    )
    recorded = json.loads(prefix_file.read_text())
    prefix, final = recorded["prefix"], recorded["prefix"][-1]
    load_s -= recorded["digest_s"]  # the reference alone digests after each batch
    say(f"reference loaded in {load_s:.1f} s; digest {fingerprint(final)}")
    rng = Random(args.seed)
    trials = []
    expected, redrawn = load_s, 0
    for number in range(args.trials):
        for _draw in range(3):
            delay = rng.uniform(0.0, expected)
            result = trial(args, work, number, delay, workload, prefix, final)
            if result["killed"] or "child_error" in result:
                break
            # The load finished before the kill (the machine is shared: its speed varies): what it
            # left is still checked, but the trial is drawn again, within the faster time.
            say(f"trial {number}: the load finished in {result['child_s']} s, before the kill: drawn again")
            expected, redrawn = min(expected, result["child_s"]), redrawn + 1
        trials.append(result)
        say(
            f"trial {number}: killed after {delay:.1f} s at {result.get('batches_committed')} batches"
            f" ({result['last_step']}); half-loaded {result.get('half_loaded')},"
            f" converged {result['converged']}"
        )
    return {
        "benchmark": "crash",
        "trials": args.trials,
        "opened_ok": sum(1 for t in trials if t["opened"]),
        "readers_copy_opened": sum(1 for t in trials if t.get("reader_opened")),
        "readers_copy_lag_batches": [  # batches the catalog holds that the copy did not show yet
            t["batches_committed"] - t["reader_at_batch"]
            for t in trials
            if t.get("reader_at_batch") is not None
        ],
        "half_loaded": sum(1 for t in trials if t.get("half_loaded")),
        "converged": sum(1 for t in trials if t["converged"]),
        "killed": sum(1 for t in trials if t["killed"]),  # the others finished first (three draws)
        "redrawn": redrawn,  # draws whose load finished before the kill, drawn again
        "child_errors": sum(1 for t in trials if "child_error" in t),  # failed before the kill
        # the killed child's last words: "batch N starts" (connect, plan) or "batch N in load_batch"
        "killed_inside_a_batch": sum(1 for t in trials if t["killed"] and _inside(t["last_step"])),
        "killed_inside_load_batch": sum(
            1 for t in trials if t["killed"] and (t["last_step"] or "").endswith(" in load_batch")
        ),
        "recovery": "every run again" if args.replay_all else "the interrupted run again",
        "workload": {
            "articles": args.articles,
            "update": args.update,
            "changed": args.changed,
            "batch": args.batch,
            "batches": workload.batch_count(),
            "seed": args.seed,
        },
        "reference": {
            "load_s": round(load_s, 1),
            "digest": fingerprint(final),
            "rows": {table: rows for table, (rows, _) in final["tables"].items()},
            "excluded_columns": final["excluded"],
        },
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "code": code_version(),
        "per_trial": trials,
    }


if __name__ == "__main__":
    sys.exit(main())
