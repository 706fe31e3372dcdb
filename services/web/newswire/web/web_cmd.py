"""`newswire web`: the revision view (pages, Atom/RSS feeds, JSON API) over Elasticsearch."""

from __future__ import annotations

import typer


def web(
    host: str | None = typer.Option(None, help="Bind address (default NEWSWIRE_WEB_HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default NEWSWIRE_WEB_PORT or 6107)."),
) -> None:
    """Serve the revision view in the foreground until SIGINT/SIGTERM: http://127.0.0.1:6107/.

    Read-only: every article's versions and diffs, recent revisions, stories, outlets and search,
    with Atom and RSS feeds of changes and a JSON API under /api/. A taken port exits at once
    (status 78)."""
    from newswire.web.wiring import main

    main(host=host, port=port)
