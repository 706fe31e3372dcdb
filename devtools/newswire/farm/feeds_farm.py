"""A feeds-only farm: many cheap feeds over a few loopback hosts, for the poller's tests and its
10,000-feed benchmark, with an optional WebSub hub.

Feed ``i`` is ``http://<host i % hosts>:<port>/feeds/<i>.xml`` with hosts at 127.3.<k // 250>.
<1 + k % 250> (apart from the news farm's 127.0.x.y). Each feed has a revision: its body and
validators (``ETag``, ``Last-Modified``) are cached per revision, so a matching conditional
request costs a dict lookup and a 304. A ``changing_share`` of the feeds gains an item on every
request (they never answer 304); :meth:`FeedsFarm.add_item` gains one on demand (and, with the
hub on, pushes the new content to subscribers). Per-feed faults: ``gone`` (410), ``moved`` (301
to ``/feeds/<i>-moved.xml``), ``lying`` (validators that never change).

    python -m newswire.farm.feeds_farm --feeds 10000 --hosts 100   # prints its port, serves
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from aiohttp import web

from newswire.farm.server import bind_sockets, ensure_fd_limit
from newswire.farm.websub import WebSubHub

__all__ = ["FeedsFarm", "FeedsFarmConfig", "feeds_host", "run_feeds_farm"]

HOSTS_PER_OCTET = 250


def feeds_host(k: int) -> str:
    """Loopback address of feeds host ``k``."""
    return f"127.3.{k // HOSTS_PER_OCTET}.{1 + k % HOSTS_PER_OCTET}"


@dataclass
class FeedsFarmConfig:
    """Shape of a feeds farm."""

    feeds: int = 100
    hosts: int = 10
    port: int = 0
    items: int = 20
    changing_share: float = 0.0
    hub: bool = False
    hub_feeds: Sequence[int] | None = None
    """Feeds that advertise the hub (None: every feed, when the hub is on)."""
    seed: int = 0
    gone: Sequence[int] = ()
    moved: Sequence[int] = ()
    lying: Sequence[int] = ()
    """Feeds whose validators never change (same ETag and Last-Modified whatever the content):
    they answer 304 to a conditional GET even after a new item."""
    item_interval_s: float = 3600.0
    """Spacing of the items' publication dates (the poller's first rate estimate)."""


@dataclass
class _Feed:
    index: int
    revision: int = 0
    changing: bool = False
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    built: int = -1


@dataclass
class FeedsStats:
    """Requests served."""

    requests: int = 0
    not_modified: int = 0
    full: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_feed: Counter[int] = field(default_factory=Counter)


class FeedsFarm:
    """The server: one aiohttp app on every host address."""

    def __init__(self, config: FeedsFarmConfig) -> None:
        self.config = config
        self.hub = WebSubHub() if config.hub else None
        self.stats = FeedsStats()
        self.port = config.port
        self.started_at = time.time()
        rng = random.Random(f"feeds-farm:{config.seed}")
        changing = set(rng.sample(range(config.feeds), round(config.changing_share * config.feeds)))
        self._feeds = [_Feed(i, changing=i in changing) for i in range(config.feeds)]
        self._runner: web.AppRunner | None = None

    # -- URLs ----------------------------------------------------------------------------------

    def host_of(self, i: int) -> str:
        return feeds_host(i % self.config.hosts)

    def feed_url(self, i: int) -> str:
        """URL of feed ``i``."""
        return f"http://{self.host_of(i)}:{self.port}/feeds/{i}.xml"

    def feed_urls(self) -> list[str]:
        return [self.feed_url(i) for i in range(self.config.feeds)]

    @property
    def hub_url(self) -> str:
        return f"http://{feeds_host(0)}:{self.port}/hub"

    def item_link(self, i: int, n: int) -> str:
        return f"http://{self.host_of(i)}:{self.port}/articles/{i}/{n}"

    def links(self, i: int) -> list[str]:
        """Links of feed ``i``'s current items (newest first)."""
        feed = self._feeds[i]
        newest = self.config.items + feed.revision
        return [self.item_link(i, n) for n in range(newest, max(0, newest - self.config.items), -1)]

    # -- content -------------------------------------------------------------------------------

    def _build(self, feed: _Feed) -> None:
        if feed.built == feed.revision:
            return
        cfg, i = self.config, feed.index
        newest = cfg.items + feed.revision
        base = self.started_at - cfg.items * cfg.item_interval_s
        when = base + newest * cfg.item_interval_s
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
            f"<title>Feed {i}</title><link>http://{self.host_of(i)}:{self.port}/</link>",
            "<description>feeds farm</description>",
        ]
        if self.hub is not None and (cfg.hub_feeds is None or i in cfg.hub_feeds):
            parts.append(f'<atom:link rel="hub" href="{escape(self.hub_url)}"/>')
            parts.append(f'<atom:link rel="self" href="{escape(self.feed_url(i))}"/>')
        for n in range(newest, max(0, newest - cfg.items), -1):
            date = format_datetime(datetime.fromtimestamp(base + n * cfg.item_interval_s, UTC), usegmt=True)
            link = escape(self.item_link(i, n))
            parts.append(
                f"<item><title>Story {n} of feed {i}</title><link>{link}</link>"
                f'<guid isPermaLink="false">feed-{i}-item-{n}</guid><pubDate>{date}</pubDate>'
                f"<description>Item {n}.</description></item>"
            )
        parts.append("</channel></rss>\n")
        feed.body = "".join(parts).encode()
        lying = i in cfg.lying
        feed.etag = f'"{i}-{0 if lying else feed.revision}"'
        stamp = base + cfg.items * cfg.item_interval_s if lying else when
        feed.last_modified = format_datetime(datetime.fromtimestamp(int(stamp), UTC), usegmt=True)
        feed.built = feed.revision

    async def add_item(self, i: int) -> int:
        """Publish a new item in feed ``i``; with the hub on, push the feed to subscribers.
        Returns how many subscribers accepted the push."""
        feed = self._feeds[i]
        feed.revision += 1
        if self.hub is None:
            return 0
        self._build(feed)
        return await self.hub.publish(
            self.feed_url(i), feed.body, "application/rss+xml", hub_url=self.hub_url
        )

    # -- serving -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.stats.requests += 1
        name = request.match_info["name"]
        moved = name.endswith("-moved")
        try:
            i = int(name.removesuffix("-moved"))
            feed = self._feeds[i]
        except (ValueError, IndexError):
            self.stats.statuses[404] += 1
            return web.Response(status=404, text="no such feed\n")
        self.stats.per_feed[i] += 1
        if i in self.config.gone:
            self.stats.statuses[410] += 1
            return web.Response(status=410, text="gone\n")
        if i in self.config.moved and not moved:
            self.stats.statuses[301] += 1
            raise web.HTTPMovedPermanently(f"/feeds/{i}-moved.xml")
        if feed.changing:
            feed.revision += 1
        self._build(feed)
        if request.headers.get("If-None-Match") == feed.etag or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == feed.last_modified
        ):
            self.stats.not_modified += 1
            self.stats.statuses[304] += 1
            return web.Response(status=304, headers={"ETag": feed.etag})
        self.stats.full += 1
        self.stats.statuses[200] += 1
        return web.Response(
            body=feed.body,
            content_type="application/rss+xml",
            charset="utf-8",
            headers={"ETag": feed.etag, "Last-Modified": feed.last_modified},
        )

    async def _hub(self, request: web.Request) -> web.Response:
        assert self.hub is not None
        return await self.hub.handle(request)

    async def start(self) -> None:
        """Bind every host and serve."""
        hosts = [feeds_host(k) for k in range(self.config.hosts)]
        ensure_fd_limit(len(hosts) + 1)
        port, socks = bind_sockets(hosts, self.config.port, backlog=1024)
        self.port = port
        app = web.Application()
        app.router.add_get("/feeds/{name}.xml", self._handle)
        if self.hub is not None:
            app.router.add_route("*", "/hub", self._hub)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        for sock in socks.values():
            await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self.hub is not None:
            await self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def run_feeds_farm(config: FeedsFarmConfig) -> AsyncIterator[FeedsFarm]:
    """A feeds farm for the duration of the ``async with`` block."""
    farm = FeedsFarm(config)
    await farm.start()
    try:
        yield farm
    finally:
        await farm.stop()


async def _serve(config: FeedsFarmConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_feeds_farm(config) as farm:
        print(f"feeds farm port={farm.port} feeds={config.feeds} hosts={config.hosts}", flush=True)
        await stop.wait()
        print(
            f"served requests={farm.stats.requests} not_modified={farm.stats.not_modified} "
            f"full={farm.stats.full}",
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a feeds farm until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--changing-share", type=float, default=0.0)
    parser.add_argument("--hub", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(
        _serve(
            FeedsFarmConfig(
                feeds=args.feeds, hosts=args.hosts, port=args.port, items=args.items,
                changing_share=args.changing_share, hub=args.hub,
            )
        )
    )


if __name__ == "__main__":
    main()
