"""What the end-to-end tests share: the settings that make a run quick, reading everything back
from Elasticsearch, Kafka and the archiver's WARC files, and each stage instance's own /metrics
and memory."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswire.config import KafkaSettings
from newswire.contracts import ArticleVersion
from newswire.kafka.reader import read_to_end
from newswire.runtime.codec import decode_as
from newswire.local.supervisor import StageProgress, scrape
from newswire.topics import ARTICLES_VERSIONS

#: Settings that let a run of a few minutes see polls, re-checks and retries (production waits
#: minutes to hours for each).
QUICK_SETTINGS: dict[str, str] = {
    "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
    "NEWSWIRE_POLL_INTERVAL_S": "10",
    "NEWSWIRE_MIN_INTERVAL_S": "5",  # quick re-polls
    "NEWSWIRE_MAX_HINT_S": "10",  # the farm's feeds ask for 5 min (ttl)
    # the adaptive interval follows each feed's item rate (minutes for the farm's outlets, and
    # the maximum once a feed of under 3 dated items answers 304): a run wants every arrival soon
    "NEWSWIRE_MAX_INTERVAL_S": "10",
    "NEWSWIRE_POLL_TICK_S": "1",
    "NEWSWIRE_RECHECK_INITIAL_S": "8",
    "NEWSWIRE_RECHECK_TICK_S": "2",
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_RETRY__BASE_DELAY_S": "0.5",
}


def stage_env(kafka: KafkaSettings, index_prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a stage process in an end-to-end run: the test's own topics and
    indices, quick settings, and `extra`."""
    return {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": index_prefix,
        **QUICK_SETTINGS,
        **extra,
    }


async def search_all(es: Any, index: str, size: int = 10_000) -> list[dict[str, Any]]:
    """Every document of an index or alias (refreshed first), `_id` included; [] if it does not
    exist yet (the revisions alias appears with its first monthly index)."""
    await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    result = await es.search(
        index=index, size=size, query={"match_all": {}}, ignore_unavailable=True, allow_no_indices=True
    )
    return [hit["_source"] | {"_id": hit["_id"]} for hit in result["hits"]["hits"]]


async def versions_on_kafka(kafka: KafkaSettings) -> dict[str, dict[int, set[str]]]:
    """article id -> version -> the distinct revision ids published for it on the versions topic
    (a replayed message repeats a revision id; an invented version adds a number)."""
    found: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    async with aclosing(read_to_end(kafka, ARTICLES_VERSIONS)) as records:
        async for record in records:
            version = decode_as(ArticleVersion, record.value)
            found[version.article_id][version.version].add(version.revision_id)
    return found


def progress(port: int) -> StageProgress:
    """One instance's counters, from its own /metrics (as Prometheus scrapes it)."""
    return scrape(f"http://127.0.0.1:{port}/metrics")


def rss_mib(pid: int | None) -> float:
    """Resident memory of a process, MiB (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def pages_of(kafka: KafkaSettings, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The fetched pages of some articles, summarised (for failure messages)."""
    from newswire.contracts import FetchedPage
    from newswire.topics import PAGES

    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    async with aclosing(read_to_end(kafka, PAGES)) as records:
        async for record in records:
            page = decode_as(FetchedPage, record.value)
            if page.article_id in found:
                found[page.article_id].append(
                    {
                        "partition": record.partition, "offset": record.offset,
                        "reason": page.reason, "outcome": page.outcome, "status": page.status,
                        "url": str(page.final_url)[-40:], "etag": page.headers.get("etag"),
                        "item_authors": page.item.authors if page.item else None,
                        "html_bytes": len(page.html or ""), "author_in_html": "name=\"author\"" in (page.html or ""),
                    }
                )
    return found


@dataclass(frozen=True)
class ArchivedPage:
    """One page as the archiver's WARC files hold it, read with warcio (not the archiver's own
    reader): its metadata record's page (JSON, without `html`) and its response body, if any."""

    record_id: str
    """The metadata record's WARC-Record-ID."""
    file: str
    page: dict[str, Any]
    body: bytes | None
    charset: str | None


@dataclass
class Archive:
    """Every page of an archive directory, in the order `newswire reprocess` replays them (files
    in name order, records in file order)."""

    pages: list[ArchivedPage] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def first_copies(self) -> dict[str, ArchivedPage]:
        """record id -> its first copy (the one a replay produces), in replay order."""
        first: dict[str, ArchivedPage] = {}
        for page in self.pages:
            first.setdefault(page.record_id, page)
        return first


def read_archive(directory: Path) -> Archive:
    """The pages of the archiver's finished WARC files under `directory`: each metadata record
    with the response record it is concurrent to (a response without its metadata, or a
    metadata record naming a response the file does not hold, fails the read)."""
    from warcio.archiveiterator import ArchiveIterator

    archive = Archive()
    for warc in sorted(p for p in directory.rglob("*.warc.gz") if p.is_file()):
        archive.files.append(warc.name)
        responses: dict[str, bytes] = {}
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                rid = record.rec_headers.get_header("WARC-Record-ID")
                if record.rec_type == "response":
                    responses[rid] = record.content_stream().read()
                    continue
                if record.rec_type != "metadata":
                    continue
                fields: dict[str, str] = {}
                for line in record.content_stream().read().decode("utf-8").split("\r\n"):
                    name, sep, value = line.partition(":")
                    if sep:
                        fields.setdefault(name.strip(), value.strip())
                concurrent = record.rec_headers.get_header("WARC-Concurrent-To")
                body = None
                if concurrent:
                    assert concurrent in responses, f"{warc.name}: {rid} names a response the file does not hold"
                    body = responses.pop(concurrent)
                archive.pages.append(
                    ArchivedPage(rid, warc.name, json.loads(fields["newswire-page"]), body, fields.get("newswire-body-charset"))
                )
        assert not responses, f"{warc.name}: responses without their metadata record: {sorted(responses)[:3]}"
    return archive
