"""kabar's generic extractor against trafilatura on labelled real pages, scored by the reference scorer.

    python bench/extraction.py SET_DIR [SET_DIR …] [--repeat N] [--only kabar] [--dump DIR]

Each SET_DIR is in the layout of `../shared/corpus/<set>/` (`pages/<id>.html.gz`, `truth.jsonl`). The
pages are read into memory first; then, in this one process, kabar (the page through `kabar.extract`:
charset, `GenericSite.parse` on one lxml tree, cleaning) and trafilatura (`bare_extraction(html,
url=…, with_metadata=True)`, default settings, as PEERS.md measured it) extract every article page,
taking turns page by page (each tool's own time summed), and both are scored with
`../shared/tools/score.py`'s own code (body 4-word-shingle P/R/F1, exact title, same-day date, author
overlap). Prints one JSON object: per set, a row per tool with its scores and pages/s. The scorer is
found beside the corpus (`SET_DIR/../../tools/score.py`) or at `KABAR_SCORER`.
"""

import argparse
import contextlib
import gzip
import importlib.util
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kabar.extract import extract
from kabar.records import Article
from kabar.sites.generic import site_for

FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def load_scorer(set_dir: Path):
    path = Path(os.environ.get("KABAR_SCORER", set_dir.resolve().parents[1] / "tools" / "score.py"))
    if not path.is_file():
        raise SystemExit(f"no scorer at {path} (set KABAR_SCORER)")
    spec = importlib.util.spec_from_file_location("kabar_reference_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(set_dir: Path) -> list[tuple[dict, bytes]]:
    """(truth label, raw bytes) of every article page of a set, read into memory."""
    with open(set_dir / "truth.jsonl", encoding="utf-8") as lines:  # not splitlines(): U+2028 is in bodies
        labels = [json.loads(line) for line in lines if line.strip()]
    return [
        (label, gzip.decompress((set_dir / "pages" / f"{label['id']}.html.gz").read_bytes()))
        for label in labels
        if label.get("kind") == "article"
    ]


def kabar_one(label: dict, html: bytes) -> dict:
    url = label.get("url") or f"https://unknown.invalid/{label['id']}"
    result = extract(site_for(url), html, url, _fetched_at(label))
    if not isinstance(result, Article):
        return {"id": label["id"], "body": "", "title": None, "published": None, "authors": []}
    parsed = result.parsed
    return {
        "id": label["id"],
        "body": result.body,
        "title": parsed.title,
        "published": parsed.published_at.isoformat() if parsed.published_at else None,
        "authors": list(parsed.authors),
    }


def trafilatura_one(label: dict, html: bytes) -> dict:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=label.get("url"), with_metadata=True)
    if doc is None:
        return {"id": label["id"], "body": "", "title": None, "published": None, "authors": []}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {
        "id": label["id"],
        "body": doc.text or "",
        "title": doc.title,
        "published": doc.date,
        "authors": authors,
    }


def _fetched_at(label: dict) -> datetime:
    try:
        crawled = datetime.fromisoformat(label["crawl_date"])
        return crawled if crawled.tzinfo else crawled.replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return FETCHED_AT


TOOLS = {"kabar": kabar_one, "trafilatura": trafilatura_one}


def run(tools: list[str], pages: list[tuple[dict, bytes]], repeat: int = 1) -> dict[str, tuple[list, float]]:
    """Each tool's predictions and its best total seconds over `repeat` rounds. The tools take turns
    page by page (the order alternating), so that a machine shared with other work slows both alike
    and the pages/s of the tools compare within the run."""
    best = dict.fromkeys(tools, float("inf"))
    predictions: dict[str, list[dict]] = {}
    for _ in range(repeat):
        spent = dict.fromkeys(tools, 0.0)
        made: dict[str, list[dict]] = {tool: [] for tool in tools}
        for i, (label, html) in enumerate(pages):
            for tool in tools if i % 2 == 0 else tools[::-1]:
                started = time.perf_counter()
                made[tool].append(TOOLS[tool](label, html))
                spent[tool] += time.perf_counter() - started
        for tool in tools:
            best[tool] = min(best[tool], spent[tool])
        predictions = made
    return {tool: (predictions[tool], best[tool]) for tool in tools}


def score(scorer, set_dir: Path, predictions: list[dict]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as out:
        out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return scorer.main(str(set_dir), out.name)
    finally:
        os.unlink(out.name)


def bench(set_dir: Path, tools: list[str], repeat: int = 1, dump: Path | None = None) -> dict:
    scorer = load_scorer(set_dir)
    pages = load_pages(set_dir)
    rows = {}
    for tool, (predictions, seconds) in run(tools, pages, repeat).items():
        rows[tool] = {
            **score(scorer, set_dir, predictions),
            "articles": len(pages),
            "seconds": round(seconds, 2),
            "pages_per_s": round(len(pages) / seconds, 1),
        }
        if dump:
            dump.mkdir(parents=True, exist_ok=True)
            with open(dump / f"{set_dir.name}.{tool}.jsonl", "w", encoding="utf-8") as out:
                out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions)
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="corpus set folders (pages/, truth.jsonl)")
    parser.add_argument("--only", choices=sorted(TOOLS), action="append", help="run only this tool")
    parser.add_argument("--repeat", type=int, default=1, help="time each tool N times, keep the best")
    parser.add_argument("--dump", type=Path, help="write each tool's predictions here (JSON lines)")
    args = parser.parse_args(argv)
    tools = args.only or ["kabar", "trafilatura"]
    for set_dir in args.sets:
        if not (set_dir / "truth.jsonl").is_file() or not (set_dir / "pages").is_dir():
            parser.error(f"{set_dir}: not a corpus set (no truth.jsonl and pages/ in it)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    import trafilatura  # noqa: F401  (imported before timing: both tools start warm)

    report = {str(s.name): bench(s, tools, args.repeat, args.dump) for s in args.sets}
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
