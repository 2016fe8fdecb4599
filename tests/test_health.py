"""Health gates: the measures (kabar/health.py), the verdicts and baseline kept in a real warehouse
(warehouse/health.py), and the ingest flow ending Failed or Completed on them, against mirrors served
on 127.0.0.1: a healthy one, one whose layout changed, one whose article pages are gone, and none."""

import re
import shutil
import socket
from datetime import UTC, datetime, timedelta

import pytest

from kabar.clean import rule
from kabar.health import Tally, Thresholds, Verdict, breaches, judge, leaked
from kabar.records import Article, FetchedPage, ParsedArticle, RunFailed
from kabar.warehouse import health, loader
from kabar.warehouse.db import connect
from tests.conftest import mirror_of
from tests.golden import extract_page, golden_pages, site_of

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
RULES = (rule("ad_label", r"iklan$"), rule("scroll_prompt", r"scroll untuk melanjutkan$"))
# A tempo redesign as a site might ship it: the byline and date get new classes, the related blocks a
# new container, and the ad label lands inside the paragraph before it.
REDESIGN = (
    (r'class="reporter"', 'class="byline"'),
    (r'<p class="date">', '<p class="waktu-terbit">'),
    (r'<section class="(rekomendasi|video-pilihan)">', '<section class="baca-lainnya">'),
    (r'</p>\s*<div class="iklan"><span>Iklan</span></div>', " Iklan</p>"),
)


def _article(url: str, body: str, *, authors=("Sekar",), published=T0, related=()) -> Article:
    parsed = ParsedArticle(
        site="tempo",
        article_id=f"tempo:{url[-3:]}",
        url=url,
        layout="tempo-2023",
        fetched_at=T0,
        title="Judul",
        paragraphs=(body,),
        authors=authors,
        published_at=published,
        related=related,
    )
    return Article(parsed=parsed, body=body, content_hash=url)


def _tally(articles: list[Article], failed: int = 0) -> Tally:
    """A run that fetched every article's page plus `failed` pages that answered 404."""
    tally = Tally("tempo", urls_discovered=len(articles) + failed)
    ok = [FetchedPage(url=a.parsed.url, final_url=a.parsed.url, fetched_at=T0, status=200) for a in articles]
    gone = [
        FetchedPage(url=f"https://www.tempo.co/read/9{n}", final_url="", fetched_at=T0, status=404)
        for n in range(failed)
    ]
    tally.add(ok + gone, {a.parsed.url: a for a in articles}, lambda layout: RULES)
    return tally


def test_a_boilerplate_sentence_glued_into_a_paragraph_is_a_leak():
    assert leaked("Harga cabai naik tajam. Iklan\n\nPedagang mengeluh.", RULES)
    assert leaked("Harga cabai naik tajam.\nScroll Untuk Melanjutkan", RULES)
    assert not leaked("Perusahaan itu menambah anggaran iklan. Penjualan naik.", RULES)  # a word, not a label


def test_a_rate_past_its_limit_fails_with_the_site_measure_value_and_threshold():
    articles = [_article(f"https://www.tempo.co/read/{n:03}", "Isi berita.", authors=()) for n in range(8)]
    articles += [_article(f"https://www.tempo.co/read/1{n:02}", "Isi berita.") for n in range(2)]
    verdicts = {v.measure: v for v in judge("tempo", _tally(articles), {}, Thresholds())}
    failed = verdicts["missing_author_rate"]
    assert (failed.passed, failed.value, failed.threshold) == (False, 0.8, 0.5)
    assert failed.message == (
        "tempo: missing_author_rate 0.8 over 10 articles (no baseline, threshold 0.5): above the limit"
    )
    assert [v.measure for v in breaches(verdicts.values())] == ["missing_author_rate"]
    assert verdicts["missing_title_rate"].passed and verdicts["missing_title_rate"].value == 0.0


