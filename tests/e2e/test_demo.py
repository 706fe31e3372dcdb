"""`newswire up --demo` as a user runs it: the real command in a subprocess, on the real dev
stack, in its own working directory; it must end by itself with the whole story told: every
article the farm published accounted for, the Guardian edit as one revision whose diff changed
paragraphs 6, 7 and 8, the five seed reports in one story, and nothing lost. Then the pages it
points to are read in a real browser (headless Chromium): the Guardian article with its changed
paragraphs and added words marked, the seed story with its five outlets, and its Atom feed of
changes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

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
        text = out.decode("utf-8", "replace")
        _check_summary(text, process.returncode)
        demo_env = {**env, "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": f"{env['NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX']}-demo"}
        await asyncio.to_thread(_read_in_a_browser, text, demo_env, guardian, tmp_path)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        existing = await list_topics(kafka_settings)
        await delete_topics(kafka_settings, [t for t in existing if t.startswith(env["NEWSWIRE_KAFKA__TOPIC_PREFIX"])])
        await teardown(es_client, f"{env['NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX']}-demo")  # type: ignore[arg-type]
    assert (tmp_path / "var" / "demo" / "logs" / "web.log").exists()


def _check_summary(text: str, returncode: int | None) -> None:
    """The demo's own report: its closing line, the Guardian revision, the seed story."""
    tail = text[-6000:]
    assert returncode == 0, tail
    match = RESULT.search(text)
    assert match is not None, tail
    assert int(match["articles"]) == 106, tail  # 100 generated, 5 seed reports, the Guardian article
    assert (int(match["revisions"]), int(match["expected"])) == (1, 1), tail
    assert int(match["lost"]) == 0 and int(match["duplicated"]) == 0, tail
    assert "changed_paragraphs [5, 6, 7]" in text and "paragraphs 6, 7 and 8 changed" in text, tail
    assert re.search(r"Story \".+\": 5 of the 5 seed reports of one event grouped together", text), tail


def _read_in_a_browser(text: str, env: dict[str, str], guardian: Any, tmp_path: Path) -> None:
    """Open the pages the demo printed, served by `newswire web` over the demo's indices, in
    headless Chromium, as a reader would."""
    from newswire.local.supervisor import free_ports
    from tests.e2e.browser import chromium

    article = re.search(r"read it side by side: http://127\.0\.0\.1:\d+(/articles/[0-9a-f]{32})", text)
    story = re.search(r"the story's page: http://127\.0\.0\.1:\d+(/stories/\S+)", text)
    assert article and story, text[-3000:]
    port = free_ports(1)[0]
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        [sys.executable, "-m", "newswire.cli.main", "web", "--port", str(port)], env=env,
        stdout=open(tmp_path / "web.log", "wb"), stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(f"{base}/healthz", web)
        old, new = guardian.versions[0], guardian.versions[1]
        added = {w for i in guardian.changed_paragraph_indexes for w in new[i].split()} - {
            w for i in guardian.changed_paragraph_indexes for w in old[i].split()
        }
        from selenium.webdriver.common.by import By

        with chromium() as browser:
            browser.get(base + article.group(1))
            changed = browser.find_element(By.CSS_SELECTOR, "p.changed-paragraphs").text
            assert changed.endswith("6, 7, 8"), changed
            marked = " ".join(e.text for e in browser.find_elements(By.TAG_NAME, "ins"))
            assert added & set(marked.split()), (sorted(added)[:10], marked[:500])
            browser.save_screenshot(str(tmp_path / "article.png"))
            feed = browser.find_element(By.CSS_SELECTOR, 'link[rel="alternate"][type="application/atom+xml"]')
            feed_url = feed.get_attribute("href")

            browser.get(base + story.group(1))
            outlets = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "ol.reports .by a")}
            assert len(outlets) >= 5, outlets
            browser.save_screenshot(str(tmp_path / "story.png"))
        import feedparser

        with urllib.request.urlopen(str(feed_url), timeout=10) as response:
            parsed = feedparser.parse(response.read())
        assert not parsed.bozo and parsed.version == "atom10", parsed.get("bozo_exception")
        assert any(article.group(1) in entry.link for entry in parsed.entries), [e.link for e in parsed.entries]
    finally:
        web.terminate()
        web.wait(30)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"newswire web did not become healthy at {url} (exit {process.poll()})")
