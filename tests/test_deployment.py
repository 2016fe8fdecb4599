"""prefect.yaml deploys: the tempo schedule (every 30 minutes, Asia/Jakarta, one run at a time)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _prefect(*args: str, api_url: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PREFECT_API_URL": api_url, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "prefect", "--no-prompt", *args]
    return subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_prefect_yaml_deploys_the_tempo_schedule(prefect_api):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    for args in (("work-pool", "create", "kabar-process", "--type", "process"), ("deploy", "--all")):
        done = _prefect(*args, api_url=api_url)
        assert done.returncode == 0, done.stdout + done.stderr

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest/tempo-every-30-minutes")
    assert deployment.parameters == {"site": "tempo"}
    assert deployment.work_pool_name == "kabar-process"
    assert deployment.entrypoint == "flows/ingest.py:ingest"
    assert deployment.global_concurrency_limit is not None
    assert deployment.global_concurrency_limit.limit == 1
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "*/30 * * * *", "Asia/Jakarta", True)
