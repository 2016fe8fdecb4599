"""Where a set's labelled titles and publication days come from, measured against what each page states.

    python -m bench.label_sources SET_DIR [SET_DIR …]

Each SET_DIR is in the layout of `../shared/corpus/<set>/`. For every labelled article page it lists
what the page states: the titles (each h1, og:title, twitter:title, the JSON-LD headline, <title>, each
as stated and with its site name removed the way kabar removes it) and the days (the JSON-LD and meta
publication and modification dates, every date shown in the visible text or a <time>, the URL's date),
and places the label among them. Prints one JSON object, per set:

- `title` / `day`: `labelled` pages, `kabar` (the share kabar's generic extractor gets right, scored
  as `bench/extraction.py` scores it), `ceiling` (the share whose label is one of the values the page
  states: what an extractor that always picked the right one of them would score), and `misses`:
  kabar's misses by where their label comes from.

It says whether a target is a matter of choosing better among what pages state, or of labels that
follow a convention the page does not decide (a per-publisher choice between headlines, a site name
kept, a day the page never states).
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from bench.extraction import _fetched_at, load_pages, load_scorer
from kabar.charset import decode
from kabar.extract import extract
from kabar.records import Article
from kabar.sites import generic as g
from kabar.sites.generic import meta as m
from kabar.sites.generic.tree import parse, text_of

_SEPARATOR = re.compile(r"\s+[|\-–—·:/\\»~]+\s+|\s*[|·»\[_]\s*")  # "Headline | Site", "Headline [Site]"


def stated_titles(root, url: str) -> dict[str, list[str]]:
    """Each title the page states by its source, as stated and with kabar's site-name removal."""
    meta, ld = m.meta_tags(root), m.json_ld(root)
    article = m.article_object(ld)
    names = g._site_names(meta, ld, article)
    host = g.host_of(url)
    found = {
        "h1": [text_of(h) for h in root.iter("h1")][:8],
        "og:title": meta.get("og:title", [])[:1],
        "twitter:title": meta.get("twitter:title", [])[:1],
        "json-ld headline": [m.ld_text(article.get("headline")) or m.ld_text(article.get("name"))],
        "<title>": [text_of(root.find(".//title"))],
    }
    return {
        source: [v for t in titles if t for v in (t, m.strip_site_name(t, names, host))]
        for source, titles in found.items()
    }


def stated_days(root, url: str) -> dict[str, set[str]]:
    """Each day the page states by its source: metadata publication and modification, shown, URL."""
    meta, ld = m.meta_tags(root), m.json_ld(root)
    article = m.article_object(ld)
    published = g.published_values(meta, article, m.page_object(ld))
    modified = [m.ld_text(article.get("dateModified"))]
    modified += [v for key in g.MODIFIED_META for v in meta.get(key, [])]
    shown = [el.get("datetime") or text_of(el) for el in root.iter("time")]
    body = root.find("body")
    for node in body.xpath(".//text()") if body is not None else ():
        text = g._shown_text(node)
        if 6 <= len(text) <= 120 and g._DATE_WORDS.search(text):
            shown.append(text)
    days = {
        "published (metadata)": published,
        "modified (metadata)": modified,
        "shown on the page": shown,
    }
    out = {source: {_day(v) for v in values} - {None} for source, values in days.items()}
    out["url"] = {d.date().isoformat()} if (d := m.url_date(url)) else set()
    return out


def _day(value: str | None) -> str | None:
    when = m.parse_time(value)
    return when.date().isoformat() if when else None


def title_origin(label: str, stated: dict[str, list[str]], ours: str | None, norm) -> str:
    want = norm(label)
    hits = {source for source, values in stated.items() if any(norm(v) == want for v in values)}
    if not hits:
        return "no title the page states"
    if "h1" in hits:
        return "the page's h1"
    if ours and any(norm(label[: sep.start()]) == norm(ours) for sep in _SEPARATOR.finditer(label)):
        return "kabar's title with the site or section name after it"
    return "a metadata title no h1 shows"


def day_origin(label: str, stated: dict[str, set[str]]) -> str:
    for source, days in stated.items():
        if label in days:
            return source
    return "no day the page states"


def measure(set_dir: Path) -> dict:
    scorer = load_scorer(set_dir)
    title, day = Counter(), Counter()
    for label, html in load_pages(set_dir):
        url = label.get("url") or f"https://unknown.invalid/{label['id']}"
        result = extract(g.site_for(url), html, url, _fetched_at(label))
        parsed = result.parsed if isinstance(result, Article) else None
        root = parse(decode(html).text)
        if label.get("title"):
            title["labelled"] += 1
            ours = parsed.title if parsed else None
            origin = title_origin(label["title"], stated_titles(root, url), ours, scorer.norm)
            title["ceiling"] += origin != "no title the page states"
            if scorer.norm(ours) == scorer.norm(label["title"]):
                title["kabar"] += 1
            else:
                title[f"miss: {origin}"] += 1
        if (want := scorer.day(label.get("published"))) and len(want) == 10:
            day["labelled"] += 1
            origin = day_origin(want, stated_days(root, url))
            day["ceiling"] += origin != "no day the page states"
            got = parsed.published_at.isoformat() if parsed and parsed.published_at else None
            if scorer.day(got) == want:
                day["kabar"] += 1
            else:
                day[f"miss: {origin}"] += 1
    return {"title": _report(title), "day": _report(day)}


def _report(counts: Counter) -> dict:
    n = counts.pop("labelled", 0)
    kabar, ceiling = counts.pop("kabar", 0), counts.pop("ceiling", 0)
    return {
        "labelled": n,
        "kabar": round(kabar / n, 4) if n else None,
        "ceiling": round(ceiling / n, 4) if n else None,
        "misses": dict(counts.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="corpus set folders")
    args = parser.parse_args(argv)
    for set_dir in args.sets:
        if not (set_dir / "truth.jsonl").is_file():
            parser.error(f"{set_dir} has no truth.jsonl")
    report = {}
    for set_dir in args.sets:
        print(f"{set_dir.name} …", file=sys.stderr)
        report[set_dir.name] = measure(set_dir)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
