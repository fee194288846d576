"""Shared helpers: interleaved timing, medians, ratios, corpora, JSON output."""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Run each function `repeats` times, alternating between them (A B A B ...), so that
    load from other processes on a shared machine falls on all of them alike; seconds per run."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(repeats):
        order = list(fns) if i % 2 == 0 else list(reversed(fns))  # no side always goes first
        for name in order:
            gc.collect()
            t0 = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def words(text: str) -> int:
    """Words as every benchmark counts them: whitespace-separated runs."""
    return len(text.split())


def sample_articles() -> list:
    """The project's sample articles (text and Markdown files in samples/), read by the
    project's own reader."""
    from ingest.readers import ReadOptions, read
    from kg.model import Article

    return [a for a in read([SAMPLES], ReadOptions()) if isinstance(a, Article)]


def corpus(n: int) -> Iterator:
    """`n` articles: the samples repeated, each copy with its own URL (so its own id)."""
    from ingest.readers import make_article

    base = sample_articles()
    for i in range(n):
        a = base[i % len(base)]
        copy = i // len(base)
        yield make_article(f"bench:{copy}:{a.source}", a.text, title=a.title,
                           url=f"https://bench.example/{copy}/{i % len(base)}", published=a.published)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a short smoke run")
    p.add_argument("--json", metavar="PATH", help="write the result as JSON here")
    return p


def emit(result: dict, path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    else:
        json.dump(result, sys.stdout, indent=2, default=str)
        print()


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc/self/status."""
    cur = peak = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return cur, peak
