"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks (a DuckLake catalog).

Debian's binaries (/usr/lib/postgresql/<version>/bin); `initdb` refuses root, so as root the server runs
as the `postgres` system user (else `nobody`) in a private folder of its own. Trust authentication, TCP
on 127.0.0.1 only, the socket in that folder, English messages (DuckLake tells a snapshot conflict it can
retry by the catalog's error text). Start and stop are bounded; the folder goes with the server.

    with postgres() as pg:
        conninfo = pg.database("kabar")   # "dbname=kabar host=127.0.0.1 port=... user=kabar"
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "kabar"  # the server's superuser, as clients name it
START_TIMEOUT = 60.0
STOP_GRACE = 15.0
# Not a durable server: a test's catalog need not survive a power cut, and fsync on a busy shared disk
# costs seconds. The benchmark can ask for the defaults.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing() -> str | None:
    """Why no server can be started here (a test's skip reason), or None."""
    if bin_dir() is None:
        return "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)"
    return None


@dataclass
class Postgres:
    port: int
    folder: Path
    bin: Path

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={USER}"

    def database(self, name: str) -> str:
        """A new database; its connection string."""
        _run([self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name])
        return self.conninfo(name)


@contextmanager
def postgres(durable: bool = False) -> Iterator[Postgres]:
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError(missing())
    folder = Path(tempfile.mkdtemp(prefix="kabar-pg-"))
    account = _account()
    try:
        if account is not None:
            os.chown(folder, account.pw_uid, account.pw_gid)
        data = folder / "data"
        _run(
            [binaries / "initdb", "-D", data, "-U", USER, "--auth=trust", "--no-locale", "-E", "UTF8"],
            account=account,
        )
        port = _free_port()
        settings = ["lc_messages=C", "max_connections=200", *(() if durable else FAST)]
        server = subprocess.Popen(
            [binaries / "postgres", "-D", data, "-p", str(port), "-h", "127.0.0.1", "-k", folder]
            + [arg for setting in settings for arg in ("-c", setting)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(folder / "server.log").open("wb"),
            start_new_session=True,
            **_as(account),
        )
        try:
            _wait_ready(binaries, port, server, folder)
            yield Postgres(port=port, folder=folder, bin=binaries)
        finally:
            _stop(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _account() -> pwd.struct_passwd | None:
    """Whom the server runs as: this user, unless root (then `postgres`, else `nobody`)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists for initdb")


def _as(account: pwd.struct_passwd | None) -> dict:
    return {} if account is None else {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _run(args: list, account: pwd.struct_passwd | None = None) -> None:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=START_TIMEOUT, **_as(account)
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(str(args[0])).name} failed: {(done.stderr or done.stdout).strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(binaries: Path, port: int, server: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            log = (folder / "server.log").read_text(errors="replace")
            raise RuntimeError(f"postgres exited at start: {log.strip().splitlines()[-1:]}")
        ready = subprocess.run(
            [binaries / "pg_isready", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-t", "2"],
            capture_output=True,
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            _stop(server)
            raise RuntimeError(f"postgres not ready after {START_TIMEOUT:.0f} s")
        time.sleep(0.2)


def _stop(server: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT: clients disconnected, no wait for them), SIGKILL after a grace."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=STOP_GRACE)
