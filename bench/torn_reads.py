"""Reader consistency under load, reduced to its core: a writer replaces `--batch` rows of an
`--rows`-row DuckLake table per commit (DELETE + INSERT of the same ids: the count never changes) and
publishes the readers' copy after each commit, while a reader process counts the rows every 20 ms
through kabar's read-only `connect` (one held connection, or `--fresh`: a new one for every read).
Any count other than `--rows` is a read that saw part of a commit. Prints one JSON object. No network.

    python -m bench.torn_reads [--rounds 400] [--rows 20000] [--batch 200] [--fresh]
"""

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kabar.warehouse.db import connect

IDS = "SELECT unnest(CAST(?::JSON AS INTEGER[]))"
# The row count, and the commit read (so that the report shows the reader moved on with the writer).
READ = "SELECT count(*), (SELECT max(snapshot_id) FROM ducklake_snapshots('kabar')) FROM internal.torn"


def make(db: Path, rows: int) -> None:
    """The table in 1,000-row commits, then compacted, as the daily maintenance leaves a table."""
    with connect(db) as con:
        con.execute("CREATE TABLE internal.torn (id INTEGER, v VARCHAR)")
        for start in range(0, rows, 1000):
            con.execute(
                f"INSERT INTO internal.torn SELECT i, 'x' FROM range({start}, {min(start + 1000, rows)}) r(i)"
            )
        con.execute("CALL ducklake_merge_adjacent_files('kabar')")


def write(db: Path, rounds: int, rows: int, batch: int) -> None:
    rng = random.Random(0)
    with connect(db) as con:
        for n in range(rounds):
            ids = json.dumps(rng.sample(range(rows), batch))
            con.begin()
            con.execute(f"DELETE FROM internal.torn WHERE id IN ({IDS})", [ids])
            con.execute(f"INSERT INTO internal.torn SELECT id, ? FROM ({IDS}) t(id)", [f"v{n}", ids])
            con.commit()  # publishes the readers' copy


def read(db: str, stop: str, out: str, fresh: bool) -> None:
    counts, con = [], None if fresh else connect(db, read_only=True)
    deadline = time.monotonic() + 1800  # the writer's stop file normally ends it
    while not Path(stop).exists() and time.monotonic() < deadline:
        reader = connect(db, read_only=True) if fresh else con
        counts.append(reader.execute(READ).fetchone())
        if fresh:
            reader.close()
        time.sleep(0.02)
    Path(out).write_text(json.dumps(counts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.torn_reads", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="a new read-only connection for every read")
    parser.add_argument("--reader", nargs=3, metavar=("DB", "STOP", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reader:
        read(*args.reader, args.fresh)
        return 0
    work = Path(tempfile.mkdtemp(prefix="kabar-torn-"))
    db, stop, out = work / "warehouse.db", work / "stop", work / "counts.json"
    make(db, args.rows)
    command = [sys.executable, "-m", "bench.torn_reads", "--reader", str(db), str(stop), str(out)]
    reader = subprocess.Popen(command + (["--fresh"] if args.fresh else []), stdin=subprocess.DEVNULL)
    try:
        time.sleep(2)
        started = time.perf_counter()
        write(db, args.rounds, args.rows, args.batch)
        seconds = time.perf_counter() - started
    finally:
        stop.touch()
        reader.wait(timeout=120)
    counts = json.loads(out.read_text())
    odd = [c for c, _ in counts if c != args.rows]
    report = {
        "benchmark": "torn_reads",
        "rounds": args.rounds,
        "rows": args.rows,
        "batch": args.batch,
        "fresh_connection_per_read": args.fresh,
        "write_s": round(seconds, 1),
        "reads": len(counts),
        "reads_off_a_commit": len(odd),
        "commits_seen": len({snapshot for _, snapshot in counts}),
        "examples": sorted(set(odd))[:10],
    }
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
