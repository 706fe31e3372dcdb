"""The web service's pure logic, what is asked: request parameters checked (a refusal is a
`BadRequest` naming the parameter), Elasticsearch queries built with bounded sizes, answers
flattened (`Found`), and links. No I/O, no client. What the pages show is shaped from the
answers in `newswire.web.shapes`.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from newswire.contracts.revisions import RevisionKind

Doc = dict[str, Any]

# -- errors ----------------------------------------------------------------------------------------


class BadRequest(ValueError):
    """A request parameter the service refuses: answered 400 with this message."""


class NotFound(LookupError):
    """No such article, story or outlet: answered 404 with this message."""


class Unavailable(RuntimeError):
    """Elasticsearch did not answer (down, timed out, overloaded): answered 503."""


class Refused(ValueError):
    """Elasticsearch refused a query built from the request (a 400 of its own): answered 400."""


# -- limits and parameters -------------------------------------------------------------------------

#: Every revision kind the tracker emits (the contract's Literal).
KINDS: tuple[str, ...] = get_args(RevisionKind)
#: Short names a reader may use in `?kind=`, and the kind each stands for.
KIND_ALIASES: dict[str, str] = {
    "title": "title_changed",
    "lede": "lede_changed",
    "body": "body_edited",
    "added": "paragraphs_added",
    "removed": "paragraphs_removed",
    "byline": "byline_changed",
    "correction": "correction_appended",
    "deletion": "deleted",
    "redirect": "redirected",
    "revert": "reverted",
}
#: How each kind reads on a page.
KIND_LABELS: dict[str, str] = {
    "title_changed": "title",
    "lede_changed": "lede",
    "body_edited": "body",
    "paragraphs_added": "paragraphs added",
    "paragraphs_removed": "paragraphs removed",
    "byline_changed": "byline",
    "correction_appended": "correction",
    "deleted": "deletion",
    "redirected": "redirect",
    "paywall_added": "paywall added",
    "paywall_removed": "paywall removed",
    "reverted": "revert",
}
#: Entity types the enricher emits (others show as "other").
ENTITY_TYPES = ("person", "organisation", "place", "event", "other")
ARTICLE_ID = re.compile(r"^[0-9a-f]{32}$")
STORY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
#: C0 control characters but tab, newline and carriage return; and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RELATIVE = re.compile(r"^([0-9]{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Longest text parameter (outlet names, hosts) and longest search query, in characters.
MAX_TEXT = 200
MAX_QUERY = 500


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask of Elasticsearch (from the settings)."""

    per_page: int = 20
    max_per_page: int = 100
    max_results: int = 10_000
    feed_entries: int = 50
    max_revisions: int = 200
    story_articles: int = 300
    outlet_recent: int = 20


@dataclass(frozen=True)
class Paging:
    """Which page of results (1-based) and how many per page."""

    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        """Results before this page."""
        return (self.page - 1) * self.per_page

    def pages(self, total: int, limits: Limits) -> int:
        """Pages the results fill, no deeper than the result window allows."""
        reachable = max(1, limits.max_results // self.per_page)
        return max(1, min(math.ceil(total / self.per_page), reachable))


@dataclass(frozen=True)
class RevisionFilter:
    """Which revisions: by outlet (name or host), kind, time range, or articles."""

    outlet: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    article_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """A search over articles: the reader's query string, optionally within one outlet."""

    q: str
    outlet: str | None = None


def single_params(items: Iterable[tuple[str, str]], known: Iterable[str]) -> dict[str, str]:
    """The query parameters a route reads, each given at most once (a second, different value
    is refused rather than silently picked). Parameters the route does not read are ignored."""
    wanted = set(known)
    out: dict[str, str] = {}
    for key, value in items:
        if key not in wanted:
            continue
        if key in out and out[key] != value:
            raise BadRequest(f"parameter {key!r} is given more than once")
        out[key] = value
    return out


def text_param(params: Mapping[str, str], name: str, limit: int = MAX_TEXT) -> str | None:
    """A free-text parameter, stripped; empty is None. Control characters and over-long values
    are refused."""
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise BadRequest(f"parameter {name!r} is too long ({len(value)} characters, at most {limit})")
    if CONTROL.search(value) or "\ufffd" in value:
        raise BadRequest(f"parameter {name!r} contains control characters or invalid UTF-8")
    return value


def int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter within [low, high]."""
    raw = params.get(name)
    if raw is None or not raw.strip():
        return default
    raw = raw.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):  # ASCII digits only (\d takes any script's)
        raise BadRequest(f"parameter {name!r} must be a whole number, not {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise BadRequest(f"parameter {name!r} must be between {low} and {high}, not {value}")
    return value


def parse_paging(params: Mapping[str, str], limits: Limits) -> Paging:
    """`page` and `per_page`, refused beyond the deepest page the result window allows."""
    per_page = int_param(params, "per_page", limits.per_page, 1, limits.max_per_page)
    deepest = max(1, limits.max_results // per_page)
    page = int_param(params, "page", 1, 1, 10**12)
    if page > deepest:
        raise BadRequest(
            f"page {page} is too deep: results can be paged to page {deepest} at {per_page} per page; "
            "narrow the filter instead"
        )
    return Paging(page, per_page)


def parse_time(value: str, name: str, now: datetime, *, end_of_day: bool = False) -> datetime:
    """An instant from a parameter: ISO 8601 (`2016-09-08`, `2016-09-08T10:00Z`, a naive time is
    UTC) or a time ago (`30m`, `24h`, `7d`, `2w`). A date alone as an end (`until`) means the
    end of that day."""
    text = value.strip()
    relative = _RELATIVE.match(text.lower())
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        try:
            return now - timedelta(**{unit: amount})
        except OverflowError as exc:
            raise BadRequest(f"parameter {name!r} reaches too far back: {text!r}") from exc
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            day = date.fromisoformat(text)
            when = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1 if end_of_day else 0)
        elif text.isascii():
            when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        else:
            raise ValueError("not ASCII")
    except (ValueError, OverflowError) as exc:
        raise BadRequest(
            f"parameter {name!r} is not a date: {text[:40]!r} (use 2016-09-08, 2016-09-08T10:00Z, or 24h / 7d ago)"
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if not 1970 <= when.year <= 2999:
        raise BadRequest(f"parameter {name!r} is out of range: {text[:40]!r}")
    return when.astimezone(UTC)


def parse_kind(value: str | None) -> str | None:
    """A revision kind (or its short name) from `?kind=`; unknown kinds are refused by name."""
    if value is None:
        return None
    kind = KIND_ALIASES.get(value.lower(), value.lower())
    if kind not in KINDS:
        known = ", ".join(KINDS)
        raise BadRequest(f"unknown revision kind {value[:40]!r}; choose one of {known}")
    return kind


def parse_revision_filter(params: Mapping[str, str], now: datetime) -> RevisionFilter:
    """`outlet`, `kind`, `since`, `until` of the revisions page, API and feeds."""
    since_text, until_text = text_param(params, "since", 40), text_param(params, "until", 40)
    since = parse_time(since_text, "since", now) if since_text else None
    until = parse_time(until_text, "until", now, end_of_day=True) if until_text else None
    if since and until and since >= until:
        raise BadRequest("'since' must be before 'until'")
    return RevisionFilter(
        outlet=text_param(params, "outlet"),
        kind=parse_kind(text_param(params, "kind", 40)),
        since=since,
        until=until,
    )


def parse_search(params: Mapping[str, str]) -> SearchQuery | None:
    """The search's `q` (None when there is nothing to search yet) and `outlet`."""
    q = text_param(params, "q", MAX_QUERY)
    return SearchQuery(q, text_param(params, "outlet")) if q else None


def check_article_id(value: str) -> str:
    """An article id (32 lower-case hex digits); anything else cannot exist."""
    if not ARTICLE_ID.match(value):
        raise NotFound("no such article: article ids are 32 hexadecimal digits")
    return value


def check_story_id(value: str) -> str:
    """A story id; anything that cannot be one is unknown."""
    if not STORY_ID.match(value):
        raise NotFound("no such story")
    return value


def check_outlet_key(value: str) -> str:
    """An outlet's name or host, as given in the path."""
    key = value.strip()
    if not key or len(key) > MAX_TEXT or CONTROL.search(key):
        raise NotFound("no such outlet")
    return key


# -- Elasticsearch queries ---------------------------------------------------------------------------

#: Article fields a list never needs (the body text and bulky extras).
LIST_EXCLUDES = ["text", "quotes", "provenance", "keyphrases", "notes", "people", "organisations", "places", "events"]


def article_query(article_id: str) -> Doc:
    """One article by id (the alias may span several indices, so a search, not a get)."""
    return {"query": {"term": {"article_id": article_id}}, "size": 1}


def article_revisions_query(article_id: str, limit: int) -> Doc:
    """An article's revisions, the latest `limit` of them."""
    return {
        "query": {"term": {"article_id": article_id}},
        "sort": [{"version": "desc"}],
        "size": limit,
        "track_total_hits": True,
    }


def outlet_clause(key: str) -> Doc:
    """Documents of an outlet given by its name or its host (`theguardian.com` finds
    `www.theguardian.com` too)."""
    return {
        "bool": {"should": [{"term": {"outlet": key}}, {"terms": {"host": list(host_variants(key))}}],
                 "minimum_should_match": 1}
    }


def revision_clauses(flt: RevisionFilter) -> list[Doc]:
    """The filter clauses of a revision filter."""
    clauses: list[Doc] = []
    if flt.outlet:
        clauses.append(outlet_clause(flt.outlet))
    if flt.kind:
        clauses.append({"term": {"kinds": flt.kind}})
    if flt.since or flt.until:
        span: Doc = {}
        if flt.since:
            span["gte"] = iso(flt.since)
        if flt.until:
            span["lt"] = iso(flt.until)
        clauses.append({"range": {"detected_at": span}})
    if flt.article_ids:
        clauses.append({"terms": {"article_id": list(flt.article_ids)}})
    return clauses


def revisions_query(flt: RevisionFilter, paging: Paging, *, with_diff: bool = False, facets: bool = True) -> Doc:
    """A page of revisions, newest first, with counts by kind and outlet; the stored diffs only
    when asked (the feeds show them, the list does not)."""
    body: Doc = {
        "query": {"bool": {"filter": revision_clauses(flt)}},
        "sort": [{"detected_at": "desc"}, {"revision_id": "desc"}],
        "from": paging.offset,
        "size": paging.per_page,
        "track_total_hits": True,
        "_source": {"excludes": ["diff_unified"] + ([] if with_diff else ["diff_html"])},
    }
    if facets:
        body["aggs"] = {
            "kinds": {"terms": {"field": "kinds", "size": len(KINDS)}},
            "outlets": {"terms": {"field": "outlet", "size": 20}},
        }
    return body


def story_query(story_id: str) -> Doc:
    """One story by id."""
    return {"query": {"term": {"story_id": story_id}}, "size": 1}


def story_articles_query(story_ids: Sequence[str], limit: int) -> Doc:
    """The articles of a story (and of the stories merged into it), in the order first seen."""
    return {
        "query": {"terms": {"story_id": list(story_ids)}},
        "sort": [{"first_seen": "asc"}, {"article_id": "asc"}],
        "size": limit,
        "track_total_hits": True,
        "_source": {"excludes": LIST_EXCLUDES},
    }


def outlet_articles_query(key: str, recent: int) -> Doc:
    """An outlet's latest articles, with what resolves the outlet (its names, hosts and feeds)
    and how often it edits (articles revised, revisions in all, the most edited)."""
    return {
        "query": outlet_clause(key),
        "sort": [{"first_seen": "desc"}, {"article_id": "asc"}],
        "size": recent,
        "track_total_hits": True,
        "_source": {"excludes": LIST_EXCLUDES},
        "aggs": {
            "names": {"terms": {"field": "outlet", "size": 10}},
            "hosts": {"terms": {"field": "host", "size": 20}},
            "feeds": {"terms": {"field": "feed_id", "size": 100}},
            "revisions": {"sum": {"field": "revision_count"}},
            "revised": {
                "filter": {"range": {"revision_count": {"gte": 1}}},
                "aggs": {
                    "most_edited": {
                        "top_hits": {
                            "size": 5,
                            "sort": [{"revision_count": "desc"}, {"last_changed": "desc"}],
                            "_source": {"includes": ["article_id", "title", "outlet", "host", "revision_count",
                                                     "first_seen", "last_changed", "version"]},
                        }
                    }
                },
            },
        },
    }


@dataclass(frozen=True)
class OutletScope:
    """What belongs to an outlet: revisions by these names or hosts, feeds by these ids or hosts."""

    names: tuple[str, ...]
    hosts: tuple[str, ...]
    feed_ids: tuple[str, ...]


def host_variants(key: str) -> tuple[str, ...]:
    """A host with and without `www.`."""
    host = key.lower()
    return tuple(sorted({host, host.removeprefix("www."), "www." + host.removeprefix("www.")}))


def outlet_scope(key: str, articles: Found) -> OutletScope:
    """An outlet's scope from what its articles carry. Asked by its name, it is that name (and
    the feeds its articles came from): two outlets on one host (a paper's news and sport desks)
    stay apart. Asked by a host, it is that host. With no article indexed, either."""
    names = tuple(n for n, _ in articles.facets.get("names", ()))
    feed_ids = tuple(f for f, _ in articles.facets.get("feeds", ()))
    article_hosts = tuple(h for h, _ in articles.facets.get("hosts", ()))
    if not articles.total:
        return OutletScope((key,), host_variants(key), ())
    if key in names:
        return OutletScope((key,), () if feed_ids else article_hosts, feed_ids)
    return OutletScope((), host_variants(key), feed_ids)


def outlet_revisions_query(scope: OutletScope, now: datetime, recent: int = 10) -> Doc:
    """An outlet's latest revisions, with counts: by kind, in the last 7 and 30 days."""
    should: list[Doc] = []
    if scope.names:
        should.append({"terms": {"outlet": list(scope.names)}})
    if scope.hosts:
        should.append({"terms": {"host": list(scope.hosts)}})
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "sort": [{"detected_at": "desc"}, {"revision_id": "desc"}],
        "size": recent,
        "track_total_hits": True,
        "_source": {"excludes": ["diff_unified", "diff_html"]},
        "aggs": {
            "kinds": {"terms": {"field": "kinds", "size": len(KINDS)}},
            "last_7d": {"filter": {"range": {"detected_at": {"gte": iso(now - timedelta(days=7))}}}},
            "last_30d": {"filter": {"range": {"detected_at": {"gte": iso(now - timedelta(days=30))}}}},
        },
    }


