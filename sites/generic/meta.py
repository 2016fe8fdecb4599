"""What a page says about its article: JSON-LD, OpenGraph and article meta, then the visible page.

Every reader here takes the lxml tree parsed once for the page and returns plain values; none raises
for a malformed page (a broken JSON-LD block, a date that is not one, a title made only of a site name).
"""

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from html import unescape
from urllib.parse import unquote, urlsplit

from kabar.text import normalize
from kabar.times import WIB, YEARS, parse_datetime

ARTICLE_TYPES = frozenset(
    "newsarticle article reportagenewsarticle analysisnewsarticle opinionnewsarticle reviewnewsarticle "
    "backgroundnewsarticle askpublicnewsarticle blogposting socialmediaposting liveblogposting report "
    "scholarlyarticle techarticle satiricalarticle posting".split()
)
PAGE_TYPES = frozenset("webpage itempage articlepage".split())


# --- JSON-LD ---------------------------------------------------------------------------------------


def json_ld(root) -> list[dict]:
    """Every JSON-LD object of the page, @graph and arrays flattened; broken blocks skipped."""
    found: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        raw = _WRAPPER.sub("", script.text).strip()
        try:
            data = json.loads(raw, strict=False)
        except RecursionError:  # nested past Python's limit: no object a page means
            continue
        except ValueError:
            try:  # a trailing comma, a stray semicolon: the commonest breakage
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.rstrip("; \n")), strict=False)
            except (ValueError, RecursionError):
                continue
        found.extend(_flatten(data, 0))
    return found


_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)|(?://\s*)?(?:-->|\]\]>)\s*$")


def _flatten(data, depth: int) -> Iterator[dict]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph, depth + 1)
        if "@type" in data:
            yield data
            main = data.get("mainEntity") or data.get("mainEntityOfPage")
            if isinstance(main, (dict, list)):
                yield from (d for d in _flatten(main, depth + 1) if _is_article(d))


def types_of(item: dict) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower().rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _is_article(item: dict) -> bool:
    return bool(types_of(item) & ARTICLE_TYPES)


def article_object(objects: list[dict]) -> dict:
    """The page's article: the article-typed object with the most of the fields we read."""
    articles = [o for o in objects if _is_article(o)]
    if not articles:
        articles = [o for o in objects if types_of(o) & PAGE_TYPES and ("headline" in o or "author" in o)]
    keys = ("headline", "author", "datePublished", "articleBody", "image", "dateModified")
    return max(articles, key=lambda o: sum(k in o for k in keys), default={})


def page_object(objects: list[dict]) -> dict:
    """The page's own WebPage object that states a publication date (Yoast puts a post's dates there
    when no article object does)."""
    return next((o for o in objects if types_of(o) & PAGE_TYPES and o.get("datePublished")), {})


LD_DEPTH = 8  # lists in lists: a value nested deeper is no text a page means (and recursion has an end)


def ld_text(value, depth: int = 0) -> str:
    """A JSON-LD value as one string: a name of an object, the first of a list."""
    if depth > LD_DEPTH:
        return ""
    if isinstance(value, list):
        return next((t for t in (ld_text(v, depth + 1) for v in value) if t), "")
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or value.get("text") or "", depth + 1)
    if isinstance(value, bool):  # `"headline": true` is no headline "True"
        return ""
    return normalize(unescape(str(value))) if isinstance(value, (str, int, float)) else ""


