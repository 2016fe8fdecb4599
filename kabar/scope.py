"""Which URLs a crawl may request: the site's own hosts (or, crawling a mirror, the mirror alone), over
http(s), and for real sites never a host that resolves to a loopback, private, link-local (cloud
metadata), reserved or multicast address. Checked for every request and every redirect hop.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import urlsplit

Resolver = Callable[[str], Iterable[str]]  # host -> its IP addresses


def system_resolver(host: str) -> list[str]:
    try:
        return [info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]
    except (socket.gaierror, UnicodeError):
        return []  # unresolvable: the request itself fails and says so


class Scope:
    """`hosts` empty: any host; `mirror`: only that origin (nothing leaves a mirror); `allow_private`:
    addresses of this machine's networks are fine (a local mirror, a test server)."""

    def __init__(
        self,
        hosts: Iterable[str] = (),
        *,
        mirror: str | None = None,
        allow_private: bool = False,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.hosts = tuple(h.lower() for h in hosts)
        self.mirror = _origin(mirror) if mirror else None
        self.allow_private = allow_private or mirror is not None
        self._addresses = lru_cache(maxsize=256)(lambda host: tuple(resolve(host)))

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be requested, or None when it may."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018  (a malformed port raises here)
        except ValueError:
            return f"malformed URL {url!r}"
        if parts.scheme not in ("http", "https") or not host:
            return f"not an http(s) URL: {url!r}"
        if self.mirror:
            return None if _origin(url) == self.mirror else f"{url} leaves the mirror {self.mirror}"
        if self.hosts and not any(host == h or host.endswith("." + h) for h in self.hosts):
            return f"{host} is not a host of the site"
        return None if self.allow_private else self._private(host)

    def _private(self, host: str) -> str | None:
        for address in self._addresses(host):
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                return f"{host} resolves to {ip}, not a public address"
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"
