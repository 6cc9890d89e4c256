"""Which URLs a webhook may be sent to: ``INVENTORY_WEBHOOK_ALLOWED_NETWORKS`` and the addresses never
reached unless listed there (loopback, link-local, private, cloud metadata).

- An entry of the list is a hostname (matched exactly, ignoring case) or a network in CIDR form.
- A target whose hostname is listed is allowed as it is.
- An address (a literal one, or what a hostname resolves to at delivery) is allowed when a listed
  network holds it; otherwise only a public (globally routable, not metadata) address is, and only
  while the list is empty. With a list set, only what it names is reachable.
- At creation a hostname is not resolved (a name may not resolve yet, and resolving is slow); the
  worker resolves it before each delivery and refuses it when an address is not allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
"""Cloud instance-metadata services (AWS, GCP and Azure share the first; Alibaba the last)."""
LOCAL_NAMES = ("localhost", "metadata", "metadata.google.internal")


class TargetRefused(ValueError):
    """A URL the service will not send to, with the reason in words."""


@dataclass(frozen=True)
class AllowList:
    """The parsed ``INVENTORY_WEBHOOK_ALLOWED_NETWORKS``."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (part.strip() for part in (text or "").split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    @property
    def restricted(self) -> bool:
        return bool(self.hosts or self.networks)

    def allows_address(self, address: IPAddress) -> bool:
        if any(address in network for network in self.networks if network.version == address.version):
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return self.allows_address(address.ipv4_mapped)
        return not self.restricted and address.is_global and address not in METADATA_ADDRESSES


def _host(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"is not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("must be an http or https URL")
    if not parts.hostname:
        raise TargetRefused("must name a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not carry credentials (user:password@); authenticate deliveries by their signature")
    if parts.fragment:
        raise TargetRefused("must not have a #fragment")
    return parts.hostname.lower().rstrip("."), port or (443 if parts.scheme == "https" else 80)


def _refusal(address: IPAddress, allow: AllowList) -> str:
    if allow.restricted:
        return f"address {address} is not in INVENTORY_WEBHOOK_ALLOWED_NETWORKS"
    return (
        f"address {address} is not a public address (loopback, link-local, private and metadata addresses are "
        "refused unless INVENTORY_WEBHOOK_ALLOWED_NETWORKS lists them)"
    )


def check_url(url: str, allow: AllowList) -> None:
    """Refuse (``TargetRefused``) a URL that may not be a webhook target, without resolving its name."""
    host, _ = _host(url)
    if host in allow.hosts:
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if not allow.allows_address(address):
            raise TargetRefused(_refusal(address, allow))
        return
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        raise TargetRefused(f"host {host} is local (list it in INVENTORY_WEBHOOK_ALLOWED_NETWORKS to allow it)")
    if allow.restricted:
        raise TargetRefused(f"host {host} is not listed in INVENTORY_WEBHOOK_ALLOWED_NETWORKS")


def check_resolved(url: str, allow: AllowList) -> None:
    """Before a delivery: refuse the URL when its host, resolved now, has an address that is not allowed."""
    check_url(url, allow)
    host, port = _host(url)
    if host in allow.hosts:
        return
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise TargetRefused(f"host {host} does not resolve ({error.strerror or error})") from None
    for *_, sockaddr in found:
        if not isinstance(sockaddr[0], str):  # IPv4/IPv6 give (host, port, ...); anything else is not an address
            raise TargetRefused(f"host {host} resolves to an address that is not IPv4 or IPv6")
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not allow.allows_address(address):
            raise TargetRefused(f"host {host} resolves to a refused {_refusal(address, allow)}")
