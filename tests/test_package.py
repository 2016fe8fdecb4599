"""The package as users get it: one import name in the wheel, the demo from an empty folder, and a
process worker that runs `flows/ingest.py:ingest` from the checkout importing the same code."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kabar.warehouse.db import connect

ROOT = Path(__file__).parents[1]
LAYER_FOLDERS = ("flows", "tasks", "sites", "warehouse")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a new shell: no virtual environment, no PYTHONPATH, Prefect quiet and offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIRTUAL_ENV", "PYTHONPATH"))}
    return env | {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"} | extra


def _run(argv: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, ROOT])
    [built] = dist.glob("kabar-*.whl")
    return built


def test_the_wheel_holds_one_import_name_and_the_mirrors(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {"kabar", wheel.name.split("-py3")[0] + ".dist-info"}
    assert {f"kabar/{folder}/__init__.py" for folder in LAYER_FOLDERS} <= set(names)
    assert "kabar/sites/tempo/mirror/robots.txt" in names
    assert "kabar/warehouse/migrations/001_tables.sql" in names
    assert not [name for name in names if name.startswith("kabar/tests/")]


@pytest.mark.e2e
def test_a_fresh_venv_runs_the_demo_from_an_empty_folder(wheel, tmp_path):
    """pip install of the wheel into a new virtual environment, then `kabar demo` somewhere else:
    both bundled sites load, and the republished wire story is marked across sites."""
    venv, empty, home = tmp_path / "venv", tmp_path / "empty", tmp_path / "home"
    _run([sys.executable, "-m", "venv", venv])
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel])
    empty.mkdir()
    env = _clean_env(KABAR_HOME=str(home), PREFECT_HOME=str(tmp_path / "prefect"))
    done = _run([venv / "bin" / "kabar", "demo"], cwd=empty, env=env)
    assert list(empty.iterdir()) == [], "the demo wrote into the folder it ran from"
    assert "EventsWorker" not in done.stderr, done.stderr  # Prefect's shutdown chatter is not the user's
    with connect(home / "demo.sqlite", read_only=True) as con:
        sites = dict(con.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())
        across = con.execute(
            "SELECT count(*) FROM near_duplicates n JOIN articles a USING (article_id)"
            " JOIN articles b ON b.article_id = n.duplicate_of WHERE a.site <> b.site"
        ).fetchone()[0]
    assert set(sites) == {"tempo", "antara", "wartanusa"} and sites["wartanusa"] == 6, done.stdout
    assert min(sites["tempo"], sites["antara"]) >= 8, done.stdout
    assert across >= 1


def test_a_worker_running_the_entrypoint_imports_the_package(tmp_path):
    """What a process worker does with the deployment's entrypoint, in the checkout: load the flow file.
    Every layer it reaches is the kabar package's (the checkout's files), never a top-level `tasks`."""
    probe = (
        "import json, sys\n"
        "from prefect.flows import load_flow_from_entrypoint\n"
        "flow = load_flow_from_entrypoint('flows/ingest.py:ingest')\n"
        "files = {name: getattr(module, '__file__', None) for name, module in list(sys.modules.items())}\n"
        "print(json.dumps({'flow': flow.name, 'files': files}))\n"
    )
    done = _run([sys.executable, "-c", probe], cwd=ROOT, env=_clean_env(PREFECT_HOME=str(tmp_path)))
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded["flow"] == "ingest"
    files = loaded["files"]
    assert not set(LAYER_FOLDERS) & set(files), "a layer was imported under its own top-level name"
    for module in ("kabar.tasks.extract", "kabar.sites.base", "kabar.warehouse.loader", "kabar.records"):
        assert Path(files[module]).is_relative_to(ROOT), files[module]
    assert files["kabar.tasks.extract"] == str(ROOT / "tasks" / "extract.py")
