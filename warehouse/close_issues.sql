-- Close the issues a batch answered (given as parallel lists: url, content hash, stage, problem).
UPDATE extraction_issues SET resolved_at = current_timestamp
WHERE resolved_at IS NULL
  AND EXISTS (SELECT 1
              FROM (SELECT unnest(CAST($urls::JSON AS VARCHAR[])) AS url, unnest(CAST($hashes::JSON AS VARCHAR[])) AS content_hash,
                           unnest(CAST($stages::JSON AS VARCHAR[])) AS stage, unnest(CAST($problems::JSON AS VARCHAR[])) AS problem) c
              WHERE c.url = extraction_issues.url AND c.stage = extraction_issues.stage
                AND c.problem = extraction_issues.problem
                AND c.content_hash IS NOT DISTINCT FROM extraction_issues.content_hash);
