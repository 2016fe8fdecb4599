-- The pages a reparse parses again: each URL's latest successful fetch by the site's runs (pages
-- 2..n are read through their page 1, not on their own), fetched since $since; with $layout, only
-- pages whose article has that layout or whose raw page has an open issue. Newest first, so the
-- latest fetch of an article fetched under several URLs is the one that counts.
WITH latest AS (
    SELECT f.url, arg_max(f.final_url, f.fetched_at) AS final_url, max(f.fetched_at) AS fetched_at,
           arg_max(f.content_hash, f.fetched_at) AS content_hash,
           arg_max(f.served_at, f.fetched_at) AS served_at  -- relative times count from it
    FROM fetches f JOIN crawl_runs r USING (run_id)
    WHERE r.site = $site AND f.status = 200 AND f.content_hash IS NOT NULL AND f.reason IS NULL
      AND f.outcome NOT IN ('continuation', 'source')  -- pages 2..n, and sitemaps and feeds
    GROUP BY f.url
)
SELECT l.url, l.final_url, l.fetched_at, l.content_hash, l.served_at
FROM latest l
WHERE ($since::TIMESTAMPTZ IS NULL OR l.fetched_at >= $since::TIMESTAMPTZ)
  AND ($layout::VARCHAR IS NULL
       OR EXISTS (SELECT 1 FROM article_urls u JOIN articles a USING (article_id)
                  WHERE u.url = l.url AND a.layout = $layout::VARCHAR)
       OR EXISTS (SELECT 1 FROM extraction_issues i
                  WHERE i.content_hash = l.content_hash AND i.resolved_at IS NULL))
ORDER BY l.fetched_at DESC, l.url;
