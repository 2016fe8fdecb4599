-- Articles whose URL the site says is gone (410, or 404 twice): flagged as of that fetch, never
-- deleted. The URL is one the article was fetched from (article_urls) or its canonical URL.
UPDATE articles SET gone_at = hit.gone_since
FROM (
    SELECT article_id, min(gone_since) AS gone_since
    FROM (
        SELECT u.article_id, g.gone_since
        FROM (SELECT unnest(CAST($urls::JSON AS VARCHAR[])) AS url, unnest(CAST($times::JSON AS TIMESTAMPTZ[])) AS gone_since) g
        JOIN article_urls u USING (url)
        UNION ALL
        SELECT a.article_id, g.gone_since
        FROM (SELECT unnest(CAST($urls::JSON AS VARCHAR[])) AS url, unnest(CAST($times::JSON AS TIMESTAMPTZ[])) AS gone_since) g
        JOIN articles a USING (url)
    )
    GROUP BY article_id
) hit
WHERE articles.article_id = hit.article_id AND articles.gone_at IS NULL;
