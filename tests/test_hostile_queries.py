"""Hostile queries beyond tests/test_server.py and tests/test_api.py: the Python API and
`kg query` never reach other servers; queries too deep for the engine are refused before they
can crash it; a catastrophic REGEX, a DESCRIBE of a hub and property paths over a dense
10,000-node graph stay within the server's limits, and the server answers the next query."""
from __future__ import annotations

import random

import networkx as nx
import pyoxigraph as ox
import pytest
from test_server import bystander, get, json_rows, post_form, start_server, wait_ready  # noqa: F401 (a fixture)

from kg.api import KnowledgeGraph
from kg.errors import QueryError
from kg.sparql import MAX_DEPTH, MAX_OPERATORS
from kg.store import Store

KG = "https://w3id.org/aikg/ontology#"
ID = "https://w3id.org/aikg/id/org/n"
HUB = ID + "0"
NODES, DEGREE, HUB_FACTS = 10_000, 10, 1_000
ROW_CAP = 1_000
LONG = "a" * 5_000 + "!"


def dense_edges() -> list[tuple[int, int]]:
    """10,000 nodes, each linked to 10 pseudo-random others (seeded), and 1,000 more links
    out of node 0, the hub."""
    rnd = random.Random(8)
    edges = [(i, rnd.randrange(NODES)) for i in range(NODES) for _ in range(DEGREE)]
    edges += [(0, j) for j in range(1, HUB_FACTS + 1)]
    return edges


@pytest.fixture(scope="module")
def dense_store(tmp_path_factory) -> str:
    """A store of 100 article graphs holding the dense graph, labels, and one long string."""
    path = tmp_path_factory.mktemp("dense") / "store"
    store = Store(path)
    p, label = ox.NamedNode(KG + "partnersWith"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    edges = dense_edges()
    for a in range(100):
        g = ox.NamedNode(f"https://w3id.org/aikg/article/dense{a}")
        quads = [ox.Quad(ox.NamedNode(f"{ID}{s}"), p, ox.NamedNode(f"{ID}{o}"), g) for s, o in edges[a::100]]
        quads += [ox.Quad(ox.NamedNode(f"{ID}{n}"), label, ox.Literal(f"Node {n}"), g)
                  for n in range(a, NODES, 100)]
        if a == 0:
            quads.append(ox.Quad(ox.NamedNode(HUB), ox.NamedNode(KG + "note"), ox.Literal(LONG), g))
        store.replace_graph(g.value, quads)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def dense_served(dense_store, tmp_path_factory):
    server = start_server(dense_store, tmp_path_factory.mktemp("serve") / "stderr.log", "--timeout", 3,
                          "--max-rows", ROW_CAP, "--workers", 2, "--quiet")
    yield server
    assert server.stop() == 0


def still_answers(server) -> None:
    wait_ready(server)
    r = get(server, f"SELECT ?l WHERE {{ <{HUB}> rdfs:label ?l }}")
    assert r.status == 200 and json_rows(r.body) == {("Node 0",)}


# -- the Python API and kg query never reach other servers -----------------------------------------
@pytest.mark.parametrize("template, message", [
    ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
     "SERVICE is not allowed: this endpoint does not send queries to other servers"),
    ("SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
     "SERVICE is not allowed: this endpoint does not send queries to other servers"),
    ("SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
     "FROM <{url}> is not allowed: only graphs in this store can be named (nothing is fetched from elsewhere)"),
    ("SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
     "FROM NAMED <{url}> is not allowed: only graphs in this store can be named (nothing is fetched from "
     "elsewhere)"),
    ("LOAD <{url}>", "updates (INSERT, DELETE, DROP, LOAD, ...) are not allowed"),
])
def test_service_from_and_load_through_the_api_and_cli_make_no_request(bystander, template, message,  # noqa: F811
                                                                       run_cli, ingested_store):
    base, connections = bystander  # a local server that counts every connection made to it
    url = base + "/"
    query, message = template.format(url=url), message.format(url=url)
    kg = KnowledgeGraph.open(ingested_store.path, read_only=True)
    try:
        for call in (kg.query, kg.raw_query):
            with pytest.raises(QueryError) as err:
                call(query)
            assert str(err.value).startswith(message)
    finally:
        kg.close()
    result = run_cli("query", query, "--store", ingested_store.path)
    assert result.code == 1 and result.err.startswith(f"error: {message}") and len(result.err.splitlines()) == 1
    assert connections == []


