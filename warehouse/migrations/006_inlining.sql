-- Migration 6: the tables a re-fetch updates here and there (a related link seen again, a URL's
-- failure memory, a changed body's MinHash bands) keep small writes in the catalog instead of one
-- Parquet delete file per data file touched: a 1,000-page re-fetch at 100k articles wrote ~200 such
-- files per batch, most of its commit time. Inserts this small are inlined too. The daily
-- maintenance flushes them into Parquet (ducklake_flush_inlined_data).
CALL kabar.set_option('data_inlining_row_limit', 200, table_name => 'related_links');
CALL kabar.set_option('data_inlining_row_limit', 200, table_name => 'removals');
CALL kabar.set_option('data_inlining_row_limit', 200, schema => 'internal', table_name => 'url_state');
CALL kabar.set_option('data_inlining_row_limit', 200, schema => 'internal', table_name => 'article_minhash');
CALL kabar.set_option('data_inlining_row_limit', 500, schema => 'internal', table_name => 'article_bands');
CALL kabar.set_option('data_inlining_row_limit', 200, table_name => 'near_duplicates');
