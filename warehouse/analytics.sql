-- The analyst layer: stable views in a schema of their own, over the base tables in `main`.
-- A view keeps its name and its columns (columns may be added, never renamed or dropped); its
-- insides may change. Plain SELECTs only (no macros, indexes or temporary objects), so the same file
-- runs on a DuckDB file and on a DuckLake. Base tables are named with their schema: inside the schema
-- `analytics` a bare `articles` would be the view itself. Days are Jakarta days (WIB, UTC+7).
-- CREATE OR REPLACE drops a view's comments: apply comments.sql after this file, every time, in the
-- same transaction (on a DuckLake, each statement outside one is a snapshot of its own).

CREATE SCHEMA IF NOT EXISTS analytics;

CREATE OR REPLACE VIEW analytics.articles AS
SELECT a.article_id, a.site, a.url, a.title, a.subtitle, a.authors, a.editor,
       a.published_at, CAST(a.published_at AT TIME ZONE 'Asia/Jakarta' AS DATE) AS published_day,
       a.updated_at, a.section, a.tags, a.dateline, a.agency, a.body, a.word_count,
       a.image_url, a.image_caption, a.image_credit, a.editors_pick_title, a.editors_pick_url,
       a.language, a.kind, a.access, a.page_count, a.flags, a.layout,
       a.version, a.first_seen_at, a.version_seen_at, a.run_id, a.gone_at,
       d.duplicate_of, d.similarity AS duplicate_similarity
FROM main.articles a
LEFT JOIN main.near_duplicates d ON d.article_id = a.article_id;

CREATE OR REPLACE VIEW analytics.article_history AS
SELECT v.article_id, a.site, a.url, a.published_at, v.version,
       v.seen_at AS valid_from,
       lead(v.seen_at) OVER w AS valid_to,
       lead(v.seen_at) OVER w IS NULL AS is_current,
       v.title, v.body, v.content_hash, v.run_id,
       v.title <> lag(v.title) OVER w AS title_changed,
       v.body <> lag(v.body) OVER w AS body_changed
FROM main.article_versions v
LEFT JOIN main.articles a ON a.article_id = v.article_id
WINDOW w AS (PARTITION BY v.article_id ORDER BY v.version);

CREATE OR REPLACE VIEW analytics.related_articles AS
SELECT s.site, r.source_article_id, s.title AS source_title, s.url AS source_url,
       s.published_at AS source_published_at,
       r.block, r.position,
       r.target_url, r.target_article_id, coalesce(t.title, r.title) AS target_title, r.title AS card_title,
       t.article_id IS NOT NULL AS target_in_warehouse,
       t.published_at AS target_published_at,
       r.time_text, r.published_after, r.published_until,
       t.published_at > r.published_after AND t.published_at <= r.published_until AS target_in_window,
       r.summary, r.image_url, r.image_caption,
       r.first_seen_at, r.last_seen_at, r.seen_count, r.run_id
FROM main.related_links r
LEFT JOIN main.articles s ON s.article_id = r.source_article_id
LEFT JOIN main.articles t ON t.article_id = r.target_article_id;

CREATE OR REPLACE VIEW analytics.most_recommended_daily AS
WITH links AS (
    SELECT CAST(r.first_seen_at AT TIME ZONE 'Asia/Jakarta' AS DATE) AS day, s.site,
           coalesce(r.target_article_id, r.target_url) AS target,
           r.source_article_id, r.block, r.seen_count, r.target_url, r.target_article_id, r.title
    FROM main.related_links r
    JOIN main.articles s ON s.article_id = r.source_article_id
), daily AS (
    SELECT day, site, target,
           min(target_url) AS target_url, max(target_article_id) AS target_article_id,
           max(title) AS card_title,
           count(DISTINCT source_article_id) AS source_pages,
           count(*) AS links,
           CAST(sum(seen_count) AS BIGINT) AS sightings,
           list(DISTINCT block ORDER BY block) AS blocks
    FROM links
    GROUP BY day, site, target
)
SELECT d.day, d.site,
       rank() OVER (PARTITION BY d.day, d.site ORDER BY d.source_pages DESC, d.sightings DESC) AS rank,
       d.target_url, d.target_article_id, coalesce(t.title, d.card_title) AS target_title,
       t.published_at AS target_published_at,
       d.source_pages, d.links, d.sightings, d.blocks
