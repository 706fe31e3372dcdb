"""An article's tracking state as stored in the `articles` table (JSON-able, datetimes as ISO).

One dict per article id:
    schema, version, status (live|deleted|redirected|paywalled), live_version (whose text the
    state holds), content_hash (normaliser's, of the latest observation), sig (tracker signature
    of the held text), sigs (signature of every version, "" for status-only versions: revert
    detection), title, paragraphs, authors, article (the rest of the latest NormalisedArticle,
    to re-emit it with a status change), first_seen, published, last_changed, last_observed,
    last_fetched (newest fetch time applied: older or replayed messages are ignored), last_checked,
    next_check_at, checks, last_requested, partition, url, urls (normalised URLs the article was
    seen at), host, outlet, etag, last_modified, edited, redirect_pending ({url, confirm_at}).

Outlet counters for the learned schedule factor live in the same table under `outlet_key`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newswire.contracts import NormalisedArticle
from newswire.contracts.ids import normalise_url

State = dict[str, Any]
STATE_SCHEMA = 2
OUTLET_PREFIX = "~outlet:"


def outlet_key(partition: int, host: str) -> str:
    """Table key of an outlet's counters in one partition (each partition learns from its own
    share of the outlet's articles, so no cross-partition writes are needed)."""
    return f"{OUTLET_PREFIX}{partition}:{host}"


def is_article_state(key: Any, value: Any) -> bool:
    """Whether a table entry is an article's state (not an outlet's counters)."""
    return isinstance(value, dict) and not str(key).startswith(OUTLET_PREFIX) and "version" in value


def article_meta(article: NormalisedArticle) -> dict[str, Any]:
    """The article without its text (kept once, in `paragraphs`)."""
    return article.model_dump(mode="json", exclude={"text", "paragraphs"})


def article_from_state(state: State) -> NormalisedArticle | None:
    """The held version's article, rebuilt (None for a state written before schema 2)."""
    meta = state.get("article")
    if not isinstance(meta, dict):
        return None
    paragraphs = tuple(state.get("paragraphs", ()))
    return NormalisedArticle.model_validate(
        {**meta, "paragraphs": paragraphs, "text": "\n\n".join(paragraphs)}
    )


def known_urls(state: State) -> set[str]:
    """Normalised URLs the article was seen at."""
    urls = set(state.get("urls", ()))
    if state.get("url"):
        urls.add(normalise_url(str(state["url"])))
    return urls


def due_at(state: State) -> datetime | None:
    """When the timer must next look at the article: its re-check, or a redirect to confirm."""
    times = [dt(state["next_check_at"])] if state.get("next_check_at") else []
    pending = state.get("redirect_pending")
    if isinstance(pending, dict) and pending.get("confirm_at"):
        times.append(dt(pending["confirm_at"]))
    return min(times) if times else None


def iso(value: datetime) -> str:
    return value.isoformat()


def opt_iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value)
