"""Health gates: the measures of one run of one site, checked against absolute floors and against
the site's recent healthy runs. A breach fails the run (the good pages stay loaded).

Pure: the flow tallies each batch (`Tally.add`), the warehouse keeps the verdicts and gives the
baseline, `judge` decides."""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kabar.clean import Rule
from kabar.records import Article, ExtractionIssue, FetchedPage


@dataclass(frozen=True)
class Thresholds:
    """Configurable as `[health]` in kabar.toml (same names) or `KABAR_HEALTH_<NAME>`."""

    min_urls_discovered: int = 1
    max_fetch_error_rate: float = 0.5
    max_issue_rate: float = 0.2
    max_empty_body_rate: float = 0.1
    max_missing_title_rate: float = 0.05
    max_missing_published_rate: float = 0.2
    max_missing_author_rate: float = 0.5
    max_boilerplate_leak_rate: float = 0.05
    baseline_runs: int = 5  # recent healthy runs of the site that form its baseline
    max_drop_from_baseline: float = 0.5  # a fill rate or related-per-page falling by more than this share
    min_pages: int = 5  # rates over fewer pages are recorded, not judged (a quiet half hour is no signal)


@dataclass(frozen=True)
class Verdict:
    """One measure of one run, as the table `health_checks` keeps it. `threshold` None: recorded only."""

    measure: str
    value: float | None
    baseline: float | None
    threshold: float | None
    passed: bool
    message: str


@dataclass(frozen=True)
class Gate:
    """How a measure is judged: against a Thresholds field, as a ceiling (`max`) or a floor (`min`),
    over the pages of `sample`; `relative`: also against the baseline."""

    limit: str
    bound: str
    sample: str
    relative: bool = True


GATES = {
    "urls_discovered": Gate("min_urls_discovered", "min", "", relative=False),  # limits and windows vary
    "fetch_error_rate": Gate("max_fetch_error_rate", "max", "pages_requested"),
    "issue_rate": Gate("max_issue_rate", "max", "pages_parsed"),
    "empty_body_rate": Gate("max_empty_body_rate", "max", "pages_parsed"),
    "missing_title_rate": Gate("max_missing_title_rate", "max", "articles"),
    "missing_published_rate": Gate("max_missing_published_rate", "max", "articles"),
    "missing_author_rate": Gate("max_missing_author_rate", "max", "articles"),
    "boilerplate_leak_rate": Gate("max_boilerplate_leak_rate", "max", "articles"),
    "related_per_page": Gate("", "min", "articles"),  # sites differ: only the baseline judges it
}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
EXAMPLES = 3  # example URLs kept per failure reason


@dataclass
class Tally:
    """What one run of one site met so far, batch by batch."""

    site: str
    urls_discovered: int = 0
    pages_requested: int = 0
    pages_parsed: int = 0
    articles: int = 0
    errors: Counter = field(default_factory=Counter)  # fetch failure reason -> pages
    issues: Counter = field(default_factory=Counter)  # extraction problem -> pages
    missing: Counter = field(default_factory=Counter)  # title, published, author -> articles without
    leaks: int = 0
    related: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)  # failure reason -> a few URLs

    def add(
        self,
        pages: Iterable[FetchedPage],
        results: Mapping[str, Article | ExtractionIssue],
        rules_for: Callable[[str], Sequence[Rule]],
    ) -> None:
        """One batch: its fetches, and what extraction made of the pages parsed (by fetched URL)."""
        for page in pages:
            if page.reason != "disallowed":  # robots.txt kept us away: not asked, not an error
                self.pages_requested += 1
                if reason := failure(page):
                    self.errors[reason] += 1
                    self._example(reason, page.url)
        for url, result in results.items():
            self.pages_parsed += 1
            if isinstance(result, ExtractionIssue):
                self.issues[result.problem] += 1
                self._example(result.problem, url)
            else:
                self._article(result, rules_for(result.parsed.layout))

    def _article(self, article: Article, rules: Sequence[Rule]) -> None:
        parsed = article.parsed
        self.articles += 1
        self.missing.update(
            name
            for name, present in (
                ("title", parsed.title.strip()),
                ("published", parsed.published_at),
                ("author", parsed.authors),
            )
            if not present
        )
        if leaked(article.body, rules):
            self.leaks += 1
            self._example("boilerplate_leak", parsed.url)
        self.related += len(parsed.related)

    def _example(self, reason: str, url: str) -> None:
        urls = self.examples.setdefault(reason, [])
        if len(urls) < EXAMPLES:
            urls.append(url)

    def measures(self) -> dict[str, float | None]:
        """Every measure by name; a rate over no pages is None. Fetch errors also by reason."""
        articles, parsed = self.articles, self.pages_parsed
        values = {
            "urls_discovered": float(self.urls_discovered),
            "fetch_error_rate": _rate(sum(self.errors.values()), self.pages_requested),
            "issue_rate": _rate(sum(self.issues.values()), parsed),
            "empty_body_rate": _rate(self.issues["empty_body"], parsed),
            "missing_title_rate": _rate(self.missing["title"], articles),
            "missing_published_rate": _rate(self.missing["published"], articles),
            "missing_author_rate": _rate(self.missing["author"], articles),
            "boilerplate_leak_rate": _rate(self.leaks, articles),
            "related_per_page": _rate(self.related, articles),
        }
        by_reason = {f"fetch_error_rate:{r}": _rate(n, self.pages_requested) for r, n in self.errors.items()}
        return values | dict(sorted(by_reason.items()))

    def sample(self, name: str) -> int:
        return getattr(self, name)


