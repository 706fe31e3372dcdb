"""Story clustering gives the same stories under any PYTHONHASHSEED: a user re-running a stream
gets the same assignments, story entities and dormant index (no set's iteration order decides a
tie or the order of candidates)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from newswire.contracts import DormantStory
from newswire.enricher.logic import dormant_record, story_of
from newswire.enricher.stories import StoryClusterer, StoryConfig, StoryInput

from tests.factories import T0

_FIRST = ("Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana")
_LAST = ("Moss", "Reed", "Shaw", "Tull", "Vance", "Wolfe")
_TOWNS = ("Millbrook", "Eastfield", "Northgate", "Riverton")


def _stream() -> list[StoryInput]:
    """Look-alike incidents naming more people than a dormant story keeps (so ties in the name
    counts decide which it keeps), a day and ages; a day-long window, so they go dormant, and
    follow-ups weeks later citing the day and one name."""
    items: list[StoryInput] = []
    for k in range(12):
        town = _TOWNS[k % len(_TOWNS)]
        people = [f"{_FIRST[(k + j) % len(_FIRST)]} {_LAST[(k * 3 + j) % len(_LAST)]}" for j in range(7)]
        when = T0 + timedelta(hours=7 * k)
        for n in range(3):
            named = people[n:] + people[:n]
            text = (
                f"{named[0]}, {20 + k}, was shot on Saturday in {town}. Police named "
                + ", ".join(named[1:])
                + " as witnesses; 3 men were held."
            )
            items.append(
                StoryInput(
                    f"a{k}-{n}", f"Man, {20 + k}, shot in {town}", text, when + timedelta(minutes=30 * n),
                    f"o{n}", tuple(named + [town]), None,
                    (*(("person", p) for p in named), ("place", town)),
                )
            )
    saturday = T0 - timedelta(days=(T0.weekday() - 5) % 7)
    for k in range(12):
        name = f"{_FIRST[(k + 6) % len(_FIRST)]} {_LAST[(k * 3 + 6) % len(_LAST)]}"
        text = f"A man appeared in court over the death of {name}, shot on {saturday:%B} {saturday.day}."
        items.append(
            StoryInput(
                f"f{k}", f"Court hearing over {_TOWNS[k % 4]} killing", text, T0 + timedelta(days=20, hours=k),
                "court", (name,), None, (("person", name),),
            )
        )
    return items


def run() -> None:
    """Cluster the stream and print what a re-run must reproduce (the subprocess's side)."""
    clusterer = StoryClusterer(StoryConfig(window_s=86400.0))
    out: dict[str, object] = {}
    for item in _stream():
        assignment = clusterer.add(item)
        story = clusterer.stories[assignment.story_id]
        out[item.article_id] = [
            assignment.story_id,
            round(assignment.score, 9),
            [name for name, _n in story.entities.most_common(5)],
            [name for name, _n in story.parts.typed.get("person", {}).items()][:5],
        ]
    out["dormant"] = {key[1]: list(ids) for key, ids in clusterer.sleeping.by_day_name.items()}
    print(json.dumps(out))


def run_restarted() -> None:
    """Cluster the incidents, publishing as the service does (each step's dormant changes, merged
    stories tombstoned), restart (a fresh clusterer from the records as compaction leaves them,
    read back from bytes; the merges; every incident read back, as if all were recent), then the
    follow-ups; print their stories, and those of an uninterrupted run."""
    config = StoryConfig(window_s=86400.0)
    stream = _stream()
    incidents, follow_ups = stream[:36], stream[36:]
    clusterer = StoryClusterer(config)
    assigned: dict[str, str] = {}
    records: dict[str, bytes] = {}
    merges: list[tuple[str, str]] = []
    for item in incidents:
        assignment = clusterer.add(item)
        assigned[item.article_id] = assignment.story_id
        for change in clusterer.sleeping.drain():
            records.pop(change.story_id, None)
            if change.story is not None:
                records[change.story_id] = dormant_record(change.story, change.state, T0).to_bytes()
        for merge in assignment.changes:
            if merge.event == "merged" and merge.merged_into:
                records.pop(merge.story.story_id, None)
                merges.append((merge.story.story_id, merge.merged_into))
    restarted = StoryClusterer(config)
    for raw in records.values():
        restarted.sleeping.restore(story_of(DormantStory.model_validate_json(raw)))
    for loser, survivor in merges:
        restarted.redirect(loser, survivor)
    for item in incidents:
        restarted.restore(item, assigned[item.article_id])
    restarted.sleeping.restored.clear()
    same = {
        sid: restarted.dormant[sid] == story for sid, story in clusterer.dormant.items() if sid in restarted.dormant
    }
    print(json.dumps({
        "dormant": [list(clusterer.dormant), list(restarted.dormant), same],
        "live": [sorted(clusterer.stories), sorted(restarted.stories)],
        "restarted": [restarted.add(item).story_id for item in follow_ups],
        "uninterrupted": [clusterer.add(item).story_id for item in follow_ups],
    }))


def _in_subprocess(seed: int, function: str = "run") -> str:
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    code = f"from tests.unit.enricher.test_stories_determinism import {function}; {function}()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    return done.stdout


def test_the_same_stream_gives_the_same_stories_under_any_hash_seed() -> None:
    runs = [_in_subprocess(seed) for seed in (0, 1, 2)]
    assert runs[0] == runs[1] == runs[2]
    result = json.loads(runs[0])
    assert result["dormant"], "the stream must put stories to sleep (the dormant index is the tie-prone part)"


def test_a_restart_from_the_dormant_records_gives_the_same_follow_ups_under_any_hash_seed() -> None:
    runs = [_in_subprocess(seed, "run_restarted") for seed in (0, 1, 2)]
    assert runs[0] == runs[1] == runs[2]
    result = json.loads(runs[0])
    uninterrupted, restarted, same = result["dormant"]
    assert uninterrupted and restarted == uninterrupted and all(same.values())
    assert result["live"][0] == result["live"][1]
    assert result["restarted"] == result["uninterrupted"]
