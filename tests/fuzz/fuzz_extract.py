"""atheris target: the normaliser's extraction path, as its stage runs it on a FetchedPage's
HTML (`extract_with_fingerprint`, then `build_article`, then the message's wire form, and a
re-check of the same page against the fingerprint: `fastcheck.same_article`, lexbor's or lxml's).

    python tests/fuzz/fuzz_extract.py -max_total_time=600 tests/fuzz/corpus/extract

Documented refusals are not crashes: `NotExtractable` (e.g. a page too large) and a None
extraction (no article text); the stage turns both into a dead letter with a reason. Anything
else raised is a crash.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["newswire"]):
    from newswire.contracts import FetchedPage, NormalisedArticle
    from newswire.contracts.ids import article_id
    from newswire.normaliser.extract import decode_html
    from newswire.normaliser.fastcheck import same_article
    from newswire.normaliser.logic import NotExtractable, build_article, extract_with_fingerprint

URL = "https://news.example.org/world/2016/sep/08/a-story"
PAGE = FetchedPage.model_validate({
    "article_id": article_id(URL), "requested_url": URL, "final_url": URL, "reason": "new",
    "outcome": "ok", "status": 200, "fetched_at": "2024-05-01T00:00:00Z",
})


def check(data: bytes) -> None:
    """One input: page bytes, decoded as the normaliser's CLI decodes a file."""
    html = decode_html(data)
    try:
        extraction, fingerprint = extract_with_fingerprint(html, URL)
    except NotExtractable:
        return
    if extraction is None:
        return
    article = build_article(PAGE.model_copy(update={"html": html}), extraction, fingerprint=fingerprint)
    assert NormalisedArticle.model_validate_json(article.to_bytes()) == article
    if fingerprint is not None:
        same_article(html, fingerprint)  # a bool either way; anything raised is a crash


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
