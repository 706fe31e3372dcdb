"""NER's matrix products on numpy's BLAS (`ner_ops.BlasOps`, issue #20): the same products and
the same entities as thinc's BLIS ops, for x0.87 of NER's CPU (`bench/ner_blas.py`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from thinc.api import NumpyOps

from newswire.enricher.entities import build_pipeline, ner_decoder, ner_mentions
from newswire.enricher.ner_ops import BlasOps, use_ops
from tests.unit.enricher.test_ner_decode import MODEL, _spacy_entities, _texts


def test_gemm_is_numpy_s_product_in_every_form() -> None:
    rng = np.random.default_rng(20)
    x: Any = rng.random((7, 5), dtype=np.float32)  # thinc's Floats2d is a stub type
    y: Any = rng.random((5, 3), dtype=np.float32)
    ops: Any = BlasOps()
    np.testing.assert_allclose(ops.gemm(x, y), x @ y, rtol=1e-6)
    np.testing.assert_allclose(ops.gemm(x, y.T.copy(), trans2=True), x @ y, rtol=1e-6)
    np.testing.assert_allclose(ops.gemm(x.T.copy(), y, trans1=True), x @ y, rtol=1e-6)
    out: Any = np.zeros((7, 3), dtype=np.float32)
    assert ops.gemm(x, y, out=out) is out
    np.testing.assert_allclose(out, x @ y, rtol=1e-6)
    np.testing.assert_allclose(ops.gemm(x, y), np.asarray(NumpyOps().gemm(x, y)), rtol=1e-5)  # BLIS's


def test_the_enricher_s_pipeline_runs_on_it_with_one_blas_thread() -> None:
    from threadpoolctl import threadpool_info

    nlp = build_pipeline(MODEL)
    assert all(isinstance(node.ops, BlasOps) for node in nlp.get_pipe("ner").model.walk())
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def test_entities_are_the_same_as_on_blis(guardian: Any) -> None:
    """Every entity of every label, through the decoder and through spaCy's own loop, equals
    what the pipeline gives on thinc's BLIS ops."""
    blas = build_pipeline(MODEL)
    blis = build_pipeline(MODEL)
    use_ops(blis, NumpyOps())
    assert ner_decoder(blas) is not None  # the decoder reproduces spaCy on these ops too
    found = 0
    for text in _texts(guardian):
        expected = _spacy_entities(blis, text)
        assert _spacy_entities(blas, text) == expected, text[:80]
        assert ner_mentions(blas, text) == ner_mentions(blis, text), text[:80]
        found += len(expected)
    assert found > 100
