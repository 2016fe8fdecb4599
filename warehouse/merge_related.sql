-- Fold this batch's sightings (staged_links) into the edges: one row per (source, block, target).
-- The newest sighting gives position, title and text; the time windows intersect, unless they
-- disagree (the target was republished), when the newest window wins. A sighting no later than the
-- edge's last one (a reparse of an archived page) refreshes what it shows but is not counted again.
INSERT INTO related_links
SELECT source_article_id, block, target_url, target_article_id, position, title, time_text,
       published_after, published_until, image_url, image_caption, summary,
       seen_at, seen_at, 1
FROM staged_links
ON CONFLICT (source_article_id, block, target_url) DO UPDATE SET
    target_article_id = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.target_article_id ELSE related_links.target_article_id END,
    position          = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.position ELSE related_links.position END,
    title             = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.title ELSE related_links.title END,
    time_text         = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.time_text ELSE related_links.time_text END,
    published_after   = CASE WHEN greatest(related_links.published_after, excluded.published_after)
                                  < least(related_links.published_until, excluded.published_until)
                             THEN greatest(related_links.published_after, excluded.published_after)
                             ELSE excluded.published_after END,
    published_until   = CASE WHEN greatest(related_links.published_after, excluded.published_after)
                                  < least(related_links.published_until, excluded.published_until)
                             THEN least(related_links.published_until, excluded.published_until)
                             ELSE excluded.published_until END,
    image_url         = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.image_url ELSE related_links.image_url END,
    image_caption     = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.image_caption ELSE related_links.image_caption END,
    summary           = CASE WHEN excluded.last_seen_at >= related_links.last_seen_at
                             THEN excluded.summary ELSE related_links.summary END,
    first_seen_at     = least(related_links.first_seen_at, excluded.first_seen_at),
    last_seen_at      = greatest(related_links.last_seen_at, excluded.last_seen_at),
    seen_count        = related_links.seen_count
                        + CASE WHEN excluded.last_seen_at > related_links.last_seen_at THEN 1 ELSE 0 END;
