"""Server wiring: bind every outlet address, dispatch by local address, the control endpoints.

Outlet ``i`` listens on ``127.0.<1 + i // 250>.<1 + i % 250>:<port>``; the control endpoints
listen on ``127.0.0.1:<port>``. All outlets share one aiohttp application whose catch-all
handler picks the outlet from the socket's local address, then runs that outlet's chain of
behaviour wrappers around its routes. Dead outlets are simply not bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import resource
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from newswire.farm.behaviours import KIND, Handler, OutletRuntime, build_chain, classify
from newswire.farm.catalogue import Catalogue
from newswire.farm.config import ALTERNATE_FORMATS, FarmConfig
from newswire.farm.content import outlet_name, outlet_slug
from newswire.farm.fixtures import FixtureSet, load_fixtures
from newswire.farm.misbehaviours import misbehave
from newswire.farm.model import ArticleRecord, Outlet, iso, outlet_address
from newswire.farm.routes import FEED_TYPES, feed_body, outlet_routes
from newswire.farm.websub import WebSubHub

__all__ = ["Farm", "FarmError", "bind_sockets", "ensure_fd_limit", "run_farm"]

FD_HEADROOM = 1024
PORT_ATTEMPTS = 20


class FarmError(RuntimeError):
    """The farm cannot start (port taken, too few file descriptors, ...)."""


def ensure_fd_limit(sockets: int) -> int:
    """Make sure ``sockets`` listeners plus headroom fit under RLIMIT_NOFILE; return the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = sockets + FD_HEADROOM
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < sockets + 64:
        raise FarmError(
            f"{sockets} listening sockets need a higher open-file limit (ulimit -n is {soft}); "
            "raise it or use fewer outlets"
        )
    return int(soft)


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def bind_sockets(
    hosts: list[str], port: int, *, backlog: int = 512
) -> tuple[int, dict[str, socket.socket]]:
    """Bind and listen on ``port`` at every host (the first host picks it when ``port`` is 0)."""
    attempts = PORT_ATTEMPTS if port == 0 else 1
    last: OSError | None = None
    for _ in range(attempts):
        socks: dict[str, socket.socket] = {}
        try:
            first = _listen(hosts[0], port, backlog)
            socks[hosts[0]] = first
            chosen = int(first.getsockname()[1])
            for host in hosts[1:]:
                socks[host] = _listen(host, chosen, backlog)
            return chosen, socks
        except OSError as exc:
            for s in socks.values():
                s.close()
            last = exc
            if exc.errno != errno.EADDRINUSE:
                break
    where = f"port {port}" if port else "any free port"
    raise FarmError(f"cannot bind {where} on all {len(hosts)} farm addresses: {last}") from last


