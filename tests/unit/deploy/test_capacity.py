"""The capacity model (`deploy/k8s/capacity.py`) fed with one end-to-end run's measured costs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def capacity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("capacity", ROOT / "deploy" / "k8s" / "capacity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["capacity"] = module  # dataclasses resolve their module's annotations through it
    spec.loader.exec_module(module)
    return module


def _run(level: str = "load-8") -> dict[str, Any]:
    """A report as bench/e2e.py writes it, with round numbers."""
    return {
        "started": "2026-12-06T06:00:00+00:00",
        "goals": {"reference_level": level},
        "levels": [
            {"name": "load-4", "cpu_ms_per_article": {}, "messages_per_article": {}},
            {
                "name": "load-8",
                # CPU ms per indexed article, and messages each stage consumed per article
                "cpu_ms_per_article": {"fetcher": 8.0, "normaliser": 24.0, "tracker": 4.0, "enricher": 130.0, "sink": 12.0},
                "messages_per_article": {"fetcher": 2.0, "normaliser": 2.0, "tracker": 4.0, "enricher": 2.0, "sink": 6.0},
            },
        ],
        "unavoidable": {
            "farm": {"extraction_ms_mean": 10.0, "ner_ms_mean": 60.0},
            "real": {"extraction_ms_mean": 50.0, "ner_ms_mean": 150.0},
        },
    }


def test_costs_per_message_with_real_pages_swapped_in(capacity: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "e2e.json"
    path.write_text(json.dumps(_run()))
    costs = capacity.e2e_costs(path)
    assert costs.fetcher_pages_per_s == pytest.approx(1000 / 4.0)  # 8 ms over 2 fetches
    # the real pages' extraction; the stage's own work per page is the stage bench's, as by default
    assert costs.normaliser_ms_per_page == pytest.approx(50.0)
    assert costs.normaliser_overhead_ms_page == capacity.README_COSTS.normaliser_overhead_ms_page
    # two messages per version (the version, then the enriched article to cluster): 130 ms a
    # version, less the farm's NER (60) and the clustering step, on top of the real pages' NER
    own = 130.0 - 60.0 - 1000 / capacity.CLUSTERING_PER_S
    assert costs.enricher_ms_per_version == pytest.approx(150.0 + own)
    assert costs.tracker_ms_unchanged == pytest.approx(2.0)  # per fetch: 4 ms over 2 fetches
    assert costs.sink_docs_per_s == pytest.approx(500.0)
    assert "level load-8" in costs.source


def test_a_stages_fixed_work_is_not_counted_per_article(capacity: ModuleType) -> None:
    run = _run()
    level = run["levels"][1] | {"duration": 50.0, "indexed": 100, "idle_ms_per_s": {"tracker": 5.0, "sink": 8.0}}
    # another level's after-window CPU was lower for the tracker (fewer re-checks still running):
    # the fixed work is the smallest figure of any level
    run["levels"] = [run["levels"][0] | {"idle_ms_per_s": {"tracker": 2.0, "sink": 9.0}}, level]
    costs = capacity.StageCosts.from_e2e(run, level)
    # tracker: 4 ms per article, of which 2 ms/s x 50 s / 100 articles = 1 ms fixed: 3 ms over 2 fetches
    assert costs.tracker_ms_unchanged == pytest.approx(1.5)
    # sink: 12 ms per article, 4 of them fixed: 8 ms over 6 documents
    assert costs.sink_docs_per_s == pytest.approx(750.0)
    assert costs.fetcher_pages_per_s == pytest.approx(1000 / 4.0)  # no idle measured: as before


def test_overhead_never_negative(capacity: ModuleType) -> None:
    run = _run()
    run["unavoidable"]["farm"]["ner_ms_mean"] = 140.0  # the farm sample cost more than a version
    costs = capacity.StageCosts.from_e2e(run, run["levels"][1])
    assert costs.enricher_ms_per_version == pytest.approx(150.0)


def test_the_normaliser_pays_its_overhead_on_every_page_it_receives(capacity: ModuleType) -> None:
    before, fast = capacity.BEFORE, capacity.RecheckCosts(
        coverage=0.9, hit_rate=0.8, hit_ratio=0.05, miss_ratio=0.06, fast_path=True
    )
    # before issue #20 every re-check answered 200 was a page extracted in full, none recognised
    assert capacity.normaliser_messages(before) == (1 + capacity.RECHECKS_PER_ARTICLE, 0.0)
    full, recognised = capacity.normaliser_messages(fast)
    changed = capacity.EDITED_SHARE * capacity.EDITS_PER_EDITED / capacity.RECHECKS_PER_ARTICLE
    bytes_changed = (1 - changed) * (1 - capacity.UNCHANGED_SAME_BYTES_SHARE)
    # the same bytes never reach it; the rest does, recognised or extracted
    assert full + recognised == pytest.approx(1 + capacity.RECHECKS_PER_ARTICLE * (changed + bytes_changed))
    assert recognised == pytest.approx(capacity.RECHECKS_PER_ARTICLE * bytes_changed * 0.9 * 0.8)
    # without the stage bench: the logic alone, a recognised page at the test's ratio to an extraction
    bare = capacity.StageCosts(normaliser_ms_per_page=40.0, normaliser_overhead_ms_page=0.0,
                               normaliser_ms_per_recheck=None)
    assert capacity.normaliser_ms_per_article(fast, bare) == pytest.approx(40.0 * capacity.normaliser_pages(fast))
    # with it: every page extracted pays the stage's work, every recognised page its measured cost
    staged = capacity.StageCosts(normaliser_ms_per_page=40.0, normaliser_overhead_ms_page=5.0,
                                 normaliser_ms_per_recheck=3.0)
    extra = capacity.normaliser_ms_per_article(fast, staged) - capacity.normaliser_ms_per_article(fast, bare)
    assert extra == pytest.approx(full * 5.0 + recognised * (3.0 - 0.05 * 40.0))


def test_measured_costs_change_the_plan(capacity: ModuleType) -> None:
    run = _run()
    measured = capacity.StageCosts.from_e2e(run, run["levels"][1])
    slower = capacity.StageCosts.from_e2e(
        run | {"unavoidable": {"farm": run["unavoidable"]["farm"], "real": {"extraction_ms_mean": 50.0, "ner_ms_mean": 300.0}}},
        run["levels"][1],
    )
    costs = capacity.RecheckCosts()
    enricher = {r.stage: r.instances for r in capacity.plan(1e6, costs, measured)[0]}["enricher"]
    enricher_slower = {r.stage: r.instances for r in capacity.plan(1e6, costs, slower)[0]}["enricher"]
    assert enricher_slower > enricher
    # the README's figures stay the default
    assert capacity.plan(1e6, costs)[0] == capacity.plan(1e6, costs, capacity.README_COSTS)[0]


def test_the_clustering_window_that_fits_shrinks_with_the_volume(capacity: ModuleType) -> None:
    small, large = capacity.clustering_window(1e5), capacity.clustering_window(1e6)
    per_article = capacity.CLUSTERING_BYTES_PER_ARTICLE
    assert large["articles"] == 1e6 * capacity.CLUSTERING_WINDOW_DAYS
    assert large["gb"] == large["articles"] * per_article / 1e9
    assert small["fits_articles"] == large["fits_articles"] == capacity.CLUSTERING_MEMORY_BYTES / per_article
    assert small["fits_hours"] == 10 * large["fits_hours"]  # ten times the articles, a tenth of the window
    assert 6_000 < per_article < 8_000  # the bench's figure (~7 KB an article)


def test_the_fetcher_pays_for_each_real_page_it_passes_on(capacity: ModuleType) -> None:
    fast = capacity.RecheckCosts(coverage=0.9, hit_rate=0.8, hit_ratio=0.05, miss_ratio=0.06, fast_path=True)
    fetches = 1 + capacity.RECHECKS_PER_ARTICLE
    bare = capacity.StageCosts(fetcher_pages_per_s=1000.0, fetcher_extra_ms_per_page=0.0)
    assert capacity.fetcher_ms_per_article(fast, bare) == pytest.approx(fetches * 1.0)
    real = capacity.StageCosts(fetcher_pages_per_s=1000.0, fetcher_extra_ms_per_page=0.5)
    # every page the normaliser receives, extracted or recognised; a same-bytes re-check passes none
    passed = sum(capacity.normaliser_messages(fast))
    assert passed < fetches
    assert capacity.fetcher_ms_per_article(fast, real) == pytest.approx(fetches * 1.0 + passed * 0.5)
    assert capacity.per_article(fast, real)["fetcher"] == pytest.approx(1000 / (fetches + passed * 0.5))


def test_a_page_the_fetcher_recognises_never_reaches_the_normaliser(capacity: ModuleType) -> None:
    normaliser_only = capacity.RecheckCosts(coverage=0.9, hit_rate=0.8, hit_ratio=0.05, miss_ratio=0.06, fast_path=True)
    both = capacity.RecheckCosts(
        coverage=0.9, hit_rate=0.8, hit_ratio=0.05, miss_ratio=0.06, fast_path=True,
        fetcher_tested=0.95, fetcher_hit_rate=0.75, fetcher_hit_ms=1.0, fetcher_miss_ms=1.5,
    )
    assert both.in_the_normaliser_only() == normaliser_only
    changed = capacity.EDITED_SHARE * capacity.EDITS_PER_EDITED / capacity.RECHECKS_PER_ARTICLE
    bytes_changed = (1 - changed) * (1 - capacity.UNCHANGED_SAME_BYTES_SHARE)
    at_fetcher = capacity.RECHECKS_PER_ARTICLE * bytes_changed * 0.9 * 0.75
    full_before, recognised_before = capacity.normaliser_messages(normaliser_only)
    full, recognised = capacity.normaliser_messages(both)
    # the same pages are extracted; of those recognised, the fetcher's never reach the normaliser
    assert full == pytest.approx(full_before)
    assert recognised == pytest.approx(recognised_before - at_fetcher)
    # and cost it no region test either
    drop = capacity.normaliser_pages(normaliser_only) - capacity.normaliser_pages(both)
    assert drop == pytest.approx(at_fetcher * 0.05)
    # the fetcher: a test on every byte-changed or edited re-check page with a lexbor fingerprint,
    # and no page to encode for each it recognised
    stage = capacity.StageCosts(fetcher_pages_per_s=1000.0, fetcher_extra_ms_per_page=0.5)
    tested = capacity.RECHECKS_PER_ARTICLE * (changed + bytes_changed) * 0.9 * 0.95
    extra = capacity.fetcher_ms_per_article(both, stage) - capacity.fetcher_ms_per_article(normaliser_only, stage)
    assert extra == pytest.approx(at_fetcher * 1.0 + (tested - at_fetcher) * 1.5 - at_fetcher * 0.5)
