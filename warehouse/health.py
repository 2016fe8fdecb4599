"""The health gates' table: each run's verdicts written, and the baseline of a site's recent healthy
runs read back (kabar/health.py judges)."""

from collections.abc import Iterable
from datetime import datetime

from kabar.health import Verdict
from kabar.warehouse.db import sql


def baseline(con, site: str, runs: int) -> dict[str, float]:
    """Each measure's mean over the site's last `runs` healthy runs (empty for a new site)."""
    return dict(con.execute(sql("health_baseline.sql"), {"site": site, "runs": runs}).fetchall())


def record(con, run_id: str, site: str, verdicts: Iterable[Verdict], checked_at: datetime) -> None:
    """The run's verdicts; a run checked again (a retried flow) keeps the latest."""
    rows = [
        (run_id, site, v.measure, v.value, v.baseline, v.threshold, v.passed, v.message, checked_at)
        for v in verdicts
    ]
    con.begin()
    try:
        con.execute("DELETE FROM health_checks WHERE run_id = ? AND site = ?", [run_id, site])
        if rows:
            con.executemany("INSERT INTO health_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise
