"""The SSRF guard, table-driven: every address form of `ssrf_matrix` is refused on the poller's
and on the fetcher's settings, unless its network is allow-listed by configuration."""

from __future__ import annotations

import ipaddress
import socket
from typing import TypeAlias

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from newswire.fetcher.settings import FetcherSettings
from newswire.net.addresses import check_url, literal_address
from newswire.net.http import GuardedResolver, RefusedAddress
from newswire.poller.settings import PollerSettings
from tests.unit.security.ssrf_matrix import LITERALS, NAMES, SCHEMES, LiteralCase, NameCase

PATHS = ("poller", "fetcher")
Settings: TypeAlias = PollerSettings | FetcherSettings


def settings_of(path: str, allow: list[str]) -> Settings:
    nets = [ipaddress.ip_network(n) for n in allow]
    if path == "poller":
        return PollerSettings(allow_private_networks=nets)  # type: ignore[call-arg,no-any-return]
    return FetcherSettings(allow_private_networks=nets)  # type: ignore[call-arg,no-any-return]


class FakeDns(AbstractResolver):
    """The resolver seam: fixed answers instead of the system's DNS."""

    def __init__(self, answers: dict[str, tuple[str, ...]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=ip, port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET, proto=0, flags=0,
            )
            for ip in self.answers[host]
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", LITERALS, ids=[c.id for c in LITERALS])
def test_literal_address_forms_are_refused_unless_allowed(case: LiteralCase, path: str) -> None:
    refused = check_url(case.url(8080), settings_of(path, []).allow_private_networks)
    assert refused is not None and refused.failure == "refused_address", (case, refused)
    assert case.host.strip("[]").split("%")[0] in refused.detail or "(" in refused.detail
    if case.allowed_by is not None:
        allowed = check_url(case.url(8080), settings_of(path, [case.allowed_by]).allow_private_networks)
        assert allowed is None, (case, allowed)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", NAMES, ids=[c.id for c in NAMES])
async def test_names_resolving_to_private_addresses_are_refused(case: NameCase, path: str) -> None:
    dns = FakeDns({case.host: case.addresses})
    url = f"http://{case.host}/feed"
    assert check_url(url, settings_of(path, []).allow_private_networks) is None  # a name: checked on resolution
    guard = GuardedResolver(settings_of(path, []).allow_private_networks, dns)
    with pytest.raises(RefusedAddress, match=case.host):
        await guard.resolve(case.host, 80)
    allowed = GuardedResolver(settings_of(path, [case.allowed_by]).allow_private_networks, dns)
    assert {r["host"] for r in await allowed.resolve(case.host, 80)} & set(case.addresses)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("name", "url"), SCHEMES, ids=[s[0] for s in SCHEMES])
def test_non_http_schemes_are_refused_whatever_the_configuration(name: str, url: str, path: str) -> None:
    everything = settings_of(path, ["0.0.0.0/0", "::/0"]).allow_private_networks
    problem = check_url(url, everything)
    assert problem is not None and problem.failure == "bad_url", (name, problem)


def test_allow_list_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", '["10.0.0.0/8", "fc00::/7"]')
    for cls in (PollerSettings, FetcherSettings):
        allow = cls().allow_private_networks
        assert check_url("http://10.1.2.3/", allow) is None
        assert check_url("http://0xa.1/", allow) is None  # 10.0.0.1, spelt in hex
        assert check_url("http://[fd00::1]/", allow) is None
        problem = check_url("http://169.254.169.254/", allow)
        assert problem is not None and problem.failure == "refused_address"


@pytest.mark.parametrize(
    ("host", "address"),
    [("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0177.0.0.01", "127.0.0.1"),
     ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"), ("[::1]", "::1"), ("127.0.0.1.", "127.0.0.1"),
     ("example.com", None), ("1e100.net", None), ("0x7f.example", None), ("deadbeef", None),
     ("127.0.0.256", None), ("4294967296", None)],
)
def test_literal_address_reads_what_the_resolver_would(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found is not None else None) == address


def test_public_literals_still_pass() -> None:
    for url in ("http://93.184.216.34/", "http://1572395042/", "http://[2606:4700:4700::1111]/",
                "http://[::ffff:8.8.8.8]/", "http://[2002:808:808::]/", "https://news.example.com/feed"):
        assert check_url(url) is None, url
