"""`newswire farm`: run the local news farm (synthetic outlets on loopback) in the foreground."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Literal, cast

import typer

from newswire.farm import MIXES, PRESETS, FarmConfig, FarmError, parse_assign, run_farm

app = typer.Typer(
    help="The local news farm: many synthetic news outlets on 127.0.x.y, one host each.",
    no_args_is_help=False,
)


async def _serve(config: FarmConfig, feeds_out: Path | None, show: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with run_farm(config) as farm:
            live = farm.feed_urls(include_dead=False)
            typer.echo(f"farm: {len(farm.outlets)} outlets ({len(live)} live) on port {farm.port}")
            ctl = farm.control_url
            typer.echo(f"control: {ctl}/_farm/stats  {ctl}/_farm/articles")
            typer.echo(f"fixtures: {farm.fixtures.note}")
            for url in farm.feed_urls()[:show]:
                typer.echo(f"  {url}")
            if len(farm.outlets) > show:
                typer.echo(f"  ... and {len(farm.outlets) - show} more")
            if feeds_out is not None:
                feeds_out.write_text("".join(f"{u}\n" for u in farm.feed_urls()), encoding="utf-8")
                typer.echo(f"feed URLs written to {feeds_out}")
            typer.echo("serving; Ctrl-C to stop")
            await stop.wait()
            typer.echo("stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@app.callback(invoke_without_command=True)
def farm(
    ctx: typer.Context,
    outlets: int = typer.Option(50, "--outlets", "-n", help="Number of outlets."),
    port: int = typer.Option(8900, "--port", "-p", help="Port on every address (0 = any free)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated content."),
    articles_per_outlet: int = typer.Option(5, "--articles-per-outlet", help="Initial articles."),
    arrival_rate: float = typer.Option(0.0, "--arrival-rate", help="New articles/s, farm-wide."),
    edit_rate: float = typer.Option(0.0, "--edit-rate", help="Share of generated articles edited."),
    edit_after: float = typer.Option(
        20.0,
        "--edit-after",
        help="Seconds until edits (Guardian: after start; others: after publication).",
    ),
    feed_format: str = typer.Option("alternate", "--feed-format", help="alternate|rss|atom|sitemap|news-sitemap (alternate: all four in turn)."),
    crawl_delay: float | None = typer.Option(None, "--crawl-delay", help="robots.txt Crawl-delay."),
    mix: str = typer.Option("none", "--mix", help=f"Behaviour mix: {', '.join(MIXES)}."),
    behaviour: list[str] = typer.Option(
        [], "--behaviour", "-b", help="PRESET=SHARE or PRESET@I,J (repeatable); see `farm presets`."
    ),
    fixtures_dir: Path | None = typer.Option(None, "--fixtures-dir", help="Real fixture texts."),
    no_fixtures: bool = typer.Option(False, "--no-fixtures", help="Generated articles only."),
    feeds_out: Path | None = typer.Option(None, "--feeds-out", help="Write every feed URL here."),
    show: int = typer.Option(5, "--show", help="How many feed URLs to print."),
    hub: bool = typer.Option(
        False, "--hub", help="Serve a WebSub hub; RSS/Atom feeds advertise it and are pushed on change."
    ),
) -> None:
    """Start the farm in the foreground; Ctrl-C or SIGTERM stops it."""
    if ctx.invoked_subcommand is not None:
        return
    if mix not in MIXES:
        known = ", ".join(MIXES)
        raise typer.BadParameter(f"unknown mix {mix!r}; known: {known}", param_hint="--mix")
    formats = ("alternate", "rss", "atom", "sitemap", "news-sitemap")
    if feed_format not in formats:
        raise typer.BadParameter(", ".join(formats), param_hint="--feed-format")
    try:
        rules = [*MIXES[mix], *(parse_assign(s) for s in behaviour)]
        for r in rules:
            r.resolved()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--behaviour") from exc
    config = FarmConfig(
        outlets=outlets,
        port=port,
        seed=seed,
        articles_per_outlet=articles_per_outlet,
        arrival_rate=arrival_rate,
        edit_rate=edit_rate,
        edit_after_s=edit_after,
        feed_format=cast(Literal["alternate", "rss", "atom", "sitemap", "news-sitemap"], feed_format),
        crawl_delay=crawl_delay,
        behaviours=rules,
        fixtures_dir=fixtures_dir,
        use_fixtures=not no_fixtures,
        hub=hub,
    )
    try:
        config.validate()
        asyncio.run(_serve(config, feeds_out, show))
    except (FarmError, ValueError) as exc:
        typer.echo(f"farm: {exc}", err=True)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass


@app.command("presets")
def presets() -> None:
    """List the named behaviour presets and mixes."""
    for name, b in PRESETS.items():
        changed = {k: v for k, v in vars(b).items() if v != getattr(type(b)(), k)}
        typer.echo(f"{name:16} {changed or 'well-behaved'}")
    typer.echo("")
    for name, rules in MIXES.items():
        parts = ", ".join(f"{r.behaviour}={r.share:g}" for r in rules) or "(none)"
        typer.echo(f"mix {name:12} {parts}")
