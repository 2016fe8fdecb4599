-- Migration 1: the warehouse as DuckLake holds it. DuckLake keeps no primary keys or indexes: the
-- loader keeps each table's key unique itself (one row per key, written by MERGE or delete + insert),
-- as the comment beside each key column says.

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id              VARCHAR,
    site                VARCHAR NOT NULL,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    status              VARCHAR NOT NULL,        -- running, completed, failed, abandoned
    urls_discovered     INTEGER DEFAULT 0,       -- distinct canonical article URLs found
    urls_skipped        INTEGER DEFAULT 0,       -- discovered URLs that are not article pages
    urls_collapsed      INTEGER DEFAULT 0,       -- discovered spellings folded into one canonical URL
    pages_fetched       INTEGER DEFAULT 0,
    pages_unchanged     INTEGER DEFAULT 0,
    fetch_errors        INTEGER DEFAULT 0,
    articles_new        INTEGER DEFAULT 0,
    articles_updated    INTEGER DEFAULT 0,
    duplicates          INTEGER DEFAULT 0,       -- fetched pages that joined an existing article
    related_links_seen  INTEGER DEFAULT 0,
    issues              INTEGER DEFAULT 0
);

CREATE TABLE IF NOT EXISTS fetches (
    run_id          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,            -- as requested
    final_url       VARCHAR,
    fetched_at      TIMESTAMPTZ NOT NULL,
    status          INTEGER,                     -- NULL: no response (refused, timeout, robots.txt)
    outcome         VARCHAR NOT NULL,            -- article, duplicate, unchanged, issue, error, continuation, skipped
    byte_count      INTEGER,
    elapsed_ms      DOUBLE,
    attempts        INTEGER,
    etag            VARCHAR,
    last_modified   VARCHAR,
    content_type    VARCHAR,
    content_hash    VARCHAR,                     -- sha256 of the raw bytes; the archive's file name
    error           VARCHAR
);

