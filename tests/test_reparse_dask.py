"""The reparse flow on a Dask cluster (prefect-dask) gives the warehouse a reparse in-process gives.

Real parts: the ingest flow fills a warehouse and archive from the tempo mirror over HTTP, the
Prefect test harness, real Dask clusters on 127.0.0.1 (one started here, one by the flow), each
stopped at the end; the warehouses are compared by bench.crash's content digest."""

import shutil
import socket

import pytest

from bench.crash import digest_of
from kabar.records import RunFailed
from kabar.sites import get_site
from kabar.warehouse.db import connect, data_path

pytestmark = pytest.mark.e2e
MULTI_PAGE = "tempo:1772396"  # page 2 comes from the archive: on a cluster, through a second round
DROPPED_RULE = "ad_label"  # the ingest ran without it; a reparse with the site's rules cleans again
CLUSTER_START_S = 120  # a local cluster on a busy 2-core machine


@pytest.fixture(scope="module")
def ingested(prefect_api, tmp_path_factory):
    """(warehouse, archive) of one ingest of the tempo mirror by a site that lacked a cleaning rule."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    site = get_site("tempo")
    db = tmp_path_factory.mktemp("ingested") / "warehouse.duckdb"
    archive = db.parent / "archive"
    with pytest.MonkeyPatch.context() as patch, serve(site.mirror) as mirror:
        patch.setattr(site, "boilerplate", tuple(r for r in site.boilerplate if r.name != DROPPED_RULE))
        ingest(site="tempo", base_url=mirror.base_url, warehouse=str(db), archive=str(archive), delay=0.0)
    return db, archive


@pytest.fixture(scope="module")
def scheduler():
    """A running Dask cluster: 2 worker processes, 1 thread each."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, timeout=CLUSTER_START_S
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def in_process(ingested, tmp_path_factory):
    """The in-process reparse's counts and content digest: what every cluster must match."""
    return reparse(copy_of(ingested, tmp_path_factory.mktemp("in-process") / "db"), ingested[1])


def copy_of(ingested, folder) -> str:
    db = ingested[0]
    folder.mkdir(exist_ok=True)
    shutil.copy(db, folder / db.name)
    shutil.copytree(data_path(db), data_path(folder / db.name))
    return str(folder / db.name)


def reparse(db: str, archive, **dask) -> tuple[dict[str, int], dict]:
    """The flow's counts and the warehouse's content digest afterwards."""
    from kabar.flows.reparse import reparse as flow

    counts = flow(site="tempo", warehouse=db, archive=str(archive), batch_size=16, **dask)
    return counts, digest_of(db)["tables"]


def rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


def broken(db, archive, url_like: str) -> None:
    """Corrupt the archived page fetched at the URL like `url_like`."""
    (digest,) = rows(db, "SELECT DISTINCT content_hash FROM fetches WHERE url LIKE ?", url_like)[0]
    (archive / digest[:2] / f"{digest}.html.gz").write_bytes(b"not gzip")


def test_a_cluster_loads_what_the_process_loads(ingested, in_process, scheduler, tmp_path):
    there_db = copy_of(ingested, tmp_path / "there")
    tasks_before = scheduler.scheduler.transition_counter
    there = reparse(there_db, ingested[1], dask_address=scheduler.scheduler_address)
    assert scheduler.scheduler.transition_counter > tasks_before  # the work went to the cluster
    assert there == in_process
    counts = there[0]
    assert counts["articles_updated"] > 0 and counts["issues"] == 1  # the rule cleaned; the cut-off page
    assert counts["pages"] == counts["articles_updated"] + counts["unchanged"] + counts["issues"]
    assert rows(there_db, "SELECT page_count FROM articles WHERE article_id = ?", MULTI_PAGE) == [(2,)]
    assert rows(there_db, "SELECT count(*) FROM removals WHERE rule = ?", DROPPED_RULE)[0][0] > 0


