"""Rendering real seed texts as simple news pages, and finding the labelled dev sets (for golden,
CLI and integration tests)."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any, NoReturn

import pytest

from newswire.farm.fixtures import EVAL_ENV_VAR, SeedArticle, locate_eval
from newswire.normaliser.extract import parse_html
from newswire.normaliser.metadata import read_metadata


def eval_dataset(name: str) -> Path | None:
    """A labelled dataset of `../shared/eval` (or `$NEWSWIRE_EVAL_DIR`), e.g. "extraction-dev"."""
    found = locate_eval(name)
    return found if found is not None and (found / "ground-truth").is_dir() else None


def missing(what: str) -> NoReturn:
    """Data a test needs is not there: a failure in CI (`CI` set), where it must be, else a skip."""
    message = f"{what} not found (../shared/eval beside the repository, or ${EVAL_ENV_VAR})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


#: Page URL of the metadata-rule tests.
URL = "https://www.example.com/guides/solar-panels"


def rule_page(head: str, body: str) -> str:
    """A minimal page with enough text to count as an article, for one metadata rule."""
    return f"<html><head>{head}</head><body>{body}<p>{'Some article text here. ' * 30}</p></body></html>"


def metadata_of(html_text: str, url: str = URL) -> Any:
    """The normaliser's metadata of a page (what `read_metadata` finds)."""
    tree = parse_html(html_text)
    assert tree is not None
    return read_metadata(tree, url)


def render_seed(seed: SeedArticle, *, site: str = "Example News", canonical: str | None = None) -> str:
    """A plain article page around a seed text: headline, byline, paragraphs as they stand in
    the file (its own boilerplate included), and site chrome around them."""
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in seed.paragraphs)
    link = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{e(seed.title)} | {e(site)}</title>{link}
<meta property="og:site_name" content="{e(site)}">
<meta property="og:title" content="{e(seed.title)}">
<meta property="article:published_time" content="2016-08-27T10:00:00+00:00">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a></li>
<li><a href="/business/">Business</a></li></ul></nav></header>
<main><article><h1>{e(seed.title)}</h1>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Markets rally on hopes of a deal</a></li>
<li><a href="/b">Opposition groups react to the plan</a></li></ul></aside></main>
<footer><p>&copy; 2016 {e(site)}. All rights reserved.</p></footer>
</body></html>"""
