"""The analyst layer: the views of warehouse/analytics.sql, the COMMENT of every table, view and column
(warehouse/comments.sql, generated from docs/warehouse.md and checked against the warehouse itself),
and the sample queries of docs/queries.md and the README, run against a warehouse the real flow filled.

After editing a `| column | meaning |` table of docs/warehouse.md, regenerate comments.sql with
`python -m tests.test_analytics --write`.
"""

import re
import sys
from dataclasses import dataclass
from datetime import date as day
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "warehouse.md"
QUERIES = ROOT / "docs" / "queries.md"
README = ROOT / "README.md"
ANALYTICS_SQL = ROOT / "warehouse" / "analytics.sql"
COMMENTS_SQL = ROOT / "warehouse" / "comments.sql"

# comments.sql ends with the comments of view columns, after this line: DuckDB keeps them, a DuckLake
# (1.5) refuses them, so on a DuckLake only the part above it can be applied.
VIEW_COLUMNS_LINE = "-- View columns:"
DUCKLAKE_REFUSAL = "it is not a table"  # "Cannot comment on columns for entry <view> - it is not a table"
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
ANALYTICS_VIEWS = (
    "articles",
    "article_history",
    "related_articles",
    "most_recommended_daily",
    "daily_volume",
    "site_freshness",
    "run_health",
    "near_duplicates",
    "extraction_issues_open",
    "duplicate_clusters",
)
# Sample queries (by their first comment line) that may rightly return nothing on the mirrors' data
NO_ROWS_EXPECTED = {
    # the mirrors serve the same content on every run: no article ever gets a second version
    "-- Articles that changed after they were first seen, newest change first",
    # no mirror article is removed (the sitemap's deleted article never had a row)
    "-- Articles the site has since removed",
}


# --- docs/warehouse.md: `## <name>[ (view)] — <comment>` then `| column | meaning |` rows


@dataclass(frozen=True)
class Documented:
    schema: str
    name: str
    view: bool
    comment: str
    columns: dict[str, str]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


HEADING = re.compile(r"^## (?P<name>[a-z_][a-z0-9_.]*)(?P<view> \(view\))? — (?P<comment>.+)$")


def documented(text: str) -> dict[tuple[str, str], Documented]:
    """Every table and view docs/warehouse.md documents, by (schema, name): a `##` section whose heading
    names it and which holds a `| column | meaning |` table (sections without one are prose)."""
    found: dict[tuple[str, str], Documented] = {}
    heading, columns, in_table = None, {}, False

    def close():
        if heading and columns:
            schema, _, name = heading["name"].rpartition(".")
            key = (schema or "main", name)
            assert key not in found, f"docs/warehouse.md documents {heading['name']} twice"
            found[key] = Documented(*key, bool(heading["view"]), heading["comment"].strip(), dict(columns))

    for line in text.splitlines():
        if line.startswith("#"):
            close()
            heading, columns, in_table = HEADING.match(line), {}, False
        elif line.strip() == "| column | meaning |":
            in_table = heading is not None
        elif in_table and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if set(cells) <= {"---", ""}:
                continue
            assert len(cells) == 2, f"a `| column | meaning |` row with {len(cells)} cells: {line}"
            assert cells[0] not in columns, f"{heading['name']}.{cells[0]} is documented twice"
            columns[cells[0]] = cells[1]
        else:
            in_table = False
    close()
    return found


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_comments(docs: dict[tuple[str, str], Documented]) -> str:
    """warehouse/comments.sql, from the documented tables and views."""
    head = [
        "-- Generated from docs/warehouse.md by `python -m tests.test_analytics --write`: edit that",
        "-- file, not this one. A COMMENT on every table, view and column of the warehouse. Apply after",
        "-- analytics.sql, and after anything else that re-creates a view (CREATE OR REPLACE drops the",
        "-- view's comments), in one transaction (on a DuckLake each statement is a snapshot otherwise).",
        "",
    ]
    objects, view_columns = [], []
    for d in docs.values():
        objects.append(f"COMMENT ON {'VIEW' if d.view else 'TABLE'} {d.qualified} IS {_literal(d.comment)};")
        for column, meaning in d.columns.items():
            line = f"COMMENT ON COLUMN {d.qualified}.{column} IS {_literal(meaning)};"
            (view_columns if d.view else objects).append(line)
    tail = [
        "",
        f"{VIEW_COLUMNS_LINE} DuckDB keeps these; DuckLake 1.5 refuses a comment on a view's column",
        '-- ("Cannot comment on columns for entry … - it is not a table", duckdb/ducklake#1239): on a',
        "-- DuckLake, apply only what comes before these lines.",
    ]
    return "\n".join(head + objects + tail + view_columns) + "\n"


