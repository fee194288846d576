"""The networkx projection of the graph and the files made from it: GraphML, GEXF, CSV, HTML."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import networkx as nx

from exports.atomic import atomic_path, atomic_paths
from kg.vocab import CLASS_PARENT, PREDICATE_SNAKE, ancestors

_NODES = """
SELECT ?e ?label ?cls (COUNT(DISTINCT ?a) AS ?articles) WHERE {
  ?a schema:mentions ?e . ?e a ?cls . OPTIONAL { ?e rdfs:label ?label }
} GROUP BY ?e ?label ?cls"""
_ALIASES = "SELECT DISTINCT ?e ?alias WHERE { ?e skos:altLabel ?alias }"
_EVIDENCE = """
SELECT ?s ?p ?o ?sentence ?conf ?rule ?a ?title ?url ?date WHERE {
  ?x a kg:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
     kg:evidence ?sentence ; kg:confidence ?conf ; kg:rule ?rule ; prov:wasDerivedFrom ?a .
  OPTIONAL { ?a schema:headline ?title } OPTIONAL { ?a schema:url ?url }
  OPTIONAL { ?a schema:datePublished ?date }
}"""


def to_networkx(kg, *, min_confidence: float = 0.0, min_support: int = 1) -> nx.MultiDiGraph:
    """Entities as nodes (label, cls = most specific class, types = cls and its superclasses,
    root, aliases, articles = number of articles mentioning it); facts as edges keyed by
    predicate (predicate, support = number of articles, confidence = best evidence, evidence
    list)."""
    g = nx.MultiDiGraph()
    nodes: dict[str, dict] = {}
    for r in kg.query(_NODES):
        cls = r["cls"].rsplit("#", 1)[-1]
        if cls not in CLASS_PARENT:
            continue
        n = nodes.setdefault(r["e"], {"labels": set(), "classes": set(), "articles": 0})
        if r["label"]:
            n["labels"].add(r["label"])
        n["classes"].add(cls)
        n["articles"] = max(n["articles"], r["articles"])
    aliases: dict[str, set[str]] = {}
    for r in kg.query(_ALIASES):
        aliases.setdefault(r["e"], set()).add(r["alias"])
    for iri, n in sorted(nodes.items()):
        cls = max(sorted(n["classes"]), key=lambda c: len(ancestors(c)))
        labels = sorted(n["labels"], key=lambda s: (-len(s), s))
        label = labels[0] if labels else iri.rsplit("/", 1)[-1]
        g.add_node(iri, label=label, cls=cls, types=ancestors(cls), root=ancestors(cls)[-1],
                   aliases=sorted((aliases.get(iri, set()) | set(labels[1:])) - {label}),
                   articles=n["articles"])
    edges: dict[tuple[str, str, str], dict] = {}
    for r in kg.query(_EVIDENCE):
        if r["s"] not in g or r["o"] not in g:
            continue
        pred = PREDICATE_SNAKE.get(r["p"].rsplit("#", 1)[-1], r["p"])
        e = edges.setdefault((r["s"], r["o"], pred), {"evidence": [], "articles": set()})
        e["articles"].add(r["a"])
        e["evidence"].append({"sentence": r["sentence"], "article": r["a"], "title": r["title"],
                              "url": r["url"], "published": r["date"], "rule": r["rule"],
                              "confidence": r["conf"]})
    for (s, o, pred), e in sorted(edges.items()):
        support = len(e["articles"])
        conf = max(ev["confidence"] for ev in e["evidence"])
        if support < min_support or conf < min_confidence:
            continue
        evidence = sorted(e["evidence"], key=lambda ev: (ev["article"], ev["sentence"]))
        g.add_edge(s, o, key=pred, predicate=pred, support=support, confidence=conf,
                   evidence=evidence)
    return g


# what XML 1.0 cannot hold, even escaped: C0 controls other than tab, newline and carriage
# return, and the non-characters U+FFFE and U+FFFF (the store holds no lone surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    r"""`value` as GraphML and GEXF (XML 1.0) can carry it: each character XML cannot hold
    becomes U+FFFD; anything else, newlines and quotes included, is kept as it is.

    >>> xml_text("Acme\x00 Labs\x1b\n") == "Acme\ufffd Labs\ufffd\n"
    True
    """
    return _NOT_XML.sub("\ufffd", value)


def _flat(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with only scalar attributes, as GraphML and GEXF require, and only characters
    XML can hold (xml_text)."""
    out = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        out.add_node(n, label=xml_text(d["label"]), type=d["cls"], root=d["root"],
                     aliases=xml_text("|".join(d["aliases"])), articles=d["articles"])
    for s, o, k, d in g.edges(keys=True, data=True):
        out.add_edge(s, o, key=k, predicate=d["predicate"], support=d["support"],
                     confidence=float(d["confidence"]), label=d["predicate"])
    return out


def write_graphml(kg, path: Path, **filters) -> None:
    with atomic_path(path) as tmp:
        nx.write_graphml(_flat(kg.to_networkx(**filters)), tmp)


def write_gexf(kg, path: Path, **filters) -> None:
    with atomic_path(path) as tmp:
        nx.write_gexf(_flat(kg.to_networkx(**filters)), tmp)


def nodes_csv_path(path: Path) -> Path:
    """Where the node table of a CSV export goes: beside the edge table, '.nodes.csv'."""
    return path.with_name(path.stem + ".nodes.csv")


def write_csv(kg, path: Path, **filters) -> None:
    """Edges to PATH (subject, predicate, object, labels, support, confidence) and nodes to
    PATH with '.nodes.csv' (iri, label, type, aliases, articles). Both are written to
    temporary files first and replace the old pair only when both are whole, so a failure
    (a full disk, say) leaves the old pair, or nothing, never one new table beside an old one."""
    g = kg.to_networkx(**filters)
    with atomic_paths(path, nodes_csv_path(path)) as (edges, nodes):
        with open(edges, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["subject", "subject_label", "predicate", "object", "object_label",
                        "support", "confidence"])
            for s, o, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[2]["predicate"], e[1])):
                w.writerow([s, g.nodes[s]["label"], d["predicate"], o, g.nodes[o]["label"],
                            d["support"], d["confidence"]])
        with open(nodes, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["iri", "label", "type", "aliases", "articles"])
            for n, d in sorted(g.nodes(data=True)):
                w.writerow([n, d["label"], d["cls"], "|".join(d["aliases"]), d["articles"]])


def write_explorer(kg, path: Path, *, max_nodes: int | None = None, **filters) -> None:
    """The interactive explorer (exports/html.py); at most `max_nodes` entities (default
    exports.html.DEFAULT_MAX_NODES), the most connected, are drawn."""
    from exports.html import DEFAULT_MAX_NODES, write_html

    write_html(kg.to_networkx(**filters), path,
               max_nodes=DEFAULT_MAX_NODES if max_nodes is None else max_nodes)
