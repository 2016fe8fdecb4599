"""kabar's configuration: defaults, then `kabar.toml`, then `KABAR_*` variables (command-line options,
applied by the command line, win over all three).

    home = "/srv/kabar"            # KABAR_HOME: the data folder
    warehouse = "warehouse.sqlite" # KABAR_WAREHOUSE (default: <home>/warehouse.sqlite); or a PostgreSQL
                                   # catalog shared by many workers: "postgres:dbname=kabar host=db.internal"
    data_path = "/shared/lake"     # KABAR_DATA_PATH: a PostgreSQL warehouse's Parquet folder (every writer
                                   # sees it at this path); a file warehouse keeps its own beside it
    archive = "archive"            # KABAR_ARCHIVE (default: <home>/archive)
    user_agent = "kabar/0.1 (...)" # KABAR_USER_AGENT
    contact = "ops@example.org"    # KABAR_CONTACT: appended to the User-Agent
    delay = 2.0                    # KABAR_DELAY: seconds between requests to a host (default: the site's)
    workers = 4                    # KABAR_WORKERS
    writer_threads = 1             # KABAR_WRITER_THREADS: DuckDB threads of each task's warehouse connection
    sites = ["tempo", "antara"]    # KABAR_SITES=tempo,antara (default: every registered site)
    [health]                       # KABAR_HEALTH_<NAME>: the fields of kabar.health.Thresholds
    max_issue_rate = 0.1
    [[site]]                       # a site declared by configuration alone (the file only, no variable)
    name = "kabarkita"             # lower case letters, digits, - and _; no site module's name
    domains = ["kabarkita.example"]  # its hosts (and their subdomains); a module's hosts stay the module's
    start_urls = ["https://kabarkita.example/robots.txt", "https://kabarkita.example/rss.xml"]
    delay = 2.0                    # optional: seconds between requests (default 1)
    article_pattern = '/berita/\\d+/'  # optional: a regex an article URL must match (`re.search`)
    schedule = "5,35 * * * *"      # optional: its cron for `kabar serve` (Asia/Jakarta)
    mirror = "mirror"              # optional: a folder mirroring it, for `kabar demo` and `kabar mirror`

The file is `./kabar.toml`, or the one `KABAR_CONFIG` names; relative paths in it are relative to its
folder (a scheduled run may start anywhere), relative paths in variables to the working folder. Read
when asked (`load()`), never at import. A bad value or an unknown key is a `ConfigError` naming it.
"""

import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from croniter import croniter

from kabar.health import Thresholds
from kabar.http import USER_AGENT

FILE_NAME = "kabar.toml"
FILE_VARIABLE = "KABAR_CONFIG"
DEFAULT_HOME = "kabar-data"
DEFAULT = "default"
KEYS = (
    "home",
    "warehouse",
    "data_path",
    "archive",
    "user_agent",
    "contact",
    "delay",
    "workers",
    "writer_threads",
    "sites",
)
POSTGRES = "postgres:"  # a warehouse value naming a PostgreSQL catalog (warehouse/db.py)


class ConfigError(ValueError):
    """An invalid configuration value or key: one line that names it."""


@dataclass(frozen=True)
class Config:
    home: Path
    warehouse: Path | str  # a catalog file, or "postgres:<libpq connection string>"
    data_path: Path | None  # a PostgreSQL warehouse's data folder (None: the one its catalog recorded)
    archive: Path
    user_agent: str  # as sent: the configured one with the contact appended
    contact: str | None
    delay: float | None  # None: each site's own
    workers: int
    writer_threads: int  # DuckDB threads of a task's warehouse connection (warehouse/db.py `session`)
    sites: tuple[str, ...]  # () only when load() was not told the registered sites
    health: Thresholds
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)  # key -> where it came from
    declared: tuple["SiteDeclaration", ...] = ()  # [[site]] tables, checked; sites/configured.py builds them

    def entries(self) -> list[tuple[str, object, str]]:
        """(key, effective value, source) for every key, `health.<name>` for the thresholds, and
        `site.<name>` (its domains) for each `[[site]]`."""
        rows = [(key, masked(getattr(self, key)), self.sources.get(key, DEFAULT)) for key in KEYS]
        for item in fields(Thresholds):
            key = f"health.{item.name}"
            rows.append((key, getattr(self.health, item.name), self.sources.get(key, DEFAULT)))
        rows.extend((f"site.{site.name}", site.domains, site.source) for site in self.declared)
        return rows