# --- the warehouse's own catalog


def apply_analytics(con) -> bool:
    """Create the analytics views and comment everything, in one transaction (on a DuckLake each
    statement outside one would be a snapshot of its own). False when the engine refused the comments
    of view columns (a DuckLake): they are then left out."""
    comments = COMMENTS_SQL.read_text(encoding="utf-8")
    for text in (comments, comments.split(VIEW_COLUMNS_LINE)[0]):
        con.begin()
        try:
            con.execute(ANALYTICS_SQL.read_text(encoding="utf-8"))
            con.execute(text)
            con.commit()
            return text == comments
        except duckdb.BinderException as error:
            con.rollback()
            if DUCKLAKE_REFUSAL not in str(error) or not _is_ducklake(con):
                raise
    raise AssertionError("unreachable")


def _is_ducklake(con) -> bool:
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row) and row[0] == "ducklake"


Objects = dict[tuple[str, str], tuple[bool, str | None]]  # (schema, name) -> (is a view, comment)
Columns = dict[tuple[str, str, str], str | None]  # (schema, name, column) -> comment


def catalog(con) -> tuple[Objects, Columns]:
    """The warehouse's own tables, views and columns, with their comments: every schema of its
    database but the system ones."""
    where = "database_name = current_database() AND NOT internal AND schema_name NOT IN (?, ?)"
    objects = {
        (schema, name): (view, comment)
        for schema, name, view, comment in con.execute(
            f"SELECT schema_name, table_name, false, comment FROM duckdb_tables() WHERE {where}"
            f" UNION ALL SELECT schema_name, view_name, true, comment FROM duckdb_views() WHERE {where}",
            [*SYSTEM_SCHEMAS, *SYSTEM_SCHEMAS],
        ).fetchall()
    }
    columns = {
        (schema, name, column): comment
        for schema, name, column, comment in con.execute(
            f"SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE {where}",
            list(SYSTEM_SCHEMAS),
        ).fetchall()
    }
    return objects, columns


@pytest.fixture(scope="module")
def docs() -> dict[tuple[str, str], Documented]:
    return documented(DOC.read_text(encoding="utf-8"))


def test_the_docs_parse_into_one_line_comments(docs):
    assert {name for schema, name in docs if schema == "analytics"} == set(ANALYTICS_VIEWS)
    assert all(d.view for d in docs.values() if d.schema == "analytics")
    for d in docs.values():
        for where, text in [
            (d.qualified, d.comment),
            *((f"{d.qualified}.{c}", m) for c, m in d.columns.items()),
        ]:
            assert text and "\n" not in text and "](" not in text, f"{where}: {text!r}"


def test_comments_sql_is_generated_from_the_docs(docs):
    expected = render_comments(docs)
    assert COMMENTS_SQL.read_text(encoding="utf-8") == expected, (
        "warehouse/comments.sql is not what docs/warehouse.md gives:"
        " run `python -m tests.test_analytics --write`"
    )


