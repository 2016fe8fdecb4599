"""Opening the warehouse: a DuckLake, so that analysts reading it and runs loading it never block each
other; UTC everywhere; migrations applied once, in order, by a child of the first writable connect that
lacks them.

Where it is (`location`, what `connect` and every task take): a path, or `postgres:<libpq connection
string>`. A path is a SQLite catalog with the Parquet data in a folder beside it: one machine. Writers
use the catalog `<path>.writer`; each writable connection, after a commit and when it closes, publishes
a copy of it at `<path>` (SQLite's backup, then an atomic rename). A reader therefore holds no lock a
run could wait for (a DuckDB result left unread keeps its catalog read open: a run's commit waited for
it, then failed). A reader attaches a hard link of its own to the copy, not `<path>`: DuckLake opens the
catalog file again for every query, three times, so a query that spanned a rename read two commits'
catalogs and counted rows of neither (`bench/torn_reads.py`: 81 of 3,584 counts off). Before a
statement, a reader whose copy was replaced moves its link to the new one (`Reading`). A
PostgreSQL catalog lets many machines and workers write at once; its data lives in a shared folder
(`data_path` in kabar.toml, KABAR_DATA_PATH) that the catalog records when it is made, so a client that
only reads may leave it unset. Two writers that change the same rows conflict at commit: `is_conflict`
tells that error, and the writer tries its transaction again (tasks/load.py).

All access goes through `connect`; tasks take their writable connection from `session`, which keeps one
a process used before (its caches warm) for the next task.
"""

import atexit
import fcntl
import glob
import hashlib
import itertools
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import duckdb

from kabar.settings import demo_warehouse_path

log = logging.getLogger(__name__)

CATALOG = "kabar"  # the name the lake is attached under (and selected by USE)
EXTENSIONS = ("ducklake", "sqlite")  # loaded from the pinned extension wheels: no download at run time
MIGRATIONS = "migrations"
POSTGRES = "postgres:"  # a location naming a PostgreSQL catalog (DuckLake's own ATTACH prefix)
LOADED_AS = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}  # wheel name -> DuckDB's name
# What a commit that lost to a concurrent writer raises: DuckLake's logical conflict, its own retries
# spent, or (when a catalog's localized message escaped DuckLake's English-only retry test) the duplicate
# key on one of its catalog tables' primary keys, named in any language.
CONFLICT = re.compile(r"Transaction conflict|Exceeded the maximum retry count|\"ducklake_\w+_pkey\"")


def sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES)


def data_path(location: str | Path) -> Path:
    """Where the lake keeps its Parquet files: a folder beside the catalog file, or the configured
    `data_path` of a PostgreSQL catalog."""
    if is_postgres(location):
        configured = _configured_data_path()
        if configured is None:
            raise ValueError("a PostgreSQL warehouse needs data_path (kabar.toml) or KABAR_DATA_PATH")
        return configured
    path = Path(location)
    return path.with_name(path.name + ".files")


def exists(location: str | Path) -> bool:
    """Whether the warehouse was made (a PostgreSQL catalog is taken to exist: connecting tells)."""
    return is_postgres(location) or Path(location).exists() or writer_catalog(location).exists()


def storage_paths(location: str | Path) -> list[str]:
    """Every path the warehouse's data lives in (for a sandbox that allows nothing else)."""
    if is_postgres(location):
        return [str(data_path(location).resolve())]
    return [str(Path(location).resolve()), str(data_path(location).resolve())]


def is_conflict(error: BaseException) -> bool:
    """Whether `error` is a commit that lost to a concurrent writer: the same transaction, tried
    again, may pass."""
    return conflict(error) is not None


def conflict(error: BaseException | None) -> str | None:
    """The line saying how a commit lost to a concurrent writer, in `error` or the one it was raised
    while handling (the rollback after a failed commit fails too); None for any other error."""
    while error is not None:
        if isinstance(error, duckdb.Error):
            found = next((line for line in str(error).splitlines() if CONFLICT.search(line)), None)
            if found is not None:
                return found.strip()
        error = error.__cause__ or error.__context__
    return None


