"""Map an Extraction to the RDF of its article's named graph (see docs/rdf-model.md)."""
from __future__ import annotations

import hashlib
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from kg.iri import article_iri, assertion_iri
from kg.model import Extraction
from kg.vocab import KG, PREDICATES, PREFIXES

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
SKOS = PREFIXES["skos"]
PROV = PREFIXES["prov"]
SCHEMA = PREFIXES["schema"]

_A = NamedNode(RDF + "type")


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _lit(value, datatype: str | None = None) -> Literal:
    if datatype is None:
        return Literal(value)
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


def _date(value: str) -> Literal:
    return _lit(value, "dateTime" if "T" in value else "date")


_DATE_TYPES = {0: "gYear", 1: "gYearMonth", 2: "date"}


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_quads(ex: Extraction) -> list[Quad]:
    """All quads of one article's graph: article metadata, entities, facts, assertions."""
    a = ex.article
    g = _n(article_iri(a.id))
    iri = {e.key: _n(e.iri) for e in ex.entities}
    q: list[Quad] = []

    def add(s, p, o):
        q.append(Quad(s, _n(p) if isinstance(p, str) else p, o, g))

    add(g, _A, _n(KG + "Article"))
    add(g, _A, _n(SCHEMA + "NewsArticle"))
    if a.title:
        add(g, SCHEMA + "headline", _lit(a.title))
    if a.url:
        add(g, SCHEMA + "url", _n(a.url))
    if a.published:
        add(g, SCHEMA + "datePublished", _date(a.published))
    if a.source:
        add(g, KG + "source", _lit(a.source))
    add(g, KG + "contentHash", _lit(content_hash(a.text)))
    for e in ex.entities:
        node = iri[e.key]
        add(g, SCHEMA + "mentions", node)
        add(node, _A, _n(KG + e.cls))
        add(node, RDFS + "label", _lit(e.name))
        for alias in e.aliases:
            add(node, SKOS + "altLabel", _lit(alias))
        if e.wikidata:
            add(node, PREFIXES["owl"] + "sameAs", _n(PREFIXES["wd"] + e.wikidata))
    for r in ex.relations:
        s, o = iri[r.subject], iri[r.object]
        p = _n(KG + PREDICATES[r.predicate])
        add(s, p, o)
        node = _n(assertion_iri(a.id, r.subject, r.predicate, r.object, r.start))
        add(node, _A, _n(KG + "Assertion"))
        add(node, _A, _n(RDF + "Statement"))
        add(node, RDF + "subject", s)
        add(node, RDF + "predicate", p)
        add(node, RDF + "object", o)
        add(node, KG + "evidence", _lit(r.sentence))
        add(node, KG + "startOffset", _lit(r.start, "integer"))
        add(node, KG + "endOffset", _lit(r.end, "integer"))
        add(node, KG + "rule", _lit(r.rule))
        add(node, KG + "confidence", _lit(Decimal(str(r.confidence)), "decimal"))
        add(node, PROV + "wasDerivedFrom", g)
        if r.date:
            add(node, KG + "date", _lit(r.date, _DATE_TYPES[r.date.count("-")]))
        if r.amount:
            add(node, KG + "amount", _lit(r.amount, "decimal"))
            add(node, KG + "currency", _lit(r.currency))
    return list(dict.fromkeys(q))
