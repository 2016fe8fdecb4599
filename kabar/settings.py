"""Where kabar keeps its data: `KABAR_HOME` (default `./kabar-data`) and every default path under it.

Read when asked, never at import: a process that sets `KABAR_HOME` after importing kabar (a test, a
worker's job environment) still gets its own folder.
"""

import os
from pathlib import Path

HOME_VARIABLE = "KABAR_HOME"
DEFAULT_HOME = "kabar-data"


def home() -> Path:
    return Path(os.environ.get(HOME_VARIABLE) or DEFAULT_HOME)


def warehouse_path() -> Path:
    return home() / "warehouse.sqlite"


def archive_dir() -> Path:
    return home() / "archive"


def demo_warehouse_path() -> Path:
    return home() / "demo.sqlite"


def demo_archive_dir() -> Path:
    return home() / "demo-archive"
