-- Migration 4: what analysts need not see moves to the schema `internal`: the failure memory and the
-- near-duplicate index (MinHash signatures, LSH bands). kabar finds them through its search path
-- (warehouse/db.py), so its SQL names them unqualified.
CREATE SCHEMA IF NOT EXISTS internal;

CREATE TABLE internal.url_state (
    url                 VARCHAR NOT NULL,        -- key: as requested (fetches.url)
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
INSERT INTO internal.url_state SELECT * FROM main.url_state;
DROP TABLE main.url_state;

CREATE TABLE internal.article_minhash (
    article_id      VARCHAR NOT NULL,            -- key
    signature       UINTEGER[] NOT NULL          -- 128 values (num_perm), seed and shingles fixed in neardup.py
);
INSERT INTO internal.article_minhash SELECT * FROM main.article_minhash;
DROP TABLE main.article_minhash;

CREATE TABLE internal.article_bands (
    band            INTEGER NOT NULL,            -- 0..15
    bucket          UBIGINT NOT NULL,            -- 64-bit hash of the band's 8 signature values
    article_id      VARCHAR NOT NULL
);
INSERT INTO internal.article_bands SELECT * FROM main.article_bands;
DROP TABLE main.article_bands;
