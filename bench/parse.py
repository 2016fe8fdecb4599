"""The site modules' and the generic extractor's per-page work against trafilatura's, on the same pages,
in one process.

    python -m bench.parse [--corpus DIR] [--mirror-pages N] [--seed S] [--repeat R]

For each page set: every page a site module handles goes through what the flow does with a fetched page
(`kabar.extract.extract`: decoding in the charset the fetch chose, `Site.parse` on one lxml tree, the
cleaning rules), through the same with the generic extractor (`sites.generic`, as for a host without a
module), through `trafilatura.extract(html)` with its default options (the body alone), and through
trafilatura as `../shared/corpus/PEERS.md` runs it (`bare_extraction(html, url=…, with_metadata=True)`:
the body and the title, authors and date kabar extracts too), the four taking turns page by page. Page
sets: the real pages of `--corpus` (default `../shared/corpus`) whose URL a site module owns, per site;
the bundled mirror pages of each site module (`sites/<name>/mirror`); and a generated mirror of each,
plus one of the demo's configured site (`generated/wartanusa`, whose site is the generic extractor)
(`bench.sitegen.generate`, `--mirror-pages` pages, page weight as it makes them).
Every set runs `--repeat` times over and each page's best time per tool counts (other processes on the
machine count least); prints one JSON object: per set, pages/s of each tool, `ratio` (site module /
trafilatura), `generic_ratio` (generic / trafilatura), the same two against trafilatura with its
metadata (`ratio_with_metadata`, `generic_ratio_with_metadata`), the page count and mean KB.
"""

import argparse
import gzip
import json
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from kabar.charset import choose
from kabar.extract import extract
from kabar.records import Article
from kabar.sites import Site, get_site, site_for_url
from kabar.sites.generic import site_for as generic_site
from kabar.sites.html import canonical_link, page_of

FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
SITES = ("tempo", "antara")
Page = tuple[Site, str, bytes, str]  # site, URL, raw bytes, the charset the fetch would have chosen


def corpus_pages(corpus: Path) -> dict[str, list[Page]]:
    """Per site, the corpus's article pages whose URL (label, else the page's canonical link) it owns."""
    found: dict[str, list[Page]] = {}
    for truth in sorted(corpus.glob("*/truth.jsonl")):
        with open(truth, encoding="utf-8") as lines:  # not splitlines(): U+2028 is in bodies
            labels = [json.loads(line) for line in lines if line.strip()]
        for label in labels:
            if label.get("kind") != "article":
                continue
            html = gzip.decompress((truth.parent / "pages" / f"{label['id']}.html.gz").read_bytes())
            url = label.get("url") or canonical_link(page_of(html)) or ""
            site = site_for_url(url) if url else None
            if site is not None and site.name in SITES:
                found.setdefault(f"corpus/{site.name}", []).append(_page(site, url, html))
    return found


def bundled_pages(site: Site) -> list[Page]:
    """The bundled mirror's article pages (their URL: the mirror path on the real site)."""
    pages = []
    for path in sorted(site.mirror.rglob("*.html")):
        url = site.base_url + "/" + path.relative_to(site.mirror).as_posix().removesuffix(".html")
        html = path.read_bytes()
        url = canonical_link(page_of(html)) or url
        if site.article_id(url):
            pages.append(_page(site, url, html))
    return pages


def generated_pages(site: Site, n: int, seed: int) -> list[Page]:
    """`n` pages of a mirror `bench.sitegen` generates for the site."""
    from bench.sitegen import generate

    with tempfile.TemporaryDirectory() as out:
        urls = generate(Path(out), n, seed, site=site.name)
        pages = []
        for url in urls:
            path = Path(out) / urlsplit(url).path.strip("/")
            for candidate in (path.with_name(path.name + ".html"), path / "index.html", path):
                if candidate.is_file():
                    pages.append(_page(site, url, candidate.read_bytes()))
                    break
    return pages


def _page(site: Site, url: str, html: bytes) -> Page:
    return site, url, html, choose(html)[0]  # the fetch chooses the charset once, when it stores the page