def connect(location: str | Path, *, read_only: bool = False):
    """A connection to the warehouse, the lake selected; writable ones bring the schema up to date.
    A writable connection to a file warehouse publishes the readers' copy after each commit and when it
    closes (use it as a context manager, or close it)."""
    pinned = None
    if not is_postgres(location):
        _prepare_file(Path(location), read_only)
        pinned = _pin(Path(location)) if read_only else None
    con = _instance(_extensions(location))
    try:
        con = _open(con, location, read_only, pinned)
    except BaseException:  # interrupted (a run cancelled mid-connect): the catalog's lock must not outlive it
        con.close()
        _unpin(pinned)
        raise
    if is_postgres(location):
        return con
    return Reading(con, Path(location), pinned) if read_only else Publishing(con, Path(location))


IDLE_SECONDS = 120.0  # an idle connection kept longer than this is closed, not used again
MAX_IDLE = 4  # idle connections the process keeps, over all warehouses: the oldest beyond are closed
_idle_lock = threading.Lock()


class _Idle(NamedTuple):
    location: str
    catalog: tuple | None  # the catalog file it attached (`_catalog_identity`)
    since: float  # when it was given back (monotonic)
    con: object


_idle: list[_Idle] = []  # oldest first


@contextmanager
def session(location: str | Path) -> Iterator:
    """A writable connection for one task: one this process gave back for `location` when one is idle,
    else a new one. DuckLake's file lists and Parquet footers stay cached in it: a new connection reads
    them again for every table a batch touches. Given back when the work ends without an error (after
    publishing an autocommitted change); closed on an error, whose transaction may be left broken (a
    conflict's retry takes another). A task that changes a setting or attaches a database undoes it."""
    con = _take(location) or _task_connection(location)
    try:
        yield con
    except BaseException:
        con.close()
        raise
    _give_back(location, con)


def _task_connection(location: str | Path):
    """A new writable connection running on the configured number of DuckDB threads (one by default:
    a batch's statements are small, and a second thread gave the load no speed on two cores, cost it a
    quarter more CPU, and with an analyst's queries beside it slowed it by a fifth: bench/README.md)."""
    con = connect(location)
    try:
        con.execute(f"SET threads = {_configured_writer_threads()}")
    except BaseException:
        con.close()
        raise
    return con


def _take(location: str | Path):
    """The newest idle connection to `location` whose catalog file is still the one it attached (a
    warehouse made again at the same path gets new ones), or None; expired ones are closed."""
    key, identity, now = str(location), _catalog_identity(location), time.monotonic()
    with _idle_lock:
        expired = [
            e for e in _idle if now - e.since >= IDLE_SECONDS or (e.location == key and e.catalog != identity)
        ]
        _idle[:] = [e for e in _idle if e not in expired]
        found = next((e for e in reversed(_idle) if e.location == key), None)
        if found:
            _idle.remove(found)
    _close_all(e.con for e in expired)
    return found.con if found else None


def _give_back(location: str | Path, con) -> None:
    if isinstance(con, Publishing):
        con.release()
    with _idle_lock:
        _idle.append(_Idle(str(location), _catalog_identity(location), time.monotonic(), con))
        surplus = _idle[:-MAX_IDLE]
        del _idle[:-MAX_IDLE]
    _close_all(e.con for e in surplus)


def _catalog_identity(location: str | Path) -> tuple | None:
    if is_postgres(location):
        return None
    try:
        found = os.stat(writer_catalog(location))
    except OSError:
        return ("missing",)
    return found.st_dev, found.st_ino


@atexit.register
def close_idle() -> None:
    """Close every idle connection (each publishes what it left unpublished)."""
    with _idle_lock:
        idle = [entry.con for entry in _idle]
        _idle.clear()
    _close_all(idle)


def _close_all(connections) -> None:
    for con in connections:
        try:
            con.close()
        except Exception as error:  # warehouse removed, or the process exits: the next writer publishes
            log.warning("closing an idle warehouse connection: %s", error)


def writer_catalog(path: str | Path) -> Path:
    """The catalog file writers attach; `path` itself is the copy readers attach."""
    return Path(f"{path}.writer")