def test_every_table_view_and_column_carries_its_documented_comment(docs, tmp_path):
    from kabar.warehouse.db import connect

    with connect(tmp_path / "warehouse.duckdb") as con:
        view_columns_kept = apply_analytics(con)
        objects, columns = catalog(con)

    assert set(objects) - set(docs) == set(), "tables or views docs/warehouse.md does not document"
    assert set(docs) - set(objects) == set(), "documented in docs/warehouse.md but not in the warehouse"
    for key, (view, comment) in objects.items():
        assert (view, comment) == (docs[key].view, docs[key].comment), key
    in_docs = {(*key, column) for key, d in docs.items() for column in d.columns}
    assert set(columns) - in_docs == set(), "columns docs/warehouse.md does not document"
    assert in_docs - set(columns) == set(), "documented in docs/warehouse.md but not in the warehouse"
    for (schema, name, column), comment in columns.items():
        if objects[schema, name][0] and not view_columns_kept:
            assert comment is None  # a DuckLake: checked on a plain DuckDB copy below
        else:
            assert comment == docs[schema, name].columns[column], (schema, name, column)


def test_view_column_comments_on_a_plain_duckdb_copy(docs, tmp_path):
    """The comments of view columns, which a DuckLake cannot keep, applied to an in-memory DuckDB with
    the same tables and views (made empty from a real warehouse)."""
    from kabar.warehouse.db import connect

    with connect(tmp_path / "warehouse.duckdb") as source:
        objects, _ = catalog(source)
        tables = [
            (schema, name)
            for (schema, name), (view, _) in objects.items()
            if schema != "analytics" and not view
        ]
        ddl = ["CREATE SCHEMA IF NOT EXISTS internal"]
        ddl += [
            f"CREATE TABLE {schema}.{name} ("
            + ", ".join(
                f'"{column}" {data_type}'
                for column, data_type in source.execute(
                    "SELECT column_name, data_type FROM duckdb_columns()"
                    " WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
                    " ORDER BY column_index",
                    [schema, name],
                ).fetchall()
            )
            + ")"
            for schema, name in tables
        ]
        ddl += [
            sql
            for (sql,) in source.execute(
                "SELECT sql FROM duckdb_views() WHERE database_name = current_database()"
                " AND schema_name = 'main' AND NOT internal"
            ).fetchall()
        ]
    with duckdb.connect() as con:
        for statement in ddl:
            con.execute(statement)
        assert apply_analytics(con)
        objects, columns = catalog(con)
    assert {key for key, (view, _) in objects.items() if view} == {k for k, d in docs.items() if d.view}
    for (schema, name, column), comment in columns.items():
        assert comment == docs[schema, name].columns[column], (schema, name, column)


# --- the views' rules, on rows written by hand


@pytest.fixture
def hand_made(tmp_path):
    """A warehouse with the analytics views and: article tempo:1 in three versions (A, B, A again),
    published on 31 December at 18:00 UTC (1 January, 01:00 in Jakarta); a completed ingest run, a
    later one still running, and a later reparse."""
    from kabar.warehouse.db import connect

    with connect(tmp_path / "warehouse.duckdb") as con:
        apply_analytics(con)
        con.execute(
            "INSERT INTO main.article_versions (article_id, version, content_hash, seen_at, title, body)"
            " VALUES"
            " ('tempo:1', 1, 'a', '2024-01-01 00:00:00+00', 'A', 'x'),"
            " ('tempo:1', 2, 'b', '2024-01-02 00:00:00+00', 'B', 'x'),"
            " ('tempo:1', 3, 'a', '2024-01-03 00:00:00+00', 'A', 'x')"
        )
        con.execute(
            "INSERT INTO main.articles (article_id, site, url, title, body, content_hash, published_at,"
            " first_seen_at, version_seen_at, version) VALUES ('tempo:1', 'tempo', 'https://www.tempo.co/1',"
            " 'A', 'x', 'a', '2023-12-31 18:00:00+00', '2024-01-01 00:00:00+00', '2024-01-03 00:00:00+00', 3)"
        )
        con.execute(
            "INSERT INTO main.crawl_runs (run_id, site, started_at, finished_at, status, kind) VALUES"
            " ('r1', 'tempo', '2024-01-01 00:00:00+00', '2024-01-01 00:10:00+00', 'completed', 'ingest'),"
            " ('r2', 'tempo', '2024-01-02 00:00:00+00', NULL, 'running', 'ingest'),"
            " ('r3', 'tempo', '2024-01-03 00:00:00+00', '2024-01-03 00:01:00+00', 'completed', 'reparse')"
        )
        yield con


