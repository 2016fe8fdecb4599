-- Columns added after a table first shipped: a warehouse made by an older kabar gains them on open.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'article';     -- article, video, photo_gallery, infographic
ALTER TABLE articles ADD COLUMN IF NOT EXISTS access VARCHAR DEFAULT 'free';      -- free, paywalled (body is a teaser)
ALTER TABLE articles ADD COLUMN IF NOT EXISTS page_count INTEGER DEFAULT 1;      -- pages joined into the body
