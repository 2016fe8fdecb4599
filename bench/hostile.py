"""Hostile-network benchmark: the ingest flow over a synthetic tempo.co mirror where a share of the
article URLs misbehave (tests/faults.py), against the same mirror served clean. Prints one JSON object
to stdout; progress goes to stderr.

    python -m bench.hostile [--pages 400] [--fault-share 0.2] [--seed 0]

Three runs, each in a fresh subprocess of this script (`--scenario`), so that each peak RSS is its
own: (a) clean mirror into a fresh warehouse, (b) fault server into another fresh warehouse, then (b)
again into the same warehouse, against the same fault server. Servers run in this process; the runs
see 127.0.0.1 only (`tests.faults.loopback_only`: metadata.internal resolves to 169.254.169.254, no
other name resolves, a connection off loopback is refused and counted). A run still going after
`--run-timeout` seconds (default: 3 x the clean run + one request deadline + 60 s) or above
`--max-rss-mb` is stopped (SIGINT, then SIGKILL to its process group) and reported as such: nothing
asserts, the `targets` booleans say which of issue 7's figures hold.
"""

import os

# Before Prefect is imported: offline, quiet.
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from bench.sitegen import generate  # noqa: E402
from kabar.mirror import serve  # noqa: E402
from kabar.warehouse.db import connect  # noqa: E402
from tests.faults import CHARSET_TITLE, FAULTS, loopback_only, serve_faults  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECOVERABLE = {"500-then-ok", "429"}  # the page comes back on a retry: it should be loaded as clean
NOT_FETCH_FAILURES = RECOVERABLE | {"mislabelled-charset"}  # answered 200 in the end
PERMANENT = {"410", "oversized", "oversized-no-length", "gzip-bomb"}  # a re-run must not ask again
ARTICLE_PATH = re.compile(r"^/read/(\d+)/")


