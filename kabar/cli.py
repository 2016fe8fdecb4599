"""The command line: run, demo, serve, extract, sql. Bad arguments: one line on stderr, exit 2."""

import argparse
import gzip
import json
import math
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from kabar import settings
from kabar.extract import Unavailable
from kabar.mirror import saved_pages
from kabar.records import ExtractionIssue
from kabar.sites import all_sites, get_site, site_for_url
from kabar.urls import rebase

DEMO_QUERY = """SELECT a.title, r.block, r.position, r.time_text, r.target_title
FROM related_articles r JOIN articles a ON a.article_id = r.source_article_id
ORDER BY a.published_at DESC, r.block, r.position LIMIT 5"""


class UsageError(Exception):
    """A bad argument or input: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        return args.command(args) or 0
    except UsageError as error:
        print(f"kabar: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> Parser:
    parser = Parser(prog="kabar", description="Scheduled news ingestion into DuckDB.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=Parser)
    run = commands.add_parser("run", help="ingest a site (the real one, or a mirror with --base-url)")
    _ingest_options(run, settings.warehouse_path(), settings.archive_dir())
    run.add_argument("--base-url", help="fetch from a mirror of the site at this URL")
    run.add_argument("--limit", type=_positive, help="at most this many articles")
    run.add_argument("--delay", type=_non_negative, help="seconds between requests to a host")
    run.add_argument(
        "--backfill-from",
        type=_date,
        metavar="YYYY-MM-DD",
        help="also read the site's index pages from this day ...",
    )
    run.add_argument(
        "--backfill-to", type=_date, metavar="YYYY-MM-DD", help="... to this day (default: today)"
    )
    run.set_defaults(command=cmd_run)
    demo = commands.add_parser(
        "demo", help="ingest every site's bundled mirror offline and show the warehouse"
    )
    _ingest_options(demo, settings.demo_warehouse_path(), settings.demo_archive_dir(), site=None)
    demo.set_defaults(command=cmd_demo)
    serve = commands.add_parser("serve", help="serve a site's bundled mirror on 127.0.0.1")
    serve.add_argument("--site", default="tempo")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(command=cmd_serve)
    extract = commands.add_parser("extract", help="print the article parsed from a saved page as JSON")
    extract.add_argument("file", type=Path, help="an .html or .html.gz page")
    extract.add_argument("--url", help="the URL the page was fetched from (default: its canonical link)")
    extract.add_argument(
        "--fetched-at", type=_datetime, help="ISO time, resolves relative times (default: now)"
    )
    extract.add_argument("--base-url", help="fetch continuation pages from this mirror of the site")
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
    sql = commands.add_parser("sql", help="query the warehouse read-only")
    sql.add_argument("query")
    sql.add_argument("--db", default=str(settings.warehouse_path()), help="the DuckDB warehouse file")
    sql.set_defaults(command=cmd_sql)
    return parser


def _ingest_options(parser: Parser, db: Path, archive: Path, site: str | None = "tempo") -> None:
    every = site is None
    parser.add_argument(
        "--site", default=site, help="every site with a mirror" if every else "the site to ingest"
    )
    parser.add_argument("--db", default=str(db), help="the DuckDB warehouse file")
    parser.add_argument("--archive", default=str(archive), help="folder of raw pages")
    parser.add_argument("--batch-size", type=_positive, default=100)
    parser.add_argument("--workers", type=_positive, default=4)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}")
    return number


def _datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO time like 2023-09-13T12:36:00Z, got {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2023-09-13, got {value!r}") from None


def _site(name: str):
    try:
        return get_site(name)
    except KeyError as error:
        raise UsageError(str(error)) from None


def _quiet_prefect() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def cmd_run(args) -> int:
    _site(args.site)
    _quiet_prefect()
    from kabar.flows.ingest import ingest

    counts = ingest(
        site=args.site,
        base_url=args.base_url,
        db_path=args.db,
        archive_dir=args.archive,
        limit=args.limit,
        batch_size=args.batch_size,
        max_workers=args.workers,
        min_delay=args.delay,
        backfill_from=args.backfill_from,
        backfill_to=args.backfill_to,
    )
    print(json.dumps(counts, indent=2))
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
            counts = ingest(
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
    with serve(root, port=args.port) as mirror:
        print(f"serving {args.site} at {mirror.base_url}; `kabar run --site {args.site} --base-url {mirror}`")
        try:
            while True:
                input()
        except EOFError:
            pass
    return 0


def cmd_extract(args) -> int:
    from kabar.extract import extract_available
    from kabar.http import make_session, page_source
    from kabar.records import to_json

    html = _read_page(args.file)
    url = args.url or _canonical_link(html)
    site = _site_for(url)
    with make_session() as session:
        more = _first_of(saved_pages(args.file, url), page_source(session, _mirror_of(args.base_url)))
        result, note = extract_available(site, html, url, args.fetched_at or datetime.now(UTC), more)
    if note:
        print(f"kabar: {note}", file=sys.stderr)
    print(to_json(result), end="")  # an issue too: it says why the page is no article
    if isinstance(result, ExtractionIssue):
        raise UsageError(f"{args.file}: not an article of {site.name}: {result.problem}: {result.detail}")
    return 0


def _mirror_of(base_url: str | None):
    return (lambda url: rebase(url, base_url)) if base_url else (lambda url: url)


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
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, gzip.BadGzipFile) as error:
        raise UsageError(f"cannot read {path}: {error}") from None


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

    try:
        with connect(args.db, read_only=True) as con:
            print(con.sql(args.query))
    except (duckdb.Error, FileNotFoundError) as error:
        raise UsageError(str(error).splitlines()[0]) from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