class Publishing:
    """A writable DuckDB connection (every attribute forwarded) that publishes the readers' copy of
    the catalog after each explicit commit and when it closes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path):
        self._con, self._path = con, path

    def __getattr__(self, name):
        return getattr(self._con, name)

    def commit(self) -> None:
        self._con.commit()
        _publish_or_warn(self._path)

    def release(self) -> None:
        """Publish an autocommitted change since the last commit's publication (the connection stays)."""
        if _stale(self._path):
            _publish_or_warn(self._path)

    def close(self) -> None:
        self._con.close()
        self.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Reading:
    """A read-only DuckDB connection (every attribute forwarded) that reads the catalog through a
    link of its own to the readers' copy, and moves the link to the newest copy before a statement
    when a writer published one since: each query sees one commit, a held connection sees new ones.
    A connection whose configuration is locked (`kabar sql`'s sandbox) or in a transaction stays."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, pinned: Path | None):
        self._con, self._path, self._pinned, self._in_transaction = con, path, pinned, False

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, query, *args, **kwargs):
        self._statement(query)
        return self._con.execute(query, *args, **kwargs)

    def sql(self, query, *args, **kwargs):
        self._statement(query)
        return self._con.sql(query, *args, **kwargs)

    query = sql

    def begin(self):
        self._follow()
        self._con.begin()
        self._in_transaction = True

    def commit(self):
        self._in_transaction = False
        return self._con.commit()

    def rollback(self):
        self._in_transaction = False
        return self._con.rollback()

    def close(self) -> None:
        self._con.close()
        _unpin(self._pinned)
        self._pinned = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _statement(self, query) -> None:
        """Follow the newest copy before a statement; note transactions begun or ended in SQL."""
        word = _TRANSACTION.match(query) if isinstance(query, str) else None
        if word and word[1].upper() not in ("BEGIN", "START"):
            self._in_transaction = False
            return
        self._follow()
        if word:
            self._in_transaction = True

    def _follow(self) -> None:
        if self._pinned is None or self._in_transaction or _same_file(self._pinned, self._path):
            return
        if self._con.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
            return
        pinned = _pin(self._path)
        if pinned is None:
            return
        try:
            self._con.execute("USE memory")
            self._con.execute(f"DETACH {CATALOG}")
            _attach(self._con, self._path, True, pinned)
            _search_internal(self._con)
        except BaseException:
            _unpin(pinned)
            raise
        _unpin(self._pinned)
        self._pinned = pinned


_TRANSACTION = re.compile(r"\s*(BEGIN|START|COMMIT|ROLLBACK|ABORT|END)\b", re.IGNORECASE)


def _pin(path: Path) -> Path | None:
    """A hard link of this reader's own to the readers' copy as it is now; None where the folder
    takes no link (read-only, another file system): the reader then attaches the copy itself."""
    pinned = path.with_name(f".{path.name}.{os.getpid()}.{next(_PINS)}.reading")
    try:
        pinned.unlink(missing_ok=True)  # left by an earlier process with the same pid
        os.link(path, pinned)
    except OSError as error:
        log.info("reading %s without a link of its own: %s", path, error)
        return None
    return pinned


_PINS = itertools.count()


def _unpin(pinned: Path | None) -> None:
    if pinned is not None:
        pinned.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # the copy moved away for a moment: keep reading the linked one
        return True


def _sweep_pins(path: Path) -> None:
    """Remove links left by readers that were killed (their process is gone)."""
    for pinned in path.parent.glob(f".{glob.escape(path.name)}.*.reading"):
        pid = pinned.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            pinned.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _publish_or_warn(path: Path) -> None:
    try:
        publish(path)
    except (OSError, sqlite3.Error) as error:  # what was committed stays committed; readers lag
        log.warning("readers' copy of %s not refreshed: %s (the next writer retries)", path, error)


def _refresh(path: Path) -> None:
    """Before a reader opens the copy: publish again when the writers' catalog changed since (an
    autocommitted statement, a writer killed before it closed). A reader without write access to the
    folder reads the copy as the writers left it."""
    if _stale(path):
        try:
            publish(path)
        except (OSError, sqlite3.Error) as error:
            log.info("readers' copy of %s not refreshed: %s", path, error)


def _stale(path: Path) -> bool:
    """Whether the writers' catalog changed after the readers' copy was made. (A writer committing
    while a copy is made may leave it older than the file's time says: that writer publishes next.)"""
    writer = writer_catalog(path)
    return writer.exists() and (not path.exists() or writer.stat().st_mtime_ns > path.stat().st_mtime_ns)


def publish(path: str | Path) -> None:
    """Copy the writers' catalog to `path` for readers: a consistent copy (SQLite's backup API reads
    it in one transaction) renamed into place, so a reader sees the old file or the new one, never a
    half-written one, and a reader with a transaction open keeps reading the file it opened.
    Publishers take turns (a lock file), so the copy never goes back to an older state."""
    path = Path(path)
    staging = path.with_name(f".{path.name}.{os.getpid()}.publishing")
    with open(path.with_name(f".{path.name}.publish-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.publishing"):  # a killed publisher's
            leftover.unlink(missing_ok=True)
        _sweep_pins(path)
        with closing(sqlite3.connect(writer_catalog(path), timeout=60)) as source:
            with closing(sqlite3.connect(staging)) as copy:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # a reader needs no -wal/-shm files beside it
        os.replace(staging, path)


def _prepare_file(path: Path, read_only: bool) -> None:
    if read_only:
        _refresh(path)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path} (run `kabar run` first; `kabar demo` writes {demo_warehouse_path()})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only:
        return
    writer = writer_catalog(path)
    if path.exists() and not writer.exists():  # made before the readers' copy existed: it is the catalog
        _rollback_journal(path)
        with closing(sqlite3.connect(path, timeout=60)) as old, closing(sqlite3.connect(writer)) as new:
            old.backup(new)
    _rollback_journal(writer)


def _open(
    con: duckdb.DuckDBPyConnection, location: str | Path, read_only: bool, pinned: Path | None = None
) -> duckdb.DuckDBPyConnection:
    _lake(con, location, read_only, pinned)
    for wait in (*CONTENDED_WAITS, None) if not read_only else ():
        if not _behind(con):
            break
        con.execute(f"USE memory; DETACH {CATALOG}")
        failure = _upgrade_in_a_child(location)
        _attach(con, location, read_only, pinned)
        if failure and _behind(con):  # not upgraded by another writer's child meanwhile either
            if wait is None or not CONTENDED.search(failure):
                raise duckdb.IOException(failure)
            time.sleep(wait)  # another writer's upgrade holds the catalog: try again once it is done
    _search_internal(con)
    if not read_only and not is_postgres(location) and not Path(location).exists():
        publish(location)  # readers find the new warehouse before its first writer closes
    return con


def _upgrade_in_a_child(location: str | Path) -> str | None:
    """`upgrade` run by a short-lived child process; why it failed, or None. DuckLake 1.5.5 may read a
    freed schema entry as it commits a schema change (duckdb/ducklake#1248): a long-lived process (a
    flow, a test run) that made its warehouse itself died of it now and then (SIGABRT in a later
    allocation, "Allocation failure" at a commit). A child's damage dies with it; about a second, once
    per new warehouse or release."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(location)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=UPGRADE_SECONDS,
    )
    if done.returncode == 0:
        return None
    from kabar.config import masked  # the connection string's password stays out of the message

    why = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    reason = why[-1] if why else f"exit status {done.returncode}"
    return f"upgrading the warehouse at {masked(str(location))} failed: {reason}"


UPGRADE_SECONDS = 600.0
_CHILD = "import sys; from kabar.warehouse.db import upgrade_at; upgrade_at(sys.argv[1])"


def upgrade_at(location: str) -> None:
    """What the child of `_upgrade_in_a_child` runs: `upgrade` on its own connection, published."""
    con = _instance(_extensions(location))
    try:
        _lake(con, location, False, None)
        upgrade(con)
    finally:
        con.close()
    if not is_postgres(location):
        publish(location)


def _lake(con, location: str | Path, read_only: bool, pinned: Path | None) -> None:
    """The extensions loaded, the lake attached and selected, times in UTC."""
    _load_extensions(con, location)
    _attach(con, location, read_only, pinned)
    con.execute("SET TimeZone = 'UTC'")


def _attach(con, location: str | Path, read_only: bool, pinned: Path | None) -> None:
    """Attach the lake as CATALOG and select it; a reader's catalog is its link (`pinned`) if any. A
    writer that finds another creating the catalog (DuckLake's tables, in SQLite's one write lock at a
    time: "database is locked") waits for it and attaches what it made."""
    lake = _quoted("ducklake:" + _catalog(location, read_only, pinned))
    for wait in (*CONTENDED_WAITS, None):
        try:
            con.execute(f"ATTACH {lake} AS {CATALOG} ({_options(location, read_only)})")
            break
        except duckdb.Error as error:
            if wait is None or read_only or not CONTENDED.search(str(error)):
                raise
            time.sleep(wait)
    con.execute(f"USE {CATALOG}")


# Another writer making or upgrading the same new warehouse at that moment; the waits before trying
# again (~15 s in all: a new warehouse takes ~1 s).
CONTENDED = re.compile(r"database is locked|cannot rollback - no transaction is active|Transaction conflict")
CONTENDED_WAITS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)


def _catalog(location: str | Path, read_only: bool, pinned: Path | None = None) -> str:
    if is_postgres(location):
        return location
    return f"sqlite:{pinned or Path(location) if read_only else writer_catalog(location)}"


def _options(location: str | Path, read_only: bool) -> str:
    """ATTACH's options. A file's data folder always sits beside it: a warehouse moved (KABAR_HOME, a
    copy) still opens. A PostgreSQL catalog keeps the data path it was made with; a configured one
    that differs is refused (a worker writing where the others do not read), not overridden."""
    if is_postgres(location):
        configured = _configured_data_path()
        options = [] if configured is None else [f"DATA_PATH {_quoted(str(configured).rstrip('/') + '/')}"]
    else:
        options = [f"DATA_PATH {_quoted(f'{data_path(location)}/')}", "OVERRIDE_DATA_PATH true"]
    return ", ".join(options + (["READ_ONLY"] if read_only else []))


def _configured_data_path() -> Path | None:
    from kabar.config import load  # read when a PostgreSQL warehouse is opened, never at import

    return load().data_path


def _configured_writer_threads() -> int:
    from kabar.config import load  # read when a task opens a connection, never at import

    return load().writer_threads


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rollback_journal(db_path: str | Path) -> None:
    """Keep the writers' catalog in SQLite's rollback journal (a catalog put in WAL mode by an earlier
    version goes back; the mode is kept in the file): with WAL and Parquet delete files, DuckLake 1.5.5
    readers of a catalog saw half of a commit (a writer deleting and inserting 200 rows a commit, a
    reader counting every 20 ms: 30 of 1,502 counts off, 0 of 236 in the rollback journal). While
    another process holds the catalog the switch waits for a later connect."""
    with closing(sqlite3.connect(db_path, timeout=0.1)) as catalog:
        try:
            if catalog.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                catalog.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.OperationalError:  # locked by another connection (a commit, an upgrade): next time
            pass


def _search_internal(con: duckdb.DuckDBPyConnection) -> None:
    """Unqualified names find the schema `internal` too (failure memory, near-duplicate index), once
    a migration made it."""
    if con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = 'internal'",
        [CATALOG],
    ).fetchone()[0]:
        con.execute(f"SET search_path = '{CATALOG}.main,{CATALOG}.internal'")


def upgrade(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring the warehouse's schema up to date: the migrations (warehouse/migrations/NNN_name.sql) it
    has not had yet, each recorded in `schema_migrations`, then the analyst layer when its files
    changed (`refresh_analytics`). As few commits as DuckLake allows (three for a new warehouse, not
    one per migration: see `_upgrade_in_a_child`). Returns the names applied."""
    if not _behind(con):  # another writer's upgrade came first
        return []
    applied: list[str] = []
    con.begin()
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL)"
        )
        done = {version for (version,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name in pending_migrations(done):
            text = sql(f"{MIGRATIONS}/{name}")
            if applied and _LAKE_CALL.search(text):  # a lake option or flush needs its tables committed
                con.commit()
                con.begin()
            con.execute(text)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)", [version, name])
            applied.append(name)
        _search_internal(con)
        refresh_analytics(con)
        con.commit()
    except BaseException:
        with suppress(duckdb.Error):  # a commit that failed has ended the transaction: keep its error
            con.rollback()
        raise
    return applied


_LAKE_CALL = re.compile(r"^\s*CALL\s", re.IGNORECASE | re.MULTILINE)


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a migration or the analyst layer is missing (read without starting a change)."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_migrations'",
        [CATALOG],
    ).fetchone()[0]:
        return True
    rows = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    return bool(pending_migrations({version for version, _ in rows})) or (0, _analytics_stamp()) not in rows


