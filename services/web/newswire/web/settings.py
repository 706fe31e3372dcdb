"""Web service settings."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import CommonSettings

#: The web service's default port (the stages use 6101-6106).
DEFAULT_PORT = 6107


class WebSettings(CommonSettings):
    """Settings of `newswire web` (NEWSWIRE_*), read once at start-up."""

    web_host: str = Field("127.0.0.1", description="Bind address of the pages, feeds and API.")
    web_port: int = Field(
        DEFAULT_PORT, ge=0, le=65535, description="Port of the pages, feeds and API; 0 means the default, 6107."
    )
    web_public_url: str | None = Field(
        None,
        description="Base URL the service is reached at (e.g. 'https://news.example.org'), for the "
        "absolute links of the feeds; unset: taken from each request.",
    )
    web_es_timeout_s: PositiveFloat = Field(
        5.0, description="Longest wait for one Elasticsearch request; a slower answer is a 503, never a hang."
    )
    web_per_page: PositiveInt = Field(20, le=100, description="Results per page unless `per_page` asks otherwise.")
    web_max_per_page: PositiveInt = Field(100, le=500, description="Most results one page may ask for.")
    web_max_results: PositiveInt = Field(
        10_000, le=10_000,
        description="Deepest result a page may reach (page x per_page); Elasticsearch's max_result_window.",
    )
    web_feed_entries: PositiveInt = Field(50, le=500, description="Entries in one Atom or RSS feed.")
    web_max_revisions: PositiveInt = Field(
        200, le=1000, description="Most revisions shown on one article page (the latest ones)."
    )
    web_story_articles: PositiveInt = Field(300, le=1000, description="Most reports listed on one story page.")

    def port(self) -> int:
        """The port to listen on (0 means the default)."""
        return self.web_port or DEFAULT_PORT
