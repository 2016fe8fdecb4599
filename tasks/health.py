"""health: judge a run's measures against the floors and the site's baseline; keep the verdicts."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.health import Tally, Thresholds, Verdict, judge
from kabar.warehouse import health
from kabar.warehouse.db import session


@task(name="health-check", cache_policy=NO_CACHE)
def check_health(
    db_path: str, run_id: str, tally: Tally, limits: Thresholds, checked_at: datetime
) -> list[Verdict]:
    """Every measure's verdict, stored in `health_checks` (the baseline: the site's recent healthy runs)."""
    with session(db_path) as con:
        verdicts = judge(tally.site, tally, health.baseline(con, tally.site, limits.baseline_runs), limits)
        health.record(con, run_id, tally.site, verdicts, checked_at)
    return verdicts
