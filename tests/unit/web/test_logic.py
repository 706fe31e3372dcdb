"""The web service's pure logic: parameters, query builders, answers flattened, views shaped
from documents as odd as an untrusted archive may hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswire.contracts.ids import article_id
from newswire.web.logic import (
    KINDS,
    MARK_END,
    MARK_START,
    BadRequest,
    Found,
    Limits,
    NotFound,
    OutletFound,
    Paging,
    RevisionFilter,
    SearchQuery,
    check_article_id,
    check_outlet_key,
    check_story_id,
    found,
    outlet_feeds_query,
    outlet_revisions_query,
    outlet_scope,
    page_links,
    parse_kind,
    parse_paging,
    parse_revision_filter,
    parse_search,
    parse_time,
    revisions_query,
    search_query,
    single_params,
)
from newswire.web.shapes import (
    article_page,
    article_view,
    jsonable,
    outlet_page,
    revision_view,
    safe_url,
    split_marks,
    story_page,
)
from tests.unit.web.fake import URL, sample_docs

NOW = datetime(2016, 9, 10, 12, 0, tzinfo=UTC)
LIMITS = Limits()


# -- parameters ----------------------------------------------------------------------------------


def test_paging_defaults_and_bounds() -> None:
    assert parse_paging({}, LIMITS) == Paging(1, 20)
    assert parse_paging({"page": "3", "per_page": "50"}, LIMITS) == Paging(3, 50)
    assert Paging(3, 50).offset == 100
    assert parse_paging({"page": " ", "per_page": ""}, LIMITS) == Paging(1, 20)
    assert parse_paging({"page": "500"}, LIMITS).page == 500  # 500 x 20 = the 10,000 window


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "whole number"),
        ({"page": "1.5"}, "whole number"),
        ({"page": "0"}, "between 1"),
        ({"page": "-1"}, "between 1"),
        ({"page": "501"}, "too deep"),
        ({"page": "99999999999999999999999"}, "whole number"),
        ({"page": "999999999999"}, "too deep"),
        ({"per_page": "101"}, "between 1 and 100"),
        ({"per_page": "0"}, "between 1 and 100"),
        ({"page": "1e3"}, "whole number"),
        ({"page": "１"}, "whole number"),  # a full-width digit is not one of ours
    ],
)
def test_bad_paging_is_refused_with_a_message(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_paging(params, LIMITS)


def test_pages_never_exceed_the_result_window() -> None:
    assert Paging(1, 20).pages(0, LIMITS) == 1
    assert Paging(1, 20).pages(41, LIMITS) == 3
    assert Paging(1, 20).pages(1_000_000, LIMITS) == 500


def test_each_parameter_at_most_once() -> None:
    assert single_params([("page", "2"), ("page", "2"), ("other", "x")], ["page"]) == {"page": "2"}
    with pytest.raises(BadRequest, match="more than once"):
        single_params([("page", "2"), ("page", "3")], ["page"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-09-08", datetime(2016, 9, 8, tzinfo=UTC)),
        ("2016-09-08T10:00Z", datetime(2016, 9, 8, 10, tzinfo=UTC)),
        ("2016-09-08T10:00:00+02:00", datetime(2016, 9, 8, 8, tzinfo=UTC)),
        ("2016-09-08T10:00", datetime(2016, 9, 8, 10, tzinfo=UTC)),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
    ],
)
def test_times_are_iso_or_ago(value: str, expected: datetime) -> None:
    assert parse_time(value, "since", NOW) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "2016-13-01", "2016-02-30", "999999w", "9999999d", "0001-01-01", "2016-09-08T25:00", "1e9", "7 days"]
)
def test_bad_times_are_refused(value: str) -> None:
    with pytest.raises(BadRequest):
        parse_time(value, "since", NOW)


def test_a_date_as_the_end_means_the_end_of_that_day() -> None:
    flt = parse_revision_filter({"since": "2016-09-08", "until": "2016-09-08"}, NOW)
    assert flt.since == datetime(2016, 9, 8, tzinfo=UTC) and flt.until == datetime(2016, 9, 9, tzinfo=UTC)
    with pytest.raises(BadRequest, match="before"):
        parse_revision_filter({"since": "2016-09-09", "until": "2016-09-08"}, NOW)


def test_kinds_by_name_or_short_name() -> None:
    assert parse_kind("title") == "title_changed"
    assert parse_kind("Correction") == "correction_appended"
    assert parse_kind("revert") == "reverted" and parse_kind("deletion") == "deleted"
    assert all(parse_kind(k) == k for k in KINDS)
    with pytest.raises(BadRequest, match="unknown revision kind"):
        parse_kind("<script>")


@pytest.mark.parametrize("value", ["a\x00b", "x\x1by", "bad \ufffd utf-8", "o" * 201])
def test_text_parameters_refuse_control_characters_and_length(value: str) -> None:
    with pytest.raises(BadRequest):
        parse_revision_filter({"outlet": value}, NOW)


def test_search_query_is_bounded() -> None:
    assert parse_search({"q": "  "}) is None
    assert parse_search({"q": "syria", "outlet": "BBC"}) == SearchQuery("syria", "BBC")
    assert parse_search({"q": "x" * 500}) is not None
    with pytest.raises(BadRequest, match="too long"):
        parse_search({"q": "x" * 501})


def test_ids_that_cannot_exist_are_not_found() -> None:
    aid = article_id(URL)
    assert check_article_id(aid) == aid
    for bad in ("x", aid.upper(), aid + "0", "../../etc/passwd", "<script>"):
        with pytest.raises(NotFound):
            check_article_id(bad)
    assert check_story_id("s-0123456789abcdef01234567") == "s-0123456789abcdef01234567"
    for bad in ("", "-x", "a b", "<x>", "s" * 200):
        with pytest.raises(NotFound):
            check_story_id(bad)
    assert check_outlet_key(" BBC News ") == "BBC News"
    with pytest.raises(NotFound):
        check_outlet_key("a\x00b")


# -- queries -------------------------------------------------------------------------------------


def test_revisions_query_filters_pages_and_counts() -> None:
    flt = RevisionFilter(outlet="theguardian.com", kind="title_changed", since=NOW - timedelta(days=1), until=NOW)
    body = revisions_query(flt, Paging(3, 10))
    clauses = body["query"]["bool"]["filter"]
    hosts = clauses[0]["bool"]["should"][1]["terms"]["host"]
    assert "www.theguardian.com" in hosts and "theguardian.com" in hosts
    assert {"term": {"kinds": "title_changed"}} in clauses
    assert clauses[2] == {"range": {"detected_at": {"gte": "2016-09-09T12:00:00Z", "lt": "2016-09-10T12:00:00Z"}}}
    assert body["from"] == 20 and body["size"] == 10 and body["track_total_hits"] is True
    assert set(body["aggs"]) == {"kinds", "outlets"}
    assert body["_source"]["excludes"] == ["diff_unified", "diff_html"]
    assert revisions_query(RevisionFilter(), Paging(), with_diff=True, facets=False)["_source"]["excludes"] == ["diff_unified"]


def test_an_outlet_asked_by_name_is_that_name_and_by_host_that_host() -> None:
    two_desks = Found((), 5, {"names": (("BBC Sport", 5),), "hosts": (("www.bbc.co.uk", 5),), "feeds": (("f1", 5),)})
    by_name = outlet_scope("BBC Sport", two_desks)
    assert by_name.names == ("BBC Sport",) and by_name.hosts == () and by_name.feed_ids == ("f1",)
    query = outlet_revisions_query(by_name, NOW)["query"]["bool"]["should"]
    assert query == [{"terms": {"outlet": ["BBC Sport"]}}]  # not BBC News's edits on the same host
    assert outlet_feeds_query(by_name)["query"]["bool"]["should"] == [{"terms": {"feed_id": ["f1"]}}]
    by_host = outlet_scope("bbc.co.uk", Found((), 9, {"names": (("BBC News", 4), ("BBC Sport", 5))}))
    assert by_host.names == () and by_host.hosts == ("bbc.co.uk", "www.bbc.co.uk")
    unknown = outlet_scope("Nobody", Found())
    assert unknown.names == ("Nobody",) and "www.nobody" in unknown.hosts
    no_feed_ids = outlet_scope("X", Found((), 1, {"names": (("X", 1),), "hosts": (("x.example", 1),)}))
    assert no_feed_ids.hosts == ("x.example",)  # then its articles' hosts find its feeds


def test_search_uses_simple_query_string_and_private_markers() -> None:
    body = search_query(SearchQuery('"ceasefire" -russia <script>', "BBC"), Paging(2, 20))
    sqs = body["query"]["bool"]["must"][0]["simple_query_string"]
    assert sqs["query"] == '"ceasefire" -russia <script>' and sqs["lenient"] is True
    assert "REGEXP" not in sqs["flags"] and "FUZZY" not in sqs["flags"]
    assert body["highlight"]["pre_tags"] == [MARK_START] and body["from"] == 20
    assert body["_source"]["excludes"][0] == "text"


def test_highlight_markers_split_into_runs() -> None:
    assert split_marks(f"a {MARK_START}b{MARK_END} c") == (("a ", False), ("b", True), (" c", False))
    assert split_marks(f"{MARK_START}<b>{MARK_END}") == (("<b>", True),)
    assert split_marks(f"x{MARK_END}y{MARK_START}") == (("xy", False),)  # stray markers dropped


def test_found_flattens_hits_totals_and_aggregations() -> None:
    response = {
        "hits": {"total": {"value": 7, "relation": "eq"}, "hits": [{"_source": {"a": 1}, "highlight": {"title": ["x"]}}]},
        "aggregations": {
            "kinds": {"buckets": [{"key": "title_changed", "doc_count": 3}]},
            "revisions": {"value": 12.0},
            "revised": {"doc_count": 2, "most_edited": {"hits": {"hits": [{"_source": {"b": 2}}]}}},
        },
    }
    result = found(response)
    assert result.hits == ({"a": 1, "_highlight": {"title": ["x"]}},) and result.total == 7
    assert result.facets["kinds"] == (("title_changed", 3),)
    assert result.counts == {"revisions": 12, "revised": 2}
    assert result.tops["most_edited"] == ({"b": 2},)
    assert found({}) == Found()


# -- views from untrusted documents --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.example.com/a?b=c", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://exa mple.com", False),
        ("https://example.com/\x00", False),
        ("http://[::1", False),
        (None, False),
        (42, False),
    ],
)
def test_only_plain_http_urls_are_links(url: object, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def test_odd_documents_shape_without_errors() -> None:
    weird = {
        "article_id": ["not", "a", "string"], "title": {"x": 1}, "authors": "One Author", "published": "not a date",
        "first_seen": 1473328800000, "revision_count": "many", "version": True, "entities": [None, {"type": "x"}, "e"],
        "canonical_url": "javascript:alert(1)", "url": "https://ok.example/a", "word_count": float("nan"),
    }
    view = article_view(weird, with_text=True)
    assert view.title == "(untitled)" and view.article_id == "" and view.authors == ("One Author",)
    assert view.published is None and view.first_seen == datetime(2016, 9, 8, 10, tzinfo=UTC)
    assert view.revision_count == 0 and view.version is None and view.entities == ()
    assert view.url == "https://ok.example/a"
    rev = revision_view({"stats": "nope", "kinds": "title_changed", "changed_paragraphs": [1, "x", 3], "diff_html": 5},
                        with_diff=True)
    assert rev.kinds == ("title_changed",) and rev.changed_paragraphs == (1, 3) and rev.diff is None
    assert rev.paragraph_numbers == (2, 4)


def test_article_page_versions_from_revisions() -> None:
    docs = sample_docs()
    aid = article_id(URL)
    revisions = Found(tuple(reversed(docs["revisions"])), 2)
    page = article_page(aid, docs["articles"][0], revisions)
    assert [v.version for v in page.versions] == [1, 2, 3]
    assert page.versions[0].at == page.article.first_seen
    assert [r.version for r in page.revisions] == [2, 3]
    assert page.revisions[1].title_changed and not page.revisions_cut
    # revisions without the article (the enricher is behind): still a page
    only = article_page(aid, None, revisions)
    assert only.article.title == "Syria talks end without a deal, again" and only.article.version == 3
    with pytest.raises(NotFound):
        article_page(aid, None, Found())


def test_story_reports_in_time_order_and_unknown_story() -> None:
    docs = sample_docs()
    page = story_page(docs["stories"][0], Found(tuple(reversed(docs["articles"])), 2), "s")
    assert [a.source for a in page.reports] == ["Example", "Other"]
    with pytest.raises(NotFound):
        story_page(None, Found(), "s")


def test_an_outlet_nothing_is_known_of_is_not_found() -> None:
    with pytest.raises(NotFound, match="no outlet"):
        outlet_page(OutletFound("nobody", Found(), Found(), Found()))


def test_page_links_keep_the_filter() -> None:
    links = page_links("/revisions", {"outlet": "A&B", "kind": "title_changed"}, 2, 3)
    assert links["prev"] == "/revisions?outlet=A%26B&kind=title_changed"
    assert links["next"] == "/revisions?outlet=A%26B&kind=title_changed&page=3"
    assert page_links("/x", {}, 1, 1) == {"prev": None, "next": None}


def test_jsonable_gives_plain_json_with_safe_diffs() -> None:
    docs = sample_docs()
    view = revision_view(docs["revisions"][0], with_diff=True)
    data = jsonable(view)
    assert data["detected_at"] == "2016-09-08T10:10:00Z"
    assert "<ins>fourteen</ins>" in data["diff"]["html"] and data["diff"]["truncated"] is False
    assert isinstance(data["kinds"], list)
