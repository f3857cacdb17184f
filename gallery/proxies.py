"""The client's address behind a reverse proxy, trusted only from the proxies configured.

Behind the TLS proxy the README asks for, every request comes from the proxy's
address; keyed on it, one client's failed sign-ins would limit everyone. With
``GALLERY_TRUSTED_PROXIES`` (addresses or networks, comma-separated) a request
that comes from one of them is passed through werkzeug's ``ProxyFix`` (one hop:
the client address the proxy appended to ``X-Forwarded-For``, and the scheme from
``X-Forwarded-Proto``). From anywhere else the headers are ignored, so a client
that reaches the app directly cannot name its own address.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> list[Network]:
    """``"10.0.0.1, 192.168.0.0/24"`` -> networks; ValueError names an entry that is not one."""
    networks = []
    for entry in (part.strip() for part in value.split(",")):
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"GALLERY_TRUSTED_PROXIES: {entry!r} is not an address or network") from None
    return networks


def _within(address: str | None, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """WSGI middleware: ``ProxyFix`` for requests from a trusted proxy, nothing for the others."""

    def __init__(self, app: Callable[..., Any], networks: list[Network]) -> None:
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if _within(environ.get("REMOTE_ADDR"), self.networks):
            environ["gallery.behind_trusted_proxy"] = True
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
