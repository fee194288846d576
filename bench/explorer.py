"""Explorer: generation time and file size of the HTML explorer for synthetic graphs.

A networkx MultiDiGraph with the node and edge attributes exports/html.py expects (nodes:
label, cls, types, root, aliases, articles; edges keyed by predicate: predicate, support,
confidence, evidence) is written with the exporter's public entry point write_html(graph,
path). The exporter may cap the nodes it draws; this only measures.
"""
from __future__ import annotations

import inspect
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import emit, parser, rss_mb

CLASSES = [("Person", ["Person"]), ("AILab", ["AILab", "Organization"]),
           ("Company", ["Company", "Organization"]), ("AIModel", ["AIModel"]), ("Chip", ["Chip", "Hardware"]),
           ("City", ["City", "Place"])]
PREDICATES = ["founded", "leads", "works_for", "funds", "owns", "partners_with", "develops"]


def graph(n_nodes: int, seed: int = 3):
    import networkx as nx

    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    iris = [f"https://w3id.org/aikg/id/x/n{i}" for i in range(n_nodes)]
    for i, iri in enumerate(iris):
        cls, types = rng.choice(CLASSES)
        g.add_node(iri, label=f"Entity {i}", cls=cls, types=types, root=types[-1],
                   aliases=[f"E{i}"] if i % 3 == 0 else [], articles=rng.randint(1, 50))
    weights = [1.0 / (i + 1) ** 0.7 for i in range(n_nodes)]
    for _ in range(n_nodes * 2):
        s, o = rng.choices(iris, weights, k=2)
        if s == o:
            continue
        pred = rng.choice(PREDICATES)
        evidence = [{"sentence": f"Sentence about {g.nodes[s]['label']} and {g.nodes[o]['label']}.",
                     "article": f"https://w3id.org/aikg/article/{rng.randint(0, 10**6)}",
                     "title": "A headline", "url": None, "published": "2025-01-02",
                     "rule": "rules.v1/svo", "confidence": 0.9} for _ in range(rng.randint(1, 3))]
        g.add_edge(s, o, key=pred, predicate=pred, support=len(evidence), confidence=0.9,
                   evidence=evidence)
    return g


def run(sizes=(2_000, 50_000)) -> dict:
    from exports.html import write_html

    work = Path(tempfile.mkdtemp(prefix="kg-bench-explorer-"))
    out = {"write_html": f"write_html{inspect.signature(write_html)}", "sizes": []}
    try:
        for n in sizes:
            g = graph(n)
            path = work / f"explorer-{n}.html"
            t0 = time.perf_counter()
            try:
                write_html(g, path)
            except Exception as exc:  # the exporter is being changed elsewhere: report, go on
                out["sizes"].append({"nodes": n, "edges": g.number_of_edges(), "error": repr(exc)})
                continue
            seconds = time.perf_counter() - t0
            size = path.stat().st_size
            out["sizes"].append({"nodes": n, "edges": g.number_of_edges(), "seconds": seconds,
                                 "bytes": size, "peak_rss_mb": rss_mb()[1]})
            path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def report(r: dict) -> list[str]:
    lines = [f"explorer: {r['write_html']}"]
    for s in r["sizes"]:
        if "error" in s:
            lines.append(f"  {s['nodes']:>7,} nodes {s['edges']:>7,} edges: failed: {s['error']}")
        else:
            lines.append(f"  {s['nodes']:>7,} nodes {s['edges']:>7,} edges: {s['seconds']:6.2f} s, "
                         f"{s['bytes'] / 1e6:7.2f} MB")
    return lines


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, nargs="+", help="graph sizes (default 2000 50000; quick 200 2000)")
    args = p.parse_args(argv)
    r = run(tuple(args.nodes or ((200, 2_000) if args.quick else (2_000, 50_000))))
    print("\n".join(report(r)))
    emit(r, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
