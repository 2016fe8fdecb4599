"""URL identity: the canonical form of a URL, and pointing real URLs at a mirror (`rebase`)."""

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Parameters that say how a reader arrived, never which page they read.
TRACKING_PARAM = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|"
    r"ref|ref_src|cmpid|spm|share|amp)$",
    re.IGNORECASE,
)
_ALIAS_HOST = re.compile(r"^(m|amp|mobile)\.")
# A URL w3lib's canonical form leaves as it is: http(s), a plain host, a path of unreserved characters
# with no dot segment, no query, no fragment. Most links on a page; canonicalize_url took ~80 µs each.
_PLAIN = re.compile(
    r"^https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?(?:/[\w~-][\w.~-]*)*/?$", re.ASCII
)


# A page asks for the same URLs' canonical forms several times (the related-block finder for each link,
# then Site.related for each card, and a site's pages link the same articles): a pure function, kept.
@lru_cache(maxsize=4096)
def canonical_url(url: str, *, https: bool = True) -> str:
    """One spelling per page: https, lower-case host without m./amp. aliases, no tracking
    parameters, sorted query, no fragment, no trailing slash or /amp suffix on the path."""
    url = url.strip()
    plain = _PLAIN.match(url) is not None
    url = url if plain else canonicalize_url(url)
    parts = urlsplit(url)
    host = _ALIAS_HOST.sub("", (parts.hostname or "").lower())
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    path = re.sub(r"/amp/?$", "", parts.path).rstrip("/") or "/"
    query = "" if plain else urlsplit(_drop_tracking(url)).query
    scheme = "https" if https and parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, netloc, path, query, ""))


def _drop_tracking(url: str) -> str:
    keys = {k for k, _ in _query_pairs(url)}
    return url_query_cleaner(
        url, [k for k in keys if TRACKING_PARAM.match(k)], remove=True, keep_fragments=False
    )


def _query_pairs(url: str) -> list[tuple[str, str]]:
    query = urlsplit(url).query
    return [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p]


def rebase(url: str, base_url: str) -> str:
    """The same path and query on another origin: how a real URL is fetched from a mirror."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