def test_the_baseline_tightens_a_floor_and_few_pages_are_not_judged():
    cards = tuple(range(2))  # two related cards a page, where the site's healthy runs showed eight
    articles = [_article(f"https://www.tempo.co/read/{n:03}", "Isi.", related=cards) for n in range(6)]
    verdicts = {
        v.measure: v for v in judge("tempo", _tally(articles), {"related_per_page": 8.0}, Thresholds())
    }
    related = verdicts["related_per_page"]
    assert (related.passed, related.value, related.baseline, related.threshold) == (False, 2.0, 8.0, 4.0)
    assert "baseline 8" in related.message
    few = {
        v.measure: v for v in judge("tempo", _tally(articles[:3]), {"related_per_page": 8.0}, Thresholds())
    }
    assert few["related_per_page"].passed and few["related_per_page"].threshold is None


def test_fetch_errors_are_judged_and_broken_down_by_reason():
    articles = [_article(f"https://www.tempo.co/read/{n:03}", "Isi.") for n in range(4)]
    verdicts = {v.measure: v for v in judge("tempo", _tally(articles, failed=6), {}, Thresholds())}
    assert not verdicts["fetch_error_rate"].passed and verdicts["fetch_error_rate"].value == 0.6
    assert verdicts["fetch_error_rate:http_404"].value == 0.6
    assert verdicts["fetch_error_rate:http_404"].threshold is None  # a breakdown: recorded, not judged
    every = {v.measure: v for v in judge("tempo", _tally([], failed=2), {}, Thresholds())}
    assert not every["fetch_error_rate"].passed  # every page failed: loud however few were asked


def test_every_bundled_mirror_passes_the_default_floors():
    """`kabar demo` ingests these pages: its runs must stay green."""
    tallies: dict[str, Tally] = {}
    for page in golden_pages():
        site = site_of(page)
        tally = tallies.setdefault(site.name, Tally(site.name))
        tally.add([], {str(page): extract_page(page)}, site.rules_for)
        tally.urls_discovered += 1
    assert set(tallies) == {"tempo", "antara"}
    for name, tally in tallies.items():
        assert tally.articles >= 5, name  # enough pages that every rate was judged
        assert breaches(judge(name, tally, {}, Thresholds())) == [], name


def test_the_baseline_is_the_mean_of_recent_healthy_runs(tmp_path):
    with connect(tmp_path / "w.sqlite") as con:
        for n, (status, value, passed) in enumerate(
            [
                ("completed", 0.1, True),
                ("completed", 0.3, True),
                ("failed", 0.9, False),
                ("completed", 0.5, True),
            ]
        ):
            run, started = f"run-{n}", T0 + timedelta(hours=n)
            loader.start_run(con, run, "tempo", started)
            loader.finish_run(con, run, started + timedelta(minutes=5), status, {})
            verdicts = [
                Verdict("missing_author_rate", value, None, 0.5, passed, "judged"),
                Verdict("related_per_page", 99.0, None, None, True, "too few pages to judge"),
            ]
            health.record(con, run, "tempo", verdicts, started)
        assert health.baseline(con, "tempo", 5) == pytest.approx({"missing_author_rate": 0.3})
        assert health.baseline(con, "tempo", 2)["missing_author_rate"] == pytest.approx(0.4)  # the last two
        assert health.baseline(con, "antara", 5) == {}


# --- the flow


def _ingest(base_url: str, tmp_path, **options) -> dict:
    from kabar.flows.ingest import ingest

    return ingest(
        site="tempo",
        base_url=base_url,
        warehouse=str(tmp_path / "w.sqlite"),
        archive=str(tmp_path / "archive"),
        delay=0.0,
        batch_size=20,
        **options,
    )


def _rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


def _mirror_copy(tmp_path, changes=()):
    root = tmp_path / "mirror"
    shutil.copytree(mirror_of("tempo"), root)
    for page in root.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for pattern, replacement in changes:
            html = re.sub(pattern, replacement, html)
        page.write_text(html, encoding="utf-8")
    return root


