"""The reparse flow: archived pages -> extract -> dedup -> load, with no network, after a rule or
parser change. One `crawl_runs` row (kind `reparse`) per site; no `fetches` rows, no failure memory.

With `dask_address` (a running scheduler) or `dask_workers` (a LocalCluster of that many worker
processes) the extraction, parse and clean, runs on a Dask cluster through prefect-dask's
`DaskTaskRunner`, a few batches ahead of the load; reading the archive and loading the warehouse stay
in this process (one writer), and batches are loaded in the same order, so the warehouse ends the same.
"""

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from kabar.config import load as load_config
from kabar.flows.observe import Batches, forward_logs, publish_table, run_name
from kabar.records import FetchedPage, RunFailed
from kabar.sites import Site, get_site
from kabar.tasks.dedup import dedup_batch
from kabar.tasks.load import finish_run, load_reparsed, start_run
from kabar.tasks.reparse import (
    Continuations,
    Needs,
    Parcel,
    Result,
    Unreadable,
    archived_source,
    continuation,
    extract_archived,
    extract_pages,
    fetched_sites,
    pages_to_reparse,
    read_pages,
    warehouse_exists,
)

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner

COUNTS = ("pages", "articles_updated", "articles_new", "issues", "issues_resolved", "unchanged")
EXTRA = ("duplicates", "near_duplicates", "missing")  # also reported: pages whose archive file is gone
COLUMNS = {  # crawl_runs columns for the counts it keeps
    "pages": "pages_reparsed",
    "articles_updated": "articles_updated",
    "articles_new": "articles_new",
    "issues": "issues",
    "issues_resolved": "issues_resolved",
    "unchanged": "pages_unchanged",
    "duplicates": "duplicates",
    "near_duplicates": "near_duplicates",
}
# Pages on the cluster at once, at most: their archive files are held in memory here (~40 KB each, so
# ~640 MB). A cluster with more threads than this allows batches of 1,000 pages wants smaller batches.
MAX_PAGES_AHEAD = 16_000
DASK_CONNECT_TIMEOUT_S = 10


@flow(name="reparse", log_prints=True, flow_run_name=run_name("reparse"))
def reparse(
    site: str | None = None,
    since: date | None = None,
    layout: str | None = None,
    warehouse: str | None = None,
    archive: str | None = None,
    batch_size: int = 1000,
    dask_address: str | None = None,
    dask_workers: int = 0,
) -> dict[str, int]:
    """Parse again every page's latest archived fetch (of `site`, else of every site ingested; fetched
    since `since`; with `layout`, only articles of that layout and pages with an open issue) and
    load what changed. Extraction runs on the Dask scheduler at `dask_address`, or on a local cluster
    of `dask_workers` processes (0: in this process). Returns pages, articles_updated, articles_new,
    issues, issues_resolved, unchanged (and duplicates, near_duplicates, missing)."""
    forward_logs()
    config = load_config()
    db_path, archive_dir = str(warehouse or config.warehouse), str(archive or config.archive)
    if not warehouse_exists(db_path):
        raise RunFailed(f"no warehouse at {db_path}: nothing was ingested to reparse")
    names = [get_site(site).name] if site else fetched_sites(db_path)
    run_id = flow_run.get_id() or str(uuid4())
    totals, rows = dict.fromkeys(COUNTS + EXTRA, 0), []
    with dask_runner(dask_address, dask_workers) as runner:
        for name in names:
            one = run_id if len(names) == 1 else f"{run_id}:{name}"
            counts = _reparse_site(
                get_site(name), one, db_path, archive_dir, since, layout, batch_size, runner
            )
            _add(totals, counts)
            rows.append({"site": name, **counts})
    publish_table("reparse-figures", rows, "pages parsed again and what changed, per site")
    get_run_logger().info("reparse %s: %s", run_id, totals)
    return totals


def _reparse_site(
    site: Site,
    run_id: str,
    db_path: str,
    archive_dir: str,
    since: date | None,
    layout: str | None,
    batch_size: int,
    runner: "DaskTaskRunner | None" = None,
) -> dict[str, int]:
    start_run(db_path, run_id, site.name, _now(), kind="reparse")
    counts = dict.fromkeys(COUNTS + EXTRA, 0)
    try:  # whatever happens, the run's row says how it ended
        pages = pages_to_reparse(db_path, site, archive_dir, since, layout)
        batches = Batches(site.name, len(pages))
        chunks = [pages[start : start + batch_size] for start in range(0, len(pages), batch_size)]
        if runner is None:
            extracted = (extract_archived(db_path, site, archive_dir, quote(batch)) for batch in chunks)
        else:
            extracted = _on_cluster(runner, site, archived_source(db_path, site, archive_dir), chunks)
        for batch, (results, missing) in zip(chunks, extracted, strict=True):
            _add(counts, _load_batch(db_path, run_id, batch, results, missing))
            batches.step(len(batch), counts["missing"])
    except BaseException:
        finish_run(db_path, run_id, _now(), "failed", _columns(counts))
        raise
    finish_run(db_path, run_id, _now(), "completed", _columns(counts))
    return counts