def say(message: str) -> None:
    print(f"[hostile {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- one run, in its own process -----------------------------------------------------------------


def scenario(args: argparse.Namespace) -> int:
    """One ingest run under the Prefect test harness; writes its figures to `args.out` as JSON."""
    out = Path(args.out)
    with loopback_only() as guard:
        done = threading.Event()
        keeper = threading.Thread(target=_keep, args=(guard, out.with_suffix(".guard"), done), daemon=True)
        keeper.start()
        from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
        from prefect.testing.utilities import prefect_test_harness

        from kabar.flows.ingest import ingest

        results = Path(args.db).parent / "prefect-results"
        with temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(results)}), prefect_test_harness():
            out.with_suffix(".started").write_text(str(time.time()))  # the parent's clock if it must stop us
            started, counts, error = time.perf_counter(), None, None
            try:
                counts = ingest(
                    site="tempo",
                    base_url=args.base_url,
                    warehouse=args.db,
                    archive=args.archive,
                    delay=0.0,
                    batch_size=args.batch_size,
                )
            except Exception as exc:  # a failed run is a figure too
                error = f"{type(exc).__name__}: {exc}"[:500]
            wall_s = time.perf_counter() - started
        done.set()
        keeper.join(5)
    figures = {
        "wall_s": round(wall_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "counts": counts,
        "error": error,
    }
    out.write_text(json.dumps(figures | _guarded(guard)))
    return 0


def _guarded(guard) -> dict:
    return {
        "names_resolved": sorted(set(guard.resolved)),
        "names_refused": sorted(set(guard.unresolved)),
        "connections_refused": sorted({f"{host}:{port}" for host, port in guard.blocked}),
    }


def _keep(guard, path: Path, done: threading.Event) -> None:
    """What the guard saw, rewritten every quarter second: a run that must be stopped keeps it."""
    while not done.wait(0.25):
        path.with_suffix(".tmp").write_text(json.dumps(_guarded(guard)))
        path.with_suffix(".tmp").replace(path)


def run_scenario(name: str, base_url: str, db: Path, archive: Path, args, timeout: float | None) -> dict:
    """`scenario` in a subprocess, stopped after `timeout` seconds or above --max-rss-mb."""
    out = db.parent / f"{name}.json"
    command = [sys.executable, "-m", "bench.hostile", "--scenario", name, "--base-url", base_url]
    command += ["--db", str(db), "--archive", str(archive), "--out", str(out)]
    command += ["--batch-size", str(args.batch_size)]
    say(f"{name}: running against {base_url}" + (f" (stopped after {timeout:.0f} s)" if timeout else ""))
    launched = time.time()
    child = subprocess.Popen(command, cwd=ROOT, stdout=sys.stderr, start_new_session=True)
    peak_kb, stopped = 0, None
    try:
        while child.poll() is None:
            status = _proc_status(child.pid)
            peak_kb = max(peak_kb, status.get("VmHWM", 0))
            started = _started(out, launched)
            if status.get("VmRSS", 0) > args.max_rss_mb * 1024:
                stopped = f"rss above {args.max_rss_mb} MB"
            elif timeout and time.time() - started > timeout:
                stopped = f"still running after {timeout:.0f} s"
            if stopped:
                stopped_at = time.time()
                _stop(child)
                break
            time.sleep(0.25)
    finally:
        if child.poll() is None:  # this process is being interrupted: leave nothing behind
            _stop(child)
    if out.exists() and not stopped:
        figures = json.loads(out.read_text())
    else:
        figures = {
            "wall_s": round((stopped_at if stopped else time.time()) - _started(out, launched), 2),
            "peak_rss_mb": round(peak_kb / 1024, 1),  # VmHWM as last seen
            "counts": None,
            "error": f"stopped: {stopped}" if stopped else f"exit status {child.returncode}, no figures",
        }
        guarded = out.with_suffix(".guard")
        figures |= json.loads(guarded.read_text()) if guarded.exists() else {}
    figures["completed"] = not stopped and figures.get("error") is None
    say(f"{name}: {figures['wall_s']} s, peak RSS {figures['peak_rss_mb']} MB, error={figures['error']}")
    return figures


def _started(out: Path, launched: float) -> float:
    marker = out.with_suffix(".started")
    try:
        return float(marker.read_text())
    except (OSError, ValueError):
        return launched


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB ({} once it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        key: int(value.split()[0])
        for key, _, value in (line.partition(":") for line in lines)
        if key in ("VmRSS", "VmHWM")
    }


def _stop(child: subprocess.Popen) -> None:
    """SIGINT to the run (its flow may still mark itself failed), then SIGKILL to its process group
    (the run and the Prefect server it started), each wait bounded."""
    try:
        child.send_signal(signal.SIGINT)
        child.wait(5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        child.wait(10)
    except subprocess.TimeoutExpired:
        say(f"run {child.pid} did not end after SIGKILL")


# --- what the warehouses say ---------------------------------------------------------------------


def read_warehouse(db: Path) -> dict:
    """Articles, fetches (with `reason` when the column exists), runs and issues of one warehouse."""
    if not db.exists():
        return {"articles": {}, "fetches": [], "runs": [], "issues": [], "has_reason": False}
    with connect(db, read_only=True) as con:
        columns = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'fetches'"
            ).fetchall()
        }
        has_reason = "reason" in columns
        articles = {
            article_id: {"hash": content_hash, "title": title, "body": body}
            for article_id, content_hash, title, body in con.execute(
                "SELECT article_id, content_hash, title, body FROM articles"
            ).fetchall()
        }
        reason = "reason" if has_reason else "NULL"
        fetches = [
            dict(
                zip(
                    (
                        "run_id",
                        "url",
                        "final_url",
                        "status",
                        "outcome",
                        "reason",
                        "error",
                        "attempts",
                        "elapsed_ms",
                        "byte_count",
                    ),
                    row,
                )
            )
            for row in con.execute(
                f"SELECT run_id, url, final_url, status, outcome, {reason}, error, attempts, elapsed_ms,"
                " byte_count FROM fetches ORDER BY fetched_at"
            ).fetchall()
        ]
        runs = con.execute("SELECT run_id, status FROM crawl_runs ORDER BY started_at").fetchall()
        issues = con.execute("SELECT run_id, url, stage, problem FROM extraction_issues").fetchall()
    return {
        "articles": articles,
        "fetches": fetches,
        "runs": runs,
        "issues": issues,
        "has_reason": has_reason,
    }


