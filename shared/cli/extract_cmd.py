"""`newswire extract`: one page (or a JSON-lines stream of pages) to NormalisedArticle JSON,
through the same code path as the normaliser stage (`newswire.normaliser.logic.normalise_page`)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from newswire.cli._common import err_console

if TYPE_CHECKING:
    from newswire.contracts import FetchedPage


def _page(url: str, html: str) -> FetchedPage:
    from newswire.contracts import FetchedPage, utcnow
    from newswire.contracts.ids import article_id

    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, fetched_at=utcnow(), html=html,
    )


def extract(
    page: Path | None = typer.Argument(None, help="An HTML file (.html or .html.gz)."),
    url: str | None = typer.Option(None, "--url", help="The page's URL (required with PAGE)."),
    jsonl: bool = typer.Option(
        False, "--jsonl", help='Read {"url":..., "html":...} lines on stdin, write one article per line.'
    ),
) -> None:
    """Print the NormalisedArticle of a page as JSON."""
    from newswire.normaliser.logic import NotExtractable, normalise_page
    from newswire.normaliser.settings import NormaliserSettings

    settings = NormaliserSettings()
    if jsonl:
        failures = 0
        for n, line in enumerate(sys.stdin.buffer, 1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
                fetched = _page(str(item["url"]), str(item.get("html") or ""))
                article = normalise_page(fetched, settings)
            except NotExtractable as exc:
                failures += 1
                sys.stdout.write(orjson.dumps({"url": item.get("url"), "error": str(exc)}).decode() + "\n")
                continue
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                failures += 1
                err_console.print(f"[red]line {n}: {type(exc).__name__}: {exc}[/red]")
                continue
            sys.stdout.write(article.model_dump_json() + "\n")
            sys.stdout.flush()
        if failures:
            err_console.print(f"{failures} line(s) gave no article")
        return
    if page is None or url is None:
        err_console.print("[red]give PAGE and --url, or --jsonl[/red]")
        raise typer.Exit(2)
    raw = page.read_bytes()
    if page.suffix == ".gz":
        raw = gzip.decompress(raw)
    from newswire.normaliser.extract import decode_html

    try:
        article = normalise_page(_page(url, decode_html(raw)), settings)
    except NotExtractable as exc:
        err_console.print(f"[red]no article: {exc}[/red]")
        raise typer.Exit(1) from exc
    sys.stdout.write(article.model_dump_json(indent=2) + "\n")
