"""Health gates: the measures of one run of one site, checked against absolute floors and against
the site's recent healthy runs. A breach fails the run (the good pages stay loaded)."""

from dataclasses import dataclass


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
