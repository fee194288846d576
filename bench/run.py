"""Run every benchmark side by side and print figures, ratios and targets (PASS/MISS).

    python bench/run.py            # the full run (several minutes)
    python bench/run.py --quick    # a short smoke run
    python bench/run.py --json out.json --articles 20000

Each benchmark runs in its own child process (so one's memory does not count against
another's), one after the other; inside each, the two sides of a comparison are timed
interleaved and ratios of medians are reported. Results go to bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODULES = ["ingest_overhead", "long_article", "parallel", "query", "memory", "explorer"]


def _child(name: str, args: list[str], timeout: float | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", f"bench.{name}", *args, "--json", str(out)]
        if name == "parallel":
            cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--child-parallel", *args, "--json", str(out)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        sys.stdout.write(done.stdout)
        if done.returncode != 0 or not out.exists():
            sys.stdout.write(done.stderr[-3000:])
            return {"error": f"exit code {done.returncode}", "wall_s": wall}
        result = json.loads(out.read_text(encoding="utf-8"))
        result["wall_s"] = wall
        return result


def _parallel_child(argv: list[str]) -> int:
    """In a child process: bench/parallel.py's run(articles, jobs), if it exists."""
    from bench.common import emit

    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json")
    args = p.parse_args(argv)
    import bench.parallel as parallel

    result = parallel.run(20 if args.quick else 300, max(2, os.cpu_count() or 1),
                          repeats=1 if args.quick else 3)
    print(f"parallel ingest: {json.dumps(result, default=str)[:500]}")
    emit(result if isinstance(result, dict) else {"result": result}, args.json)
    return 0


def _status(ok: bool | None) -> str:
    return "INFO" if ok is None else ("PASS" if ok else "MISS")


def table(results: dict) -> list[tuple[str, str, str, str]]:
    """Rows of (benchmark, figure, target, status)."""
    rows = []
    r = results.get("ingest_overhead", {})
    if "ratio" in r:
        rows.append(("ingest overhead", f"{r['ingest_wps']:,.0f} vs {r['nlp_pipe_wps']:,.0f} words/s: "
                     f"ratio {r['ratio']:.2f}", f">= {r['target']}", _status(r["pass"])))
    r = results.get("long_article", {})
    if "ratio" in r:
        rows.append(("long article", f"{r['kb']} KB in one article vs {r['pieces']} pieces: "
                     f"{r['long_wps']:,.0f} vs {r['pieces_wps']:,.0f} words/s: ratio {r['ratio']:.2f}",
                     f">= {r['target']}", _status(r["pass"])))
    r = results.get("parallel", {})
    if r.get("skipped"):
        rows.append(("parallel ingest", "not available (no bench/parallel.py)", "-", "SKIP"))
    elif r and "error" not in r:
        ratio = r.get("speedup") or r.get("ratio")
        fig = (f"{r['parallel']} vs 1 process: speed-up {ratio:.2f}x" if isinstance(ratio, (int, float))
               else json.dumps(r, default=str)[:60])
        ok = ratio >= r["target"] if isinstance(ratio, (int, float)) and "target" in r else None
        rows.append(("parallel ingest", fig, f">= {r.get('target', '-')}x", _status(ok)))
    r = results.get("query", {})
    if "median_ratio" in r:
        for name, q in r["queries"].items():
            rows.append((f"  query {name}", f"{q['oxigraph_s'] * 1000:.1f} vs {q['rdflib_s'] * 1000:.1f} ms: "
                         f"{q['ratio']:.1f}x", "", ""))
        rows.append(("query speed (median)", f"{r['median_ratio']:.1f}x faster than rdflib "
                     f"({r['quads']:,} quads)", f">= {r['target']:.0f}x", _status(r["pass"])))
        ld = r["load"]
        rows.append(("bulk load", f"{ld['oxigraph_tps']:,.0f} vs {ld['rdflib_tps']:,.0f} quads/s: "
                     f"{ld['ratio']:.1f}x", "-", "INFO"))
    r = results.get("memory", {})
    if "peak_mb" in r:
        rows.append(("memory", f"peak {r['peak_mb']:.0f} MB at {r['articles']:,} articles, "
                     f"{r['growth_per_1000_mb']:+.1f} MB/1,000; projected {r['projected_peak_mb_at_100k']:.0f} MB "
                     f"at 100,000", f"< {r['limit_mb']} MB", _status(r["pass"])))
    r = results.get("explorer", {})
    for s in r.get("sizes", []):
        fig = s.get("error") or f"{s['seconds']:.2f} s, {s['bytes'] / 1e6:.1f} MB"
        rows.append((f"explorer {s['nodes']:,} nodes", fig, "-", "INFO" if "error" not in s else "ERROR"))
    for name, r in results.items():
        if isinstance(r, dict) and "error" in r and name != "parallel":
            rows.append((name, r["error"], "-", "ERROR"))
    return rows


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--child-parallel":
        return _parallel_child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a short smoke run")
    p.add_argument("--json", default=str(ROOT / "bench" / "results" / "latest.json"),
                   help="where to write the results (default bench/results/latest.json)")
    p.add_argument("--only", nargs="+", choices=MODULES, help="run only these benchmarks")
    p.add_argument("--articles", type=int, help="articles for the memory benchmark")
    p.add_argument("--quads", type=int, help="store size for the query benchmark")
    p.add_argument("--ingest-articles", type=int, help="corpus size for the ingest overhead benchmark")
    p.add_argument("--timeout", type=float, help="seconds allowed per benchmark")
    args = p.parse_args(argv)
    quick = ["--quick"] if args.quick else []
    extra = {"memory": ["--articles", str(args.articles)] if args.articles else [],
             "query": ["--quads", str(args.quads)] if args.quads else [],
             "ingest_overhead": ["--articles", str(args.ingest_articles)] if args.ingest_articles else []}
    results: dict = {"quick": args.quick, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                     "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    for name in args.only or MODULES:
        print(f"\n== {name}", flush=True)
        if name == "parallel" and not (ROOT / "bench" / "parallel.py").exists():
            print("parallel ingest: not available (bench/parallel.py is not on this branch)")
            results[name] = {"skipped": True}
            continue
        try:
            results[name] = _child(name, quick + extra.get(name, []), args.timeout)
        except subprocess.TimeoutExpired:
            results[name] = {"error": f"timed out after {args.timeout} s"}
        sys.stdout.flush()
    rows = table(results)
    results["table"] = [dict(zip(("benchmark", "figure", "target", "status"), r, strict=True)) for r in rows]
    w = max(len(r[0]) for r in rows) if rows else 10
    print("\n" + f"{'benchmark':{w}}  {'status':6}  {'target':10}  figure")
    for name, fig, target, status in rows:
        print(f"{name:{w}}  {status:6}  {target:10}  {fig}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"\nresults: {out}")
    return 1 if any(r[3] == "ERROR" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
