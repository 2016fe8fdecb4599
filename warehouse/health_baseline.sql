-- The baseline of a site's health measures: each judged measure's mean over the site's last $runs
-- healthy runs (completed ingest runs that were checked and broke no threshold).
WITH healthy AS (
    SELECT r.run_id
    FROM crawl_runs r
    WHERE r.site = $site AND r.kind = 'ingest' AND r.status = 'completed'
      AND EXISTS (SELECT 1 FROM health_checks h WHERE h.run_id = r.run_id AND h.site = r.site)
      AND NOT EXISTS (SELECT 1 FROM health_checks h WHERE h.run_id = r.run_id AND h.site = r.site AND NOT h.passed)
    ORDER BY r.started_at DESC
    LIMIT $runs
)
SELECT measure, avg(value)
FROM health_checks
WHERE site = $site AND run_id IN (SELECT run_id FROM healthy)
  AND value IS NOT NULL AND threshold IS NOT NULL  -- a figure over too few pages says nothing
GROUP BY measure
