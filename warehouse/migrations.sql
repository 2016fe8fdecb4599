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
ALTER TABLE articles ADD COLUMN IF NOT EXISTS flags VARCHAR[] DEFAULT [];        -- doubtful text: replacement_characters