def outlet_feeds_query(scope: OutletScope) -> Doc:
    """The feeds of an outlet: those its articles came from, and those on its hosts."""
    should: list[Doc] = []
    if scope.feed_ids:
        should.append({"terms": {"feed_id": list(scope.feed_ids)}})
    if scope.hosts:
        should.append({"terms": {"host": list(scope.hosts)}})
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "sort": [{"feed_url": "asc"}],
        "size": 100,
    }


#: Highlight markers: private-use characters, split on in Python so that no HTML from
#: Elasticsearch ever reaches a page.
MARK_START, MARK_END = "\ue000", "\ue001"


def search_query(query: SearchQuery, paging: Paging) -> Doc:
    """Articles matching a reader's query: `simple_query_string` (which never fails on syntax
    and has no field or regex access beyond what is listed), with highlighted fragments."""
    must: list[Doc] = [
        {
            "simple_query_string": {
                "query": query.q,
                "fields": ["title^3", "description^2", "text"],
                "default_operator": "and",
                "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|PREFIX|WHITESPACE|ESCAPE",
                "lenient": True,
            }
        }
    ]
    filters = [outlet_clause(query.outlet)] if query.outlet else []
    return {
        "query": {"bool": {"must": must, "filter": filters}},
        "from": paging.offset,
        "size": paging.per_page,
        "track_total_hits": True,
        "_source": {"excludes": LIST_EXCLUDES},
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fields": {"title": {"number_of_fragments": 0}, "text": {"fragment_size": 180, "number_of_fragments": 2}},
            "max_analyzed_offset": 200_000,
        },
    }


