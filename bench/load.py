"""Load benchmark (issue 8, item 10): synthetic articles through `loader.load_batch` into a fresh
warehouse, batch by batch, while a separate reader process queries it as an analyst would. Prints
one JSON object to stdout; progress goes to stderr. No network.

    python -m bench.load [--articles 10000] [--update 1000] [--changed 200] [--batch 1000] [--seed 0]
    python -m bench.load --articles 100000 --update 10000 --changed 2000    # issue 8's size

Run 1 loads `--articles` new articles (≈3.4 KB bodies, 4 related links each); run 2 fetches
`--update` of them again, `--changed` of which have a changed body. The default is a tenth of issue
8's size: that size takes about 10 minutes on a 2-core machine (figures in bench/README.md).

Each batch goes the flow's way: a connection for its time (`session`), `known_content` + `plan_batch`
+ `sign_new_content` (the dedup task), then `load_batch`. Every statement the loader sends is timed
(`profile` in the output). A separate process holds a read-only connection and reads every 50 ms
(`--interval`).

The synthetic workload (`Workload`) is shared with `bench/crash.py`.
"""

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from random import Random

from bench.report import rate, say
from kabar.clean import clean, rule
from kabar.records import Article, FetchedPage, ParsedArticle, RelatedLink
from kabar.tasks.dedup import plan_batch, sign_new_content
from kabar.text import fingerprint
from kabar.warehouse import loader
from kabar.warehouse.db import close_idle, connect, session
from kabar.warehouse.maintenance import compact

LOADER_SOURCE = Path(loader.__file__).read_bytes()  # as imported (close enough: read right after)

STAGING = {"staged_links"}  # the loader's temporary tables: not warehouse rows
SITE = "bench"
HOST = "https://kabar.test"
BASE = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)  # run 1's first fetch; every time derives from it
RULES = (rule("baca_juga", r"baca juga\b"),)  # the site's boilerplate rule: "Baca juga: ..." blocks
SECTIONS = ("nasional", "metro", "bisnis", "dunia", "olahraga", "tekno", "gaya", "otomotif")
AUTHORS = ("Ayu Lestari", "Budi Santoso", "Citra Dewi", "Dimas Pratama", "Eka Putri", "Fajar Nugroho")

_SYLLABLES = (
    "ba be bi bu da de di du ga gi ka ke ki ku la le li lu ma me mi mu na ne ni nu pa pe pi pu ra re ri "
    "ru sa se si su ta te ti tu ya wa an kan lah nya per ber ter men pen"
).split()


