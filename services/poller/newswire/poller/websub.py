"""WebSub (W3C recommendation) subscriber logic: per-feed secrets, callback URLs, verification of
intent and content signatures. Pure: no HTTP here (the routes are in `wiring`).

Written by hand: the subscriber side is four small rules of the spec, and the Python WebSub
libraries are unmaintained or tied to other web frameworks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

CALLBACK_PATH = "/websub/{feed_id}/"
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
               "sha512": hashlib.sha512}


def subscription_secret(key: str, feed_id: str) -> str:
    """The HMAC secret given to the hub for one feed: derived from the poller's key, so every
    instance (and a restarted one) can check signatures without storing secrets."""
    return hmac.new(key.encode("utf-8"), f"websub:{feed_id}".encode(), hashlib.sha256).hexdigest()


def callback_url(base: str, feed_id: str) -> str:
    """The callback URL of one feed under this instance's public base URL."""
    return base.rstrip("/") + CALLBACK_PATH.format(feed_id=quote(feed_id, safe=""))


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """True if `X-Hub-Signature` (`method=hexdigest`) is the HMAC of `body` under `secret`."""
    if not header or "=" not in header:
        return False
    method, _, digest = header.strip().partition("=")
    algorithm = _ALGORITHMS.get(method.lower())
    if algorithm is None:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


@dataclass(frozen=True)
class Verification:
    """The answer to a hub's verification of intent."""

    status: int
    body: str
    lease_s: int | None = None
    """Set when a subscription was confirmed."""
    denied: str | None = None
    """Set when the hub denied the subscription (the reason it gave)."""


def verify_intent(
    params: Mapping[str, str], pending: Mapping[str, str] | None, known_topic: str | None
) -> Verification:
    """Answer `GET <callback>?hub.mode=...`: echo the challenge only for a subscription this
    poller asked for (`pending`: its hub/topic) or, on renewal, one it holds (`known_topic`);
    404 otherwise, so that nobody can subscribe us to anything."""
    mode = params.get("hub.mode", "")
    topic = params.get("hub.topic", "")
    if mode == "denied":
        return Verification(200, "", denied=params.get("hub.reason") or "denied by hub")
    if mode == "subscribe":
        wanted = {pending.get("topic")} if pending else set()
        if known_topic:
            wanted.add(known_topic)
        challenge = params.get("hub.challenge", "")
        if topic and topic in wanted and challenge:
            try:
                lease = int(params.get("hub.lease_seconds", "0"))
            except ValueError:
                lease = 0
            return Verification(200, challenge, lease_s=max(lease, 0))
    if mode == "unsubscribe" and params.get("hub.challenge") and not pending:
        # We unsubscribe nothing ourselves; a hub asking about one we do not hold is confirmed
        # only if the feed has no subscription here.
        if known_topic is None:
            return Verification(200, params["hub.challenge"])
    return Verification(404, "no such subscription")
