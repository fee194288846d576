"""The benchmarks run end to end in their quick form and print their ratios (no timings are
asserted: timings on shared machines are the benchmarks' business, not the tests')."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_completes_and_prints_ratios(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--articles", "100",
                           "--quads", "5000", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = done.stdout
    for expected in ("ingest overhead", "long article", "ratio", "median ratio", "bulk load", "memory",
                     "explorer", "parallel ingest"):
        assert expected in text, text
    results = json.loads(out.read_text())
    assert results["ingest_overhead"]["ratio"] > 0
    assert results["long_article"]["ratio"] > 0
    assert results["query"]["median_ratio"] > 0
    assert set(results["query"]["queries"]) >= {"neighbours", "counts_by_type", "two_hop", "label_search",
                                                "top_degree"}
    assert [s["percent"] for s in results["memory"]["samples"]] == [10, 25, 50, 75, 100]
    assert all("bytes" in s for s in results["explorer"]["sizes"])
    assert {row["status"] for row in results["table"]} <= {"PASS", "MISS", "INFO", "SKIP", ""}
