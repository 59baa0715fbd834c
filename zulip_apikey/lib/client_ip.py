"""The client's IP address, for the per-IP rate limit and the login log.

``REMOTE_ADDR`` is the peer of the TCP connection, which nobody can forge. Behind a reverse
proxy it is the proxy, so ``X-Forwarded-For`` must be read instead, but only when the request
really came through a proxy the project trusts (``ZULIP_APIKEY["TRUSTED_PROXIES"]``): anyone
else can write any ``X-Forwarded-For`` they like, and believing it would let an attacker pick
a fresh IP bucket for every guess.

Each proxy appends the address it received the connection from, so the header is walked from
the right: trusted proxies are skipped, and the first address that is not one is the client.
Everything to the left of it was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from zulip_apikey import conf

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted_proxies(entries: Iterable[str]) -> list[IPNetwork]:
    """``TRUSTED_PROXIES`` entries (addresses or CIDR networks) as networks.

    Raises ``ImproperlyConfigured`` naming the first entry that is neither.
    """
    networks: list[IPNetwork] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError as e:
            raise ImproperlyConfigured(
                f'ZULIP_APIKEY["TRUSTED_PROXIES"] has {entry!r}, which is neither an IP '
                "address nor a CIDR network."
            ) from e
    return networks


def parse_ip(value: str) -> IPAddress | None:
    """An address from a header hop: ``1.2.3.4``, ``1.2.3.4:port``, ``::1``, ``[::1]:port``.

    Some proxies (Azure's, for one) append the client's port; it is dropped. Anything else is
    not an address (``None``).
    """
    value = value.strip()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket is the same client as over IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: list[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def get_client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as a normalized string."""
    remote_addr = str(request.META.get("REMOTE_ADDR", ""))
    remote = parse_ip(remote_addr)
    if remote is None:
        return remote_addr
    networks = parse_trusted_proxies(conf.get("TRUSTED_PROXIES"))
    if not _is_trusted(remote, networks):
        return str(remote)
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    client = remote
    for hop in reversed(hops):
        address = parse_ip(hop)
        if address is None:
            # A trusted proxy never writes this; whatever is left of it came from the client.
            # Stay with the last trusted hop rather than key a bucket on attacker text.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
