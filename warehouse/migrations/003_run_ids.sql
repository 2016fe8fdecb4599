-- Migration 3: a run id on every content row: the run that wrote the row (for an edge of
-- related_links, the run that last saw it). Rows written before this migration have none.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE article_versions ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE article_urls ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE related_links ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE removals ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE near_duplicates ADD COLUMN IF NOT EXISTS run_id VARCHAR;
