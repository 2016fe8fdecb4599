"""The benchmark's synthetic mirror is a mirror the flow can ingest whole: every generated page is a
single-page article of its own id, parsed without issues, its links inside the generated set."""

from datetime import UTC, datetime

from bench.sitegen import generate
from kabar.clean import clean
from kabar.records import Article
from kabar.sites import get_site

TEMPO = get_site("tempo")


def test_generated_pages_are_distinct_clean_articles(tmp_path):
    urls = generate(tmp_path, n=25, seed=3)
    ids = {TEMPO.article_id(u) for u in urls}
    assert len(ids) == 25
    for url in urls:
        html = (tmp_path / url.split(".tempo.co/", 1)[1]).with_suffix(".html").read_bytes()
        parsed = TEMPO.parse(html, url, datetime(2024, 1, 1, tzinfo=UTC))
        assert (parsed.article_id, parsed.url, parsed.continuation_urls) == (TEMPO.article_id(url), url, ())
        assert isinstance(clean(parsed, TEMPO.rules_for(parsed.layout)), Article)
        targets = {
            link.target_article_id
            for link in parsed.related
            if link.block in ("rekomendasi", "video_pilihan")
        }
        assert targets <= ids


def test_same_seed_same_mirror(tmp_path):
    assert generate(tmp_path / "a", n=5, seed=1) == generate(tmp_path / "b", n=5, seed=1)
