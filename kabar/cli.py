"""The command line: run, backfill, reparse, demo, serve, mirror, status, config, extract, stats, sql,
search, export, maintain.

Defaults come from the configuration (kabar.toml, KABAR_* variables: kabar.config); an option given
wins. A bad argument, input or configuration value: one line on stderr, exit status 2. A run that
cannot do its job (the flow raises `RunFailed`): one line on stderr, exit status 1. Never a traceback.
"""

import argparse
import csv
import gzip
import io
import ipaddress
import json
import logging
import math
import os
import re
import select
import signal
import sys
import tempfile
import threading
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from time import monotonic
from urllib.parse import urlsplit

from kabar import config as configuration
from kabar import settings
from kabar.config import Config, ConfigError
from kabar.extract import Unavailable
from kabar.mirror import saved_pages
from kabar.records import ExtractionIssue, RunFailed
from kabar.sites import UnknownSite, all_sites, demo_sites, get_site, site_for_url

DEMO_QUERY = """SELECT a.title, r.block, r.position, r.time_text, r.target_title
FROM related_articles r JOIN articles a ON a.article_id = r.source_article_id
ORDER BY a.published_at DESC, r.block, r.position LIMIT 5"""

SQL_FORMATS = ("table", "csv", "json", "markdown")
TABLE_MAX_ROWS = 1000  # `kabar sql --format table` prints at most this many rows of a result by default
MAX_PAGE_BYTES = 64 * 2**20  # `kabar extract` refuses a page (or a gzip bomb) that holds more HTML than this
GZIP_MAGIC = b"\x1f\x8b"
BATCH_SIZE = 100  # the ingest flow's default
REPARSE_BATCH_SIZE = 1000  # the reparse flow's: 20,000 pages 118 -> 180 pages/s from 200 (bench/README)
DASK_WORKERS = os.cpu_count() or 1  # `kabar reparse --dask`: a local cluster's worker processes
EXAMPLES = """examples:
  kabar demo                                   ingest the bundled mirrors offline, show the warehouse
  kabar run --site antara --limit 50           ingest the 50 newest antaranews.com articles
  kabar status                                 last runs, health gates, warehouse freshness
  kabar serve                                  run every enabled site's schedule (Ctrl-C stops)
  kabar sql "SELECT site, count(*) FROM articles GROUP BY site"
  kabar config                                 each setting, and the file or variable it came from
"""


class UsageError(Exception):
    """A bad argument or input: reported in one line, exit status 2."""


class Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default, unless it has none (None, or a flag's False); keeps the examples'
    lines as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def main(argv: list[str] | None = None) -> int:
    for stream in ("stdout", "stderr"):  # closed (`kabar ... >&-`): output goes nowhere, not a traceback
        if getattr(sys, stream) is None:
            setattr(sys, stream, open(os.devnull, "w"))
    try:
        parser = _parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            _unknown_options(parser, args, sys.argv[1:] if argv is None else argv, unknown)
        return args.command(args) or 0
    except (UsageError, ConfigError) as error:
        print(f"kabar: {_one_line(error)}", file=sys.stderr)
        return 2
    except RunFailed as error:  # raised by a flow (Prefect re-raises it from the flow call)
        reason = _one_line(error)
        print(f"kabar: run failed: {reason}" if reason else "kabar: run failed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kabar status | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _unknown_options(parser: Parser, args: argparse.Namespace, argv: list[str], unknown: list[str]):
    """Refused with a pointer to the help of the command they were given to (after its name)."""
    command = getattr(args, "parser", parser)
    name = command.prog.split()[-1]
    after = name in argv and argv.index(unknown[0]) > argv.index(name)
    (command if after else parser).error(f"unrecognized arguments: {' '.join(unknown)}")


def _one_line(error: Exception) -> str:
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _load_config() -> Config:
    return configuration.load(known_sites=all_sites())


def _version() -> str:
    try:
        return version("kabar")
    except PackageNotFoundError:  # a checkout on sys.path, not installed
        from kabar import __version__

        return __version__


def _parser(config: Config | None = None) -> Parser:
    config = config or _load_config()
    parser = Parser(prog="kabar", description="Scheduled news ingestion into DuckDB.", epilog=EXAMPLES)
    parser.add_argument("--version", action="version", version=f"kabar {_version()}")
    parser.set_defaults(config=config)
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=Parser)
    _crawl_commands(commands, config)
    _schedule_commands(commands, config)
    _warehouse_commands(commands, config)
    _page_commands(commands)
    for command in commands.choices.values():  # an unknown option is the subcommand's to explain
        command.set_defaults(parser=command)
    return parser


def _crawl_commands(commands, config: Config) -> None:
    """run, backfill, reparse, demo: the commands that call a flow."""
    run = commands.add_parser("run", help="ingest a site (the real one, or a mirror with --base-url)")
    _ingest_options(run, config, config.warehouse, config.archive)
    _crawl_options(run, config)
    run.add_argument(
        "--backfill-from",
        type=_date,
        metavar="YYYY-MM-DD",
        help="also read the site's index pages from this day ... (the same as `kabar backfill --from`)",
    )
    run.add_argument(
        "--backfill-to",
        type=_date,
        metavar="YYYY-MM-DD",
        help="... to this day (default: today; the same as `kabar backfill --to`)",
    )
    run.set_defaults(command=cmd_run)

    backfill = commands.add_parser(
        "backfill", help="ingest a site, also reading its index page of every day in a range (older articles)"
    )
    _ingest_options(backfill, config, config.warehouse, config.archive, site="")
    backfill.add_argument(
        "--from",
        dest="first",
        type=_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="the first day whose index page is read",
    )
    backfill.add_argument(
        "--to", dest="last", type=_date, metavar="YYYY-MM-DD", help="the last day (default: today)"
    )
    _crawl_options(backfill, config)
    backfill.set_defaults(command=cmd_backfill)
    _reparse_command(commands, config)

    demo = commands.add_parser(
        "demo", help="ingest every site's bundled mirror offline and show the warehouse"
    )
    _ingest_options(demo, config, settings.demo_warehouse_path(), settings.demo_archive_dir(), site=None)
    demo.set_defaults(command=cmd_demo)


def _reparse_command(commands, config: Config) -> None:
    reparse = commands.add_parser(
        "reparse",
        help="extract, deduplicate and load again from the raw archive, with no network "
        "(after a rule or parser change)",
    )
    reparse.add_argument(
        "--site",
        type=_site_name,
        metavar="NAME",
        help=f"only this site's pages, one of {_known_sites()} (default: every site ingested)",
    )
    reparse.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="only pages fetched on or after this day (default: every day)",
    )
    reparse.add_argument(
        "--layout",
        metavar="NAME",
        help=f"only articles of this layout (and pages with an open issue), one of {_known_layouts()}",
    )
    _storage_options(reparse, config.warehouse, config.archive)
    reparse.add_argument(
        "--batch-size", type=_positive, default=REPARSE_BATCH_SIZE, metavar="N", help="pages per batch"
    )
    _dask_options(reparse)
    reparse.set_defaults(command=cmd_reparse)


def _dask_options(parser: Parser) -> None:
    """Where reparse's parse and clean run: in this process, or on a Dask cluster (prefect-dask)."""
    parser.add_argument(
        "--dask",
        action="store_true",
        help=f"parse and clean on a Dask cluster: the one at --dask-address, else a local one of "
        f"{DASK_WORKERS} worker processes (this machine's cores)",
    )
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument(
        "--dask-address",
        type=_dask_address,
        metavar="tcp://HOST:PORT",
        help="the scheduler of a running Dask cluster to parse and clean on (its workers need kabar)",
    )
    cluster.add_argument(
        "--dask-workers",
        type=_positive,
        metavar="N",
        help="parse and clean on a local Dask cluster of N worker processes, started for the run",
    )