FROM daily d
LEFT JOIN main.articles t ON t.article_id = d.target_article_id;

CREATE OR REPLACE VIEW analytics.daily_volume AS
SELECT CAST(a.published_at AT TIME ZONE 'Asia/Jakarta' AS DATE) AS day, a.site, a.section,
       count(*) AS articles,
       CAST(sum(a.word_count) AS BIGINT) AS words,
       count(*) FILTER (WHERE a.agency IS NOT NULL) AS wire,
       count(*) FILTER (WHERE a.access = 'paywalled') AS paywalled,
       count(*) FILTER (WHERE a.kind <> 'article') AS multimedia,
       count(d.article_id) AS near_duplicates,
       count(a.gone_at) AS gone
FROM main.articles a
LEFT JOIN main.near_duplicates d ON d.article_id = a.article_id
GROUP BY 1, 2, 3;

CREATE OR REPLACE VIEW analytics.site_freshness AS
WITH sites AS (
    SELECT site FROM main.crawl_runs
    UNION
    SELECT site FROM main.articles
), content AS (
    SELECT site,
           count(*) AS articles,
           max(published_at) AS newest_published_at,
           max(first_seen_at) AS newest_first_seen_at,
           count(*) FILTER (WHERE published_at > now() - INTERVAL 24 HOURS) AS published_24h,
           count(*) FILTER (WHERE first_seen_at > now() - INTERVAL 24 HOURS) AS new_24h
    FROM main.articles
    GROUP BY site
), fetched AS (
    SELECT c.site,
           max(f.fetched_at) AS last_fetch_at,
           max(f.fetched_at) FILTER (WHERE f.reason IS NULL AND f.status BETWEEN 200 AND 399)
               AS last_good_fetch_at
    FROM main.fetches f
    JOIN main.crawl_runs c ON c.run_id = f.run_id
    GROUP BY c.site
), latest AS (
    SELECT site, run_id, status, started_at, finished_at,
           row_number() OVER (PARTITION BY site ORDER BY started_at DESC, run_id DESC) AS n
    FROM main.crawl_runs
    WHERE coalesce(kind, 'ingest') = 'ingest'
), completed AS (
    SELECT site, max(finished_at) AS last_completed_at
    FROM main.crawl_runs
    WHERE coalesce(kind, 'ingest') = 'ingest' AND status = 'completed'
    GROUP BY site
), issues AS (
    SELECT c.site, count(*) AS open_issues
    FROM main.extraction_issues i
    JOIN main.crawl_runs c ON c.run_id = i.run_id
    WHERE i.resolved_at IS NULL
    GROUP BY c.site
)
SELECT s.site,
       coalesce(a.articles, 0) AS articles,
       a.newest_published_at, a.newest_first_seen_at,
       f.last_fetch_at, f.last_good_fetch_at,
       r.run_id AS last_run_id, r.status AS last_run_status, r.started_at AS last_run_started_at,
       r.finished_at AS last_run_finished_at, k.last_completed_at,
       coalesce(a.published_24h, 0) AS published_24h,
       coalesce(a.new_24h, 0) AS new_24h,
       coalesce(i.open_issues, 0) AS open_issues
FROM sites s
LEFT JOIN content a ON a.site = s.site
LEFT JOIN fetched f ON f.site = s.site
LEFT JOIN latest r ON r.site = s.site AND r.n = 1
LEFT JOIN completed k ON k.site = s.site
LEFT JOIN issues i ON i.site = s.site;

