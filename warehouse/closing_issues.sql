-- The open issues a batch answers: the raw page was parsed again and is an article now or shows
-- another problem (its own key is not among the batch's issues), or its URL is an article's now.
-- Read first, then closed by close_issues.sql (DuckLake has no UPDATE ... RETURNING).
SELECT url, content_hash, stage, problem FROM extraction_issues
WHERE resolved_at IS NULL
  AND ((content_hash IN (SELECT unnest(CAST($hashes::JSON AS VARCHAR[])))
        AND content_hash || '|' || stage || '|' || problem NOT IN (SELECT unnest(CAST($keys::JSON AS VARCHAR[]))))
       OR url IN (SELECT unnest(CAST($urls::JSON AS VARCHAR[]))));
