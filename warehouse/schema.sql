-- The kabar warehouse. Every time is TIMESTAMPTZ in UTC. No foreign keys: DuckDB cannot update a
-- list column of a row that a foreign key points to, and edges must be re-writable.

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id              VARCHAR PRIMARY KEY,
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
    article_id          VARCHAR PRIMARY KEY,     -- '<site>:<the site''s own id>'
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
    body            VARCHAR NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE IF NOT EXISTS article_urls (
    url             VARCHAR PRIMARY KEY,         -- every URL a page of the article was fetched from
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
    seen_count          INTEGER NOT NULL,
    PRIMARY KEY (source_article_id, block, target_url)
);

CREATE TABLE IF NOT EXISTS removals (
    article_id      VARCHAR NOT NULL,            -- for the article's current version
    rule            VARCHAR NOT NULL,
    count           INTEGER NOT NULL,
    sample          VARCHAR,
    PRIMARY KEY (article_id, rule)
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
    url                 VARCHAR PRIMARY KEY,     -- as requested (fetches.url)
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
