"""Long articles: words per second of one long article against the same text cut into
article-sized pieces, both through a full ingest (KnowledgeGraph.ingest into memory).

Extraction that looked at every sentence or every mention for each mention grew with the
square of an article's length (a 200 KB article took 46 s, of which spaCy's parse was 7 s).
With linear stages the long article should ingest about as fast as its pieces: the ratio of
medians (long words/s over pieces words/s) has a target of 0.7 or more.
"""
from __future__ import annotations

from bench.common import emit, interleaved, median, parser, sample_articles, words

TARGET = 0.7


def texts(kb: int) -> tuple[str, list[str]]:
    """One long text of about `kb` KB made of the samples' paragraphs, and the same
    paragraphs as articles of about 3 KB each."""
    paras = [p for a in sample_articles() for p in a.text.split("\n\n") if len(p.split()) > 5]
    out: list[str] = []
    size = 0
    while size < kb * 1000:
        for p in paras:
            out.append(p)
            size += len(p) + 2
            if size >= kb * 1000:
                break
    pieces, cur = [], []
    for p in out:
        cur.append(p)
        if sum(len(x) for x in cur) > 3000:
            pieces.append("\n\n".join(cur))
            cur = []
    if cur:
        pieces.append("\n\n".join(cur))
    return "\n\n".join(out), pieces


def run(kb: int = 300, repeats: int = 3) -> dict:
    from ingest.readers import make_article
    from kg.api import KnowledgeGraph
    from kg.store import Store

    long_text, pieces = texts(kb)
    n_words = words(long_text)
    long_article = [make_article("long", long_text)]
    short_articles = [make_article(f"piece-{i}", t) for i, t in enumerate(pieces)]
    kg = KnowledgeGraph.memory()
    _ = kg.extractor.nlp  # the pipeline is loaded once, outside both timings

    def ingest(articles):
        def go():
            kg.store = Store(None)  # a fresh, empty store for every run
            report = kg.ingest(articles)
            assert report.new == len(articles) and not report.failed, report
        return go

    times = interleaved({"long": ingest(long_article), "pieces": ingest(short_articles)}, repeats)
    long_wps = n_words / median(times["long"])
    pieces_wps = n_words / median(times["pieces"])
    ratio = long_wps / pieces_wps
    return {"kb": kb, "words": n_words, "pieces": len(pieces), "repeats": repeats,
            "long_s": times["long"], "pieces_s": times["pieces"], "long_wps": long_wps,
            "pieces_wps": pieces_wps, "ratio": ratio, "target": TARGET, "pass": ratio >= TARGET}


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--kb", type=int, help="size of the long article in KB (default 300; quick 60)")
    args = p.parse_args(argv)
    kb = args.kb or (60 if args.quick else 300)
    r = run(kb, repeats=1 if args.quick else 3)
    print(f"long article: {r['kb']} KB, {r['words']:,} words, against {r['pieces']} pieces of about 3 KB")
    print(f"  long {r['long_wps']:,.0f} words/s   pieces {r['pieces_wps']:,.0f} words/s   "
          f"ratio {r['ratio']:.2f}   target >= {TARGET}")
    emit(r, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