def _vocabulary(size: int = 4000) -> list[str]:
    """Invented Indonesian-looking words, the same in every process."""
    rng, words = Random("kabar-bench-vocabulary"), set()
    while len(words) < size:
        words.add("".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


VOCAB = _vocabulary()


# --- the synthetic workload -----------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    run: int  # 0: the first load, 1: the re-fetch (some bodies changed)
    number: int  # global, 0-based; every fetch URL carries it (`/b00012/`), so a batch can be counted
    pages: list[FetchedPage]
    results: dict  # fetched URL -> Article | ExtractionIssue, as the extract task gives them

    @property
    def links(self) -> int:
        return sum(len(r.parsed.related) for r in self.results.values() if isinstance(r, Article))


def batch_of(url: str) -> int:
    """The batch number a fetch URL of the workload carries."""
    return int(url.split("/b", 1)[1].split("/", 1)[0])


class Workload:
    """Deterministic synthetic pages: article n (0 <= n < articles) of run 1, then `update` of them
    fetched again in run 2, the first `changed` of those with an edited body.

    Mixed in, by n: exact copies of the previous article under a new id (n % 31 == 7: the loader
    sees a duplicate), near copies of article n - 3 with a few words changed (n % 13 == 5: MinHash
    marks them), pages that cleaning empties (n % 89 == 17: an extraction issue), 404s (n % 97 ==
    13), a "Baca juga" block (n % 3 == 0) and a repeated paragraph (n % 7 == 0) that cleaning
    removes (removals rows)."""

    def __init__(
        self,
        articles: int,
        update: int = 0,
        changed: int = 0,
        batch: int = 1000,
        seed: int = 0,
        body_words: int = 450,
        links: int = 4,
    ):
        if changed > update or update > articles:
            raise ValueError("need changed <= update <= articles")
        self.articles, self.update, self.changed, self.size = articles, update, changed, batch
        self.seed, self.body_words, self.links = seed, body_words, links
        picked = Random(f"{seed}:update").sample(range(articles), update)
        self._changed = set(picked[:changed])
        self._update = sorted(picked, key=lambda n: Random(f"{seed}:order:{n}").random())
        first = [[(n, 0) for n in range(i, min(i + batch, articles))] for i in range(0, articles, batch)]
        again = [
            [(n, 1 if n in self._changed else 0) for n in self._update[i : i + batch]]
            for i in range(0, update, batch)
        ]
        self.plan = [first, again] if again else [first]  # run -> batch -> (n, version)

    def batch_count(self) -> int:
        return sum(len(run) for run in self.plan)

    def batches(self, start: int = 0) -> Iterator[Batch]:
        number = 0
        for run, batches in enumerate(self.plan):
            for events in batches:
                if number >= start:
                    yield self.batch(run, number, events)
                number += 1

    def run_batches(self, run: int) -> Iterator[Batch]:
        first = sum(len(batches) for batches in self.plan[:run])
        for i, events in enumerate(self.plan[run]):
            yield self.batch(run, first + i, events)

    def batch(self, run: int, number: int, events: list[tuple[int, int]]) -> Batch:
        pages, results = [], {}
        for i, (n, edit) in enumerate(events):
            fetched_at = BASE + timedelta(days=3 * run, minutes=10 * number, milliseconds=100 * i)
            url = f"{HOST}/b{number:05d}/read/{n}"
            if n % 97 == 13:
                pages.append(
                    FetchedPage(
                        url=url,
                        final_url=url,
                        fetched_at=fetched_at,
                        status=404,
                        reason="http_404",
                        error="404 Not Found",
                        elapsed_ms=12.0,
                        content_type="text/html",
                    )  # fmt: skip
                )
                continue
            parsed = self.parsed(n, edit, fetched_at)
            result = clean(parsed, RULES)
            raw = fingerprint("raw", url, result.content_hash if isinstance(result, Article) else "issue")
            size = sum(len(p) for p in parsed.paragraphs)
            pages.append(
                FetchedPage(
                    url=url,
                    final_url=url,
                    fetched_at=fetched_at,
                    status=200,
                    content_hash=raw,
                    archive_path=f"{raw[:2]}/{raw}.html.gz",
                    byte_count=3 * size,
                    elapsed_ms=40.0 + n % 50,
                    etag=f'"{raw[:16]}"',
                    content_type="text/html; charset=utf-8",
                    charset="utf-8",
                    charset_source="header",
                )  # fmt: skip
            )
            results[url] = result
        return Batch(run, number, pages, results)

    # An article's fields

    def canonical(self, n: int) -> str:
        return f"{HOST}/read/{n}/{self.title(n).lower().replace(' ', '-')[:60]}"

    def published(self, n: int) -> datetime:
        return BASE - timedelta(days=1) + timedelta(seconds=n * 86400 // max(self.articles, 1))

    def title(self, n: int) -> str:
        source = n - 1 if n % 31 == 7 else n
        words = Random(f"{self.seed}:title:{source}").choices(VOCAB, k=7)
        return " ".join(words).capitalize()

    def paragraphs(self, n: int, edit: int) -> list[str]:
        if n % 31 == 7 and edit == 0:
            return self.paragraphs(n - 1, 0)  # an exact copy under another id
        if edit:
            paragraphs = self.paragraphs(n, 0)
            rng = Random(f"{self.seed}:edit:{n}:{edit}")
            for k in rng.sample(range(len(paragraphs)), 2):  # a correction: two paragraphs reworded
                words = paragraphs[k].split()
                for _ in range(5):
                    words[rng.randrange(len(words))] = rng.choice(VOCAB)
                paragraphs[k] = " ".join(words)
            return paragraphs
        rng = Random(f"{self.seed}:body:{n}")
        if n % 89 == 17:  # nothing but boilerplate: cleaning leaves no body
            return [f"Baca juga: {self.title(n + k)}" for k in range(1, 4)]
        near = n % 13 == 5 and n >= 3  # a near copy of n - 3, a few words changed (unless n - 3 is empty)
        copied = [p for p in self.paragraphs(n - 3, 0) if not p.startswith("Baca juga")] if near else []
        if copied:
            k = rng.randrange(len(copied))
            words = copied[k].split()
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(VOCAB)
            copied[k] = " ".join(words)
            return copied
        words = rng.choices(VOCAB, k=self.body_words)
        cuts = sorted(rng.sample(range(20, self.body_words - 20), rng.randint(7, 11)))
        paragraphs = [
            " ".join(words[a:b]).capitalize() + "." for a, b in zip([0, *cuts], [*cuts, self.body_words])
        ]
        if n % 7 == 0:
            paragraphs.insert(2, paragraphs[1])  # the page shows a paragraph twice
        if n % 3 == 0:
            paragraphs.insert(3, f"Baca juga: {self.title((n + 7) % max(self.articles, 1))}")
        return paragraphs

    def related(self, n: int, fetched_at: datetime) -> tuple[RelatedLink, ...]:
        rng = Random(f"{self.seed}:related:{n}")
        others = [t for t in rng.sample(range(self.articles), min(self.links + 1, self.articles)) if t != n]
        links = []
        for i, t in enumerate(others[: self.links]):
            block, position = ("rekomendasi", i + 1) if i < self.links - 1 else ("berita_terkait", 1)
            hours = int((fetched_at - self.published(t)) / timedelta(hours=1))
            links.append(
                RelatedLink(
                    block=block,
                    position=position,
                    url=self.canonical(t),
                    target_article_id=f"{SITE}:{t}",
                    title=self.title(t),
                    time_text=f"{hours} jam lalu",
                    published_after=fetched_at - timedelta(hours=hours + 1),
                    published_until=fetched_at - timedelta(hours=hours),
                    image_url=f"{HOST}/img/{t}.jpg",
                    image_caption=None,
                    summary=self.title(t + 1)[:40] if block == "berita_terkait" else None,
                )  # fmt: skip
            )
        return tuple(links)

    def parsed(self, n: int, edit: int, fetched_at: datetime) -> ParsedArticle:
        rng = Random(f"{self.seed}:meta:{n}")
        return ParsedArticle(
            site=SITE, article_id=f"{SITE}:{n}", url=self.canonical(n), layout="bench-2024",
            fetched_at=fetched_at, title=self.title(n), paragraphs=tuple(self.paragraphs(n, edit)),
            subtitle=self.title(n + 3)[:50] if n % 2 else None,
            authors=tuple(rng.sample(AUTHORS, 1 + n % 2)), editor=rng.choice(AUTHORS),
            published_at=self.published(n), updated_at=fetched_at if edit else None,
            section=SECTIONS[n % len(SECTIONS)], tags=tuple(rng.sample(VOCAB, 3)),
            dateline="JAKARTA" if n % 4 else None, agency="Antara" if n % 10 == 0 else None,
            image_url=f"{HOST}/img/{n}.jpg", image_caption=self.title(n + 11)[:60], image_credit="Bench/Foto",
            language="id", related=self.related(n, fetched_at),
        )  # fmt: skip


# --- loading, as the flow does it ------------------------------------------------------------------


class TimedConnection:
    """Forwards to a DuckDB connection, timing each statement (by its first words) and counting the
    rows each write statement reports. The loader ignores its write statements' results, so reading
    that count here changes nothing."""

    WRITES = ("INSERT", "DELETE", "UPDATE", "MERGE")

    def __init__(self, con, seconds: dict, calls: dict, rows: dict):
        self._con, self.seconds, self.calls, self.rows = con, seconds, calls, rows

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, query, *args, **kwargs):
        started = time.perf_counter()
        result = self._con.execute(query, *args, **kwargs)
        label = statement_label(query)
        if label.split(" ", 1)[0] in self.WRITES:
            count = result.fetchone()
            self.rows[label] += count[0] if count else 0
        self.seconds[label] += time.perf_counter() - started
        self.calls[label] += 1
        return result

    def commit(self):
        started = time.perf_counter()
        self._con.commit()
        self.seconds["COMMIT"] += time.perf_counter() - started
        self.calls["COMMIT"] += 1


def statement_label(query: str) -> str:
    lines = [line.split("--", 1)[0] for line in query.splitlines()]
    words = " ".join(" ".join(lines).split()).split(" ")
    head = words[0].upper()
    if head in ("INSERT", "DELETE", "MERGE") and len(words) > 2:
        return f"{head} {words[2] if words[1].upper() in ('INTO', 'FROM') else words[1]}"
    if head == "UPDATE":
        return f"UPDATE {words[1]} SET {words[3] if len(words) > 3 else ''}".strip()
    if head == "CREATE":
        return " ".join(words[:6])
    return " ".join(words[:9])[:90]


class Profile:
    def __init__(self):
        self.seconds, self.calls, self.rows = defaultdict(float), defaultdict(int), defaultdict(int)

    def wrap(self, con) -> TimedConnection:
        return TimedConnection(con, self.seconds, self.calls, self.rows)

    def report(self, load_s: float, top: int = 14) -> dict:
        sql_s = sum(self.seconds.values())
        statements = [
            {
                "statement": label,
                "seconds": round(seconds, 2),
                "share_of_load": round(seconds / load_s, 3) if load_s else None,
                "calls": self.calls[label],
                "rows": self.rows.get(label),
            }
            for label, seconds in sorted(self.seconds.items(), key=lambda item: -item[1])
        ]
        return {
            "load_batch_s": round(load_s, 2),
            "in_statements_s": round(sql_s, 2),
            "python_s": round(load_s - sql_s, 2),  # building rows, MinHash comparisons, row dicts
            "statements": statements[:top],
        }

    def rows_written(self) -> dict[str, int]:
        by_table: dict[str, int] = defaultdict(int)
        for label, rows in self.rows.items():
            table = label.split(" ")[1]
            if not label.startswith("DELETE") and table not in STAGING:
                by_table[table] += rows
        return dict(sorted(by_table.items()))


def load_one(db: Path, run_id: str, batch: Batch, profile: Profile | None = None, step=None) -> dict:
    """One batch as the flow loads it: a connection for its time (the tasks' `session`), the dedup
    task's plan, then load_batch (`step`, if given, is told when load_batch starts)."""
    started = time.perf_counter()
    with session(db) as con:
        opened = time.perf_counter()
        hashes = [r.content_hash for r in batch.results.values() if isinstance(r, Article)]
        known = loader.known_content(con, hashes)
        plan = sign_new_content(plan_batch(batch.pages, batch.results, known), known)
        planned, cpu = time.perf_counter(), time.process_time()
        if step:
            step("in load_batch")
        counts = loader.load_batch(profile.wrap(con) if profile else con, run_id, batch.pages, plan)
        loaded = time.perf_counter()
    closed = time.perf_counter()  # given back: an autocommitted change published, part of the load
    cpu = time.process_time() - cpu  # every thread of this process, DuckDB's too
    return {
        "counts": counts,
        "articles": len(plan.articles),
        "connect_s": opened - started,
        "plan_s": planned - opened,
        "load_s": closed - planned,
        "load_cpu_s": cpu,
        "publish_s": closed - loaded,
    }


def maintain(db: Path) -> float:
    """What the daily maintenance deployment does to an existing warehouse between two loads: flush
    the inlined rows and merge the small files every commit leaves. Returns the seconds it took."""
    started = time.perf_counter()
    with connect(db) as con:
        compact(con)
    return round(time.perf_counter() - started, 1)


def start_run(db: Path, run_id: str, started_at: datetime) -> None:
    with session(db) as con:
        loader.start_run(con, run_id, SITE, started_at)


def finish_run(db: Path, run_id: str, totals: dict[str, int]) -> None:
    with session(db) as con:
        loader.finish_run(con, run_id, datetime.now(UTC), "completed", totals)


# --- the analyst: a separate process reading while the load runs ----------------------------------

READER_QUERIES = (
    "SELECT count(*) FROM articles",
    "SELECT a.section, count(*) AS links, count(DISTINCT r.target_url) AS targets"
    " FROM articles a JOIN related_links r ON r.source_article_id = a.article_id GROUP BY a.section",
)


def reader(db: str, out: str, stop: str, interval: float) -> int:
    """Hold one read-only connection; every `interval` s run READER_QUERIES (one read = both, in one
    transaction, so the count and the join see the same snapshot) until `stop` exists."""
    con = connect(db, read_only=True)
    Path(out + ".ready").touch()
    reads, errors = [], []
    parent = os.getppid()
    while not Path(stop).exists() and os.getppid() == parent:  # stop too if the benchmark died
        started = time.perf_counter()
        try:
            con.begin()
            count = con.execute(READER_QUERIES[0]).fetchone()[0]
            con.execute(READER_QUERIES[1]).fetchall()
            con.commit()
            reads.append((time.time(), time.perf_counter() - started, count, time.process_time()))
        except Exception as error:  # a failed read is what we measure
            message = f"{type(error).__name__}: {error}"[:300]
            errors.append((time.time(), time.perf_counter() - started, message))
            try:
                con.rollback()
            except Exception:
                pass
        time.sleep(interval)
    Path(out).write_text(json.dumps({"reads": reads, "errors": errors}))
    return 0


def reader_summary(
    path: Path, whole: set[int], window: tuple[float, float], phases: dict[str, float] | None = None
) -> dict:
    """The reader's figures; `phases` (name -> wall time it started) tells when an odd count was read."""
    data = json.loads(path.read_text())
    during = [r for r in data["reads"] if window[0] <= r[0] <= window[1]]
    ms = sorted(r[1] * 1000 for r in during) or [0.0]
    counts = [r[2] for r in data["reads"]]
    partial = sorted({c for c in counts if c not in whole})
    return {
        "reads": len(data["reads"]),
        "reads_while_loading": len(during),
        "failed_reads": len(data["errors"]),
        "errors": [e[2] for e in data["errors"][:3]],
        "latency_ms": {
            "p50": round(statistics.median(ms), 1),
            "p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
            "max": round(ms[-1], 1),
        },
        "articles_seen": {"min": min(counts, default=None), "max": max(counts, default=None)},
        "counts_not_at_a_batch_boundary": partial[:10],  # a half-loaded batch would show here
        "when_read": [  # each such read: its count, the phase it fell in, seconds into that phase
            {"count": c, **_phase_of(at, phases or {})} for at, _, c, _ in data["reads"] if c not in whole
        ][:10],
        "cores_by_phase": _cores_by_phase(data["reads"], phases or {}, window[1]),
    }


def _cores_by_phase(reads: list, phases: dict[str, float], end: float) -> dict[str, float | None]:
    """The reader's CPU (every thread of its process) per second of each phase, between the phase's
    first and last read: what it leaves a writer on the same machine."""
    bounds = sorted(phases.items(), key=lambda item: item[1]) + [("", end)]
    cores = {}
    for (name, start), (_, stop) in zip(bounds, bounds[1:]):
        inside = [r for r in reads if start <= r[0] < stop]
        wall = inside[-1][0] - inside[0][0] if len(inside) > 1 else 0
        cores[name] = round((inside[-1][3] - inside[0][3]) / wall, 2) if wall > 0 else None
    return cores


def _phase_of(at: float, phases: dict[str, float]) -> dict:
    started = [(name, t) for name, t in phases.items() if t <= at]
    if not started:
        return {"phase": "before loading", "s": None}
    name, t = max(started, key=lambda item: item[1])
    return {"phase": name, "s": round(at - t, 2)}


# --- the benchmark ---------------------------------------------------------------------------------


def bench(args: argparse.Namespace, work: Path) -> dict:
    db = work / "warehouse.db"
    workload = Workload(args.articles, args.update, args.changed, args.batch, args.seed)
    sample = workload.batch(0, 0, workload.plan[0][0][: min(50, args.batch)])
    bodies = [r.body for r in sample.results.values() if isinstance(r, Article)]
    with connect(db):  # the fresh warehouse, its schema applied
        pass
    stop, out = work / "stop-reader", work / "reader.json"
    reading = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "--reader", str(db), "--out", str(out), "--stop", str(stop)]
        + ["--interval", str(args.interval)],
        stdin=subprocess.DEVNULL,
    )
    while not Path(str(out) + ".ready").exists():
        if reading.poll() is not None:
            raise RuntimeError("the reader process died before its first read")
        time.sleep(0.05)
    time.sleep(0.5)  # a few reads of the empty warehouse first
    whole, total, phases, maintained_s = {0}, 0, [], None
    loading_from, phase_times = time.time(), {}
    try:
        for run, name in enumerate(("first_load", "update_load")[: len(workload.plan)]):
            run_id = f"bench-load-{run}"
            start_run(db, run_id, BASE + timedelta(days=3 * run))
            profile, per_batch, totals, generate_s = Profile(), [], defaultdict(int), 0.0
            phase_started = time.perf_counter()
            phase_times[name] = time.time()
            batches = workload.run_batches(run)
            while True:
                t = time.perf_counter()
                batch = next(batches, None)
                generate_s += time.perf_counter() - t
                if batch is None:
                    break
                figures = load_one(db, run_id, batch, profile)
                figures["links"] = batch.links
                per_batch.append(figures)
                for key, value in figures["counts"].items():
                    totals[key] += value
                total += figures["counts"]["articles_new"]
                whole.add(total)
                if len(per_batch) % 10 == 0 or len(per_batch) == len(workload.plan[run]):
                    done = sum(b["articles"] for b in per_batch)
                    last = figures["load_s"]
                    say(f"{name}: {len(per_batch)} batches, {done} articles, last load_batch {last:.2f} s")
            wall_s = time.perf_counter() - phase_started - generate_s
            finish_run(db, run_id, dict(totals))
            phases.append((name, per_batch, totals, profile, wall_s, generate_s))
            if args.maintain and run + 1 < len(workload.plan):
                phase_times["maintenance"] = time.time()
                maintained_s = maintain(db)
                say(f"maintenance between the runs (compaction): {maintained_s:.1f} s")
    finally:
        loading_to = time.time()
        close_idle()  # the tasks' connections, kept by this process
        time.sleep(0.3)
        stop.touch()
        reading.wait(timeout=120)
    report: dict = {"body_kb_mean": round(statistics.fmean(len(b.encode()) for b in bodies) / 1024, 2)}
    for name, per_batch, totals, profile, wall_s, generate_s in phases:
        load_s = sum(b["load_s"] for b in per_batch)
        load_cpu_s = sum(b["load_cpu_s"] for b in per_batch)
        articles = sum(b["articles"] for b in per_batch)
        written = profile.rows_written()
        input_rows = articles + sum(b["links"] for b in per_batch)
        batch_ms = sorted(b["load_s"] * 1000 for b in per_batch)
        report[name] = {
            "batches": len(per_batch),
            "articles_in_plans": articles,
            "counts": dict(totals),
            "load_batch_s": round(load_s, 1),
            # CPU seconds this process spent in those seconds: with the reader beside it, a writer
            # short of CPU shows as cores_in_load_batch well under 1
            "load_batch_cpu_s": round(load_cpu_s, 1),
            "cores_in_load_batch": round(load_cpu_s / load_s, 2),
            "articles_per_s": rate(articles, load_s),
            "input_rows_per_s": rate(input_rows, load_s),  # articles + related links handed to the loader
            "rows_written_per_s": rate(sum(written.values()), load_s),  # every row inserted or updated
            "rows_written": written,
            "wall_s": round(wall_s, 1),  # + a connection per batch and the dedup plan (MinHash)
            "articles_per_s_wall": rate(articles, wall_s),
            "connect_s": round(sum(b["connect_s"] for b in per_batch), 1),
            "publish_s": round(sum(b["publish_s"] for b in per_batch), 1),  # in load_batch_s
            "plan_s": round(sum(b["plan_s"] for b in per_batch), 1),
            "generate_s": round(generate_s, 1),  # making the synthetic pages: in no figure above
            "load_batch_ms": {
                "first": round(per_batch[0]["load_s"] * 1000),
                "p50": round(statistics.median(batch_ms)),
                "last": round(per_batch[-1]["load_s"] * 1000),
                "max": round(batch_ms[-1]),
            },
            "profile": profile.report(load_s),
        }
    report["maintenance_between_runs_s"] = maintained_s  # None with --no-maintenance
    report["reader"] = reader_summary(out, whole, (loading_from, loading_to), phase_times)
    report["warehouse"] = warehouse_size(db)
    return report


