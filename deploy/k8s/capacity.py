"""The capacity model of deploy/k8s/README.md: instances, partitions and Elasticsearch shards for
a number of articles a day, from the benchmark figures of each service's README.

    python deploy/k8s/capacity.py            # the README's table (1, 10, 100 million a day)
    python deploy/k8s/capacity.py 3e6        # another volume
    python deploy/k8s/capacity.py --before   # as before unchanged re-checks (issue #20)
    python deploy/k8s/capacity.py --e2e bench/results/e2e.json   # per-stage costs of one e2e run

Every constant names its source; the assumptions (peak-to-mean, re-checks, sizes, replication)
are module constants so that a reader can change one and see the consequence.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

DAY_S = 86_400

# -- assumptions (deploy/k8s/README.md, "Assumptions") -----------------------------------------------
PEAK_TO_MEAN = 3.0  # busiest hour vs the day's mean (news follows the day; breaking news adds bursts)
UTILISATION = 0.7  # plan instances to run at 70% of their measured rate at peak
EDITED_SHARE = 0.1785  # bench/recheck.py: GDELT GDG, articles changed within a week
EDITS_PER_EDITED = 1.5  # bench/recheck.py: 1 + Poisson(0.5) edits per edited article
RECHECKS_PER_ARTICLE = 23.3  # services/tracker/README.md: re-check fetches per article (default policy)
NOT_MODIFIED_SHARE = 0.0  # re-checks answered 304 (skip extraction); 0 = every re-check is a full page
POLLS_PER_ARTICLE = 2.0  # the adaptive interval polls a feed about once per new item (>= 2 min)
DOC_BYTES_ON_DISK = 12_000  # one article document in the index (4 KB of text, its analysis, metadata)
REVISION_BYTES_ON_DISK = 10_000  # one revision (both diffs, the changes)
SHARD_TARGET_BYTES = 40e9  # Elastic's guidance: 10-50 GB per shard
ES_REPLICAS = 1  # one replica: every write indexed twice
RETENTION_DAYS = 90  # articles searchable for this long (the hot tier)
# services/enricher/README.md, `bench/enricher.py --parts clustering`: the clustering state's resident
# memory per article in its window, an estimate from two runs of nearby rounds of #21 (RSS 502 MB at
# 20,000 articles, 1,066 MB at 100,000: ~7 KB each; the bench's stream forms few, large stories)
CLUSTERING_BYTES_PER_ARTICLE = (1_066e6 - 502e6) / 80_000
CLUSTERING_WINDOW_DAYS = 30.0  # NEWSWIRE_STORY_WINDOW_H's default, 720 h
CLUSTERING_MEMORY_BYTES = 1024**3  # what of the enricher pod's 1.5 GiB limit the window may take

# -- per-instance figures (one instance = one pod of 1 CPU) -------------------------------------
# services/fetcher/README.md: `bench/fetcher.py --kafka`, the real stage through Kafka (median of
# three runs, 2026-12-06: 1.14 ms CPU/page, the process 94% busy; 355/s at 2.70 ms with gzip before)
FETCHER_PAGES_PER_S = 824.0
# That bench's farm pages are 50 KB padded with a repeated pattern, which zstd shrinks to nothing;
# a real page (~210 KB of HTML on the dev sets) costs the fetcher more to encode and compress for
# Kafka: `bench/page_codec.py`, the extra CPU per page passed on (a same-bytes re-check passes none).
PAGE_CODEC_BENCH = Path(__file__).resolve().parents[2] / "bench" / "results" / "page_codec.json"
# `bench/normaliser.py --systems stage,trafilatura --limit 0` (2026-12-06): the stage's path
# (extraction, fingerprint, article), CPU ms/page, mean over the 711 extraction-dev pages (64.5
# before #25's CPU passes; trafilatura with metadata 30.8 in the same run): 39.5; then x1.02 with
# the lexbor fingerprint and the title rules (`--systems stage,stage@before --before 42321aa`,
# 50.7 / 49.6 ms in one run on a machine a quarter slower: trafilatura 38.8 there)
NORMALISER_MS_PER_PAGE = 40.3
# The normaliser stage's own work per message on top of its logic (consume, decompress, decode and
# validate the page, produce, commit; a full extraction's worker-thread hop), and a recognised
# re-check page's whole cost: `bench/normaliser_stage.py`, the real stage through Kafka on 270
# development pages (~290 KB each) with dynamic parts, its CPU per message, and less
# `work_on_page`'s on the same pages in one process for the overhead. A recognised re-check is a
# whole page through Kafka for a ~1.4 ms test, so the stage's work is most of its cost. None of
# this is in NORMALISER_MS_PER_PAGE (the logic alone, one process) nor in the re-checks' ratios.
NORMALISER_STAGE_BENCH = Path(__file__).resolve().parents[2] / "bench" / "results" / "normaliser_stage.json"
# services/tracker/README.md, `bench/tracker_stage.py` (2026-12-07, calibration_ms 42): the real
# stage through Kafka, CPU per unchanged re-check cycle (the timer's request, the result, the
# article's and the outlet's table writes with their changelog records): 1.31 ms (1.54-1.60 in the
# same hour before the schedule's move was held until the answer's write, planned.py; 1.78 the
# evening before on a slower machine); a first-sight article 1.5. (Before these: the logic's
# micro-benchmark, 1000 / 18,359 + a table round trip 1000 / 3,432 = 0.35 ms, without the
# runtime's work per message, which is most of it.)
TRACKER_MS_UNCHANGED = 1.31
TRACKER_MS_REVISION = 1000 / 150  # services/tracker/README.md: a real edit's diff, typical article
# services/enricher/README.md, `bench/enricher.py --parts stateless,ner` (2026-12-07, 200 real
# articles, median 1,687 words): NER (the pruned labels, decoded by `ner_decode`, its matrix
# products on numpy's BLAS, `ner_ops.py`) 48.7 ms mean + the stateless part, 285.7 articles / CPU s
# (the same hour with thinc's BLIS and the quotes' older fold: 56.7 ms and 232.7 / s, as on
# 2026-12-06; before the decoder: 111.6 ms); then the article's language taken from the
# normaliser instead of read again (`logic.article_language`): the stateless part x1.255 in one
# run of both (302.0 -> 378.9 / s, a faster hour), so 285.7 x 1.255 = 358.4 / s; then YAKE in Rust
# (`yake-rust`): x3.116 in one run of both (316.5 -> 986.3 / s), so 358.4 x 3.116 = 1,116.8 / s.
ENRICHER_MS_PER_VERSION = 48.7 + 1000 / 1116.8
# services/enricher/README.md: one clustering instance, 100,000 in the window: 246 / s; then the
# candidates' sparse products without the terms a centroid lacks (the same floats): x1.243 in
# one run of both side by side (172.6 -> 214.6 / s, 2026-12-07), so 246 x 1.243 = 305.8 / s.
CLUSTERING_PER_S = 246.0 * 214.6 / 172.6
SINK_DOCS_PER_S = 2_524.0  # services/sink/README.md: 4 KB articles, quiet machine
POLLS_PER_CPU_S = 1000 / 2.68  # services/poller/README.md: warm polls (90% 304)
ES_DOCS_PER_CORE_S = 3_896.0 / 2  # services/sink/README.md: bare bulk on the 2-core dev node
# services/tracker/README.md, "How many re-checks an instance can issue": the timer's own limit,
# NEWSWIRE_RECHECK_BATCH_MAX / (NEWSWIRE_RECHECK_TICK_S + batch x 0.6 ms per issue)
TRACKER_ISSUES_PER_S = 2000 / (1.0 + 2000 * 0.0006)

# -- unchanged re-checks (issue #20) --------------------------------------------------------------
# A re-check answered 304, or with the very body the article was extracted from, costs the
# normaliser nothing (the fetcher reports it unchanged); one whose bytes changed outside the article
# costs the fetcher its region test (a lexbor fingerprint: 97% of them) and nothing more when it
# recognises the article, else the normaliser's region test (a parse and a hash) and, when that
# does not recognise it either, the full extraction; one whose article changed costs all three.
# The mix, modelled on GDELT: 82% of articles never change in their first week; the re-checks that
# find an edit are EDITED_SHARE * EDITS_PER_EDITED / RECHECKS_PER_ARTICLE (~1.15%); the rest are
# unchanged, of which NOT_MODIFIED_SHARE answer 304 and UNCHANGED_SAME_BYTES_SHARE the same bytes
# (assumption: a cached or static render; pages with a per-request token, a clock or a rotating
# list never do), the remainder bytes changed outside the article.
UNCHANGED_SAME_BYTES_SHARE = 0.3
# -- NER once per distinct text (issue #20) ------------------------------------------------------
# The enricher keeps each paragraph's NER mentions (LRU per instance, services/enricher/README.md)
# and runs NER on a new version only around the paragraphs that changed, with entities identical
# to a full pass. REVISION_NER_COST: a revision with one paragraph replaced, CPU of `enrich` with
# the cache / without (median over 100 real articles, `bench/enricher.py --parts reuse`).
# REVISION_CACHE_HIT_SHARE (assumption): the share of revisions whose previous version is still in
# the instance's cache (~10,000 articles, about 1-4 hours of one instance's versions at 1 million
# a day); under bench/recheck.py's edit model 45% of first-day edits come within an hour and ~75%
# within 4 hours of publication, and 19% of edits come after the first day, hence 0.5. Revisions
# of one paragraph are an assumption too (the tracker's edits are mostly small). Syndicated
# copies are not counted: no measured share of wire copies (GVA dev: 1.5% near-duplicates).
REVISION_NER_COST = 0.242  # 14.7 / 60.8 ms (2026-12-07, numpy's BLAS; 0.244 on BLIS, 0.209 before the decoder)
REVISION_CACHE_HIT_SHARE = 0.5


def revision_cost(costs: RecheckCosts) -> float:
    """A revision's enricher cost as a fraction of a first version's (1 before issue #20)."""
    if not costs.fast_path:
        return 1.0
    return REVISION_CACHE_HIT_SHARE * REVISION_NER_COST + (1 - REVISION_CACHE_HIT_SHARE)


#: The fast path's measured costs and rates (`python bench/rechecks.py --out ...`): the share of
#: pages with a fingerprint (`coverage`), the share of byte-changed-not-article re-checks it
#: recognises (`b_hit_rate_fingerprinted`), its cost as a fraction of the same page's full
#: extraction when it recognises (`b_hit_to_full_ratio_median`) and when it does not (the check
#: before the extraction). What recording the fingerprint adds to a full extraction is not a term
#: here: the per-page costs (NORMALISER_MS_PER_PAGE, an e2e run's per-message cost) are the stage's
#: path, which records it.
RECHECKS_BENCH = Path(__file__).resolve().parents[2] / "bench" / "results" / "rechecks.json"


@dataclass(frozen=True)
class RecheckCosts:
    """What one re-check costs, as fractions of a full extraction in the normaliser and as ms in
    the fetcher, and the region test's hit rates."""

    coverage: float = 0.0  # share of articles with a fingerprint
    hit_rate: float = 0.0  # share of byte-changed-not-article re-checks recognised unchanged
    hit_ratio: float = 1.0  # fast check (recognised) / full extraction
    miss_ratio: float = 0.0  # fast check (not recognised) / full extraction, before the extraction
    fast_path: bool = False  # False: every re-check answered 200 is extracted (before issue #20)
    # The fetcher's own region test (lexbor fingerprints, `newswire.regions.lexbor`): the share of
    # fingerprints it tests, the share of byte-changed-not-article re-checks (of fingerprinted
    # articles) it recognises, which then never reach the normaliser, and its CPU ms per test.
    fetcher_tested: float = 0.0
    fetcher_hit_rate: float = 0.0
    fetcher_hit_ms: float = 0.0
    fetcher_miss_ms: float = 0.0

    @classmethod
    def measured(cls, path: Path = RECHECKS_BENCH) -> RecheckCosts:
        """The costs `bench/rechecks.py` measured (all datasets together)."""
        figures = json.loads(path.read_text("utf-8"))["all"]
        hit_ratio = float(figures["b_hit_to_full_ratio_median"])
        fetcher_hit_ms = float(figures.get("b_fetcher_test_hit_ms_median", 0.0))
        return cls(
            coverage=float(figures["coverage"]),
            hit_rate=float(figures["b_hit_rate_fingerprinted"]),
            hit_ratio=hit_ratio,
            # a check that does not recognise does the same parse and hash: at least as costly
            miss_ratio=max(float(figures["b_miss_check_to_full_ratio_median"]), hit_ratio),
            fast_path=True,
            fetcher_tested=float(figures.get("lexbor_share", 0.0)),
            fetcher_hit_rate=float(figures.get("b_fetcher_hit_rate_fingerprinted", 0.0)),
            fetcher_hit_ms=fetcher_hit_ms,
            fetcher_miss_ms=max(float(figures.get("b_fetcher_test_miss_ms_median", 0.0)), fetcher_hit_ms),
        )

    def in_the_normaliser_only(self) -> RecheckCosts:
        """These costs with the region test run by the normaliser alone (before 2026-12-07)."""
        return replace(self, fetcher_tested=0.0, fetcher_hit_rate=0.0, fetcher_hit_ms=0.0, fetcher_miss_ms=0.0)


BEFORE = RecheckCosts()


def _recheck_mix() -> tuple[float, float]:
    """Shares of re-checks that find an edit, and that find the article unchanged in changed bytes."""
    changed = min(1.0, EDITED_SHARE * EDITS_PER_EDITED / RECHECKS_PER_ARTICLE)
    return changed, (1 - changed) * max(0.0, 1 - NOT_MODIFIED_SHARE - UNCHANGED_SAME_BYTES_SHARE)


def _recognised(costs: RecheckCosts) -> tuple[float, float]:
    """Re-checks per article recognised unchanged by the region test: (in the fetcher, which then
    passes no page on, in the normaliser)."""
    _, bytes_changed = _recheck_mix()
    tested = RECHECKS_PER_ARTICLE * bytes_changed * costs.coverage
    at_fetcher = tested * min(costs.fetcher_hit_rate, costs.hit_rate)
    return at_fetcher, tested * costs.hit_rate - at_fetcher


def normaliser_pages(costs: RecheckCosts) -> float:
    """Full-extraction equivalents the normaliser spends on one article over its life (a page the
    fetcher recognised costs it nothing)."""
    if not costs.fast_path:
        return 1 + RECHECKS_PER_ARTICLE * (1 - NOT_MODIFIED_SHARE)
    changed, bytes_changed = _recheck_mix()
    # one full extraction = 1 (the stage's path, its fingerprint recorded)
    checked_full = costs.coverage * (costs.miss_ratio + 1) + (1 - costs.coverage)
    missed = costs.coverage * (1 - costs.hit_rate) * (costs.miss_ratio + 1) + (1 - costs.coverage)
    _, in_normaliser = _recognised(costs)
    return 1 + RECHECKS_PER_ARTICLE * (changed * checked_full + bytes_changed * missed) + in_normaliser * costs.hit_ratio


def normaliser_messages(costs: RecheckCosts) -> tuple[float, float]:
    """Pages the normaliser receives per article over its life: (extracted in full, recognised
    unchanged by its region test). A re-check answered 304, with the same bytes, or recognised by
    the fetcher's region test never reaches it."""
    if not costs.fast_path:
        return 1 + RECHECKS_PER_ARTICLE * (1 - NOT_MODIFIED_SHARE), 0.0
    changed, bytes_changed = _recheck_mix()
    at_fetcher, in_normaliser = _recognised(costs)
    return 1 + RECHECKS_PER_ARTICLE * (changed + bytes_changed) - at_fetcher - in_normaliser, in_normaliser


def normaliser_ms_per_article(costs: RecheckCosts, stage: StageCosts) -> float:
    """The normaliser's CPU for one article over its life: the logic of its full extractions (and
    of the region tests that missed), plus the stage's own work for each page it extracts, plus
    each recognised re-check page's whole cost in the stage (`bench/normaliser_stage.py`: its test
    and the stage's work, a mean over real pages; without that run, the test's median ratio to an
    extraction, `bench/rechecks.py`)."""
    full, recognised = normaliser_messages(costs)
    extractions = normaliser_pages(costs) - recognised * costs.hit_ratio
    per_recheck = (
        stage.normaliser_ms_per_recheck
        if stage.normaliser_ms_per_recheck is not None
        else costs.hit_ratio * stage.normaliser_ms_per_page
    )
    return (
        stage.normaliser_ms_per_page * extractions
        + full * stage.normaliser_overhead_ms_page
        + recognised * per_recheck
    )


def _stage_bench(path: Path = NORMALISER_STAGE_BENCH) -> tuple[float, float | None]:
    """The normaliser stage's own work per page extracted, and a recognised re-check page's whole
    cost in the stage (0 and None without a run)."""
    if not path.exists():
        return 0.0, None
    figures = json.loads(path.read_text("utf-8"))
    return max(0.0, float(figures["first"]["overhead_ms"])), float(figures["recheck"]["ms_per_page"])


NORMALISER_OVERHEAD_MS_PAGE, NORMALISER_MS_PER_RECHECK = _stage_bench()


def _page_codec(path: Path = PAGE_CODEC_BENCH) -> float:
    """The fetcher's extra CPU ms per real page passed on (0 without a run)."""
    if not path.exists():
        return 0.0
    return max(0.0, float(json.loads(path.read_text("utf-8"))["extra_ms_per_page"]))


FETCHER_EXTRA_MS_PER_PAGE = _page_codec()


def fetcher_ms_per_article(costs: RecheckCosts, stage: StageCosts) -> float:
    """The fetcher's CPU for one article over its life: every fetch at the benchmark's rate, plus
    the real pages' encoding and compression for each page it passes on to the normaliser, plus its
    region test on each re-check page with a lexbor fingerprint whose bytes changed (recognised:
    nothing passed on; not: the page goes on)."""
    passed = sum(normaliser_messages(costs))
    changed, bytes_changed = _recheck_mix()
    tested = RECHECKS_PER_ARTICLE * (changed + bytes_changed) * costs.coverage * costs.fetcher_tested
    at_fetcher, _ = _recognised(costs)
    tests = at_fetcher * costs.fetcher_hit_ms + max(0.0, tested - at_fetcher) * costs.fetcher_miss_ms
    return (1 + RECHECKS_PER_ARTICLE) * 1000 / stage.fetcher_pages_per_s + passed * stage.fetcher_extra_ms_per_page + tests


@dataclass(frozen=True)
class StageCosts:
    """Per-operation costs of each stage (the README constants above, or one e2e run's)."""

    fetcher_pages_per_s: float = FETCHER_PAGES_PER_S
    fetcher_extra_ms_per_page: float = FETCHER_EXTRA_MS_PER_PAGE
    normaliser_ms_per_page: float = NORMALISER_MS_PER_PAGE
    normaliser_overhead_ms_page: float = NORMALISER_OVERHEAD_MS_PAGE
    normaliser_ms_per_recheck: float | None = NORMALISER_MS_PER_RECHECK
    tracker_ms_unchanged: float = TRACKER_MS_UNCHANGED
    tracker_ms_revision: float = TRACKER_MS_REVISION
    enricher_ms_per_version: float = ENRICHER_MS_PER_VERSION
    sink_docs_per_s: float = SINK_DOCS_PER_S
    source: str = "the services' READMEs"

    @classmethod
    def from_e2e(cls, info: dict[str, Any], level: dict[str, Any]) -> StageCosts:
        """Costs measured in one `bench/e2e.py` run: each stage's CPU per message it consumed at
        `level`. The tracker's cost is per fetch (it sees each page's result and each re-check's);
        revisions cost it as much as any page here. Each stage's fixed work per second, when the
        run measured it (`idle_ms_per_s`), is not counted per article.

        The farm's generated pages are smaller than real ones, so the real development pages'
        extraction and NER, measured alone in the same run (`info["unavoidable"]`), stand for the
        farm's. The enricher consumes two messages per version (the version, then its enriched
        article on the clustering topic): its CPU per version, less the farm's NER and the
        clustering step (planned apart: `CLUSTERING_PER_S`), is its own work per version, added
        to the real pages' NER. The normaliser's per-message figure cannot be split that way (a
        farm page's re-check costs a fraction of its extraction, a real page's stage overhead
        several times the farm's): its per-page cost is the real pages' extraction, and its
        stage overheads are `bench/normaliser_stage.py`'s, as with the READMEs' costs; the fetcher's
        real pages' encoding per page passed on is `bench/page_codec.py`'s, as there too. Until
        2026-12-07 both stages took one per-message figure less the farm's whole extraction or
        NER, which left out the enricher's own work (its per-message figure halved it) and the
        normaliser's overhead on every re-check page."""
        msgs = level["messages_per_article"]
        # A stage's fixed work (timers, consumer polls) is a per-instance cost, not a per-article
        # one: taken out when the run measured it. What a stage spends once nothing new arrives
        # still holds the re-checks of the level's last articles (more at higher levels), so the
        # fixed work is the smallest such figure of any level of the run.
        measured = [lv.get("idle_ms_per_s") or {} for lv in info.get("levels", [level])]
        idle = {
            stage: min(float(m[stage]) for m in measured if stage in m)
            for stage in {name for m in measured for name in m}
        }
        per_s = float(level.get("duration", 0.0)) / max(1, int(level.get("indexed", 0)))
        cpu = {
            stage: max(0.0, float(ms) - float(idle.get(stage, 0.0)) * per_s)
            for stage, ms in level["cpu_ms_per_article"].items()
        }

        def per_message(stage: str) -> float:
            return cpu[stage] / max(1e-9, float(msgs[stage]))

        farm, real = info["unavoidable"]["farm"], info["unavoidable"]["real"]
        versions = max(1e-9, float(msgs["enricher"]) / 2)
        enricher_own = max(0.0, cpu["enricher"] / versions - farm["ner_ms_mean"] - 1000 / CLUSTERING_PER_S)
        tracker_per_fetch = cpu["tracker"] / max(1e-9, float(msgs["fetcher"]))
        return cls(
            fetcher_pages_per_s=1000 / per_message("fetcher"),
            normaliser_ms_per_page=real["extraction_ms_mean"],
            tracker_ms_unchanged=tracker_per_fetch,
            tracker_ms_revision=tracker_per_fetch,
            enricher_ms_per_version=real["ner_ms_mean"] + enricher_own,
            sink_docs_per_s=1000 / per_message("sink"),
            source=f"bench/e2e.py run of {info.get('started', '?')}, level {level['name']}",
        )


README_COSTS = StageCosts()


@dataclass(frozen=True)
class Row:
    """One stage at one volume."""

    stage: str
    per_instance: float  # articles/s one instance sustains
    instances: int  # at peak
    partitions: int  # of its source topic: >= instances, >= the registry's today
    registry: int  # the source topic's partitions in the registry today


def per_article(costs: RecheckCosts = BEFORE, stage: StageCosts = README_COSTS) -> dict[str, float]:
    """Articles per second one instance of each stage sustains (at 100%)."""
    versions = 1 + EDITED_SHARE * EDITS_PER_EDITED
    fetches = 1 + RECHECKS_PER_ARTICLE
    revisions = versions - 1
    documents = versions + revisions + versions + POLLS_PER_ARTICLE  # articles, revisions, stories, polls
    return {
        "poller": POLLS_PER_CPU_S / POLLS_PER_ARTICLE,
        "fetcher": 1000 / fetcher_ms_per_article(costs, stage),
        "normaliser": 1000 / normaliser_ms_per_article(costs, stage),
        "tracker": 1000
        / (stage.tracker_ms_unchanged * fetches + stage.tracker_ms_revision * revisions),
        "enricher": 1000 / (stage.enricher_ms_per_version * (1 + revisions * revision_cost(costs))),
        "clustering": CLUSTERING_PER_S / versions,
        "sink": stage.sink_docs_per_s / documents,
    }


def plan(
    articles_per_day: float, costs: RecheckCosts = BEFORE, stage: StageCosts = README_COSTS
) -> tuple[list[Row], dict[str, float]]:
    """Instances and partitions of each stage, and the Elasticsearch side, for one volume."""
    from newswire.cli.k8s_cmd import max_replicas
    from newswire.topics import ENRICHER_CLUSTERING

    peak = articles_per_day / DAY_S * PEAK_TO_MEAN
    rows = []
    for name, rate in per_article(costs, stage).items():
        instances = max(1, math.ceil(peak / (rate * UTILISATION)))
        if name == "tracker":  # every instance's timer must also issue its share of the re-checks
            instances = max(instances, math.ceil(peak * RECHECKS_PER_ARTICLE / TRACKER_ISSUES_PER_S))
        registry = ENRICHER_CLUSTERING.partitions if name == "clustering" else max_replicas(name)
        # a power of two, so that growing a topic later doubles it (keys move in halves)
        partitions = max(registry, 2 ** math.ceil(math.log2(instances)))
        if name == "clustering":
            partitions = 1  # one partition by design: instances > 1 means the design must change
        rows.append(Row(name, rate, instances, partitions, registry))
    versions = 1 + EDITED_SHARE * EDITS_PER_EDITED
    revisions = versions - 1
    documents = 2 * versions + revisions + POLLS_PER_ARTICLE
    bytes_per_day = articles_per_day * (DOC_BYTES_ON_DISK + revisions * REVISION_BYTES_ON_DISK)
    hot = bytes_per_day * RETENTION_DAYS
    es = {
        "peak_docs_per_s": peak * documents,
        "es_cores": math.ceil(peak * documents * (1 + ES_REPLICAS) / (ES_DOCS_PER_CORE_S * UTILISATION)),
        "gb_per_day": bytes_per_day / 1e9,
        "hot_tb": hot * (1 + ES_REPLICAS) / 1e12,
        "primary_shards": max(1, math.ceil(hot / SHARD_TARGET_BYTES)),
    }
    return rows, es


def clustering_window(articles_per_day: float) -> dict[str, float]:
    """The one clustering instance's window at a volume: articles in the default window and their
    memory, and the window (hours) that `CLUSTERING_MEMORY_BYTES` holds at the day's mean rate."""
    held = CLUSTERING_MEMORY_BYTES / CLUSTERING_BYTES_PER_ARTICLE
    return {
        "articles": articles_per_day * CLUSTERING_WINDOW_DAYS,
        "gb": articles_per_day * CLUSTERING_WINDOW_DAYS * CLUSTERING_BYTES_PER_ARTICLE / 1e9,
        "fits_articles": held,
        "fits_hours": held / articles_per_day * 24,
    }


def current_costs() -> RecheckCosts:
    """The measured re-check costs, or the model before issue #20 when there is no bench result."""
    return RecheckCosts.measured() if RECHECKS_BENCH.exists() else BEFORE


def main(volumes: list[float], costs: RecheckCosts | None = None, stage: StageCosts = README_COSTS) -> None:
    """Print the README's tables."""
    costs = current_costs() if costs is None else costs
    print(f"per-stage costs: {stage.source}")
    if stage is not README_COSTS:
        for name, value in asdict(stage).items():
            if name != "source" and value is not None:
                print(f"  {name}: {value:.2f} (README: {getattr(README_COSTS, name):.2f})")
    if costs.fast_path:
        before = sum(r.instances for r in plan(1e6, BEFORE, stage)[0])
        after = sum(r.instances for r in plan(1e6, costs, stage)[0])
        normaliser_only = sum(r.instances for r in plan(1e6, costs.in_the_normaliser_only(), stage)[0])
        at_fetcher, in_normaliser = _recognised(costs)
        print(
            f"re-checks: {normaliser_pages(costs):.2f} full extractions per article instead of "
            f"{normaliser_pages(BEFORE):.2f} (fingerprint coverage {costs.coverage:.0%}, hit rate "
            f"{costs.hit_rate:.0%} on byte-changed re-checks, fast check {costs.hit_ratio:.3f} of a full "
            f"extraction, same bytes {UNCHANGED_SAME_BYTES_SHARE:.0%} of unchanged re-checks); "
            f"recognised per article: {at_fetcher:.1f} by the fetcher, {in_normaliser:.1f} by the normaliser; "
            f"pages to the normaliser per article: {sum(normaliser_messages(costs)):.1f}; "
            f"1 million/day: {after} cores at peak (before: {before}; with the region test in the "
            f"normaliser only: {normaliser_only})"
        )
    for volume in volumes:
        rows, es = plan(volume, costs, stage)
        print(f"\n{volume / 1e6:g} million articles/day: mean {volume / DAY_S:.1f}/s, peak {volume / DAY_S * PEAK_TO_MEAN:.1f}/s")
        print("| stage | articles/s per instance | instances (1 CPU) at peak | partitions needed (registry today) |")
        print("| --- | ---: | ---: | ---: |")
        for r in rows:
            print(f"| {r.stage} | {r.per_instance:.1f} | {r.instances} | {r.partitions} ({r.registry}) |")
        print(f"stages: {sum(r.instances for r in rows)} cores at peak")
        print(
            f"Elasticsearch: {es['peak_docs_per_s']:.0f} docs/s at peak, ~{es['es_cores']} cores of indexing, "
            f"{es['gb_per_day']:.1f} GB/day primary, {es['hot_tb']:.2f} TB for {RETENTION_DAYS} days with "
            f"{ES_REPLICAS} replica, {es['primary_shards']} primary shards of <= {SHARD_TARGET_BYTES / 1e9:.0f} GB"
        )
        window = clustering_window(volume)
        print(
            f"clustering (one instance): a {CLUSTERING_WINDOW_DAYS:g}-day window holds {window['articles'] / 1e6:.1f} M "
            f"articles, ~{window['gb']:.0f} GB at ~{CLUSTERING_BYTES_PER_ARTICLE / 1e3:.1f} KB each; "
            f"{CLUSTERING_MEMORY_BYTES / 1024**3:g} GiB holds {window['fits_articles']:,.0f}, a window of "
            f"{window['fits_hours']:.1f} h at this volume (NEWSWIRE_STORY_WINDOW_H)"
        )


def e2e_costs(path: Path) -> StageCosts:
    """The per-stage costs of an e2e report (`bench/results/e2e.json`), at its reference level."""
    info = json.loads(path.read_text("utf-8"))
    name = info.get("goals", {}).get("reference_level")
    level = next((lv for lv in info["levels"] if lv["name"] == name), info["levels"][-1])
    return StageCosts.from_e2e(info, level)


if __name__ == "__main__":
    argv = sys.argv[1:]
    stage_costs = README_COSTS
    if "--e2e" in argv:
        at = argv.index("--e2e")
        stage_costs = e2e_costs(Path(argv[at + 1]))
        del argv[at : at + 2]
    args = [a for a in argv if a != "--before"]
    main([float(v) for v in args] or [1e6, 10e6, 100e6], BEFORE if "--before" in argv else None, stage_costs)
