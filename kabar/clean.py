"""clean: ParsedArticle -> Article. Named rules drop boilerplate blocks; every removal is logged."""

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kabar.records import Article, ExtractionIssue, ParsedArticle, Removal
from kabar.text import fingerprint, normalize

SAMPLE_CHARS = 80


@dataclass(frozen=True, slots=True)
class Rule:
    """A named boilerplate rule: a body block matching `pattern` (from its start) is removed."""

    name: str
    pattern: re.Pattern[str]

    def matches(self, block: str) -> bool:
        return self.pattern.match(block) is not None


def rule(name: str, regex: str) -> Rule:
    return Rule(name, re.compile(regex, re.IGNORECASE))


def clean(parsed: ParsedArticle, rules: Sequence[Rule]) -> Article | ExtractionIssue:
    """Keep the real paragraphs; an article left with no body is an issue, not an article."""
    kept: list[str] = []
    removed: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for block in map(normalize, parsed.paragraphs):
        name = _removal_rule(block, kept, parsed, rules)
        if name is None:
            kept.append(block)
        else:
            removed[name] += 1
            samples.setdefault(name, block[:SAMPLE_CHARS])
    if not kept:
        return ExtractionIssue(
            url=parsed.url,
            stage="clean",
            problem="empty_body",
            detail=_why_empty(parsed, removed),
        )
    body = "\n\n".join(kept)
    return Article(
        parsed=parsed,
        body=body,
        content_hash=content_hash(parsed.title, body),
        removals=tuple(Removal(rule=r, count=n, sample=samples[r]) for r, n in sorted(removed.items())),
    )


def _why_empty(parsed: ParsedArticle, removed: Counter[str]) -> str:
    if not parsed.paragraphs:  # a page whose story a script draws (the text sits in its JSON, unread)
        return "the page shows no text blocks where its story would be"
    rules = ", ".join(f"{name} {n}" for name, n in removed.most_common())
    return f"all {len(parsed.paragraphs)} blocks were boilerplate ({rules})"


def _removal_rule(block: str, kept: list[str], parsed: ParsedArticle, rules: Sequence[Rule]) -> str | None:
    if not block:
        return "empty"
    for rule in rules:
        if rule.matches(block):
            return rule.name
    for name, test in _CONTEXT_RULES:
        if test(block, kept, parsed):
            return name
    return None


def _is_caption(block: str, kept: list[str], parsed: ParsedArticle) -> bool:
    caption = normalize(parsed.image_caption)
    return bool(caption) and block in (caption, normalize(f"{caption} {parsed.image_credit or ''}"))


def _is_repeat(block: str, kept: list[str], parsed: ParsedArticle) -> bool:
    return bool(kept) and kept[-1] == block


def _is_title(block: str, kept: list[str], parsed: ParsedArticle) -> bool:
    return not kept and block == normalize(parsed.title)


# Rules every site gets: the page's own caption, title or previous paragraph shown again.
_CONTEXT_RULES: tuple[tuple[str, Callable[[str, list[str], ParsedArticle], bool]], ...] = (
    ("duplicate_caption", _is_caption),
    ("repeated_paragraph", _is_repeat),
    ("repeated_title", _is_title),
)


def content_hash(title: str | None, body: str) -> str:
    """What tells one version of an article from another: its headline and cleaned body."""
    return fingerprint(normalize(title), body)
