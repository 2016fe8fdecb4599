"""The reads `kabar status` needs: each site's last runs with their health gate verdicts, and how fresh
each site's articles are. Read-only; a warehouse older than the health gates (no `health_checks`)
has runs without verdicts."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from kabar.warehouse.db import data_path, is_postgres

LAST_RUNS = """
SELECT run_id, site, coalesce(kind, 'ingest'), status, started_at, finished_at, coalesce(articles_new, 0),
       coalesce(articles_updated, 0), coalesce(fetch_errors, 0), coalesce(issues, 0)
FROM (SELECT *, row_number() OVER (PARTITION BY site ORDER BY started_at DESC) AS nth FROM crawl_runs)
WHERE nth <= $runs
ORDER BY site, started_at DESC
"""

FRESHNESS = """
SELECT site, count(*), max(published_at), max(version_seen_at)
FROM articles GROUP BY site ORDER BY site
"""

LAST_FETCH = """
SELECT r.site, max(f.fetched_at)
FROM fetches f JOIN crawl_runs r USING (run_id)
WHERE f.status = 200 GROUP BY r.site
"""

HEALTH = """
SELECT run_id, measure, value, baseline, threshold, passed, message
FROM health_checks WHERE run_id IN (SELECT unnest($runs::VARCHAR[]))
ORDER BY run_id, passed, measure
"""


@dataclass(frozen=True)
class Gate:
    measure: str
    value: float | None
    baseline: float | None
    threshold: float | None
    passed: bool
    message: str | None


@dataclass(frozen=True)
class Run:
    run_id: str
    site: str
    kind: str  # ingest, reparse
    status: str  # running, completed, failed, abandoned
    started_at: datetime
    finished_at: datetime | None
    new: int  # articles new
    changed: int  # articles updated
    failed: int  # fetch errors
    issues: int  # pages that were no article
    gates: tuple[Gate, ...] | None = None  # None: no verdicts recorded (an older warehouse, a reparse)


@dataclass(frozen=True)
class Freshness:
    site: str
    articles: int = 0
    newest_published: datetime | None = None
    newest_version: datetime | None = None
    newest_fetch: datetime | None = None  # the last page that came back


@dataclass(frozen=True)
class Status:
    runs: tuple[Run, ...] = ()
    freshness: dict[str, Freshness] = field(default_factory=dict)


def read_status(con, runs: int = 5) -> Status:
    found = [Run(*row) for row in con.execute(LAST_RUNS, {"runs": runs}).fetchall()]
    gates = _gates(con, [run.run_id for run in found]) if _has_table(con, "health_checks") else None
    if gates is not None:
        found = [_with_gates(run, gates.get(run.run_id, ())) for run in found]
    return Status(runs=tuple(found), freshness=_freshness(con))


def _with_gates(run: Run, gates: tuple[Gate, ...]) -> Run:
    return replace(run, gates=gates or None)


def _gates(con, run_ids: list[str]) -> dict[str, tuple[Gate, ...]]:
    found: dict[str, list[Gate]] = {}
    for run_id, *rest in con.execute(HEALTH, {"runs": run_ids}).fetchall():
        found.setdefault(run_id, []).append(Gate(*rest))
    return {run_id: tuple(gates) for run_id, gates in found.items()}


def _freshness(con) -> dict[str, Freshness]:
    fetched = dict(con.execute(LAST_FETCH).fetchall())
    found = {
        site: Freshness(site, *rest, newest_fetch=fetched.get(site))
        for site, *rest in con.execute(FRESHNESS).fetchall()
    }
    for site, when in fetched.items():
        found.setdefault(site, Freshness(site, newest_fetch=when))
    return found


def _has_table(con, name: str) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0]
    )


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under `path`, 0 and 0 when it does not exist."""
    total = files = 0
    for item in Path(path).rglob("*") if Path(path).is_dir() else ():
        if item.is_file():
            total, files = total + item.stat().st_size, files + 1
    return total, files


def warehouse_size(location: str | Path) -> int:
    """The catalog file and the data files, in bytes (a PostgreSQL catalog: the data files alone)."""
    catalog = 0 if is_postgres(location) or not Path(location).is_file() else Path(location).stat().st_size
    return catalog + folder_size(data_path(location))[0]


STILL_RUNNING = "status = 'running' AND run_id IN (SELECT unnest($runs::VARCHAR[]))"


def abandon_runs(con, run_ids: list[str]) -> int:
    """Runs Prefect ended (cancelled, crashed) whose rows still say `running` (the process was killed
    before its failure path could write): `abandoned`, ended when last seen. Returns how many."""
    runs = {"runs": run_ids}
    still = con.execute(f"SELECT count(*) FROM crawl_runs WHERE {STILL_RUNNING}", runs).fetchone()[0]
    if still:  # DuckLake has no UPDATE ... RETURNING: counted first
        con.execute(
            "UPDATE crawl_runs SET status = 'abandoned', finished_at = coalesce(last_seen_at, started_at)"
            f" WHERE {STILL_RUNNING}",
            runs,
        )
    return still
