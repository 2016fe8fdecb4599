"""What a run tells the person who looks at it: a markdown summary and a row of figures per site (the
flows publish both as Prefect artifacts), and a progress line per batch."""

from collections.abc import Mapping, Sequence

from kabar.health import Tally, Verdict, breaches

FILLED = (("title", "title"), ("published time", "published"), ("author", "author"))


def summary(site: str, counts: Mapping[str, int], tally: Tally, verdicts: Sequence[Verdict]) -> str:
    """The run in markdown: counts by outcome, failures by reason with example URLs, field fill rates
    and the health gate's verdicts."""
    failed = breaches(verdicts)
    head = f"# {site}: {'FAILED' if failed else 'healthy'}\n"
    sections = [head, _counts(counts), _failures(tally), _fill(tally), _verdicts(verdicts)]
    return "\n".join(section for section in sections if section)


def figures(site: str, counts: Mapping[str, int], tally: Tally, verdicts: Sequence[Verdict]) -> dict:
    """One row of the per-site table: the counts, the health measures, the verdict."""
    measures = {v.measure: v.value for v in verdicts if ":" not in v.measure}
    rounded = {name: None if value is None else round(value, 4) for name, value in measures.items()}
    failed = [v.measure for v in breaches(verdicts)]
    return {
        "site": site,
        **counts,
        **rounded,
        "verdict": "failed: " + ", ".join(failed) if failed else "passed",
    }


def progress_line(site: str, done: int, total: int, errors: int, seconds_left: float | None) -> str:
    left = "" if seconds_left is None else f", about {_duration(seconds_left)} left"
    return f"{site}: {done}/{total} pages, {errors} failed{left}"


def _counts(counts: Mapping[str, int]) -> str:
    rows = "".join(f"| {name} | {value} |\n" for name, value in counts.items())
    return f"## Counts\n| count | value |\n|---|---|\n{rows}"


def _failures(tally: Tally) -> str:
    reasons = [("fetch", r, n) for r, n in tally.errors.most_common()]
    reasons += [("extraction", r, n) for r, n in tally.issues.most_common()]
    if tally.leaks:
        reasons.append(("cleaning", "boilerplate_leak", tally.leaks))
    if not reasons:
        return "## Failures\nnone\n"
    rows = "".join(
        f"| {stage} | {reason} | {n} | {' '.join(tally.examples.get(reason, []))} |\n"
        for stage, reason, n in reasons
    )
    return f"## Failures\n| stage | reason | pages | examples |\n|---|---|---|---|\n{rows}"


def _fill(tally: Tally) -> str:
    if not tally.articles:
        return "## Field fill rates\nno article parsed this run\n"
    rows = "".join(f"| {label} | {1 - tally.missing[key] / tally.articles:.1%} |\n" for label, key in FILLED)
    per_page = tally.related / tally.articles
    return (
        f"## Field fill rates ({tally.articles} articles)\n| field | filled |\n|---|---|\n{rows}"
        f"| related links per page | {per_page:.2f} |\n"
    )


def _verdicts(verdicts: Sequence[Verdict]) -> str:
    rows = "".join(
        f"| {'FAIL' if not v.passed else 'ok' if v.threshold is not None else '-'} | {v.message} |\n"
        for v in verdicts
    )
    return f"## Health gate\n| verdict | check |\n|---|---|\n{rows}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
