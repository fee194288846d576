"""Tests for the Python API: the KnowledgeGraph facade (kg/api.py)."""
from __future__ import annotations

import re
import warnings
from decimal import Decimal

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import CORPUS, SHARED_FACT, write_corpus

from kg import plugins
from kg.api import IngestReport, KnowledgeGraph
from kg.errors import ExportError, PluginNotFound, QueryError, ReadError
from kg.model import Article, Extraction
from kg.vocab import KG, PREDICATE_SNAKE, PREDICATES

FACTS = ("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o VALUES ?p { "
         + " ".join(f"kg:{p}" for p in PREDICATES.values()) + " } }")
EVIL = 'x" } ; DROP ALL ; #'


@pytest.fixture(scope="module")
def kg(backend_kg):
    """The three own-words articles in each backend (embedded, Oxigraph server, Virtuoso),
    opened read-only: the same tests run against all three."""
    return backend_kg


@pytest.fixture
def mem(empty_kg):
    """An empty writable graph in each backend."""
    return empty_kg


# -- opening and ingesting -------------------------------------------------------------------
def test_new_graph_starts_empty(mem):
    # a server has graphs of its own (Virtuoso's system graphs): count the project's only
    assert mem.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g a kg:Article . ?s ?p ?o } }") == [{"n": 0}]
    assert mem.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": 0}]
    assert len(mem.store) == 0 and mem.store.named_graphs() == []
    assert mem.stats()["articles"] == 0


def test_open_persists_and_context_manager_closes(tmp_path, nlp_ready):
    path = tmp_path / "store"
    with KnowledgeGraph.open(path) as graph:
        report = graph.ingest_text(CORPUS["02-nvidia.txt"], title="Nvidia note")
        rows = graph.query(FACTS)
    assert report.new == 1 and rows
    assert path.is_dir()
    # closed by the with block: a new writer can take the store, and sees the same facts
    with KnowledgeGraph.open(path) as again:
        assert again.query(FACTS) == rows
        assert again.query("SELECT ?h WHERE { ?a schema:headline ?h }") == [{"h": "Nvidia note"}]


def test_ingest_paths_reports_each_outcome(mem, small_corpus, tmp_path):
    missing = tmp_path / "missing.txt"
    report = mem.ingest([small_corpus, missing])
    assert isinstance(report, IngestReport)
    assert (report.read, report.new, report.updated, report.unchanged) == (3, 3, 0, 0)
    assert report.failed == [(str(missing), "no such file or folder")]
    assert not report.ok
    assert report.entities > 0 and report.relations > 0
    assert mem.stats()["articles"] == 3

    again = mem.ingest(small_corpus)  # a single path works too
    assert (again.read, again.new, again.unchanged, again.ok) == (3, 0, 3, True)
    assert (again.entities, again.relations) == (0, 0)


def test_ingest_text_records_metadata(mem):
    report = mem.ingest_text(CORPUS["01-anthropic.txt"], title="A profile", url="https://example.com/a",
                             published="2025-02-03", source="notes/anthropic")
    assert (report.read, report.new, report.ok) == (1, 1, True)
    node = mem.query("SELECT ?a ?h ?u ?d ?s WHERE { ?a a kg:Article ; schema:headline ?h ; "
                     "schema:url ?u ; schema:datePublished ?d ; kg:source ?s }")
    assert len(node) == 1
    row = node[0]
    assert (row["h"], row["u"], row["d"], row["s"]) == ("A profile", "https://example.com/a", "2025-02-03",
                                                      "notes/anthropic")
    assert mem.query("ASK { ?a schema:datePublished ?d FILTER (datatype(?d) = xsd:date) }") is True
    again = mem.ingest_text(CORPUS["01-anthropic.txt"], title="A profile", url="https://example.com/a",
                            published="2025-02-03", source="elsewhere")
    assert (again.read, again.unchanged) == (1, 1)
    # the identity is the URL: the same text without it is another article
    assert mem.ingest_text(CORPUS["01-anthropic.txt"]).new == 1


