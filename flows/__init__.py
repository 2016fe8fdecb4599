"""Prefect flows: wiring only, no HTML and no SQL."""
