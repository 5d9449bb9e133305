"""Who may open a connection to the webhook server, and how many each address may hold.

Checked when a connection is accepted, before it counts against the server's cap
(bot/webhook.py): a connection from outside the allowed networks, or one more than its
address may hold, is reset at once. It never reaches HTTP parsing and never takes a
place that Telegram's next delivery needs, however fast it reconnects.

Telegram posts webhook updates from two IPv4 ranges only. Its guide says a webhook
server "Accepts incoming POSTs from subnets 149.154.160.0/20 and 91.108.4.0/22" and
"IPv6 is currently not supported for webhooks", and warns that "the range might expand
or change" (https://core.telegram.org/bots/webhooks, "The short version" and "An open
port"). So by default those two ranges are admitted, plus loopback (a reverse proxy on
the same host, local health checks); WEBHOOK_ALLOWED_NETWORKS replaces the default.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

log = logging.getLogger("stridecoach.bot.webhook")

TELEGRAM_WEBHOOK_NETWORKS = ("149.154.160.0/20", "91.108.4.0/22")
LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
DEFAULT_ALLOWED_NETWORKS = TELEGRAM_WEBHOOK_NETWORKS + LOOPBACK_NETWORKS
# The word that admits every address (a proxy on another host that filters for us).
ANY = "any"
SETTING = "WEBHOOK_ALLOWED_NETWORKS"

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def parse_allowed_networks(text: str | None) -> tuple[Network, ...]:
    """WEBHOOK_ALLOWED_NETWORKS as networks (the default when unset or blank).

    Raises ValueError with a sentence for the operator when an entry is not an address
    or a network in CIDR form.
    """
    if text is None or not text.strip():
        return tuple(ip_network(network) for network in DEFAULT_ALLOWED_NETWORKS)
    networks: list[Network] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            raise ValueError(f"{SETTING} has an empty entry (two commas in a row, or a comma at an end): "
                             f"{text!r}")
        if entry.lower() == ANY:
            networks += [ip_network("0.0.0.0/0"), ip_network("::/0")]
            continue
        try:
            networks.append(ip_network(entry))  # strict: "10.0.0.1/8" is a typo, not 10.0.0.0/8
        except ValueError as exc:
            raise ValueError(
                f"{SETTING}: {entry!r} is not an IP address or a network in CIDR form ({exc}); "
                f"write e.g. {','.join(TELEGRAM_WEBHOOK_NETWORKS)},127.0.0.1/32, or {ANY!r} to admit every address"
            ) from None
    return tuple(networks)


def client_ip(address: Any) -> Address | None:
    """The peer's IP address from a socket address; IPv4-mapped IPv6 (a dual-stack
    listener) as plain IPv4. None when it is not an IP address."""
    try:
        ip = ip_address(address[0])
    except (ValueError, TypeError, IndexError):
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass
class Admission:
    """The allowed networks and the per-address limit, with the connections each address holds."""

    networks: tuple[Network, ...]
    per_address: int
    open_by_address: Counter[Address] = field(default_factory=Counter)

    @classmethod
    def anyone(cls, per_address: int) -> Admission:
        return cls(parse_allowed_networks(ANY), per_address)

    def refusal(self, ip: Address | None) -> str | None:
        """Why a new connection from `ip` is refused; None to admit it."""
        if ip is None or not any(ip in network for network in self.networks):
            return f"from outside {SETTING}"
        if self.open_by_address[ip] >= self.per_address:
            return f"over {self.per_address} open connections from one address"
        return None

    def opened(self, ip: Address) -> None:
        self.open_by_address[ip] += 1

    def closed(self, ip: Address) -> None:
        self.open_by_address[ip] -= 1
        if self.open_by_address[ip] <= 0:
            del self.open_by_address[ip]


@dataclass
class RefusalLog:
    """One warning line per reason at most every `interval` seconds, with the count since the
    previous line: an attack of thousands of connections a second must not flood the log."""

    interval: float = 10.0
    _counts: Counter[str] = field(default_factory=Counter)
    _last: dict[str, float] = field(default_factory=dict)

    def note(self, reason: str, ip: Address | None) -> None:
        self._counts[reason] += 1
        now = time.monotonic()
        if now - self._last.get(reason, -self.interval) < self.interval:
            return
        count = self._counts.pop(reason)
        self._last[reason] = now
        log.warning("webhook: refused %d connection(s) %s (the last from %s)", count, reason, ip or "?")
