"""The farm's page and robots.txt misbehaviours: the pure rewrites, and each fault as served."""

from __future__ import annotations

import gzip

import aiohttp
import brotli

from newswire.farm import Assign, FarmConfig, OutletBehaviour, run_farm
from newswire.farm.misbehaviours import BOMB_BYTES, amp, bomb, paywalled, wall_page

PAGE = (
    b'<html lang="en"><head><script type="application/ld+json">{"@type": "NewsArticle", '
    b'"url": "u", "articleBody": "One. Two \\"three\\"."}</script></head><body>'
    b"<p>banner</p><article><p>One.</p><p>Two.</p><p>Three.</p></article></body></html>"
)


def test_rewrites() -> None:
    cut = paywalled(PAGE)
    assert b"<p>One.</p>" in cut and b"<p>Two.</p>" not in cut and b"<p>Three.</p>" not in cut
    assert b"<p>banner</p>" in cut and b"Subscribe to continue reading" in cut
    assert b'"isAccessibleForFree": false' in cut and b"articleBody" not in cut
    assert amp(PAGE).startswith(b'<html amp lang="en">')
    for kind in ("bot_challenge", "js_shell", "consent_wall"):
        assert wall_page(kind).startswith("<!DOCTYPE html>")
    assert len(gzip.decompress(bomb("gzip"))) == BOMB_BYTES and len(bomb("gzip")) < BOMB_BYTES // 500
    assert len(brotli.decompress(bomb("br"))) == BOMB_BYTES


async def test_faults_as_served() -> None:
    faults = ["pdf", "octet_stream", "lying_length", "bot_challenge", "gzip_bomb"]
    robots = ["disallow_all", "server_error", "not_found"]
    rules = [Assign(OutletBehaviour(page_fault=f), indexes=(i,)) for i, f in enumerate(faults)]  # type: ignore[arg-type]
    rules += [Assign(OutletBehaviour(robots_fault=f), indexes=(len(faults) + i,)) for i, f in enumerate(robots)]  # type: ignore[arg-type]
    config = FarmConfig(outlets=len(faults) + len(robots), port=0, behaviours=rules, use_fixtures=False)
    async with run_farm(config) as farm, aiohttp.ClientSession(auto_decompress=False) as http:
        links = {a.outlet: a.link for a in farm.articles()}
        async with http.get(links[0]) as r:
            assert r.content_type == "application/pdf" and (await r.read()).startswith(b"%PDF-")
        async with http.get(links[1]) as r:
            assert r.content_type == "application/octet-stream"
        async with http.get(links[2]) as r:
            assert r.content_length is not None
            try:
                body = await r.read()
                assert len(body) < r.content_length
            except aiohttp.ClientPayloadError:
                pass  # the promised bytes never come
        async with http.get(links[3]) as r:
            assert r.status == 200 and "Just a moment" in await r.text()
        async with http.get(links[4]) as r:
            assert r.headers["Content-Encoding"] == "gzip" and len(await r.read()) < 1024 * 1024
        statuses = []
        for i in range(len(robots)):
            async with http.get(farm.outlets[len(faults) + i].url("/robots.txt")) as r:
                statuses.append((r.status, await r.text()))
        assert statuses[0] == (200, "User-agent: *\nDisallow: /\n")
        assert [s for s, _ in statuses[1:]] == [503, 404]
        assert farm.outlets[0].behaviour.faults == ("page_pdf",)
        assert farm.stats()["totals"]["requests"] == 8
