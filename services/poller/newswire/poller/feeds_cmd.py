"""`newswire feeds`: the feed registry (add, remove, import, export, list), feed health
(status), the poller's parser on a file (parse) and finding an outlet's feeds and sitemaps
(discover)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import orjson
import typer
from newswire.cli._common import console, err_console, run_async
from newswire.config import CommonSettings
from newswire.contracts.feeds import FeedKind
from newswire.contracts.ids import feed_id
from newswire.net.sniff import contains_html_page
from newswire.poller.adapters import AiohttpFeedClient
from newswire.poller.compare import Comparison, compare_with_feedparser, tally
from newswire.poller.discovery import (
    Discovered,
    Via,
    alternate_feeds,
    common_candidates,
    judge,
    robots_sitemaps,
    site_root,
)
from newswire.poller.feedlist import FeedEntry, parse_feed_list, render_opml
from newswire.poller.parsing import MAX_PARSE_BYTES
from newswire.poller.registry import add_feeds, read_feeds, read_statuses, remove_feeds
from newswire.poller.settings import PollerSettings
from newswire.poller.sitemap import MAX_SITEMAP_BYTES, parse_document
from rich.table import Table

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    url: str = typer.Argument(..., help="The feed URL (RSS, Atom, RDF, JSON Feed) or sitemap URL."),
    title: str = typer.Option("", "--title", help="Human name of the feed."),
    outlet: str = typer.Option("", "--outlet", help="The publishing outlet."),
    kind: str = typer.Option("", "--kind", help="feed or sitemap (default: sniffed from each document)."),
) -> None:
    """Add a feed or sitemap to the registry (or re-enable it)."""
    entries = parse_feed_list(url)
    if not entries:
        err_console.print(f"not an http(s) URL: {url}")
        raise typer.Exit(2)
    if kind not in ("", "feed", "sitemap"):
        err_console.print("--kind is feed or sitemap")
        raise typer.Exit(2)
    entry = FeedEntry(entries[0].url, title or None, outlet or None, kind=cast(FeedKind, kind) if kind else None)
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


@app.command("export")
def export(
    out: Path = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    show_disabled: bool = typer.Option(False, "--all", help="Also export disabled feeds."),
) -> None:
    """Export the registry as OPML 2.0 (readable back by `feeds import`)."""
    feeds = run_async(read_feeds(CommonSettings().kafka))
    entries = [
        FeedEntry(str(c.url), c.title, c.outlet)
        for c in sorted(feeds.values(), key=lambda c: str(c.url))
        if c.enabled or show_disabled
    ]
    text = render_opml(entries)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"exported {len(entries)} feed(s) to {out}")


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    seconds = (when - now).total_seconds()
    span = abs(seconds)
    text = f"{span:.0f}s" if span < 120 else f"{span / 60:.0f}m" if span < 7200 else f"{span / 3600:.1f}h"
    return f"in {text}" if seconds > 0 else f"{text} ago"


@app.command("status")
def status(
    problems: bool = typer.Option(False, "--problems", help="Only feeds failing or disabled."),
    tail: int = typer.Option(20000, "--tail", help="Status messages read per partition."),
) -> None:
    """Health of every feed: the latest poll outcome from the feed-status topic."""
    settings = CommonSettings().kafka
    feeds = run_async(read_feeds(settings))
    latest = run_async(read_statuses(settings, tail=tail))
    now = datetime.now(UTC)
    table = Table("feed", "url", "health", "last poll", "http", "items new/total", "interval",
                  "next poll", "fails", "warnings", "note")
    shown = 0
    for fid, config in sorted(feeds.items(), key=lambda kv: str(kv[1].url)):
        if not config.enabled:
            continue
        st = latest.get(fid)
        if st is None:
            health, row = "[dim]never polled[/dim]", ["", "", "", "", "", "", "", ""]
        else:
            if st.disabled:
                health = "[red]disabled[/red]"
            elif st.error_class:
                health = f"[yellow]{st.error_class}[/yellow]"
            else:
                health = "[green]ok[/green]"
            notes = [st.disabled_reason or st.error_message or ""]
            if not st.validators_trusted:
                notes.append(f"validators untrusted: {st.validator_problem}")
            if st.websub_hub:
                notes.append("websub")
            row = [
                _ago(st.polled_at, now) + (" (push)" if st.source == "push" else ""),
                "304" if st.not_modified else str(st.status_code or ""),
                f"{st.items_new}/{st.items_total}",
                f"{st.interval_s:.0f}s" if st.interval_s is not None else "",
                _ago(st.next_poll_at, now),
                str(st.consecutive_failures),
                # a poll that had to forgive something is still a success: said, not failed
                f"recovered: {', '.join(st.warnings)}" if st.warnings else "",
                "; ".join(n for n in notes if n)[:80],
            ]
        if problems and st is not None and not (st.disabled or st.error_class):
            continue
        shown += 1
        table.add_row(fid[:12], str(st.feed_url if st else config.url), health, *row)
    console.print(table)
    console.print(f"{shown} feed(s)")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


@app.command("parse")
def parse(
    file: Path = typer.Argument(None, exists=True, dir_okay=False, help="A feed document."),
    url: str = typer.Option("http://localhost/feed", "--url", help="The feed URL (base of relative links)."),
    content_type: str = typer.Option("", "--content-type", help="Content-Type it was served with."),
    compare_dir: Path = typer.Option(
        None, "--compare-feedparser", exists=True, file_okay=False,
        help="Instead of FILE: parse every file under this directory both with plain feedparser "
        "and with the poller's parser, and list the documents feedparser recovers items from and "
        "the poller does not (exit 1 if there are any).",
    ),
) -> None:
    """Parse a feed file with the poller's own parser; print the feed, then each item, as JSON
    lines. A document it cannot parse prints an error object (and still exits 0). The feed line
    carries `warnings`: what had to be forgiven to read it."""
    if (file is None) == (compare_dir is None):
        err_console.print("give either FILE or --compare-feedparser DIR")
        raise typer.Exit(2)
    if compare_dir is not None:
        _compare(compare_dir, url, content_type or None)
        return
    with file.open("rb") as handle:
        body = handle.read(MAX_SITEMAP_BYTES + 1)
    # feeds and sitemaps alike, told apart as the poller does
    feed = parse_document(body, url, content_type=content_type or None, max_feed_bytes=MAX_PARSE_BYTES)
    out = sys.stdout.buffer
    if not feed.ok:
        error = {"type": "error", "error_class": feed.error_class, "error_message": feed.error_message}
        out.write(orjson.dumps(error) + b"\n")
        return
    header = {"type": "feed", "version": feed.version, "title": feed.title, "items": len(feed.items),
              **asdict(feed.hints), "warnings": list(feed.warnings), "warning_detail": feed.warning_detail}
    out.write(orjson.dumps(header) + b"\n")
    for child in feed.children:
        out.write(orjson.dumps({"type": "sitemap", "url": child.url, "lastmod": _jsonable(child.lastmod)}) + b"\n")
    for item in feed.items:
        line = {"type": "item", **{k: _jsonable(v) for k, v in asdict(item).items()}}
        out.write(orjson.dumps(line) + b"\n")


async def discover_sources(settings: PollerSettings, url: str, *, guess: bool = True) -> list[Discovered]:
    """Fetch the page, robots.txt and (with `guess`) the conventional paths over the poller's
    client (SSRF guard on every hop, size caps, per-host politeness) and keep what parses as a
    feed or sitemap: announced sources first, in the order found."""
    client = AiohttpFeedClient(settings)
    found: list[Discovered] = []
    tried: set[str] = set()

    async def check(candidate: str, via: Via, title: str | None = None, kind: FeedKind | None = None) -> None:
        if candidate in tried:
            return
        tried.add(candidate)
        resp = await client.get(candidate, max_bytes=settings.max_sitemap_bytes if kind == "sitemap" else None)
        if resp.error_class or resp.status is None or not 200 <= resp.status < 300:
            return
        content_type = {k.lower(): v for k, v in resp.headers.items()}.get("content-type")
        doc = await asyncio.to_thread(
            parse_document, resp.body or b"", resp.final_url or candidate, content_type=content_type,
            kind=kind, max_feed_bytes=settings.max_feed_bytes, max_sitemap_bytes=settings.max_sitemap_bytes,
        )
        verdict = judge(candidate, via, doc, title)
        if verdict is not None and all(d.url != verdict.url for d in found):
            found.append(verdict)

    try:
        page = await client.get(url)
        tried.add(url)
        if page.body and not page.error_class:
            base = page.final_url or url
            content_type = {k.lower(): v for k, v in page.headers.items()}.get("content-type") or ""
            if "html" in content_type.lower() or contains_html_page(page.body):
                for link, kind, title in alternate_feeds(page.body, base):
                    await check(link, "html", title, kind)
            else:  # the URL given is itself a feed or a sitemap
                tried.discard(url)
                await check(url, "given")
        robots = await client.get(site_root(url) + "robots.txt")
        if robots.body and not robots.error_class and robots.status == 200:
            for sitemap in robots_sitemaps(robots.body.decode("utf-8", "replace"), site_root(url)):
                await check(sitemap, "robots", None, "sitemap")
        if guess:
            for candidate in common_candidates(url, tried):
                await check(candidate, "common_path")
    finally:
        await client.close()
    return found


@app.command("discover")
def discover(
    url: str = typer.Argument(..., help="The outlet: its home page (or any page) URL."),
    add: bool = typer.Option(False, "--add", help="Add what was found to the registry."),
    outlet: str = typer.Option("", "--outlet", help="Outlet name for the added feeds (default: the host)."),
    guess: bool = typer.Option(True, "--guess/--no-guess", help="Also try the conventional paths."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Find an outlet's feeds and sitemaps: the page's <link rel="alternate"> feeds, robots.txt
    Sitemap: lines, and (unless --no-guess) conventional paths (/feed, /rss.xml, /sitemap.xml,
    /sitemap_index.xml, ...); each candidate is fetched over the poller's SSRF-guarded client
    and kept only if it parses as a feed or sitemap. --add puts them in the registry."""
    if not parse_feed_list(url):
        err_console.print(f"not an http(s) URL: {url}")
        raise typer.Exit(2)
    found = run_async(discover_sources(PollerSettings(), url, guess=guess))
    if as_json:
        for d in found:
            sys.stdout.write(orjson.dumps(asdict(d)).decode() + "\n")
    else:
        table = Table("kind", "url", "found via", "title", "holds")
        for d in found:
            table.add_row(d.kind, d.url, d.via, d.title or "", d.detail)
        console.print(table)
    if not found:
        err_console.print(f"no feed or sitemap found for {url}")
        raise typer.Exit(1)
    if add:
        name = outlet or (urlsplit(url).hostname or "")
        entries = [FeedEntry(d.url, d.title, name or None, kind=d.kind) for d in found]
        added = run_async(add_feeds(CommonSettings().kafka, entries))
        console.print(f"added {added} feed(s) and sitemap(s) for {name}")


