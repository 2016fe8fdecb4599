-- The open issues of these raw pages (by sha256): what a batch need not report again.
SELECT content_hash, stage, problem
FROM extraction_issues
WHERE resolved_at IS NULL AND content_hash IN (SELECT unnest(CAST($hashes::JSON AS VARCHAR[])));
