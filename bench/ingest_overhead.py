"""Ingest overhead: words per second of a full ingest against bare spaCy on the same corpus.

Full ingest = KnowledgeGraph.ingest of a JSONL file into a fresh on-disk store (reading,
cleaning, extraction, resolution, RDF mapping, storage). Bare = `nlp.pipe` over the same
texts with the same pipeline object ingestion uses (ingest.nlp.load(): same components,
the gazetteer ruler included) and the same batch size. Both are timed interleaved; the
ratio of the medians is reported (target >= 0.85).
"""
from __future__ import annotations

import inspect
import json
import shutil
import tempfile
from pathlib import Path

from bench.common import corpus, emit, interleaved, median, parser, words

TARGET = 0.85


def run(n_articles: int = 300, repeats: int = 3, profile: bool = False) -> dict:
    from ingest import nlp as nlp_stage
    from ingest.extract import RuleExtractor
    from kg.api import KnowledgeGraph
    from kg.model import Article

    articles = list(corpus(n_articles))
    texts = [a.text for a in articles]
    n_words = sum(words(t) for t in texts)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    data = work / "corpus.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"text": a.text, "title": a.title, "url": a.url,
                                "published": a.published}) + "\n")
    nlp = nlp_stage.load()  # loaded once per process by both paths: not part of either timing
    batch = inspect.signature(RuleExtractor).parameters["batch_size"].default  # 32
    runs = {"n": 0}

    def bare():
        for _ in nlp.pipe(texts, batch_size=batch):
            pass

    def full():
        runs["n"] += 1
        store = work / f"store-{runs['n']}"
        with KnowledgeGraph.open(store) as kg:
            report = kg.ingest([data])
        assert report.new == n_articles and not report.failed, report
        shutil.rmtree(store)

    bare()  # warm-up (first-call allocations in spaCy/thinc)
    try:
        times = interleaved({"ingest": full, "nlp.pipe": bare}, repeats)
        result = {
            "articles": n_articles, "words": n_words, "repeats": repeats, "batch_size": batch,
            "pipeline": nlp.pipe_names,
            "ingest_s": times["ingest"], "nlp_pipe_s": times["nlp.pipe"],
            "ingest_wps": n_words / median(times["ingest"]),
            "nlp_pipe_wps": n_words / median(times["nlp.pipe"]),
        }
        result["ratio"] = result["ingest_wps"] / result["nlp_pipe_wps"]
        # ratios of each interleaved pair, to show the spread
        result["pair_ratios"] = [b / i for i, b in zip(times["ingest"], times["nlp.pipe"], strict=True)]
        result["target"] = TARGET
        result["pass"] = result["ratio"] >= TARGET
        if profile:
            result["profile"] = _profile(work, data, n_articles, Article)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _profile(work: Path, data: Path, n_articles: int, _article) -> list[dict]:
    """Where a full ingest spends its time: cProfile, top functions by own time and by
    cumulative time in the project's own modules."""
    import cProfile
    import pstats

    from kg.api import KnowledgeGraph

    prof = cProfile.Profile()
    with KnowledgeGraph.open(work / "store-profile") as kg:
        prof.enable()
        kg.ingest([data])
        prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    for (file, line, fn), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        rows.append({"function": f"{Path(file).parent.name}/{Path(file).name}:{line}({fn})",
                     "own_s": tt, "cum_s": ct, "cum_share": ct / total if total else 0.0})
    ours = [r for r in rows if r["function"].split("/")[0] in ("kg", "ingest")]
    ours.sort(key=lambda r: -r["cum_s"])
    return ours[:25]


def report(r: dict) -> list[str]:
    return [f"ingest overhead: {r['articles']} articles, {r['words']:,} words, {r['repeats']} interleaved repeats",
            f"  full ingest {r['ingest_wps']:,.0f} words/s   bare nlp.pipe {r['nlp_pipe_wps']:,.0f} words/s",
            f"  ratio {r['ratio']:.3f} (pairs: {', '.join(f'{x:.3f}' for x in r['pair_ratios'])})"
            f"   target >= {TARGET}"]


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, help="corpus size (default 300; quick 20)")
    p.add_argument("--repeats", type=int, help="interleaved repeats (default 3; quick 1)")
    p.add_argument("--profile", action="store_true", help="add a cProfile of one full ingest")
    args = p.parse_args(argv)
    r = run(args.articles or (20 if args.quick else 300), args.repeats or (1 if args.quick else 3),
            profile=args.profile)
    print("\n".join(report(r)))
    if r.get("profile"):
        for row in r["profile"]:
            print(f"  {row['cum_s']:8.2f}s cum {row['cum_share']:6.1%}  {row['own_s']:7.2f}s own  {row['function']}")
    emit(r, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
