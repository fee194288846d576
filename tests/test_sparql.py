"""The SPARQL lexer and the guards built on it: decided on tokens, never on raw text."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.errors import QueryError
from kg.sparql import (
    check_read_query,
    declared_prefixes,
    inject_values,
    query_form,
    tokens,
    where_brace,
    with_prefixes,
)
from kg.vocab import PREFIXES

G = "https://w3id.org/aikg/article/a1"


@pytest.mark.parametrize(("query", "form"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("  # a comment\n ask { ?s ?p ?o }", "ASK"),
    ("BASE <http://e/> PREFIX ex: <http://e/> CONSTRUCT WHERE { ?s ex:p ?o }", "CONSTRUCT"),
    ("PREFIX : <http://e/> DESCRIBE :x", "DESCRIBE"),
    ("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", "UPDATE"),
    ("load <http://127.0.0.1:9/x.ttl>", "UPDATE"),
    ("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
    ("DROP ALL", "UPDATE"),
    ("", None),
    ("hello world", None),
])
def test_query_form(query, form):
    assert query_form(query) == form


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ex:service "SERVICE" } # SERVICE <http://127.0.0.1:9/>',
    "SELECT * WHERE { ?s <http://e/SERVICE> ?o . ?s ex:load ?from }",
    'SELECT ?from WHERE { ?s ?p """FROM <http://127.0.0.1:9/> LOAD""" }',
    f"SELECT * FROM <{G}> WHERE {{ ?s ?p ?o }}",
    "PREFIX art: <https://w3id.org/aikg/article/> SELECT * FROM NAMED art:a1 WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_harmless_queries_pass(query):
    check_read_query(query, graphs={G})


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * WHERE { service silent ?x { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }", "FROM <http://127.0.0.1:9/data.ttl>"),
    ("PREFIX x: <http://127.0.0.1:9/> SELECT * FROM NAMED x:g WHERE { ?s ?p ?o }", "FROM NAMED <http://127.0.0.1:9/g>"),
    ("LOAD <http://127.0.0.1:9/x.ttl>", "updates"),
    ("SELECT * WHERE { ?s ?p ?o } ; LOAD <http://127.0.0.1:9/x.ttl>", "LOAD is not allowed"),
    ("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", "updates"),
])
def test_refused_queries(query, message):
    with pytest.raises(QueryError, match=message) as info:
        check_read_query(query, graphs={G})
    assert "\n" not in str(info.value)


def test_from_refused_when_no_graphs_are_allowed():
    with pytest.raises(QueryError, match="FROM"):
        check_read_query(f"SELECT * FROM <{G}> WHERE {{ ?s ?p ?o }}", graphs=None)


def test_tokens_keep_strings_iris_and_comments_apart():
    toks = tokens('SELECT ?x WHERE { ?x rdfs:label "a # b" ; ?p <http://e/#c> } # end', comments=True)
    assert [t.kind for t in toks] == ["word", "var", "word", "punct", "var", "pname", "string", "punct",
                                      "var", "iri", "punct", "comment"]


def test_where_brace_skips_the_construct_template():
    q = 'CONSTRUCT { ?s ?p "{" } { ?s ?p ?o }'
    assert q[where_brace(q):] == "{ ?s ?p ?o }"
    q = "CONSTRUCT { ?s ?p ?o } FROM <http://g/> WHERE { ?s ?p ?o }"
    assert q[where_brace(q):] == "{ ?s ?p ?o }"
    assert where_brace("ASK { }") == 4
    assert where_brace("DESCRIBE <http://e/x>") is None


def test_prefixes_added_only_where_used_and_undeclared():
    q = 'PREFIX kg: <http://other/> SELECT * { ?s kg:founded ?o ; rdfs:label "skos:x" }'
    out = with_prefixes(q, PREFIXES)
    assert declared_prefixes(out) == {"kg": "http://other/", "rdfs": PREFIXES["rdfs"]}


def test_injected_values_are_terms_and_the_query_still_parses():
    hostile = 'x" } ; DROP ALL ; { "'
    q = inject_values("SELECT ?l WHERE { ?e rdfs:label ?l FILTER (?l != ?q) }",
                      {"e": str(ox.NamedNode("http://e/a")), "q": str(ox.Literal(hostile))})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
                      ox.Literal("A")))
    rows = list(store.query(q, prefixes=PREFIXES))
    assert [r["l"].value for r in rows] == ["A"]
    assert len(store) == 1


def test_inject_values_needs_a_where_clause():
    with pytest.raises(QueryError, match="WHERE"):
        inject_values("DESCRIBE <http://e/x>", {"e": "<http://e/y>"})
