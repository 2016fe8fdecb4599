-- Layer 3 of deduplication: near duplicates (tasks/neardup.py computes, warehouse/loader.py writes).
-- Marks only: a near duplicate stays an article of its own. No foreign keys (see schema.sql).

-- The MinHash signature of each article's current body; replaced when the body changes.
CREATE TABLE IF NOT EXISTS article_minhash (
    article_id      VARCHAR PRIMARY KEY,
    signature       UINTEGER[] NOT NULL          -- 128 values (num_perm), seed and shingles fixed in neardup.py
);

-- The LSH index: one row per (band, article). Articles sharing a (band, bucket) are candidates;
-- a batch finds its candidates by joining its own rows to this table.
CREATE TABLE IF NOT EXISTS article_bands (
    band            INTEGER NOT NULL,            -- 0..15
    bucket          UBIGINT NOT NULL,            -- 64-bit hash of the band's 8 signature values
    article_id      VARCHAR NOT NULL
);

-- One row per article found to repeat an earlier one: a cluster is its earliest-seen article
-- (`duplicate_of`, which has no row of its own) and every article pointing at it.
CREATE TABLE IF NOT EXISTS near_duplicates (
    article_id      VARCHAR PRIMARY KEY,
    duplicate_of    VARCHAR NOT NULL,            -- the earliest-seen article of the cluster
    similarity      DOUBLE NOT NULL,             -- estimated Jaccard of the two bodies' 5-word shingles
    found_at        TIMESTAMPTZ NOT NULL         -- fetch time of the version that was found to repeat
);

ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS near_duplicates INTEGER DEFAULT 0;  -- marks added by the run
