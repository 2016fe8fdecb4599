"""What an operator sees in Prefect, read back from the API of the test harness: kabar's own warnings
among the flow run's logs, run names that say site and start, the summary and figures artifacts of a
healthy and of a failed run, and progress after each batch."""

import json
import re
import shutil
from datetime import UTC, datetime

import pytest

from kabar import progress
from kabar.mirror import serve
from tests.conftest import mirror_of

pytestmark = pytest.mark.e2e
NAME = re.compile(r"(?P<what>[a-z-]+)-(?P<start>\d{4}-\d\d-\d\dT\d\d:\d\d)$")


@pytest.fixture(scope="module")
def healthy(prefect_api, tmp_path_factory):
    """One ingest of a tempo mirror missing one sitemap (discovery warns about it), in batches of 4:
    (flow run id, counts, progress reports, work folder)."""
    from kabar.flows.ingest import ingest

    work = tmp_path_factory.mktemp("observed")
    root = _mirror_copy(work)
    (root / "sitemap" / "2015-11-en.xml").unlink()
    reports: list[progress.Progress] = []
    with serve(root) as mirror, progress.listening(reports.append):
        state = ingest(
            site="tempo",
            base_url=mirror.base_url,
            warehouse=str(work / "w.sqlite"),
            archive=str(work / "archive"),
            delay=0.0,
            batch_size=4,
            limit=10,
            return_state=True,
        )
    assert state.is_completed()
    return state.state_details.flow_run_id, state.result(), reports, work


def _mirror_copy(work):
    root = work / "mirror"
    shutil.copytree(mirror_of("tempo"), root)
    return root


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _logs(flow_run_id) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # the handler sends in the background
    with _client() as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [log.message for log in logs]


def _artifacts(flow_run_id) -> dict:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with _client() as client:
        found = client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return {artifact.key: artifact for artifact in found}