def _dask_address(value: str) -> str:
    """A Dask scheduler's address: tcp:// or tls://, a host and a port (`host:port` means tcp)."""
    address = value if "://" in value else f"tcp://{value}"
    problem = argparse.ArgumentTypeError(f"expected a Dask scheduler address tcp://HOST:PORT, got {value!r}")
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:  # a bad port or an unclosed [IPv6 bracket
        raise problem from None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or not port or parts.path.strip("/"):
        raise problem
    return address


def _schedule_commands(commands, config: Config) -> None:
    """serve (the schedules), mirror (a mirror server), status, config."""
    serve = commands.add_parser(
        "serve",
        help="run every enabled site's schedule in this process until stopped (Prefect serve, no work pool)",
    )
    serve.add_argument(
        "--site",
        type=_site_name,
        action="append",
        metavar="NAME",
        help=f"only this site's schedule (repeatable; default: the enabled sites, {', '.join(config.sites)})",
    )
    serve.set_defaults(command=cmd_serve)

    mirror = commands.add_parser(
        "mirror", help="serve a site's bundled mirror, or a generated one, on 127.0.0.1 until stopped"
    )
    mirror.add_argument(
        "--site",
        type=_site_name,
        default="tempo",
        metavar="NAME",
        help=f"the site whose bundled mirror is served, one of {_known_sites()}",
    )
    mirror.add_argument(
        "--dir",
        type=_mirror_dir,
        metavar="DIR",
        help="serve this folder instead (a generated mirror: robots.txt, sitemaps, pages)",
    )
    mirror.add_argument("--port", type=_port, default=8000, help="the TCP port on 127.0.0.1 (1-65535)")
    mirror.set_defaults(command=cmd_mirror)

    status = commands.add_parser(
        "status", help="per site: the last runs and their health gates; the warehouse's size and freshness"
    )
    _storage_options(status, config.warehouse, config.archive)
    status.add_argument("--runs", type=_positive, default=5, metavar="N", help="the last N runs of each site")
    status.set_defaults(command=cmd_status)

    show = commands.add_parser("config", help="print each setting's effective value and where it came from")
    show.set_defaults(command=cmd_config)


def _warehouse_commands(commands, config: Config) -> None:
    """sql, export, search, maintain: the commands that read or tend the warehouse."""
    sql = commands.add_parser(
        "sql", help="query the warehouse read-only, sandboxed: no writes, no file outside the warehouse"
    )
    sql.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help="SQL, one statement or several separated by ';' (each result is printed); "
        "'-' reads it from standard input",
    )
    sql.add_argument(
        "--file", type=Path, metavar="FILE", help="read the SQL from this file ('-': standard input)"
    )
    _warehouse_option(sql, config.warehouse)
    sql.add_argument("--format", choices=SQL_FORMATS, default="table", help="how each result is printed")
    sql.add_argument(
        "--max-rows",
        type=_positive,
        metavar="N",
        help=f"print at most N rows of each result, saying so on stderr when there are more "
        f"(default: {TABLE_MAX_ROWS} for table, every row for the other formats)",
    )
    sql.add_argument(
        "--timeout",
        type=_positive_number,
        metavar="SECONDS",
        help="stop the statements after this many seconds in all, exit status 1 (default: no limit)",
    )
    sql.set_defaults(command=cmd_sql)

    export = commands.add_parser(
        "export", help="copy the warehouse's tables and analytics views to Parquet files or a DuckDB file"
    )
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--parquet",
        type=Path,
        metavar="DIR",
        help="write one subfolder of Parquet files per table and analytics view into this new folder",
    )
    target.add_argument(
        "--duckdb",
        type=Path,
        metavar="FILE",
        help="write one self-contained DuckDB file: every table, the analytics views as tables",
    )
    _warehouse_option(export, config.warehouse)
    export.add_argument(
        "--force", action="store_true", help="replace the target when it holds an earlier export"
    )
    export.set_defaults(command=cmd_export)

    search = commands.add_parser(
        "search", help="full-text search of the articles (Indonesian and English stemming)"
    )
    search.add_argument("query", help="words to look for: 'perbincangan' also finds 'berbincang'")
    search.add_argument(
        "--site", type=_site_name, metavar="NAME", help=f"only this site, one of {_known_sites()}"
    )
    search.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="only articles published since this day"
    )
    search.add_argument("--limit", type=_positive, default=10, help="at most this many hits")
    _warehouse_option(search, config.warehouse)
    search.set_defaults(command=cmd_search)

    maintain = commands.add_parser(
        "maintain", help="compact the warehouse, expire old snapshots, rebuild the search index, report sizes"
    )
    maintain.add_argument(
        "--keep-days",
        type=_positive_number,
        default=30.0,
        help="snapshots younger than this stay reachable by time travel",
    )
    _storage_options(maintain, config.warehouse, config.archive)
    maintain.set_defaults(command=cmd_maintain)


def _page_commands(commands) -> None:
    """extract, stats: the commands that read saved pages."""
    extract = commands.add_parser(
        "extract",
        help="print the article parsed from saved pages or fetched URLs as JSON, or one JSON line per page"
        " of a corpus",
    )
    source = extract.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "targets",
        nargs="*",
        default=argparse.SUPPRESS,  # absent with --corpus (and no "(default: [])" in the help)
        metavar="PAGE|URL",
        help="a saved .html or .html.gz page, or an http(s) URL to fetch (as a run fetches: its scope, "
        "robots.txt and limits); one prints the record as JSON, several print one JSON line each",
    )
    source.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="a folder of pages/<id>.html.gz and truth.jsonl (only its id and url are read): "
        "print one JSON line per page",
    )
    extract.add_argument(
        "--url",
        type=_http_url,
        help="the http(s) URL one saved PAGE was fetched from (default: the page's canonical link)",
    )
    extract.add_argument(
        "--fetched-at", type=_datetime, help="ISO time, resolves relative times (default: now)"
    )
    extract.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="fetch URLs and continuation pages from this mirror of the site, like http://127.0.0.1:8000",
    )
    extract.set_defaults(command=cmd_extract)

    stats = commands.add_parser("stats", help="field fill rates over a folder of saved pages")
    stats.add_argument("folder", type=Path, help="a folder of .html / .html.gz pages (searched recursively)")
    stats.add_argument("--fields", action="store_true", help="each field's fill rate (the default report)")
    stats.add_argument(
        "--missing", action="store_true", help="also list, per field, the pages where it is empty"
    )
    stats.add_argument(
        "--fetched-at", type=_datetime, help="ISO time, resolves relative times (default: now)"
    )
    stats.set_defaults(command=cmd_stats)


def _ingest_options(
    parser: Parser, config: Config, db: Path, archive: Path, site: str | None = "tempo"
) -> None:
    """--site (site "": required, None: every enabled site by default), --warehouse, --archive,
    --batch-size, --workers."""
    known = _known_sites()
    if site is None:
        help_text, default, required = (
            f"only this site, one of {known} (default: every enabled site with a mirror)",
            None,
            False,
        )
    else:
        if site and site not in config.sites:
            site = config.sites[0]  # the usual site is disabled: the first enabled one
        help_text, default, required = f"the site to ingest, one of {known}", site or None, not site
    parser.add_argument(
        "--site", type=_site_name, default=default, required=required, metavar="NAME", help=help_text
    )
    _storage_options(parser, db, archive)
    parser.add_argument(
        "--batch-size", type=_positive, default=BATCH_SIZE, metavar="N", help="pages per batch"
    )
    parser.add_argument(
        "--workers", type=_positive, default=config.workers, metavar="N", help="concurrent fetches"
    )


def _storage_options(parser: Parser, db: Path, archive: Path) -> None:
    _warehouse_option(parser, db)
    parser.add_argument(
        "--archive", type=_folder, default=str(archive), metavar="DIR", help="folder of raw pages"
    )


