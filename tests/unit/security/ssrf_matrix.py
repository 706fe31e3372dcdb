"""The SSRF matrix: every address form the poller and the fetcher must refuse, shared by the
unit tests (the guard itself) and the integration tests (real requests through each stage's
HTTP client).

Each literal case names the CIDR that, once allowed by configuration
(`NEWSWIRE_ALLOW_PRIVATE_NETWORKS`), lets the same URL through: refusal is policy, not breakage.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiteralCase:
    """A URL whose host is (or normalises to) a literal non-public address."""

    id: str
    host: str
    """The host as written in the URL (brackets included for IPv6)."""
    allowed_by: str | None
    """A network that, allow-listed, permits it; None: never allowed (e.g. multicast)."""
    loopback: bool = False
    """It is a spelling of 127.0.0.1 (the integration tests can run a canary there)."""

    def url(self, port: int | None = None, path: str = "/feed") -> str:
        return f"http://{self.host}{f':{port}' if port else ''}{path}"


LITERALS: tuple[LiteralCase, ...] = (
    # loopback
    LiteralCase("loopback", "127.0.0.1", "127.0.0.0/8", loopback=True),
    LiteralCase("loopback-high", "127.255.255.254", "127.0.0.0/8"),
    LiteralCase("loopback-trailing-dot", "127.0.0.1.", "127.0.0.0/8", loopback=True),
    LiteralCase("unspecified", "0.0.0.0", "0.0.0.0/32"),
    LiteralCase("zero-short", "0", "0.0.0.0/32"),
    # every private IPv4 range (RFC 1918), carrier-grade NAT, benchmarking, IETF protocol
    LiteralCase("rfc1918-10", "10.0.0.1", "10.0.0.0/8"),
    LiteralCase("rfc1918-10-top", "10.255.255.254", "10.0.0.0/8"),
    LiteralCase("rfc1918-172", "172.16.0.1", "172.16.0.0/12"),
    LiteralCase("rfc1918-172-top", "172.31.255.254", "172.16.0.0/12"),
    LiteralCase("rfc1918-192", "192.168.0.1", "192.168.0.0/16"),
    LiteralCase("rfc1918-192-top", "192.168.255.254", "192.168.0.0/16"),
    LiteralCase("cgnat", "100.64.0.1", "100.64.0.0/10"),
    LiteralCase("benchmarking", "198.18.0.1", "198.18.0.0/15"),
    LiteralCase("ietf-protocol", "192.0.0.1", "192.0.0.0/24"),
    LiteralCase("documentation", "192.0.2.1", "192.0.2.0/24"),
    LiteralCase("multicast", "224.0.0.1", "224.0.0.0/4"),
    LiteralCase("broadcast", "255.255.255.255", "255.255.255.255/32"),
    LiteralCase("reserved-240", "240.0.0.1", "240.0.0.0/4"),
    # link-local and cloud metadata
    LiteralCase("metadata-aws-gcp-azure", "169.254.169.254", "169.254.0.0/16"),
    LiteralCase("link-local-v4", "169.254.0.1", "169.254.0.0/16"),
    LiteralCase("metadata-aws-v6", "[fd00:ec2::254]", "fd00::/8"),
    LiteralCase("link-local-v6", "[fe80::1]", "fe80::/10"),
    LiteralCase("link-local-v6-zone", "[fe80::1%25eth0]", "fe80::/10"),
    # IPv6 loopback, unspecified, unique-local
    LiteralCase("v6-loopback", "[::1]", "::1/128"),
    LiteralCase("v6-loopback-long", "[0:0:0:0:0:0:0:1]", "::1/128"),
    LiteralCase("v6-unspecified", "[::]", "::/128"),
    LiteralCase("v6-ula-fc", "[fc00::1]", "fc00::/7"),
    LiteralCase("v6-ula-fd", "[fd12:3456:789a::1]", "fc00::/7"),
    LiteralCase("v6-multicast", "[ff02::1]", "ff00::/8"),
    # IPv4 in IPv6 clothing
    LiteralCase("v4-mapped-loopback", "[::ffff:127.0.0.1]", "127.0.0.0/8"),
    LiteralCase("v4-mapped-hex", "[::ffff:7f00:1]", "127.0.0.0/8"),
    LiteralCase("v4-mapped-private", "[::ffff:10.0.0.1]", "10.0.0.0/8"),
    LiteralCase("v4-mapped-metadata", "[::ffff:169.254.169.254]", "169.254.0.0/16"),
    LiteralCase("v4-mapped-long", "[0:0:0:0:0:ffff:127.0.0.1]", "127.0.0.0/8"),
    LiteralCase("v4-compatible", "[::127.0.0.1]", "::/96"),
    LiteralCase("nat64-loopback", "[64:ff9b::7f00:1]", "64:ff9b::/96"),
    LiteralCase("nat64-metadata", "[64:ff9b::a9fe:a9fe]", "64:ff9b::/96"),
    LiteralCase("nat64-local-use", "[64:ff9b:1::a00:1]", "64:ff9b:1::/48"),
    LiteralCase("6to4-loopback", "[2002:7f00:1::]", "127.0.0.0/8"),
    LiteralCase("6to4-metadata", "[2002:a9fe:a9fe::1]", "169.254.0.0/16"),
    LiteralCase("teredo", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "2001::/32"),
    # numeric spellings the system resolver accepts (inet_aton)
    LiteralCase("decimal-loopback", "2130706433", "127.0.0.0/8", loopback=True),
    LiteralCase("decimal-private", "167772161", "10.0.0.0/8"),
    LiteralCase("decimal-metadata", "2852039166", "169.254.0.0/16"),
    LiteralCase("octal-loopback", "0177.0.0.1", "127.0.0.0/8", loopback=True),
    LiteralCase("octal-private", "012.0.0.1", "10.0.0.0/8"),
    LiteralCase("octal-metadata", "0251.0376.0251.0376", "169.254.0.0/16"),
    LiteralCase("octal-long", "017700000001", "127.0.0.0/8", loopback=True),
    LiteralCase("hex-short", "0x7f.1", "127.0.0.0/8", loopback=True),
    LiteralCase("hex-whole", "0x7f000001", "127.0.0.0/8", loopback=True),
    LiteralCase("hex-dotted-metadata", "0xa9.0xfe.0xa9.0xfe", "169.254.0.0/16"),
    LiteralCase("hex-mixed", "0x7f.0.0.01", "127.0.0.0/8", loopback=True),
    LiteralCase("short-two-parts", "127.1", "127.0.0.0/8", loopback=True),
    LiteralCase("short-private", "10.1", "10.0.0.0/8"),
    LiteralCase("short-metadata", "169.254.43518", "169.254.0.0/16"),
    # Unicode spellings that IDNA/NFKC normalisation turns into the literal 127.0.0.1
    LiteralCase("idna-circled-digits", "①②⑦.0.0.1", "127.0.0.0/8", loopback=True),
    LiteralCase("idna-ideographic-dots", "127。0。0。1", "127.0.0.0/8", loopback=True),
    LiteralCase("idna-fullwidth-digits", "１２７.０.０.１", "127.0.0.0/8", loopback=True),
)


@dataclass(frozen=True)
class NameCase:
    """A DNS name that resolves only to non-public addresses."""

    id: str
    host: str
    addresses: tuple[str, ...]
    allowed_by: str


NAMES: tuple[NameCase, ...] = (
    NameCase("localhost", "localhost", ("127.0.0.1", "::1"), "127.0.0.0/8"),
    NameCase("sub-localhost", "news.localhost", ("127.0.0.1",), "127.0.0.0/8"),
    NameCase("internal-rfc1918", "intranet.corp.example", ("10.20.30.40",), "10.0.0.0/8"),
    NameCase("metadata-name", "metadata.google.internal", ("169.254.169.254",), "169.254.0.0/16"),
    NameCase("ula-only", "v6.corp.example", ("fd00::10",), "fc00::/7"),
    NameCase("mapped-answer", "mapped.example", ("::ffff:192.168.1.1",), "192.168.0.0/16"),
    NameCase("rebinding-all-private", "rebind.example", ("192.168.1.1", "10.0.0.1", "127.0.0.1"), "0.0.0.0/0"),
)

#: Schemes other than http(s): refused whatever the configuration.
SCHEMES: tuple[tuple[str, str], ...] = (
    ("file", "file:///etc/passwd"),
    ("file-host", "file://localhost/etc/passwd"),
    ("gopher", "gopher://127.0.0.1:6379/_INFO"),
    ("ftp", "ftp://ftp.example.com/pub/feed.xml"),
    ("data", "data:text/html,<h1>hi</h1>"),
    ("javascript", "javascript:alert(document.domain)"),
    ("dict", "dict://127.0.0.1:11211/stats"),
    ("ldap", "ldap://127.0.0.1/dc=example"),
    ("jar", "jar:http://example.com/a.jar!/x"),
    ("scheme-relative", "//example.com/feed"),
    ("no-scheme", "example.com/feed"),
    ("credentials", "http://admin:secret@example.com/feed"),
)
