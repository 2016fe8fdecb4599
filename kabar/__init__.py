"""kabar: scheduled news ingestion into DuckDB."""

__version__ = "0.1.0"