def _warehouse_option(parser: Parser, db: Path) -> None:
    """--warehouse, and --db, its old name, hidden: scripts that use it keep working."""
    parser.add_argument(
        "--warehouse",
        type=_db_file,
        default=str(db),
        metavar="FILE",
        help="the warehouse's catalog file (its data sits beside it)",
    )
    parser.add_argument(
        "--db", dest="warehouse", type=_db_file, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )


def _crawl_options(parser: Parser, config: Config) -> None:
    """What `run` and `backfill` share beyond _ingest_options: the mirror, politeness, the run budget."""
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="fetch from a mirror of the site at this http(s) URL, like http://127.0.0.1:8000 "
        "(default: the real site)",
    )
    parser.add_argument(
        "--limit", type=_positive, metavar="N", help="at most this many articles (default: no limit)"
    )
    delay = "the site's own, or more if its robots.txt asks" if config.delay is None else f"{config.delay:g}"
    parser.add_argument(
        "--delay",
        type=_non_negative,
        metavar="SECONDS",
        help=f"seconds between requests to a host (default: {delay})",
    )
    parser.add_argument(
        "--user-agent",
        type=_one_line_text,
        metavar="TEXT",
        help=f"the User-Agent sent, the contact appended (default: {config.user_agent})",
    )
    parser.add_argument(
        "--max-pages",
        type=_positive,
        metavar="N",
        help="end the run cleanly after fetching this many pages; the next run goes on from there "
        "(default: no limit)",
    )
    parser.add_argument(
        "--max-minutes",
        type=_positive_number,
        metavar="MINUTES",
        help="end the run cleanly after this many minutes; the next run goes on from there "
        "(default: no limit)",
    )


def _known_sites() -> str:
    return ", ".join(sorted(all_sites()))


def _layout_names(site: str | None) -> list[str]:
    sites = [get_site(site)] if site else all_sites().values()
    return sorted({layout.name for source in sites for layout in source.layouts})


def _known_layouts() -> str:
    return ", ".join(_layout_names(None))


# Argument types: each returns the value or raises ArgumentTypeError (one line, via Parser.error).


def _site_name(value: str) -> str:
    try:
        return get_site(value).name
    except UnknownSite as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 2^63 - 1, got {value!r}")
    return int(value)


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 1 to 65535, got {value!r}")
    return int(value)


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return math.nan


def _non_negative(value: str) -> float:
    number = _number(value)
    if not 0 <= number < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}")
    return number


def _positive_number(value: str) -> float:
    number = _number(value)
    if not 0 < number < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {value!r}")
    return number


def _datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO time like 2023-09-13T12:36:00Z, got {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: str) -> date:
    try:
        if not _DAY.fullmatch(value):  # fromisoformat would also take 20230913 and 2023-W37-3
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2023-09-13, got {value!r}") from None


_HOST_LABEL = re.compile(r"[\w-]{1,63}")


def _http_url(value: str) -> str:
    """An absolute http(s) URL with a host (and a valid port, when it names one)."""
    problem = _url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"expected an absolute http(s) URL: {problem}")
    return value


def _base_url(value: str) -> str:
    """An http(s) origin: scheme, host and port, nothing after them but an optional '/'."""
    problem = _url_problem(value)
    if not problem:
        parts = urlsplit(value)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            problem = f"{value!r} has a path, query or fragment; a base URL is the origin only"
    if problem:
        raise argparse.ArgumentTypeError(f"expected a base URL like http://127.0.0.1:8000: {problem}")
    return value


def _url_problem(value: str) -> str | None:
    if any(char.isspace() or not char.isprintable() for char in value):
        return f"{value!r} contains spaces or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError when it is no number or out of range
    except ValueError as error:
        return f"{value!r} is malformed ({error})"
    if "://" not in value:  # also localhost:8000, whose scheme urlsplit says is "localhost"
        return f"{value!r} is not an absolute URL (http://… or https://…)"
    if parts.scheme not in ("http", "https"):
        return f"{value!r} is not http or https"
    host = parts.hostname
    if not host:
        return f"{value!r} names no host"
    if port == 0:
        return f"{value!r} names port 0"
    if ":" in host:  # an IPv6 literal, bracketed in the URL
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"{value!r} has a malformed IPv6 host"
        return None
    labels = host.removesuffix(".").split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"{value!r} has a malformed host {host!r}"
    return None


def _db_file(value: str) -> str:
    if Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a folder, not a DuckDB file")
    return value


def _mirror_dir(value: str) -> Path:
    if not Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is no folder")
    return Path(value)


def _one_line_text(value: str) -> str:
    if not value.strip() or not value.isprintable():
        raise argparse.ArgumentTypeError(f"expected text on one line, got {value!r}")
    return value.strip()


def _folder(value: str) -> str:
    if Path(value).exists() and not Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a file, not a folder")
    return value


def _site(name: str):
    try:
        return get_site(name)
    except KeyError as error:
        raise UsageError(str(error)) from None


def _backfill_range(first: date | None, last: date | None, names: tuple[str, str]) -> None:
    """A range of days that starts no later than it ends, and not in the future (anywhere on Earth)."""
    first_name, last_name = names
    if last is not None and first is None:
        raise UsageError(f"argument {last_name}: needs {first_name}")
    latest = (datetime.now(UTC) + timedelta(hours=14)).date()  # the last time zone's today
    for name, day in ((first_name, first), (last_name, last)):
        if day is not None and day > latest:
            raise UsageError(f"argument {name}: {day} is in the future")
    if first is not None and last is not None and first > last:
        raise UsageError(f"argument {first_name}: {first} is after {last_name} {last}")


def _quiet_prefect() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # "Still processing items: 1 items remaining..." as Prefect sends a run's last events at exit
    logging.getLogger("EventsWorker").setLevel(logging.ERROR)


class _NoRunFailedTraceback(logging.Filter):
    """Prefect logs a flow's (or task's) exception with its traceback; a RunFailed is one line by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RunFailed):
            record.exc_info = record.exc_text = None
        return True


def _call_flow(flow, **parameters):
    """Call a Prefect flow; a RunFailed it raises reaches main() and its traceback stays out of the log."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoRunFailedTraceback) for f in logger.filters):
            logger.addFilter(_NoRunFailedTraceback())
    return flow(**parameters)


def cmd_run(args) -> int:
    _backfill_range(args.backfill_from, args.backfill_to, ("--backfill-from", "--backfill-to"))
    return _ingest(args, args.backfill_from, args.backfill_to)


def cmd_backfill(args) -> int:
    _backfill_range(args.first, args.last, ("--from", "--to"))
    return _ingest(args, args.first, args.last)


def _ingest(args, backfill_from: date | None, backfill_to: date | None) -> int:
    _site(args.site)
    _quiet_prefect()
    from kabar.flows.ingest import ingest

    with _progress():
        counts = _call_flow(
            ingest,
            site=args.site,
            base_url=args.base_url,
            warehouse=args.warehouse,
            archive=args.archive,
            limit=args.limit,
            batch_size=args.batch_size,
            workers=args.workers,
            delay=args.config.delay if args.delay is None else args.delay,
            user_agent=_user_agent(args),
            backfill_from=backfill_from,
            backfill_to=backfill_to,
            max_pages=args.max_pages,
            max_minutes=args.max_minutes,
        )
    print(json.dumps(counts, indent=2))
    return 0


def _user_agent(args) -> str:
    """The configured User-Agent, or the one given, the configured contact appended either way."""
    if args.user_agent is None:
        return args.config.user_agent
    return configuration.identify(args.user_agent, args.config.contact)


def cmd_reparse(args) -> int:
    if args.site:
        _site(args.site)
    if args.layout is not None and args.layout not in (known := _layout_names(args.site)):
        of = f"the {args.site} site" if args.site else "any site"
        raise UsageError(
            f"argument --layout: {args.layout!r} is no layout of {of}; known: {', '.join(known)}"
        )
    _quiet_prefect()
    from kabar.flows.reparse import reparse

    with _progress():
        counts = _call_flow(
            reparse,
            site=args.site,
            since=args.since,
            layout=args.layout,
            warehouse=args.warehouse,
            archive=args.archive,
            batch_size=args.batch_size,
            **_dask_parameters(args),
        )
    print(json.dumps(counts, indent=2))
    return 0