def test_article_history_gives_each_version_its_interval(hand_made):
    rows = hand_made.execute(
        "SELECT version, valid_from::DATE, valid_to::DATE, is_current, title_changed, body_changed,"
        " content_hash FROM analytics.article_history ORDER BY version"
    ).fetchall()
    assert rows == [
        (1, day(2024, 1, 1), day(2024, 1, 2), False, None, None, "a"),
        (2, day(2024, 1, 2), day(2024, 1, 3), False, True, False, "b"),
        (3, day(2024, 1, 3), None, True, True, False, "a"),  # A again: a version of its own
    ]


def test_days_are_jakarta_days(hand_made):
    assert hand_made.execute("SELECT published_day FROM analytics.articles").fetchall() == [
        (day(2024, 1, 1),)
    ]
    assert hand_made.execute("SELECT day, articles FROM analytics.daily_volume").fetchall() == [
        (day(2024, 1, 1), 1)
    ]


def test_site_freshness_reports_the_latest_ingest_run_even_while_it_runs(hand_made):
    row = hand_made.execute(
        "SELECT site, articles, last_run_id, last_run_status, last_run_finished_at,"
        " last_completed_at::VARCHAR"
        " FROM analytics.site_freshness"
    ).fetchall()
    assert row == [("tempo", 1, "r2", "running", None, "2024-01-01 00:10:00+00")]
    health = hand_made.execute(
        "SELECT run_id, duration_s, requests FROM analytics.run_health ORDER BY run_id"
    )
    assert health.fetchall() == [("r1", 600.0, 0), ("r2", None, 0), ("r3", 60.0, 0)]


# --- the sample queries, against the tempo and antara mirrors loaded by the real flow


def sample_queries() -> list[tuple[str, str]]:
    """(source, query) for every query of docs/queries.md and of the README's "## Sample queries"."""
    readme = README.read_text(encoding="utf-8").split("## Sample queries", 1)[1]
    readme = readme.split("\n## ", 1)[0]
    found = []
    for source, text in (("README.md", readme), ("docs/queries.md", QUERIES.read_text(encoding="utf-8"))):
        blocks = [b.split("```", 1)[0] for b in text.split("```sql")[1:]]
        found += [(source, q.strip()) for block in blocks for q in block.split(";") if q.strip()]
    return found


def _title(query: str) -> str:
    return query.splitlines()[0]


def test_sample_queries_are_titled_and_over_the_analytics_views():
    queries = sample_queries()
    assert sum(source == "docs/queries.md" for source, _ in queries) >= 12
    assert 3 <= sum(source == "README.md" for source, _ in queries) <= 4
    titles = [_title(q) for _, q in queries]
    assert all(t.startswith("-- ") for t in titles), titles
    assert len(set(titles)) == len(titles), "two sample queries share a title"
    assert NO_ROWS_EXPECTED <= set(titles)
    assert all("analytics." in q for _, q in queries)


@pytest.fixture(scope="module")
def loaded_warehouse(prefect_api, tmp_path_factory) -> Path:
    """ANTARA's mirror, then tempo's twice (a run that finds nothing new), through the real flow."""
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve
    from kabar.sites import get_site
    from kabar.warehouse.db import connect

    db = tmp_path_factory.mktemp("analytics") / "warehouse.duckdb"
    for site in ("antara", "tempo", "tempo"):
        with serve(get_site(site).mirror) as mirror:
            ingest(
                site=site,
                base_url=mirror.base_url,
                warehouse=str(db),
                archive=str(db.parent / "archive"),
                delay=0.0,
            )
    with connect(db) as con:
        apply_analytics(con)
    return db


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("source", "query"), sample_queries(), ids=lambda v: _title(v)[3:43] if "\n" in v else v
)
def test_sample_query_runs(loaded_warehouse, source, query):
    from kabar.warehouse.db import connect

    with connect(loaded_warehouse, read_only=True) as con:
        rows = con.execute(query).fetchall()
    if _title(query) not in NO_ROWS_EXPECTED:
        assert rows, f"{source}: no rows from\n{query}"