@pytest.mark.parametrize("text", ["", "   \n\t\n", "\ufeff\u200b"])
def test_ingest_text_refuses_empty_text(mem, text):
    report = mem.ingest_text(text, source="empty-note")
    assert not report.ok
    assert report.failed[0][0] == "empty-note"
    assert "empty" in report.failed[0][1]
    assert len(mem.store) == 0


def test_extract_yields_in_order_with_read_errors(mem, small_corpus, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    items = list(mem.extract([small_corpus / "01-anthropic.txt", bad, small_corpus / "02-nvidia.txt"]))
    assert [type(i) for i in items] == [Extraction, ReadError, Extraction]
    assert items[1].source == str(bad)
    assert items[2].article.source == str(small_corpus / "02-nvidia.txt")
    assert len(mem.store) == 0  # extraction alone writes nothing


def test_ingest_article_objects(mem):
    art = Article(id="fixed-id", text="Jensen Huang founded Nvidia in 1993.", title="Note", source="memo")
    report = mem.ingest([art])
    assert report.new == 1
    assert mem.store.named_graphs() == ["https://w3id.org/aikg/article/fixed-id"]


# -- querying ----------------------------------------------------------------------------------
def test_select_rows_are_dicts_with_python_values(kg):
    rows = kg.query("""SELECT ?x ?conf ?start ?rule ?missing WHERE {
        ?x a kg:Assertion ; kg:confidence ?conf ; kg:startOffset ?start ; kg:rule ?rule
        OPTIONAL { ?x kg:noSuchProperty ?missing } } ORDER BY ?x""")
    assert rows
    for row in rows:
        assert list(row) == ["x", "conf", "start", "rule", "missing"]
        assert isinstance(row["x"], str) and row["x"].startswith("https://w3id.org/aikg/assertion/")
        assert isinstance(row["conf"], float) and 0 <= row["conf"] <= 1
        assert isinstance(row["start"], int) and row["start"] >= 0
        assert row["rule"].startswith("rules.v1/")
        assert row["missing"] is None
    count = kg.query("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kg:Assertion }")
    assert count == [{"n": len(rows)}]


def test_dataframe_has_the_same_rows(kg):
    pd = pytest.importorskip("pandas")
    q = "SELECT ?e ?label WHERE { ?e rdfs:label ?label } ORDER BY ?e ?label"
    rows = kg.query(q)
    df = kg.query(q, dataframe=True)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["e", "label"]
    assert df.to_dict("records") == rows
    assert len(df) == len(rows) > 0


def test_ask_returns_bool(kg):
    yes = kg.query("ASK { ?s kg:founded ?o }")
    no = kg.query("ASK { ?s kg:founded <https://example.org/nothing> }")
    assert yes is True and no is False


def test_construct_returns_tuples(kg):
    triples = kg.query("CONSTRUCT { ?s kg:founded ?o } WHERE { ?s kg:founded ?o }")
    rows = kg.query("SELECT ?s ?o WHERE { ?s kg:founded ?o }")
    assert triples and all(isinstance(t, tuple) and len(t) == 3 for t in triples)
    assert set(triples) == {(r["s"], KG + "founded", r["o"]) for r in rows}
    assert SHARED_FACT in set(triples)


def test_merged_default_graph_has_no_duplicate_rows(kg):
    # two articles state "Dario Amodei founded Anthropic"; the merged graph holds it once
    s, p, o = SHARED_FACT
    per_graph = kg.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a kg:Article . <{s}> <{p}> <{o}> }} }}")
    merged = kg.query(f"SELECT * WHERE {{ <{s}> <{p}> <{o}> }}")
    assert len(per_graph) == 2
    assert len(merged) == 1
    rows = kg.query("SELECT ?s ?o WHERE { ?s kg:founded ?o }")
    assert len(rows) == len({(r["s"], r["o"]) for r in rows})


def test_malformed_query_raises_query_error(kg):
    # the position: line:column from Oxigraph, "line N" from Virtuoso
    with pytest.raises(QueryError, match=r"malformed query: .*(\b\d+:\d+\b|line \d+)"):
        kg.query("SELECT ?x WHERE { ?x kg:founded")


@pytest.mark.parametrize("update", [
    "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }",
    "DROP ALL",
    "DELETE WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_and_store_unchanged(mem, update):
    mem.ingest_text(CORPUS["02-nvidia.txt"])
    before = set(mem.store.quads())
    with pytest.raises(QueryError, match="not allowed"):
        mem.query(update)
    assert set(mem.store.quads()) == before


def test_bindings_are_values_not_query_text(mem):
    mem.ingest_text(CORPUS["02-nvidia.txt"], title=EVIL)
    mem.ingest_text(CORPUS["01-anthropic.txt"], title="Plain title")
    before = set(mem.store.quads())
    rows = mem.query("SELECT ?q ?a WHERE { ?a schema:headline ?q }", bindings={"q": EVIL})
    assert [r["q"] for r in rows] == [EVIL]
    assert len(mem.query("SELECT ?q ?a WHERE { ?a schema:headline ?q }", bindings={"q": "nope"})) == 0
    assert set(mem.store.quads()) == before


def test_bindings_of_terms_and_numbers(kg):
    node = ox.NamedNode("https://w3id.org/aikg/id/org/anthropic")
    rows = kg.query("SELECT ?e ?l WHERE { ?e rdfs:label ?l }", bindings={"e": node})
    assert rows == [{"e": node.value, "l": "Anthropic"}]
    assert kg.query("SELECT ?n WHERE { ?x kg:startOffset ?n }", bindings={"n": 0})
    assert kg.query("SELECT ?n WHERE { ?x kg:startOffset ?n }", bindings={"n": 987654}) == []


def test_binding_a_variable_outside_the_projection(kg):
    """The README's own example binds ?name, which the SELECT does not project. It must either
    work, or fail as a QueryError (a KGError), never with a bare pyoxigraph RuntimeError."""
    try:
        rows = kg.query("SELECT ?e WHERE { ?e rdfs:label ?name }", bindings={"name": "Anthropic"})
    except QueryError:
        return
    assert rows == [{"e": "https://w3id.org/aikg/id/org/anthropic"}]


@pytest.mark.parametrize("template", [
    "SELECT (COUNT(?e) AS ?n) WHERE { ?e rdfs:label NAME }",
    "SELECT ?e WHERE { { SELECT ?e WHERE { ?e rdfs:label NAME } } } ORDER BY ?e",
    "SELECT ?e WHERE { ?e rdfs:label NAME } "
    "VALUES ?e { <https://w3id.org/aikg/id/org/anthropic> <https://w3id.org/aikg/id/model/claude> }",
    "SELECT ?e WHERE { ?e rdfs:label NAME } ORDER BY ?e LIMIT 3",
    "SELECT ?e WHERE { ?e rdfs:label NAME } # a trailing comment",
], ids=["aggregate", "subquery", "trailing-values", "limit", "trailing-comment"])
def test_unprojected_binding_constrains_or_is_refused(kg, template):
    """A binding of a variable the query does not project must constrain the query exactly as
    the same value written into the query would, or be refused with a QueryError; it must
    never be silently ignored (aggregates, subqueries) nor break a valid query."""
    expected = kg.query(template.replace("NAME", '"Anthropic"'))
    assert expected and expected != kg.query(template.replace("NAME", "?other"))
    try:
        got = kg.query(template.replace("NAME", "?name"), bindings={"name": "Anthropic"})
    except QueryError as exc:
        assert "name" in str(exc)
        return
    assert got == expected


# -- entities ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Jensen Huang", "jensen huang", "  Jensen Huang ", "Huang",
                                  "https://w3id.org/aikg/id/person/jensen-huang"])
def test_entity_by_label_alias_or_iri(kg, name):
    ent = kg.entity(name)
    assert ent is not None
    assert ent["iri"] == "https://w3id.org/aikg/id/person/jensen-huang"
    assert ent["label"] == "Jensen Huang"
    assert ent["class"] == "Person"
    assert "Huang" in ent["aliases"]


@pytest.mark.parametrize("name", ["Nobody Atall", "https://w3id.org/aikg/id/person/nobody", EVIL])
def test_entity_unknown_is_none(kg, name):
    assert kg.entity(name) is None


def test_entity_facts_carry_evidence_title_and_support(kg):
    ent = kg.entity("Anthropic")
    assert ent["class"] == "AILab" and "AILab" in ent["types"]
    assert ent["articles"] == 2
    fact = next(f for f in ent["facts"]
                if f["predicate"] == "founded" and f["other"] == SHARED_FACT[0])
    assert fact["direction"] == "in"
    assert fact["other_label"] == "Dario Amodei"
    assert fact["support"] == 2
    titles = {ev["title"] for ev in fact["evidence"]}
    assert titles == {"Anthropic Raises Money From Amazon", "Inside Google DeepMind"}
    for ev in fact["evidence"]:
        assert "Dario Amodei" in ev["sentence"]
        assert ev["article"].startswith("https://w3id.org/aikg/article/")
        assert 0 < ev["confidence"] <= 1
    dated = [ev for ev in fact["evidence"] if ev["title"] == "Anthropic Raises Money From Amazon"]
    assert dated[0]["published"] == "2025-02-03"
    assert fact["confidence"] == max(ev["confidence"] for ev in fact["evidence"])
    # every fact of the entity is a real triple of the merged graph
    for f in ent["facts"]:
        p = KG + PREDICATES[f["predicate"]]
        s, o = (ent["iri"], f["other"]) if f["direction"] == "out" else (f["other"], ent["iri"])
        assert kg.query(f"ASK {{ <{s}> <{p}> <{o}> }}") is True


# -- projections -------------------------------------------------------------------------------
def test_to_networkx_nodes_and_edges(kg):
    g = kg.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    mentioned = {r["e"] for r in kg.query("SELECT DISTINCT ?e WHERE { ?a schema:mentions ?e }")}
    assert set(g.nodes) == mentioned
    for n, d in g.nodes(data=True):
        assert {"label", "cls", "root", "aliases", "articles"} <= set(d)
        assert kg.query(f"ASK {{ <{n}> rdfs:label ?l FILTER (?l = {ox.Literal(d['label'])}) }}")
        assert d["articles"] >= 1
    assert "Huang" in g.nodes["https://w3id.org/aikg/id/person/jensen-huang"]["aliases"]
    assert g.nodes[SHARED_FACT[2]]["articles"] == 2
    assert g.nodes["https://w3id.org/aikg/id/hardware/blackwell"]["cls"] == "Chip"
    assert g.nodes["https://w3id.org/aikg/id/hardware/blackwell"]["root"] == "Hardware"

    facts = {(r["s"], PREDICATE_SNAKE[r["p"].rsplit("#", 1)[1]], r["o"]) for r in kg.query(FACTS)}
    assert {(s, d["predicate"], o) for s, o, d in g.edges(data=True)} == facts
    assert g.number_of_edges() == len(facts)
    for _s, _o, key, d in g.edges(keys=True, data=True):
        assert key == d["predicate"]
        assert {"predicate", "support", "confidence", "evidence"} <= set(d)
        assert d["support"] == len({ev["article"] for ev in d["evidence"]})
        assert d["confidence"] == max(ev["confidence"] for ev in d["evidence"])
        assert all(ev["sentence"] for ev in d["evidence"])
    founded = g.get_edge_data(SHARED_FACT[0], SHARED_FACT[2], key="founded")
    assert founded["support"] == 2


def test_to_networkx_thresholds(kg):
    full = kg.to_networkx()
    strong = kg.to_networkx(min_support=2)
    assert 0 < strong.number_of_edges() < full.number_of_edges()
    assert all(d["support"] >= 2 for *_, d in strong.edges(data=True))
    confident = kg.to_networkx(min_confidence=0.8)
    assert all(d["confidence"] >= 0.8 for *_, d in confident.edges(data=True))
    assert confident.number_of_edges() == sum(1 for *_, d in full.edges(data=True) if d["confidence"] >= 0.8)


def test_to_rdflib_emits_no_warnings(kg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kg.to_rdflib()


def test_to_rdflib_one_graph_per_article(kg):
    ds = kg.to_rdflib()
    assert isinstance(ds, rdflib.Dataset)
    named = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert sorted(named) == kg.store.named_graphs()
    assert len(named) == len(CORPUS)
    for iri, g in named.items():
        n = kg.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")[0]["n"]
        assert len(g) == n
        assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef(KG + "Article")) in g
    confs = [c for g in named.values() for c in g.objects(None, rdflib.URIRef(KG + "confidence"))]
    assert confs and all(isinstance(c.toPython(), Decimal) for c in confs)


# -- export and validation ---------------------------------------------------------------------
def test_export_infers_format_from_suffix(kg, tmp_path):
    out = kg.export(tmp_path / "graph.ttl")
    assert out == tmp_path / "graph.ttl"
    g = rdflib.Graph().parse(out, format="turtle")
    assert len(g) == len(list(kg.store.merged_triples()))
    explicit = kg.export(tmp_path / "graph.data", "nt")
    assert set(rdflib.Graph().parse(explicit, format="nt")) == set(g)


def test_export_unknown_format_lists_available(kg, tmp_path):
    with pytest.raises(PluginNotFound) as info:
        kg.export(tmp_path / "graph.xyz")
    msg = str(info.value)
    assert "'xyz'" in msg
    for name in plugins.available("kg.exporters"):
        assert re.search(rf"\b{name}\b", msg)
    assert not (tmp_path / "graph.xyz").exists()


def test_export_into_missing_folder(kg, tmp_path):
    target = tmp_path / "nowhere" / "graph.ttl"
    with pytest.raises(ExportError, match=re.escape(str(target))):
        kg.export(target, "ttl")
    assert not target.parent.exists()


def test_validate_ingested_graph(kg):
    assert kg.validate() == []


def test_stats_counts(kg):
    stats = kg.stats()
    assert stats["articles"] == len(CORPUS)
    assert stats["quads"] == len(kg.store)
    assert stats["facts"] == len(kg.query(FACTS))
    assert stats["assertions"] >= stats["facts"]
    assert stats["facts_by_predicate"]["founded"] == len(kg.query("SELECT DISTINCT ?s ?o WHERE { ?s kg:founded ?o }"))


def test_ingest_corpus_in_a_fresh_folder_twice_gives_identical_store(tmp_path, nlp_ready):
    """Determinism: the same corpus ingested into two stores gives the same quads."""
    corpus = write_corpus(tmp_path / "c")
    stores = []
    for name in ("one", "two"):
        with KnowledgeGraph.open(tmp_path / name) as graph:
            graph.ingest([corpus])
            stores.append(set(graph.store.oxigraph))
    assert stores[0] == stores[1]


def test_extract_keeps_the_given_order_and_survives_a_failing_article(monkeypatch):
    from kg.api import KnowledgeGraph
    from kg.errors import ReadError
    from kg.model import Article

    kg = KnowledgeGraph.memory()
    a = Article(id="a", text="Microsoft invested in OpenAI.", source="a")
    bad = Article(id="bad", text="Nvidia makes chips.", source="bad")
    real = kg.extractor.from_doc

    def from_doc(doc, article):
        if article.id == "bad":
            raise RuntimeError("boom")
        return real(doc, article)

    monkeypatch.setattr(kg.extractor, "from_doc", from_doc)
    out = list(kg.extract([a, bad, a, bad, a]))
    kinds = [x.article.id if not isinstance(x, ReadError) else "error" for x in out]
    assert kinds == ["a", "error", "a", "error", "a"]
    assert "extraction failed: boom" in out[1].reason
