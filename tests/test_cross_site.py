"""Cross-site duplicates: the same wire story on two sites is one near-duplicate cluster, earliest first,
marked and never deleted; `analytics.duplicate_clusters` lists it with its sites and times.

The bundled tempo and antara mirrors share one story: ANTARA's report, which tempo republished. Both
mirrors are ingested into one warehouse by the real flow, in either order (the cluster's root is the
earliest-seen article, so it follows the order; the sites and articles are listed earliest published
first whatever the order).
"""

from datetime import UTC, datetime

import pytest

from kabar.warehouse.db import connect

WIRE_STORY, WIRE_COPY = "antara:527760", "tempo:1772410"  # ANTARA's story, tempo's copy of it
WIRE_PUBLISHED = datetime(2015, 11, 10, 1, 25, 9, tzinfo=UTC)
COPY_PUBLISHED = datetime(2023, 9, 29, 7, 20, tzinfo=UTC)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=[("antara", "tempo"), ("tempo", "antara")], ids="-then-".join)
def warehouse(request, prefect_api, tmp_path_factory):
    """Both mirrors ingested into one warehouse, in the order given: (db path, order)."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve
    from kabar.sites import get_site

    db = tmp_path_factory.mktemp("cross-site") / "warehouse.duckdb"
    for site in request.param:
        with serve(get_site(site).mirror) as mirror:
            ingest(
                site=site,
                base_url=mirror.base_url,
                warehouse=str(db),
                archive=str(db.parent / "archive"),
                delay=0.0,
            )
    return db, request.param


def _rows(db, query: str, *params) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(query, params).fetchall()


def test_the_wire_story_is_one_cross_site_cluster_earliest_first(warehouse):
    db, order = warehouse
    root, repeat = (WIRE_STORY, WIRE_COPY) if order[0] == "antara" else (WIRE_COPY, WIRE_STORY)
    clusters = _rows(
        db,
        "SELECT root_article_id, root_site, members, article_ids, sites, site_count, cross_site,"
        " first_published_at, last_published_at, spread_hours, first_seen_at <= last_seen_at"
        " FROM analytics.duplicate_clusters WHERE cross_site",
    )
    assert clusters == [
        (
            root,  # the earliest-seen article: the site ingested first
            root.split(":")[0],
            2,
            [WIRE_STORY, WIRE_COPY],  # earliest published first, whichever was seen first
            ["antara", "tempo"],
            2,
            True,
            WIRE_PUBLISHED,
            COPY_PUBLISHED,
            pytest.approx((COPY_PUBLISHED - WIRE_PUBLISHED).total_seconds() / 3600, abs=1 / 60),
            True,
        )
    ]
    # The marks behind it: the later-seen article points at the root; both articles stay
    assert _rows(db, "SELECT article_id, duplicate_of FROM near_duplicates WHERE duplicate_of = ?", root) == [
        (repeat, root)
    ]
    assert _rows(
        db,
        "SELECT count(*) FROM articles WHERE article_id IN (?, ?) AND gone_at IS NULL",
        WIRE_STORY,
        WIRE_COPY,
    ) == [(2,)]


def test_every_mark_belongs_to_exactly_one_cluster(warehouse):
    db, _ = warehouse
    marks = _rows(db, "SELECT count(*), count(DISTINCT duplicate_of) FROM near_duplicates")[0]
    clusters = _rows(db, "SELECT count(*), coalesce(sum(members), 0) FROM analytics.duplicate_clusters")[0]
    assert clusters == (marks[1], marks[0] + marks[1])  # one row per root; members: the marks plus roots
    root_sites = _rows(
        db,
        "SELECT count(*) FROM analytics.duplicate_clusters c JOIN analytics.articles a"
        " ON a.article_id = c.root_article_id WHERE a.site = c.root_site AND list_contains(c.sites, a.site)",
    )
    assert root_sites == [(clusters[0],)]
