-- The open issues of these raw pages (by sha256) or of these URLs: what a batch need not report
-- again, and what it may answer (closed by close_issues.sql: DuckLake has no UPDATE ... RETURNING).
SELECT url, content_hash, stage, problem
FROM extraction_issues
WHERE resolved_at IS NULL
  AND (content_hash IN (SELECT unnest(CAST($hashes::JSON AS VARCHAR[])))
       OR url IN (SELECT unnest(CAST($urls::JSON AS VARCHAR[]))));