@dataclass(frozen=True)
class SiteDeclaration:
    """One `[[site]]` table of kabar.toml, checked: a site served by the generic extractor."""

    name: str
    domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    delay: float | None = None
    article_pattern: str | None = None
    schedule: str | None = None
    mirror: Path | None = None
    source: str = ""  # the file that declares it


SITE_KEYS = ("name", "domains", "start_urls", "delay", "article_pattern", "schedule", "mirror")
_SITE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")


def is_cron(value) -> bool:
    """Five cron fields in the dialect Prefect schedules by (croniter's), without the random (R) and
    hashed (H) fields Prefect refuses: "61 * * * *" or "0 6 31 13 *" is caught here, not at serve."""
    fields = value.split() if isinstance(value, str) else []
    return len(fields) == 5 and not {f.casefold() for f in fields} & {"r", "h"} and croniter.is_valid(value)


def identify(user_agent: str, contact: str | None) -> str:
    """The User-Agent with a contact, the way crawlers give one: inside its trailing comment."""
    if not contact:
        return user_agent
    if user_agent.endswith(")"):
        return f"{user_agent[:-1]}; {contact})"
    return f"{user_agent} ({contact})"


def config_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """The configuration file in force: KABAR_CONFIG's (which must exist), else ./kabar.toml if any."""
    environ = os.environ if environ is None else environ
    if named := environ.get(FILE_VARIABLE):
        if not Path(named).is_file():
            raise ConfigError(f"{FILE_VARIABLE}: no such file: {named}")
        return Path(named)
    return Path(FILE_NAME) if Path(FILE_NAME).is_file() else None


def load(environ: Mapping[str, str] | None = None, known_sites: Collection[str] | None = None) -> Config:
    """The effective configuration. With `known_sites` (the registry, which the core cannot import),
    site names are checked against it and the default is all of them."""
    environ = os.environ if environ is None else environ
    raw: dict[str, tuple[object, str, Path | None]] = {}  # key -> (value, source, folder paths are under)
    path = config_file(environ)
    if path is not None:
        for key, value in _read(path).items():
            raw[key] = (value, str(path), path.resolve().parent)
    for key in [*KEYS, *(f"health.{item.name}" for item in fields(Thresholds))]:
        if value := environ.get(_variable(key)):  # set but empty counts as unset, as KABAR_HOME always did
            raw[key] = (value, _variable(key), None)
    _no_unknown_variables(environ)
    declared = raw.pop("site", None)
    config = _build(raw, known_sites)
    if declared is not None:
        config = replace(config, declared=declarations(declared[0], path))
    return config


def declared_sites(environ: Mapping[str, str] | None = None) -> tuple[SiteDeclaration, ...]:
    """The `[[site]]` tables of the configuration file in force, checked (the registry reads only
    these: a bad variable is the command's error, not every site lookup's)."""
    path = config_file(environ)
    if path is None:
        return ()
    tables = _read(path).get("site")
    return () if tables is None else declarations(tables, path)


def _variable(key: str) -> str:
    return "KABAR_" + key.replace(".", "_").upper()