def kabar_one(page: Page) -> bool:
    """The page through the flow's per-page work; whether it became an article."""
    site, url, html, charset = page
    return isinstance(extract(site, html, url, FETCHED_AT, charset=charset), Article)


def generic_one(page: Page) -> bool:
    """The page through the generic extractor (any host without a module), as the flow would."""
    _, url, html, charset = page
    return isinstance(extract(generic_site(url), html, url, FETCHED_AT, charset=charset), Article)


def trafilatura_one(page: Page) -> bool:
    from trafilatura import extract as trafilatura_extract

    return trafilatura_extract(page[2]) is not None


def trafilatura_metadata_one(page: Page) -> bool:
    """trafilatura as ../shared/corpus/PEERS.md runs it: the body and the metadata (title, authors,
    date), as kabar extracts them."""
    from trafilatura import bare_extraction

    return bare_extraction(page[2], url=page[1], with_metadata=True) is not None


TOOLS = {
    "kabar": kabar_one,
    "generic": generic_one,
    "trafilatura": trafilatura_one,
    "trafilatura_metadata": trafilatura_metadata_one,
}


def measure(pages: list[Page], repeat: int) -> dict:
    """Each page through kabar (its site module), the generic extractor and trafilatura, the whole set
    `repeat` times over; a page's time for a tool is its best (the machine is shared: a burst of load
    elsewhere hits one turn, not the best of several, and the tools take turns page by page, so all see
    the same machine)."""
    best = {name: [float("inf")] * len(pages) for name in TOOLS}
    done = dict.fromkeys(TOOLS, 0)
    for _ in range(repeat):
        for i, page in enumerate(pages):
            for name, run in TOOLS.items():
                start = time.perf_counter()
                done[name] += run(page)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    rate = {name: len(pages) / sum(times) for name, times in best.items()}
    return {
        "pages": len(pages),
        "mean_kb": round(sum(len(html) for _, _, html, _ in pages) / len(pages) / 1024, 1),
        **{f"{name}_pages_per_s": round(r, 1) for name, r in rate.items()},
        "ratio": round(rate["kabar"] / rate["trafilatura"], 2),  # the site module against trafilatura
        "generic_ratio": round(rate["generic"] / rate["trafilatura"], 2),
        # against trafilatura extracting what kabar extracts (PEERS.md's way): like for like
        "ratio_with_metadata": round(rate["kabar"] / rate["trafilatura_metadata"], 2),
        "generic_ratio_with_metadata": round(rate["generic"] / rate["trafilatura_metadata"], 2),
        "kabar_articles": done["kabar"] // repeat,
        "generic_articles": done["generic"] // repeat,
        "trafilatura_extracted": done["trafilatura"] // repeat,
        "trafilatura_metadata_extracted": done["trafilatura_metadata"] // repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument(
        "--mirror-pages", type=int, default=100, help="pages of each generated mirror (0: none)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="runs over each set; a page's best time counts")
    args = parser.parse_args(argv)
    if args.mirror_pages < 0 or args.repeat < 1:
        parser.error("--mirror-pages must be ≥ 0 and --repeat ≥ 1")
    warnings.filterwarnings("ignore")  # trafilatura's and htmldate's notes on odd pages are not results
    corpus = args.corpus if args.corpus.is_dir() else None  # without it, the mirrors alone
    sets: dict[str, list[Page]] = corpus_pages(corpus) if corpus else {}
    for name in SITES:
        site = get_site(name)
        sets[f"bundled/{name}"] = bundled_pages(site)
        if args.mirror_pages:
            sets[f"generated/{name}"] = generated_pages(site, args.mirror_pages, args.seed)
    if args.mirror_pages:  # a configured site's mirror: its site is the generic extractor itself
        sets["generated/wartanusa"] = generated_pages(get_site("wartanusa"), args.mirror_pages, args.seed)
    report = {name: measure(pages, args.repeat) for name, pages in sets.items() if pages}
    json.dump(
        {"corpus": str(corpus) if corpus else None, "repeat": args.repeat, "sets": report},
        sys.stdout,
        indent=2,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