def _name(flow_run_id) -> re.Match:
    with _client() as client:
        name = client.read_flow_run(flow_run_id).name
    match = NAME.match(name)
    assert match, name
    started = datetime.strptime(match["start"], "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - started).total_seconds()) < 15 * 60
    return match


def test_kabar_warnings_reach_the_flow_runs_logs(healthy):
    flow_run_id, *_ = healthy
    messages = _logs(flow_run_id)
    skipped = [m for m in messages if m.startswith("discovery source") and "2015-11-en.xml" in m]
    assert skipped and "skipped" in skipped[0]  # logged by kabar.tasks.discover, a plain Python logger


def test_each_batch_logs_and_reports_pages_done_and_time_left(healthy):
    flow_run_id, counts, reports, _ = healthy
    assert [(r.work, r.done, r.total) for r in reports] == [("tempo pages", n, 10) for n in (4, 8, 10)]
    assert all(r.seconds_left is not None and r.seconds_left >= 0 for r in reports)
    assert reports[-1].seconds_left == 0
    lines = [m for m in _logs(flow_run_id) if re.match(r"tempo: \d+/10 pages, \d+ failed", m)]
    assert [line.split()[1] for line in lines] == ["4/10", "8/10", "10/10"]
    assert "left" in lines[0]


def test_the_run_is_named_after_the_site_and_its_start(healthy):
    assert _name(healthy[0])["what"] == "tempo"


def test_a_healthy_run_publishes_its_summary_and_figures(healthy):
    flow_run_id, counts, _, _ = healthy
    artifacts = _artifacts(flow_run_id)
    assert set(artifacts) == {"tempo-run-summary", "tempo-run-figures"}
    summary = artifacts["tempo-run-summary"]
    assert summary.type == "markdown"
    assert summary.data.startswith("# tempo: healthy")
    assert f"| articles_new | {counts['articles_new']} |" in summary.data
    assert "## Field fill rates" in summary.data and "| title | 100.0% |" in summary.data
    assert "| ok | tempo: missing_author_rate " in summary.data
    table = artifacts["tempo-run-figures"]
    assert table.type == "table"
    [row] = json.loads(table.data)
    assert (row["site"], row["verdict"]) == ("tempo", "passed")
    assert row["articles_new"] == counts["articles_new"] > 0
    assert row["urls_discovered"] == counts["urls_discovered"]


def test_a_failed_run_publishes_failures_with_example_urls(prefect_api, tmp_path):
    from kabar.flows.ingest import ingest

    root = _mirror_copy(tmp_path)
    for page in root.rglob("*.html"):
        if "indeks" not in page.parts:
            page.unlink()  # the sitemaps still list every article: each answers 404
    with serve(root) as mirror:
        state = ingest(
            site="tempo",
            base_url=mirror.base_url,
            warehouse=str(tmp_path / "w.sqlite"),
            archive=str(tmp_path / "archive"),
            delay=0.0,
            limit=6,
            return_state=True,
        )
    assert state.is_failed()
    flow_run_id = state.state_details.flow_run_id
    summary = _artifacts(flow_run_id)["tempo-run-summary"].data
    assert summary.startswith("# tempo: FAILED")
    [failures] = [line for line in summary.splitlines() if line.startswith("| fetch | http_404 |")]
    assert failures.startswith("| fetch | http_404 | 6 | ") and f"{mirror.base_url}/" in failures
    assert "| FAIL | tempo: fetch_error_rate 1 over 6 pages requested" in summary
    assert any("health gate: tempo: fetch_error_rate" in m for m in _logs(flow_run_id))


def test_reparse_and_maintenance_runs_are_named_too(healthy):
    from kabar.flows.maintenance import maintenance
    from kabar.flows.reparse import reparse

    work = healthy[3]
    where = {"warehouse": str(work / "w.sqlite"), "archive": str(work / "archive")}
    reparsed = reparse(site="tempo", **where, return_state=True).state_details.flow_run_id
    assert _name(reparsed)["what"] == "reparse-tempo"
    [row] = json.loads(_artifacts(reparsed)["reparse-figures"].data)
    assert row["site"] == "tempo" and row["pages"] == healthy[1]["articles_new"] + row["issues"]
    maintained = maintenance(**where, return_state=True).state_details.flow_run_id
    assert _name(maintained)["what"] == "maintenance"
    [report] = json.loads(_artifacts(maintained)["maintenance-report"].data)
    assert report["catalog_bytes"] > 0


def test_a_slow_fetch_batch_says_how_far_it_got(prefect_api, tmp_path, monkeypatch):
    """A batch that takes long (here 4 pages at 0.4 s apart, reported every 0.3 s) logs its progress
    while it runs, not only once it is done."""
    from prefect import flow

    from kabar.http import Crawl
    from kabar.sites import get_site
    from kabar.tasks import fetch
    from kabar.tasks.fetch import fetch_batch

    monkeypatch.setattr(fetch, "REPORT_EVERY", 0.3)
    urls = ["/read/1772001/gletser-di-patagonia-menyusut-lebih-cepat-dari-perkiraan"] * 4

    @flow
    def fetch_slowly(base_url: str) -> list:
        crawl = Crawl(
            archive_dir=str(tmp_path / "archive"),
            base_url=base_url,
            hosts=get_site("tempo").domains,
            min_delay=0.4,
            max_workers=1,
        )
        pages = fetch_batch(
            crawl, [crawl.locate(f"https://www.tempo.co{path}?n={n}") for n, path in enumerate(urls)]
        )
        assert [page.status for page in pages] == [200] * 4
        return pages

    with serve(mirror_of("tempo")) as mirror:
        state = fetch_slowly(mirror.base_url, return_state=True)
    assert state.is_completed()
    lines = [line for line in _logs(state.state_details.flow_run_id) if line.startswith("fetching: ")]
    assert lines, "no progress line while the batch ran"
    done = [int(re.match(r"fetching: (\d+)/4", line)[1]) for line in lines]
    assert done == sorted(done) and done[0] < 4
