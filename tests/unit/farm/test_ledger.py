"""The ledger's accounting: every published item gets exactly one outcome, and duplicates,
missed edits and invented versions are caught (pure: no servers)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from newswire.contracts import DeadLetter, FetchedPage
from newswire.contracts.ids import article_id
from newswire.farm.ledger import (
    FailedFetch,
    IndexedArticle,
    IndexedRevision,
    LedgerInputs,
    Outcome,
    PublishedItem,
    account,
    failed_fetch_of,
    identifiers,
    letter_of,
    render,
)

HOST = "127.0.1.1:8900"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def item(n: int, *, versions: int = 1, faults: tuple[str, ...] = (), redirect: bool = False) -> PublishedItem:
    path = f"/news/2026/11/21/story-{n}.html"
    canonical = f"http://{HOST}{path.replace('/news/', '/story/') if redirect else path}"
    return PublishedItem(
        url=canonical, link=f"http://{HOST}{path}?utm_source=rss&utm_medium=feed",
        outlet="Outlet", host="127.0.1.1", versions=versions, faults=faults,
    )


def doc(it: PublishedItem, **kw: object) -> IndexedArticle:
    return IndexedArticle(id=article_id(it.url), canonical_url=it.url, **kw)  # type: ignore[arg-type]


def rev(it: PublishedItem, version: int, index: str = "r") -> IndexedRevision:
    return IndexedRevision(id=f"{article_id(it.url)}-v{version}", article_id=article_id(it.url), version=version, index=index)


def test_every_item_gets_its_outcome_and_the_ledger_balances() -> None:
    items = [item(i) for i in range(6)]
    letter = letter_of(dead_letter(fetch_request_bytes(items[3]), stage="fetcher"))
    inputs = LedgerInputs(
        items=items,
        articles=[
            doc(items[0]),
            doc(items[1], duplicate_of="a" * 32),
            doc(items[2], flags=("paywalled",)),
        ],
        dead_letters=[letter],
        failed_fetches=[FailedFetch(article_id(items[4].link), frozenset(), "not_found", "HTTP 404")],
    )
    result = account(inputs)
    outcomes = [a.outcome for a in result.accounts]
    assert outcomes == [
        Outcome.INDEXED, Outcome.DUPLICATE, Outcome.FLAGGED, Outcome.DEAD_LETTER,
        Outcome.FETCH_FAILED, Outcome.UNACCOUNTED,
    ]
    assert result.accounts[1].reason == "duplicate of " + "a" * 32
    assert "paywalled" in result.accounts[2].reason
    assert "fetcher" in result.accounts[3].reason and "boom" in result.accounts[3].reason
    assert "not_found: HTTP 404" in result.accounts[4].reason
    assert [a.url for a in result.unaccounted] == [items[5].url]
    assert not result.balanced
    assert result.counts[Outcome.UNACCOUNTED] == 1 and sum(result.counts.values()) == 6
    balanced = account(LedgerInputs(items=items[:5], articles=inputs.articles, dead_letters=[letter],
                                    failed_fetches=inputs.failed_fetches))
    assert balanced.balanced, balanced.summary()


def test_a_redirecting_link_matches_its_canonical_document() -> None:
    it = item(1, redirect=True)
    result = account(LedgerInputs(items=[it], articles=[doc(it)]))
    assert result.counts[Outcome.INDEXED] == 1 and result.balanced


def test_unreachable_by_design_is_reported_with_its_reason_never_silently() -> None:
    blocked = item(1, faults=("robots_disallow_all",))
    harmless = item(2, faults=("charset_meta_latin1_only",))
    failure = FailedFetch(article_id(blocked.link), frozenset(), "robots_disallowed", "robots.txt")
    result = account(LedgerInputs(items=[blocked, harmless], failed_fetches=[failure],
                                  unreachable_outlets={"127.0.1.9": "dead: connections refused"}))
    unreachable, lost = result.accounts
    assert unreachable.outcome == Outcome.UNREACHABLE
    assert "robots_disallow_all" in unreachable.reason and "robots_disallowed" in unreachable.reason
    # a fault that must not keep an article out does not excuse a missing one
    assert lost.outcome == Outcome.UNACCOUNTED
    assert result.unreachable_outlets == {"127.0.1.9": "dead: connections refused"}


def test_an_article_indexed_twice_is_caught() -> None:
    it = item(1)
    twin = IndexedArticle(id="f" * 32, canonical_url=it.url + "?utm_source=x")
    result = account(LedgerInputs(items=[it], articles=[doc(it), twin]))
    assert list(result.duplicated_articles.values()) == [tuple(sorted([article_id(it.url), "f" * 32]))]
    assert not result.balanced


def test_each_edit_is_exactly_one_revision() -> None:
    edited, twice, missed, invented = item(1, versions=2), item(2, versions=2), item(3, versions=3), item(4)
    result = account(
        LedgerInputs(
            items=[edited, twice, missed, invented],
            articles=[doc(edited, version=2), doc(twice, version=2), doc(missed, version=2), doc(invented, version=2)],
            revisions=[rev(edited, 2), rev(twice, 2, "r-2026.10"), rev(twice, 2, "r-2026.11"), rev(missed, 2), rev(invented, 2)],
        )
    )
    assert result.expected_edits == 1 + 1 + 2 and result.seen_revisions == 5
    assert result.duplicated_revisions == {(article_id(twice.url), 2): 2}
    kinds = {(p.url, p.kind, p.versions) for p in result.revision_problems}
    assert kinds == {(missed.url, "missing", (3,)), (invented.url, "spurious", (2,))}
    assert not result.balanced
    ok = account(LedgerInputs(items=[edited], articles=[doc(edited, version=2)], revisions=[rev(edited, 2)]))
    assert ok.balanced and not ok.revision_problems


def test_an_edit_made_before_the_first_sighting_is_invisible_but_one_made_after_is_not() -> None:
    from dataclasses import replace

    early = replace(item(1, versions=2), modified="2026-11-21T09:00:00+00:00")
    late = replace(item(2, versions=2), modified="2026-11-21T09:05:00+00:00")
    first_seen = "2026-11-21T09:01:00+00:00"
    both = [early, late]
    seen_old_text = account(LedgerInputs(
        items=both,
        articles=[doc(early, first_seen=first_seen), doc(late, first_seen=first_seen)],
    ))
    assert [(p.url, p.kind) for p in seen_old_text.revision_problems] == [(late.url, "missing")]
    assert seen_old_text.expected_edits == 1
    caught = account(LedgerInputs(
        items=both,
        articles=[doc(early, first_seen=first_seen, version=2), doc(late, first_seen=first_seen, version=2)],
        revisions=[rev(early, 2), rev(late, 2)],
    ))
    assert caught.balanced, caught.summary()  # a near-simultaneous edit may be seen after all
    stale_doc = account(LedgerInputs(items=[late], articles=[doc(late, first_seen=first_seen)], revisions=[rev(late, 2)]))
    assert [p.kind for p in stale_doc.revision_problems] == ["missing"]


def test_a_version_the_farm_never_published_is_spurious_even_without_a_revision() -> None:
    it = item(1)
    result = account(LedgerInputs(items=[it], articles=[doc(it, version=2)]))
    assert [(p.kind, p.versions) for p in result.revision_problems] == [("spurious", (2,))]


def test_dead_letters_match_items_by_the_urls_and_ids_in_their_bytes() -> None:
    it = item(7, redirect=True)
    page = fetched_page(it)
    letter = letter_of(dead_letter(page.to_bytes(), stage="normaliser", key=page.article_id.encode()))
    assert article_id(it.link) in letter.article_ids
    poison = letter_of(dead_letter(b"\xff\xfe not json at all", stage="fetcher"))
    assert poison.urls == frozenset() and poison.article_ids == frozenset()
    raw = letter_of(dead_letter(b"garbage before " + it.url.encode() + b" and after", stage="fetcher"))
    result = account(LedgerInputs(items=[it], dead_letters=[letter, poison, raw]))
    (acc,) = result.accounts
    assert acc.outcome == Outcome.DEAD_LETTER and "normaliser" in acc.reason
    assert [x.dead_letter_id for x in result.unmatched_dead_letters] == [poison.dead_letter_id]


def test_an_indexed_item_wins_over_its_old_dead_letter() -> None:
    it = item(1)
    letter = letter_of(dead_letter(fetch_request_bytes(it), stage="normaliser"))
    result = account(LedgerInputs(items=[it], articles=[doc(it)], dead_letters=[letter]))
    assert result.accounts[0].outcome == Outcome.INDEXED
    assert not result.unmatched_dead_letters  # replayed: it belongs to an item that made it


def test_failed_fetch_of_reads_only_failures() -> None:
    it = item(1)
    ok = fetched_page(it)
    assert failed_fetch_of(ok) is None
    failed = ok.model_copy(update={"outcome": "failed", "failure": "http_5xx", "failure_detail": "HTTP 503", "html": None})
    got = failed_fetch_of(failed)
    assert got is not None and got.reason == "http_5xx: HTTP 503" and got.article_id == ok.article_id


def test_identifiers_ignore_non_ids_and_survive_bad_urls() -> None:
    urls, ids = identifiers(b"not-an-id", b'{"article_id": "xyz", "url": "http://[bad", "nested": [{"canonical_url": "http://a.example/x?utm_source=1"}]}')
    assert ids == frozenset()
    assert urls == frozenset({"http://a.example/x"})


def test_render_and_json_show_counts_and_problems() -> None:
    from rich.console import Console

    it, lost = item(1, versions=2), item(2)
    result = account(LedgerInputs(items=[it, lost], articles=[doc(it, version=2)], revisions=[rev(it, 2)]))
    console = Console(record=True, width=160)
    console.print(render(result))
    text = console.export_text()
    assert "unaccounted" in text and lost.url in text and "balanced" in text
    data = result.to_json()
    assert data["balanced"] is False and data["counts"]["indexed"] == 1 and data["unaccounted"] == [lost.url]
    assert "NOT BALANCED" in result.summary()


# -- builders -------------------------------------------------------------------------------------


def fetch_request_bytes(it: PublishedItem) -> bytes:
    from newswire.contracts import FetchRequest

    return FetchRequest(
        url=it.link, host="127.0.1.1", article_id=article_id(it.link), reason="new", requested_at=NOW,
    ).to_bytes()


def fetched_page(it: PublishedItem) -> FetchedPage:
    return FetchedPage(
        article_id=article_id(it.link), requested_url=it.link, final_url=it.url, reason="new",
        outcome="ok", status=200, fetched_at=NOW, html="<html></html>",
    )


def dead_letter(value: bytes, *, stage: str, key: bytes | None = None) -> DeadLetter:
    return DeadLetter(
        dead_letter_id=base64.b16encode(value[:8]).decode().lower().ljust(32, "0")[:32],
        stage=stage, source_topic="t", source_partition=0, source_offset=0, key=key, value=value,
        error_class="permanent", error_type="PermanentError", error_message="boom", attempts=1,
        failed_at=NOW,
    )


def test_an_edit_in_the_second_of_the_first_fetch_may_have_been_its_first_version() -> None:
    from dataclasses import replace

    # stamped 09:01:00 (cut down to the second): it went live at 09:01:00.0-09:01:00.999, so a
    # page served at 09:01:00.4 may already show it; only an edit stamped later is certainly after
    same_second = replace(item(1, versions=2), modified="2026-11-21T09:01:00+00:00")
    next_second = replace(item(2, versions=2), modified="2026-11-21T09:01:01+00:00")
    first_seen = "2026-11-21T09:01:00.400000+00:00"
    result = account(LedgerInputs(
        items=[same_second, next_second],
        articles=[doc(same_second, first_seen=first_seen), doc(next_second, first_seen=first_seen)],
    ))
    assert [(p.url, p.kind) for p in result.revision_problems] == [(next_second.url, "missing")]
    assert result.expected_edits == 1
