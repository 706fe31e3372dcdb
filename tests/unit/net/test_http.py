"""The fetcher's adapter pieces that need no network: the guarded resolver and the host limiter."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from newswire.net.http import GuardedResolver, HostLimiter, RefusedAddress, transport_error


class FakeResolver(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=ip, port=port, family=family, proto=0, flags=0)
            for ip in self.answers[host]
        ]

    async def close(self) -> None:
        pass


async def test_guarded_resolver() -> None:
    inner = FakeResolver({
        "public.example": ["93.184.216.34"],
        "metadata.example": ["169.254.169.254"],
        "mixed.example": ["10.0.0.1", "93.184.216.34"],
        "farm.example": ["127.0.1.1"],
    })
    guard = GuardedResolver([], inner)
    assert [r["host"] for r in await guard.resolve("public.example")] == ["93.184.216.34"]
    assert [r["host"] for r in await guard.resolve("mixed.example")] == ["93.184.216.34"]
    with pytest.raises(RefusedAddress):
        await guard.resolve("metadata.example")
    with pytest.raises(RefusedAddress):
        await guard.resolve("farm.example")
    allowed = GuardedResolver([ipaddress.ip_network("127.0.0.0/8")], inner)
    assert [r["host"] for r in await allowed.resolve("farm.example")] == ["127.0.1.1"]
    assert transport_error(RefusedAddress("x"))[0] == "refused_address"
    assert transport_error(asyncio.TimeoutError())[0] == "timeout"
    assert transport_error(ConnectionRefusedError())[0] == "connect"


async def test_host_limiter_caps_concurrency_and_spaces_starts() -> None:
    limiter = HostLimiter(per_host=2, min_delay_s=0.05)
    running: dict[str, int] = {"a": 0, "b": 0}
    peak: dict[str, int] = {"a": 0, "b": 0}
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    async def job(host: str) -> Any:
        async with limiter.slot(host):
            if host == "a":
                starts.append(loop.time())
            running[host] += 1
            peak[host] = max(peak[host], running[host])
            await asyncio.sleep(0.12)
            running[host] -= 1

    await asyncio.gather(*(job("a") for _ in range(6)), *(job("b") for _ in range(3)))
    assert peak == {"a": 2, "b": 2}
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert all(g >= 0.045 for g in gaps), gaps
    assert limiter.in_use("a") == 0


async def test_host_limiter_own_delay_per_host() -> None:
    limiter = HostLimiter(per_host=2, min_delay_s=0.01)
    assert limiter.per_host == 2 and limiter.delay_of("a") == 0.01
    limiter.set_delay("a", 0.08)
    limiter.set_delay("b", 0.0)  # never below the limiter's floor
    assert limiter.delay_of("a") == 0.08 and limiter.delay_of("b") == 0.01
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    async def job() -> None:
        async with limiter.slot("a"):
            starts.append(loop.time())

    await asyncio.gather(*(job() for _ in range(3)))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert all(g >= 0.075 for g in gaps), gaps
    limiter.set_delay("a", None)
    assert limiter.delay_of("a") == 0.01


def test_transport_error_bombs_and_broken_bodies() -> None:
    import aiohttp

    from newswire.net.http import DecompressionBomb

    error, detail = transport_error(DecompressionBomb("decompressed 2000000 bytes from 10"))
    assert error == "too_large" and "bomb" in detail
    error, detail = transport_error(aiohttp.ClientPayloadError("Not enough data to satisfy content length"))
    assert error == "connect" and "incomplete" in detail