def _dask_parameters(args) -> dict:
    """The flow's Dask parameters, when a Dask option was given (else the flow's defaults: no Dask)."""
    if args.dask_address:
        return {"dask_address": args.dask_address}
    if args.dask_workers or args.dask:
        return {"dask_workers": args.dask_workers or DASK_WORKERS}
    return {}


@contextmanager
def _progress() -> Iterator[None]:
    """The flows' progress reports while the block runs: a bar per kind of work on a terminal, plain
    lines otherwise (a log, a pipe), on stderr beside the logs."""
    from kabar.progress import listening

    show = _Bars() if sys.stderr.isatty() else _plain_line
    with listening(show):
        try:
            yield
        finally:
            if isinstance(show, _Bars):
                show.close()


def _plain_line(progress) -> None:
    left = "" if progress.seconds_left is None else f", about {_seconds_text(progress.seconds_left)} left"
    print(f"kabar: {progress.work}: {progress.done}/{progress.total}{left}", file=sys.stderr, flush=True)


def _seconds_text(seconds: float) -> str:
    minutes, second = divmod(round(seconds), 60)
    return f"{minutes} min {second} s" if minutes else f"{second} s"


def _terminal_size() -> dict[str, int]:
    """The terminal's width and height for tqdm; 80 x 24 when it reports none (a new pseudo-terminal
    says 0 x 0, and tqdm would then draw nothing)."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    return {"ncols": size.columns or 80, "nrows": size.lines or 24}


class _Bars:
    """One tqdm bar per kind of work, moved to each report's figures (reports may come from threads)."""

    def __init__(self) -> None:
        self.bars: dict[str, object] = {}
        self.lock = threading.Lock()

    def __call__(self, progress) -> None:
        from tqdm import tqdm

        with self.lock:
            bar = self.bars.get(progress.work)
            if bar is None:
                bar = self.bars[progress.work] = tqdm(
                    desc=progress.work, unit="page", file=sys.stderr, **_terminal_size()
                )
            bar.total = progress.total
            bar.n = progress.done
            bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def cmd_search(args) -> int:
    import duckdb

    from kabar.warehouse.search import search

    try:
        args.query.encode("utf-8")  # bytes that are no UTF-8 come from argv as lone surrogates
        hits = search(args.warehouse, args.query, site=args.site, since=args.since, limit=args.limit)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except UnicodeError:
        raise UsageError("the query is not UTF-8 text") from None
    except duckdb.Error as error:  # an index that is no DuckDB file, or not one `kabar maintain` built
        raise UsageError(
            f"cannot search: {_first_line(error)} (`kabar maintain` builds the index again)"
        ) from None
    for n, hit in enumerate(hits, 1):
        day = hit["published_at"].date().isoformat() if hit["published_at"] else "-"
        print(_visible(f"{n}. {hit['title']} ({hit['site']}, {day}, score {hit['score']})"))
        print(_visible(f"   {hit['url']}\n   {hit['snippet']}"))  # the publisher's text: shown, not obeyed
    if not hits:
        print(f"no article matches {args.query!r}", file=sys.stderr)
    return 0


def cmd_maintain(args) -> int:
    _quiet_prefect()
    from kabar.flows.maintenance import maintenance

    report = _call_flow(maintenance, warehouse=args.warehouse, archive=args.archive, keep_days=args.keep_days)
    print(json.dumps(report, indent=2))
    return 0


def cmd_demo(args) -> int:
    enabled = [all_sites()[name] for name in args.config.sites]
    # and the demo's configured site (sites/configured_demo: found by name, not registered)
    bundled = [*enabled, *(site for name, site in demo_sites().items() if name not in all_sites())]
    sites = [_site(args.site)] if args.site else [site for site in bundled if site.mirror]
    for site in sites:
        _mirror_root(site)
    _quiet_prefect()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the demo prints its own summary
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    for site in sites:
        with serve(site.mirror) as mirror, _progress():
            print(f"serving the {site.name} mirror ({site.mirror}) at {mirror.base_url}")
            counts = _call_flow(
                ingest,
                site=site.name,
                base_url=mirror.base_url,
                warehouse=args.warehouse,
                archive=args.archive,
                batch_size=args.batch_size,
                workers=args.workers,
                delay=0.0,
                user_agent=args.config.user_agent,
            )
        _print_counts(site.name, counts)
    _print_demo(args.warehouse)
    return 0


def _print_counts(site: str, counts: dict[str, int]) -> None:
    print(
        f"  {site}: {counts['articles_new']} new articles ({counts['articles_updated']} updated), "
        f"{counts['related_links_seen']} related links, {counts['issues']} extraction issues, "
        f"{counts['near_duplicates']} near duplicates marked"
    )
    print(
        f"  duplicates collapsed: {counts['urls_collapsed']} URLs before fetching, "
        f"{counts['duplicates']} pages after parsing; {counts['pages_unchanged']} pages unchanged"
    )


def _print_demo(db: str) -> None:
    from kabar.warehouse.db import connect

    with connect(db, read_only=True) as con:
        articles, links, near = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM related_links),"
            " (SELECT count(*) FROM near_duplicates)"
        ).fetchall()[0]
        print(
            f"\nthe warehouse {db} now holds {articles} articles, {links} related links, "
            f"{near} near duplicates\n"
        )
        print(f"sample query:\n{DEMO_QUERY}\n")
        print(con.sql(DEMO_QUERY))
    print(f'try: kabar sql --warehouse {db} "SELECT block, count(*) FROM related_links GROUP BY block"')


def _mirror_root(site) -> Path:
    if site.mirror is None:
        raise UsageError(f"the {site.name} site ships no mirror")
    return site.mirror


MAINTENANCE_SCHEDULE = "40 3 * * *"  # daily, at night between the sites' runs (prefect.yaml says the same)
SCHEDULE_TIMEZONE = "Asia/Jakarta"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def cmd_mirror(args) -> int:
    """Serve a mirror until SIGINT or SIGTERM: no terminal needed (systemd, Docker, a script)."""
    from kabar.mirror import serve

    root = args.dir or _mirror_root(_site(args.site))
    with ExitStack() as stack:
        try:
            mirror = stack.enter_context(serve(root, port=args.port))
        except OSError as error:  # the port is taken, or needs privileges
            raise UsageError(f"cannot serve on port {args.port}: {error.strerror or error}") from None
        what = f"the folder {root}" if args.dir else f"the {args.site} mirror"
        print(f"serving {what} at {mirror.base_url} until stopped (Ctrl-C or SIGTERM)", flush=True)
        if not args.dir:
            print(f"try: kabar run --site {args.site} --base-url {mirror}", flush=True)
        _wait_for_a_stop_signal()
    print("stopped", flush=True)
    return 0


