"""What the flows show in Prefect: kabar's own log lines among the run's logs, run names that say what
and when, a progress line per batch, and the run's summary as artifacts."""

import logging
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.logging.handlers import APILogHandler
from prefect.runtime import flow_run

from kabar import progress, report
from kabar.health import Tally, Verdict

PACKAGE_LOGGER = "kabar"


def forward_logs() -> None:
    """Send the `kabar` loggers' records to the run's Prefect logs, as PREFECT_LOGGING_EXTRA_LOGGERS=kabar
    does (Prefect copies the handlers of `prefect.extra` onto each extra logger when it sets up logging):
    done here at run time, so a worker's flow run, `kabar run` and `kabar serve` need no setting."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    for handler in logging.getLogger("prefect.extra").handlers:
        if handler not in logger.handlers:
            logger.addHandler(handler)
    if logger.level == logging.NOTSET:  # else the root's WARNING would hide kabar's INFO lines
        logger.setLevel(logging.INFO)


def flush_logs() -> None:
    """Send the run's log lines now: a flow process that exits right after its last lines could lose
    them (seen in the deployment test: the final progress line never reached the API)."""
    APILogHandler().flush()


def run_name(kind: str | None = None):
    """A `flow_run_name` callable: `<kind>-<site>-<start, UTC, to the minute>`, either part left out
    when absent: tempo-2026-12-01T13:30, reparse-tempo-2026-12-01T13:30, maintenance-2026-12-01T03:40."""

    def name() -> str:
        site = flow_run.parameters.get("site")
        what = "-".join(part for part in (kind, site) if part) or "run"
        started = flow_run.scheduled_start_time or datetime.now(UTC)
        return f"{what}-{started.astimezone(UTC):%Y-%m-%dT%H:%M}"

    return name


class Batches:
    """Pages done of the run's total, and the time left at the pace so far: logged and reported
    (`kabar.progress`) after each batch."""

    def __init__(self, site: str, total: int) -> None:
        self.site, self.total, self.done = site, total, 0
        self.started = time.monotonic()

    def step(self, pages: int, errors: int) -> None:
        self.done += pages
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done) if self.done else None
        get_run_logger().info(report.progress_line(self.site, self.done, self.total, errors, left))
        progress.report(progress.Progress(f"{self.site} pages", self.done, self.total, left))


def publish(site: str, counts: Mapping[str, int], tally: Tally, verdicts: Sequence[Verdict]) -> None:
    """The run's summary (markdown) and its per-site figures (table) as artifacts of the flow run."""
    key = re.sub(r"[^a-z0-9-]+", "-", site.lower())  # artifact keys: lowercase letters, digits, dashes
    create_markdown_artifact(
        report.summary(site, counts, tally, verdicts),
        key=f"{key}-run-summary",
        description=f"{site}: the run",
    )
    create_table_artifact(
        [report.figures(site, counts, tally, verdicts)],
        key=f"{key}-run-figures",
        description=f"{site}: counts and health measures",
    )


def publish_table(key: str, rows: list[dict], description: str) -> None:
    """A run's figures as a table artifact (reparse, maintenance)."""
    create_table_artifact(rows, key=key, description=description)