def _article_id(path: str) -> str | None:
    found = ARTICLE_PATH.match(path)
    return f"tempo:{found[1]}" if found else None


def _row(row: dict) -> dict:
    """A fetches row, short."""
    short = {
        "status": row["status"],
        "outcome": row["outcome"],
        "reason": row["reason"],
        "error": (row["error"] or "")[:160] or None,
        "attempts": row["attempts"],
        "elapsed_s": round(row["elapsed_ms"] / 1000, 2) if row["elapsed_ms"] is not None else None,
        "bytes": row["byte_count"],
    }
    if row["final_url"] and row["final_url"] != row["url"]:
        short["final_url"] = row["final_url"]
    return short


def analyse(
    paths: list[str],
    faults: dict[str, str],
    clean: dict,
    after_first: dict,
    hostile: dict,
    hits: tuple[list, list],
    offsite_hits: list,
) -> dict:
    """The hostile runs against the clean one: good pages, every faulted URL, scope, the re-run.
    Articles are the warehouse's after the first hostile run (`after_first`); fetches and issues
    after both (`hostile`)."""
    run_ids = [run_id for run_id, _ in hostile["runs"]]
    run_of = {run_id: n for n, run_id in enumerate(run_ids[:2], start=1)}
    rows: dict[str, dict[int, list[dict]]] = {path: {1: [], 2: []} for path in faults}
    for row in hostile["fetches"]:
        path = urlsplit(row["url"]).path
        if path in rows and row["run_id"] in run_of:
            rows[path][run_of[row["run_id"]]].append(row)
    requests = [Counter(urlsplit(hit.path).path for hit in run_hits) for run_hits in hits]
    problems: dict[str, list[str]] = {}  # extraction_issues of the hostile runs, per path
    for _, url, stage, problem in hostile["issues"]:
        problems.setdefault(urlsplit(url).path, []).append(f"{stage}/{problem}")

    def article(path: str) -> str:
        article_id = _article_id(path)
        mine, theirs = after_first["articles"].get(article_id), clean["articles"].get(article_id)
        if theirs is None:
            return "not in clean run"
        return "missing" if mine is None else "same" if mine["hash"] == theirs["hash"] else "differs"

    faulted = [
        {
            "path": path,
            "fault": fault,
            "article": article(path),
            "requests": [requests[0][path], requests[1][path]],
            "issues": problems.get(path, []),
            "run1": [_row(row) for row in rows[path][1]],
            "run2": [_row(row) for row in rows[path][2]],
        }
        for path, fault in faults.items()
    ]
    by_fault = {}
    for fault in dict.fromkeys(faults.values()):
        mine = [entry for entry in faulted if entry["fault"] == fault]
        by_fault[fault] = {
            "urls": len(mine),
            "articles": dict(Counter(entry["article"] for entry in mine)),
            "run1_fetches": dict(
                Counter(f"{r['status']}/{r['outcome']}/{r['reason']}" for e in mine for r in e["run1"])
            ),
            "run2_fetches": dict(
                Counter(f"{r['status']}/{r['outcome']}/{r['reason']}" for e in mine for r in e["run2"])
            ),
            "issues": dict(Counter(problem for entry in mine for problem in entry["issues"])),
            "requests_run1": sum(entry["requests"][0] for entry in mine),
            "requests_run2": sum(entry["requests"][1] for entry in mine),
            "urls_requested_again": sum(1 for entry in mine if entry["requests"][1]),
        }

    good_ids = [_article_id(path) for path in paths if path not in faults]
    loaded = after_first["articles"]
    same = [i for i in good_ids if i in loaded and i in clean["articles"]]
    same = [i for i in same if loaded[i]["hash"] == clean["articles"][i]["hash"]]
    missing = [i for i in good_ids if i not in loaded]
    differs = [i for i in good_ids if i in loaded and i not in same]

    charset_paths = [path for path, fault in faults.items() if fault == "mislabelled-charset"]
    flagged_urls = set(problems)
    charset_articles = [loaded.get(_article_id(path)) for path in charset_paths]
    charset_titles = [article["title"] if article else None for article in charset_articles]
    truncated = [path for path, fault in faults.items() if fault.startswith("truncated")]
    bad = [path for path, fault in faults.items() if fault not in NOT_FETCH_FAILURES]
    permanent = [path for path, fault in faults.items() if fault in PERMANENT]
    return {
        "good_pages": {
            "pages": len(good_ids),
            "loaded": len(good_ids) - len(missing),
            "same_hash_as_clean": len(same),
            "missing": missing[:20],
            "hash_differs": differs[:20],
        },
        "mislabelled_charset": {
            "pages": len(charset_paths),
            "title_decoded_right": sum(1 for title in charset_titles if title == CHARSET_TITLE),
            "with_replacement_char": sum(
                1 for a in charset_articles if a and "\ufffd" in a["title"] + a["body"]
            ),
            "flagged": sum(1 for path in charset_paths if path in flagged_urls),
            "titles": sorted({title for title in charset_titles if title}, key=str)[:3],
        },
        "by_fault": by_fault,
        "faulted_urls": faulted,
        "offsite_requests": [hit.path for hit in offsite_hits],
        "fault_server_requests_by_status": [
            dict(Counter(str(hit.status) for hit in run_hits)) for run_hits in hits
        ],
        "rerun_requested_faulted": {
            fault: figures["urls_requested_again"] for fault, figures in by_fault.items()
        },
        "_checks": {  # folded into `targets` by main()
            "good": len(same) == len(good_ids),
            # a fetches row with its reason, or (a page cut short that only parsing can tell) an
            # `issue` row and its extraction_issues row
            "bad_recorded": hostile["has_reason"]
            and all(
                any(
                    row["reason"] or (row["outcome"] == "issue" and path in problems) for row in rows[path][1]
                )
                for path in bad
            ),
            "charset": all(
                title == CHARSET_TITLE or path in flagged_urls
                for path, title in zip(charset_paths, charset_titles)
            ),
            "truncated": all(
                rows[path][1] and not any(row["outcome"] == "article" for row in rows[path][1])
                for path in truncated
            ),
            "permanent_not_again": not any(requests[1][path] for path in permanent),
        },
    }