def _read(path: Path) -> dict[str, object]:
    """The file's keys, flattened (`health.<name>`); unknown keys and tables are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError) as error:
        raise ConfigError(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    health = data.pop("health", {})
    if not isinstance(health, dict):
        raise ConfigError(f"{path}: health: must be a table ([health]), got {_shown(health)}")
    tables = data.pop("site", None)
    flat = dict(data) | {f"health.{name}": value for name, value in health.items()}
    known = set(KEYS) | {f"health.{item.name}" for item in fields(Thresholds)}
    for key in flat:
        if key not in known:
            raise ConfigError(f"{path}: {key}: unknown key (known: {', '.join(sorted(known))})")
    return flat if tables is None else flat | {"site": tables}


def _no_unknown_variables(environ: Mapping[str, str]) -> None:
    """A misspelt KABAR_HEALTH_* would silently change nothing: refuse it."""
    known = {_variable(f"health.{item.name}") for item in fields(Thresholds)}
    for name in environ:
        if name.startswith("KABAR_HEALTH_") and name not in known:
            raise ConfigError(f"{name}: unknown health threshold (known: {', '.join(sorted(known))})")


def _build(raw: dict, known_sites: Collection[str] | None) -> Config:
    def value(key: str, check: Callable, default):
        if key not in raw:
            return default
        given, source, folder = raw[key]
        where = f"{source}: {key}" if folder is not None else source  # a file's key, or a variable
        try:
            return check(given, folder)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}, got {_shown(given)}") from None

    home = value("home", _path, Path(DEFAULT_HOME))
    sites = value("sites", lambda v, _: _sites(v, known_sites), tuple(sorted(known_sites or ())))
    health = Thresholds()
    for item in fields(Thresholds):
        check = _threshold(type(item.default), item.name)
        health = replace(health, **{item.name: value(f"health.{item.name}", check, item.default)})
    contact = value("contact", _text, None)
    warehouse = value("warehouse", _warehouse, home / "warehouse.sqlite")
    data_path = value("data_path", _absolute_path, None)
    if data_path is not None and not isinstance(warehouse, str):
        _, source, folder = raw["data_path"]
        where = f"{source}: data_path" if folder is not None else source
        raise ConfigError(f"{where}: only for a postgres: warehouse (a file one keeps its data beside it)")
    return Config(
        home=home,
        warehouse=warehouse,
        data_path=data_path,
        archive=value("archive", _path, home / "archive"),
        user_agent=identify(value("user_agent", _text, USER_AGENT), contact),
        contact=contact,
        delay=value("delay", _seconds, None),
        workers=value("workers", _positive_int, 4),
        writer_threads=value("writer_threads", _positive_int, 1),
        sites=sites,
        health=health,
        sources={key: source for key, (_, source, _) in raw.items()},
    )


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)  # one line


# Checks: each takes (value as given, folder a relative path is under or None) and returns the value
# or raises ValueError saying what the value must be. Variables give strings, the file TOML types.


def _path(value: object, folder: Path | None) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a path")
    path = Path(value).expanduser()
    return folder / path if folder is not None and not path.is_absolute() else path


def _absolute_path(value: object, folder: Path | None) -> Path:
    """A path every process reads alike, wherever it starts (a relative variable: the working folder)."""
    return _path(value, folder).absolute()


def _warehouse(value: object, folder: Path | None) -> Path | str:
    """A catalog file's path, or `postgres:` and a libpq connection string (kept as given)."""
    if isinstance(value, str) and value.strip().startswith(POSTGRES):
        conninfo = _text(value).removeprefix(POSTGRES).strip()
        if "=" not in conninfo and "://" not in conninfo:
            raise ValueError('must be a path or "postgres:" and a connection string (dbname=kabar host=...)')
        return POSTGRES + conninfo
    if isinstance(value, str) and re.match(r"[a-z][a-z0-9+.-]*://", value.strip()):
        raise ValueError('must be a path or "postgres:" and a connection string (dbname=kabar host=...)')
    return _path(value, folder)


def masked(value: object) -> object:
    """A connection string as shown: its password hidden."""
    if isinstance(value, str) and value.startswith(POSTGRES):
        return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", value)
    return value


def _text(value: object, _folder=None) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        raise ValueError("must be text on one line")
    return value.strip()


def _positive_int(value: object, _folder=None) -> int:
    number = _integer(value)
    if number is None or number < 1:
        raise ValueError("must be a positive integer")
    return number


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _seconds(value: object, _folder=None) -> float:
    number = _number(value)
    if number is None or number < 0:
        raise ValueError("must be a number of seconds (0 or more)")
    return number


def _sites(value: object, known: Collection[str] | None) -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError("must be a list of site names")
    names = tuple(dict.fromkeys(name.strip() for name in names))
    if known is not None and (not names or any(name not in known for name in names)):
        raise ValueError(f"must name sites among {', '.join(sorted(known))}")
    return names


