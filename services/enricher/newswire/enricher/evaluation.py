"""Story-clustering evaluation: B-cubed precision, recall and F1, and the gold-label loader.

B-cubed (Bagga and Baldwin, 1998) scores every item: precision is the share of its predicted
cluster that shares its gold label, recall the share of its gold cluster that it was put with;
both are averaged over items. It is computed here from the contingency counts (a few lines of
arithmetic that no installed library provides as B-cubed).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class BCubed:
    """B-cubed scores of one clustering against gold labels."""

    precision: float
    recall: float
    f1: float
    items: int
    predicted_clusters: int
    gold_clusters: int


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> BCubed:
    """B-cubed precision, recall and F1 over the items present in both mappings."""
    items = [i for i in gold if i in predicted]
    if not items:
        raise ValueError("no item has both a predicted and a gold label")
    pair = Counter((predicted[i], gold[i]) for i in items)
    pred_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    # Each item in cell (p, g) has precision n(p,g)/|p| and recall n(p,g)/|g|.
    precision = sum(n * n / pred_size[p] for (p, _g), n in pair.items()) / len(items)
    recall = sum(n * n / gold_size[g] for (_p, g), n in pair.items()) / len(items)
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return BCubed(precision, recall, f1, len(items), len(pred_size), len(gold_size))


@dataclass(frozen=True)
class LabelledItem:
    """One item of a story set: what `newswire cluster` reads, plus its gold story."""

    id: str
    title: str
    text: str
    published: datetime
    outlet: str
    story: str

    def as_input(self) -> dict[str, str]:
        """The item as a `newswire cluster` input line (no gold label)."""
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "published": self.published.isoformat(),
            "outlet": self.outlet,
        }


def read_story_set(path: Path) -> list[LabelledItem]:
    """A story set in time order: the stories-dev CSV layout (ID, TITLE, PUBLISHER, STORY,
    TIMESTAMP in ms, optional TEXT) or JSONL lines with id, title, text, published, outlet and
    story, plain or gzip-compressed (told by the content, not the name). Rows without an id, a
    title or a story (e.g. a truncated last row) are skipped."""
    items = list(_read_jsonl(path) if _is_jsonl(path) else _read_csv(path))
    items.sort(key=lambda item: item.published)
    return items


def _open_text(path: Path) -> IO[str]:
    """The file as text, gunzipped when it starts with the gzip magic."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(newline="", encoding="utf-8")


def _is_jsonl(path: Path) -> bool:
    """Whether the set is JSON lines: its first non-blank character opens an object."""
    with _open_text(path) as handle:
        for line in handle:
            if line.strip():
                return line.lstrip().startswith("{")
    return False


def _read_csv(path: Path) -> Iterator[LabelledItem]:
    with _open_text(path) as handle:
        for row in csv.DictReader(handle):
            ident, title, story, stamp = (
                row.get("ID"), row.get("TITLE"), row.get("STORY"), row.get("TIMESTAMP")
            )
            if not (ident and title and story and stamp and stamp.isdigit()):
                continue
            yield LabelledItem(
                id=ident,
                title=title,
                text=row.get("TEXT") or "",
                published=datetime.fromtimestamp(int(stamp) / 1000, tz=UTC),
                outlet=row.get("PUBLISHER") or row.get("HOSTNAME") or "",
                story=story,
            )


def _read_jsonl(path: Path) -> Iterator[LabelledItem]:
    import orjson

    with _open_text(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            row = orjson.loads(line)
            if not (row.get("id") and row.get("title") and row.get("story")):
                continue
            yield LabelledItem(
                id=str(row["id"]),
                title=row["title"],
                text=row.get("text") or "",
                published=_utc(datetime.fromisoformat(str(row["published"]))),
                outlet=row.get("outlet") or "",
                story=str(row["story"]),
            )


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def gold_labels(items: Iterable[LabelledItem]) -> dict[str, str]:
    """id -> gold story."""
    return {item.id: item.story for item in items}


#: The thresholds the baseline is tried at (cosine 0.05 to 0.9).
BASELINE_THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 19))


def baseline_single_pass(items: list[LabelledItem], threshold: float) -> dict[str, str]:
    """The reference baseline: single-pass TF-IDF cosine. Each article (title and text, TF-IDF
    fitted on the whole set, which only flatters the baseline) joins the story of its most
    similar earlier article if the cosine reaches `threshold`, else starts a story."""
    return _single_pass(items, _nearest_earlier(items), threshold)


def baseline_best(
    items: list[LabelledItem], gold: Mapping[str, str], thresholds: Iterable[float] = BASELINE_THRESHOLDS
) -> tuple[float, dict[str, str]]:
    """The baseline at its best threshold on this very set (an oracle choice that flatters it
    further): (threshold, assignments)."""
    nearest = _nearest_earlier(items)
    best: tuple[float, float, dict[str, str]] | None = None
    for threshold in thresholds:
        labels = _single_pass(items, nearest, threshold)
        f1 = bcubed(labels, gold).f1
        if best is None or f1 > best[0]:
            best = (f1, threshold, labels)
    if best is None:
        raise ValueError("no baseline threshold to try")
    return best[1], best[2]


def _nearest_earlier(items: list[LabelledItem]) -> list[tuple[int, float]]:
    """For each article, its most similar earlier article and their TF-IDF cosine (-1 for none)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [f"{item.title} {item.text}" for item in items]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(docs).tocsr()
    nearest: list[tuple[int, float]] = []
    for i in range(len(items)):
        if i == 0:
            nearest.append((-1, 0.0))
            continue
        sims = (matrix[:i] @ matrix[i].T).toarray().ravel()
        j = int(sims.argmax())
        nearest.append((j, float(sims[j])))
    return nearest


def _single_pass(items: list[LabelledItem], nearest: list[tuple[int, float]], threshold: float) -> dict[str, str]:
    labels: list[str] = []
    for item, (j, sim) in zip(items, nearest, strict=True):
        labels.append(labels[j] if j >= 0 and sim >= threshold else item.id)
    return {item.id: label for item, label in zip(items, labels, strict=True)}