def failure(page: FetchedPage) -> str | None:
    """Why a fetch gave no usable page (None: it did, or it was the page already known)."""
    if page.reason:
        return page.reason
    if page.status in (200, 304):
        return None
    return "connection" if page.status is None else f"http_{page.status}"


def leaked(body: str, rules: Sequence[Rule]) -> bool:
    """Boilerplate the cleaner missed: a sentence or line of the body that one of the site's rules
    would have removed as a block of its own (text glued into a paragraph by a changed layout)."""
    segments = (s.strip() for s in SENTENCE_END.split(body))
    return any(rule.matches(segment) for segment in segments if segment for rule in rules)


def judge(site: str, tally: Tally, baseline: Mapping[str, float], limits: Thresholds) -> list[Verdict]:
    """Every measure of the run with its verdict; `baseline`: the mean of each measure over the site's
    recent healthy runs (missing for a new site)."""
    verdicts = []
    for name, value in tally.measures().items():
        gate = GATES.get(name)
        base = baseline.get(name)
        if gate is None or value is None:
            shown = "nothing to measure" if value is None else f"{value:.3g}"
            verdicts.append(Verdict(name, value, base, None, True, f"{site}: {name} {shown} (recorded)"))
            continue
        pages = tally.sample(gate.sample) if gate.sample else None
        verdicts.append(_verdict(site, name, value, base, gate, limits, pages))
    return verdicts


def _verdict(
    site: str,
    name: str,
    value: float,
    base: float | None,
    gate: Gate,
    limits: Thresholds,
    pages: int | None,
) -> Verdict:
    threshold = _threshold(gate, limits, base)
    over = f" over {pages} {gate.sample.replace('_', ' ')}" if pages is not None else ""
    everything_failed = name == "fetch_error_rate" and value == 1.0  # loud however few were asked
    if pages is not None and pages < limits.min_pages and not everything_failed:
        note = f"{site}: {name} {value:.3g}{over}: too few to judge (min_pages {limits.min_pages})"
        return Verdict(name, value, base, None, True, note)
    passed = value >= threshold if gate.bound == "min" else value <= threshold
    word = "below the floor" if gate.bound == "min" else "above the limit"
    baseline = f"baseline {base:.3g}" if base is not None else "no baseline"
    message = f"{site}: {name} {value:.3g}{over} ({baseline}, threshold {threshold:.3g})"
    return Verdict(name, value, base, threshold, passed, message if passed else f"{message}: {word}")


def _threshold(gate: Gate, limits: Thresholds, base: float | None) -> float:
    """The tighter of the absolute limit and what the baseline allows (a fall of the good share by
    more than `max_drop_from_baseline`)."""
    candidates = [float(getattr(limits, gate.limit))] if gate.limit else []
    if gate.relative and base is not None:
        keep = 1 - limits.max_drop_from_baseline
        candidates.append(base * keep if gate.bound == "min" else 1 - (1 - base) * keep)
    if not candidates:
        return 0.0  # a floor with neither a configured limit nor a baseline yet: anything passes
    return max(candidates) if gate.bound == "min" else min(candidates)


def breaches(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.passed]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