@pytest.mark.e2e
def test_views_on_the_loaded_warehouse(loaded_warehouse):
    from kabar.warehouse.db import connect

    with connect(loaded_warehouse, read_only=True) as con:

        def rows(query: str) -> list[tuple]:
            return con.execute(query).fetchall()

        counts = {v: rows(f"SELECT count(*) FROM analytics.{v}")[0][0] for v in ANALYTICS_VIEWS}
        assert counts["articles"] == rows("SELECT count(*) FROM main.articles")[0][0]
        assert counts["related_articles"] == rows("SELECT count(*) FROM main.related_links")[0][0]
        assert counts["article_history"] == rows("SELECT count(*) FROM main.article_versions")[0][0]
        assert all(counts.values()), counts
        # One current version per article, and valid_to is NULL exactly there
        assert rows(
            "SELECT count(*) FILTER (WHERE is_current), count(*) FILTER (WHERE valid_to IS NULL)"
            " FROM analytics.article_history"
        ) == [(counts["articles"], counts["articles"])]
        # The wire story ANTARA sent and tempo republished, seen first on ANTARA
        assert rows(
            "SELECT article_id, duplicate_of, original_site, cross_site FROM analytics.near_duplicates"
            " WHERE cross_site"
        ) == [("tempo:1772410", "antara:527760", "antara", True)]
        # Daily volume adds up to the articles, per site
        assert rows(
            "SELECT site, sum(articles) FROM analytics.daily_volume GROUP BY site ORDER BY site"
        ) == rows("SELECT site, count(*) FROM main.articles GROUP BY site ORDER BY site")
        # Freshness: each site's last run is the completed second tempo run / the antara run
        fresh = rows(
            "SELECT site, last_run_status,"
            " last_run_id = (SELECT max_by(run_id, started_at) FROM main.crawl_runs c WHERE c.site = f.site),"
            " open_issues FROM analytics.site_freshness f ORDER BY site"
        )
        assert fresh == [("antara", "completed", True, 1), ("tempo", "completed", True, 1)]
        # Run health: three completed runs, the second tempo run found everything unchanged
        health = rows(
            "SELECT site, status, articles_new, pages_unchanged > 0, requests > 0, duration_s >= 0"
            " FROM analytics.run_health ORDER BY started_at"
        )
        assert [h[:2] for h in health] == [
            ("antara", "completed"),
            ("tempo", "completed"),
            ("tempo", "completed"),
        ]
        assert health[2][2:] == (0, True, True, True)
        # The most recommended target of a day is ranked 1 and counted from several pages
        top = rows("SELECT max(source_pages) FROM analytics.most_recommended_daily WHERE rank = 1")[0][0]
        assert top > 1
        # Every current version names the run of its site that wrote it
        assert rows(
            "SELECT count(*) FROM analytics.articles a LEFT JOIN analytics.run_health r USING (run_id)"
            " WHERE r.site IS DISTINCT FROM a.site"
        ) == [(0,)]
        # A target's real time is there once the target is crawled
        assert rows(
            "SELECT count(*) FROM analytics.related_articles WHERE target_in_warehouse"
            " AND target_published_at IS NULL"
        ) == [(0,)]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_analytics --write  (regenerates warehouse/comments.sql)")
    COMMENTS_SQL.write_text(render_comments(documented(DOC.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {COMMENTS_SQL.relative_to(ROOT)}")
