"""`newswire feeds`: the feed registry (add, import, list, remove)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from newswire.cli._common import console, err_console, run_async
from newswire.config import CommonSettings
from newswire.contracts.ids import feed_id
from newswire.poller.logic import FeedEntry, parse_feed_list
from newswire.poller.registry import add_feeds, read_feeds, remove_feeds

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    url: str = typer.Argument(..., help="The feed URL (RSS, Atom, RDF)."),
    title: str = typer.Option("", "--title", help="Human name of the feed."),
    outlet: str = typer.Option("", "--outlet", help="The publishing outlet."),
) -> None:
    """Add a feed to the registry (or re-enable it)."""
    entries = parse_feed_list(url)
    if not entries:
        err_console.print(f"not an http(s) URL: {url}")
        raise typer.Exit(2)
    entry = FeedEntry(entries[0].url, title or None, outlet or None)
    run_async(add_feeds(CommonSettings().kafka, [entry]))
    console.print(f"added {feed_id(entry.url)} {entry.url}")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="OPML, or one URL a line."),
    outlet: str = typer.Option("", "--outlet", help="Outlet of every imported feed."),
) -> None:
    """Add every feed of an OPML file (outlines with xmlUrl) or of a plain list of URLs."""
    try:
        entries = parse_feed_list(file.read_text(encoding="utf-8", errors="replace"))
    except Exception as exc:  # a broken OPML file is the user's to fix: say why
        err_console.print(f"cannot read {file}: {exc}")
        raise typer.Exit(2) from exc
    if outlet:
        entries = [FeedEntry(e.url, e.title, outlet) for e in entries]
    added = run_async(add_feeds(CommonSettings().kafka, entries))
    console.print(f"imported {added} feed(s)")


@app.command("list")
def list_(
    show_disabled: bool = typer.Option(False, "--all", help="Also list disabled feeds."),
) -> None:
    """List the feeds of the registry."""
    feeds = run_async(read_feeds(CommonSettings().kafka))
    table = Table("feed id", "url", "title", "outlet", "enabled", "added")
    shown = 0
    for config in sorted(feeds.values(), key=lambda c: str(c.url)):
        if not config.enabled and not show_disabled:
            continue
        shown += 1
        table.add_row(
            config.feed_id[:12],
            str(config.url),
            config.title or "",
            config.outlet or "",
            "yes" if config.enabled else "no",
            config.added_at.isoformat(timespec="seconds"),
        )
    console.print(table)
    console.print(f"{shown} feed(s)")


@app.command("remove")
def remove(url: str = typer.Argument(..., help="The feed URL, as added.")) -> None:
    """Remove a feed (it is disabled in the registry; the poller stops polling it)."""
    (config,) = run_async(remove_feeds(CommonSettings().kafka, [url]))
    console.print(f"removed {config.feed_id} {config.url}")