def test_from_a_graph_of_the_store_still_works_through_the_api(ingested_store):
    with KnowledgeGraph.open(ingested_store.path, read_only=True) as kg:
        graph = kg.store.named_graphs()[0]
        [row] = kg.query(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}")
        assert row["n"] == sum(1 for q in kg.store.quads() if q.graph_name.value == graph)
        assert kg.query("SELECT ?s WHERE { ?s rdfs:comment 'FROM <http://x/> SERVICE' }") == []


# -- too deep for the engine ------------------------------------------------------------------------
DEEP = [
    ("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
     f"query nested more than {MAX_DEPTH} levels deep (brackets); simplify it"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
     f"query nested more than {MAX_DEPTH} levels deep (brackets); simplify it"),
    # `<` as less-than, then brackets up to a `>`: one IRI token to a lexer, nesting to the engine
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o<" + "(" * 5000 + "?o>1" + ")" * 5000 + ") }",
     f"query nested more than {MAX_DEPTH} levels deep (brackets); simplify it"),
    ("SELECT * WHERE { ?s " + "/".join(["kg:partnersWith"] * 2000) + " ?o }",
     f"query has 2,000 operators (path steps, UNION, ||, +, ...), more than {MAX_OPERATORS:,}; use VALUES or "
     f"IN for long lists of alternatives"),
    ("SELECT * WHERE { BIND(" + "+".join(["1"] * 100_000) + " AS ?x) }",
     f"query has 100,000 operators (path steps, UNION, ||, +, ...), more than {MAX_OPERATORS:,}; use VALUES or "
     f"IN for long lists of alternatives"),
    ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
     f"query has 20,000 operators (path steps, UNION, ||, +, ...), more than {MAX_OPERATORS:,}; use VALUES or "
     f"IN for long lists of alternatives"),
]


@pytest.mark.parametrize("query, message", DEEP, ids=["braces", "parentheses", "less-than", "path", "plus", "union"])
def test_queries_too_deep_for_the_engine_are_refused_not_crashed(query, message, dense_served):
    """Each of these kills a Python process running pyoxigraph (its native stack overflows);
    they are refused on their tokens instead, by the API and by the endpoint."""
    kg = KnowledgeGraph.memory()
    with pytest.raises(QueryError) as err:
        kg.query(query)
    assert str(err.value) == message
    r = post_form(dense_served, query)
    assert (r.status, r.text) == (403, message + "\n")  # refused, as SERVICE and updates are
    still_answers(dense_served)


def test_long_flat_lists_are_not_operators():
    """VALUES and IN lists of 100,000 terms are data, not depth: answered."""
    kg = KnowledgeGraph.memory()
    assert len(kg.query("SELECT * WHERE { VALUES ?x { " + " ".join(map(str, range(100_000))) + " } }")) == 100_000
    assert kg.query("SELECT * WHERE { BIND(3 AS ?x) FILTER(?x IN (" + ",".join(map(str, range(100_000)))
                    + ")) }") == [{"x": 3}]


def test_many_iris_are_not_operators():
    kg = KnowledgeGraph.memory()
    iris = " ".join(f"<http://example.org/a/b/c/{i}>" for i in range(2000))
    assert len(kg.query("SELECT * WHERE { VALUES ?x { " + iris + " } }")) == 2000


def test_strings_and_iris_do_not_count_as_depth():
    kg = KnowledgeGraph.memory()
    assert kg.query("SELECT ?x WHERE { BIND('" + "{(" * 5000 + "' AS ?x) }") == [{"x": "{(" * 5000}]


# -- limits of the endpoint on a dense graph ---------------------------------------------------------
def test_catastrophic_regex_is_answered_in_linear_time(dense_served):
    """`^(a+)+$` backtracks exponentially in engines that backtrack; Oxigraph's regex engine
    (Rust's regex crate) never backtracks, so the query is simply answered."""
    r = get(dense_served, 'SELECT ?s WHERE { ?s kg:note ?n FILTER(REGEX(?n, "^(a+)+$")) }')
    assert r.status == 200 and json_rows(r.body) == set()
    r = get(dense_served, 'SELECT ?s WHERE { ?s kg:note ?n FILTER(REGEX(?n, "^(a+)+!$")) }')
    assert r.status == 200 and json_rows(r.body) == {(HUB,)}
    still_answers(dense_served)


