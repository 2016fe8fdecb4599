"""Failure memory: the policy (kabar/memory.py, pure) and its table (url_state, written with each batch)."""

from datetime import UTC, datetime, timedelta

import pytest

from kabar import memory
from kabar.memory import UrlState, after_fetch, is_due, why_not_due
from kabar.records import ARTICLE, ERROR, ISSUE, UNCHANGED, Article, FetchedPage, ParsedArticle
from kabar.tasks.dedup import SKIPPED, pages_to_parse, plan_batch
from kabar.warehouse import loader
from kabar.warehouse.db import connect

T0 = datetime(2024, 3, 1, 6, tzinfo=UTC)
URL = "https://nasional.tempo.co/read/1772105/guru"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def fetch(status: int | None = 200, at: datetime = T0, url: str = URL, **fields) -> FetchedPage:
    ok = status in (200, 304) and not fields.get("reason")
    digest = f"raw-{url}-{at.isoformat()}" if ok else None
    return FetchedPage(url=url, final_url=url, fetched_at=at, status=status, content_hash=digest, **fields)


def history(*pages: FetchedPage, outcome: str = ARTICLE) -> UrlState:
    state = None
    for page in pages:
        state = after_fetch(state, page, "tempo", outcome)
    return state


# --- pages that came back: revisited at growing intervals --------------------------------------------


def test_a_new_page_is_revisited_after_an_hour():
    state = history(fetch(200))
    assert (state.failures, state.first_success_at, state.last_success_at) == (0, T0, T0)
    assert state.next_attempt_at == T0 + HOUR and state.site == "tempo" and not state.gone
    assert why_not_due(state, T0 + 30 * timedelta(minutes=1)) == "revisit"
    assert is_due(state, T0 + HOUR)


@pytest.mark.parametrize(
    ("age", "interval"),
    [(HOUR, HOUR), (10 * HOUR, 5 * HOUR), (4 * DAY, 2 * DAY), (30 * DAY, 7 * DAY)],
)
def test_the_revisit_interval_is_half_the_age_within_an_hour_and_a_week(age, interval):
    state = history(fetch(200), fetch(304, at=T0 + age))
    assert state.next_attempt_at == T0 + age + interval
    assert (state.first_success_at, state.last_success_at) == (T0, T0 + age)


def test_whatever_the_parse_outcome_a_page_that_came_back_is_a_success():
    for outcome in (ARTICLE, ISSUE, UNCHANGED, ERROR):  # ERROR: page 1 fine, a continuation failed
        assert history(fetch(500), fetch(200, at=T0 + HOUR), outcome=outcome).failures == 0


def test_a_success_resets_failures_and_keeps_the_first_success():
    state = history(
        fetch(200), fetch(503, at=T0 + DAY), fetch(503, at=T0 + 2 * DAY), fetch(200, at=T0 + 3 * DAY)
    )
    assert (state.failures, state.last_reason, state.first_success_at) == (0, None, T0)


# --- failures: exponential backoff ------------------------------------------------------------------


def test_failures_back_off_exponentially_from_half_an_hour_to_a_week():
    state, waits = None, []
    for n in range(12):
        at = T0 + n * 8 * DAY
        state = after_fetch(state, fetch(503, at=at), "tempo", ERROR)
        waits.append(state.next_attempt_at - at)
    assert waits[:4] == [timedelta(minutes=30), HOUR, 2 * HOUR, 4 * HOUR]
    assert waits[-1] == 7 * DAY and max(waits) == 7 * DAY
    assert (state.failures, state.last_status, state.last_reason) == (12, 503, "http_5xx")
    assert why_not_due(state, T0) == "backoff"


def test_retry_after_is_honoured_and_capped_at_a_week():
    assert history(fetch(429, retry_after=7200)).next_attempt_at == T0 + 2 * HOUR
    assert history(fetch(429, retry_after=5.0)).next_attempt_at == T0 + timedelta(minutes=30)
    assert history(fetch(503, retry_after=10 * 365 * 86400)).next_attempt_at == T0 + 7 * DAY