def _wait_for_a_stop_signal() -> None:
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in STOP_SIGNALS}
    try:
        while not stop.wait(0.5):  # a timeout: the main thread stays responsive to signals
            pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def cmd_serve(args) -> int:
    """Every enabled site's schedule (and the daily maintenance) served from this process by Prefect:
    no work pool, no worker. SIGINT and SIGTERM cancel a run in progress (the Prefect run 'Cancelled',
    its crawl_runs row 'failed' through the flow's failure path, or 'abandoned' here when Prefect had
    to kill it first), pause the schedules, and stop."""
    names = args.site or [name for name in args.config.sites if get_site(name).schedule]
    unscheduled = [name for name in names if not get_site(name).schedule]
    if unscheduled or not names:
        which = ", ".join(unscheduled) or "any enabled site"
        raise UsageError(f"no schedule for {which} (a site module's `schedule`)")
    _serve_environment(args.config)
    _quiet_prefect()
    from prefect import serve

    # Prefect's runner, once started, stops gracefully on SIGTERM (it installs its own handler), and
    # Ctrl-C (or `kill -INT`) takes the same way out. Before that nothing runs: a stop just ends.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, lambda *_: signal.raise_signal(signal.SIGTERM))
    started, deployments = datetime.now(UTC), []
    try:
        deployments = _deployments(names)
        print(f"serving {', '.join(d.name for d in deployments)}; stop with Ctrl-C or SIGTERM", flush=True)
        serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        pass
    except SystemExit as exit_:  # Prefect's runner may end the process itself on SIGTERM: stop cleanly first
        if exit_.code not in (0, None):
            raise
    try:
        _pause(deployments)
        _mark_stopped_runs([d.name for d in deployments if d.flow_name == "ingest"], started, args.config)
    except Exception as error:  # noqa: BLE001 (the API is gone: the next run of a site marks its rows)
        print(f"kabar: after the stop: {_first_line(error)}", file=sys.stderr)
    print("stopped", flush=True)
    return 0


def _pause(deployments: list) -> None:
    """Paused while nobody serves them (Prefect's runner does so too once it started): no run piles
    up unserved; the next `kabar serve` resumes them."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True, httpx_settings={"timeout": API_TIMEOUT}) as client:
        for deployment in deployments:
            found = client.read_deployment_by_name(f"{deployment.flow_name}/{deployment.name}")
            client.pause_deployment(found.id)


def _mark_stopped_runs(names: list[str], since: datetime, config: Config) -> None:
    """A run the stop cancelled ends through the flow's failure path ('failed'); one whose process
    Prefect had to kill never got there: its row is marked 'abandoned' here, not left 'running'."""
    from kabar.warehouse.db import connect, exists
    from kabar.warehouse.status import abandon_runs

    for warehouse, run_ids in _ended_runs(names, since, config.warehouse).items():
        if exists(warehouse):
            with connect(warehouse) as con:
                if marked := abandon_runs(con, run_ids):
                    print(f"marked {marked} killed run(s) abandoned in {warehouse}", flush=True)


def _ended_runs(names: list[str], since: datetime, default: Path) -> dict[str, list[str]]:
    """The flow runs of these ingest deployments that started since `since` and ended cancelled or
    crashed, by the warehouse they wrote (`default` unless a parameter named another)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    ended = FlowRunFilter(
        start_time=FlowRunFilterStartTime(after_=since),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CANCELLED, StateType.CRASHED])),
    )
    with get_client(sync_client=True, httpx_settings={"timeout": API_TIMEOUT}) as client:
        runs = client.read_flow_runs(
            flow_run_filter=ended, deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
        )
    found: dict[str, list[str]] = {}
    for run in runs:
        warehouse = run.parameters.get("warehouse") or str(default)
        found.setdefault(warehouse, []).append(str(run.id))
    return found


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def _serve_environment(config: Config) -> None:
    """What the flow runs (child processes) inherit: this configuration wherever they start, and
    logs on stdout at INFO."""
    if (found := configuration.config_file()) is not None:
        os.environ["KABAR_CONFIG"] = str(found.resolve())
    os.environ["KABAR_HOME"] = str(config.home.resolve())
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_STREAM", "ext://sys.stdout")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def _deployments(names: list[str]) -> list:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from kabar.flows.ingest import ingest
    from kabar.flows.maintenance import maintenance

    def deployment(flow, name: str, cron: str, timezone: str, parameters: dict, tags: list[str]):
        return flow.to_deployment(
            name=name,
            schedules=[Cron(cron, timezone=timezone)],
            parameters=parameters,
            tags=["kabar", *tags],
            concurrency_limit=1,  # one run at a time: the warehouse has one writer
            paused=False,  # a restart resumes the schedules a stop paused
            entrypoint_type=EntrypointType.MODULE_PATH,  # found from any working folder
        )

    found = [
        deployment(ingest, f"{name}-served", site.schedule, site.schedule_timezone, {"site": name}, [name])
        for name, site in ((name, get_site(name)) for name in names)
    ]
    found.append(
        deployment(maintenance, "maintenance-served", MAINTENANCE_SCHEDULE, SCHEDULE_TIMEZONE, {}, [])
    )
    return found


API_TIMEOUT = 3.0  # seconds `kabar status` waits for the Prefect API


def cmd_status(args) -> int:
    from kabar.warehouse.db import connect, exists
    from kabar.warehouse.status import Status, folder_size, read_status, warehouse_size

    warehouse, archive = args.warehouse, Path(args.archive)  # the warehouse: a file or a PostgreSQL catalog
    status = Status()
    if exists(warehouse):
        with connect(warehouse, read_only=True) as con:
            status = read_status(con, args.runs)
        print(f"warehouse {configuration.masked(warehouse)}: {_size(warehouse_size(warehouse))}")
    else:
        print(f"warehouse {warehouse}: nothing yet (no run has written it; try `kabar run` or `kabar demo`)")
        if (demo := settings.demo_warehouse_path()).is_file():
            print(f"  the demo's: kabar status --warehouse {demo} --archive {settings.demo_archive_dir()}")
    size, pages = folder_size(archive)
    print(
        f"raw archive {archive}: {_size(size)}, {pages} files" if pages else f"raw archive {archive}: empty"
    )
    upcoming, why_not = _next_runs()
    for site in sorted(set(args.config.sites) | {run.site for run in status.runs} | set(status.freshness)):
        _print_site(site, status, upcoming.get(site) or why_not)
    return 0


def _print_site(site: str, status, next_run: str) -> None:
    print(f"\n{site}")
    fresh = status.freshness.get(site)
    if fresh is not None:
        print(
            f"  {fresh.articles} articles; newest published {_when(fresh.newest_published)}, "
            f"newest fetch {_when(fresh.newest_fetch)}"
        )
    print(f"  next run: {next_run}")
    runs = [run for run in status.runs if run.site == site]
    print("  last runs:" if runs else "  no runs yet")
    for run in runs:
        print(f"    {_run_line(run)}")
        for gate in run.gates or ():
            if not gate.passed:
                print(f"      gate failed: {gate.message or gate.measure}")


def _run_line(run) -> str:
    took = f"{(run.finished_at - run.started_at).total_seconds():.0f} s" if run.finished_at else "-"
    kind = "" if run.kind == "ingest" else f" ({run.kind})"
    gates = (
        "no gate verdicts"
        if run.gates is None
        else (f"gates {sum(g.passed for g in run.gates)}/{len(run.gates)} passed")
    )
    return (
        f"{_when(run.started_at)}  {run.status}{kind}  {took}  new {run.new}, changed {run.changed}, "
        f"failed {run.failed}, issues {run.issues}; {gates}"
    )


def _when(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _size(count: float) -> str:
    unit = "B"
    for larger in ("KB", "MB", "GB"):
        if count < 1000:
            break
        count, unit = count / 1000, larger
    return f"{count:.0f} B" if unit == "B" else f"{count:.1f} {unit}"


def _next_runs() -> tuple[dict[str, str], str]:
    """Each site's next scheduled ingest run from the Prefect API, or why there is none to ask."""
    import requests
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()  # the variable, or the active Prefect profile's
    if not url:
        return {}, "no Prefect API (PREFECT_API_URL is not set)"
    try:
        requests.get(f"{url.rstrip('/')}/health", timeout=API_TIMEOUT).raise_for_status()
        return _scheduled_runs(), "none scheduled"
    except Exception as error:  # noqa: BLE001 (status reports, it does not fail, whatever the API does)
        return {}, f"no Prefect API ({url}: {_first_line(error)})"


def _scheduled_runs() -> dict[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    scheduled = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
    )
    with get_client(sync_client=True, httpx_settings={"timeout": API_TIMEOUT}) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["ingest"])),
            flow_run_filter=scheduled,
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=100,
        )
    found: dict[str, str] = {}
    for run in runs:
        found.setdefault(run.parameters.get("site", "tempo"), _when(run.expected_start_time))
    return found


