"""Article versions for enricher tests, built from the real seed texts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from newswire.contracts import ArticleVersion, NormalisedArticle
from newswire.contracts.ids import article_id, host_of, revision_id
from newswire.text import content_hash
from tests.factories import T0

def _seeds() -> Path:
    """The seed texts: ../shared/fixtures beside the repository, else the packaged copy."""
    from newswire.farm.fixtures import locate_fixtures

    root = locate_fixtures()
    assert root is not None, "no seed fixtures (../shared/fixtures or the packaged copy)"
    return root / "seeds"


SEEDS = _seeds()


def version_of(
    url: str, title: str, text: str, published: datetime = T0, outlet: str | None = None, version: int = 1
) -> ArticleVersion:
    """A version of an article with this title and body."""
    paragraphs = tuple(p for p in text.split("\n") if p.strip())
    aid = article_id(url)
    article = NormalisedArticle(
        article_id=aid, canonical_url=url, url=url, host=host_of(url), outlet=outlet or host_of(url),
        title=title, paragraphs=paragraphs, text="\n\n".join(paragraphs), published=published,
        language="en", content_hash=content_hash(title, paragraphs), fetched_at=published,
    )
    return ArticleVersion(
        article_id=aid, version=version, revision_id=revision_id(aid, version), first_seen=published,
        observed_at=published, article=article,
    )


def seed_versions() -> list[ArticleVersion]:
    """The five seed reports (one story, five outlets), an hour apart."""
    versions = []
    for i, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        versions.append(
            version_of(f"https://outlet{i}.example/{path.stem}", title.strip(), body,
                       T0 + timedelta(hours=i), outlet=f"Outlet {i}")
        )
    return versions
