"""A real Prefect server, its CLI and workers as subprocesses of a test or a benchmark: started in a
process group of their own, in an environment free of the user's Prefect and kabar settings, and
stopped as a whole (tests/test_deployment.py, bench/scaleout.py)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[1]
STOP_GRACE = 15.0  # SIGTERM, then SIGKILL
SERVER_START = 120.0  # seconds until /api/health answers (2 busy cores: ~15 s)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prefect_environment(prefect_home: Path, api_url: str) -> dict[str, str]:
    """This process's environment without any Prefect or kabar setting, then the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "KABAR_"))}
    return env | {
        "PREFECT_HOME": str(prefect_home),  # profiles, the server's database: nothing of the user's
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONUNBUFFERED": "1",
        # A server on SQLite answers 503 while its database is locked (2 s apart): with Prefect's 5
        # retries a busy 2-core machine crashed a flow run's submission; a busy server must not.
        "PREFECT_CLIENT_MAX_RETRIES": "30",
    }


def _descendants(pid: int) -> list[int]:
    """The processes `pid` started, and theirs (Linux /proc): a flow run may sit in its own session."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():  # elsewhere: the group alone
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pids: list[int], sig: int, group: int) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (and to whatever it spawned elsewhere), SIGKILL after a grace."""
    spawned = _descendants(process.pid)
    _signal(spawned, signal.SIGTERM, process.pid)
    try:
        process.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        pass
    _signal(spawned, signal.SIGKILL, process.pid)  # also ends children that outlived the leader
    process.wait(timeout=STOP_GRACE)


def start_prefect(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )


def tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return f"\n--- {log.name} ---\n" + "\n".join(text.splitlines()[-lines:])


# --- a Prefect server ------------------------------------------------------------------------------


@dataclass
class Server:
    api_url: str
    env: dict[str, str]
    folder: Path


@contextmanager
def prefect_server(folder: Path) -> Iterator[Server]:
    """A real `prefect server start` on 127.0.0.1 (its own PREFECT_HOME and database, no scheduler:
    only the runs asked for run), stopped with everything it spawned."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_environment(folder / "prefect-home", api_url)
    server_env = env | {
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",  # no cron fires: only the runs asked for
        "PREFECT_SERVER_UI_ENABLED": "false",
    }
    log = folder / "server.log"
    process = start_prefect(["server", "start", "--host", "127.0.0.1", "--port", str(port)], server_env, log)
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if process.poll() is not None:
                raise RuntimeError("the Prefect server exited" + tail(log))
            try:
                if httpx.get(f"{api_url}/health", timeout=2).json() is True:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no /api/health after {SERVER_START:.0f} s" + tail(log))
            time.sleep(0.5)
        yield Server(api_url=api_url, env=env, folder=folder)
    finally:
        stop_process(process)


@contextmanager
def client_of(server: Server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        yield client