class Farm:
    """Many synthetic news outlets on loopback, plus stats and control on 127.0.0.1."""

    def __init__(self, config: FarmConfig | None = None, *, clock: Callable[[], float] = time.time):
        self.config = config or FarmConfig()
        self.config.validate()
        self._clock = clock
        self._port = self.config.port
        self._outlets: list[Outlet] = []
        self._runtimes: dict[str, OutletRuntime] = {}
        self._chains: dict[str, Handler] = {}
        self._runners: list[web.AppRunner] = []
        self._catalogue: Catalogue | None = None
        self.fixtures: FixtureSet = FixtureSet(dir=None, note="not started")
        self.started_at = 0.0
        self._running = False
        self.hub: WebSubHub | None = None
        self.paused = False
        """Paused: nothing new is published or edited any more; everything published is served."""
        self._push_task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def _make_outlets(self, port: int) -> list[Outlet]:
        cfg = self.config
        out = []
        for i, b in enumerate(cfg.behaviour_list()):
            fmt = b.feed_format or (
                cfg.feed_format
                if cfg.feed_format != "alternate"
                else ALTERNATE_FORMATS[i % len(ALTERNATE_FORMATS)]
            )
            body = b.jsonld_article_body
            if body is None:
                alternate = (i // 2) % 2 == 0
                body = {"always": True, "never": False}.get(cfg.jsonld_article_body, alternate)
            out.append(
                Outlet(
                    index=i,
                    name=outlet_name(i),
                    slug=outlet_slug(i),
                    host=outlet_address(i),
                    port=port,
                    feed_format=fmt,
                    jsonld_article_body=body,
                    crawl_delay=b.crawl_delay if b.crawl_delay is not None else cfg.crawl_delay,
                    behaviour=b,
                )
            )
        return out

    async def start(self) -> None:
        """Bind every live outlet and the control address, and start serving."""
        if self._running:
            raise FarmError("farm already started")
        cfg = self.config
        self.fixtures = load_fixtures(cfg.fixtures_dir, enabled=cfg.use_fixtures)
        probe = self._make_outlets(cfg.port)
        live_hosts = [o.host for o in probe if not o.dead]
        ensure_fd_limit(len(live_hosts) + 1)
        port, socks = bind_sockets([cfg.host, *live_hosts], cfg.port)
        try:
            self._port = port
            self._outlets = self._make_outlets(port)
            self.started_at = self._clock()
            self._catalogue = Catalogue(self._outlets, cfg, self.fixtures, self.started_at)
            if cfg.hub:
                self.hub = WebSubHub()
            for o in self._outlets:
                if o.dead:
                    continue
                rt = OutletRuntime(o, cfg.seed, self._clock, self.started_at)
                routes = outlet_routes(o, self._catalogue, self._clock, cfg.feed_items, self.hub_url)
                self._runtimes[o.host] = rt
                self._chains[o.host] = build_chain(rt, misbehave(o.behaviour, rt, routes))
            control = web.Application()
            self._add_control_routes(control)
            if self.hub is not None:
                control.router.add_route("*", "/hub", self.hub.handle)
            outlets_app = web.Application()
            outlets_app.router.add_route("*", "/{tail:.*}", self._dispatch)
            # Outlets first, control last: once the control URL answers, every outlet is up.
            for app, hosts in ((outlets_app, live_hosts), (control, [cfg.host])):
                runner = web.AppRunner(
                    app,
                    access_log=None,
                    handle_signals=False,
                    shutdown_timeout=cfg.shutdown_timeout,
                )
                await runner.setup()
                self._runners.append(runner)
                for host in hosts:
                    site = web.SockSite(runner, socks.pop(host))
                    await site.start()
        except BaseException:
            for s in socks.values():
                s.close()
            await self.stop()
            raise
        self._running = True
        if self.hub is not None:
            self._push_task = asyncio.create_task(self._push_loop(self.hub))

    async def stop(self) -> None:
        """Stop serving and release every socket."""
        if self._push_task is not None:
            self._push_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._push_task
            self._push_task = None
        if self.hub is not None:
            await self.hub.close()
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()
        self._running = False

    async def __aenter__(self) -> Farm:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- dispatch --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        host = None
        transport = request.transport
        if transport is not None:
            sockname = transport.get_extra_info("sockname")
            if sockname:
                host = str(sockname[0])
        if host is None:
            host = request.host.rsplit(":", 1)[0]
        chain = self._chains.get(host)
        if chain is None:
            return web.Response(status=421, text="Misdirected Request\n")
        request[KIND] = classify(request.path)
        self.advance()
        return await chain(request)

    def advance(self) -> None:
        """Bring the catalogue up to now (publish due arrivals, apply due edits), unless paused."""
        if self._catalogue is not None and not self.paused:
            self._catalogue.advance(self._clock())

    @property
    def hub_url(self) -> str | None:
        """The WebSub hub's URL when the hub is on."""
        return f"http://{self.config.host}:{self._port}/hub" if self.config.hub else None

    async def push_changes(self, hub: WebSubHub, last: dict[int, tuple[int, int]]) -> int:
        """Push each RSS or Atom feed whose articles or edits changed since `last` (updated in
        place) to its subscribers; returns how many feeds were pushed."""
        self.advance()
        catalogue = self._catalogue
        if catalogue is None:
            return 0
        pushed = 0
        for o in self._outlets:
            if o.dead or o.feed_format not in FEED_TYPES:
                continue
            state = (catalogue.published(o.index), catalogue.edits_applied(o.index))
            if last.get(o.index) == state:
                continue
            last[o.index] = state
            if not hub.subscribers(o.feed_url):
                continue
            body, _ = feed_body(o, catalogue, self.config.feed_items, self.hub_url)
            await hub.publish(o.feed_url, body, FEED_TYPES[o.feed_format], hub_url=self.hub_url)
            pushed += 1
        return pushed

    async def _push_loop(self, hub: WebSubHub, every_s: float = 0.25) -> None:
        """What a publisher's CMS does on each change: ping the hub, which pushes the feed."""
        last: dict[int, tuple[int, int]] = {}
        while True:
            await self.push_changes(hub, last)
            await asyncio.sleep(every_s)

    # -- public views ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._running

    @property
    def port(self) -> int:
        """The port every address listens on (resolved after start when configured as 0)."""
        return self._port

    @property
    def control_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.config.host}:{self._port}"

    @property
    def outlets(self) -> list[Outlet]:
        """Every outlet (dead ones included; see ``Outlet.dead``)."""
        return list(self._outlets)

    @property
    def catalogue(self) -> Catalogue:
        """The article catalogue (after start)."""
        if self._catalogue is None:
            raise FarmError("farm not started")
        return self._catalogue

    def feed_urls(self, *, include_dead: bool = True) -> list[str]:
        """Every outlet's feed URL, in outlet order."""
        return [o.feed_url for o in self._outlets if include_dead or not o.dead]

    def articles(self) -> list[ArticleRecord]:
        """Ground truth: every article published so far, with its live version."""
        self.advance()
        return self.catalogue.records()

    def runtime(self, outlet: int | str) -> OutletRuntime:
        """Stats and state of a live outlet, by index or host."""
        host = outlet if isinstance(outlet, str) else outlet_address(outlet)
        return self._runtimes[host]

    def stats(self, *, only_active: bool = False) -> dict[str, Any]:
        """Per-outlet and total counters, as served by ``/_farm/stats``."""
        self.advance()
        cat = self.catalogue
        per: dict[str, Any] = {}
        totals: dict[str, Any] = {
            "requests": 0, "not_modified": 0, "throttled": 0, "errors": 0, "redirects": 0,
            "articles_published": 0, "edits_applied": 0, "max_concurrent_per_host": 0,
        }
        for o in self._outlets:
            rt = self._runtimes.get(o.host)
            st = rt.stats.to_json() if rt else None
            published, edits = cat.published(o.index), cat.edits_applied(o.index)
            totals["articles_published"] += published
            totals["edits_applied"] += edits
            if st is not None:
                for k in ("not_modified", "throttled", "errors", "redirects"):
                    totals[k] += st[k]
                totals["requests"] += st["requests_total"]
                totals["max_concurrent_per_host"] = max(
                    totals["max_concurrent_per_host"], st["max_concurrent"]
                )
            if only_active and (st is None or st["requests_total"] == 0):
                continue
            per[o.host] = {
                "index": o.index,
                "name": o.name,
                "dead": o.dead,
                "faults": list(o.behaviour.faults),
                **(st or {}),
                "articles_published": published,
                "edits_applied": edits,
            }
        return {
            "started_at": iso(self.started_at),
            "uptime_s": round(self._clock() - self.started_at, 3),
            "port": self._port,
            "outlets": len(self._outlets),
            "live_outlets": len(self._runtimes),
            "fixtures": {
                "found": self.fixtures.found,
                "dir": str(self.fixtures.dir) if self.fixtures.dir else None,
                "seeds": len(self.fixtures.seeds),
                "revisions": len(self.fixtures.revisions),
                "note": self.fixtures.note,
                "errors": list(self.fixtures.errors),
            },
            "totals": totals,
            "per_outlet": per,
        }

    def release_edits(self) -> int:
        """Make every article's next scheduled edit go live now (`POST /_farm/release-edits`)."""
        return self.catalogue.release_edits(self._clock())

    def reset_stats(self) -> None:
        """Zero every outlet's request counters (content state is kept)."""
        for rt in self._runtimes.values():
            rt.stats.reset()

    # -- control app -----------------------------------------------------------------------

    def _add_control_routes(self, app: web.Application) -> None:
        async def index(_: web.Request) -> web.Response:
            return web.json_response(
                {
                    "farm": "newswire news farm",
                    "outlets": len(self._outlets),
                    "endpoints": [
                        "GET /_farm/stats[?only_active=1]",
                        "GET /_farm/articles[?text=1&outlet=N]",
                        "GET /_farm/outlets",
                        "GET /_farm/feeds.txt",
                        "POST /_farm/reset-stats",
                        "POST /_farm/release-edits",
                        "POST /_farm/pause",
                    ],
                }
            )

        async def stats(request: web.Request) -> web.Response:
            active = request.query.get("only_active", "") in ("1", "true", "yes")
            return web.json_response(self.stats(only_active=active))

        async def articles(request: web.Request) -> web.Response:
            with_text = request.query.get("text", "") in ("1", "true", "yes")
            recs = self.articles()
            if "outlet" in request.query:
                want = int(request.query["outlet"])
                recs = [r for r in recs if r.outlet == want]
            return web.json_response([r.to_json(with_text=with_text) for r in recs])

        async def outlets(_: web.Request) -> web.Response:
            return web.json_response([o.to_json() for o in self._outlets])

        async def feeds(_: web.Request) -> web.Response:
            return web.Response(text="".join(f"{u}\n" for u in self.feed_urls()))

        async def pause(_: web.Request) -> web.Response:
            self.paused = True
            return web.json_response({"paused": True})

        async def reset(_: web.Request) -> web.Response:
            self.reset_stats()
            return web.json_response({"reset": True})

        async def release(_: web.Request) -> web.Response:
            return web.json_response({"released": self.release_edits()})

        app.router.add_get("/", index)
        app.router.add_get("/_farm/stats", stats)
        app.router.add_get("/_farm/articles", articles)
        app.router.add_get("/_farm/outlets", outlets)
        app.router.add_get("/_farm/feeds.txt", feeds)
        app.router.add_post("/_farm/reset-stats", reset)
        app.router.add_post("/_farm/release-edits", release)
        app.router.add_post("/_farm/pause", pause)


@asynccontextmanager
async def run_farm(
    config: FarmConfig | None = None, *, clock: Callable[[], float] = time.time
) -> AsyncIterator[Farm]:
    """Start a farm for the duration of the ``async with`` block."""
    farm = Farm(config, clock=clock)
    await farm.start()
    try:
        yield farm
    finally:
        await farm.stop()