def _threshold(kind: type, name: str) -> Callable[[object, object], object]:
    """A count (int) is 0 or more; a rate or share (float) is from 0 to 1."""

    def check(value: object, _folder=None):
        if kind is int:
            number = _integer(value)
            if number is None or number < 0:
                raise ValueError("must be a whole number (0 or more)")
            return number
        number = _number(value)
        if number is None or not 0 <= number <= 1:
            raise ValueError("must be a number from 0 to 1")
        return number

    return check


# [[site]] tables: each error names `site.<name>.<key>` (or `site[<n>]` before the name is known).


def declarations(tables: object, path: Path) -> tuple[SiteDeclaration, ...]:
    """`[[site]]` tables (as TOML gives them) of the file `path`, checked."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{path}: site: must be an array of tables ([[site]]), got {_shown(tables)}")
    found: dict[str, SiteDeclaration] = {}
    for number, table in enumerate(tables, 1):
        declaration = _declaration(table, path, number)
        if declaration.name in found:
            raise ConfigError(f"{path}: site.{declaration.name}.name: declared twice")
        found[declaration.name] = declaration
    return tuple(found.values())


def _declaration(table: dict, path: Path, number: int) -> SiteDeclaration:
    def fail(key: str, what: str, given: object) -> ConfigError:
        return ConfigError(f"{path}: {prefix}.{key}: {what}, got {_shown(given)}")

    prefix = f"site[{number}]"
    name = table.get("name")
    if not isinstance(name, str) or not _SITE_NAME.fullmatch(name):
        raise fail("name", "must be a site name (a-z, 0-9, - and _, up to 63)", name)
    prefix = f"site.{name}"
    for key in table:
        if key not in SITE_KEYS:
            raise ConfigError(f"{path}: {prefix}.{key}: unknown key (known: {', '.join(SITE_KEYS)})")
    domains = table.get("domains")
    if (
        not isinstance(domains, list)
        or not domains
        or not all(isinstance(d, str) and _DOMAIN.fullmatch(d.strip().lower()) for d in domains)
    ):
        raise fail("domains", "must be a non-empty list of host names (news.example.com)", domains)
    domains = tuple(dict.fromkeys(d.strip().lower().removeprefix("www.") for d in domains))
    start = table.get("start_urls")
    if not isinstance(start, list) or not start or not all(isinstance(u, str) for u in start):
        raise fail("start_urls", "must be a non-empty list of URLs (feeds, sitemaps, pages)", start)
    for url in start:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise fail("start_urls", "must be http(s) URLs", url)
        if not any(host == d or host.endswith("." + d) for d in domains):
            raise fail("start_urls", f"must be on the site's domains ({', '.join(domains)})", url)
    delay = table.get("delay")
    if delay is not None:
        delay = _number(delay) if not isinstance(delay, str) else None
        if delay is None or delay < 0:
            raise fail("delay", "must be a number of seconds (0 or more)", table["delay"])
    pattern = table.get("article_pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            raise fail("article_pattern", "must be a regular expression", pattern)
        try:
            re.compile(pattern)
        except re.error as error:
            raise fail("article_pattern", f"not a regular expression ({error})", pattern) from None
    schedule = table.get("schedule")
    if schedule is not None and not is_cron(schedule):
        raise fail(
            "schedule", "must be a cron expression of 5 fields (minute hour day month weekday)", schedule
        )
    mirror = table.get("mirror")
    if mirror is not None:
        try:
            mirror = _path(mirror, path.resolve().parent)
        except ValueError as error:
            raise fail("mirror", str(error), mirror) from None
        if not mirror.is_dir():
            raise fail("mirror", "must be a folder", str(mirror))
    return SiteDeclaration(
        name=name,
        domains=domains,
        start_urls=tuple(dict.fromkeys(u.strip() for u in start)),
        delay=delay,
        article_pattern=pattern,
        schedule=" ".join(schedule.split()) if schedule else None,
        mirror=mirror,
        source=str(path),
    )
