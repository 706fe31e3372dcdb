"""Address and URL checks shared by everything that makes outbound HTTP requests (the SSRF
guard), redirect-loop detection and Retry-After parsing. Pure: no I/O."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from yarl import URL

# Defined in `newswire.net.errors`; re-exported for the modules that import it from here.
from newswire.net.errors import TransportError as TransportError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# -- SSRF guard -------------------------------------------------------------------------------


def _as_address(ip: str | IPAddress) -> IPAddress:
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address):
        # ::ffff:a.b.c.d and the like are the IPv4 address in disguise.
        mapped = addr.ipv4_mapped or addr.sixtofour
        if mapped is not None:
            return mapped
    return addr


def address_allowed(ip: str | IPAddress, allowlist: Iterable[IPNetwork] = ()) -> bool:
    """True if a request may go to `ip`: a public unicast address, or one inside `allowlist`.

    Refused otherwise: loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the
    cloud metadata endpoints, fe80::/10), multicast, reserved, unspecified and other non-global
    ranges (e.g. 100.64/10).
    """
    try:
        addr = _as_address(ip)
    except ValueError:
        return False
    for net in allowlist:
        if addr.version == net.version and addr in net:
            return True
    if (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
    ):
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local:
        return False
    return addr.is_global


@dataclass(frozen=True)
class UrlProblem:
    """Why a URL may not be fetched."""

    failure: Literal["bad_url", "refused_address"]
    detail: str


def check_url(url: str, allowlist: Iterable[IPNetwork] = ()) -> UrlProblem | None:
    """None if `url` may be requested; else why not. Host names are checked again when they
    resolve (see the adapter's resolver); literal IP hosts are checked here."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        return UrlProblem("bad_url", f"unparseable URL: {exc}")
    del port
    if parts.scheme.lower() not in ("http", "https"):
        return UrlProblem("bad_url", f"scheme {parts.scheme!r} not allowed")
    if parts.username is not None or parts.password is not None:
        return UrlProblem("bad_url", "URLs with credentials are not fetched")
    host = parts.hostname
    if not host:
        return UrlProblem("bad_url", "URL has no host")
    try:
        # The host as the HTTP client will see it: yarl (under aiohttp) IDNA/NFKC-normalises it,
        # so "①②⑦.0.0.1" or "127。0。0。1" become the literal 127.0.0.1, which aiohttp then
        # connects to without asking the (guarded) resolver.
        effective = URL(url).host or host
    except (ValueError, UnicodeError) as exc:
        return UrlProblem("bad_url", f"unparseable host: {exc}")
    literal = literal_address(effective)
    if literal is None:
        return None
    if not address_allowed(literal, allowlist):
        return UrlProblem("refused_address", f"address {host} ({literal}) is not public")
    return None


# Numbers-and-dots in any base inet_aton(3) accepts: 2130706433, 0177.0.0.1, 0x7f.1, 127.1.
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)


def literal_address(host: str) -> IPAddress | None:
    """The IP address a URL host names literally, or None for a DNS name.

    Besides dotted-quad IPv4 and IPv6 this reads every numeric form the system's resolver
    (getaddrinfo/inet_aton) would turn into an address: decimal (2130706433), octal
    (0177.0.0.1), hex (0x7f.1) and short forms (127.1). Checking them here refuses them with a
    clear reason before any connection is attempted (the guarded resolver would catch them at
    connect time too)."""
    bare = host.strip("[]").split("%", 1)[0].rstrip(".")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


# -- redirects --------------------------------------------------------------------------------


def redirect_target(current_url: str, location: str) -> str:
    """The absolute URL a Location header points to."""
    return urljoin(current_url, location.strip())


def _loop_key(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def is_redirect_loop(visited: Sequence[str], next_url: str) -> bool:
    """True if `next_url` was already visited in this chain (fragments and case of the scheme
    and host ignored; query strings kept, since they often are the whole difference)."""
    key = _loop_key(next_url)
    return any(_loop_key(u) == key for u in visited)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
