"""The registry: every module (or package) in `sites/` that defines SITE is a site kabar can ingest."""

import importlib
import pkgutil
from functools import cache

from kabar.sites.base import Layout, Reading, Site

__all__ = ["Layout", "Reading", "Site", "UnknownSite", "all_sites", "get_site", "site_for_url"]
_NOT_SITES = {"base", "html", "indonesian", "generic"}  # generic: any host without a module (sites.generic)


class UnknownSite(KeyError):
    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r}; known: {', '.join(sorted(all_sites()))}"


@cache
def all_sites() -> dict[str, Site]:
    found = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name not in _NOT_SITES:
            site = getattr(importlib.import_module(f"{__name__}.{module_info.name}"), "SITE", None)
            if isinstance(site, Site):
                found[site.name] = site
    return found


def get_site(name: str) -> Site:
    try:
        return all_sites()[name]
    except KeyError:
        raise UnknownSite(name) from None


def site_for_url(url: str) -> Site | None:
    """The site whose domains include the URL's host."""
    return next((site for site in all_sites().values() if site.owns(url)), None)
