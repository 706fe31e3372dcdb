"""Web routes of a stage in the runtime's own terms: a service writes
`async def handle(request: WebRequest) -> WebResponse` and `stage.web_route(path)` serves it on
the stage's web server (beside /healthz and /metrics) without seeing the engine's web framework."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WebRequest:
    """One HTTP request to a stage route."""

    method: str
    params: Mapping[str, str]
    """Path parameters (`/websub/{feed_id}/` gives `feed_id`)."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Header names lower-cased."""
    content_length: int | None
    reader: Callable[[int], Awaitable[bytes]] = field(repr=False)

    async def read(self, limit: int) -> bytes:
        """At most `limit` bytes of the body (a caller that wants to refuse a larger body reads
        `limit + 1` and checks)."""
        return await self.reader(limit)


@dataclass(frozen=True)
class WebResponse:
    """A plain-text answer."""

    status: int = 200
    text: str = ""


WebHandler = Callable[[WebRequest], Awaitable[WebResponse]]


def engine_view(handler: WebHandler, methods: tuple[str, ...]) -> Any:
    """The Faust web view that serves `handler` for `methods` (GET, POST, ...)."""
    from faust.web import View

    async def serve(view: Any, request: Any, params: Mapping[str, Any]) -> Any:
        raw: Any = request
        wrapped = WebRequest(
            method=str(raw.method),
            params={k: str(v) for k, v in params.items()},
            query={k: v for k, v in raw.query.items()},
            headers={k.lower(): v for k, v in raw.headers.items()},
            content_length=raw.content_length,
            reader=raw.content.read,
        )
        answer = await handler(wrapped)
        return view.text(answer.text, status=answer.status)

    body: dict[str, Any] = {}
    for method in methods:
        async def call(self: Any, request: Any, **params: Any) -> Any:
            return await serve(self, request, params)

        body[method.lower()] = call
    return type(f"View_{getattr(handler, '__name__', 'route')}", (View,), body)
