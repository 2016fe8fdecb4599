"""kabar: scheduled news ingestion into DuckDB.

Installed, the layers are subpackages: kabar.sites, kabar.tasks, kabar.flows, kabar.warehouse. A source
checkout keeps them in top-level folders beside this one; a process started in the checkout (a Prefect
worker running flows/ingest.py) puts the checkout first on sys.path and imports this folder, so it
looks for the layers there too and runs the same files an editable install maps.
"""

from pathlib import Path

__version__ = "0.1.0"

_checkout = Path(__file__).resolve().parent.parent
if (_checkout / "setup.py").is_file() and (_checkout / "flows" / "ingest.py").is_file():
    __path__.append(str(_checkout))
