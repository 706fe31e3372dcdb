"""`newswire up`: the local default. The dev stack, topics, templates, all six stages as
supervised processes, and a live screen of what matters (feeds OK and failing, articles,
revisions, stories, dead letters, each stage's state and lag) until Ctrl-C; `--demo` runs against
the local news farm until the whole story is told (see `newswire.local.up_demo`).

One system per machine and data directory: a second `newswire up` finds the first by its lock
(`var/newswire-up.lock`) or by the stages' web ports and exits naming it.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.live import Live

from newswire.local import up_demo
from newswire.cli._common import console, err_console, run_async
from newswire.local.up_status import SystemCounts, collect_counts, render_status
from newswire.config import CommonSettings
from newswire.runtime.instance import AlreadyRunning, InstanceLock, holder_of, port_free
from newswire.runtime.stage import WEB_PORTS
from newswire.local.supervisor import StageProgress, Supervisor, parse_processes
from newswire.topics import STAGES
from newswire.web.settings import DEFAULT_PORT as WEB_VIEW_PORT

DEMO_PORT = up_demo.DEMO_PORT
#: How often the live screen asks Elasticsearch for the counts (the stages' /metrics: every 2 s).
COUNTS_EVERY_S = 4.0
#: How often the demo checks its ledger.
LEDGER_EVERY_S = 6.0


def load_feed_file(path: Path) -> list[dict[str, Any]]:
    """Feeds from feeds.yaml (`feeds: [{url, outlet?, title?, min_interval_s?, max_interval_s?}]`)
    or a text file of URLs."""
    text = path.read_text("utf-8")
    if path.suffix in (".yaml", ".yml"):
        data = yaml.safe_load(text) or {}
        return [dict(f) for f in data.get("feeds", [])]
    return [{"url": line.strip()} for line in text.splitlines() if line.strip() and not line.startswith("#")]


#: What `newswire up` runs: the six stages and the revision view (`newswire web`).
PORTS = {**WEB_PORTS, "web": WEB_VIEW_PORT}


def _ports_taken(demo: bool) -> list[str]:
    """Why this machine cannot run another system now: the stages' (and the farm's) ports."""
    problems = []
    for stage, port in PORTS.items():
        if not port_free("127.0.0.1", port):
            problems.append(f"port {port} of the {stage} stage is in use ({holder_of(port)})")
    if demo and not port_free("127.0.0.1", DEMO_PORT):
        problems.append(f"port {DEMO_PORT} of the demo's news farm is in use")
    return problems


def _counts(settings: CommonSettings, feeds: int, last: SystemCounts) -> SystemCounts:
    from newswire.es.client import make_client

    async def go() -> SystemCounts:
        client = make_client(settings.elasticsearch)
        try:
            return await collect_counts(client, settings.elasticsearch.index_prefix, feeds)
        finally:
            await client.close()

    try:
        return run_async(go())
    except Exception:  # Elasticsearch down for a moment: show the last counts, say so
        return dataclasses.replace(last, reachable=False)


def up(
    demo: bool = typer.Option(False, "--demo", help="Run against the local news farm, not the internet."),
    outlets: int = typer.Option(20, help="Demo: number of farm outlets."),
    duration: float = typer.Option(0.0, help="Stop after this many seconds (0: until Ctrl-C)."),
    timeout: float = typer.Option(
        900.0, help="Demo: give up after this many seconds, saying where each missing article stopped."
    ),
    feeds: Path = typer.Option(Path("feeds.yaml"), help="Feed list for the non-demo run."),
    devstack: bool = typer.Option(True, help="Start the dev stack (Kafka + Elasticsearch) first."),
    processes: str = typer.Option(
        "", help="Processes per stage, e.g. enricher=2 (they share its partitions; default 1 each)."
    ),
    serve: bool | None = typer.Option(
        None, "--serve/--no-serve",
        help="Demo: keep the revision view up after the report until Ctrl-C (default: when run at a terminal).",
    ),
) -> None:
    """Run the whole system locally until Ctrl-C (or --duration); --demo until the demo is told."""
    try:
        counts = parse_processes(processes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--processes") from exc
    command = "newswire up" + (" --demo" if demo else "")
    lock = InstanceLock(Path("var") / "newswire-up.lock", command)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        err_console.print(str(exc), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    try:
        taken = _ports_taken(demo)
        if taken:
            err_console.print(
                "cannot start: " + "; ".join(taken) + ". Another newswire (from another "
                "directory?) or another program is running: stop it first.",
                style="red", markup=False, soft_wrap=True,
            )
            raise typer.Exit(1)
        keep = sys.stdin.isatty() and sys.stdout.isatty() if serve is None else serve
        code = _run(demo, outlets, duration, timeout, feeds, devstack, counts, keep)
    finally:
        lock.release()
    if code:
        raise typer.Exit(code)


def _prepare(settings: CommonSettings) -> None:
    """The topics and index templates of a namespace (idempotent)."""
    from newswire.es.client import make_client, wait_healthy
    from newswire.es.setup import setup as es_setup
    from newswire.kafka.admin import ensure_topics

    run_async(ensure_topics(settings.kafka))

    async def templates() -> None:
        client = make_client(settings.elasticsearch)
        try:
            await wait_healthy(client)
            await es_setup(client, settings.elasticsearch.index_prefix)
        finally:
            await client.close()

    run_async(templates())


def _run(
    demo: bool, outlets: int, duration: float, timeout: float, feeds: Path, devstack: bool,
    counts: dict[str, int], serve: bool,
) -> int:
    from newswire.poller.registry import add_feeds, read_feeds

    base = CommonSettings()
    work = Path("var") / ("demo" if demo else "local")
    work.mkdir(parents=True, exist_ok=True)
    settings = up_demo.demo_settings(base) if demo else base
    env = {**os.environ, "NEWSWIRE_DATA_DIR": str(work / "state")}
    farm: subprocess.Popen[bytes] | None = None
    if devstack:
        from newswire import devstack as stack

        stack.up()
    if demo:
        run_async(up_demo.reset_namespace(base, settings, work / "state"))
        env.update(up_demo.stage_env(settings, work / "state"))
    _prepare(settings)
    if demo:
        feed_list = work / "farm-feeds.txt"
        feed_list.unlink(missing_ok=True)
        # Edits are released by the demo once the first version is indexed (not on a clock).
        farm = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "farm", "--outlets", str(outlets), "--port", str(DEMO_PORT),
             "--edit-after", "86400", "--feeds-out", str(feed_list)],
            stdout=open(work / "farm.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        if not up_demo.wait_for_file(feed_list, 60, lambda: farm is not None and farm.poll() is None):
            console.print(f"[red]the farm did not start; see {work / 'farm.log'}[/red]")
            farm.terminate()
            return 1
        feed_entries = up_demo.feed_entries([e["url"] for e in load_feed_file(feed_list)])
    else:
        feed_entries = load_feed_file(feeds)
    added = run_async(add_feeds(settings.kafka, feed_entries))
    registered = sum(1 for f in run_async(read_feeds(settings.kafka)).values() if f.enabled)
    console.print(
        f"{added} feed(s) added, {registered} in the registry; starting the six stages, the archiver and the revision view "
        f"{_web_url()} (logs in {work / 'logs'})"
        + (f"; demo topics {settings.kafka.topic_prefix}*, indices {settings.elasticsearch.index_prefix}-*" if demo else "")
    )
    supervisor = Supervisor(
        env=env, log_dir=work / "logs", processes=counts, stages=(*STAGES, "web"), ports=dict(PORTS),
        commands={"web": ["web"]},
        # the demo's archive commits (and so shows no lag) a few seconds after each page, not a minute
        stage_env={"archiver": {"NEWSWIRE_ARCHIVE_MAX_FILE_AGE_S": "5"}} if demo else {},
    )
    stopping = False

    def _stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    supervisor.start()
    started = time.monotonic()
    control = f"http://127.0.0.1:{DEMO_PORT}"
    shown = SystemCounts(feeds_registered=registered)
    state: up_demo.DemoState | None = None
    result = None
    items: list[Any] = []
    released = False
    next_counts = next_ledger = 0.0
    code = 0
    title = "newswire demo" if demo else "newswire"
    try:
        with Live(console=console, refresh_per_second=1, transient=False) as live:
            while not stopping:
                now = time.monotonic()
                elapsed = now - started
                if duration > 0 and elapsed >= duration:
                    break
                supervisor.watch()
                progress = supervisor.progress()
                if supervisor.failures:
                    code = 1
                    break
                if now >= next_counts:
                    shown = _counts(settings, registered, shown)
                    next_counts = now + COUNTS_EVERY_S
                if demo and now >= next_ledger:
                    next_ledger = now + LEDGER_EVERY_S
                    result, items = run_async(up_demo.ledger(settings, control, failed_fetches=False))
                    state = up_demo.judge(result, items, released)
                    if state.edits_waiting and not released:
                        run_async(up_demo.release_edits(control))
                        released = True
                    if state.done or (result.unaccounted and _all_caught_up(progress)):
                        # the last word has the failed fetches too (reading pages costs: once)
                        result, items = run_async(up_demo.ledger(settings, control, failed_fetches=True))
                        state = up_demo.judge(result, items, released)
                        if state.done:
                            break
                    if elapsed >= timeout:
                        code = 1
                        break
                notes = [state.line()] if state else []
                stop_hint = "Ctrl-C stops" if not demo else f"Ctrl-C stops; gives up at {timeout:,.0f} s"
                live.update(render_status(
                    shown, progress, title=f"{title} — {elapsed:,.0f} s ({stop_hint})", notes=notes,
                ))
                time.sleep(2.0)
    except KeyboardInterrupt:
        stopping = True
    # A finished demo keeps its revision view up for a person at a terminal to read (Ctrl-C
    # stops it); run by a script (no terminal, or --no-serve), it ends with its report.
    keep_web = demo and serve and state is not None and state.done and not stopping
    console.print("stopping the stages…")
    supervisor.stop(keep=("web",) if keep_web else ())
    if farm is not None:
        farm.terminate()
        farm.wait(30)
    for name, why in supervisor.failures.items():
        err_console.print(f"{name} could not run: {why}", style="red", markup=False, soft_wrap=True)
    if demo:
        code = _demo_report(settings, result, items, time.monotonic() - started, code)
        if keep_web:
            console.print(
                f"the revision view stays up at {_web_url()} (the links above): Ctrl-C stops it",
                highlight=False, markup=False, soft_wrap=True,
            )
            try:
                while not stopping:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
            supervisor.stop()
        return code
    shown = _counts(settings, registered, shown)
    console.print(render_status(shown, {}, title="newswire — stopped"))
    es = settings.elasticsearch.hosts[0].rstrip("/")
    prefix = settings.elasticsearch.index_prefix
    console.print(
        f"query them:\n"
        f"  curl '{es}/{prefix}-articles/_search?q=*&size=5&pretty'\n"
        f"  curl '{es}/{prefix}-revisions/_search?pretty'\n"
        f"  newswire feeds status\n"
        f"  newswire dlq list"
    )
    if devstack:
        console.print("the dev stack is still running: `newswire devstack down` stops it")
    return code


def _web_url(path: str = "/") -> str:
    """Where the revision view answers."""
    return f"http://127.0.0.1:{WEB_VIEW_PORT}{path}"


def _all_caught_up(progress: Mapping[str, StageProgress]) -> bool:
    """Every stage up with no lag: nothing more will arrive without a new poll or re-check."""
    return bool(progress) and all(p.up and p.lag == 0 for p in progress.values())


def _demo_report(
    settings: CommonSettings, result: Any, items: list[Any], elapsed_s: float, code: int
) -> int:
    from newswire.farm.ledger import render

    if result is None:
        console.print("[red]the demo stopped before its first ledger[/red]")
        return code or 1
    state = up_demo.judge(result, items, True)
    console.print(render(result, show=10))
    if not state.done:
        console.print(f"the demo did not finish: {state.line()}", style="red", soft_wrap=True)
        if result.unaccounted:
            for line in run_async(up_demo.where_stopped(settings, result)):
                console.print(line, highlight=False, markup=False, soft_wrap=True)
        code = code or 1
    for line in run_async(up_demo.showcase(settings, items, _web_url())):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(up_demo.result_line(result, elapsed_s), highlight=False, markup=False, soft_wrap=True)
    return code
