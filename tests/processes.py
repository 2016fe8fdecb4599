"""A real Prefect server, its CLI and workers as subprocesses of a test or a benchmark: started in a
process group of their own, in an environment free of the user's Prefect and kabar settings, and
stopped as a whole (tests/test_deployment.py, bench/scaleout.py)."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
STOP_GRACE = 15.0  # SIGTERM, then SIGKILL


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
