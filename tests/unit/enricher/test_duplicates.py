"""Near-duplicates with MinHash LSH: syndicated copies point at the earliest copy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from newswire.enricher.duplicates import DuplicateIndex
from tests.factories import T0
from tests.unit.enricher.helpers import SEEDS

WIRE = sorted(SEEDS.glob("*.txt"))[2].read_text(encoding="utf-8")
OTHER = sorted(SEEDS.glob("*.txt"))[4].read_text(encoding="utf-8")


def _edited(text: str) -> str:
    """A light edit: a new first line, one sentence dropped, a word changed."""
    sentences = text.split(". ")
    del sentences[3]
    return "Updated at 10:40. " + ". ".join(sentences).replace("said", "told reporters")


def test_lightly_edited_copies_point_at_the_earliest() -> None:
    index = DuplicateIndex(threshold=0.6)
    assert index.check_and_add("a-original", WIRE, T0) is None
    copy = index.check_and_add("b-copy", _edited(WIRE), T0 + timedelta(minutes=5))
    assert copy is not None and copy.article_id == "a-original" and 0.6 <= copy.similarity <= 1
    third = index.check_and_add("c-copy", WIRE, T0 + timedelta(minutes=9))
    assert third is not None and third.article_id == "a-original"
    # Another report of the same event, written independently, is not a duplicate.
    assert index.check_and_add("d-other", OTHER, T0 + timedelta(minutes=10)) is None
    # Asking again is idempotent.
    again = index.check_and_add("b-copy", _edited(WIRE), T0 + timedelta(minutes=5))
    assert again is not None and again.article_id == "a-original"


def test_short_texts_are_not_compared_and_old_ones_are_forgotten() -> None:
    index = DuplicateIndex(window_s=3600)
    assert index.check_and_add("h1", "Kerry and Lavrov meet in Geneva", T0) is None
    assert index.check_and_add("h2", "Kerry and Lavrov meet in Geneva", T0) is None
    index.check_and_add("a", WIRE, T0)
    assert len(index) == 1
    assert index.check_and_add("b", WIRE, T0 + timedelta(hours=2)) is None  # "a" left the window
    assert len(index) == 1


def test_seed_files_exist() -> None:
    assert Path(SEEDS).is_dir() and len(list(SEEDS.glob("*.txt"))) == 5


def test_sketches_share_one_set_of_permutations_and_hash_as_datasketch_does() -> None:
    from datasketch import MinHash

    index = DuplicateIndex()
    text = " ".join(f"word{i}" for i in range(80))
    one, two = index.minhash(text), index.minhash(text + " more words here")
    assert one is not None and two is not None
    assert one.permutations is two.permutations  # one array, not a copy per article
    # the same values as a MinHash that draws its own permutations
    fresh = MinHash(num_perm=index.num_perm)
    words = text.lower().split()
    fresh.update_batch([" ".join(words[i : i + index.shingle]).encode() for i in range(len(words) - index.shingle + 1)])
    assert (one.hashvalues == fresh.hashvalues).all()
