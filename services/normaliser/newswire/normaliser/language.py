"""py3langid's `classify`, the same answer for less CPU (#25).

py3langid finds a text's byte n-grams by walking a DFA over its UTF-8 bytes in a Python loop
(about three quarters of a classification of 3 000 characters). Its DFA forgets: the state
after any input is the state after the last `WINDOW` bytes of it read from the start state
(checked on the whole automaton by `window_holds`; a unit test runs it on the installed model).
So every position's state is computed at once, by `WINDOW` vectorised steps over all positions,
and the features, their counts (in order of first occurrence, as py3langid's `Counter` has them)
and the scores are py3langid's own. Any other identifier setup (a custom model, probabilities,
a confidence floor) goes to py3langid itself, and so does any py3langid release whose model the
proof has not been run on (`PROVEN`: running it takes seconds, too long for every start).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import version

import numpy as np
import numpy.typing as npt
import py3langid
from py3langid.langid import RAW_FLOOR, LanguageIdentifier, _get_identifier

#: The DFA's state after any bytes is its state after their last WINDOW bytes.
WINDOW = 6
#: py3langid releases whose model `window_holds` was checked on (the unit test checks the
#: installed one and that it is listed here).
PROVEN = frozenset({"0.4.0"})

_Ints = npt.NDArray[np.int64]
_States = npt.NDArray[np.uint32]


def classify(text: str) -> str:
    """The language py3langid's `classify(text)` gives (its first item)."""
    return _classifier()(text)


@cache
def _classifier() -> Callable[[str], str]:
    identifier: LanguageIdentifier = _get_identifier()
    if version("py3langid") not in PROVEN or identifier._norm_probs or identifier.min_confidence is not None:
        return lambda text: str(py3langid.classify(text)[0])
    nextmove, rowbase = _transitions(identifier)
    output = np.asarray(identifier.tk_output, dtype=np.int64)
    ptc, pc, classes = identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes
    aliases = identifier._alias_pairs

    def run(text: str) -> str:
        data = np.frombuffer(identifier._encode(text), dtype=np.uint8).astype(np.int64)
        states = _states(nextmove, rowbase, data)
        features = output[states]
        features = features[features >= 0]
        if not len(features):
            scores = np.full(len(classes), RAW_FLOOR, dtype=np.float32)
        else:
            found, first, counts = np.unique(features, return_index=True, return_counts=True)
            order = np.argsort(first)
            # py3langid's `_sparse_score`: the same operands in the same order, the same sums
            scores = np.log1p(counts[order].astype(np.float32)) @ ptc[found[order]] + pc
        for i, j in aliases:  # py3langid's `_decide`: a label's two columns folded into one
            scores[i] = max(scores[i], scores[j])
            scores[j] = RAW_FLOOR
        return str(classes[int(scores.argmax())])

    return run


def _transitions(identifier: LanguageIdentifier) -> tuple[_States, _Ints]:
    """The DFA's next states (a view of py3langid's array, not a copy: 39 MB) and the offset of
    each state's row in them."""
    if identifier.tk_nextmove.itemsize != 4:
        raise TypeError("py3langid's DFA is not an array of 32-bit states")
    return np.frombuffer(identifier.tk_nextmove, dtype=np.uint32), np.asarray(identifier.tk_row, dtype=np.int64) << 8


def _states(nextmove: _States, rowbase: _Ints, data: _Ints) -> _States:
    """The DFA's state after each byte of `data` (read from the start state)."""
    n = len(data)
    head = min(n, WINDOW - 1)
    states = np.empty(n, dtype=np.uint32)
    state = 0
    for i in range(head):  # the first bytes have less than a window behind them
        state = int(nextmove[rowbase[state] + data[i]])
        states[i] = state
    if n > head:
        # position i's state: the window data[i-WINDOW+1 .. i] read from the start state
        window = np.zeros(n - head, dtype=np.uint32)
        for k in range(WINDOW):
            window = nextmove[rowbase[window] + data[k : n - head + k]]
        states[head:] = window
    return states


def window_holds(identifier: LanguageIdentifier, window: int = WINDOW) -> bool:
    """Whether the identifier's DFA reads the same state from any bytes as from their last
    `window` bytes. It suffices that every string v of window+1 bytes leads where v without its
    first byte does (then by induction on the length so does any longer string). The pairs
    (state after v, state after v without its first byte) are followed breadth first, byte by
    byte; a pair of equal states stays equal whatever follows, so only unequal ones go on."""
    nextmove, rowbase = _transitions(identifier)
    n_states = len(rowbase)
    byte = np.arange(256, dtype=np.int64)
    first = nextmove[rowbase[0] + byte].astype(np.int64)
    pairs = np.stack([first, np.zeros_like(first)], axis=1)  # after one byte
    for _ in range(window):
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        after = nextmove[(rowbase[pairs][:, :, None] + byte).transpose(0, 2, 1).reshape(-1, 2)].astype(np.int64)
        codes = np.unique(after[:, 0] * n_states + after[:, 1])
        pairs = np.stack([codes // n_states, codes % n_states], axis=1)
    return bool((pairs[:, 0] == pairs[:, 1]).all())
