"""Parallel ingestion benchmark: 1 process against N, side by side on the same corpus.

    python bench/parallel.py [--articles 300] [--jobs 2] [--repeats 3] [--dask local:2]

The corpus is the project's samples/ articles repeated to --articles, each copy with its own
URL (so its own id), written once as one JSONL file. Each configuration runs the real
command line (`python -m kg.cli ingest corpus.jsonl --store FRESH_TEMP_FOLDER`) in a
subprocess, so start-up, model loading and worker start-up are counted as a user sees them.
Runs are interleaved (1, N, 1, N, ...) so drift on a shared machine hits both alike; the
median of the repeats is reported. Target: a speed-up of at least 1.7x with 2 processes on
2 cores.

`run(articles, jobs)` returns the figures as a dict, for a benchmark runner.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TARGET = 1.7


def make_corpus(path: Path, articles: int) -> int:
    """Write `articles` articles (the samples, repeated) as JSONL; returns the word count."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.iterdir())
             if p.suffix in (".txt", ".md")]
    if not texts:
        raise SystemExit(f"no sample articles in {SAMPLES}")
    words = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(articles):
            text = texts[i % len(texts)]
            words += len(text.split())
            f.write(json.dumps({"text": text, "url": f"https://bench.example/a/{i}"}) + "\n")
    return words


def ingest_seconds(corpus: Path, extra: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system, the workers included) of one `kg ingest`
    of the corpus into a fresh store."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        cmd = [sys.executable, "-m", "kg.cli", "ingest", str(corpus), "--store",
               str(Path(tmp) / "store"), "--no-progress", *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return took, cpu


def run(articles: int, jobs: int, *, repeats: int = 3, dask: str | None = None) -> dict:
    """Median seconds and words/s of 1 process and of `jobs` processes (or of `dask`, e.g.
    "local:2"), run interleaved `repeats` times on the same generated corpus."""
    parallel = ["--dask", dask, "--batch-size", "100"] if dask else ["--jobs", str(jobs)]
    label = f"--dask {dask}" if dask else f"--jobs {jobs}"
    with tempfile.TemporaryDirectory(prefix="kg-bench-corpus-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        words = make_corpus(corpus, articles)
        one: list[tuple[float, float]] = []
        many: list[tuple[float, float]] = []
        for _ in range(repeats):
            one.append(ingest_seconds(corpus, []))
            many.append(ingest_seconds(corpus, parallel))
    t1, tn = statistics.median(t for t, _ in one), statistics.median(t for t, _ in many)
    c1, cn = statistics.median(c for _, c in one), statistics.median(c for _, c in many)
    return {"articles": articles, "words": words, "jobs": jobs, "parallel": label,
            "repeats": repeats, "seconds_1": round(t1, 2), "seconds_n": round(tn, 2),
            "runs_1": [round(t, 2) for t, _ in one], "runs_n": [round(t, 2) for t, _ in many],
            "cpu_seconds_1": round(c1, 2), "cpu_seconds_n": round(cn, 2),
            "words_per_s_1": round(words / t1), "words_per_s_n": round(words / tn),
            "speedup": round(t1 / tn, 2), "target": TARGET, "cores": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/parallel.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="compare against --dask ADDRESS (e.g. local:2) instead of --jobs")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    if args.articles < 1 or args.jobs < 1 or args.repeats < 1:
        p.error("--articles, --jobs and --repeats must be positive")
    r = run(args.articles, args.jobs, repeats=args.repeats, dask=args.dask)
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{r['articles']} articles, {r['words']} words, {r['cores']} cores, "
          f"median of {r['repeats']} interleaved runs")
    print(f"  1 process      {r['seconds_1']:7.2f} s  {r['words_per_s_1']:7d} words/s  "
          f"cpu {r['cpu_seconds_1']:.1f} s  runs {r['runs_1']}")
    print(f"  {r['parallel']:<14s} {r['seconds_n']:7.2f} s  {r['words_per_s_n']:7d} words/s  "
          f"cpu {r['cpu_seconds_n']:.1f} s  runs {r['runs_n']}")
    verdict = "meets" if r["speedup"] >= TARGET else "below"
    print(f"  speed-up {r['speedup']:.2f}x ({verdict} the target of {TARGET}x; wall clock, so "
          f"other load on the machine counts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
