"""The DuckDB warehouse: schema, views, the loader and the read-only access analysts use."""