def _load_batch(
    db_path: str, run_id: str, batch: list[FetchedPage], results: dict[str, Result], missing: list[str]
) -> dict[str, int]:
    parsed = [page for page in batch if page.url in results]
    # quote(): no futures inside, so Prefect need not walk every page and result (see flows/ingest.py)
    plan = dedup_batch(db_path, quote(parsed), quote(results))
    loaded = load_reparsed(db_path, run_id, quote(parsed), quote(plan))
    return {"pages": len(parsed), "missing": len(missing)} | {
        name: loaded[name] for name in COUNTS + EXTRA if name in loaded
    }


# --- on a Dask cluster -------------------------------------------------------------------------------


@contextmanager
def dask_runner(address: str | None, workers: int) -> Iterator["DaskTaskRunner | None"]:
    """A started DaskTaskRunner connected to its scheduler (None without Dask); the local cluster it
    started, if any, is closed on the way out."""
    if workers < 0 or (address and workers):
        raise RunFailed("dask_workers: a number of local workers (0: no Dask), not with dask_address")
    if not address and not workers:
        yield None
        return
    from prefect_dask import DaskTaskRunner

    runner = (
        DaskTaskRunner(address=address, client_kwargs={"timeout": DASK_CONNECT_TIMEOUT_S})
        if address
        else DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
        )
    )
    with runner:
        try:
            runner.client  # noqa: B018 - connects (and starts a local cluster) now, to fail early
        except (OSError, TimeoutError, ValueError) as error:
            where = f"at {address}" if address else f"of a local cluster of {workers} workers"
            raise RunFailed(f"no Dask scheduler {where}: {_one_line(error)}") from None
        yield runner


class _Batch:
    """One batch's pages, read here and extracted on the cluster as one task (a Prefect task run costs
    tenths of a second: a batch pays for it); pages that need a continuation page go again with it
    (read here) until every page has its result."""

    def __init__(self, runner: "DaskTaskRunner", site: Site, source, batch: list[FetchedPage]) -> None:
        self.runner, self.site, self.source = runner, site, source
        self.read, self.missing = read_pages(batch)
        self.more: Continuations = {}
        self.pending, self.future = self.read, self._submit(self.read)

    def _submit(self, read: list[tuple[FetchedPage, bytes]]):
        parcel = Parcel(read, dict(self.more))  # a copy: the client may send it after this returns
        return self.runner.submit(extract_pages, {"site": self.site, "parcel": parcel})

    def result(self) -> tuple[dict[str, Result], list[str]]:
        results: dict[str, Result] = {}
        while self.pending:
            again = []
            for (page, stored), result in zip(self.pending, self.future.result(), strict=True):
                if isinstance(result, Needs):
                    if result.url not in self.more:
                        self.more[result.url] = continuation(self.source, result.url)
                    again.append((page, stored))
                elif isinstance(result, Unreadable):
                    self.missing.append(page.url)
                else:
                    results[page.url] = result
            self.pending = again
            if again:
                self.future = self._submit(again)
        return {page.url: results[page.url] for page, _ in self.read if page.url in results}, self.missing


def _on_cluster(
    runner: "DaskTaskRunner", site: Site, source, chunks: Iterable[list[FetchedPage]]
) -> Iterator[tuple[dict[str, Result], list[str]]]:
    """Each batch's results, in order; while one is loaded, one more batch than the cluster has
    threads is on the cluster, so no worker waits for this process."""
    ahead: deque[_Batch] = deque()
    ahead_most = sum(runner.client.nthreads().values()) + 1
    for batch in chunks:
        ahead_most = max(1, min(ahead_most, MAX_PAGES_AHEAD // max(len(batch), 1)))
        ahead.append(_Batch(runner, site, source, batch))
        if len(ahead) > ahead_most:
            yield ahead.popleft().result()
    while ahead:
        yield ahead.popleft().result()


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _columns(counts: dict[str, int]) -> dict[str, int]:
    return {column: counts[name] for name, column in COLUMNS.items()}


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] += value


def _now() -> datetime:
    return datetime.now(UTC)
