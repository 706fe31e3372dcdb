"""`newswire up`: the local default. The dev stack, topics, templates, all six stages as
supervised processes, live progress until Ctrl-C; `--demo` runs against the local news farm and
ends with a summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.live import Live
from rich.table import Table

from newswire.cli._common import console, run_async
from newswire.config import CommonSettings
from newswire.runtime.supervisor import StageProgress, Supervisor, parse_processes

DEMO_PORT = 8900


def load_feed_file(path: Path) -> list[dict[str, Any]]:
    """Feeds from feeds.yaml (`feeds: [{url, outlet?, title?}]`) or a text file of URLs."""
    text = path.read_text("utf-8")
    if path.suffix in (".yaml", ".yml"):
        data = yaml.safe_load(text) or {}
        return [dict(f) for f in data.get("feeds", [])]
    return [{"url": line.strip()} for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _progress_table(progress: dict[str, StageProgress], elapsed: float) -> Table:
    table = Table(title=f"newswire — {elapsed:,.0f}s (Ctrl-C stops)")
    for column in ("stage", "state", "in", "out", "failed", "lag"):
        table.add_column(column, justify="right" if column not in ("stage", "state") else "left")
    for stage, p in progress.items():
        table.add_row(
            stage, "[green]up[/green]" if p.up else "[yellow]starting[/yellow]",
            f"{p.messages_in:,.0f}", f"{p.messages_out:,.0f}", f"{p.failed:,.0f}", f"{p.lag:,.0f}",
        )
    return table


async def _summary(settings: CommonSettings) -> dict[str, int]:
    from newswire.es.client import make_client
    from newswire.es.setup import alias
    from newswire.runtime.dlq import read_dead_letters

    client = make_client(settings.elasticsearch)
    prefix = settings.elasticsearch.index_prefix
    counts: dict[str, int] = {}
    try:
        await client.indices.refresh(index=f"{prefix}-*")
        for name, family in (("polls", "polls"), ("feeds", "feeds"), ("articles", "articles"), ("revisions", "revisions")):
            try:
                counts[name] = int((await client.count(index=alias(prefix, family)))["count"])
            except Exception:
                counts[name] = 0
    finally:
        await client.close()
    counts["dead_letters"] = len(await read_dead_letters(settings.kafka))
    return counts


def up(
    demo: bool = typer.Option(False, "--demo", help="Run against the local news farm, not the internet."),
    outlets: int = typer.Option(20, help="Demo: number of farm outlets."),
    duration: float = typer.Option(0.0, help="Stop after this many seconds (demo default: 150)."),
    feeds: Path = typer.Option(Path("feeds.yaml"), help="Feed list for the non-demo run."),
    devstack: bool = typer.Option(True, help="Start the dev stack (Kafka + Elasticsearch) first."),
    processes: str = typer.Option(
        "", help="Processes per stage, e.g. enricher=2 (they share its partitions; default 1 each)."
    ),
) -> None:
    """Run the whole system locally until Ctrl-C (or --duration)."""
    from newswire import devstack as stack
    from newswire.es.client import make_client, wait_healthy
    from newswire.es.setup import setup as es_setup
    from newswire.kafka.admin import ensure_topics
    from newswire.poller.registry import add_feeds

    try:
        counts = parse_processes(processes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--processes") from exc
    settings = CommonSettings()
    if devstack:
        stack.up()
    run_async(ensure_topics(settings.kafka))

    async def templates() -> None:
        client = make_client(settings.elasticsearch)
        try:
            await wait_healthy(client)
            await es_setup(client, settings.elasticsearch.index_prefix)
        finally:
            await client.close()

    run_async(templates())
    work = Path("var") / ("demo" if demo else "local")
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEWSWIRE_DATA_DIR": str(work / "state")}
    farm: subprocess.Popen[bytes] | None = None
    if demo:
        duration = duration or 150.0
        feed_list = work / "farm-feeds.txt"
        feed_list.unlink(missing_ok=True)
        farm = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "farm", "--outlets", str(outlets), "--port", str(DEMO_PORT),
             "--edit-after", "30", "--feeds-out", str(feed_list)],
            stdout=open(work / "farm.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not feed_list.exists() and time.monotonic() < deadline and farm.poll() is None:
            time.sleep(0.2)
        if not feed_list.exists():
            console.print(f"[red]the farm did not start; see {work / 'farm.log'}[/red]")
            raise typer.Exit(1)
        feed_entries = load_feed_file(feed_list)
        env.update({
            "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
            "NEWSWIRE_POLL_INTERVAL_S": "20",
            "NEWSWIRE_MIN_INTERVAL_S": "10",  # the demo wants quick re-polls
            "NEWSWIRE_MAX_HINT_S": "20",  # and the farm feeds ask for 5 min (ttl)
            "NEWSWIRE_RECHECK_INITIAL_S": "15",
            "NEWSWIRE_MIN_HOST_DELAY_S": "0",
        })
    else:
        feed_entries = load_feed_file(feeds)
    added = run_async(add_feeds(settings.kafka, feed_entries))
    console.print(f"{added} feed(s) in the registry; starting the six stages (logs in {work / 'logs'})")
    supervisor = Supervisor(env=env, log_dir=work / "logs", processes=counts)
    stopping = False

    def _stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    supervisor.start()
    started = time.monotonic()
    try:
        with Live(_progress_table(supervisor.progress(), 0), console=console, refresh_per_second=1) as live:
            while not stopping and (duration <= 0 or time.monotonic() - started < duration):
                time.sleep(2.0)
                supervisor.watch()
                live.update(_progress_table(supervisor.progress(), time.monotonic() - started))
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping the stages…")
        supervisor.stop()
        if farm is not None:
            farm.terminate()
            farm.wait(30)
    counts = run_async(_summary(settings))
    es = settings.elasticsearch.hosts[0]
    prefix = settings.elasticsearch.index_prefix
    console.print_json(json.dumps(counts))
    console.print(
        f"feeds polled: {counts['polls']} polls of {counts['feeds']} feeds; articles indexed: {counts['articles']}; "
        f"revisions detected: {counts['revisions']}; dead letters: {counts['dead_letters']}\n"
        f"query them:\n"
        f"  curl '{es}/{prefix}-articles/_search?q=*&size=5&pretty'\n"
        f"  curl '{es}/{prefix}-revisions/_search?pretty'\n"
        f"  newswire dlq list"
    )
    if devstack and not demo:
        console.print("the dev stack is still running: `newswire devstack down` stops it")
