"""The shipped ontology and the code's vocabulary (kg/vocab.py) say the same thing."""
from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Namespace

from kg.ontology import ontology_graph, shapes_graph
from kg.vocab import CLASS_PARENT, KG, PREDICATES, SYMMETRIC

K = Namespace(KG)


def test_every_class_and_its_parent_are_declared():
    g = ontology_graph()
    for cls, parent in CLASS_PARENT.items():
        assert (K[cls], RDF.type, OWL.Class) in g, cls
        if parent:
            assert (K[cls], RDFS.subClassOf, K[parent]) in g, cls


def test_every_relation_is_declared_with_its_json_name_and_symmetry():
    g = ontology_graph()
    for snake, camel in PREDICATES.items():
        assert (K[camel], RDF.type, OWL.ObjectProperty) in g, camel
        assert str(g.value(K[camel], K.jsonName)) == snake
        assert ((K[camel], RDF.type, OWL.SymmetricProperty) in g) == (snake in SYMMETRIC)
        assert g.value(K[camel], RDFS.domain) is not None and g.value(K[camel], RDFS.range) is not None


def test_fact_values_are_declared_and_shaped():
    g, shapes = ontology_graph(), shapes_graph()
    for prop in ("date", "amount", "currency", "evidence", "confidence", "rule"):
        assert (K[prop], RDF.type, OWL.DatatypeProperty) in g, prop
        assert any(True for _ in shapes.subjects(None, K[prop])), prop
