"""thinc's CPU ops with the matrix products through numpy's BLAS, on one thread.

spaCy's small NER spends most of its time in matrix products: its window encoder multiplies
every token's features (tokens x 288) by 288 x 288 weights four times, then the hidden layer's.
thinc's `NumpyOps.gemm` runs them through BLIS, whose kernels on this project's machines are
about 1.45x slower than the OpenBLAS that numpy's wheels ship (0.73 against 0.48 ms for 400 x
288 by 288 x 288, one thread each). thinc's base `Ops.gemm` is numpy's `dot`; `BlasOps` takes it
and keeps everything else of `NumpyOps` (its Cython maxout and seq2col). The entities
are the same (`bench/ner_blas.py` compares both on the development texts): the products only
sum in another order, which moved no decision there.

No library ships such ops for Linux (thinc-apple-ops does the same with Apple's Accelerate), so
this small class is ours.
"""

from __future__ import annotations

from typing import Any

from thinc.api import NumpyOps
from thinc.backends.ops import Ops
from thinc.types import Floats2d


class BlasOps(NumpyOps):  # type: ignore[misc]  # thinc's Cython class has no stubs
    """`NumpyOps` whose `gemm` is numpy's `dot` (the BLAS numpy was built with)."""

    name = "numpy-blas"

    def gemm(
        self,
        x: Floats2d,
        y: Floats2d,
        out: Floats2d | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> Floats2d:
        """`x @ y` (either transposed), into `out` when given."""
        result: Floats2d = Ops.gemm(self, x, y, out=out, trans1=trans1, trans2=trans2)
        return result


def use_ops(nlp: Any, ops: Any) -> None:
    """Run every enabled pipe of `nlp` on `ops` (thinc layers read `self.ops` on each call).

    With `BlasOps`, numpy's BLAS is also limited to one thread, process-wide: the enricher
    handles one message at a time, and on products this small a second thread costs CPU
    (spinning) without saving time, on a pod of one CPU as on the benchmarks' machine."""
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None:
            continue
        for node in model.walk():
            node.ops = ops
    if isinstance(ops, BlasOps):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
