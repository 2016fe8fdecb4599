-- merge_related.sql's rules where every sighting is at least as new as its stored edge (the loader
-- checks): the matched edges (matched_links) were deleted by row id; each comes back folded.
INSERT INTO related_links
WITH s AS (SELECT DISTINCT ON (source_article_id, block, target_url) * FROM staged_links)
SELECT s.source_article_id, s.block, s.target_url, s.target_article_id, s.position, s.title, s.time_text,
    CASE WHEN greatest(r.published_after, s.published_after) < least(r.published_until, s.published_until)
         THEN greatest(r.published_after, s.published_after) ELSE s.published_after END,
    CASE WHEN greatest(r.published_after, s.published_after) < least(r.published_until, s.published_until)
         THEN least(r.published_until, s.published_until) ELSE s.published_until END,
    s.image_url, s.image_caption, s.summary,
    coalesce(r.first_seen_at, s.seen_at),
    s.seen_at,
    coalesce(r.seen_count, 0) + CASE WHEN r.row_id IS NULL OR s.seen_at > r.last_seen_at THEN 1 ELSE 0 END,
    CASE WHEN r.row_id IS NULL OR s.seen_at > r.last_seen_at THEN s.run_id ELSE r.run_id END
FROM s LEFT JOIN matched_links r USING (source_article_id, block, target_url);
