-- The raw page (sha256) of a URL's latest successful fetch by the site's runs: a fetch of the URL
-- itself first, else of the same path and query on another origin (the mirror a run fetched from).
SELECT f.content_hash
FROM fetches f JOIN crawl_runs r USING (run_id)
WHERE r.site = $site AND f.status = 200 AND f.content_hash IS NOT NULL AND f.reason IS NULL
  AND (f.url = $url OR regexp_replace(f.url, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', '') = $path)
ORDER BY f.url = $url DESC, f.fetched_at DESC
LIMIT 1;