# --- the whole benchmark -------------------------------------------------------------------------


def assign_faults(paths: list[str], share: float, seed: int, names: list[str]) -> dict[str, str]:
    """`share` of the paths, chosen by `seed`, get the faults round-robin (in path order)."""
    chosen = sorted(random.Random(seed).sample(range(len(paths)), round(len(paths) * share)))
    return {paths[i]: names[n % len(names)] for n, i in enumerate(chosen)}


def request_deadline() -> tuple[float, str]:
    """The fetcher's total deadline per request when it has one, else today's per-read timeout."""
    from kabar import http

    deadline = next((f for f in dataclasses.fields(http.Crawl) if f.name == "deadline"), None)
    if deadline is not None and isinstance(deadline.default, int | float):
        return float(deadline.default), "kabar.http.Crawl.deadline"
    return float(http.TIMEOUT[1]), "kabar.http.TIMEOUT (read timeout: no total deadline in this code)"


def code_state() -> dict:
    """Which code ran: the commit and the files that differ from it (read-only git calls)."""

    def git(*command: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=20,
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"root": str(ROOT), "commit": commit, "modified_files": changed.splitlines() if changed else []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--fault-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated; default: all")
    parser.add_argument("--request-deadline", type=float, help="seconds; default: the fetcher's own")
    parser.add_argument("--run-timeout", type=float, help="seconds per hostile run (see above)")
    parser.add_argument("--clean-timeout", type=float, default=900.0)
    parser.add_argument("--max-rss-mb", type=float, default=8192.0)
    parser.add_argument("--hold-s", type=float, default=120.0, help="how long a hang or a trickle lasts")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scenario:
        return scenario(args)
    names = [name.strip() for name in args.faults.split(",") if name.strip()]
    if unknown := sorted(set(names) - set(FAULTS)):
        parser.error(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    if args.request_deadline:
        deadline, deadline_source = args.request_deadline, "--request-deadline"
    else:
        deadline, deadline_source = request_deadline()
    report = {
        "benchmark": "hostile",
        "pages": args.pages,
        "fault_share": args.fault_share,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "code": code_state(),
        "request_deadline_s": deadline,
        "request_deadline_from": deadline_source,
    }
    with tempfile.TemporaryDirectory(prefix="kabar-hostile-") as tmp:
        work = Path(tmp)
        urls = generate(work / "mirror", args.pages, args.seed)
        paths = [urlsplit(url).path for url in urls]
        faults = assign_faults(paths, args.fault_share, args.seed, names)
        report["faulted"] = {"urls": len(faults), "faults": dict(Counter(faults.values()))}
        say(f"{len(paths)} pages under {work / 'mirror'}, {len(faults)} of them faulted")
        for name in ("clean", "hostile"):
            (work / name).mkdir()
        clean_db, hostile_db = work / "clean" / "warehouse.duckdb", work / "hostile" / "warehouse.duckdb"
        with serve(work / "mirror") as mirror:
            clean = run_scenario(
                "clean", mirror.base_url, clean_db, work / "clean" / "archive", args, args.clean_timeout
            )
        timeout = args.run_timeout or 3 * clean["wall_s"] + deadline + 60
        with serve_faults(work / "mirror", faults, hold_s=args.hold_s) as server:
            say(f"fault server at {server.base_url}, offsite stand-in at {server.offsite.base_url}")
            first = run_scenario(
                "hostile", server.base_url, hostile_db, work / "hostile" / "archive", args, timeout
            )
            mark = len(server.hits)
            after_first = read_warehouse(hostile_db)
            second = run_scenario(
                "hostile-rerun", server.base_url, hostile_db, work / "hostile" / "archive", args, timeout
            )
            hits = (server.hits[:mark], server.hits[mark:])
            offsite_hits = list(server.offsite.hits)
        say("reading the warehouses")
        clean_wh, hostile_wh = read_warehouse(clean_db), read_warehouse(hostile_db)
    found = analyse(paths, faults, clean_wh, after_first, hostile_wh, hits, offsite_hits)
    checks = found.pop("_checks")
    report["runs"] = {
        "clean": clean | {"articles": len(clean_wh["articles"])},
        "hostile": first,
        "hostile_rerun": second,
        "hostile_articles_after_run1": len(after_first["articles"]),
        "hostile_articles_after_run2": len(hostile_wh["articles"]),
        "hostile_run_status": [status for _, status in hostile_wh["runs"]],
        "run_timeout_s": round(timeout, 1),
    }
    report["fetches_reason_column"] = hostile_wh["has_reason"]
    report |= found
    refused = set(first.get("connections_refused") or []) | set(second.get("connections_refused") or [])
    report["connections_refused"] = sorted(refused)
    report["targets"] = {
        "run_completes": first["completed"] and second["completed"],
        "good_pages_loaded_with_clean_text": checks["good"],
        "bad_urls_recorded_with_reason": checks["bad_recorded"],
        "no_request_out_of_scope": not offsite_hits and not refused,
        "peak_rss_within_1_5x_clean": first["peak_rss_mb"] <= 1.5 * clean["peak_rss_mb"],
        "wall_within_3x_clean_plus_deadline": first["completed"]
        and first["wall_s"] <= 3 * clean["wall_s"] + deadline,
        "rerun_requests_no_permanently_failed_url": second["completed"] and checks["permanent_not_again"],
        "mislabelled_charset_decoded_or_flagged": checks["charset"],
        "truncated_pages_not_loaded_as_articles": checks["truncated"],
    }
    report["figures"] = {
        "clean_wall_s": clean["wall_s"],
        "hostile_wall_s": first["wall_s"],
        "wall_limit_s": round(3 * clean["wall_s"] + deadline, 2),
        "clean_peak_rss_mb": clean["peak_rss_mb"],
        "hostile_peak_rss_mb": first["peak_rss_mb"],
        "rss_limit_mb": round(1.5 * clean["peak_rss_mb"], 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
