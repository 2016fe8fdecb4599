"""End to end over a hostile network: the ingest flow against the tempo mirror served by the fault
server, a fault on 16 of its 39 article URLs, beside a clean run of the same mirror. The run
completes, every good page is loaded as in the clean run, every bad URL has a `fetches` row with
its reason, nothing leaves scope, and the next run requests none of the failed URLs."""

import pytest

from kabar.mirror import serve
from kabar.warehouse.db import connect
from tests.conftest import mirror_of
from tests.faults import CHARSET_TITLE, serve_faults

pytestmark = pytest.mark.e2e
DEADLINE = 2.0
# A mirror page (its id) -> the fault it gets, and the reason its fetch ends with (None: loaded)
FAULTS = {
    "1772001": ("500-then-ok", None),
    "1772105": ("429", None),
    "1772340": ("mislabelled-charset", None),
    "1772120": ("hang", "deadline"),
    "1772380": ("trickle", "deadline"),
    "1772150": ("reset", "connection"),
    "1772166": ("truncated-length", "truncated"),
    "1772201": ("redirect-loop", "too_many_redirects"),
    "1772222": ("redirect-offsite", "out_of_scope"),
    "1772290": ("redirect-metadata", "out_of_scope"),
    "1772333": ("gzip-bomb", "too_large"),
    "1772350": ("oversized", "too_large"),
    "1772362": ("404", "http_404"),
    "1772371": ("410", "http_410"),
    "1772188": ("truncated-no-length", None),  # nothing on the wire says so: the page is an issue
    "1772385": ("gzip-twice", None),  # fetched whole, but what it holds is gzip still: an issue
}
ISSUES = {"1772188": "truncated", "1772385": "not_html"}  # faulted pages fetched but not loaded


def _paths() -> dict[str, str]:
    """Each faulted page's URL path in the mirror, by id."""
    root = mirror_of("tempo")
    found = {
        p.parent.name: "/" + p.relative_to(root).with_suffix("").as_posix()
        for p in root.glob("read/*/*.html")
    }
    return {article_id: found[article_id] for article_id in FAULTS}


def _ingest(base_url: str, db, archive) -> dict:
    from kabar.flows.ingest import ingest

    return ingest(
        site="tempo",
        base_url=base_url,
        warehouse=str(db),
        archive=str(archive),
        batch_size=10,
        delay=0.0,
        request_deadline=DEADLINE,
    )


@pytest.fixture(scope="module")
def runs(prefect_api, tmp_path_factory):
    """(clean warehouse, hostile warehouse, the fault server's hits per run, offsite hits)."""
    work = tmp_path_factory.mktemp("hostile")
    with serve(mirror_of("tempo")) as clean:
        _ingest(clean.base_url, work / "clean.duckdb", work / "clean-archive")
    faults = {path: FAULTS[article_id][0] for article_id, path in _paths().items()}
    with serve_faults(mirror_of("tempo"), faults, hold_s=10) as server:
        first = _ingest(server.base_url, work / "hostile.duckdb", work / "archive")
        first_hits = list(server.hits)
        second = _ingest(server.base_url, work / "hostile.duckdb", work / "archive")
        second_hits = server.hits[len(first_hits) :]
        offsite = list(server.offsite.hits) if server.offsite else []
    return work / "clean.duckdb", work / "hostile.duckdb", (first, second), (first_hits, second_hits), offsite


def _rows(db, query):
    with connect(db, read_only=True) as con:
        return con.execute(query).fetchall()


def test_every_good_page_is_loaded_as_in_a_clean_run(runs):
    clean, hostile, *_ = runs
    clean_hashes = dict(_rows(clean, "SELECT article_id, content_hash FROM articles"))
    loaded = dict(_rows(hostile, "SELECT article_id, content_hash FROM articles"))
    faulted = {f"tempo:{i}" for i, (_, reason) in FAULTS.items() if reason or i in ISSUES}
    good = set(clean_hashes) - faulted - {"tempo:1772340"}  # its text differs on purpose: see below
    assert {i: loaded.get(i) for i in good} == {i: clean_hashes[i] for i in good}
    assert not faulted & set(loaded)
    [(title,)] = _rows(hostile, "SELECT title FROM articles WHERE article_id = 'tempo:1772340'")
    assert CHARSET_TITLE in title


def test_every_bad_url_has_a_fetch_row_with_its_reason(runs):
    _, hostile, *_ = runs
    reasons = dict(_rows(hostile, "SELECT regexp_extract(url, '/read/(\\d+)/', 1), reason FROM fetches"))
    expected = {i: reason for i, (_, reason) in FAULTS.items() if reason}
    assert {i: reasons.get(i) for i in expected} == expected
    problems = _rows(
        hostile, "SELECT regexp_extract(url, '/read/(\\d+)/', 1), problem FROM extraction_issues"
    )
    assert {i: p for i, p in problems if i in ISSUES} == ISSUES


def test_no_request_leaves_scope(runs):
    *_, offsite = runs
    assert offsite == []


def test_the_next_run_requests_no_failed_url(runs):
    _, _, (first, second), (first_hits, second_hits), _ = runs
    failed = [path for article_id, path in _paths().items() if FAULTS[article_id][1]]
    assert all(any(hit.path.startswith(path) for hit in first_hits) for path in failed)
    assert [hit.path for hit in second_hits if any(hit.path.startswith(p) for p in failed)] == []
    assert second["urls_not_due"] >= len(failed)


def test_the_run_state_says_what_went_wrong(runs):
    _, hostile, (first, _), *_ = runs
    faulted = sum(1 for _, reason in FAULTS.values() if reason)
    assert first["fetch_errors"] == faulted + 1  # and the mirror's own 404, 1772398
    [(status, errors)] = _rows(
        hostile, "SELECT status, fetch_errors FROM crawl_runs ORDER BY started_at LIMIT 1"
    )
    assert (status, errors) == ("completed", first["fetch_errors"])


def test_robots_txt_is_read_once_per_run(runs):
    *_, (first_hits, second_hits), _ = runs
    assert [hit.path for hit in first_hits].count("/robots.txt") == 1
    assert [hit.path for hit in second_hits].count("/robots.txt") == 1