def code_version() -> dict:
    """The commit, and a digest of the loader this process imported: others edit it as benches run."""
    folder = Path(loader.__file__).parent.parent

    def git(*command: str) -> str:
        done = subprocess.run(["git", "-C", str(folder), *command], capture_output=True, text=True)
        return done.stdout

    changed = git("status", "--porcelain", "--", "warehouse", "kabar", "tasks")
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "changed_files": [line[3:] for line in changed.splitlines()],
        "loader_md5": hashlib.md5(LOADER_SOURCE).hexdigest(),
    }


def warehouse_size(db: Path) -> dict:
    files = [p for p in Path(str(db) + ".files").rglob("*") if p.is_file()]
    return {
        "catalog_mb": round(db.stat().st_size / 2**20, 1),
        "data_files": len(files),
        "data_mb": round(sum(p.stat().st_size for p in files) / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--update", type=int, default=1_000)
    parser.add_argument("--changed", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-maintenance",
        dest="maintain",
        action="store_false",
        help="skip the compaction between the runs (the daily maintenance's; on by default)",
    )
    parser.add_argument("--keep", metavar="DIR", help="load into DIR (kept) instead of a temporary folder")
    parser.add_argument("--reader", metavar="DB", help=argparse.SUPPRESS)  # the reader process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--stop", help=argparse.SUPPRESS)
    parser.add_argument("--interval", type=float, default=0.05, help="reader: seconds between reads")
    args = parser.parse_args(argv)
    if args.reader:
        return reader(args.reader, args.out, args.stop, args.interval)
    started = time.perf_counter()
    report = {
        "benchmark": "load",
        "workload": {
            "articles": args.articles,
            "update": args.update,
            "changed": args.changed,
            "batch": args.batch,
            "seed": args.seed,
            "links_per_article": 4,
        },
        "reader_interval_s": args.interval,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "versions": {name: version(name) for name in ("duckdb", "duckdb-extension-ducklake", "datasketch")},
        # DuckDB binds Python list parameters ~50x faster when pandas can be imported (the loader's
        # unnest(?) inserts are most of its time without it): say which case this run was.
        "pandas_importable": importlib.util.find_spec("pandas") is not None,
        "code": code_version(),
    }
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        figures = bench(args, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="kabar-load-") as tmp:
            figures = bench(args, Path(tmp))
    report["workload"]["body_kb_mean"] = figures.pop("body_kb_mean")
    report |= figures
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