def test_an_oversized_page_waits_a_day_then_two_even_with_status_200():
    first = history(fetch(200, reason="too_large"))
    assert (first.failures, first.last_reason, first.next_attempt_at) == (1, "too_large", T0 + DAY)
    second = after_fetch(first, fetch(200, at=T0 + DAY, reason="too_large"), "tempo", ERROR)
    assert second.next_attempt_at == T0 + 3 * DAY


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (fetch(None), "connection"),
        (fetch(None, reason="deadline"), "deadline"),
        (fetch(502), "http_5xx"),
        (fetch(403), "http_other"),
        (fetch(200, reason="truncated"), "truncated"),
    ],
)
def test_the_reason_is_the_fetchers_or_follows_from_the_status(page, reason):
    assert memory.reason_of(page) == reason
    assert history(page).last_reason == reason


# --- gone ---------------------------------------------------------------------------------------------


def test_410_once_is_gone_for_good():
    state = history(fetch(200), fetch(410, at=T0 + DAY))
    assert state.gone and state.next_attempt_at is None and state.first_success_at == T0
    assert why_not_due(state, T0 + 365 * DAY) == "gone"


def test_404_twice_in_a_row_is_gone_but_not_with_another_failure_between():
    once = history(fetch(404))
    assert not once.gone and why_not_due(once, T0) == "backoff"
    assert history(fetch(404), fetch(404, at=T0 + HOUR)).gone
    assert not history(fetch(404), fetch(503, at=T0 + HOUR), fetch(404, at=T0 + 2 * HOUR)).gone
    assert not history(fetch(404), fetch(200, at=T0 + HOUR), fetch(404, at=T0 + 2 * HOUR)).gone


# --- robots.txt ---------------------------------------------------------------------------------------


def test_a_disallowed_page_is_a_skip_not_a_failure():
    failing = history(fetch(503), fetch(503, at=T0 + HOUR))
    skipped = after_fetch(failing, fetch(None, at=T0 + DAY, reason="disallowed"), "tempo", SKIPPED)
    assert (skipped.failures, skipped.last_reason) == (2, "disallowed")
    assert skipped.next_attempt_at == T0 + 2 * DAY
    assert why_not_due(skipped, T0 + DAY) == "backoff" and is_due(skipped, T0 + 2 * DAY)


def test_an_unknown_url_is_due():
    assert is_due(None, T0) and why_not_due(None, T0) is None


# --- the dedup step: skipped, and failures never parsed ----------------------------------------------


def test_plan_batch_calls_a_disallowed_page_skipped_and_an_oversized_one_an_error():
    pages = [fetch(None, reason="disallowed"), fetch(200, url=URL + "x", reason="too_large")]
    assert pages_to_parse(pages, set()) == []
    assert plan_batch(pages, {}, {}).outcomes == {URL: SKIPPED, URL + "x": ERROR}


# --- the warehouse: url_state written with the batch ------------------------------------------------


def article(url: str, at: datetime = T0) -> Article:
    parsed = ParsedArticle(
        site="tempo",
        article_id="tempo:1772105",
        url=url,
        layout="tempo-2023",
        fetched_at=at,
        title="Guru",
        paragraphs=("Isi.",),
    )
    return Article(parsed=parsed, body="Isi.", content_hash=f"content-{at.isoformat()}")


def load(db, pages: list[FetchedPage], results: dict, continuations=()) -> None:
    with connect(db) as con:
        known = loader.known_content(con, [r.content_hash for r in results.values()])
        plan = plan_batch(pages, results, known, continuations)
        loader.load_batch(con, "run-1", pages, plan, continuations)


def rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        loader.start_run(con, "run-1", "tempo", T0)
    return path


