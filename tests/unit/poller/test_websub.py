"""WebSub subscriber rules: secrets, callback URLs, verification of intent, signatures."""

from __future__ import annotations

import hashlib
import hmac

from newswire.poller.websub import callback_url, signature_valid, subscription_secret, verify_intent

TOPIC = "http://news.example.com/feed.xml"


def test_secrets_are_per_feed_and_stable() -> None:
    a = subscription_secret("key", "feed-a")
    assert a == subscription_secret("key", "feed-a") != subscription_secret("key", "feed-b")
    assert a != subscription_secret("other", "feed-a") and len(a) == 64
    assert callback_url("http://127.0.0.1:6101/", "abc") == "http://127.0.0.1:6101/websub/abc/"


def test_signatures() -> None:
    body = b"<rss/>"
    for name, algo in (("sha1", hashlib.sha1), ("sha256", hashlib.sha256), ("sha512", hashlib.sha512)):
        digest = hmac.new(b"s3cret", body, algo).hexdigest()
        assert signature_valid("s3cret", body, f"{name}={digest}")
        assert signature_valid("s3cret", body, f"{name.upper()}={digest.upper()}")
        assert not signature_valid("wrong", body, f"{name}={digest}")
        assert not signature_valid("s3cret", body + b" ", f"{name}={digest}")
    assert not signature_valid("s3cret", body, None)
    assert not signature_valid("s3cret", body, "md5=abc")
    assert not signature_valid("s3cret", body, "garbage")


def test_verification_of_intent() -> None:
    params = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "xyz", "hub.lease_seconds": "3600"}
    pending = {"hub": "http://hub.example.org/", "topic": TOPIC}
    answer = verify_intent(params, pending, None)
    assert (answer.status, answer.body, answer.lease_s) == (200, "xyz", 3600)
    # renewal of a subscription we hold, without a pending request
    assert verify_intent(params, None, TOPIC).status == 200
    # nobody can subscribe us to something we did not ask for
    assert verify_intent(params, None, None).status == 404
    assert verify_intent({**params, "hub.topic": "http://evil.example/"}, pending, None).status == 404
    assert verify_intent({**params, "hub.challenge": ""}, pending, None).status == 404
    denied = verify_intent({"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "no"}, pending, None)
    assert denied.denied == "no"