def test_a_gone_continuation_page_and_a_gone_page_end_the_same(ingested, scheduler, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(ingested[1], archive)
    for url in ("%1772396%page_num=2%", "%1772314%"):  # page 2 of the multi-page article; a page 1
        broken(ingested[0], archive, url)
    here = reparse(copy_of(ingested, tmp_path / "here"), archive)
    there_db = copy_of(ingested, tmp_path / "there")
    there = reparse(there_db, archive, dask_address=scheduler.scheduler_address)
    assert there == here
    assert there[0]["missing"] == 1
    problems = rows(there_db, "SELECT problem, detail FROM extraction_issues WHERE resolved_at IS NULL")
    assert ("continuation_failed" in {problem for problem, _ in problems}) and len(problems) == 2


def test_a_local_cluster_is_started_for_the_run_and_stopped(ingested, in_process, tmp_path):
    import psutil

    before = {child.pid for child in psutil.Process().children(recursive=True)}
    assert reparse(copy_of(ingested, tmp_path / "there"), ingested[1], dask_workers=2) == in_process
    left = [c for c in psutil.Process().children(recursive=True) if c.pid not in before and c.is_running()]
    assert [c for c in left if c.status() != psutil.STATUS_ZOMBIE] == []


def test_an_address_and_a_worker_count_together_are_refused(ingested, tmp_path):
    with pytest.raises(RunFailed, match="dask_workers"):
        reparse(
            copy_of(ingested, tmp_path / "db"), ingested[1], dask_address="tcp://127.0.0.1:1", dask_workers=2
        )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_scheduler_at_the_address_fails_the_run_in_one_line(ingested, tmp_path, capfd, monkeypatch):
    from kabar import cli
    from kabar.flows import reparse as flow

    monkeypatch.setattr(flow, "DASK_CONNECT_TIMEOUT_S", 2)
    db = copy_of(ingested, tmp_path / "db")
    address = f"tcp://127.0.0.1:{closed_port()}"
    argv = ["reparse", "--site", "tempo", "--warehouse", db, "--archive", str(ingested[1])]
    assert cli.main([*argv, "--dask-address", address]) == 1
    err = capfd.readouterr().err
    assert f"kabar: run failed: no Dask scheduler at {address}" in err and "Traceback" not in err
    assert rows(db, "SELECT count(*) FROM crawl_runs WHERE kind = 'reparse'") == [(0,)]  # nothing begun


@pytest.mark.parametrize(
    "options",
    [
        ["--dask-address", "no address"],
        ["--dask-address", "http://127.0.0.1:8786"],
        ["--dask-address", "tcp://127.0.0.1"],
        ["--dask-address", "tcp://127.0.0.1:99999"],
        ["--dask-address", "127.0.0.1:8786", "--dask-workers", "2"],
        ["--dask-workers", "0"],
    ],
)
def test_bad_dask_options_are_one_line_and_status_2(options, capsys, tmp_path):
    from kabar import cli

    assert cli.main(["reparse", "--warehouse", str(tmp_path / "w.duckdb"), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kabar: ") and err.count("\n") == 1 and "--dask" in err


def test_a_bare_host_and_port_mean_tcp():
    from kabar.cli import _dask_address

    assert _dask_address("127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert _dask_address("tls://scheduler.example:8786") == "tls://scheduler.example:8786"


@pytest.mark.parametrize(
    ("options", "parameters"),
    [
        ([], {}),
        (["--dask"], {"dask_workers": "cores"}),
        (["--dask-workers", "3"], {"dask_workers": 3}),
        (["--dask-address", "127.0.0.1:8786"], {"dask_address": "tcp://127.0.0.1:8786"}),
        (["--dask", "--dask-address", "tls://s:1"], {"dask_address": "tls://s:1"}),
    ],
)
def test_the_dask_options_reach_the_flow(options, parameters, monkeypatch, tmp_path, capsys):
    from kabar import cli
    from kabar.flows import reparse as flow

    calls = []
    monkeypatch.setattr(flow, "reparse", lambda **kwargs: calls.append(kwargs) or {})
    assert cli.main(["reparse", "--warehouse", str(tmp_path / "w.duckdb"), *options]) == 0
    expected = {k: cli.DASK_WORKERS if v == "cores" else v for k, v in parameters.items()}
    assert {k: v for k, v in calls[0].items() if k.startswith("dask")} == expected