def test_each_batch_remembers_its_urls_and_not_their_continuation_pages(db):
    page2 = fetch(200, url=URL + "?page_num=2")
    load(db, [fetch(200), fetch(503, url=URL + "-b")], {URL: article(URL)}, continuations=[page2])
    states = rows(db, "SELECT url, site, failures, last_status, last_reason FROM url_state ORDER BY url")
    assert states == [(URL, "tempo", 0, 200, None), (URL + "-b", "tempo", 1, 503, "http_5xx")]
    assert rows(db, "SELECT count(*) FROM fetches") == [(3,)]  # page 2 is a fetch all the same


def test_a_continuation_passed_among_the_pages_is_not_remembered_either(db):
    page2 = fetch(200, url=URL + "?page_num=2")
    with connect(db) as con:
        plan = plan_batch([fetch(200)], {URL: article(URL)}, {}, [page2])
        loader.load_batch(con, "run-1", [fetch(200), page2], plan)  # as flows/ingest.py passes them
    assert rows(db, "SELECT url FROM url_state") == [(URL,)]


def test_the_memory_is_written_in_the_batchs_transaction(db, monkeypatch):
    def broken(*_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_merge_related", broken)
    with pytest.raises(RuntimeError):
        load(db, [fetch(503)], {})
    assert rows(db, "SELECT count(*) FROM url_state") == [(0,)]


def test_a_gone_url_flags_its_article_which_is_kept(db):
    load(db, [fetch(200)], {URL: article(URL)})
    load(db, [fetch(410, at=T0 + DAY)], {})
    assert rows(db, "SELECT article_id, gone_at FROM articles") == [("tempo:1772105", T0 + DAY)]
    assert rows(db, "SELECT gone, next_attempt_at, last_reason FROM url_state") == [(True, None, "http_410")]
    assert rows(db, "SELECT status, outcome, reason FROM fetches ORDER BY fetched_at") == [
        (200, ARTICLE, None),
        (410, ERROR, "http_410"),
    ]


def test_a_rewritten_article_keeps_its_gone_at(db):
    load(db, [fetch(200)], {URL: article(URL)})
    load(db, [fetch(410, at=T0 + DAY)], {})
    other = URL + "?amp"
    load(db, [fetch(200, url=other, at=T0 + 2 * DAY)], {other: article(URL, at=T0 + 2 * DAY)})
    assert rows(db, "SELECT version, gone_at FROM articles") == [(2, T0 + DAY)]


def test_robots_disallowed_fetches_are_stored_as_skipped(db):
    load(db, [fetch(None, reason="disallowed", error="disallowed by robots.txt")], {})
    assert rows(db, "SELECT outcome, reason FROM fetches") == [(SKIPPED, "disallowed")]
    assert rows(db, "SELECT failures, next_attempt_at FROM url_state") == [(0, T0 + DAY)]


def test_due_keeps_input_order_and_counts_what_it_holds_back(db):
    urls = [f"{URL}-{n}" for n in range(5)]
    load(db, [fetch(200, url=urls[1]), fetch(410, url=urls[2]), fetch(503, url=urls[3])], {})
    with connect(db) as con:
        assert loader.due(con, urls, T0 + 10 * timedelta(minutes=1)) == (
            [urls[0], urls[4]],
            {"revisit": 1, "gone": 1, "backoff": 1},
        )
        assert loader.due(con, list(reversed(urls)), T0 + DAY) == (
            [urls[4], urls[3], urls[1], urls[0]],
            {"gone": 1},
        )


def test_the_due_urls_task_reads_the_same(db):
    from kabar.tasks.load import due_urls

    load(db, [fetch(410)], {})
    assert due_urls.fn(str(db), [URL, URL + "-new"], T0) == ([URL + "-new"], {"gone": 1})


def test_a_state_survives_the_round_trip_through_the_table(db):
    load(db, [fetch(200), fetch(404, url=URL + "-b")], {URL: article(URL)})
    with connect(db) as con:
        stored = loader.url_states(con, [URL, URL + "-b"])
    assert stored[URL] == history(fetch(200))
    assert stored[URL + "-b"] == history(fetch(404, url=URL + "-b"))