ANALYTICS = ("analytics.sql", "comments.sql")  # the analyst layer: views and the comments from the docs
VIEW_COLUMNS = (
    "-- View columns:"  # comments.sql from here on: DuckLake 1.5.5 takes no comment on a view column
)


def _analytics_text() -> str:
    return sql(ANALYTICS[0]) + "\n" + sql(ANALYTICS[1]).split(VIEW_COLUMNS)[0]


def _analytics_stamp() -> str:
    return "analytics@" + hashlib.sha256(_analytics_text().encode()).hexdigest()[:16]


def refresh_analytics(con: duckdb.DuckDBPyConnection) -> bool:
    """(Re)create the analytics views and every comment when their files changed since the last time
    (recorded in schema_migrations as version 0), in the caller's transaction. True when applied."""
    stamp = _analytics_stamp()
    if con.execute("SELECT count(*) FROM schema_migrations WHERE name = ?", [stamp]).fetchone()[0]:
        return False
    con.execute(_analytics_text())
    con.execute("DELETE FROM schema_migrations WHERE version = 0")
    con.execute("INSERT INTO schema_migrations VALUES (0, ?, current_timestamp)", [stamp])
    return True


def pending_migrations(done: set[int]) -> list[tuple[int, str]]:
    files = resources.files(__package__).joinpath(MIGRATIONS).iterdir()
    found = sorted((int(f.name.split("_", 1)[0]), f.name) for f in files if f.name.endswith(".sql"))
    return [(version, name) for version, name in found if version not in done]


