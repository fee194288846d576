"""Query speed and bulk load: the embedded store (pyoxigraph, through kg.store.Store) against
rdflib's in-memory Dataset, on the same generated N-Quads shaped like ours.

The generator writes, with a seeded RNG and no NLP, what docs/rdf-model.md describes: per
article a named graph with the article node, `schema:mentions`, entities with class, label
and aliases, direct facts and one assertion node per fact (evidence, offsets, rule,
confidence, provenance, sometimes a date), plus the merged default graph (the set union of
the article graphs), as kg.store.Store keeps it. Loads and queries are timed interleaved;
ratios are medians (target: queries >= 20x faster at the median).
"""
from __future__ import annotations

import hashlib
import random
import shutil
import tempfile
import warnings
from pathlib import Path

from bench.common import emit, interleaved, median, parser
from kg.rdfmap import PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from kg.vocab import ARTICLE, ASSERTION, PREFIXES

TARGET = 20.0

KG = PREFIXES["kg"]
ID = PREFIXES["kgid"]
ART = ARTICLE
ASSERT = ASSERTION
CLASSES = [("Person", "person", 30), ("AILab", "org", 8), ("Company", "org", 20), ("Investor", "org", 8),
           ("AIModel", "model", 12), ("Chip", "hardware", 5), ("Product", "product", 7),
           ("City", "place", 6), ("Country", "place", 4)]
PREDICATES = ["founded", "leads", "worksFor", "funds", "owns", "acquires", "partnersWith",
              "develops", "competesWith", "headquarteredIn", "produces", "uses"]
SYLLABLES = ["no", "va", "xis", "ter", "ra", "lu", "men", "ka", "zo", "ri", "an", "thro", "pic", "dee",
             "seek", "mis", "tral", "co", "her", "ent", "gro", "q", "vi", "dia", "sol", "ar", "on", "ix"]
SENTENCE_WORDS = ("the company said it would invest in a new round of funding led by its partners "
                  "after the model was released to customers in Europe and Asia this year").split()


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typed(v, dt: str) -> str:
    return f'"{v}"^^<{XSD}{dt}>'


