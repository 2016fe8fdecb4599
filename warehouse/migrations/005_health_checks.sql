-- Migration 5: the health gates' verdicts (kabar/health.py): one row per run, site and measure. A run
-- with a failed row ended `failed`; the rows of a site's recent healthy runs form its baseline.
CREATE TABLE IF NOT EXISTS health_checks (
    run_id          VARCHAR NOT NULL,            -- key: (run_id, site, measure)
    site            VARCHAR NOT NULL,
    measure         VARCHAR NOT NULL,            -- urls_discovered, fetch_error_rate, missing_author_rate, ...
    value           DOUBLE,                      -- NULL: nothing to measure (no page parsed)
    baseline        DOUBLE,                      -- mean over the site's recent healthy runs; NULL: none yet
    threshold       DOUBLE,                      -- the limit applied; NULL: recorded, not judged
    passed          BOOLEAN NOT NULL,
    message         VARCHAR,
    checked_at      TIMESTAMPTZ NOT NULL
);
