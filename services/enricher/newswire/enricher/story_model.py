"""The learned story similarity and new-story decision: two logistic regressions as JSON weights.

A logistic regression is a dot product at prediction time, so the clusterer evaluates it in plain
Python over a dozen features per candidate (well within the per-article budget) and the model
ships as a small, readable, diffable JSON file (`data/story_model.json`) rather than a pickle tied
to a scikit-learn version. Training (`newswire cluster train`, see `story_training`) uses
scikit-learn and folds its feature scaling into the weights.

- similarity: P(the candidate story is the article's story | pair features);
- decision: P(joining the best candidate is right | its logit, the runner-up's, ...); below 0.5
  the article starts a new story.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from operator import mul
from pathlib import Path
from typing import Any

from newswire.enricher.story_features import DECISION_FEATURES, PAIR_FEATURES

DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class Linear:
    """A logistic regression over named features, in raw (unscaled) feature space."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def logit(self, values: list[float]) -> float:
        if len(values) != len(self.weights):
            raise ValueError(f"{len(values)} feature values for {len(self.weights)} weights")
        # the same sum, in the same order, as a generator over zip, for a third of its CPU
        total: float = sum(map(mul, self.weights, values))
        return self.bias + total

    @staticmethod
    def probability(logit: float) -> float:
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "bias": self.bias,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> Linear:
        features = tuple(str(f) for f in data["features"])
        if features != expected:
            raise ValueError(
                f"model features {features} do not match the code's {expected}"
            )
        weights = tuple(float(w) for w in data["weights"])
        if len(weights) != len(features):
            raise ValueError(
                "model has a weight count different from its feature count"
            )
        return cls(features, weights, float(data["bias"]))


@dataclass(frozen=True)
class StoryModel:
    """The two models and how they were trained (for the record)."""

    similarity: Linear
    decision: Linear
    info: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "similarity": self.similarity.as_json(),
            "decision": self.decision.as_json(),
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoryModel:
        if data.get("format") != 1:
            raise ValueError(f"unknown story model format {data.get('format')!r}")
        return cls(
            Linear.from_json(data["similarity"], PAIR_FEATURES),
            Linear.from_json(data["decision"], DECISION_FEATURES),
            dict(data.get("info") or {}),
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=8)
def load_model(name: str) -> StoryModel:
    """The packaged model (`default`) or the model file at `name`."""
    if name == DEFAULT_MODEL:
        text = (
            resources.files("newswire.enricher")
            .joinpath("data/story_model.json")
            .read_text(encoding="utf-8")
        )
    else:
        text = Path(name).read_text(encoding="utf-8")
    return StoryModel.from_json(json.loads(text))