def generate(path: Path, target_quads: int, seed: int = 7) -> dict:
    """Write about `target_quads` quads (named article graphs + merged default graph) as
    N-Quads to `path`; returns counts and a few IRIs to query."""
    rng = random.Random(seed)
    n_articles = max(20, target_quads // 205)
    n_entities = max(50, n_articles * 4)
    weights = [c[2] for c in CLASSES]
    entities = []
    for i in range(n_entities):
        cls, family, _w = rng.choices(CLASSES, weights)[0]
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        if family == "person":
            name += " " + "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        label = f"{name} {i}"  # unique, searchable
        aliases = [name] if rng.random() < 0.3 else []
        entities.append((f"<{ID}{family}/e{i}>", cls, label, aliases))
    popularity = [1.0 / (i + 1) ** 0.8 for i in range(n_entities)]  # Zipf-like: a few hubs
    merged: dict[str, None] = {}
    named = 0
    with path.open("w", encoding="utf-8") as out:
        for a in range(n_articles):
            g = f"<{ART}{hashlib.sha1(str(a).encode()).hexdigest()}>"
            lines = [f"{g} <{RDF}type> <{KG}Article>", f"{g} <{RDF}type> <{SCHEMA}NewsArticle>",
                     f"{g} <{SCHEMA}headline> {_lit(f'Bench headline {a}')}",
                     f"{g} <{SCHEMA}url> <https://news.example/{a}>",
                     f"{g} <{SCHEMA}datePublished> {_typed(f'2025-{a % 12 + 1:02d}-{a % 28 + 1:02d}', 'date')}",
                     f"{g} <{SCHEMA}publisher> {_lit('TechWire')}",
                     f"{g} <{KG}source> {_lit(f'bench:{a}')}",
                     f"{g} <{KG}contentHash> {_lit(hashlib.sha256(str(a).encode()).hexdigest())}"]
            mentioned = list({i: None for i in rng.choices(range(n_entities), popularity, k=8)})
            for i in mentioned:
                iri, cls, label, aliases = entities[i]
                lines += [f"{g} <{SCHEMA}mentions> {iri}", f"{iri} <{RDF}type> <{KG}{cls}>",
                          f"{iri} <{RDFS}label> {_lit(label)}"]
                lines += [f"{iri} <{SKOS}altLabel> {_lit(al)}" for al in aliases]
            for f in range(5 if len(mentioned) > 1 else 0):
                s, o = rng.sample(mentioned, 2)
                s, o = entities[s][0], entities[o][0]
                p = f"<{KG}{rng.choice(PREDICATES)}>"
                x = f"<{ASSERT}{a}-{f}>"
                start = rng.randint(0, 3000)
                sentence = " ".join(rng.choices(SENTENCE_WORDS, k=rng.randint(10, 30))).capitalize() + "."
                lines += [f"{s} {p} {o}", f"{x} <{RDF}type> <{KG}Assertion>",
                          f"{x} <{RDF}type> <{RDF}Statement>", f"{x} <{RDF}subject> {s}",
                          f"{x} <{RDF}predicate> {p}", f"{x} <{RDF}object> {o}",
                          f"{x} <{KG}evidence> {_lit(sentence)}",
                          f"{x} <{KG}startOffset> {_typed(start, 'integer')}",
                          f"{x} <{KG}endOffset> {_typed(start + len(sentence), 'integer')}",
                          f"{x} <{KG}rule> {_lit('rules.v1/svo')}",
                          f"{x} <{KG}confidence> {_typed(rng.choice(['0.7', '0.85', '0.9']), 'decimal')}",
                          f"{x} <{PROV}wasDerivedFrom> {g}"]
                if rng.random() < 0.3:
                    lines.append(f"{x} <{KG}date> {_typed(str(rng.randint(2010, 2025)), 'gYear')}")
            lines = list(dict.fromkeys(lines))
            out.write("".join(f"{t} {g} .\n" for t in lines))
            named += len(lines)
            merged.update(dict.fromkeys(lines))
        out.write("".join(f"{t} .\n" for t in merged))
    hub = entities[0][0][1:-1]
    return {"articles": n_articles, "entities": n_entities, "named_quads": named,
            "merged_triples": len(merged), "quads": named + len(merged), "hub": hub,
            "article": f"{ART}{hashlib.sha1(b'0').hexdigest()}", "search": "thro"}


def queries(info: dict) -> dict[str, str]:
    hub = f"<{info['hub']}>"
    facts = " ".join(f"kg:{p}" for p in PREDICATES)
    return {
        "neighbours": f"""SELECT DISTINCT ?n ?label WHERE {{
            {{ {hub} ?p ?n }} UNION {{ ?n ?p {hub} }} ?n rdfs:label ?label }}""",
        "counts_by_type": """SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?c }
            GROUP BY ?c ORDER BY DESC(?n)""",
        "two_hop": f"""SELECT DISTINCT ?mid ?end WHERE {{
            VALUES ?p1 {{ {facts} }} VALUES ?p2 {{ {facts} }}
            {hub} ?p1 ?mid . ?mid ?p2 ?end . FILTER (?end != {hub}) }}""",
        "label_search": f"""SELECT ?e ?label WHERE {{ ?e rdfs:label ?label
            FILTER (CONTAINS(LCASE(?label), "{info['search']}")) }}""",
        "top_degree": f"""SELECT ?e (COUNT(*) AS ?degree) WHERE {{
            VALUES ?p {{ {facts} }} {{ ?e ?p ?o }} UNION {{ ?o ?p ?e }} }}
            GROUP BY ?e ORDER BY DESC(?degree) ?e LIMIT 10""",
        "evidence": f"""SELECT ?o ?sentence ?a ?title WHERE {{
            ?x rdf:subject {hub} ; rdf:object ?o ; kg:evidence ?sentence ; prov:wasDerivedFrom ?a .
            ?a schema:headline ?title }}""",
        "article_graph": f"""SELECT ?e ?c WHERE {{ GRAPH <{info['article']}> {{ ?e a ?c }} }}""",
    }


def run(target_quads: int = 1_000_000, repeats: int = 3, load_repeats: int = 2) -> dict:
    import pyoxigraph as ox
    import rdflib

    from kg.store import Store

    work = Path(tempfile.mkdtemp(prefix="kg-bench-query-"))
    data = work / "data.nq"
    try:
        info = generate(data, target_quads)
        holder: dict = {}

        def load_ox():
            holder.pop("ox", None)
            folder = work / f"store-{len(list(work.iterdir()))}"
            store = Store(folder)
            store.oxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
            store.flush()
            holder["ox"] = store

        def load_rdflib():
            holder.pop("rdflib", None)
            ds = rdflib.Dataset()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds.parse(str(data), format="nquads")
            holder["rdflib"] = ds

        load = interleaved({"oxigraph": load_ox, "rdflib": load_rdflib}, load_repeats)
        n = info["quads"]
        result: dict = {**info, "repeats": repeats, "load_repeats": load_repeats,
                        "load": {"oxigraph_s": load["oxigraph"], "rdflib_s": load["rdflib"],
                                 "oxigraph_tps": n / median(load["oxigraph"]),
                                 "rdflib_tps": n / median(load["rdflib"])}}
        result["load"]["ratio"] = result["load"]["oxigraph_tps"] / result["load"]["rdflib_tps"]
        store, ds = holder["ox"], holder["rdflib"]
        assert len(ds) or sum(1 for _ in ds.quads()) > 0
        ns = {k: rdflib.Namespace(v) for k, v in PREFIXES.items()}
        per_query = {}
        for name, q in queries(info).items():
            rows = {"oxigraph": len(list(store.query(q))),  # warm-up, and the answers must agree
                    "rdflib": len(list(ds.query(q, initNs=ns)))}
            if rows["oxigraph"] != rows["rdflib"]:
                raise AssertionError(f"{name}: oxigraph {rows['oxigraph']} rows, rdflib {rows['rdflib']}")
            times = interleaved({"oxigraph": lambda q=q: list(store.query(q)),
                                 "rdflib": lambda q=q: list(ds.query(q, initNs=ns))}, repeats)
            per_query[name] = {"rows": rows["oxigraph"], "oxigraph_s": median(times["oxigraph"]),
                               "rdflib_s": median(times["rdflib"]),
                               "ratio": median(times["rdflib"]) / median(times["oxigraph"])}
        result["queries"] = per_query
        result["median_ratio"] = median([r["ratio"] for r in per_query.values()])
        result["target"] = TARGET
        result["pass"] = result["median_ratio"] >= TARGET
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(r: dict) -> list[str]:
    lines = [f"query speed and bulk load: {r['quads']:,} quads ({r['named_quads']:,} in {r['articles']:,} "
             f"article graphs + {r['merged_triples']:,} merged), {r['entities']:,} entities",
             f"  bulk load: oxigraph {r['load']['oxigraph_tps']:,.0f} quads/s, rdflib "
             f"{r['load']['rdflib_tps']:,.0f} quads/s, ratio {r['load']['ratio']:.1f}x",
             f"  {'query':16} {'rows':>6} {'oxigraph ms':>12} {'rdflib ms':>12} {'ratio':>8}"]
    for name, q in r["queries"].items():
        lines.append(f"  {name:16} {q['rows']:>6} {q['oxigraph_s'] * 1000:>12.2f} "
                     f"{q['rdflib_s'] * 1000:>12.2f} {q['ratio']:>7.1f}x")
    lines.append(f"  median ratio {r['median_ratio']:.1f}x   target >= {TARGET:.0f}x")
    return lines


def main(argv=None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--quads", type=int, help="store size (default 1,000,000; quick 20,000)")
    p.add_argument("--repeats", type=int, help="interleaved repeats per query (default 3; quick 2)")
    p.add_argument("--load-repeats", type=int, help="interleaved repeats of the load (default 2; quick 1)")
    args = p.parse_args(argv)
    r = run(args.quads or (20_000 if args.quick else 1_000_000), args.repeats or (2 if args.quick else 3),
            args.load_repeats or (1 if args.quick else 2))
    print("\n".join(report(r)))
    emit(r, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
