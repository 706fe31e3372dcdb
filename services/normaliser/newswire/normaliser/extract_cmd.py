"""`newswire extract`: one page (or a JSON-lines stream of pages) to NormalisedArticle JSON,
through the same code path as the normaliser stage (`newswire.normaliser.logic.normalise_page`)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from newswire.cli._common import err_console

if TYPE_CHECKING:
    from newswire.contracts import FetchedPage
    from newswire.normaliser.settings import NormaliserSettings


def _page(url: str, html: str) -> FetchedPage:
    from newswire.contracts import FetchedPage, utcnow
    from newswire.contracts.ids import article_id

    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, fetched_at=utcnow(), html=html,
    )


def _jsonl_line(line: bytes, settings: NormaliserSettings) -> tuple[str, dict[str, Any] | None]:
    """One `--jsonl` input line: (the article's JSON, None), or ("", {"error": ..., "url": ...})
    when the line is blank, not a {"url", "html"} object, or its page gives no article."""
    from newswire.normaliser.logic import NotExtractable, normalise_page

    if not line.strip():
        return "", {"error": "empty line", "url": None}
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return "", {"error": f"not JSON: {exc}", "url": None}
    if not isinstance(item, dict):
        return "", {"error": "not a JSON object", "url": None}
    url = item.get("url")
    if not isinstance(url, str) or not url:
        return "", {"error": "no url", "url": None}
    try:
        article = normalise_page(_page(url, str(item.get("html") or "")), settings)
    except NotExtractable as exc:
        return "", {"error": str(exc), "url": url}
    except Exception as exc:  # noqa: BLE001 - a bad page is one error line, never the end of the stream
        return "", {"error": f"{type(exc).__name__}: {exc}", "url": url}
    return article.model_dump_json(), None


def extract(
    page: Path | None = typer.Argument(None, help="An HTML file (.html or .html.gz)."),
    url: str | None = typer.Option(None, "--url", help="The page's URL (required with PAGE)."),
    jsonl: bool = typer.Option(
        False, "--jsonl",
        help='Read {"url":..., "html":...} lines on stdin; write one line per input line, in order: '
        'the article, or {"error":..., "url":...} when there is none.',
    ),
) -> None:
    """Print the NormalisedArticle of a page as JSON."""
    from newswire.normaliser.logic import NotExtractable, normalise_page
    from newswire.normaliser.settings import NormaliserSettings

    settings = NormaliserSettings()
    if jsonl:
        failures = 0
        for n, line in enumerate(sys.stdin.buffer, 1):
            # exactly one output line per input line, in order: an article, or an error object
            result, error = _jsonl_line(line, settings)
            if error is not None:
                failures += 1
                err_console.print(f"[red]line {n}: {error['error']}[/red]")
                result = orjson.dumps(error).decode()
            sys.stdout.write(result + "\n")
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
