-- Migration 8: no data inlining. DuckLake 1.5.5's ducklake_flush_inlined_data (the daily maintenance)
-- drops the catalog tables that held inlined rows, and a reader attached in another process keeps
-- failing on them ("no such table: ducklake_inlined_data_9_2") until it attaches again
-- (duckdb/ducklake#1305, #1413): an analyst's long-lived connection would break every night. Without
-- inlining, the next flush moves what is still inlined and later flushes have nothing to drop.
CALL kabar.set_option('data_inlining_row_limit', 0);
CALL kabar.set_option('data_inlining_row_limit', 0, table_name => 'related_links');
CALL kabar.set_option('data_inlining_row_limit', 0, table_name => 'removals');
CALL kabar.set_option('data_inlining_row_limit', 0, schema => 'internal', table_name => 'url_state');
CALL kabar.set_option('data_inlining_row_limit', 0, schema => 'internal', table_name => 'article_minhash');
CALL kabar.set_option('data_inlining_row_limit', 0, schema => 'internal', table_name => 'article_bands');
CALL kabar.set_option('data_inlining_row_limit', 0, table_name => 'near_duplicates');
-- What is inlined already moves to Parquet now, once (a reader attached during this upgrade must
-- attach again); the maintenance no longer flushes.
CALL ducklake_flush_inlined_data('kabar');
