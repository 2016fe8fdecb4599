-- Fold this batch's sightings (staged_links) into the edges: one row per (source, block, target).
-- The newest sighting gives position, title and text; the time windows intersect, unless they
-- disagree (the target was republished), when the newest window wins. A sighting no later than the
-- edge's last one (a reparse of an archived page) refreshes what it shows but is not counted again.
-- The loader runs this MERGE only when some sighting is older than its edge (its cards are kept, so
-- it reads every column); otherwise matched_links.sql + fold_related.sql do the same in less time.
MERGE INTO related_links AS r
USING (SELECT DISTINCT ON (source_article_id, block, target_url) * FROM staged_links) AS s
ON r.source_article_id = s.source_article_id AND r.block = s.block AND r.target_url = s.target_url
WHEN NOT MATCHED THEN INSERT VALUES (
    s.source_article_id, s.block, s.target_url, s.target_article_id, s.position, s.title, s.time_text,
    s.published_after, s.published_until, s.image_url, s.image_caption, s.summary,
    s.seen_at, s.seen_at, 1, s.run_id)
WHEN MATCHED THEN UPDATE SET
    target_article_id = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.target_article_id ELSE r.target_article_id END,
    position          = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.position ELSE r.position END,
    title             = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.title ELSE r.title END,
    time_text         = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.time_text ELSE r.time_text END,
    published_after   = CASE WHEN greatest(r.published_after, s.published_after)
                                  < least(r.published_until, s.published_until)
                             THEN greatest(r.published_after, s.published_after)
                             ELSE s.published_after END,
    published_until   = CASE WHEN greatest(r.published_after, s.published_after)
                                  < least(r.published_until, s.published_until)
                             THEN least(r.published_until, s.published_until)
                             ELSE s.published_until END,
    image_url         = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.image_url ELSE r.image_url END,
    image_caption     = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.image_caption ELSE r.image_caption END,
    summary           = CASE WHEN s.seen_at >= r.last_seen_at
                             THEN s.summary ELSE r.summary END,
    run_id            = CASE WHEN s.seen_at > r.last_seen_at THEN s.run_id ELSE r.run_id END,
    first_seen_at     = least(r.first_seen_at, s.seen_at),
    last_seen_at      = greatest(r.last_seen_at, s.seen_at),
    seen_count        = r.seen_count
                        + CASE WHEN s.seen_at > r.last_seen_at THEN 1 ELSE 0 END;
