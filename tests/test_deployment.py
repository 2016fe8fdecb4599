"""prefect.yaml deploys one schedule per registered site (every 30 minutes, Asia/Jakarta, one run at a
time), all running the flow file of this checkout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kabar.sites import all_sites

ROOT = Path(__file__).parents[1]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
INGEST = [entry for entry in DEPLOYMENTS if entry["entrypoint"] == "flows/ingest.py:ingest"]


def _prefect(*args: str, api_url: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PREFECT_API_URL": api_url}
    cli = [sys.executable, "-m", "prefect", "--no-prompt", *args]
    return subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_every_registered_site_has_one_deployment():
    deployed = [entry["parameters"]["site"] for entry in INGEST]
    assert sorted(deployed) == sorted(all_sites()), "add one prefect.yaml entry per site"


@pytest.mark.e2e
def test_prefect_yaml_deploys_every_site_schedule(prefect_api):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    for args in (("work-pool", "create", "kabar-process", "--type", "process"), ("deploy", "--all")):
        done = _prefect(*args, api_url=api_url)
        assert done.returncode == 0, done.stdout + done.stderr

    with get_client(sync_client=True) as client:
        for entry in DEPLOYMENTS:
            flow_name = entry["entrypoint"].rsplit(":", 1)[1]
            deployment = client.read_deployment_by_name(f"{flow_name}/{entry['name']}")
            assert deployment.parameters == entry["parameters"]
            assert deployment.work_pool_name == "kabar-process"
            assert deployment.entrypoint == entry["entrypoint"]
            assert deployment.global_concurrency_limit is not None
            assert deployment.global_concurrency_limit.limit == 1
            [schedule] = deployment.schedules
            assert schedule.schedule.timezone == "Asia/Jakarta" and schedule.active
            assert (
                schedule.schedule.cron == entry["schedules"][0]["cron"]
                and schedule.schedule.cron.count(",") <= 1
            )
    assert {e["entrypoint"] for e in DEPLOYMENTS} - {e["entrypoint"] for e in INGEST} == {
        "flows/maintenance.py:maintenance"
    }
    tempo = next(e for e in INGEST if e["parameters"]["site"] == "tempo")
    assert tempo["schedules"][0]["cron"] == "*/30 * * * *"
