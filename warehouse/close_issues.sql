-- Close the open issues a batch answered: the raw page was parsed again and is an article now or
-- shows another problem (its own key is not among the batch's issues), or its URL is an article's now.
UPDATE extraction_issues SET resolved_at = current_timestamp
WHERE resolved_at IS NULL
  AND ((content_hash IN (SELECT unnest($hashes::VARCHAR[]))
        AND content_hash || '|' || stage || '|' || problem NOT IN (SELECT unnest($keys::VARCHAR[])))
       OR url IN (SELECT unnest($urls::VARCHAR[])))
RETURNING url, content_hash;
