"""The warehouse opens in the DuckDB CLI of the pinned version (`duckdb-cli` on the package index), as an
analyst would open it: the lake's catalog attached read-only, its tables queried."""

import shutil
import subprocess
from datetime import UTC, datetime

import duckdb
import pytest

from kabar.warehouse import loader
from kabar.warehouse.db import connect


def test_the_duckdb_cli_of_the_same_version_reads_the_warehouse(tmp_path):
    cli = shutil.which("duckdb")
    if cli is None:
        pytest.skip("no duckdb CLI on PATH (pip install duckdb-cli)")
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        loader.start_run(con, "run-1", "tempo", datetime(2023, 10, 1, 5, tzinfo=UTC))
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith(f"v{duckdb.__version__}")
    script = f"LOAD ducklake; LOAD sqlite_scanner; ATTACH 'ducklake:sqlite:{db}' AS kabar (READ_ONLY);"
    script += " SELECT run_id, site FROM kabar.crawl_runs;"
    script += " USE kabar; SELECT count(*) AS articles FROM analytics.articles;"  # as docs/queries.md has it
    done = subprocess.run([cli, "-csv", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-4:] == ["run_id,site", "run-1,tempo", "articles", "0"]
