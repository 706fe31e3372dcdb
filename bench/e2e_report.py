"""The end-to-end benchmark's report: a markdown summary, the raw JSON and four PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STAGES = ("poller", "fetcher", "normaliser", "tracker", "enricher", "sink")
INFRA = ("kafka", "elasticsearch", "farm")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _plots(info: dict[str, Any], out: Path, tag: str) -> list[str]:
    levels = info["levels"]
    names: list[str] = []

    def save(fig: Any, stem: str) -> None:
        fig.tight_layout()
        name = f"{stem}{tag}.png"
        fig.savefig(out / name, dpi=90)
        plt.close(fig)
        names.append(name)

    # throughput and lag over time, one column per level
    fig, axes = plt.subplots(2, len(levels), figsize=(4 * len(levels), 6), squeeze=False, sharey="row")
    for col, level in enumerate(levels):
        samples = level["samples"]
        t = [s["t"] for s in samples]
        indexed = [s["indexed"] for s in samples]
        rate = [0.0] + [
            (indexed[i] - indexed[i - 1]) / max(1e-6, t[i] - t[i - 1]) for i in range(1, len(samples))
        ]
        smooth = [sum(rate[max(0, i - 4): i + 1]) / len(rate[max(0, i - 4): i + 1]) for i in range(len(rate))]
        ax = axes[0][col]
        ax.plot(t, smooth, label="indexed/s (5 s mean)")
        ax.axhline(level["offered"], color="grey", linestyle="--", label="offered")
        ax.set_title(level["name"])
        ax.set_xlabel("s")
        if col == 0:
            ax.set_ylabel("articles/s")
            ax.legend(fontsize=7)
        ax = axes[1][col]
        for stage in STAGES:
            ax.plot(t, [s["lag"].get(stage, 0) for s in samples], label=stage)
        ax.set_xlabel("s")
        if col == 0:
            ax.set_ylabel("consumer lag (messages)")
            ax.legend(fontsize=7)
    save(fig, "e2e-throughput-lag")

    # latency distribution (CDF) per level
    fig, ax = plt.subplots(figsize=(7, 4))
    for level in levels:
        data = sorted(level["latency_s"])
        if data:
            ax.plot(data, [(i + 1) / len(data) for i in range(len(data))], label=level["name"])
    ax.set_xlabel("feed appearance → searchable (s)")
    ax.set_ylabel("share of articles")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, "e2e-latency")

    # CPU per article per process, at the highest unsaturated level (else the last)
    level = reference_level(levels)
    procs = [p for p in (*STAGES, *INFRA) if p in level["cpu_ms_per_article"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(procs, [level["cpu_ms_per_article"][p] for p in procs],
           color=["tab:blue"] * len([p for p in procs if p in STAGES]) + ["tab:grey"] * len([p for p in procs if p in INFRA]))
    ax.set_ylabel("CPU ms per indexed article")
    ax.set_title(f"CPU per article ({level['name']})")
    plt.setp(ax.get_xticklabels(), rotation=30)
    save(fig, "e2e-cpu")
    return names


def reference_level(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """The level the cost figures read: the fastest unsaturated one (the nearest to full use, where
    the stages' fixed costs, timers and idle polls, weigh least per article), else the last."""
    unsaturated = [lv for lv in levels if not lv["saturated"] and lv["indexed"]]
    return max(unsaturated, key=lambda lv: lv["indexed_rate"]) if unsaturated else levels[-1]


def write_report(info: dict[str, Any], out: Path, tag: str = "") -> Path:
    """Write e2e{tag}.md, e2e{tag}.json and the plots into ``out``; return the markdown's path."""
    suffix = f"-{tag}" if tag else ""
    (out / f"e2e{suffix}.json").write_text(json.dumps(info, indent=1, default=str))
    plots = _plots(info, out, suffix)
    m, v, a = info["machine"], info["versions"], info["args"]
    levels = info["levels"]
    lines = [
        f"# End-to-end benchmark{f' ({tag})' if tag else ''}",
        "",
        f"`python bench/e2e.py {' '.join(_cli_args(a))}`, {info['started']} to {info['finished']}.",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB; load average before the run "
        f"{m['load_before']:.2f}. Kafka, Elasticsearch, the farm and the six stages all share it."
        + (f" Speed of the machine at the start (`calibration_ms`, a fixed JSON workload; lower is faster, "
           f"compare runs only at similar values): {m['calibration_ms']:.0f} ms." if "calibration_ms" in m else ""),
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"Farm: {a['outlets']} outlets, generated articles, {a['edit_rate']:.0%} edited once "
        f"{a['edit_after']:.0f} s after publication; "
        + (
            "feeds pushed by the farm's WebSub hub, polled on the poller's own schedule (at least 2 min apart)"
            if a.get("feeds") == "push" else f"feeds polled every {a['poll_interval']:g} s"
        )
        + (f" ({a['feed_format']} feeds)" if a.get("feed_format") else "")
        + f"; NER: {a['ner']}"
        + (f" ({a['lead_chars']} characters)" if a["ner"] == "lead" else "")
        + "; processes per stage: "
        + (", ".join(f"{k} {n}" for k, n in a["processes"].items()) + ", others 1" if a.get("processes") else "1 each")
        + ".",
        "",
        f"**Saturation throughput: {_fmt(info['saturation_rate'], 1)} articles/s** "
        "(the rate indexed at the first level whose offered load the system could not keep up with).",
        "",
        *_goals(info),
        "| level | offered/s | indexed/s | published in window | not yet searchable | p50 s | p95 s | p99 s "
        "| after fetch p50 / p95 s | revisions | saturated | stage restarts |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lv in levels:
        lines.append(
            f"| {lv['name']} | {lv['offered']:.1f} | {lv['indexed_rate']:.1f} | {lv['published']} "
            f"| {lv['unseen_published']} | {_fmt(lv['p50'])} | {_fmt(lv['p95'])} | {_fmt(lv['p99'])} "
            f"| {_fmt(lv['after_fetch_p50'])} / {_fmt(lv['after_fetch_p95'])} | {lv['revisions']} "
            f"| {'yes' if lv['saturated'] else 'no'} | {lv['restarts']} |"
        )
    procs = [p for p in (*STAGES, *INFRA)]
    lines += [
        "",
        "CPU milliseconds per indexed article (user + system, from /proc; Kafka, Elasticsearch and the farm "
        "for comparison):",
        "",
        "| level | " + " | ".join(procs) + " | stages total |",
        "|---|" + "---|" * (len(procs) + 1),
    ]
    for lv in levels:
        cpu = lv["cpu_ms_per_article"]
        total = sum(cpu.get(p, 0.0) for p in STAGES)
        lines.append(f"| {lv['name']} | " + " | ".join(_fmt(cpu.get(p), 1) for p in procs) + f" | {total:.1f} |")
    lines += [
        "",
        "Messages consumed per indexed article (re-checks make the fetcher, normaliser and tracker see each "
        f"article more than once; the tracker's first re-check is {a['recheck_initial']:g} s after discovery):",
        "",
        "| level | " + " | ".join(STAGES) + " |",
        "|---|" + "---|" * len(STAGES),
    ]
    for lv in levels:
        per = lv.get("messages_per_article", {})
        lines.append(f"| {lv['name']} | " + " | ".join(_fmt(per.get(s), 2) for s in STAGES) + " |")
    lines += [
        "",
        "Consumer lag (messages) at the start and end of the window:",
        "",
        "| level | " + " | ".join(STAGES) + " |",
        "|---|" + "---|" * len(STAGES),
    ]
    for lv in levels:
        cells = [f"{lv['lag_start'].get(s, 0):.0f} → {lv['lag_end'].get(s, 0):.0f}" for s in STAGES]
        lines.append(f"| {lv['name']} | " + " | ".join(cells) + " |")
    ref = reference_level(levels)
    if any(lv.get("idle_ms_per_s") for lv in levels):
        lines += [
            "",
            "After the window: each stage's CPU ms per second once the farm paused and the backlog drained "
            "(timers, consumer polls, metrics, the re-check tick, and the re-checks of the level's last articles, "
            "hence more at higher levels). The capacity model takes each stage's smallest figure as its fixed "
            "work and counts the rest per article:",
            "",
            "| level | " + " | ".join(STAGES) + " |",
            "|---|" + "---|" * len(STAGES),
        ]
        for lv in levels:
            idle = lv.get("idle_ms_per_s") or {}
            lines.append(f"| {lv['name']} | " + " | ".join(_fmt(idle.get(s), 1) for s in STAGES) + " |")
    lines += [
        "",
        f"Peak memory (VmHWM, MB) at {ref['name']}: "
        + ", ".join(f"{p} {ref['peak_rss_mb'][p]:.0f}" for p in procs if p in ref["peak_rss_mb"]) + ".",
        "",
        "Latency is measured from the farm's publication time of an item (when it appears in its feed) to the "
        "first search of Elasticsearch that returns the article (searches every 0.25 s, so up to 0.25 s of it "
        "is observation delay). \"After fetch\" starts at the page's `fetched_at`.",
        "",
    ]
    lines += [f"![{p}]({p})" for p in plots]
    path = out / f"e2e{suffix}.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _met(value: float | None, target: float, below: bool = True) -> str:
    if value is None:
        return "not measured"
    return "met" if (value <= target if below else value >= target) else "missed"


def _goals(info: dict[str, Any]) -> list[str]:
    """Issue #20's three goals, from this run (absent from reports of older runs)."""
    g = info.get("goals")
    if not g:
        return []
    u = info["unavoidable"]
    farm, real = u["farm"], u["real"]
    inputs = g["goal1_inputs"]
    lines = [
        f"## Goals (issue #20), read at {g['reference_level']}",
        "",
        "| goal | target | this run | |",
        "|---|---|---|---|",
        f"| 1. stage cores at peak for 1 million articles/day (capacity model fed with this run's costs) "
        f"| ≤ {g['goal1_target']} | {_fmt(g['goal1_cores_1m_per_day'], 0)} "
        f"(with the READMEs' costs: {_fmt(g.get('goal1_cores_readme_costs'), 0)}) "
        f"| {_met(g['goal1_cores_1m_per_day'], g['goal1_target'])} |",
        f"| 2a. saturation throughput, full enrichment | ≥ {g['goal2_target_per_s']:g}/s "
        f"| {_fmt(g['goal2_saturation_per_s'], 1)}/s | {_met(g['goal2_saturation_per_s'], g['goal2_target_per_s'], below=False)} |",
        f"| 2b. p95 feed-to-searchable at 50% of saturation | ≤ 3 s | {_fmt(g['goal2_p95_at_50pct_s'])} s "
        f"| {_met(g['goal2_p95_at_50pct_s'], 3.0)} |",
        f"| 2c. no stage's lag growing at 90% of saturation | no | "
        f"{'–' if g['goal2_lag_growing_at_90pct'] is None else ('growing' if g['goal2_lag_growing_at_90pct'] else 'bounded')} "
        f"| {'not measured' if g['goal2_lag_growing_at_90pct'] is None else ('missed' if g['goal2_lag_growing_at_90pct'] else 'met')} |",
        f"| 3. CPU per article, all stages + Kafka + Elasticsearch, / unavoidable work | ≤ {g['goal3_target_ratio']:g}x "
        f"| {_fmt(g['goal3_ratio'])}x ({_fmt(g['goal3_system_ms_per_article'], 1)} / {_fmt(g['goal3_unavoidable_ms'], 1)} ms) "
        f"| {_met(g['goal3_ratio'], g['goal3_target_ratio'])} |",
        "",
        f"The bottleneck (most CPU per article among the stages): {g.get('bottleneck')}.",
        "",
        f"Goal 3's numerator: stages {_fmt(g['goal3_stages_ms'], 1)} ms (the archiver's included), Kafka {_fmt(g['goal3_kafka_ms'], 1)} ms, "
        f"Elasticsearch {_fmt(g['goal3_es_ms'], 1)} ms per article; Elasticsearch's idle work and the harness's own "
        f"searches ({_fmt(g['goal3_es_idle_and_harness_ms'], 1)} ms per article, measured with the stages stopped "
        "and the harness searching as in the window) are left out. The unavoidable work is one extraction "
        "(`normaliser.logic.extract`) and one NER pass (the enricher's pipeline over title and body) of the "
        f"same articles, alone in the harness's process after the level: {farm.get('pages', 0)} of the level's "
        f"pages, extraction {_fmt(farm.get('extraction_ms_mean'), 1)} + NER {_fmt(farm.get('ner_ms_mean'), 1)} ms "
        f"(means). On {real.get('pages', 0)} real development pages the same work is extraction "
        f"{_fmt(real.get('extraction_ms_mean'), 1)} + NER {_fmt(real.get('ner_ms_mean'), 1)} ms: the farm's "
        "generated pages are smaller than real ones.",
        "",
        "Goal 1's per-stage inputs (`python deploy/k8s/capacity.py --e2e <this run's json>` prints the "
        "table): each stage's CPU per message it consumed at the reference level; the enricher's per version "
        "(two messages each), its farm NER and clustering step taken out and the real pages' NER put in; the "
        "normaliser's as the real pages' extraction plus the stage's own work per page it receives "
        "(`bench/normaliser_stage.py`); the fetcher's plus a real page's encoding for Kafka per page it passes on "
        "(`bench/page_codec.py`); the poller's and clustering's costs from their READMEs; the life of an article from "
        "the model's GDELT-based mix"
        + (f" ({g['goal1_mix']})" if g.get("goal1_mix") else "")
        + ". "
        + ", ".join(
            f"{k} {v:.1f}" for k, v in inputs.items() if isinstance(v, float)
        )
        + "; instances at peak: "
        + ", ".join(f"{k} {v}" for k, v in g.get("goal1_instances", {}).items())
        + ".",
        "",
    ]
    return lines


def _cli_args(args: dict[str, Any]) -> list[str]:
    out = []
    if args.get("loads"):
        out.append("--loads " + ",".join(f"{x:g}" for x in args["loads"]))
    out.append(f"--duration {args['duration']:g}")
    if args.get("feeds") == "push":
        out.append("--feeds push")
    if args.get("feed_format"):
        out.append(f"--feed-format {args['feed_format']}")
    if args.get("ner") == "lead":
        out.append("--ner lead")
    if not args.get("search_saturation", True):
        out.append("--no-search-saturation")
    if args.get("processes"):
        out.append("--processes " + ",".join(f"{k}={n}" for k, n in args["processes"].items()))
    for kv in args.get("env", []):
        out.append(f"--env {kv}")
    return out