CREATE TABLE IF NOT EXISTS articles (
    article_id          VARCHAR,     -- '<site>:<the site''s own id>'
    site                VARCHAR NOT NULL,
    url                 VARCHAR NOT NULL,        -- canonical
    title               VARCHAR NOT NULL,
    subtitle            VARCHAR,
    authors             VARCHAR[],
    editor              VARCHAR,
    published_at        TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ,
    section             VARCHAR,
    tags                VARCHAR[],
    dateline            VARCHAR,
    agency              VARCHAR,
    body                VARCHAR NOT NULL,
    word_count          INTEGER,
    image_url           VARCHAR,
    image_caption       VARCHAR,
    image_credit        VARCHAR,
    editors_pick_title  VARCHAR,
    editors_pick_url    VARCHAR,
    language            VARCHAR,
    layout              VARCHAR,
    content_hash        VARCHAR NOT NULL,
    first_seen_at       TIMESTAMPTZ NOT NULL,    -- fetch time of the first version
    version_seen_at     TIMESTAMPTZ NOT NULL,    -- fetch time of this version
    version             INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS article_versions (
    article_id      VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    content_hash    VARCHAR NOT NULL,
    seen_at         TIMESTAMPTZ NOT NULL,
    title           VARCHAR NOT NULL,
    body            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS article_urls (
    url             VARCHAR,         -- every URL a page of the article was fetched from
    article_id      VARCHAR NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS related_links (
    source_article_id   VARCHAR NOT NULL,
    block               VARCHAR NOT NULL,        -- rekomendasi, video_pilihan, ...
    target_url          VARCHAR NOT NULL,        -- canonical
    target_article_id   VARCHAR,                 -- the site's id when the URL carries one
    position            INTEGER NOT NULL,        -- as last seen, 1-based
    title               VARCHAR,
    time_text           VARCHAR,                 -- as last seen: '2 jam lalu'
    published_after     TIMESTAMPTZ,             -- every sighting's window, intersected:
    published_until     TIMESTAMPTZ,             --   the target appeared in (after, until]
    image_url           VARCHAR,
    image_caption       VARCHAR,
    summary             VARCHAR,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    seen_count          INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS removals (
    article_id      VARCHAR NOT NULL,            -- for the article's current version
    rule            VARCHAR NOT NULL,
    count           INTEGER NOT NULL,
    sample          VARCHAR
);

CREATE TABLE IF NOT EXISTS extraction_issues (
    run_id          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    stage           VARCHAR NOT NULL,            -- parse, clean
    problem         VARCHAR NOT NULL,            -- a short stable code: unknown_layout, empty_body, ...
    detail          VARCHAR,
    content_hash    VARCHAR,                     -- the raw page, kept in the archive
    seen_at         TIMESTAMPTZ NOT NULL
);

-- Failure memory (kabar/memory.py): one row per URL the flow selected and fetched, replaced by each
-- fetch of it. A URL that is `gone` is never due again; its row stays.
CREATE TABLE IF NOT EXISTS url_state (
    url                 VARCHAR,     -- as requested (fetches.url)
    site                VARCHAR,
    failures            INTEGER NOT NULL,        -- consecutive failed attempts
    last_status         INTEGER,
    last_reason         VARCHAR,                 -- fetches.reason of the latest attempt; NULL: it came back
    last_attempt_at     TIMESTAMPTZ,
    next_attempt_at     TIMESTAMPTZ,             -- NULL: due now (or never, when gone)
    gone                BOOLEAN NOT NULL,        -- 410 once, or 404 twice in a row
    first_success_at    TIMESTAMPTZ,
    last_success_at     TIMESTAMPTZ
);

-- Layer 3 of deduplication: near duplicates (tasks/neardup.py computes, warehouse/loader.py writes).
-- Marks only: a near duplicate stays an article of its own. No foreign keys (see schema.sql).

-- The MinHash signature of each article's current body; replaced when the body changes.
CREATE TABLE IF NOT EXISTS article_minhash (
    article_id      VARCHAR,
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
    article_id      VARCHAR,
    duplicate_of    VARCHAR NOT NULL,            -- the earliest-seen article of the cluster
    similarity      DOUBLE NOT NULL,             -- estimated Jaccard of the two bodies' 5-word shingles
    found_at        TIMESTAMPTZ NOT NULL         -- fetch time of the version that was found to repeat
);

ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS near_duplicates INTEGER DEFAULT 0;  -- marks added by the run

-- Columns added after a table first shipped: a warehouse made by an older kabar gains them on open.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'article';     -- article, video, photo_gallery, infographic
ALTER TABLE articles ADD COLUMN IF NOT EXISTS access VARCHAR DEFAULT 'free';      -- free, paywalled (body is a teaser)
ALTER TABLE articles ADD COLUMN IF NOT EXISTS page_count INTEGER DEFAULT 1;      -- pages joined into the body
ALTER TABLE articles ADD COLUMN IF NOT EXISTS gone_at TIMESTAMPTZ;                 -- when its URL became gone (410, 404 twice)
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS reason VARCHAR;                        -- why no usable page: a code of records.REASONS
ALTER TABLE extraction_issues ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMPTZ;     -- when a later parse of the page or URL succeeded
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'ingest';     -- ingest, reparse
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS last_seen_at TIMESTAMPTZ;          -- the run's last write: start, each batch, finish
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS pages_skipped INTEGER DEFAULT 0;   -- fetches robots.txt disallowed
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS urls_not_due INTEGER DEFAULT 0;    -- selected URLs left for later (gone, backoff, revisit)
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS pages_reparsed INTEGER DEFAULT 0;  -- reparse: archived pages parsed again
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS issues_resolved INTEGER DEFAULT 0; -- pages that had an open issue and are articles now
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS charset VARCHAR;                    -- what the body was decoded as
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS charset_source VARCHAR;             -- how that was chosen: bom, header, meta, detected, fallback
ALTER TABLE articles ADD COLUMN IF NOT EXISTS flags VARCHAR[];        -- doubtful text: replacement_characters
