"""spaCy's greedy NER decoding, vectorised over the tokens where no entity is open.

spaCy's transition-based NER (the small English pipeline's) reads every token once: after its
window encoder and the precomputed hidden layer, a Cython loop scores each state's actions (a
1 x 64 by 64 x actions product through BLIS), checks every action's validity and takes the best
valid one, token after token. On real articles that loop is half of NER's CPU (py-spy on
`bench/enricher.py --parts ner`: `_parseC` 50%, its validity checks 38%), though most of it is
spent where nothing happens: no entity is open on ~90% of the tokens.

A state's features are (B0, E0, B0-1): the token, the first token of the open entity, and the
token before when an entity is open (spaCy's `set_context_tokens` with 3 features). With no
entity open the last two are padding, so the scores of *every* closed state are one matrix
product over all tokens, and the validity of each action there depends on the token alone
(whitespace, the last token, a sentence start next). So the best action of every closed state
is known at once, and the decoder walks only where an action opens an entity, scoring the open
states one by one as spaCy does. The arithmetic is spaCy's, in its order (features summed from
zero, then the bias; maxout; the output layer through a `gemm`, then its bias), so the entities
are spaCy's own: `bench/ner_decode.py` compares both on the development texts. The `gemm` is the
pipeline's ops' (numpy's BLAS since `ner_ops.py`; spaCy's own loop uses BLIS for that small product,
a difference of summation order that `bench/ner_blas.py` measures with the rest).

No library does this: spaCy's parser API decodes state by state. Anything the decoder does not
model (preset entities, a beam, classes masked as unseen, another feature set or pipeline
component) makes `NerDecoder.build` return None, and the caller runs spaCy itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_MOVES = {"B": 1, "I": 2, "L": 3, "U": 4, "O": 5}
BEGIN, IN, LAST, UNIT, OUT = 1, 2, 3, 4, 5
F32 = npt.NDArray[np.float32]
#: Checked at build: the decoder must give spaCy's entities on it (multi-token ones among them).
SAMPLE = (
    "Russian Foreign Minister Sergey Lavrov met U.S. Secretary of State Antony Blinken in "
    "Geneva on Friday, two days after the European Union and the United Nations called for "
    "talks.\n\nThe State Department said the meeting lasted 90 minutes."
)


@dataclass(frozen=True)
class DecodedEntity:
    """An entity as token offsets and label (end exclusive)."""

    start: int
    end: int
    label: str


class NerDecoder:
    """The greedy decoding of one spaCy `EntityRecognizer` (see the module's docstring)."""

    def __init__(self, ner: Any, moves: list[tuple[int, str]]) -> None:
        model = ner.model
        self._embed = model.layers[0]
        self._lower = model.layers[1]
        upper = model.layers[2]
        self._w: F32 = np.ascontiguousarray(upper.get_param("W"), dtype=np.float32)
        self._b: F32 = np.ascontiguousarray(upper.get_param("b"), dtype=np.float32)
        self._bias: F32 = np.ascontiguousarray(self._lower.get_param("b"), dtype=np.float32).reshape(-1)
        self._pieces = int(self._lower.get_dim("nP"))
        self.moves = moves
        kinds = np.array([k for k, _ in moves])
        labelled = np.array([bool(label) for _, label in moves])
        self._begin = (kinds == BEGIN) & labelled
        self._unit = (kinds == UNIT) & labelled
        self._out = kinds == OUT
        self._out_index = int(np.flatnonzero(self._out)[0])
        self._in = {label: i for i, (k, label) in enumerate(moves) if k == IN and label}
        self._last = {label: i for i, (k, label) in enumerate(moves) if k == LAST and label}
        from spacy.attrs import ENT_IOB, IS_SPACE, SENT_START

        self._gemm = upper.ops.gemm  # the pipeline's own (BLIS for thinc's NumpyOps, see ner_ops.py)
        self._token_attrs = [ENT_IOB, IS_SPACE, SENT_START]

    @classmethod
    def build(cls, nlp: Any) -> NerDecoder | None:
        """A decoder for `nlp`'s NER, or None when the pipeline is not one it reproduces exactly:
        exactly one enabled pipe, a greedy `ner` with 3 state features, maxout, an output layer,
        no class masked as unseen, and its moves B/I/L/U/O (with the unlabelled U- and O)."""
        if list(getattr(nlp, "pipe_names", ())) != ["ner"]:
            return None
        ner = nlp.get_pipe("ner")
        try:
            if ner.cfg.get("beam_width", 1) != 1 or ner.model.attrs.get("unseen_classes"):
                return None
            if not ner.model.attrs.get("has_upper", False) or len(ner.model.layers) != 3:
                return None
            lower = ner.model.layers[1]
            if lower.get_dim("nF") != 3 or lower.get_dim("nP") < 2:
                return None
            moves: list[tuple[int, str]] = []
            for i in range(ner.moves.n_moves):
                name = ner.moves.get_class_name(i)
                head, _, label = name.partition("-")
                if head not in _MOVES or (head == "O" and label):
                    return None
                moves.append((_MOVES[head], label))
            if ner.model.layers[2].get_dim("nO") != len(moves):
                return None
        except (AttributeError, KeyError, ValueError):
            return None
        if not any(k == OUT for k, _ in moves):
            return None
        decoder = cls(ner, moves)
        # the arithmetic is spaCy's as of the version this was written for; a release that
        # decodes otherwise shows it on a sample, and spaCy keeps decoding then
        doc = nlp(SAMPLE)
        spacy_entities = [(e.start, e.end, e.label_) for e in doc.ents]
        ours = decoder.decode(nlp.make_doc(SAMPLE))
        if ours is None or [(e.start, e.end, e.label) for e in ours] != spacy_entities:
            return None
        return decoder

    def _hidden(self, summed: F32) -> F32:
        """Maxout over the pieces of the hidden layer's pre-activations (states x hidden*pieces)."""
        pieces = summed.reshape(summed.shape[0], -1, self._pieces)
        if self._pieces == 2:  # sm's: an elementwise maximum is several times cheaper than a reduction
            return np.maximum(pieces[:, :, 0], pieces[:, :, 1])
        maxed: F32 = pieces.max(axis=2)
        return maxed

    def _scores(self, hidden: F32) -> F32:
        scores: F32 = self._gemm(hidden, self._w, trans2=True)
        scores += self._b
        return scores

    def decode(self, doc: Any) -> list[DecodedEntity] | None:
        """The entities spaCy's NER would set on `doc` (a freshly tokenised Doc), or None when
        the doc carries annotations the decoder does not model (preset entities)."""
        n = len(doc)
        if n == 0:
            return []
        attrs = doc.to_array(self._token_attrs)  # ENT_IOB, IS_SPACE, SENT_START
        if attrs[:, 0].any():
            return None
        space = attrs[:, 1].astype(bool)
        sent_start = attrs[:, 2] == 1
        tokvecs = self._embed.predict([doc])
        cached = self._lower.predict(tokvecs)  # (n + 1, 3, hidden, pieces): row 0 is padding
        cached = np.ascontiguousarray(cached, dtype=np.float32).reshape(n + 1, 3, -1)
        pad1, pad2 = cached[0, 1], cached[0, 2]
        # every closed state at once: features (t, padding, padding), summed from zero in spaCy's order
        closed = cached[1:, 0] + pad1
        closed += pad2
        closed += self._bias
        scores = self._scores(self._hidden(closed))
        # validity of each action in a closed state: B- needs a next token that starts no
        # sentence and a token that is not whitespace; U- a token that is not whitespace; O always
        next_starts = np.zeros(n, dtype=bool)
        next_starts[:-1] = sent_start[1:]
        can_begin = ~space & ~next_starts
        can_begin[-1] = False
        valid = np.where(self._begin, can_begin[:, None], False)
        valid |= np.where(self._unit, ~space[:, None], False)
        valid |= self._out
        best = np.where(valid, scores, -np.inf).argmax(axis=1)
        entities: list[DecodedEntity] = []
        t = 0
        for start in np.flatnonzero(best != self._out_index).tolist():
            if start < t:
                continue
            kind, label = self.moves[int(best[start])]
            if kind == UNIT:
                entities.append(DecodedEntity(start, start + 1, label))
                t = start + 1
                continue
            t = self._open(cached, start, label, n, sent_start)
            entities.append(DecodedEntity(start, t, label))
        return entities

    def _open(self, cached: F32, start: int, label: str, n: int, sent_start: npt.NDArray[np.bool_]) -> int:
        """Decode an entity opened at `start` state by state: I- of its label continues it while
        a next token exists and starts no sentence, L- of its label closes it. Returns its end."""
        i_move, l_move = self._in.get(label), self._last[label]
        first = cached[1 + start, 1]
        t = start + 1
        while True:
            summed = cached[1 + t, 0] + first
            summed += cached[t, 2]  # B0 - 1, which is token t - 1: row t of `cached`
            summed += self._bias
            scores = self._scores(self._hidden(summed[None, :]))[0]
            if i_move is None or t >= n - 1 or sent_start[t + 1]:
                return t + 1  # I- is not valid here: L- closes the entity
            # spaCy's arg_max_if_valid: the first valid action with the highest score
            if scores[i_move] > scores[l_move] or (scores[i_move] == scores[l_move] and i_move < l_move):
                t += 1
                continue
            return t + 1