def cmd_config(args) -> int:
    found = configuration.config_file()
    print(f"# configuration file: {found or 'none (no ./kabar.toml, KABAR_CONFIG not set)'}")
    rows = [(key, _setting(key, value), source) for key, value, source in args.config.entries()]
    key_width, value_width = max(len(row[0]) for row in rows), max(len(row[1]) for row in rows)
    for key, value, source in rows:
        print(f"{key:<{key_width}}  {value:<{value_width}}  {source}")
    return 0


def _setting(key: str, value) -> str:
    if key == "delay" and value is None:
        return "(each site's own)"
    if value is None:
        return "(none)"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


class _NoTraceback(logging.Filter):
    """A logged exception as its one line: `kabar extract` prints the page's issue, which names it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = None
        return True


def cmd_extract(args) -> int:
    quiet, logger = _NoTraceback(), logging.getLogger("kabar.extract")
    logger.addFilter(quiet)  # "parser crashed on <url>" stays, its traceback goes
    try:
        return _extract(args)
    finally:
        logger.removeFilter(quiet)


def _extract(args) -> int:
    from kabar.records import to_json

    if args.corpus is not None:
        if args.url or args.base_url:
            raise UsageError("--url and --base-url apply to PAGE|URL, not to --corpus")
        return _extract_corpus(args.corpus, args.fetched_at or datetime.now(UTC))
    if args.url and (len(args.targets) > 1 or _is_url(args.targets[0])):
        raise UsageError("--url names where one saved PAGE was fetched from")
    when = args.fetched_at or datetime.now(UTC)
    if len(args.targets) == 1:
        [target] = args.targets
        result, site = _extract_one(target, args.url, args.base_url, when)
        print(to_json(result), end="")  # an issue too: it says why the page is no article
        if isinstance(result, ExtractionIssue):
            raise UsageError(_no_article(target, site, result))
        return 0
    failed = 0
    for target in args.targets:  # one line each; a target that fails is a line on stderr, not a stop
        try:
            result, site = _extract_one(target, None, args.base_url, when)
        except UsageError as error:
            print(f"kabar: {error}", file=sys.stderr, flush=True)
            failed += 1
            continue
        print(to_json(result, indent=None), end="", flush=True)
        if isinstance(result, ExtractionIssue):
            print(f"kabar: {_no_article(target, site, result)}", file=sys.stderr, flush=True)
            failed += 1
    return 2 if failed else 0


def _no_article(target: str, site, issue: ExtractionIssue) -> str:
    return f"{target}: not an article of {site.name}: {issue.problem}: {issue.detail}"


def _is_url(target: str) -> bool:
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target) is not None


def _extract_one(target: str, url: str | None, base_url: str | None, when: datetime):
    """(article or issue, site) of one saved page or one URL. A URL is fetched as a run fetches it
    (the site's hosts, robots.txt, size and time limits; from `base_url` when it names a mirror);
    continuation pages the same way, after those saved beside a page."""
    from kabar.extract import extract_available
    from kabar.http import Crawl, Fetcher, page_source

    path, html = None, None
    if _is_url(target):
        if problem := _url_problem(target):
            raise UsageError(f"{target}: expected an absolute http(s) URL: {problem}")
        url = target
    else:
        path = Path(target)
        html = _read_page(path)
        url = url or _canonical_link(html)
    site = _site_for(url)
    # What is fetched goes to a throwaway archive, not the warehouse's.
    with tempfile.TemporaryDirectory(prefix="kabar-extract-") as scratch:
        crawl = Crawl(archive_dir=scratch, base_url=base_url, hosts=site.domains)
        with Fetcher(crawl) as fetcher:
            over_http = page_source(fetcher, crawl.locate)
            if html is None:
                try:
                    html = over_http(url)
                except Unavailable as error:
                    raise UsageError(f"cannot fetch {error}") from None
            more = _first_of(saved_pages(path, url) if path else None, over_http)
            result, note = extract_available(site, html, url, when, more)
    if note:
        print(f"kabar: {note}", file=sys.stderr)
    return result, site


def _extract_corpus(folder: Path, fetched_at: datetime) -> int:
    """`kabar extract --corpus DIR`: each page of truth.jsonl (its `id` and `url` only) through the site
    module of its host, else the generic extractor, as one JSON line; a page that cannot become an
    article is a line with an `error`, never a stop. No continuation pages are fetched."""
    from kabar.extract import extract

    rows = _corpus_rows(folder)
    for page_id, url in rows:
        print(
            json.dumps(_corpus_line(folder, page_id, url, fetched_at, extract), ensure_ascii=False),
            flush=True,
        )
    return 0


def _corpus_rows(folder: Path) -> list[tuple[str, str | None]]:
    """(id, url) of every line of the folder's truth.jsonl, checked before any page is read."""
    truth = folder / "truth.jsonl"
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if not truth.is_file() or not (folder / "pages").is_dir():
        raise UsageError(f"{folder} is not a corpus folder: it needs truth.jsonl and pages/")
    rows = []
    try:
        with truth.open(encoding="utf-8") as lines:  # not splitlines(): U+2028 may stand inside a value
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError) as error:
                    why = error if isinstance(error, ValueError) else "nested past Python's recursion limit"
                    raise UsageError(f"{truth}, line {number}: not JSON ({why})") from None
                page_id = row.get("id") if isinstance(row, dict) else None
                url = row.get("url") if isinstance(row, dict) else None
                if not isinstance(page_id, str) or not page_id or "/" in page_id or page_id.startswith("."):
                    raise UsageError(f"{truth}, line {number}: no usable `id`")
                if url is not None and not isinstance(url, str):
                    raise UsageError(f"{truth}, line {number}: `url` is not a string")
                rows.append((page_id, url or None))
    except OSError as error:
        raise UsageError(f"cannot read {truth}: {error.strerror or error}") from None
    except UnicodeError as error:
        raise UsageError(f"{truth} is not UTF-8 text ({error})") from None
    return rows


def _corpus_line(folder: Path, page_id: str, url: str | None, fetched_at: datetime, extract) -> dict:
    """One page's JSON line: the article's fields, or `error` saying why there is none."""
    line: dict = {"id": page_id, "url": url}
    try:
        html = _read_page(folder / "pages" / f"{page_id}.html.gz")
        if url is None or _url_problem(url):
            from kabar.sites.html import canonical_link, page_of

            canonical = canonical_link(page_of(html))
            url = line["url"] = canonical if canonical and not _url_problem(canonical) else url
        # A page known by no URL is extracted as one of an unknown host, as the benchmark does
        address = url if url and not _url_problem(url) else f"https://unknown.invalid/{page_id}"
        result = extract(_site_for(address), html, address, fetched_at)
    except UsageError as error:  # the page's file: missing, empty, not gzip, too big
        return {**line, "error": str(error)}
    except Exception as error:  # one page's surprise must not stop the others
        return {**line, "error": f"{type(error).__name__}: {_one_line(error)}"}
    if isinstance(result, ExtractionIssue):
        return {
            **line,
            "error": f"{result.stage}: {result.problem}" + (f": {result.detail}" if result.detail else ""),
        }
    parsed = result.parsed
    return {
        **line,
        "title": parsed.title,
        "authors": list(parsed.authors),
        "published": parsed.published_at.isoformat() if parsed.published_at else None,
        "body": result.body,
        "language": parsed.language,
        "related": [
            {"block": link.block, "position": link.position, "url": link.url, "title": link.title}
            for link in parsed.related
        ],
    }


