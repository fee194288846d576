"""RDF exports: Turtle and N-Triples of the merged graph; N-Quads, TriG and JSON-LD per article graph."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from exports.atomic import atomic_path
from kg.vocab import PREFIXES


def _dropped(kg, min_confidence: float, min_support: int) -> tuple[set, set]:
    """Facts (s, p, o) below the thresholds, and assertion nodes to leave out with them."""
    if min_confidence <= 0 and min_support <= 1:
        return set(), set()
    rows = kg.query("""SELECT ?x ?s ?p ?o ?c ?a WHERE { ?x a kg:Assertion ; rdf:subject ?s ;
        rdf:predicate ?p ; rdf:object ?o ; kg:confidence ?c ; prov:wasDerivedFrom ?a }""")
    support: dict[tuple, set] = {}
    best: dict[tuple, float] = {}
    for r in rows:
        k = (r["s"], r["p"], r["o"])
        support.setdefault(k, set()).add(r["a"])
        best[k] = max(best.get(k, 0.0), r["c"])
    facts = {k for k in support if len(support[k]) < min_support or best[k] < min_confidence}
    nodes = {r["x"] for r in rows if (r["s"], r["p"], r["o"]) in facts or r["c"] < min_confidence}
    return facts, nodes


def _keep(t, facts: set, nodes: set) -> bool:
    if t.subject.value in nodes:
        return False
    return (t.subject.value, t.predicate.value, getattr(t.object, "value", None)) not in facts


def merged_triples(kg, min_confidence: float = 0.0, min_support: int = 1) -> list[ox.Triple]:
    """The union of all article graphs as distinct triples, in a stable order."""
    facts, nodes = _dropped(kg, min_confidence, min_support)
    return sorted((t for t in kg.store.merged_triples() if _keep(t, facts, nodes)), key=str)


def _quads(kg, min_confidence: float = 0.0, min_support: int = 1) -> list[ox.Quad]:
    facts, nodes = _dropped(kg, min_confidence, min_support)
    return sorted((q for q in kg.store.quads() if _keep(q, facts, nodes)), key=str)


def _write(data, path: Path, fmt: ox.RdfFormat, prefixes: bool = False) -> None:
    with atomic_path(path) as tmp:
        if prefixes:
            ox.serialize(data, str(tmp), fmt, prefixes=PREFIXES)
        else:
            ox.serialize(data, str(tmp), fmt)


def write_turtle(kg, path: Path, **filters) -> None:
    _write(merged_triples(kg, **filters), path, ox.RdfFormat.TURTLE, prefixes=True)


def write_ntriples(kg, path: Path, **filters) -> None:
    _write(merged_triples(kg, **filters), path, ox.RdfFormat.N_TRIPLES)


def write_nquads(kg, path: Path, **filters) -> None:
    _write(_quads(kg, **filters), path, ox.RdfFormat.N_QUADS)


def write_trig(kg, path: Path, **filters) -> None:
    _write(_quads(kg, **filters), path, ox.RdfFormat.TRIG, prefixes=True)


def write_jsonld(kg, path: Path, **filters) -> None:
    _write(_quads(kg, **filters), path, ox.RdfFormat.JSON_LD)
