-- Migration 7: the response's Date (kabar/http.py, FetchedPage.served_at): when the server produced
-- the page, which its relative times ("2 jam lalu") count from. A reparse resolves them from it again,
-- as the ingest did; NULL (no usable Date, or fetched before this migration): from fetched_at.
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS served_at TIMESTAMPTZ;
