-- Fold this batch's sightings (staged_links) into the edges: one row per (source, block, target).
-- The newest sighting gives position, title and text; the time windows intersect, unless they
-- disagree (the target was republished), when the newest window wins.
INSERT INTO related_links
SELECT source_article_id, block, target_url, target_article_id, position, title, time_text,
       published_after, published_until, image_url, image_caption, summary,
       seen_at, seen_at, 1
FROM staged_links
ON CONFLICT (source_article_id, block, target_url) DO UPDATE SET
    target_article_id = excluded.target_article_id,
    position          = excluded.position,
    title             = excluded.title,
    time_text         = excluded.time_text,
    published_after   = CASE WHEN greatest(related_links.published_after, excluded.published_after)
                                  < least(related_links.published_until, excluded.published_until)
                             THEN greatest(related_links.published_after, excluded.published_after)
                             ELSE excluded.published_after END,
    published_until   = CASE WHEN greatest(related_links.published_after, excluded.published_after)
                                  < least(related_links.published_until, excluded.published_until)
                             THEN least(related_links.published_until, excluded.published_until)
                             ELSE excluded.published_until END,
    image_url         = excluded.image_url,
    image_caption     = excluded.image_caption,
    summary           = excluded.summary,
    first_seen_at     = least(related_links.first_seen_at, excluded.first_seen_at),
    last_seen_at      = greatest(related_links.last_seen_at, excluded.last_seen_at),
    seen_count        = related_links.seen_count + 1;
