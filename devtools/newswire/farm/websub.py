"""A small WebSub hub (W3C recommendation, publisher and hub side) for the farm: subscribers
POST ``hub.mode=subscribe``, the hub verifies their intent by calling back with a challenge,
and :meth:`WebSubHub.publish` delivers content to every verified subscriber of a topic, signed
with ``X-Hub-Signature: sha256=<HMAC of the body under the subscriber's secret>``.

Mount :meth:`WebSubHub.handle` on any aiohttp route (the feeds farm serves it at ``/hub``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

__all__ = ["Subscription", "WebSubHub"]

MAX_LEASE_S = 30 * 86400


@dataclass
class Subscription:
    """One verified subscription."""

    topic: str
    callback: str
    secret: str | None
    lease_until: float


@dataclass
class HubStats:
    """What the hub has done (for tests)."""

    requests: int = 0
    verified: int = 0
    verify_failed: int = 0
    delivered: int = 0
    delivery_failed: int = 0
    renewals: int = 0
    errors: list[str] = field(default_factory=list)


class WebSubHub:
    """Subscriptions by (topic, callback); verification and delivery over aiohttp."""

    def __init__(self, *, default_lease_s: int = 86400, timeout_s: float = 10.0) -> None:
        self.default_lease_s = default_lease_s
        self.timeout_s = timeout_s
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.stats = HubStats()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s), trust_env=False
            )
        return self._session

    async def close(self) -> None:
        """Cancel pending verifications and close the client session."""
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    async def handle(self, request: web.Request) -> web.Response:
        """The hub endpoint: a subscription (or unsubscription) request."""
        self.stats.requests += 1
        if request.method != "POST":
            return web.Response(status=405, text="POST a subscription request\n")
        form = await request.post()
        mode = str(form.get("hub.mode", ""))
        topic = str(form.get("hub.topic", ""))
        callback = str(form.get("hub.callback", ""))
        secret = str(form["hub.secret"]) if form.get("hub.secret") else None
        if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
            return web.Response(status=400, text="hub.mode, hub.topic and hub.callback needed\n")
        if secret is not None and len(secret.encode()) >= 200:
            return web.Response(status=400, text="hub.secret must be under 200 bytes\n")
        try:
            lease = int(str(form.get("hub.lease_seconds") or self.default_lease_s))
        except ValueError:
            lease = self.default_lease_s
        lease = max(1, min(lease, MAX_LEASE_S))
        task = asyncio.ensure_future(self._verify(mode, topic, callback, secret, lease))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.Response(status=202, text="verifying\n")

    async def _verify(
        self, mode: str, topic: str, callback: str, secret: str | None, lease: int
    ) -> None:
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if mode == "subscribe":
            params["hub.lease_seconds"] = str(lease)
        try:
            async with self._client().get(callback, params=params) as resp:
                text = (await resp.text()).strip()
                confirmed = 200 <= resp.status < 300 and text == challenge
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.stats.errors.append(f"verify {callback}: {exc}")
            confirmed = False
        if not confirmed:
            self.stats.verify_failed += 1
            return
        self.stats.verified += 1
        key = (topic, callback)
        if mode == "unsubscribe":
            self.subscriptions.pop(key, None)
            return
        if key in self.subscriptions:
            self.stats.renewals += 1
        self.subscriptions[key] = Subscription(topic, callback, secret, time.time() + lease)

    def subscribers(self, topic: str) -> list[Subscription]:
        """The live subscriptions of `topic`."""
        now = time.time()
        return [s for s in self.subscriptions.values() if s.topic == topic and s.lease_until > now]

    async def publish(
        self, topic: str, body: bytes, content_type: str, *, hub_url: str | None = None
    ) -> int:
        """Deliver `body` to every subscriber of `topic`; returns how many accepted it (2xx)."""
        delivered = 0
        for sub in self.subscribers(topic):
            headers = {"Content-Type": content_type}
            links = [f'<{topic}>; rel="self"']
            if hub_url:
                links.append(f'<{hub_url}>; rel="hub"')
            headers["Link"] = ", ".join(links)
            if sub.secret:
                digest = hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
                headers["X-Hub-Signature"] = f"sha256={digest}"
            try:
                async with self._client().post(sub.callback, data=body, headers=headers) as resp:
                    ok = 200 <= resp.status < 300
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                self.stats.errors.append(f"deliver {sub.callback}: {exc}")
                ok = False
            if ok:
                delivered += 1
                self.stats.delivered += 1
            else:
                self.stats.delivery_failed += 1
        return delivered
