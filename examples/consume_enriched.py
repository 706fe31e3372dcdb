"""Consume newswire's enriched articles: a starting point for teams who read our topics.

Needs only `aiokafka` and `jsonschema` (not the newswire package). Every message is a JSON object
validated against the published JSON Schema of its contract (`deploy/contracts/jsonschema/`); the
message key is the article id, and an article arrives again, with a higher `version`, each time it
is edited, so keep the highest version per `article_id`. Offsets are committed after a batch is
handled (at-least-once: make your handling idempotent, e.g. keyed by `revision_id`).

    python examples/consume_enriched.py --bootstrap 127.0.0.1:19092 --group my-team
    python examples/consume_enriched.py --max 10 --from-beginning     # a look at the first ten
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator, ValidationError

SCHEMA = Path(__file__).resolve().parents[1] / "deploy/contracts/jsonschema/EnrichedArticle.v1.schema.json"


def handle(article: dict[str, Any]) -> None:
    """Your code goes here. This prints one line per article version."""
    title = (article["article"].get("title") or "")[:70]
    people = [e["name"] for e in article.get("entities", []) if e.get("type") == "person"][:3]
    print(f"{article['article_id']} v{article['version']} [{article['article']['host']}] {title} {people}")


async def consume(args: argparse.Namespace) -> int:
    validator = Draft202012Validator(json.loads(Path(args.schema).read_text(encoding="utf-8")))
    consumer = AIOKafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        max_partition_fetch_bytes=16 * 1024 * 1024,  # an enriched article can be large
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    seen = invalid = 0
    await consumer.start()
    try:
        while not stop.is_set() and (args.max == 0 or seen < args.max):
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    seen += 1
                    try:
                        message = json.loads(record.value)
                        validator.validate(message)
                    except (ValueError, ValidationError) as exc:  # not JSON, or not the contract
                        invalid += 1  # never crash on one bad message: log it and go on
                        reason = exc.message if isinstance(exc, ValidationError) else str(exc)
                        print(f"skipping offset {record.partition}/{record.offset}: {reason}")
                        continue
                    handle(message)
            if batch:
                await consumer.commit()
    finally:
        await consumer.stop()
    print(f"{seen} messages, {invalid} invalid")
    return 1 if invalid else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="127.0.0.1:19092", help="Kafka bootstrap servers.")
    parser.add_argument("--topic", default="newswire.articles.enriched.v1")
    parser.add_argument("--group", default="example-enriched-reader", help="Your consumer group.")
    parser.add_argument("--schema", default=str(SCHEMA), help="The contract's JSON Schema.")
    parser.add_argument("--max", type=int, default=0, help="Stop after this many messages (0: run on).")
    parser.add_argument("--from-beginning", action="store_true", help="A new group starts at the oldest message.")
    raise SystemExit(asyncio.run(consume(parser.parse_args())))


if __name__ == "__main__":
    main()
