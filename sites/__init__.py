"""The registry: every module (or package) in `sites/` that defines SITE is a site kabar can ingest, and
so is every `[[site]]` table of kabar.toml (sites/configured.py), after the modules: a module wins for
its hosts. The bundled demo's configured site is found by name and URL but is not registered
(`all_sites()`): it has no real host to schedule or deploy; `kabar demo` ingests it from its mirror."""

import importlib
import pkgutil
from functools import cache, lru_cache

from kabar.config import config_file
from kabar.sites.base import Layout, Reading, Site

__all__ = [
    "Layout",
    "Reading",
    "Site",
    "UnknownSite",
    "all_sites",
    "demo_sites",
    "get_site",
    "site_for_url",
]
# generic: any host without a module (sites.generic); configured: the [[site]] tables' sites
_NOT_SITES = {"base", "html", "indonesian", "generic", "configured", "configured_demo"}


class UnknownSite(KeyError):
    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r}; known: {', '.join(sorted(all_sites()))}"


@cache
def _modules() -> dict[str, Site]:
    found = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name not in _NOT_SITES:
            site = getattr(importlib.import_module(f"{__name__}.{module_info.name}"), "SITE", None)
            if isinstance(site, Site):
                found[site.name] = site
    return found


def all_sites() -> dict[str, Site]:
    """The registered sites: the site modules, then the configuration file's `[[site]]` sites."""
    return _modules() | _configured(_file_key())


def _file_key() -> tuple[str, int, int] | None:
    """The configuration file in force and its state: its sites are read again when it changes."""
    path = config_file()
    if path is None:
        return None
    stat = path.stat()
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _configured(key: tuple[str, int, int] | None) -> dict[str, Site]:
    if key is None:
        return {}
    from kabar.config import declared_sites
    from kabar.sites.configured import build

    return build(declared_sites(), _modules())


@cache
def demo_sites() -> dict[str, Site]:
    """The bundled demo's configured sites (not registered: found by `get_site` and `site_for_url`)."""
    from kabar.sites.configured import build, demo_declarations

    return build(demo_declarations(), _modules())


def get_site(name: str) -> Site:
    sites = all_sites()
    if name in sites:
        return sites[name]
    if name in demo_sites():
        return demo_sites()[name]
    raise UnknownSite(name)


def site_for_url(url: str) -> Site | None:
    """The site whose domains include the URL's host: a module's first, then a configured one's."""
    return next((site for site in (*all_sites().values(), *demo_sites().values()) if site.owns(url)), None)
