"""Where kabar keeps its data: the configured data folder (`home`: kabar.toml or `KABAR_HOME`, default
`./kabar-data`) and every default path under it. See kabar.config.

Read when asked, never at import: a process that sets `KABAR_HOME` after importing kabar (a test, a
worker's job environment) still gets its own folder.
"""

from pathlib import Path

from kabar import config

HOME_VARIABLE = "KABAR_HOME"
DEFAULT_HOME = config.DEFAULT_HOME


def home() -> Path:
    return config.load().home


def warehouse_path() -> Path:
    return config.load().warehouse


def archive_dir() -> Path:
    return config.load().archive


def demo_warehouse_path() -> Path:
    return home() / "demo.sqlite"


def demo_archive_dir() -> Path:
    return home() / "demo-archive"
