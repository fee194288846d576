"""Memory: peak RSS while ingesting a stream of generated articles, and its growth.

Articles are generated one at a time (a generator: never a list in memory): two or three
short sentences naming people, labs, companies, investors, models, chips and cities from the
project's gazetteer (ingest/data/gazetteer.jsonl), each with its own URL. They go through
KnowledgeGraph.ingest into a fresh on-disk store; RSS (/proc/self/status VmRSS) is sampled
at 10%, 25%, 50%, 75% and 100% of the stream, and VmHWM gives the peak. The growth between
the halves (RSS at 100% minus RSS at 50%) is projected linearly to 100,000 articles.
Target: peak RSS under 1.5 GB at 100,000 articles.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import ROOT, emit, parser, rss_mb

LIMIT_MB = 1536
FULL = 100_000
TEMPLATES = [
    "{person} founded {org} in {year}. {investor} invested ${amount} million in {org}.",
    "{org} released {model}, its newest model. {person} leads {org}. The company is based in {city}.",
    "{org} partnered with {org2} on {chip} chips. {investor} backs {org2}.",
    "{person} joined {org} as chief scientist. {org} competes with {org2}. {org} trains {model} on {chip}.",
    "{org} acquired {org2} for ${amount} million in {year}. {person} was appointed CEO of {org2}.",
]
KINDS = {"person": ("Person",), "org": ("AILab", "Company"), "org2": ("Company", "AILab"),
         "investor": ("Investor",), "model": ("AIModel",), "chip": ("Chip",), "city": ("City",)}


def _names() -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {}
    with (ROOT / "ingest" / "data" / "gazetteer.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                entry = json.loads(line)
                by_type.setdefault(entry["type"], []).append(entry["name"])
    return {k: sorted(n for t in types for n in by_type.get(t, [])) for k, types in KINDS.items()}


def articles(n: int, seed: int = 11) -> Iterator:
    """`n` generated Articles, one at a time."""
    from ingest.readers import make_article

    names = _names()
    rng = random.Random(seed)
    for i in range(n):
        fill = {k: rng.choice(v) for k, v in names.items()}
        fill.update(year=rng.randint(2012, 2025), amount=rng.randint(5, 900))
        text = " ".join(rng.sample(TEMPLATES, rng.randint(1, 2))).format(**fill)
        yield make_article(f"gen:{i}", text, title=f"Generated {i}", url=f"https://gen.example/a/{i}",
                           published=f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}")


def run(n: int = 10_000) -> dict:
    from kg.api import KnowledgeGraph

    work = Path(tempfile.mkdtemp(prefix="kg-bench-memory-"))
    marks = {max(1, n * p // 100): p for p in (10, 25, 50, 75, 100)}
    samples: list[dict] = []
    t0 = time.perf_counter()

    seen = [0]

    def progress(status, source, report):  # called once per article, after it is written
        seen[0] += 1
        done = seen[0]
        if done in marks:
            cur, peak = rss_mb()
            samples.append({"percent": marks[done], "articles": done, "rss_mb": cur, "peak_mb": peak,
                            "seconds": time.perf_counter() - t0})

    start_rss = rss_mb()[0]
    try:
        with KnowledgeGraph.open(work / "store") as kg:
            report = kg.ingest(articles(n), progress=progress)
            store_quads = len(kg.store)
        elapsed = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cur, peak = rss_mb()
    half = next(s for s in samples if s["percent"] == 50)
    full = next(s for s in samples if s["percent"] == 100)
    per_1000 = (full["rss_mb"] - half["rss_mb"]) / max(1, full["articles"] - half["articles"]) * 1000
    projected = max(peak, full["rss_mb"] + per_1000 * (FULL - n) / 1000)
    return {"articles": n, "new": report.new, "failed": len(report.failed), "relations": report.relations,
            "quads": store_quads, "seconds": elapsed, "articles_per_s": n / elapsed,
            "projected_full_s": FULL / (n / elapsed), "rss_before_mb": start_rss, "samples": samples,
            "peak_mb": peak, "growth_second_half_mb": full["rss_mb"] - half["rss_mb"],
            "growth_per_1000_mb": per_1000, "projected_peak_mb_at_100k": projected,
            "limit_mb": LIMIT_MB, "pass": projected < LIMIT_MB}


def report(r: dict) -> list[str]:
    lines = [f"memory: {r['articles']:,} generated articles streamed into an on-disk store "
             f"({r['quads']:,} quads, {r['relations']:,} relations) in {r['seconds']:.0f} s "
             f"({r['articles_per_s']:.0f} articles/s; 100,000 would take ~{r['projected_full_s'] / 60:.0f} min)"]
    lines.append("  " + "   ".join(f"{s['percent']}%: {s['rss_mb']:.0f} MB" for s in r["samples"]))
    lines.append(f"  peak {r['peak_mb']:.0f} MB; second half grew {r['growth_second_half_mb']:+.0f} MB "
                 f"({r['growth_per_1000_mb']:+.2f} MB per 1,000 articles); projected peak at 100,000: "
                 f"{r['projected_peak_mb_at_100k']:.0f} MB (limit {LIMIT_MB} MB)")
    return lines


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, help=f"articles to stream (default 10,000; quick 2,000; "
                                                f"the target is stated for {FULL:,})")
    args = p.parse_args(argv)
    r = run(args.articles or (2_000 if args.quick else 10_000))
    print("\n".join(report(r)))
    emit(r, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