def ld_names(value, depth: int = 0) -> list[str]:
    """Names from an author value: a string, an object, or a list of either."""
    if depth > LD_DEPTH:
        return []
    if isinstance(value, list):
        return [name for item in value for name in ld_names(item, depth + 1)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            return ld_names(name, depth + 1)
        if not name and (value.get("givenName") or value.get("familyName")):
            name = f"{ld_text(value.get('givenName'))} {ld_text(value.get('familyName'))}"
        return [normalize(name)] if isinstance(name, str) and normalize(name) else []
    return [normalize(value)] if isinstance(value, str) and normalize(value) else []


def resolve_refs(value, objects: list[dict], depth: int = 0):
    """A value with its bare references ({"@id": …} and nothing else to read) replaced by the page's
    object of that @id: Yoast-style graphs name the author once, in a Person node of their own."""
    if isinstance(value, list):
        return [resolve_refs(item, objects, depth + 1) for item in value] if depth < LD_DEPTH else []
    if isinstance(value, dict) and "@id" in value and not value.get("name"):
        return next((o for o in objects if o.get("@id") == value["@id"] and o is not value), value)
    return value


def ld_people(value) -> list[str]:
    """Names of the author objects typed Person (a string or an untyped object is not one)."""
    items = value if isinstance(value, list) else [value]
    return [
        name
        for item in items
        if isinstance(item, dict) and "person" in types_of(item)
        for name in ld_names(item)
    ]


def ld_organizations(value) -> list[str]:
    """Names of the author objects typed as an organization, as they are: an organization's name is no
    byline to clean ("Contributors to Example Projects" is a name, not a role)."""
    items = value if isinstance(value, list) else [value]
    return [
        name
        for item in items
        if isinstance(item, dict) and any("organization" in kind for kind in types_of(item))
        for name in ld_names(item)
        if len(name) < 80 and not name.startswith("http")
    ]


def ld_image(value) -> str | None:
    if isinstance(value, list):
        return next(filter(None, map(ld_image, value)), None)
    if isinstance(value, dict):
        return ld_image(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return value.strip() if isinstance(value, str) and value.strip() else None


def ld_free(value) -> bool | None:
    """isAccessibleForFree: True, False or None (not said)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    return None


# --- meta tags ---------------------------------------------------------------------------------------


def meta_tags(root) -> dict[str, list[str]]:
    """Every <meta> with a property/name/itemprop and content, keys lower-cased, values in page order."""
    found: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            # RDFa allows several properties in one attribute: property="og:title twitter:title"
            for key in (el.get(attribute) or "").lower().split():
                found.setdefault(key, []).append(normalize(unescape(content)))
    return found


def first(meta: dict[str, list[str]], *keys: str) -> str | None:
    return next((meta[k][0] for k in keys if meta.get(k)), None)


# --- titles ------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"\s+[|\-–—:·•»«/\\~]+\s+|\s*[|·•»«]\s*|\s+::\s+|:\s+")


def word_key(text: str) -> str:
    """The text's words, lower-cased: what two spellings of a title or name compare by."""
    return " ".join(re.findall(r"\w+", (text or "").lower()))


def strip_site_name(title: str, site_names: Iterable[str], host: str) -> str:
    """The title without a site name before or after a separator ("Story | Site", "Site - Story")."""
    title = normalize(title)
    names = {word_key(n) for n in site_names if n} | {word_key(p) for p in host_words(host)}
    names.discard("")
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    separators = _SEPARATORS.findall(title)

    def is_site(part: str) -> bool:
        key = word_key(part)
        squashed = key.replace(" ", "")
        return bool(key) and any(
            key == n
            or squashed == n.replace(" ", "")
            or (len(n) > 3 and (n in key) and len(key) <= len(n) + 12)
            for n in names
        )

    host_labels = set(re.findall(r"[^\W_]+", host.lower())) - {"www", "com", "org", "net", "co"}

    def is_host(part: str) -> bool:  # "Rust Blog" at the end of a title on blog.rust-lang.org
        words = word_key(part).split()
        return bool(words) and set(words) <= host_labels

    # trailing site names, then leading ones
    while len(parts) > 1 and (is_site(parts[-1]) or is_host(parts[-1])):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
        separators.pop(0)
    out = parts[0]
    for sep, part in zip(separators, parts[1:]):
        out += sep + part
    return normalize(out)


def strip_exact_site_name(title: str, site_names: Iterable[str]) -> str:
    """The title without trailing parts that are exactly a site name ("Story – Site"): for text
    shown on the page (an h1), where a part that only contains the name may be the story's own."""
    names = {word_key(n).replace(" ", "") for n in site_names if n} - {""}
    parts = _SEPARATORS.split(normalize(title))
    separators = _SEPARATORS.findall(normalize(title))
    while len(parts) > 1 and word_key(parts[-1]).replace(" ", "") in names:
        parts.pop()
        separators.pop()
    out = parts[0]
    for sep, part in zip(separators, parts[1:]):
        out += sep + part
    return normalize(out)


_KICKER_COLON = re.compile(r"[:：]\s+")


def kicker_of(title: str, headline: str, most_words: int = 8) -> str | None:
    """The kicker of a title that reads "Kicker: Headline" for the given headline (a short lead-in
    before a colon that the page shows apart from its h1), else None."""
    key = word_key(headline)
    if not key:
        return None
    for match in _KICKER_COLON.finditer(title):
        kicker = word_key(title[: match.start()])
        if len(kicker.split()) > most_words or match.start() > 40 * most_words:
            return None  # every later colon leads a longer kicker (and each look is the title's length)
        if kicker and word_key(title[match.end() :]) == key:
            return title[: match.start()]
    return None


def looks_truncated(text: str) -> bool:
    """A title cut short by its publisher's tools: an ellipsis, an unclosed bracket, 100+ characters
    (Yoast cuts its JSON-LD headline at 110)."""
    text = text.rstrip()
    return (
        text.endswith(("…", "..."))
        or text.count("(") > text.count(")")
        or text.count("[") > text.count("]")
        or len(text) >= 100
    )


_TRAILING_PART = re.compile(r"\s+[|–—-]\s+([^|–—]+)$")
_TRAILING_BAR = re.compile(r"\s+\|\s+([^|]+)$")


def strip_unnamed_site(title: str, most_words: int = 3, dashes: bool = True) -> str:
    """A title's short last part after a spaced bar or dash ("Story – My Site") when the page names no
    site: the part a site name takes, kept when what is left is too short to be the headline. Only a
    bar with `dashes` off (a JSON-LD headline: "Chelsea 2-1 Arsenal - as it happened")."""
    match = (_TRAILING_PART if dashes else _TRAILING_BAR).search(title)
    if not match or len(word_key(match[1]).split()) > most_words:
        return title
    rest = title[: match.start()]
    return rest if len(word_key(rest).split()) >= 4 else title


def host_words(host: str) -> list[str]:
    """The host, its core name ("tempo" of "www.tempo.co") and its registered domain."""
    host = host.lower().removeprefix("www.")
    labels = host.split(".")
    core = labels[0] if len(labels) < 3 or len(labels[-2]) > 3 else labels[-3]
    if len(labels) >= 2 and len(labels[-2]) > 3:
        core = labels[-2]
    return [host, core, ".".join(labels[-2:])]


def same_text(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and word_key(a) == word_key(b)


# --- authors -----------------------------------------------------------------------------------------

_BY = re.compile(
    r"^(?:(?:this|the)\s+(?:post|article|story|piece|guide|page)\s+(?:was|is|has been)\s+"
    r"|(?:(?:view|see|read|more|all)\s+)*(?:(?:articles?|posts?|stories|entries|essay)\s+))?"
    r"(?:(?:written|authored|posted|published|reported|text|words|story|compiled|researched|reviewed|edited|"
    r"fact[- ]checked|medically reviewed|illustrated)\s+)?(?:by|von|par|por|di|door|av|af"
    r"|oleh|penulis|pewarta|reporter|reporters|wartawan|kontributor|author|authors|autor|autorin|auteur"
    r"|writer|written|text|texte|laporan|quelle|source|sumber|fonte|fuente)\b\s*[:.\-–—|]?\s*",
    re.IGNORECASE,
)
_ROLE_ADJECTIVES = (
    r"(?:senior|chief|staff|contributing|political|economics?|business|sports?|foreign|deputy|associate|"
    r"managing|executive|news|health|science|tech(?:nology)?|education|investigative|special|national|local|"
    r"international|freelance)"
)
_ROLES = (
    r"(?:reporter|correspondent|editor|writer|journalist|columnist|contributor|photographer|wartawan|redaktur"
    r"|kontributor|penulis|staff|analyst|producer|head of|founder|co-founder|director|manager|marketer"
    r"|specialist|strategist|consultant|designer|developer|engineer)s?\b"
)
# A role after a separator (with up to two words of its own: "Jane Doe - Product Marketer"), after an
# adjective ("Staff Writer") or standing alone; never a bare surname that is also a role word ("Sam Writer").
_ROLE_TAIL = re.compile(
    rf"(?:^|\s*[,|\-–—(]\s*(?:[^\W\d_]+\s+){{0,2}}|\s+(?={_ROLE_ADJECTIVES}\s))(?:{_ROLE_ADJECTIVES}\s+)*{_ROLES}.*$",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(
    r"\s*(?:,|;|&|\band\b|\bdan\b|\bund\b|\bet\b|\by\b|\be\b|\bwith\b|/|\||·|•)\s*", re.IGNORECASE
)
_NOT_NAME = re.compile(
    r"^(?:admin|administrator|staff|newsroom|redaksi|editor|editorial|guest|anonymous|unknown|team|"
    # "red." (Redaktion) and wire services named only in general ("Agencies", "Agenturen")
    r"red|redaktion|agencies|agenturen|agences|agencias|agenzie|wires|"
    r"the author|(?:last )?(?:updated|published|posted|modified)\b.*|"
    r"desk|contributor|reuters|ap|afp|associated press|antara|bloomberg|the editors|tim redaksi|"
    r".*\d.*|https?://.*|.*@.*|.*\.(?:com|co|id|net|org).*|.*[?!].*|(?:foto|photo|image|bild|gambar)\b.*|"
    r".*\b(?:twitter|facebook|instagram|linkedin|whatsapp|email|e-mail|share|teilen|bearbeiten|follow|folgen"
    r"|abonnieren|suivre|seguir|ikuti)\b.*|"
    # a template's unfilled key ("page.head.author"), a reader comment's header ("Jane says:"), a form's
    # label ("Name *"), a day name where a date line was read
    r"[a-z]{2,}(?:\.[a-z]{2,}){2,}|.*\bsays\s*:?|.*\*.*|"
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)$",
    re.IGNORECASE,
)
_HOST = re.compile(r"(?:www\.)?[\w-]{2,}(?:\.[\w-]{2,})*\.[a-z]{2,6}", re.IGNORECASE)
_EDITOR_PART = re.compile(r"^(?:editor|redaktur|penyunting|editing|edited by)\b", re.IGNORECASE)
AGENCIES = frozenset(
    "reuters ap afp antara bloomberg xinhua dpa kyodo bernama ansa efe apa sid kna epd".split()
) | {"associated press", "agence france presse", "anadolu ajansi", "anadolu agency"}
_EMAIL = re.compile(r"\S+@\S+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# A bracketed middle or maiden name between the given name and the surname ("Ana (Silva) Costa") is
# part of the name; other brackets ("Jane Doe (Reuters)", "[Photo]") are dropped.
_MIDDLE_NAME = re.compile(r"(?<=\w )\((\w[\w.'-]*(?: \w[\w.'-]*){0,2})\)(?= (\w+))")


def _middle_name(match: re.Match[str]) -> str:
    after = match[2]
    return match[1] if after[0].isupper() and after.lower() not in _JOINERS else match[0]


_JOINERS = frozenset("and und dan et y e with mit".split())
_TRAILING_DATE = re.compile(  # after a name only: "Posted by Jane on Friday" keeps "Posted by Jane"
    r"(?<=\S)\s*[|,\-–—]?\s*\b(?:updated|published|posted|diperbarui|diterbitkan|on)\b.*$", re.I
)
# "By Jane Doe in Politics, Business": the sections a byline says the post is filed in
_FILED_IN = re.compile(r"(?<=\S)\s*,?\s+in\s+\S.*$")


# "Last updated 3 hours ago", "Published: …": a date label where a byline was looked for
_DATE_LABEL = re.compile(r"^(?:last\s+)?(?:updated|published|posted|modified)\b(?!\s+by\b)", re.IGNORECASE)

_MONTH_TAIL = re.compile(  # a date after a name, never the date a byline begins with
    r"(?<=\S)\s*[|,\-–—·•]?\s*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januari|februari|maret|mei|juni|"
    r"juli|agustus|oktober|desember)[a-z]*\.?\s+\d.*$|\s+\d{1,2}\s+[a-z]+\s+\d{4}.*$|\s+says$",
    re.IGNORECASE,
)


def clean_authors(values: Iterable[str], site_names: Iterable[str] = ()) -> list[str]:
    """Names from bylines: 'By', 'Oleh', 'Reporter:' and roles removed, lists split, site names and
    URLs dropped, each name once. A wire agency ("dpa", "AFP") stands as the author only when the
    byline names no person."""
    sites = {word_key(n) for n in site_names if n}
    sites.discard("")
    names: dict[str, str] = {}
    for value in values:
        value = normalize(_EMAIL.sub(" ", value or ""))
        if not value or len(value) > 200 or _DATE_LABEL.match(value) or re.match(r"(?i)https?://", value):
            continue
        value = _MIDDLE_NAME.sub(_middle_name, re.sub(r"^(?:[Bb]y|Oleh)(?=[A-Z])", "", value))  # "byJane Doe"
        value = normalize(_PAREN.sub(" ", value))
        value = _TRAILING_DATE.sub("", value)
        if _BY.match(value):
            value = _FILED_IN.sub("", value)
        value = _MONTH_TAIL.sub("", value)
        for _ in range(2):
            value = _BY.sub("", value.strip(" :|-–—·•")).strip()
        if word_key(value) in sites:  # "Smith & Jones", the site's name, is not two people
            continue
        for part in _NAME_SPLIT.split(value):
            part = part.strip(" .:|-–—·•'\"")
            if _EDITOR_PART.match(part):  # "Editor: Siti" names the editor, not an author
                continue
            part = _BY.sub("", part).strip()
            part = _ROLE_TAIL.sub("", part).strip(" .,:|-–—")
            key = word_key(part)
            if len(key) < 2 or len(part) > 60 or len(key.split()) > 6:
                continue
            if _NOT_NAME.match(part) and key not in AGENCIES:
                continue
            if any(key == s or key.replace(" ", "") == s.replace(" ", "") for s in sites):
                continue
            if sites and _HOST.fullmatch(part):  # "example.de": the site, named by its host
                continue
            if not re.search(r"[^\W\d_]", part):
                continue
            names.setdefault(key, part)
    people = [name for key, name in names.items() if key not in AGENCIES]
    return people or list(names.values())


def publisher_names(values: Iterable[str]) -> list[str]:
    """The first of a site's names (or a host name among bylines) as it is written, not cleaned as a
    person's byline would be: a publisher's name may hold digits or be its domain."""
    for value in values:
        value = normalize(value or "")
        if (
            1 < len(value) < 80
            and not re.match(r"(?i)https?:|@|www\.", value)
            and re.search(r"[^\W\d_]", value)
        ):
            return [value]
    return []


_PARTICLES = frozenset("de da di del della der den van von ter bin binti al el la le du dos das mc".split())


def person_names(values: Iterable[str], site_names: Iterable[str] = ()) -> list[str]:
    """clean_authors for bylines read from running text: only what looks like a person's name is kept
    (two to five words, each capitalised or a particle, in scripts that have capitals)."""
    return [name for name in clean_authors(values, site_names) if looks_like_name(name)]


def looks_like_handle(name: str) -> bool:
    """A login or account name rather than a person's as shown: one token with a dot, underscore or
    digit ("jane.doe", "jdoe_2"), all lower-case Latin letters ("rustlang"), or a capital after its
    small letters ("KatieS")."""
    return " " not in name and bool(re.fullmatch(r"[\w.-]*[._\d][\w.-]*|[a-z]+|[A-Z]?[a-z]+[A-Z]+", name))


def is_host(value: str) -> bool:
    """A host name ("example.com") where a byline or a site name was read."""
    return bool(_HOST.fullmatch(normalize(value or "")))


def looks_like_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    cased = [w for w in words if w[0].isalpha() and (w[0].isupper() or w[0].islower())]
    if not cased:  # a script without capitals (Chinese, Arabic, Thai …): no check to make
        return True
    return all(w[0].isupper() or w.lower() in _PARTICLES for w in cased) and (len(words) > 1 or len(name) > 3)


def author_url_name(url: str) -> str | None:
    """A name from an author page URL: /author/jane-doe -> Jane Doe."""
    match = re.search(
        r"/(?:author|authors|penulis|profile|people|staff|reporter|by)/([a-z][a-z0-9-]+)/?$",
        urlsplit(url).path.lower(),
    )
    if not match:
        return None
    words = [w for w in unquote(match[1]).split("-") if w and not w.isdigit()]
    return " ".join(w.capitalize() for w in words) if 1 < len(words) <= 4 else None


# --- times -------------------------------------------------------------------------------------------

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?"
)


def parse_time(value: str | None, local=UTC) -> datetime | None:
    """A machine-readable time (ISO 8601, with or without a zone) or a shown one, as an aware datetime
    in the offset the page gave; no zone: `local` (WIB for Indonesian pages). The calendar day shown
    is kept: a time is never moved across midnight by a zone the page did not state."""
    if not value or not isinstance(value, str):
        return None
    match = _ISO.match(value)
    if match:
        y, mo, d, h, mi, s, zone = match.groups()
        try:
            tz = _zone(zone) if zone else local
            when = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
        except (ValueError, OverflowError):
            return None
        return when if when.year in YEARS else None
    if re.fullmatch(r"\s*\d{10}(?:\d{3})?\s*", value):  # a Unix time stamp
        try:
            stamp = int(value.strip())
            when = datetime.fromtimestamp(stamp / 1000 if stamp > 10**11 else stamp, UTC)
        except (ValueError, OverflowError, OSError):
            return None
        return when if when.year in YEARS else None
    value = _in_english(value)
    shown = parse_datetime(value)  # kabar.times: English and Indonesian, a zone or WIB
    if shown is None:
        return None
    zone = re.search(r"(?i)\b(wib|wita|wit)\b", value)
    if zone:  # the day as shown there
        return shown.astimezone(timezone(timedelta(hours=_INDONESIAN_ZONES[zone[1].lower()])))
    if not _STATED_ZONE.search(value):
        return shown.astimezone(WIB).replace(tzinfo=local)  # its wall clock, in the page's own zone
    return shown


_INDONESIAN_ZONES = {"wib": 7, "wita": 8, "wit": 9}
# A zone the text states: GMT/UTC, or an offset right after a clock time ("10:30+02:00"), never the
# "-2025" of a day-month-year date ("02-12-2025").
_STATED_ZONE = re.compile(r"(?i)\b(?:gmt|utc)\b|\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*[+-]\d{2}:?\d{2}\b|\dz\b")

# Month names of other languages kabar.times does not read, by the English name it does.
_FOREIGN_MONTHS = {
    name: english
    for english, names in (
        ("january", "januar jänner janvier enero gennaio janeiro januari ene gen"),
        ("february", "februar février fevrier febrero febbraio fevereiro februari"),
        ("march", "märz maerz mars marzo março maart mrt"),
        ("april", "avril abril aprile"),
        ("may", "mai mayo maggio maio mei"),
        ("june", "juni juin junio giugno junho"),
        ("july", "juli juillet julio luglio julho"),
        ("august", "août aout agosto augustus ago"),
        ("september", "septembre septiembre settembre setembro set"),
        ("october", "oktober octobre octubre ottobre outubro okt"),
        ("november", "novembre noviembre novembro"),
        ("december", "dezember décembre decembre diciembre dicembre dezembro dic dez"),
    )
    for name in names.split()
}
# a month word between a day and a year: "12. März 2024", "04-ago-2021", "3 de junio de 2025"
_DAY_MONTH = re.compile(
    r"(?<!\d)(\d{1,2})(\.?[\s-]+(?:de\s+)?)([^\W\d_]+)\.?([\s,-]+(?:de\s+)?)(\d{4})(?!\d)"
)
_US_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def _in_english(value: str) -> str:
    """A shown date kabar.times can read: a German, French, Spanish, Italian, Portuguese or Dutch month
    name as its English one; a month-first US date that cannot be day-first ("2/24/2026") in ISO form."""

    def month(match: re.Match[str]) -> str:
        english = _FOREIGN_MONTHS.get(match[3].lower())
        return f"{match[1]} {english} {match[5]}" if english else match[0]

    def us(match: re.Match[str]) -> str:
        first, second = int(match[1]), int(match[2])
        return f"{match[3]}-{first:02d}-{second:02d}" if first <= 12 < second <= 31 else match[0]

    return _US_DATE.sub(us, _DAY_MONTH.sub(month, value))


def _zone(zone: str) -> timezone:
    """An offset as stated; ValueError past the ±14 hours any place on Earth keeps."""
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    if offset > timedelta(hours=14):
        raise ValueError(f"no place keeps the offset {zone}")
    return timezone(sign * offset)


_URL_DATE = re.compile(
    r"/(20\d{2}|19\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/_-]|$|\d{0,0}[^\d])"
)


def url_date(url: str, local=UTC) -> datetime | None:
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime.combine(date(int(match[1]), int(match[2]), int(match[3])), time(), local)
    except ValueError:
        return None
