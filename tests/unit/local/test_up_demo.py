"""The demo's own logic: its namespace, its feeds' re-poll asks, when it is done, and the lines a
user (and the end-to-end test) reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from newswire.local import up_demo
from newswire.config import CommonSettings, ElasticsearchSettings, KafkaSettings
from newswire.contracts.ids import article_id
from newswire.farm.ledger import IndexedArticle, IndexedRevision, LedgerInputs, PublishedItem, account
from newswire.poller.registry import as_entry, feed_config

HOST = "127.0.1.1:8900"


def item(n: int, source: str = "generated", versions: int = 1, modified: str | None = None) -> PublishedItem:
    url = f"http://{HOST}/news/2026/12/05/story-{n}.html"
    return PublishedItem(url=url, link=url, outlet="O", host="127.0.1.1", versions=versions,
                         source=source, modified=modified)


def doc(it: PublishedItem, version: int = 1) -> IndexedArticle:
    return IndexedArticle(id=article_id(it.url), canonical_url=it.url, version=version,
                          first_seen="2026-12-05T10:00:00+00:00")


def test_the_demo_namespace_is_apart_from_the_users() -> None:
    base = CommonSettings(kafka=KafkaSettings(topic_prefix="t."), elasticsearch=ElasticsearchSettings(index_prefix="nw"))
    a, b = up_demo.demo_settings(base), up_demo.demo_settings(base)
    assert a.kafka.topic_prefix.startswith("t.demo-") and a.kafka.topic_prefix.endswith(".")
    assert a.kafka.topic_prefix != b.kafka.topic_prefix  # a new run: new groups, clean state
    assert a.elasticsearch.index_prefix == "nw-demo" and base.elasticsearch.index_prefix == "nw"
    assert a.kafka.bootstrap_servers == base.kafka.bootstrap_servers
    env = up_demo.stage_env(a, Path("/x/state"))
    assert env["NEWSWIRE_KAFKA__TOPIC_PREFIX"] == a.kafka.topic_prefix
    assert env["NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX"] == "nw-demo"


def test_demo_feeds_ask_for_quick_repolls_in_their_registry_entry() -> None:
    (entry,) = up_demo.feed_entries(["http://127.0.1.1:8900/feed.xml"])
    config = feed_config(as_entry(entry))
    assert config.max_interval_s == up_demo.DEMO_MAX_INTERVAL_S
    assert config.min_interval_s == up_demo.DEMO_MIN_INTERVAL_S


def test_the_demo_releases_the_edit_once_the_first_version_is_indexed_then_waits_for_its_revision() -> None:
    guardian = item(0, source="revision:guardian")
    others = [item(i) for i in range(1, 4)]
    items = [guardian, *others]

    not_yet = up_demo.judge(account(LedgerInputs(items=items, articles=[doc(i) for i in others])), items, False)
    assert not not_yet.done and not_yet.edits_waiting == 0 and not_yet.lost == 1

    seen = up_demo.judge(account(LedgerInputs(items=items, articles=[doc(i) for i in items])), items, False)
    assert not seen.done and seen.edits_waiting == 1 and seen.lost == 0
    # indexed as the near-duplicate of a seed report: still seen, so the edit is released
    as_duplicate = [replace(doc(guardian), duplicate_of="a" * 32), *(doc(i) for i in others)]
    dup = up_demo.judge(account(LedgerInputs(items=items, articles=as_duplicate)), items, False)
    assert dup.edits_waiting == 1

    edited = replace(guardian, versions=2, modified="2026-12-05T10:01:00+00:00")
    items2 = [edited, *others]
    waiting = up_demo.judge(account(LedgerInputs(items=items2, articles=[doc(i) for i in items2])), items2, True)
    assert not waiting.done and waiting.expected_revisions == 1 and waiting.revisions == 0

    revision = IndexedRevision(id=f"{article_id(edited.url)}-v2", article_id=article_id(edited.url), version=2, index="r")
    final = account(LedgerInputs(items=items2, articles=[doc(edited, 2), *(doc(i) for i in others)], revisions=[revision]))
    done = up_demo.judge(final, items2, True)
    assert done.done and done.revisions == 1 and done.accounted == 4
    line = up_demo.result_line(final, 42.4)
    assert line == "demo: 4 articles (4 indexed), 1 revision (1 expected), 0 lost, 0 duplicated; balanced; 42 s"


def test_without_fixtures_the_demo_is_done_when_every_article_is_accounted_for() -> None:
    items = [item(i) for i in range(3)]
    state = up_demo.judge(account(LedgerInputs(items=items, articles=[doc(i) for i in items])), items, False)
    assert state.done and state.expected_revisions == 0


def test_changed_paragraphs_are_named_as_a_reader_counts() -> None:
    assert up_demo._paragraphs([5, 6, 7]) == "paragraphs 6, 7 and 8"
    assert up_demo._paragraphs([0]) == "paragraph 1"
    assert up_demo._paragraphs([]) == "no paragraph"
