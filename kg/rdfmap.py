"""Map an Extraction to the RDF of its article's named graph (see docs/rdf-model.md)."""
from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from kg.iri import article_iri, assertion_iri
from kg.model import Article, Extraction
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
    if "T" not in value:
        return _lit(value, "date")
    return _lit(canonical_datetime(value), "dateTime")


def canonical_datetime(value: str) -> str:
    """The canonical xsd:dateTime form the store keeps (fraction trimmed, "Z" for UTC), so
    what is written compares equal to what is read back.

    >>> canonical_datetime("2025-02-03T09:30:00.500+00:00"), canonical_datetime("2025-02-03T09:30:00-07:00")
    ('2025-02-03T09:30:00.5Z', '2025-02-03T09:30:00-07:00')
    """
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return value
    text = dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{dt.microsecond:06d}".rstrip("0") if dt.microsecond else "")
    offset = dt.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    return text + f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_DATE_TYPES = {0: "gYear", 1: "gYearMonth", 2: "date"}


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_node_quads(a: Article) -> list[Quad]:
    """The quads describing the article itself: types, headline, URL, date, author,
    publisher, source and content hash."""
    g = _n(article_iri(a.id))
    q = [Quad(g, _A, _n(KG + "Article"), g), Quad(g, _A, _n(SCHEMA + "NewsArticle"), g)]
    for pred, value in ((SCHEMA + "headline", a.title and _lit(a.title)),
                        (SCHEMA + "url", a.url and _n(a.url)),
                        (SCHEMA + "datePublished", a.published and _date(a.published)),
                        (SCHEMA + "author", a.author and _lit(a.author)),
                        (SCHEMA + "publisher", a.site and _lit(a.site)),
                        (KG + "source", a.source and _lit(a.source)),
                        (KG + "contentHash", _lit(content_hash(a.text)))):
        if value:
            q.append(Quad(g, _n(pred), value, g))
    return q


# what decides whether a stored article is unchanged: everything said about the article
# node except where it was read from (the same text read from another file is unchanged)
_NOT_CONTENT = {KG + "source", SCHEMA + "mentions"}


def description(pairs) -> frozenset[tuple[str, str]]:
    """(predicate IRI, object term as N-Triples) of an article node, less kg:source and mentions."""
    return frozenset((p.value, str(o)) for p, o in pairs if p.value not in _NOT_CONTENT)


def article_description(a: Article) -> frozenset[tuple[str, str]]:
    """What the store would hold about this article (compared with Store.graph_description)."""
    return description((q.predicate, q.object) for q in article_node_quads(a))


def article_quads(ex: Extraction) -> list[Quad]:
    """All quads of one article's graph: article metadata, entities, facts, assertions."""
    a = ex.article
    g = _n(article_iri(a.id))
    iri = {e.key: _n(e.iri) for e in ex.entities}
    q: list[Quad] = article_node_quads(a)

    def add(s, p, o):
        q.append(Quad(s, _n(p) if isinstance(p, str) else p, o, g))

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
