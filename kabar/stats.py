"""Field fill rates over a folder of saved pages: which fields the parsers fill, and where not."""

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

from kabar.extract import extract_available
from kabar.mirror import saved_pages
from kabar.records import Article, ExtractionIssue, ParsedArticle
from kabar.sites import site_for_url
from kabar.sites.html import canonical_link, page_of

SKIPPED = {
    "site",
    "article_id",
    "url",
    "layout",
    "fetched_at",
    "paragraphs",
    "continuation_urls",
    "related",
    "page_count",
    "kind",
    "access",
    "language",
}  # always set: a fill rate says nothing
FIELDS = tuple(f.name for f in fields(ParsedArticle) if f.name not in SKIPPED) + ("body",)


@dataclass
class FieldStats:
    """Per article (the pages of a multi-page article count once, a field filled if any page has it)."""

    not_articles: list[str] = field(default_factory=list)  # files no site module could parse
    filled: dict[str, set[str]] = field(default_factory=dict)  # article id -> its filled fields and blocks
    files: dict[str, str] = field(default_factory=dict)  # article id -> its first file

    def add(self, path: str, article: Article) -> None:
        values = {f: getattr(article.parsed, f, None) for f in FIELDS} | {"body": article.body}
        have = {name for name, value in values.items() if value not in (None, "", ())}
        have |= {f"block:{link.block}" for link in article.parsed.related}
        self.filled.setdefault(article.parsed.article_id, set()).update(have)
        self.files.setdefault(article.parsed.article_id, path)

    @property
    def pages(self) -> int:
        return len(self.filled)

    def count(self, name: str) -> int:
        return sum(1 for have in self.filled.values() if name in have)

    def empty_in(self, name: str) -> list[str]:
        return [self.files[i] for i, have in self.filled.items() if name not in have]

    @property
    def blocks(self) -> dict[str, int]:
        names = sorted({n for have in self.filled.values() for n in have if n.startswith("block:")})
        return {n.removeprefix("block:"): self.count(n) for n in names}


def page_files(folder: Path) -> Iterator[Path]:
    """Saved pages under `folder`; a mirror's pages 2..n (`<page>@<query>.html`) are read through page 1."""
    pages = (
        p for p in folder.rglob("*") if p.name.endswith((".html", ".htm", ".html.gz")) and "@" not in p.name
    )
    yield from sorted(p for p in pages if p.is_file())


def extract_file(path: Path, fetched_at: datetime) -> Article | ExtractionIssue | None:
    """The article on a saved page, its continuation pages read from beside it when saved there
    (else page 1 alone); None when no site claims the page's canonical URL."""
    html = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    url = canonical_link(page_of(html)) or ""
    site = site_for_url(url)
    if site is None:
        return None
    return extract_available(site, html, url, fetched_at, saved_pages(path, url))[0]


def field_stats(files: Iterable[Path], fetched_at: datetime) -> FieldStats:
    stats = FieldStats()
    for path in files:
        result = extract_file(path, fetched_at)
        if isinstance(result, Article):
            stats.add(str(path), result)
        else:
            stats.not_articles.append(str(path))
    return stats


def report(stats: FieldStats, missing: bool = False) -> str:
    """A table: field, articles filled, rate; with `missing`, the files where each field is empty."""
    lines = [
        f"{stats.pages} article pages, {len(stats.not_articles)} other files",
        "",
        f"{'field':<20} {'filled':>7} {'rate':>7}",
    ]
    for name in FIELDS:
        count = stats.count(name)
        lines.append(f"{name:<20} {count:>7} {count / stats.pages if stats.pages else 0:>7.0%}")
        lines += [f"    empty in {path}" for path in stats.empty_in(name)] if missing else []
    lines += ["", f"{'related block':<20} {'pages':>7}"]
    lines += [f"{block:<20} {count:>7}" for block, count in stats.blocks.items()]
    return "\n".join(lines)