def test_regex_over_a_cross_join_is_stopped_by_the_timeout(dense_served):
    r = get(dense_served, 'SELECT (COUNT(*) AS ?n) WHERE { ?a rdfs:label ?x . ?b rdfs:label ?y '
                          'FILTER(REGEX(CONCAT(?x, ?y), "^(N|o|d|e| |[0-9])+(1|2)+$")) }')
    assert (r.status, r.text) == (503, "query timed out after 3 s (--timeout); simplify the query, add LIMIT, "
                                       "or start kg serve with a higher --timeout\n")
    still_answers(dense_served)


def test_a_huge_regex_pattern_matches_nothing_and_the_server_goes_on(dense_served):
    r = get(dense_served, 'SELECT ?s WHERE { ?s kg:note ?n FILTER(REGEX(?n, "(a{1000}){1000}")) }')
    assert r.status == 200 and json_rows(r.body) == set()  # an invalid or oversized pattern matches nothing
    still_answers(dense_served)


def test_describe_of_a_hub_is_capped(dense_served):
    r = get(dense_served, f"DESCRIBE <{HUB}>", format="nt")
    assert (r.status, r.text) == (413, f"result too large: more than {ROW_CAP:,} rows (--max-rows); add LIMIT "
                                       f"(and OFFSET to page) or start kg serve with a higher --max-rows\n")
    r = get(dense_served, f"CONSTRUCT {{ <{HUB}> kg:partnersWith ?o }} WHERE {{ <{HUB}> kg:partnersWith ?o }} "
                          f"LIMIT 50", format="nt")
    assert r.status == 200 and len(r.text.splitlines()) == 50
    still_answers(dense_served)


def test_everything_without_limit_is_capped(dense_served):
    r = get(dense_served, "SELECT * WHERE { ?s ?p ?o }")
    assert r.status == 413 and r.text.startswith(f"result too large: more than {ROW_CAP:,} rows")
    still_answers(dense_served)


def test_property_path_closure_from_one_node_is_answered_exactly(dense_served):
    graph = nx.DiGraph(dense_edges())
    reachable = len(nx.descendants(graph, 0)) + 1  # `*` includes the node itself
    r = get(dense_served, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ <{HUB}> kg:partnersWith* ?x }}")
    assert r.status == 200 and json_rows(r.body) == {(str(reachable),)}
    r = get(dense_served, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x kg:partnersWith*/kg:partnersWith <{HUB}> }}")
    sources = set(graph.predecessors(0))  # a path of one step or more ends at the hub
    sources = sources.union(*(nx.ancestors(graph, p) for p in list(sources)))
    assert r.status == 200 and json_rows(r.body) == {(str(len(sources)),)}


def test_property_path_over_all_pairs_is_stopped_and_the_server_goes_on(dense_served):
    """About 10^8 pairs: Oxigraph works the closure out before the first row, so the timeout,
    not the row cap, ends it."""
    timed_out = ("query timed out after 3 s (--timeout); simplify the query, add LIMIT, or start kg serve "
                 "with a higher --timeout\n")
    for query in ("SELECT ?x ?y WHERE { ?x kg:partnersWith* ?y }",
                  "SELECT (COUNT(*) AS ?n) WHERE { ?x kg:partnersWith* ?y }"):
        r = get(dense_served, query)
        assert (r.status, r.text) == (503, timed_out)
        still_answers(dense_served)


def test_property_path_through_the_api_from_one_node(dense_store):
    """The Python API has no time limit of its own (the endpoint has): a path from a bound
    node is answered in full."""
    reachable = len(nx.descendants(nx.DiGraph(dense_edges()), 0)) + 1
    with KnowledgeGraph.open(dense_store, read_only=True) as kg:
        rows = kg.query(f"SELECT DISTINCT ?y WHERE {{ <{HUB}> kg:partnersWith* ?y }}")
        assert len(rows) == reachable and all(r["y"].startswith(ID) for r in rows)
