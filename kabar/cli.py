"""The command line: run, backfill, reparse, demo, serve, extract, stats, sql, export.

A bad argument or input: one line on stderr, exit status 2. A run that cannot do its job (the flow
raises `RunFailed`): one line on stderr, exit status 1. Never a traceback for either.
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
import sys
import tempfile
import unicodedata
import zlib
from contextlib import ExitStack
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from kabar import settings
from kabar.extract import Unavailable
from kabar.mirror import saved_pages
from kabar.records import ExtractionIssue, RunFailed
from kabar.sites import UnknownSite, all_sites, get_site, site_for_url

DEMO_QUERY = """SELECT a.title, r.block, r.position, r.time_text, r.target_title
FROM related_articles r JOIN articles a ON a.article_id = r.source_article_id
ORDER BY a.published_at DESC, r.block, r.position LIMIT 5"""

SQL_FORMATS = ("table", "csv", "json", "markdown")
TABLE_MAX_ROWS = 1000  # `kabar sql --format table` prints at most this many rows of a result by default
MAX_PAGE_BYTES = 64 * 2**20  # `kabar extract` refuses a page (or a gzip bomb) that holds more HTML than this
GZIP_MAGIC = b"\x1f\x8b"


class UsageError(Exception):
    """A bad argument or input: reported in one line, exit status 2."""


class Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, unless it has none (None, or a flag's False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        return args.command(args) or 0
    except UsageError as error:
        print(f"kabar: {_one_line(error)}", file=sys.stderr)
        return 2
    except RunFailed as error:  # raised by a flow (Prefect re-raises it from the flow call)
        reason = _one_line(error)
        print(f"kabar: run failed: {reason}" if reason else "kabar: run failed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _one_line(error: Exception) -> str:
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _parser() -> Parser:
    parser = Parser(prog="kabar", description="Scheduled news ingestion into DuckDB.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=Parser)

    run = commands.add_parser("run", help="ingest a site (the real one, or a mirror with --base-url)")
    _ingest_options(run, settings.warehouse_path(), settings.archive_dir())
    _crawl_options(run)
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
    _ingest_options(backfill, settings.warehouse_path(), settings.archive_dir(), site="")
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
    _crawl_options(backfill)
    backfill.set_defaults(command=cmd_backfill)

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
    _storage_options(reparse, settings.warehouse_path(), settings.archive_dir())
    reparse.set_defaults(command=cmd_reparse)

    demo = commands.add_parser(
        "demo", help="ingest every site's bundled mirror offline and show the warehouse"
    )
    _ingest_options(demo, settings.demo_warehouse_path(), settings.demo_archive_dir(), site=None)
    demo.set_defaults(command=cmd_demo)

    serve = commands.add_parser("serve", help="serve a site's bundled mirror on 127.0.0.1")
    serve.add_argument(
        "--site",
        type=_site_name,
        default="tempo",
        metavar="NAME",
        help=f"the site whose mirror is served, one of {_known_sites()}",
    )
    serve.add_argument("--port", type=_port, default=8000, help="the TCP port on 127.0.0.1 (1-65535)")
    serve.set_defaults(command=cmd_serve)

    extract = commands.add_parser("extract", help="print the article parsed from a saved page as JSON")
    extract.add_argument("file", type=Path, help="an .html or .html.gz page")
    extract.add_argument(
        "--url",
        type=_http_url,
        help="the http(s) URL the page was fetched from (default: the page's canonical link)",
    )
    extract.add_argument(
        "--fetched-at", type=_datetime, help="ISO time, resolves relative times (default: now)"
    )
    extract.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="fetch continuation pages from this mirror of the site, like http://127.0.0.1:8000",
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
    sql.add_argument(
        "--db",
        type=_db_file,
        default=str(settings.warehouse_path()),
        metavar="FILE",
        help="the DuckDB warehouse file",
    )
    sql.add_argument("--format", choices=SQL_FORMATS, default="table", help="how each result is printed")
    sql.add_argument(
        "--max-rows",
        type=_positive,
        metavar="N",
        help=f"print at most N rows of each result, saying so on stderr when there are more "
        f"(default: {TABLE_MAX_ROWS} for table, every row for the other formats)",
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
    export.add_argument(
        "--db",
        type=_db_file,
        default=str(settings.warehouse_path()),
        metavar="FILE",
        help="the DuckDB warehouse file",
    )
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
    search.add_argument(
        "--limit", type=_positive, default=10, help="at most this many hits (default: %(default)s)"
    )
    search.add_argument(
        "--db",
        type=_db_file,
        default=str(settings.warehouse_path()),
        metavar="FILE",
        help="the warehouse whose index to search",
    )
    search.set_defaults(command=cmd_search)

    maintain = commands.add_parser(
        "maintain", help="compact the warehouse, expire old snapshots, rebuild the search index, report sizes"
    )
    maintain.add_argument(
        "--keep-days",
        type=_positive_number,
        default=30.0,
        help="snapshots younger than this stay reachable by time travel (default: %(default)s)",
    )
    _storage_options(maintain, settings.warehouse_path(), settings.archive_dir())
    maintain.set_defaults(command=cmd_maintain)
    return parser


def _ingest_options(parser: Parser, db: Path, archive: Path, site: str | None = "tempo") -> None:
    """--site (site "": required, None: every site by default), --db, --archive, --batch-size, --workers."""
    known = _known_sites()
    if site is None:
        help_text, default, required = (
            f"only this site, one of {known} (default: every site with a mirror)",
            None,
            False,
        )
    else:
        help_text, default, required = f"the site to ingest, one of {known}", site or None, not site
    parser.add_argument(
        "--site", type=_site_name, default=default, required=required, metavar="NAME", help=help_text
    )
    _storage_options(parser, db, archive)
    parser.add_argument("--batch-size", type=_positive, default=100, metavar="N", help="pages per batch")
    parser.add_argument("--workers", type=_positive, default=4, metavar="N", help="concurrent fetches")


def _storage_options(parser: Parser, db: Path, archive: Path) -> None:
    parser.add_argument(
        "--db", type=_db_file, default=str(db), metavar="FILE", help="the DuckDB warehouse file"
    )
    parser.add_argument(
        "--archive", type=_folder, default=str(archive), metavar="DIR", help="folder of raw pages"
    )


def _crawl_options(parser: Parser) -> None:
    """What `run` and `backfill` share beyond _ingest_options: the mirror, politeness, the run budget."""
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="fetch from a mirror of the site at this http(s) URL, like http://127.0.0.1:8000",
    )
    parser.add_argument("--limit", type=_positive, metavar="N", help="at most this many articles")
    parser.add_argument(
        "--delay", type=_non_negative, metavar="SECONDS", help="seconds between requests to a host"
    )
    parser.add_argument(
        "--max-pages",
        type=_positive,
        metavar="N",
        help="end the run cleanly after fetching this many pages; the next run goes on from there",
    )
    parser.add_argument(
        "--max-minutes",
        type=_positive_number,
        metavar="MINUTES",
        help="end the run cleanly after this many minutes; the next run goes on from there",
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
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
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

    counts = _call_flow(
        ingest,
        site=args.site,
        base_url=args.base_url,
        db_path=args.db,
        archive_dir=args.archive,
        limit=args.limit,
        batch_size=args.batch_size,
        max_workers=args.workers,
        min_delay=args.delay,
        backfill_from=backfill_from,
        backfill_to=backfill_to,
        max_pages=args.max_pages,
        max_minutes=args.max_minutes,
    )
    print(json.dumps(counts, indent=2))
    return 0


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

    counts = _call_flow(
        reparse,
        site=args.site,
        since=args.since,
        layout=args.layout,
        db_path=args.db,
        archive_dir=args.archive,
    )
    print(json.dumps(counts, indent=2))
    return 0


def cmd_search(args) -> int:
    from kabar.warehouse.search import search

    try:
        hits = search(args.db, args.query, site=args.site, since=args.since, limit=args.limit)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    for n, hit in enumerate(hits, 1):
        day = hit["published_at"].date().isoformat() if hit["published_at"] else "-"
        print(f"{n}. {hit['title']} ({hit['site']}, {day}, score {hit['score']})")
        print(f"   {hit['url']}\n   {hit['snippet']}")
    if not hits:
        print(f"no article matches {args.query!r}", file=sys.stderr)
    return 0


def cmd_maintain(args) -> int:
    _quiet_prefect()
    from kabar.flows.maintenance import maintenance

    report = _call_flow(maintenance, db_path=args.db, archive_dir=args.archive, keep_days=args.keep_days)
    print(json.dumps(report, indent=2))
    return 0


def cmd_demo(args) -> int:
    sites = [_site(args.site)] if args.site else [site for site in all_sites().values() if site.mirror]
    for site in sites:
        _mirror_root(site)
    _quiet_prefect()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the demo prints its own summary
    from kabar.flows.ingest import ingest
    from kabar.mirror import serve

    for site in sites:
        with serve(site.mirror) as mirror:
            print(f"serving the {site.name} mirror ({site.mirror}) at {mirror.base_url}")
            counts = _call_flow(
                ingest,
                site=site.name,
                base_url=mirror.base_url,
                db_path=args.db,
                archive_dir=args.archive,
                batch_size=args.batch_size,
                max_workers=args.workers,
                min_delay=0.0,
            )
        _print_counts(site.name, counts)
    _print_demo(args.db)
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
    print(f'try: kabar sql --db {db} "SELECT block, count(*) FROM related_links GROUP BY block"')


def _mirror_root(site) -> Path:
    if site.mirror is None:
        raise UsageError(f"the {site.name} site ships no mirror")
    return site.mirror


def cmd_serve(args) -> int:
    from kabar.mirror import serve

    root = _mirror_root(_site(args.site))
    with ExitStack() as stack:
        try:
            mirror = stack.enter_context(serve(root, port=args.port))
        except OSError as error:  # the port is taken, or needs privileges
            raise UsageError(f"cannot serve on port {args.port}: {error.strerror or error}") from None
        print(f"serving {args.site} at {mirror.base_url}; `kabar run --site {args.site} --base-url {mirror}`")
        try:
            while True:
                input()
        except EOFError:
            pass
    return 0


def cmd_extract(args) -> int:
    from kabar.extract import extract_available
    from kabar.http import Crawl, Fetcher, page_source
    from kabar.records import to_json

    html = _read_page(args.file)
    url = args.url or _canonical_link(html)
    site = _site_for(url)
    # Continuation pages over HTTP within the same scope, robots.txt and limits as a run's; what they
    # fetch goes to a throwaway archive, not the warehouse's.
    with tempfile.TemporaryDirectory(prefix="kabar-extract-") as scratch:
        crawl = Crawl(archive_dir=scratch, base_url=args.base_url, hosts=site.domains)
        with Fetcher(crawl) as fetcher:
            more = _first_of(saved_pages(args.file, url), page_source(fetcher, crawl.locate))
            result, note = extract_available(site, html, url, args.fetched_at or datetime.now(UTC), more)
    if note:
        print(f"kabar: {note}", file=sys.stderr)
    print(to_json(result), end="")  # an issue too: it says why the page is no article
    if isinstance(result, ExtractionIssue):
        raise UsageError(f"{args.file}: not an article of {site.name}: {result.problem}: {result.detail}")
    return 0


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
    from kabar.sites.html import canonical_link, soup_of

    url = canonical_link(soup_of(html))
    if not url:
        raise UsageError("the page names no canonical URL: pass --url")
    return url


def _site_for(url: str):
    site = site_for_url(url)
    if site is None:
        raise UsageError(f"no site module for {url} (known: {', '.join(sorted(all_sites()))})")
    return site


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
        with connect(args.db, read_only=True) as con:
            lock_down(con, warehouse_paths(args.db))
            found = statements(con, text)
            if not found:
                raise UsageError("no SQL statement given")
            for number, statement in enumerate(found, 1):
                where = f"statement {number}: " if len(found) > 1 else ""
                _print_result(con, statement, args.format, limit, where, first=number == 1)
    except Refused as error:
        raise UsageError(f"refused: {error}") from None
    except duckdb.PermissionException as error:
        raise UsageError(f"refused: {_first_line(error)} (kabar sql reads the warehouse only)") from None
    except (duckdb.Error, FileNotFoundError) as error:
        raise UsageError(_first_line(error)) from None
    except BrokenPipeError:  # `kabar sql ... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


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
            text = sys.stdin.read()
        elif file.is_dir():
            raise UsageError(f"{file} is a folder, not a file of SQL")
        else:
            source = str(file)
            text = file.read_text(encoding="utf-8")
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
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
    return [
        _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", part.expandtabs(4)) for part in text.splitlines()
    ] or [""]


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
        return "| " + " | ".join("<br>".join(t.replace("|", "\\|").splitlines()) for t in texts) + " |\n"

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
            key: json.loads(value) if parse and isinstance(value, str) else _jsonable(value)
            for key, value, parse in zip(keys, row, is_json)
        }
        out.write(("," if index else "") + json.dumps(record, ensure_ascii=False, allow_nan=False))
    out.write("]\n")


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

    target = args.parquet or args.duckdb
    export = export_parquet if args.parquet else export_duckdb
    try:
        con = connect(args.db, read_only=True)
    except (duckdb.Error, FileNotFoundError) as error:
        raise UsageError(_first_line(error)) from None
    with con:
        try:
            counts = export(con, target, force=args.force, keep_out=warehouse_paths(args.db))
        except ExportError as error:
            raise UsageError(str(error)) from None
        except duckdb.Error as error:
            raise UsageError(f"cannot export to {target}: {_first_line(error)}") from None
        except OSError as error:
            raise UsageError(f"cannot write {target}: {error.strerror or error}") from None
    print(json.dumps({"target": str(target), "rows": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