CREATE OR REPLACE VIEW analytics.run_health AS
WITH requests AS (
    SELECT run_id, count(*) AS requests, CAST(sum(byte_count) AS BIGINT) AS bytes_fetched,
           median(elapsed_ms) AS median_fetch_ms
    FROM main.fetches
    GROUP BY run_id
)
SELECT c.run_id, c.site, c.kind, c.status, c.started_at, c.finished_at, c.last_seen_at,
       date_diff('millisecond', c.started_at, coalesce(c.finished_at, c.last_seen_at)) / 1000.0 AS duration_s,
       c.urls_discovered, c.urls_skipped, c.urls_collapsed, c.urls_not_due,
       c.pages_fetched, c.pages_unchanged, c.pages_skipped, c.pages_reparsed, c.fetch_errors,
       c.articles_new, c.articles_updated, c.duplicates, c.near_duplicates, c.related_links_seen,
       c.issues, c.issues_resolved,
       round(100.0 * c.fetch_errors / nullif(c.pages_fetched, 0), 1) AS error_pct,
       round(100.0 * c.issues / nullif(c.pages_fetched, 0), 1) AS issue_pct,
       coalesce(q.requests, 0) AS requests, q.bytes_fetched, q.median_fetch_ms
FROM main.crawl_runs c
LEFT JOIN requests q ON q.run_id = c.run_id;

CREATE OR REPLACE VIEW analytics.near_duplicates AS
SELECT n.article_id, a.site, a.title, a.url, a.published_at,
       n.duplicate_of, o.site AS original_site, o.title AS original_title, o.url AS original_url,
       o.published_at AS original_published_at,
       a.site <> o.site AS cross_site,
       date_diff('minute', o.published_at, a.published_at) / 60.0 AS delay_hours,
       n.similarity, n.found_at
FROM main.near_duplicates n
LEFT JOIN main.articles a ON a.article_id = n.article_id
LEFT JOIN main.articles o ON o.article_id = n.duplicate_of;

CREATE OR REPLACE VIEW analytics.extraction_issues_open AS
SELECT i.run_id, c.site, i.url, i.stage, i.problem, i.detail, i.seen_at, i.content_hash,
       substr(i.content_hash, 1, 2) || '/' || i.content_hash || '.html.gz' AS archive_file
FROM main.extraction_issues i
LEFT JOIN main.crawl_runs c ON c.run_id = i.run_id
WHERE i.resolved_at IS NULL;

CREATE OR REPLACE VIEW analytics.duplicate_clusters AS
WITH members AS (
    SELECT n.duplicate_of AS root_article_id, n.article_id
    FROM main.near_duplicates n
    UNION
    SELECT DISTINCT n.duplicate_of, n.duplicate_of
    FROM main.near_duplicates n
), facts AS (
    SELECT m.root_article_id, m.article_id, a.site, a.published_at, a.first_seen_at,
           min(a.published_at) OVER (PARTITION BY m.root_article_id, a.site) AS site_published_at
    FROM members m
    LEFT JOIN main.articles a ON a.article_id = m.article_id
), clusters AS (
    SELECT root_article_id,
           count(*) AS members,
           list(article_id ORDER BY published_at NULLS LAST, first_seen_at, article_id) AS article_ids,
           count(DISTINCT site) AS site_count,
           min(published_at) AS first_published_at,
           max(published_at) AS last_published_at,
           min(first_seen_at) AS first_seen_at,
           max(first_seen_at) AS last_seen_at
    FROM facts
    GROUP BY root_article_id
), sites AS (
    SELECT root_article_id, list(site ORDER BY site_published_at NULLS LAST, site) AS sites
    FROM (SELECT DISTINCT root_article_id, site, site_published_at FROM facts WHERE site IS NOT NULL)
    GROUP BY root_article_id
)
SELECT c.root_article_id, r.site AS root_site, r.title AS root_title, r.url AS root_url,
       r.published_at AS root_published_at, r.first_seen_at AS root_first_seen_at,
       c.members, c.article_ids, s.sites, c.site_count, c.site_count > 1 AS cross_site,
       c.first_published_at, c.last_published_at,
       date_diff('minute', c.first_published_at, c.last_published_at) / 60.0 AS spread_hours,
       c.first_seen_at, c.last_seen_at
FROM clusters c
LEFT JOIN sites s ON s.root_article_id = c.root_article_id
LEFT JOIN main.articles r ON r.article_id = c.root_article_id;
