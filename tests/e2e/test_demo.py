"""`newswire up --demo` as a user runs it: the real command in a subprocess, on the real dev
stack, in its own working directory; it must end by itself with the whole story told: every
article the farm published accounted for, the Guardian edit as one revision whose diff changed
paragraphs 6, 7 and 8, the five seed reports in one story, and nothing lost."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings

RESULT = re.compile(
    r"^demo: (?P<articles>\d+) articles \((?P<outcomes>[^)]*)\), (?P<revisions>\d+) revisions? "
    r"\((?P<expected>\d+) expected\), (?P<lost>\d+) lost, (?P<duplicated>\d+) duplicated; balanced;",
    re.MULTILINE,
)


@pytest.mark.timeout(720)
async def test_make_demo_tells_the_whole_story(
    kafka_settings: KafkaSettings, es_settings: ElasticsearchSettings, es_client: object,
    guardian: object, tmp_path: Path,
) -> None:
    from newswire.es.setup import teardown
    from newswire.kafka.admin import delete_topics, list_topics

    env = {
        **os.environ,
        # the demo adds its own namespace under these (topics <prefix>demo-<run>., indices <prefix>-demo)
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": f"{kafka_settings.topic_prefix}cmd.",
        "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": f"{es_settings.index_prefix}-cmd",
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newswire.cli.main", "up", "--demo", "--no-devstack", "--timeout", "540",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=660)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        existing = await list_topics(kafka_settings)
        await delete_topics(kafka_settings, [t for t in existing if t.startswith(env["NEWSWIRE_KAFKA__TOPIC_PREFIX"])])
        await teardown(es_client, f"{env['NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX']}-demo")  # type: ignore[arg-type]
    text = out.decode("utf-8", "replace")
    tail = text[-6000:]
    assert process.returncode == 0, tail
    match = RESULT.search(text)
    assert match is not None, tail
    assert int(match["articles"]) == 106, tail  # 100 generated, 5 seed reports, the Guardian article
    assert (int(match["revisions"]), int(match["expected"])) == (1, 1), tail
    assert int(match["lost"]) == 0 and int(match["duplicated"]) == 0, tail
    assert "changed_paragraphs [5, 6, 7]" in text and "paragraphs 6, 7 and 8 changed" in text, tail
    assert re.search(r"Story \".+\": 5 of the 5 seed reports of one event grouped together", text), tail
    assert (tmp_path / "var" / "demo" / "logs" / "poller.log").exists()