def documents_in(directory: Path) -> list[tuple[str, bytes]]:
    """(path relative to `directory`, first MAX_PARSE_BYTES + 1 bytes) of every file under it,
    hidden ones left out, in path order."""
    out = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            with path.open("rb") as handle:
                out.append((relative.as_posix(), handle.read(MAX_PARSE_BYTES + 1)))
    return out


def _describe(c: Comparison) -> str:
    theirs = "raised" if c.feedparser_items < 0 else str(c.feedparser_items)
    outcome = f"{c.error_class}: {c.error_message}" if c.error_class else ", ".join(c.warnings) or "clean"
    return f"{c.name}: feedparser {theirs}, newswire {c.newswire_items} ({outcome})"[:300]


def _compare(directory: Path, url: str, content_type: str | None) -> None:
    comparisons = compare_with_feedparser(documents_in(directory), url, content_type)
    counts = tally(comparisons)
    table = Table("class", "documents", "feedparser docs/items", "newswire docs/items", "missed",
                  "fewer", "refused", "warnings")
    for group in sorted(counts, key=lambda g: (g == "*", g)):
        t = counts[group]
        table.add_row(
            "all" if group == "*" else group or ".",
            str(t.documents),
            f"{t.feedparser_documents}/{t.feedparser_items}",
            f"{t.newswire_documents}/{t.newswire_items}",
            str(t.missed),
            str(t.fewer),
            ", ".join(f"{k} {v}" for k, v in sorted(t.refused.items())),
            ", ".join(f"{k} {v}" for k, v in sorted(t.warnings.items())),
        )
    console.print(table)
    missed = [c for c in comparisons if c.missed]
    fewer = [c for c in comparisons if c.fewer]
    console.print(f"missed (feedparser recovers items, newswire none): {len(missed)}", highlight=False)
    for c in missed:
        console.print(f"  MISSED {_describe(c)}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"fewer items than feedparser: {len(fewer)}", highlight=False)
    for c in fewer:
        console.print(f"  fewer {_describe(c)}", highlight=False, markup=False, soft_wrap=True)
    if missed:
        raise typer.Exit(1)
