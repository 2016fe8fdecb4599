-- Close the issues closing_issues.sql staged.
UPDATE extraction_issues SET resolved_at = current_timestamp
WHERE resolved_at IS NULL
  AND EXISTS (SELECT 1 FROM closing_issues c
              WHERE c.url = extraction_issues.url AND c.stage = extraction_issues.stage
                AND c.problem = extraction_issues.problem
                AND c.content_hash IS NOT DISTINCT FROM extraction_issues.content_hash);
