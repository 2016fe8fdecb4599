-- Stable names for analysts. Views may change their insides; their columns only grow.

CREATE OR REPLACE VIEW related_articles AS
SELECT r.source_article_id, s.title AS source_title, r.block, r.position,
       r.target_url, r.target_article_id, coalesce(t.title, r.title) AS target_title,
       t.published_at AS target_published_at,   -- the real time, once the target itself is crawled
       r.published_after, r.published_until, r.time_text, r.summary,
       r.first_seen_at, r.last_seen_at, r.seen_count,
       t.article_id IS NOT NULL AS target_in_warehouse
FROM related_links r
JOIN articles s ON s.article_id = r.source_article_id
LEFT JOIN articles t ON t.article_id = r.target_article_id;

CREATE OR REPLACE VIEW run_health AS
SELECT run_id, site, started_at, finished_at, status,
       date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds,
       pages_fetched, fetch_errors, pages_unchanged, articles_new, articles_updated, duplicates, issues,
       round(100.0 * fetch_errors / nullif(pages_fetched, 0), 1) AS error_pct,
       kind, last_seen_at, pages_skipped, urls_not_due, pages_reparsed, issues_resolved
FROM crawl_runs;