def _first_of(*sources):
    """Continuation pages from the first source that has them (saved beside the page, then HTTP)."""

    def read(url: str) -> bytes:
        reasons = []
        for source in filter(None, sources):
            try:
                return source(url)
            except Unavailable as error:
                reasons.append(str(error))
        raise Unavailable("; ".join(reasons))

    return read


def _read_page(path: Path) -> bytes:
    """The HTML of a saved page, gunzipped when it is gzip (by its name or its first bytes)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder, not a page")
    if path.is_fifo() or path.is_socket():  # reading one waits for a writer that may never come
        raise UsageError(f"{path} is a pipe or a socket, not a saved page")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    if path.suffix == ".gz" or data.startswith(GZIP_MAGIC):
        data = _gunzip(path, data)
    if len(data) > MAX_PAGE_BYTES:
        raise UsageError(f"{path} holds more than {MAX_PAGE_BYTES // 2**20} MiB of HTML: not a page")
    if not data.strip():
        raise UsageError(f"{path} is empty")
    return data


def _gunzip(path: Path, data: bytes) -> bytes:
    """At most MAX_PAGE_BYTES + 1 bytes of the gzip stream: a bomb is cut off, never expanded."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return stream.read(MAX_PAGE_BYTES + 1)
    except gzip.BadGzipFile as error:
        raise UsageError(f"{path} is not a gzip file ({error})") from None
    except EOFError:  # the stream ends before its end-of-stream marker
        raise UsageError(
            f"{path} is a truncated gzip file (it ends before its end-of-stream marker)"
        ) from None
    except (zlib.error, OSError) as error:
        raise UsageError(f"{path} is a corrupt gzip file ({error})") from None


def _canonical_link(html: bytes) -> str:
    from kabar.sites.html import canonical_link, page_of

    url = canonical_link(page_of(html))
    if not url:
        raise UsageError("the page names no canonical URL: pass --url")
    problem = _url_problem(url)
    if problem:
        raise UsageError(f"the page's canonical link is no http(s) URL ({problem}): pass --url")
    return url


def _site_for(url: str):
    """The site module for the URL's host, else the generic extractor (sites/generic)."""
    from kabar.sites import generic

    return site_for_url(url) or generic.site_for(url)


def cmd_stats(args) -> int:
    from kabar.stats import field_stats, page_files, report

    if not args.folder.is_dir():
        raise UsageError(f"{args.folder} is not a folder")
    stats = field_stats(page_files(args.folder), args.fetched_at or datetime.now(UTC))
    print(report(stats, missing=args.missing))
    return 0