# -- Elasticsearch answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A search answer, flattened: the documents (with `_highlight` when highlighted), the
    total, term counts (`facets`), single counts, and top hits nested in aggregations."""

    hits: tuple[Doc, ...] = ()
    total: int = 0
    facets: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    tops: Mapping[str, tuple[Doc, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class OutletFound:
    """Everything the outlet page reads: its articles, revisions and feeds."""

    key: str
    articles: Found
    revisions: Found
    feeds: Found


def found(response: Mapping[str, Any]) -> Found:
    """Flatten a search response (tolerant of missing parts)."""
    hits_part = response.get("hits") or {}
    hits: list[Doc] = []
    for hit in hits_part.get("hits") or ():
        source = dict(hit.get("_source") or {})
        if hit.get("highlight"):
            source["_highlight"] = hit["highlight"]
        hits.append(source)
    total = hits_part.get("total")
    count = int(total.get("value", 0)) if isinstance(total, dict) else int(total or 0)
    facets: dict[str, tuple[tuple[str, int], ...]] = {}
    counts: dict[str, int] = {}
    tops: dict[str, tuple[Doc, ...]] = {}
    _read_aggs(response.get("aggregations") or {}, facets, counts, tops)
    return Found(tuple(hits), count, facets, counts, tops)


def _read_aggs(
    aggs: Mapping[str, Any], facets: dict[str, tuple[tuple[str, int], ...]], counts: dict[str, int],
    tops: dict[str, tuple[Doc, ...]],
) -> None:
    for name, agg in aggs.items():
        if not isinstance(agg, dict):
            continue
        if "buckets" in agg:
            facets[name] = tuple(
                (str(b.get("key_as_string", b.get("key"))), int(b.get("doc_count", 0))) for b in agg["buckets"]
            )
        elif "value" in agg:
            counts[name] = int(agg["value"] or 0)
        elif "hits" in agg:
            tops[name] = tuple(dict(h.get("_source") or {}) for h in (agg["hits"].get("hits") or ()))
        elif "doc_count" in agg:
            counts[name] = int(agg["doc_count"])
            _read_aggs({k: v for k, v in agg.items() if k != "doc_count"}, facets, counts, tops)


def iso(when: datetime) -> str:
    """ISO 8601 in UTC with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def when_text(when: datetime | None) -> str:
    """An instant as a reader sees it: `2016-09-08 10:35 UTC`."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "unknown"


# -- links and JSON ----------------------------------------------------------------------------------


def query_string(params: Mapping[str, Any]) -> str:
    """`?a=1&b=x` from the parameters that are set (empty: no `?`)."""
    pairs = [(k, str(v)) for k, v in params.items() if v is not None and v != ""]
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def path_segment(value: str) -> str:
    """A value quoted for one path segment (a slash in an outlet's name stays inside it)."""
    return urllib.parse.quote(value, safe="")


def page_links(base: str, params: Mapping[str, Any], page: int, pages: int) -> dict[str, str | None]:
    """Links to the previous and next pages, keeping the other parameters."""

    def link(number: int) -> str:
        return base + query_string({**params, "page": number if number > 1 else None})

    return {
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }
