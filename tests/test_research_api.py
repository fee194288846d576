"""Tests for the researcher's API on KnowledgeGraph: search, neighbours, path, evidence,
timeline (kg/explore.py), centrality and communities (kg/analysis.py), and the networkx
projection they read; every error a user can hit; and injection safety. Like test_api.py,
they run on every backend: the embedded store, an Oxigraph server and Virtuoso."""
from __future__ import annotations

import itertools
import math
import re

import networkx as nx
import pytest
from conftest import SHARED_FACT, open_backend, wipe

from kg import analysis, explore
from kg.api import KnowledgeGraph, _term
from kg.errors import ConfigError, KGError, NotFound
from kg.iri import article_iri, entity_iri
from kg.model import Article, Entity, Extraction, Relation
from kg.rdfmap import article_quads
from kg.vocab import KG, PREDICATES

ID = "https://w3id.org/aikg/id/"
ANTHROPIC, DARIO, HUANG = ID + "org/anthropic", ID + "person/dario-amodei", ID + "person/jensen-huang"
OPENAI, MICROSOFT, SOFTBANK = ID + "org/openai", ID + "org/microsoft", ID + "org/softbank"
ALTMAN, NADELLA = ID + "person/sam-altman", ID + "person/satya-nadella"

# Four short articles in our own words: a chain Sam Altman -founded-> OpenAI <-funds- Microsoft
# <-leads- Satya Nadella, a fact stated by two articles with two different dates (Microsoft
# funds OpenAI, 2019 and 2023), a fact dated only by its article (SoftBank funds OpenAI), an
# undated symmetric fact (OpenAI partners_with SoftBank), and a separate component (Anthropic).
CHAIN = [
    ("Sam Altman founded OpenAI in 2015. Microsoft invested in OpenAI in 2019. Satya Nadella leads "
     "Microsoft.", "Early years", "2025-01-10"),
    ("Microsoft invested in OpenAI in 2023. SoftBank invested in OpenAI.", "Rounds", "2025-03-01"),
    ("OpenAI partners with SoftBank.", "Partners", None),
    ("Amazon invested in Anthropic. Dario Amodei leads Anthropic.", "Elsewhere", None),
]
EVIL = 'x" } ; DROP ALL ; { <y> \\ \'z'


def backend_of(graph: KnowledgeGraph) -> str:
    from kg.remote import SparqlStore

    if not isinstance(graph.store, SparqlStore):
        return "embedded"
    return "virtuoso" if graph.store.dialect == "virtuoso" else "oxigraph"


@pytest.fixture(scope="module")
def kg(backend_kg):
    """The three own-words articles of conftest in each backend (embedded, Oxigraph server,
    Virtuoso), read-only: every test runs against all three, as the API must."""
    return backend_kg


@pytest.fixture(scope="module")
def chain(backend_kg, request):
    """The CHAIN articles, in a writable graph of the same backend as `kg`."""
    kind = backend_of(backend_kg)
    pool = request.getfixturevalue("server_pool") if kind != "embedded" else None
    graph = open_backend(kind, pool, "research")
    if kind != "embedded":
        wipe(graph)
    for text, title, published in CHAIN:
        assert graph.ingest_text(text, title=title, published=published).ok
    facts = {(f["subject"], f["predicate"], f["object"], f["support"]) for f in graph.facts()}
    assert facts == {("Sam Altman", "founded", "OpenAI", 1), ("Microsoft", "funds", "OpenAI", 2),
                     ("Satya Nadella", "leads", "Microsoft", 1), ("SoftBank", "funds", "OpenAI", 1),
                     ("OpenAI", "partners_with", "SoftBank", 1), ("Amazon", "funds", "Anthropic", 1),
                     ("Dario Amodei", "leads", "Anthropic", 1)}, facts
    yield graph
    graph.close()


def undirected(graph: KnowledgeGraph, **filters) -> nx.Graph:
    return analysis.simple_graph(graph.to_networkx(**filters))


def assert_real_fact(graph: KnowledgeGraph, fact: dict) -> None:
    p = KG + PREDICATES[fact["predicate"]]
    assert graph.query(f"ASK {{ <{fact['subject_iri']}> <{p}> <{fact['object_iri']}> }}") is True, fact


# -- search --------------------------------------------------------------------------------------
def test_search_rows_and_ranks(kg):
    rows = kg.search("anthropic")
    assert rows[0] == {"iri": ANTHROPIC, "label": "Anthropic", "class": "AILab", "articles": 2,
                       "matched": "Anthropic", "match": "exact"}
    assert kg.search("ANTHROP")[0]["match"] == "prefix"
    assert [(r["label"], r["match"]) for r in kg.search("clara")] == [("Santa Clara", "word")]
    assert [(r["label"], r["match"]) for r in kg.search("lackwel")] == [("Blackwell", "substring")]


def test_search_finds_aliases(kg):
    hit = kg.search("huang")[0]
    assert (hit["iri"], hit["label"], hit["matched"], hit["match"]) == (HUANG, "Jensen Huang", "Huang", "exact")


def test_search_ties_go_to_the_entity_more_articles_mention(kg):
    rows = kg.search("amodei")
    assert [(r["label"], r["articles"], r["match"]) for r in rows] == [
        ("Dario Amodei", 2, "word"), ("Daniela Amodei", 1, "word")]


def test_search_orders_exact_prefix_word_substring(kg):
    for text in ("a", "an", "e", "in", "de"):
        rows = kg.search(text, limit=None)
        assert rows, text
        ranks = [explore.MATCHES.index(r["match"]) for r in rows]
        assert ranks == sorted(ranks), (text, rows)
        for rank, group in itertools.groupby(rows, key=lambda r: r["match"]):
            counts = [r["articles"] for r in group]
            assert counts == sorted(counts, reverse=True), (text, rank)
        for r in rows:
            assert text in r["matched"].lower()


def test_search_limit_and_class(kg):
    every = kg.search("a", limit=None)
    assert len(every) > 10
    assert kg.search("a") == every[:10]
    assert kg.search("a", limit=3) == every[:3]
    people = kg.search("a", cls="Person", limit=None)
    assert people and {r["class"] for r in people} == {"Person"}
    orgs = kg.search("a", cls="Organization", limit=None)
    assert {"AILab", "Company"} <= {r["class"] for r in orgs}  # subclasses count
    assert "Person" not in {r["class"] for r in orgs}
    assert kg.search("no such name anywhere") == []


@pytest.mark.parametrize("text", ["", "   ", None, 7])
def test_search_needs_text(kg, text):
    with pytest.raises(ConfigError, match="search needs some text to look for"):
        kg.search(text)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "3"])
def test_search_bad_limit(kg, limit):
    with pytest.raises(ConfigError, match="limit must be a whole number of at least 1"):
        kg.search("a", limit=limit)


def test_search_unknown_class_lists_the_classes(kg):
    with pytest.raises(ConfigError, match=r"unknown class 'Startup'; known: Person, Organization, .*City"):
        kg.search("a", cls="Startup")


# -- neighbours ----------------------------------------------------------------------------------
def test_neighbours_depth_one_are_the_entity_facts(kg):
    near = kg.neighbours("Anthropic")
    assert (near["iri"], near["label"], near["depth"]) == (ANTHROPIC, "Anthropic", 1)
    assert near["entities"][0] == {"iri": ANTHROPIC, "label": "Anthropic", "class": "AILab",
                                   "articles": 2, "distance": 0}
    ent = kg.entity("Anthropic")
    assert {e["iri"] for e in near["entities"][1:]} == {f["other"] for f in ent["facts"]}
    assert {e["distance"] for e in near["entities"][1:]} == {1}
    assert {(f["predicate"], f["object_iri"] if f["subject_iri"] == ANTHROPIC else f["subject_iri"])
            for f in near["facts"]} == {(f["predicate"], f["other"]) for f in ent["facts"]}
    for f in near["facts"]:
        assert list(f) == ["subject", "predicate", "object", "support", "confidence", "subject_iri",
                           "object_iri"]
        assert_real_fact(kg, f)
    dario = next(f for f in near["facts"] if f["subject_iri"] == DARIO and f["predicate"] == "founded")
    assert (dario["subject"], dario["object"], dario["support"]) == ("Dario Amodei", "Anthropic", 2)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_neighbours_distances_match_networkx(kg, depth):
    g = undirected(kg)
    for name in ("Anthropic", "Jensen Huang", "London"):
        near = kg.neighbours(name, depth)
        expected = nx.single_source_shortest_path_length(g, near["iri"], cutoff=depth)
        assert {e["iri"]: e["distance"] for e in near["entities"]} == expected
        distances = [e["distance"] for e in near["entities"]]
        assert distances == sorted(distances)
        inside = {e["iri"] for e in near["entities"]}
        for f in near["facts"]:
            assert {f["subject_iri"], f["object_iri"]} <= inside
            assert min(expected[f["subject_iri"]], expected[f["object_iri"]]) < depth


def test_neighbours_filters(kg, chain):
    strong = kg.neighbours("Anthropic", min_support=2)
    assert [(f["subject"], f["predicate"], f["object"]) for f in strong["facts"]] == [
        ("Dario Amodei", "founded", "Anthropic")]
    assert [e["label"] for e in strong["entities"]] == ["Anthropic", "Dario Amodei"]
    assert kg.neighbours("Anthropic", min_confidence=1.01)["entities"] == strong["entities"][:1]
    funds = chain.neighbours("OpenAI", predicates="funds")
    assert {f["subject"] for f in funds["facts"]} == {"Microsoft", "SoftBank"}
    both = chain.neighbours("OpenAI", 2, predicates=["funds", "kg:leads"])
    assert {e["label"] for e in both["entities"]} == {"OpenAI", "Microsoft", "SoftBank", "Satya Nadella"}


def test_neighbours_by_alias_iri_and_case(kg):
    by_label = kg.neighbours("Jensen Huang")
    assert kg.neighbours("huang") == by_label
    assert kg.neighbours(HUANG) == by_label
    assert kg.neighbours("  JENSEN huang ") == by_label


@pytest.mark.parametrize("depth", [0, -1, 1.5, "2", True, None])
def test_neighbours_bad_depth(kg, depth):
    with pytest.raises(ConfigError, match=r"depth must be a whole number of at least 1"):
        kg.neighbours("Anthropic", depth)


def test_neighbours_unknown_predicate_lists_the_valid_ones(kg):
    with pytest.raises(NotFound) as info:
        kg.neighbours("Anthropic", predicates=["funds", "invests_in"])
    assert "'invests_in'" in str(info.value)
    for name in PREDICATES:
        assert name in str(info.value)


# -- unknown entities ------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda g, n: g.neighbours(n), lambda g, n: g.timeline(n), lambda g, n: g.path(n, "Anthropic"),
    lambda g, n: g.path("Anthropic", n), lambda g, n: g.evidence(n, "founded", "Anthropic"),
    lambda g, n: g.evidence("Dario Amodei", "founded", n),
], ids=["neighbours", "timeline", "path-from", "path-to", "evidence-subject", "evidence-object"])
@pytest.mark.parametrize("name", ["Nobody Atall", ID + "person/nobody", "https://not an iri/", EVIL, ""])
def test_unknown_entity_is_not_found_naming_it(kg, call, name):
    with pytest.raises(NotFound) as info:
        call(kg, name)
    assert f"unknown entity {name.strip()!r}" in str(info.value)
    assert isinstance(info.value, KGError)


def test_unknown_entity_suggests_close_names(kg):
    with pytest.raises(NotFound, match=r"did you mean 'Anthropic'\?"):
        kg.timeline("Anthropik")
    with pytest.raises(NotFound, match=r"did you mean 'Jensen Huang'\?"):
        kg.neighbours("Jensen")  # a part of a name: found by search
    with pytest.raises(NotFound) as info:
        kg.neighbours("Zzyzx Qwerty")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("name", [None, 42, ["Anthropic"]])
def test_entity_names_must_be_strings(kg, name):
    with pytest.raises(ConfigError, match="an entity is named by a string"):
        kg.neighbours(name)


def test_entity_with_an_invalid_iri_is_none(kg):
    assert kg.entity("https://not an iri/{x}") is None


# -- path ----------------------------------------------------------------------------------------
def test_path_along_a_chain(chain):
    hops = chain.path("Sam Altman", "Satya Nadella")
    assert [(h["subject"], h["predicate"], h["object"], h["reversed"]) for h in hops] == [
        ("Sam Altman", "founded", "OpenAI", False), ("Microsoft", "funds", "OpenAI", True),
        ("Satya Nadella", "leads", "Microsoft", True)]
    walk = [ALTMAN]
    for h in hops:
        assert_real_fact(chain, h)
        here, there = (h["object_iri"], h["subject_iri"]) if h["reversed"] else (h["subject_iri"], h["object_iri"])
        assert here == walk[-1]
        walk.append(there)
    assert walk == [ALTMAN, OPENAI, MICROSOFT, NADELLA]
    funds = hops[1]
    assert funds["support"] == 2
    assert [e["sentence"] for e in funds["evidence"]] == ["Microsoft invested in OpenAI in 2019.",
                                                          "Microsoft invested in OpenAI in 2023."]
    assert funds["evidence"] == chain.evidence("Microsoft", "funds", "OpenAI")
    back = chain.path("Satya Nadella", "Sam Altman")
    assert [(h["subject"], h["reversed"]) for h in back] == [
        ("Satya Nadella", False), ("Microsoft", False), ("Sam Altman", True)]


def test_path_limits_and_disconnected(chain):
    assert chain.path("Sam Altman", "Satya Nadella", max_depth=2) is None
    assert len(chain.path("Sam Altman", "Satya Nadella", max_depth=3)) == 3
    assert chain.path("Sam Altman", "Dario Amodei", max_depth=10) is None  # another component
    assert chain.path("OpenAI", "openai") == []
    assert chain.path("Sam Altman", "Satya Nadella", predicates=["founded", "leads"]) is None
    assert chain.path("Sam Altman", "Satya Nadella", min_support=2) is None
    hops = chain.path("Sam Altman", "Satya Nadella", evidence=False)
    assert hops and all("evidence" not in h for h in hops)


def test_path_lengths_are_shortest(kg):
    g = undirected(kg)
    nodes = sorted(g.nodes)
    for a in (ANTHROPIC, HUANG, ID + "place/london"):
        lengths = nx.single_source_shortest_path_length(g, a)
        for b in nodes:
            hops = kg.path(a, b, max_depth=5, evidence=False)
            want = lengths.get(b)
            if want is None or want > 5:
                assert hops is None, (a, b)
            else:
                assert hops is not None and len(hops) == want, (a, b, hops)


def write_facts(graph: KnowledgeGraph, article_id: str, facts: list[tuple[str, str, str]]) -> None:
    """Store an article stating these facts between companies, without NLP."""
    names = sorted({n for s, _, o in facts for n in (s, o)})
    ents = tuple(Entity(key="org:" + n, name=n, cls="Company", iri=entity_iri(n, "Company")) for n in names)
    rels, start = [], 0
    for s, p, o in facts:
        sentence = f"{s} {p} {o}."
        rels.append(Relation(subject="org:" + s, predicate=p, object="org:" + o, sentence=sentence,
                             start=start, end=start + len(sentence), rule="test/manual", confidence=0.9))
        start += len(sentence) + 1
    article = Article(id=article_id, text=" ".join(r.sentence for r in rels), title=article_id)
    graph.store.replace_graph(article_iri(article_id), article_quads(Extraction(article, ents, (), tuple(rels))))


@pytest.mark.parametrize(("articles", "via"), [
    # two shortest paths; the one whose weakest fact is stated by more articles wins
    ([[("Alpha", "partners_with", "Beta"), ("Beta", "partners_with", "Delta"),
       ("Alpha", "partners_with", "Gamma"), ("Gamma", "partners_with", "Delta")],
      [("Alpha", "partners_with", "Gamma"), ("Gamma", "partners_with", "Delta")]], "Gamma"),
    # the same weakest support: the larger total wins
    ([[("Alpha", "partners_with", "Beta"), ("Beta", "partners_with", "Delta"),
       ("Alpha", "partners_with", "Gamma"), ("Delta", "acquires", "Gamma")],
      [("Delta", "acquires", "Gamma")], [("Delta", "acquires", "Gamma")]], "Gamma"),
    # all equal: the first by IRI, whatever order the facts were stored in
    ([[("Alpha", "partners_with", "Gamma"), ("Gamma", "partners_with", "Delta"),
       ("Alpha", "partners_with", "Beta"), ("Beta", "partners_with", "Delta")]], "Beta"),
], ids=["weakest-fact", "total-support", "tie"])
def test_path_prefers_the_best_supported_chain(empty_kg, articles, via):
    for i, facts in enumerate(articles):
        write_facts(empty_kg, f"a{i}", facts)
    for a, b in (("Alpha", "Delta"), ("Delta", "Alpha")):
        hops = empty_kg.path(a, b)
        assert len(hops) == 2
        assert via in {hops[0]["subject"], hops[0]["object"]}, hops


@pytest.mark.parametrize("max_depth", [0, -2, 2.0, None])
def test_path_bad_max_depth(chain, max_depth):
    with pytest.raises(ConfigError, match="max_depth must be a whole number"):
        chain.path("Sam Altman", "OpenAI", max_depth=max_depth)


# -- evidence ------------------------------------------------------------------------------------
def test_evidence_of_a_fact_stated_twice(kg):
    rows = kg.evidence("Dario Amodei", "founded", "Anthropic")
    assert len(rows) == 2
    assert {r["title"] for r in rows} == {"Anthropic Raises Money From Amazon", "Inside Google DeepMind"}
    assert [r["published"] for r in rows] == ["2025-02-03", None]  # dated articles first
    for r in rows:
        assert list(r) == ["sentence", "article", "title", "url", "published", "confidence", "rule", "date",
                           "amount", "currency", "start", "end", "assertion"]
        assert "Dario Amodei" in r["sentence"] and r["rule"].startswith("rules.v1/")
        assert r["article"].startswith("https://w3id.org/aikg/article/")
        assert 0 < r["confidence"] <= 1 and 0 <= r["start"] < r["end"]
    fact = next(f for f in kg.entity("Anthropic")["facts"] if f["other"] == DARIO and f["predicate"] == "founded")
    assert {r["sentence"] for r in rows} == {e["sentence"] for e in fact["evidence"]}


@pytest.mark.parametrize("pred", ["founded", " founded ", "Founded", "kg:founded", KG + "founded"])
@pytest.mark.parametrize(("subject", "obj"), [("Dario Amodei", "Anthropic"), SHARED_FACT[::2]])
def test_evidence_by_any_name_form(kg, pred, subject, obj):
    assert len(kg.evidence(subject, pred, obj)) == 2


def test_evidence_camel_case_predicate_and_values(chain, kg):
    money = kg.evidence("Amazon", "funds", "Anthropic")
    assert [(r["amount"], r["currency"]) for r in money] == [(4_000_000_000.0, "USD")]
    assert kg.evidence("Anthropic", "worksFor", "Amazon") == []
    dated = chain.evidence("Microsoft", "funds", "OpenAI")
    assert [(r["date"], r["published"], r["title"]) for r in dated] == [
        ("2019", "2025-01-10", "Early years"), ("2023", "2025-03-01", "Rounds")]


def test_evidence_of_a_fact_nobody_states_is_empty(kg):
    assert kg.evidence("Amazon", "founded", "Anthropic") == []


def test_evidence_of_symmetric_facts_reads_both_ways(chain):
    forward = chain.evidence("OpenAI", "partners_with", "SoftBank")
    assert [r["sentence"] for r in forward] == ["OpenAI partners with SoftBank."]
    assert chain.evidence("SoftBank", "partners_with", "OpenAI") == forward
    assert chain.evidence("OpenAI", "funds", "SoftBank") == []  # funds is not symmetric


@pytest.mark.parametrize("pred", ["invests", "found", "kg:nothing", KG + "nothing", "", None, 3])
def test_evidence_unknown_predicate_lists_the_valid_ones(kg, pred):
    with pytest.raises(NotFound) as info:
        kg.evidence("Dario Amodei", pred, "Anthropic")
    msg = str(info.value)
    assert msg.startswith(f"unknown predicate {pred!r}; valid: ")
    assert msg.endswith(", ".join(PREDICATES))


# -- timeline ------------------------------------------------------------------------------------
def test_timeline_in_date_order(chain):
    rows = chain.timeline("OpenAI")
    assert [(r["date"], r["date_source"], r["subject"], r["predicate"], r["object"]) for r in rows] == [
        ("2015", "stated", "Sam Altman", "founded", "OpenAI"),
        ("2019", "stated", "Microsoft", "funds", "OpenAI"),
        ("2023", "stated", "Microsoft", "funds", "OpenAI"),
        ("2025-03-01", "published", "SoftBank", "funds", "OpenAI"),
        (None, None, "OpenAI", "partners_with", "SoftBank"),
    ]
    first = rows[0]
    assert list(first) == ["date", "date_source", "subject", "predicate", "object", "direction", "other",
                           "other_label", "amount", "currency", "support", "confidence", "sentence",
                           "article"]
    assert (first["direction"], first["other"], first["other_label"]) == ("in", ALTMAN, "Sam Altman")
    assert first["sentence"] == "Sam Altman founded OpenAI in 2015."
    assert rows[-1]["direction"] == "out" and rows[-1]["other"] == SOFTBANK
    assert [r["support"] for r in rows] == [1, 1, 1, 1, 1]


def test_timeline_filters_and_other_side(chain, kg):
    assert [r["date"] for r in chain.timeline("OpenAI", predicates="funds")] == ["2019", "2023", "2025-03-01"]
    assert chain.timeline("OpenAI", min_support=2) == [r for r in chain.timeline("OpenAI", predicates="funds")
                                                       if r["subject"] == "Microsoft"]
    assert [(r["date"], r["direction"], r["other_label"]) for r in chain.timeline("Microsoft")] == [
        ("2019", "out", "OpenAI"), ("2023", "out", "OpenAI"), ("2025-01-10", "in", "Satya Nadella")]
    # the corpus: Anthropic's founding is dated 2021 by its own clause in article 01
    founded = kg.timeline("Anthropic", predicates=["founded"])
    assert founded[0]["date"] == "2021" and founded[0]["date_source"] == "stated"
    dates = [r["date"] for r in kg.timeline("Anthropic")]
    known = [d for d in dates if d is not None]
    assert known == sorted(known) and dates[:len(known)] == known


# -- the networkx projection ------------------------------------------------------------------------
def test_networkx_nodes_carry_types_and_counts(kg):
    g = kg.to_networkx()
    for _, d in g.nodes(data=True):
        assert d["types"][0] == d["cls"] and d["types"][-1] == d["root"]
        assert d["articles"] >= 1 and d["label"]
    assert g.nodes[ID + "hardware/blackwell"]["types"] == ["Chip", "Hardware"]
    for *_, d in g.edges(data=True):
        assert d["support"] >= 1 and 0 < d["confidence"] <= 1


def test_simple_graph_sums_support(kg):
    g = kg.to_networkx()
    simple = analysis.simple_graph(g)
    assert set(simple.nodes) == set(g.nodes)
    for a, b, d in simple.edges(data=True):
        facts = [e for e in itertools.chain(g.get_edge_data(a, b, default={}).values(),
                                            g.get_edge_data(b, a, default={}).values())]
        assert d["weight"] == sum(f["support"] for f in facts)
        assert d["predicates"] == sorted({f["predicate"] for f in facts})


# -- centrality ------------------------------------------------------------------------------------
def test_degree_centrality_matches_networkx(kg):
    rows = kg.centrality("degree", limit=None)
    expected = nx.degree_centrality(undirected(kg))
    assert {r["iri"]: r["score"] for r in rows} == expected
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert list(rows[0]) == ["iri", "label", "class", "articles", "score"]
    assert kg.centrality() == rows[:10]
    assert kg.centrality(limit=2) == rows[:2]


def test_betweenness_matches_networkx(kg):
    rows = kg.centrality("betweenness", limit=None)
    expected = nx.betweenness_centrality(undirected(kg))
    assert {r["iri"]: r["score"] for r in rows} == pytest.approx(expected)


def test_pagerank_is_the_fixed_point(chain):
    rows = chain.centrality("pagerank", limit=None)
    ranks = {r["iri"]: r["score"] for r in rows}
    assert sum(ranks.values()) == pytest.approx(1.0)
    d = analysis.simple_digraph(chain.to_networkx())
    n, alpha = d.number_of_nodes(), 0.85
    out = {u: sum(w for *_, w in d.out_edges(u, data="weight")) for u in d}
    dangling = sum(ranks[u] for u in d if not out[u])
    for v in d:
        inflow = sum(ranks[u] * w / out[u] for u, _, w in d.in_edges(v, data="weight"))
        assert ranks[v] == pytest.approx(alpha * (inflow + dangling / n) + (1 - alpha) / n, abs=1e-9)
    assert rows[0]["label"] == "OpenAI"  # funded twice, founded, and a partner


def test_pagerank_agrees_with_networkx_when_scipy_is_there(kg):
    pytest.importorskip("scipy")
    d = analysis.simple_digraph(kg.to_networkx())
    assert analysis.pagerank(d) == pytest.approx(nx.pagerank(d, weight="weight", tol=1e-12), abs=1e-8)


def test_pagerank_of_an_empty_graph():
    assert analysis.pagerank(nx.DiGraph()) == {}
    assert analysis.centrality(nx.MultiDiGraph(), "pagerank") == []


def test_centrality_by_class(kg):
    people = kg.centrality("degree", cls="Person", limit=None)
    assert people and {r["class"] for r in people} == {"Person"}
    every = kg.centrality("degree", limit=None)
    assert people == [r for r in every if r["class"] == "Person"]
    orgs = kg.centrality("degree", cls="Organization", limit=None)
    assert {"AILab", "Company"} <= {r["class"] for r in orgs}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "closeness"}, "unknown centrality kind 'closeness'; valid: degree, pagerank, betweenness"),
    ({"kind": "PageRank"}, "unknown centrality kind 'PageRank'"),
    ({"limit": 0}, "limit must be"), ({"limit": -5}, "limit must be"), ({"limit": 1.5}, "limit must be"),
    ({"cls": "Startup"}, "unknown class 'Startup'"),
])
def test_centrality_bad_arguments(kg, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        kg.centrality(**kwargs)


# -- communities -----------------------------------------------------------------------------------
def test_communities_partition_the_connected_entities(chain):
    groups = chain.communities()
    members = [m["iri"] for group in groups for m in group]
    assert len(members) == len(set(members))
    sizes = [len(group) for group in groups]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 2
    g = undirected(chain)
    component = {n: i for i, comp in enumerate(nx.connected_components(g)) for n in comp}
    for group in groups:
        assert len({component[m["iri"]] for m in group}) == 1  # never across components
        assert list(group[0]) == ["iri", "label", "class", "articles"]
        counts = [m["articles"] for m in group]
        assert counts == sorted(counts, reverse=True)
    anthropic = next(group for group in groups if any(m["iri"] == ANTHROPIC for m in group))
    assert {m["label"] for m in anthropic} == {"Anthropic", "Amazon", "Dario Amodei"}
    assert set(members) == {n for n in g if g.degree(n) > 0}


def test_communities_are_deterministic_and_filtered(kg):
    first = kg.communities()
    assert kg.communities() == first
    assert kg.communities(method="greedy") == kg.communities(method="greedy")
    assert all(len(group) >= 3 for group in kg.communities(min_size=3))
    singles = kg.communities(min_size=1)
    assert sum(len(group) for group in singles) == kg.to_networkx().number_of_nodes()
    assert kg.communities(min_support=99) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "leiden"}, "unknown community method 'leiden'; valid: louvain, greedy"),
    ({"min_size": 0}, "min_size must be"), ({"min_size": "2"}, "min_size must be"),
])
def test_communities_bad_arguments(kg, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        kg.communities(**kwargs)


def test_analysis_on_an_empty_graph(empty_kg):
    assert empty_kg.centrality() == [] and empty_kg.communities() == []
    with pytest.raises(NotFound):
        empty_kg.neighbours("Anthropic")
    assert empty_kg.search("Anthropic") == []


# -- injection safety ------------------------------------------------------------------------------
@pytest.fixture
def evil(empty_kg):
    """A graph with an entity whose name is made of SPARQL syntax, written directly (no NLP),
    and a spy on every query the API sends."""
    graph = empty_kg
    name, other = 'Evil "Corp" } ; DROP ALL ; { <x> \\', "Acme Robotics"
    ents = (Entity(key="org:evil", name=name, cls="Company", aliases=("Evil'Co {",),
                   iri=entity_iri(name, "Company")),
            Entity(key="org:acme", name=other, cls="Company", iri=entity_iri(other, "Company")))
    text = f"{name} acquired {other}."
    rel = Relation(subject="org:evil", predicate="acquires", object="org:acme", sentence=text, start=0,
                   end=len(text), rule="test/manual", confidence=0.5, date="2024")
    article = Article(id="evil", text=text, title=EVIL, published="2024-06-01")
    graph.store.replace_graph(article_iri("evil"), article_quads(Extraction(article, ents, (), (rel,))))
    sent: list[str] = []
    real = graph.query

    def spy(sparql, **kwargs):
        sent.append(sparql)
        return real(sparql, **kwargs)

    graph.query = spy
    yield graph, name, sent
    del graph.query


def test_names_made_of_sparql_syntax_are_plain_data(evil):
    graph, name, sent = evil
    before = set(graph.store.quads())
    iri = entity_iri(name, "Company")
    assert [r["iri"] for r in graph.search('"Corp" } ;')] == [iri]
    assert graph.search("evil'co {")[0]["matched"] == "Evil'Co {"
    assert graph.entity(name)["iri"] == iri
    assert graph.entity("EVIL'CO {")["iri"] == iri
    near = graph.neighbours(name)
    assert [e["label"] for e in near["entities"]] == [name, "Acme Robotics"]
    hops = graph.path(name, "Acme Robotics")
    assert [(h["subject"], h["predicate"], h["object"]) for h in hops] == [(name, "acquires", "Acme Robotics")]
    rows = graph.evidence(name, "acquires", "Acme Robotics")
    assert [(r["title"], r["date"]) for r in rows] == [(EVIL, "2024")]
    assert [(t["date"], t["object"]) for t in graph.timeline(name)] == [("2024", "Acme Robotics")]
    for call in (graph.neighbours, graph.timeline, lambda n: graph.path(n, name),
                 lambda n: graph.evidence(name, "acquires", n), graph.entity):
        try:
            assert call(EVIL) is None
        except NotFound:
            pass
    with pytest.raises(NotFound):
        graph.evidence(name, EVIL, "Acme Robotics")
    assert graph.search(EVIL) == []
    assert set(graph.store.quads()) == before
    assert sent
    for sparql in sent:  # no user value ever reached the query text
        for fragment in ("DROP", "Evil", "Corp", "Acme", "evil'co", "<x>"):
            assert fragment.lower() not in sparql.lower(), (fragment, sparql)


def test_every_bound_variable_is_projected_and_in_the_pattern(chain, monkeypatch):
    """What remote stores need: a bound variable in the SELECT clause (or an ASK) and in the
    WHERE pattern, so a VALUES block at the start of the WHERE clause binds it."""
    seen = []
    real = chain.query

    def spy(sparql, *, bindings=None, **kwargs):
        if bindings:
            seen.append((sparql, set(bindings)))
        return real(sparql, bindings=bindings, **kwargs)

    monkeypatch.setattr(chain, "query", spy)
    chain.search("open")
    chain.neighbours("OpenAI", 2)
    chain.path("Sam Altman", "Satya Nadella")
    chain.evidence("OpenAI", "partners_with", "SoftBank")
    chain.timeline("OpenAI")
    chain.entity("OpenAI")
    with pytest.raises(NotFound):
        chain.timeline("Opn AI")
    assert len(seen) > 10
    for sparql, names in seen:
        text = sparql.strip()
        if text.startswith("ASK"):
            head, body = "", text
        else:
            head, _, body = text.partition("WHERE")
        for name in names:
            assert text.startswith("ASK") or f"?{name} " in head + " ", (name, sparql)
            assert f"?{name} " in body or f"?{name})" in body, (name, sparql)


class ValuesBound(KnowledgeGraph):
    """Binds values the way a remote store does: a VALUES block at the start of the WHERE
    clause (of the outermost query, or of an ASK) instead of substitution."""

    def query(self, sparql, *, dataframe=False, bindings=None):
        if bindings:
            names = " ".join(f"?{k}" for k in bindings)
            terms = " ".join(str(_term(v)) for v in bindings.values())
            sparql, n = re.subn(r"\bWHERE\s*\{|^\s*ASK\s*\{", lambda m: f"{m.group(0)} VALUES ({names}) {{ ({terms}) }}",
                                sparql, count=1)
            assert n == 1, sparql
        return super().query(sparql, dataframe=dataframe)


@pytest.mark.parametrize("call", [
    lambda g: g.search("a", limit=None), lambda g: g.search("huang"), lambda g: g.entity("Anthropic"),
    lambda g: g.neighbours("Anthropic", 2), lambda g: g.path("Jensen Huang", "London", max_depth=6),
    lambda g: g.evidence("Dario Amodei", "founded", "Anthropic"), lambda g: g.timeline("Anthropic"),
    lambda g: g.timeline(ANTHROPIC, predicates="funds"),
], ids=["search", "search-alias", "entity", "neighbours", "path", "evidence", "timeline", "timeline-iri"])
def test_the_same_answers_when_values_are_bound_by_a_values_block(kg, call):
    """The research API gives the same answers on a store that binds by VALUES, as the remote
    stores do: every bound variable is in the pattern, and no answer depends on row order."""
    assert call(ValuesBound(kg.store)) == call(kg)


def test_scores_are_finite(kg):
    for kind in analysis.KINDS:
        assert all(math.isfinite(r["score"]) for r in kg.centrality(kind, limit=None))