def _extensions(location: str | Path) -> tuple[str, ...]:
    return ("ducklake", "postgres") if is_postgres(location) else EXTENSIONS


def _load_extensions(con: duckdb.DuckDBPyConnection, location: str | Path) -> None:
    for name in _extensions(location):
        load_extension(con, name)


# The extensions this process loaded with DuckDB's signature check: name -> (file, its identity then).
_CHECKED: dict[str, tuple[str, tuple | None]] = {}


def _instance(extensions: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB for one connection. DuckDB checks an extension's signature at every
    LOAD by reading the whole file: ~80 ms an extension, ~170 ms a connection, and a run connects a
    dozen times. Once this process has loaded these extensions with the check, a later instance skips
    it while their files are the same (inode, size, modification time)."""
    checked = all(
        name in _CHECKED and _identity(_CHECKED[name][0]) == _CHECKED[name][1] for name in extensions
    )
    con = duckdb.connect(config={"allow_unsigned_extensions": True} if checked else {})
    con.execute(NO_PROGRESS_BAR)
    return con


# DuckDB draws a progress bar on stdout for a query past 2 s: into `kabar run`'s JSON, a flow's log, a
# `kabar sql` piped to a file. A setting of each connection (it cannot be set for the database).
NO_PROGRESS_BAR = "SET enable_progress_bar = false"


def _identity(path: str) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Install an extension from its wheel (pinned with duckdb in pyproject.toml), then load it."""
    loaded_as = LOADED_AS.get(name, name)
    installed = con.execute(
        "SELECT installed FROM duckdb_extensions() WHERE extension_name = ?", [loaded_as]
    ).fetchone()
    if not (installed and installed[0]):
        con.execute(f"INSTALL '{_extension_file(name)}'")
    con.execute(f"LOAD {loaded_as}")
    if not con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0]:
        (path,) = con.execute(
            "SELECT install_path FROM duckdb_extensions() WHERE extension_name = ?", [loaded_as]
        ).fetchone()
        _CHECKED[name] = (path, _identity(path))  # its signature was checked as it loaded


def _extension_file(name: str) -> Path:
    folder = resources.files(f"duckdb_extension_{name}") / "extensions" / f"v{duckdb.__version__}"
    return Path(str(folder / f"{name}.duckdb_extension"))
