"""Where a webhook may be sent: never into the service's own network unless allowed.

A subscriber chooses the URL, so without a check it could make the service call
addresses only the service can reach (server-side request forgery): its loopback, the
private network around it, link-local addresses and the cloud metadata service at
169.254.169.254. The host is resolved first and every address it resolves to is checked,
and the request then goes to a checked address, so a name that resolves differently a
moment later (DNS rebinding) gains nothing. Redirects are not followed.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The target may not be called; the reason names the address and why."""


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    address: IPAddress


def check_url(url: str) -> None:
    """A subscription's URL as given: http or https with a host, else a 422 on `url`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("the URL must be http or https with a host", field="url")


def why_refused(address: IPAddress, *, allow_loopback: bool, allow_private: bool) -> str | None:
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_link_local:
        return "a link-local address (the cloud metadata service is one)"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "an address no webhook is sent to"
    if address.is_private or not address.is_global:
        return None if allow_private else "a private address"
    return None


def resolve(url: str, *, allow_loopback: bool, allow_private: bool) -> Target:
    """The address to send to; `Refused` when any address of the host is forbidden.

    Blocking (name resolution): run it in a thread."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused(f"{host} does not resolve: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise Refused(f"{host} resolves to no address")
    for address in addresses:
        reason = why_refused(address, allow_loopback=allow_loopback, allow_private=allow_private)
        if reason is not None:
            raise Refused(f"{host} resolves to {address}, {reason}")
    return Target(url=url, host=host, port=port, address=addresses[0])