@pytest.mark.e2e
def test_a_healthy_run_passes_then_a_changed_layout_fails_naming_the_fields(prefect_api, tmp_path):
    from kabar.mirror import serve

    db = tmp_path / "w.sqlite"
    with serve(mirror_of("tempo")) as mirror:
        _ingest(mirror.base_url, tmp_path)
    checks = _rows(db, "SELECT measure, passed, threshold FROM health_checks")
    assert checks and all(passed for _, passed, _ in checks)
    assert _rows(db, "SELECT status FROM crawl_runs") == [("completed",)]
    healthy_authors = _rows(db, "SELECT value FROM health_checks WHERE measure = 'missing_author_rate'")

    with serve(_mirror_copy(tmp_path, REDESIGN)) as changed, pytest.raises(RunFailed) as failure:
        _ingest(changed.base_url, tmp_path)
    message = str(failure.value)
    fields = ["boilerplate_leak_rate", "missing_author_rate", "missing_published_rate", "related_per_page"]
    for field in fields:
        assert f"tempo: {field} " in message
    assert f"baseline {healthy_authors[0][0]:.3g}" in message  # compared with the healthy run
    runs = _rows(db, "SELECT status, articles_updated FROM crawl_runs ORDER BY started_at")
    assert [status for status, _ in runs] == ["completed", "failed"]
    assert runs[1][1] > 0  # the changed pages were still loaded
    failed = _rows(
        db,
        "SELECT measure FROM health_checks h JOIN crawl_runs r USING (run_id)"
        " WHERE r.status = 'failed' AND NOT h.passed ORDER BY 1",
    )
    assert [m for (m,) in failed] == fields  # only the changed pages were parsed again: all 2023 layout


@pytest.mark.e2e
def test_an_unreachable_site_fails_and_says_so_in_health_checks(prefect_api, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(RunFailed, match="discovery found no article URLs of tempo"):
        _ingest(f"http://127.0.0.1:{closed}", tmp_path)
    db = tmp_path / "w.sqlite"
    assert _rows(db, "SELECT status FROM crawl_runs") == [("failed",)]
    assert _rows(db, "SELECT value, passed FROM health_checks WHERE measure = 'urls_discovered'") == [
        (0.0, False)
    ]


@pytest.mark.e2e
def test_a_site_that_lists_nothing_fails(prefect_api, tmp_path):
    from kabar.mirror import serve

    root = _mirror_copy(tmp_path)
    for listing in [*root.glob("sitemap*"), *root.glob("rss"), *root.glob("indeks")]:
        shutil.rmtree(listing) if listing.is_dir() else listing.unlink()
    with serve(root) as mirror, pytest.raises(RunFailed, match="discovery found no article URLs of tempo"):
        _ingest(mirror.base_url, tmp_path)
    assert _rows(tmp_path / "w.sqlite", "SELECT status FROM crawl_runs") == [("failed",)]


@pytest.mark.e2e
def test_a_site_whose_article_pages_all_fail_fails(prefect_api, tmp_path):
    from kabar.mirror import serve

    root = _mirror_copy(tmp_path)
    for page in root.rglob("*.html"):
        if "indeks" not in page.parts:
            page.unlink()  # the sitemaps still list every article page: each answers 404
    with serve(root) as mirror, pytest.raises(RunFailed) as failure:
        _ingest(mirror.base_url, tmp_path, limit=8)
    assert "tempo: fetch_error_rate 1 over 8 pages requested" in str(failure.value)
    db = tmp_path / "w.sqlite"
    assert _rows(db, "SELECT status FROM crawl_runs") == [("failed",)]
    assert _rows(db, "SELECT value FROM health_checks WHERE measure = 'fetch_error_rate:http_404'") == [
        (1.0,)
    ]
