"""The client's address, also behind reverse proxies (``GRIDGOV_TRUSTED_PROXIES``).

Behind nginx or Caddy every request comes from the proxy's address: a sign-in lock-out or a rate
limit keyed on ``REMOTE_ADDR`` would then treat the whole county as one client. Proxies append
the address they were reached from to ``X-Forwarded-For``; anybody can send that header, so it
is read only when the peer is a proxy the operator named, and only from the right: each hop
written by a trusted proxy is believed, the first address that is not a trusted proxy is the
client. Without the setting the header is ignored and the peer is the client.

Every place that needs the client's address (sign-in lock-out, the public report limit, the
audit log's "from where") asks ``client_address``.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# An IPv6 client usually holds a whole /64 and can pick any address in it at will: limits count
# the /64, as they count one IPv4 address.
IPV6_LIMIT_PREFIX = 64


def trusted_proxies() -> tuple[Network, ...]:
    """``GRIDGOV_TRUSTED_PROXIES`` parsed; ImproperlyConfigured names an entry that is not an
    address or a network."""
    return _parse_networks(tuple(getattr(settings, "GRIDGOV_TRUSTED_PROXIES", ()) or ()))


@functools.lru_cache(maxsize=8)
def _parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"GRIDGOV_TRUSTED_PROXIES: {text!r} is not an IP address or network (CIDR)"
            ) from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """One address as a peer or a proxy writes it, or None if it is not one.

    Accepts ``1.2.3.4``, ``1.2.3.4:5678``, ``2001:db8::1``, ``[2001:db8::1]:443``; an IPv4
    address mapped into IPv6 (``::ffff:1.2.3.4``) is the IPv4 address. Refuses anything else
    (``unknown``, an obfuscated name, a zone id, garbage).
    """
    text = (text or "").strip().strip('"')
    if not text or len(text) > 64:
        return None
    if text.startswith("["):  # [v6] or [v6]:port
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    if "%" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(request: Any) -> str:
    """The client's address as text ('' when unknown).

    The peer (``REMOTE_ADDR``) unless it is a trusted proxy; then ``X-Forwarded-For`` from the
    right, skipping trusted proxies. An entry that is not an address stops the walk at the last
    address known for sure (a trusted hop): it can lump clients together, never make one
    client pass for another.
    """
    if request is None:
        return ""
    meta = getattr(request, "META", {})
    raw_peer = meta.get("REMOTE_ADDR") or ""
    peer = parse_address(raw_peer)
    if peer is None:
        return raw_peer.strip()[:45]
    networks = trusted_proxies()
    if not networks or not _trusted(peer, networks):
        return str(peer)
    known = peer
    # Several X-Forwarded-For headers arrive joined by commas, in order.
    hops = (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        if not hop.strip():
            continue
        address = parse_address(hop)
        if address is None:
            break
        known = address
        if not _trusted(address, networks):
            break
    return str(known)


def limit_key(address: str) -> str:
    """The key a per-address limit counts on: the address, or for IPv6 its /64."""
    parsed = parse_address(address)
    if parsed is None:
        return (address or "")[:45]
    if isinstance(parsed, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((parsed, IPV6_LIMIT_PREFIX), strict=False)
        return str(network)
    return str(parsed)
