-- The stored edges this batch's sightings (staged_links) fold into: their row ids and the few columns
-- the fold reads. Narrow on purpose: DuckLake keeps no index, so this scans every edge, and reading
-- the cards' text too (as a MERGE must) made the batch's largest statement twice as slow.
CREATE OR REPLACE TEMP TABLE matched_links AS
SELECT r.rowid AS row_id, source_article_id, block, target_url, r.first_seen_at, r.last_seen_at,
       r.seen_count, r.published_after, r.published_until, r.run_id
FROM related_links r SEMI JOIN staged_links s USING (source_article_id, block, target_url);