def cmd_sql(args) -> int:
    import duckdb

    from kabar.warehouse.db import connect
    from kabar.warehouse.sandbox import Refused, lock_down, statements, warehouse_paths

    text = _sql_text(args.query, args.file)
    limit = args.max_rows or (TABLE_MAX_ROWS if args.format == "table" else None)
    try:
        with connect(args.warehouse, read_only=True) as con, _stoppable(con, args.timeout) as stopped:
            lock_down(con, warehouse_paths(args.warehouse))
            found = statements(con, text)
            if not found:
                raise UsageError("no SQL statement given")
            for number, statement in enumerate(found, 1):
                where = f"statement {number}: " if len(found) > 1 else ""
                _print_result(con, statement, args.format, limit, where, first=number == 1)
    except duckdb.InterruptException:
        if stopped["terminated"]:
            return 128 + signal.SIGTERM  # as the signal would have, once the spill folder is removed
        if not stopped["expired"]:
            raise KeyboardInterrupt from None
        print(f"kabar: stopped at the --timeout of {args.timeout:g} s", file=sys.stderr)
        return 1
    except Refused as error:
        raise UsageError(f"refused: {error}") from None
    except duckdb.PermissionException as error:
        raise UsageError(f"refused: {_first_line(error)} (kabar sql reads the warehouse only)") from None
    except (duckdb.Error, FileNotFoundError) as error:
        raise UsageError(_first_line(error)) from None
    except OverflowError as error:  # an INTERVAL of more days than Python's timedelta holds
        raise UsageError(f"a value Python cannot hold ({error}): cast it, e.g. to VARCHAR") from None
    except BrokenPipeError:  # `kabar sql ... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except RuntimeError as error:  # DuckDB stops a query on Ctrl-C with "Query interrupted"
        if "interrupted" not in str(error).lower():
            raise
        raise KeyboardInterrupt from None
    except OSError as error:  # standard output full or gone
        print(f"kabar: cannot print the result: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


@contextmanager
def _stoppable(con, seconds: float | None) -> Iterator[dict[str, bool]]:
    """Stop the connection's statement on Ctrl-C or SIGTERM, or once `seconds` have passed (none: no
    limit); the dict tells which of `expired` and `terminated` stopped it. DuckDB looks for Python's
    SIGINT only between tasks, so a long one (a recursive query) missed Ctrl-C, and SIGTERM ended the
    process before its cleanup: a thread woken by the signal interrupts the statement instead."""
    why = {"expired": False, "terminated": False}
    wake, signalled = os.pipe()
    os.set_blocking(signalled, False)
    try:
        previous = signal.set_wakeup_fd(signalled, warn_on_full_buffer=False)
        previous_term = signal.signal(signal.SIGTERM, lambda *_: why.update(terminated=True))
    except ValueError:  # not the main thread: signals are left to DuckDB and Python
        previous = previous_term = None
    deadline = None if seconds is None else monotonic() + seconds

    def watch() -> None:
        while True:
            left = None if deadline is None else min(max(deadline - monotonic(), 0), 3600)
            if not select.select([wake], [], [], left)[0]:
                if monotonic() >= deadline:
                    why["expired"] = True
                    con.interrupt()
                    return
                continue
            woken = os.read(wake, 64)
            if signal.SIGINT in woken or signal.SIGTERM in woken:
                why["terminated"] |= signal.SIGTERM in woken
                con.interrupt()
            if _DONE in woken:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield why
    finally:
        if previous is not None:
            signal.set_wakeup_fd(previous)
            signal.signal(signal.SIGTERM, previous_term)
        os.write(signalled, bytes([_DONE]))
        watcher.join()
        os.close(wake)
        os.close(signalled)


_DONE = 0  # no signal's number: tells the watcher to end


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


SQL_MAX_CHARS = 64 * 2**20


def _sql_text(query: str | None, file: Path | None) -> str:
    """The SQL of `kabar sql`: the argument, standard input ('-'), or a file; UTF-8 text."""
    if query is not None and file is not None:
        raise UsageError("give the SQL either as QUERY or with --file, not both")
    if query is None and file is None:
        raise UsageError("no SQL: give a QUERY, '-' to read standard input, or --file FILE")
    source = "QUERY"
    try:
        if query is not None and query != "-":
            text = query
        elif query == "-" or str(file) == "-":
            source = "standard input"
            if sys.stdin is None:
                raise UsageError("standard input is closed: give the SQL as QUERY or with --file")
            text = sys.stdin.read(SQL_MAX_CHARS + 1)
        elif file.is_dir():
            raise UsageError(f"{file} is a folder, not a file of SQL")
        else:
            source = str(file)
            with open(file, encoding="utf-8") as sql_file:
                text = sql_file.read(SQL_MAX_CHARS + 1)
        if len(text) > SQL_MAX_CHARS:  # /dev/zero, or a data file given for a SQL one
            raise UsageError(f"{source} holds more than {SQL_MAX_CHARS:,} characters of SQL")
        text.encode("utf-8")  # bytes that are no UTF-8 come from argv and stdin as lone surrogates
    except OSError as error:
        raise UsageError(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeError as error:
        raise UsageError(f"{source} is not UTF-8 text ({error.reason})") from None
    return text


# `kabar sql` results. Table: DuckDB's box, every column and every character of a value (a value of
# several lines takes several); csv: RFC 4180 with a header row; json: an array of objects per
# statement, one line each; markdown: a pipe table. Lists and structs are JSON text outside json.

NUMERIC_TYPES = set(
    "tinyint smallint integer bigint hugeint utinyint usmallint uinteger ubigint uhugeint"
    " float double decimal varint bignum".split()
)
FETCH_ROWS = 1000
# Characters a terminal acts on instead of showing (C0 and C1 controls: ESC and CSI start escape
# sequences; bidirectional overrides reorder what follows): written as escapes in table and markdown,
# whose reader is a person at a terminal. Scraped text is the publisher's, not ours.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", text)


def _print_result(con, statement, fmt: str, limit: int | None, where: str, first: bool) -> None:
    try:
        con.execute(statement)
        if con.description is None:  # a statement that returns nothing prints nothing
            return
        columns = [(column[0], column[1]) for column in con.description]
        rows = _Rows(con, limit)
        out = sys.stdout
        if fmt == "json":
            _print_json(out, columns, rows)
        else:
            if not first:
                out.write("\r\n" if fmt == "csv" else "\n")
            {"table": _print_table, "csv": _print_csv, "markdown": _print_markdown}[fmt](out, columns, rows)
        out.flush()
    finally:
        abort = getattr(con, "abort", None)  # DuckDB 2: a result not read to its end holds the connection
        if abort is not None:
            abort()
    if rows.cut:
        print(
            f"kabar: {where}printed the first {limit} rows; the result has more (see --max-rows)",
            file=sys.stderr,
        )


class _Rows:
    """The rows of the connection's current result, at most `limit`; `cut` tells whether there were more."""

    def __init__(self, con, limit: int | None):
        self.con, self.limit, self.cut = con, limit, False

    def __iter__(self):
        left = self.limit
        while left is None or left > 0:
            chunk = self.con.fetchmany(FETCH_ROWS if left is None else min(FETCH_ROWS, left))
            if not chunk:
                return
            yield from chunk
            if left is not None:
                left -= len(chunk)
        self.cut = self.con.fetchone() is not None


def _is_numeric(sql_type) -> bool:
    return str(getattr(sql_type, "id", sql_type)).lower() in NUMERIC_TYPES


def _print_table(out, columns, rows) -> None:
    names = [str(name) for name, _ in columns]
    types = [str(sql_type).lower() for _, sql_type in columns]
    right = [_is_numeric(sql_type) for _, sql_type in columns]
    cells = [[_cell_lines(_text(value)) for value in row] for row in rows]
    widths = [
        max([_width(names[i]), _width(types[i])] + [_width(line) for row in cells for line in row[i]])
        for i in range(len(columns))
    ]

    def rule(left: str, middle: str, end: str) -> str:
        return left + middle.join("─" * (width + 2) for width in widths) + end + "\n"

    def line(texts: list[str], aligns: list[str]) -> str:
        return "│" + "│".join(f" {_pad(t, w, a)} " for t, w, a in zip(texts, widths, aligns)) + "│\n"

    out.write(rule("┌", "┬", "┐"))
    out.write(line(names, ["^"] * len(names)))
    out.write(line(types, ["^"] * len(types)))
    out.write(rule("├", "┼", "┤"))
    aligns = [">" if is_right else "<" for is_right in right]
    for row in cells:
        for index in range(max(len(lines) for lines in row)):
            out.write(line([lines[index] if index < len(lines) else "" for lines in row], aligns))
    out.write(rule("└", "┴", "┘"))


def _cell_lines(text: str) -> list[str]:
    return [_visible(part.expandtabs(4)) for part in text.splitlines()] or [""]


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _pad(text: str, width: int, align: str) -> str:
    space = width - _width(text)
    if align == ">":
        return " " * space + text
    if align == "^":
        return " " * (space // 2) + text + " " * (space - space // 2)
    return text + " " * space


def _print_csv(out, columns, rows) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([_text(value, null="", sep="T") for value in row])


def _print_markdown(out, columns, rows) -> None:
    def cells(texts) -> str:
        return (
            "| "
            + " | ".join("<br>".join(map(_visible, t.replace("|", "\\|").splitlines())) for t in texts)
            + " |\n"
        )

    out.write(cells(str(name) for name, _ in columns))
    out.write("|" + "|".join(" ---: " if _is_numeric(t) else " --- " for _, t in columns) + "|\n")
    for row in rows:
        out.write(cells(_text(value) for value in row))


def _print_json(out, columns, rows) -> None:
    keys = _unique([str(name) for name, _ in columns])
    is_json = [str(sql_type).upper() == "JSON" for _, sql_type in columns]  # a JSON column: its value
    out.write("[")
    for index, row in enumerate(rows):
        record = {
            key: _json_column(value) if parse and isinstance(value, str) else _jsonable(value)
            for key, value, parse in zip(keys, row, is_json)
        }
        out.write(("," if index else "") + json.dumps(record, ensure_ascii=False, allow_nan=False))
    out.write("]\n")


def _json_column(text: str):
    """A JSON column's value as JSON itself (NaN and infinities, which JSON has not, as null); as its
    text when Python cannot take it (nested past its recursion limit)."""
    try:
        value = _jsonable(json.loads(text))
        json.dumps(value, allow_nan=False)
    except (ValueError, RecursionError):
        return text
    return value


def _unique(names: list[str]) -> list[str]:
    """Keys for a JSON object: a repeated column name gets _1, _2, ... (as DuckDB names such columns)."""
    seen: set[str] = set()
    keys = []
    for name in names:
        key, number = name, 0
        while key in seen:
            number += 1
            key = f"{name}_{number}"
        seen.add(key)
        keys.append(key)
    return keys


def _text(value, null: str = "NULL", sep: str = " ") -> str:
    """A value as text for table, markdown (NULL) and csv (empty, times with a T)."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=sep)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, bytes):
        return _blob(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(_jsonable(value), ensure_ascii=False, allow_nan=False)
    return str(value)


def _jsonable(value):
    """JSON for a value DuckDB returns: times in ISO 8601, lists as arrays, structs and maps as objects."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    if isinstance(value, bytes):
        return _blob(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)  # UUID, and whatever a newer DuckDB adds


def _duration(value: timedelta) -> str:
    """An INTERVAL as an ISO 8601 duration: P1DT2H3M4.5S."""
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    second = f"{seconds}.{value.microseconds:06d}".rstrip("0") if value.microseconds else str(seconds)
    time_part = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    time_part += f"{second}S" if seconds or value.microseconds else ""
    day_part = f"{value.days}D" if value.days else ""
    if not day_part and not time_part:
        return "PT0S"
    return f"{sign}P{day_part}" + (f"T{time_part}" if time_part else "")


def _blob(value: bytes) -> str:
    """A BLOB as DuckDB writes it: printable ASCII as is, every other byte as \\xHH."""
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in value)


def cmd_export(args) -> int:
    import duckdb

    from kabar.warehouse.db import connect
    from kabar.warehouse.export import ExportError, export_duckdb, export_parquet
    from kabar.warehouse.sandbox import warehouse_paths
    from kabar.warehouse.search import search_path

    target = args.parquet or args.duckdb
    export = export_parquet if args.parquet else export_duckdb
    try:
        con = connect(args.warehouse, read_only=True)
    except (duckdb.Error, FileNotFoundError) as error:
        raise UsageError(_first_line(error)) from None
    with con:
        try:
            keep_out = [*warehouse_paths(args.warehouse), str(search_path(args.warehouse))]
            counts = export(con, target, force=args.force, keep_out=keep_out)
        except ExportError as error:
            raise UsageError(str(error)) from None
        except duckdb.Error as error:
            raise UsageError(f"cannot export to {target}: {_first_line(error)}") from None
        except OSError as error:
            raise UsageError(f"cannot write {target}: {error.strerror or error}") from None
        except UnicodeError:  # bytes that are no UTF-8 in the name, from argv
            raise UsageError(f"{target!r} is not a name DuckDB can take (not UTF-8)") from None
    print(json.dumps({"target": str(target), "rows": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
