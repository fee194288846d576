"""Tests for the store (kg/store.py), the RDF mapping (kg/rdfmap.py), SHACL validation
(kg/ontology.py) and IRI minting (kg/iri.py)."""
from __future__ import annotations

import hashlib
import re

import pyoxigraph as ox
import pytest
import rdflib
from conftest import CORPUS, rdflib_graph, write_corpus

from kg.api import KnowledgeGraph
from kg.errors import QueryError, StoreError
from kg.iri import article_iri, entity_iri, entity_key, normalise_name, slug, text_id
from kg.model import Article, Entity, Extraction, Relation
from kg.ontology import validate_graph
from kg.rdfmap import article_quads
from kg.store import Store
from kg.vocab import CLASS_PARENT, FAMILY, ID, KG, PREFIXES, root

XSD = PREFIXES["xsd"]


def make_extraction(article_id: str, facts, *, title: str | None = None,
                    published: str | None = None, confidence: float = 0.9) -> Extraction:
    """A hand-built Extraction (no NLP): facts are (subject, class, predicate, object, class, sentence)."""
    text = " ".join(f[5] for f in facts)
    entities: dict[str, Entity] = {}
    relations = []
    pos = 0
    for sname, scls, pred, oname, ocls, sentence in facts:
        for name, cls in ((sname, scls), (oname, ocls)):
            key = entity_key(name, cls)
            entities.setdefault(key, Entity(key=key, name=name, cls=cls, iri=entity_iri(name, cls),
                                            text_name=name))
        start = text.index(sentence, pos)
        pos = start + len(sentence)
        relations.append(Relation(entity_key(sname, scls), pred, entity_key(oname, ocls), sentence,
                                  start, pos, "rules.v1/test", confidence))
    article = Article(id=article_id, text=text, title=title, published=published, source=f"test/{article_id}")
    return Extraction(article, tuple(entities.values()), (), tuple(relations))


SHARED = ("Dario Amodei", "Person", "founded", "Anthropic", "AILab", "Dario Amodei founded Anthropic.")
ONLY_A = ("Amazon", "Company", "funds", "Anthropic", "AILab", "Amazon funds Anthropic.")
ONLY_B = ("Anthropic", "AILab", "develops", "Claude", "AIModel", "Anthropic develops Claude.")
FACT = (ox.NamedNode(entity_iri("Dario Amodei", "Person")), ox.NamedNode(KG + "founded"),
        ox.NamedNode(entity_iri("Anthropic", "AILab")))


def graph_triples(store: Store, graph: str) -> set[ox.Triple]:
    return {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def merged(store: Store) -> set[ox.Triple]:
    return set(store.merged_triples())


def union_of_graphs(store: Store) -> set[ox.Triple]:
    return {q.triple for q in store.quads()}


# -- persistence, replacement, the merged graph ------------------------------------------------
def test_on_disk_store_persists_across_reopen(tmp_path):
    ex = make_extraction("a1", [SHARED, ONLY_A])
    store = Store(tmp_path / "db")
    store.replace_graph(article_iri("a1"), article_quads(ex))
    before = set(store.oxigraph)
    store.close()

    again = Store(tmp_path / "db")
    try:
        assert set(again.oxigraph) == before
        assert again.named_graphs() == [article_iri("a1")]
        assert again.graph_hash(article_iri("a1")) == hashlib.sha256(ex.article.text.encode()).hexdigest()
        assert again.graph_hash(article_iri("other")) is None
    finally:
        again.close()


def test_replace_graph_replaces_every_old_triple(tmp_path):
    g = article_iri("same-id")
    v1 = make_extraction("same-id", [SHARED, ONLY_A], title="Old headline")
    v2 = make_extraction("same-id", [SHARED, ONLY_B], title="New headline")
    store = Store(tmp_path / "db")
    store.replace_graph(g, article_quads(v1))
    old = graph_triples(store, g)
    store.replace_graph(g, article_quads(v2))
    new = {q.triple for q in article_quads(v2)}
    assert graph_triples(store, g) == new
    stale = old - new
    assert stale  # the versions differ (headline, hash, funds fact, its assertion...)
    assert not stale & merged(store)
    assert merged(store) == new
    assert store.named_graphs() == [g]
    store.close()


def test_reingesting_a_changed_article_equals_a_fresh_ingest(nlp_ready):
    v1 = Article(id="fixed", text=CORPUS["01-anthropic.txt"].strip(), title="v1", source="memo")
    v2 = Article(id="fixed", text=CORPUS["02-nvidia.txt"].strip(), title="v2", source="memo")
    kg = KnowledgeGraph.memory()
    assert kg.ingest([v1]).new == 1
    report = kg.ingest([v2])
    assert (report.new, report.updated) == (0, 1)
    fresh = KnowledgeGraph.memory()
    fresh.ingest([v2])
    assert set(kg.store.oxigraph) == set(fresh.store.oxigraph)
    assert kg.query("ASK { ?e rdfs:label 'Anthropic' }") is False


def test_merged_graph_is_the_set_union_of_article_graphs():
    store = Store(None)
    store.replace_graph(article_iri("a"), article_quads(make_extraction("a", [SHARED, ONLY_A])))
    store.replace_graph(article_iri("b"), article_quads(make_extraction("b", [SHARED, ONLY_B])))
    assert merged(store) == union_of_graphs(store)
    # the shared fact is in both article graphs, once in the merged graph
    assert sum(1 for _ in store.oxigraph.quads_for_pattern(*FACT, None)) == 3
    rows = list(store.query("SELECT ?s ?o WHERE { ?s kg:founded ?o }"))
    assert len(rows) == 1

    store.remove_graph(article_iri("a"))
    assert merged(store) == union_of_graphs(store)
    assert ox.Triple(*FACT) in merged(store)  # b still states it
    amazon = ox.NamedNode(entity_iri("Amazon", "Company"))
    assert not any(t.subject == amazon for t in merged(store))  # only a stated it
    assert store.named_graphs() == [article_iri("b")]

    # b changes and no longer states the shared fact: now it is gone
    store.replace_graph(article_iri("b"), article_quads(make_extraction("b", [ONLY_B])))
    assert ox.Triple(*FACT) not in merged(store)
    assert merged(store) == union_of_graphs(store)

    store.remove_graph(article_iri("b"))
    assert list(store.oxigraph) == []


def test_removing_one_of_two_articles_keeps_shared_facts(tmp_path, nlp_ready):
    corpus = write_corpus(tmp_path / "c")
    kg = KnowledgeGraph.memory()
    kg.ingest([corpus])
    s, p, o = (t.value for t in FACT)
    graphs = [r["g"] for r in kg.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{s}> <{p}> <{o}> }} }}")]
    assert len(graphs) == 2
    kg.store.remove_graph(graphs[0])
    assert kg.query(f"ASK {{ <{s}> <{p}> <{o}> }}") is True
    assert kg.entity("Anthropic")["articles"] == 1
    kg.store.remove_graph(graphs[1])
    assert kg.query(f"ASK {{ <{s}> <{p}> <{o}> }}") is False
    assert set(kg.store.merged_triples()) == {q.triple for q in kg.store.quads()}


def test_quads_and_len_leave_out_the_merged_graph():
    store = Store(None)
    quads = article_quads(make_extraction("a", [SHARED, ONLY_A]))
    store.replace_graph(article_iri("a"), quads)
    assert len(store) == len(quads) == len(set(quads))
    assert set(store.quads()) == set(quads)
    assert len(list(store.oxigraph)) == 2 * len(quads)


# -- locking and read-only access ----------------------------------------------------------------
def test_second_writer_in_process_gets_store_error(tmp_path):
    first = Store(tmp_path / "db")
    try:
        with pytest.raises(StoreError) as info:
            Store(tmp_path / "db")
        msg = str(info.value)
        assert str(tmp_path / "db") in msg
        assert "another kg process" in msg
        assert "\n" not in msg
    finally:
        first.close()
    Store(tmp_path / "db").close()  # released on close


def test_second_writer_in_another_process_gets_one_line_error(tmp_path, run_script):
    article = write_corpus(tmp_path / "c", {"a.txt": CORPUS["02-nvidia.txt"]}) / "a.txt"
    first = Store(tmp_path / "db")
    try:
        p = run_script("ingest", article, "--store", tmp_path / "db")
    finally:
        first.close()
    assert p.returncode == 1
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"error: {tmp_path / 'db'}: cannot open the store")
    assert "another kg process" in lines[0]


def test_read_only_open_of_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        Store(tmp_path / "missing", read_only=True)
    with pytest.raises(StoreError, match=re.escape(str(tmp_path / "missing"))):
        KnowledgeGraph.open(tmp_path / "missing", read_only=True)
    assert not (tmp_path / "missing").exists()


def test_read_only_open_alongside_a_writer(tmp_path):
    """`kg query` while `kg ingest` runs: pyoxigraph calls a read-only open beside a live
    writer undefined behaviour. The store must then either read consistent data or refuse
    with a StoreError, never escape with a bare pyoxigraph RuntimeError."""
    writer = Store(tmp_path / "db")
    try:
        writer.replace_graph(article_iri("a"), article_quads(make_extraction("a", [SHARED])))
        writer.flush()
        try:
            reader = Store(tmp_path / "db", read_only=True)
        except StoreError as exc:
            assert str(tmp_path / "db") in str(exc)
        else:
            try:
                assert set(reader.quads()) == set(writer.quads())
            finally:
                reader.close()
    finally:
        writer.close()


def test_writing_to_a_read_only_store_is_a_store_error(tmp_path):
    writer = Store(tmp_path / "db")
    writer.replace_graph(article_iri("a"), article_quads(make_extraction("a", [SHARED])))
    writer.close()
    reader = Store(tmp_path / "db", read_only=True)
    try:
        before = set(reader.oxigraph)
        with pytest.raises(StoreError):
            reader.replace_graph(article_iri("b"), article_quads(make_extraction("b", [ONLY_B])))
        assert set(reader.oxigraph) == before
    finally:
        reader.close()


# -- queries at store level -------------------------------------------------------------------------
def test_store_query_prefixes_and_graphs():
    store = Store(None)
    store.replace_graph(article_iri("a"), article_quads(make_extraction("a", [SHARED, ONLY_A])))
    store.replace_graph(article_iri("b"), article_quads(make_extraction("b", [SHARED])))
    # kg:, rdfs:, schema: ... need no PREFIX lines
    rows = list(store.query("SELECT ?g WHERE { GRAPH ?g { ?s kg:funds ?o } }"))
    assert [r["g"].value for r in rows] == [article_iri("a")]
    assert bool(store.query("ASK { ?a schema:mentions ?e . ?e rdfs:label 'Amazon' }"))
    with pytest.raises(QueryError, match="malformed"):
        store.query("SELECT * WHERE {")
    with pytest.raises(QueryError, match="not allowed"):
        store.query("PREFIX x: <https://example.org/>\nCLEAR ALL")
    assert len(store) > 0


# -- the RDF mapping -------------------------------------------------------------------------------
def test_article_quads_follow_the_rdf_model():
    ex = make_extraction("a", [SHARED, ONLY_A], title="Headline", published="2025-02-03", confidence=0.85)
    quads = article_quads(ex)
    g = ox.NamedNode(article_iri("a"))
    assert all(q.graph_name == g for q in quads)
    assert len(quads) == len(set(quads))
    triples = {q.triple for q in quads}
    a = ox.NamedNode(PREFIXES["rdf"] + "type")
    assert ox.Triple(g, a, ox.NamedNode(KG + "Article")) in triples
    assert ox.Triple(g, a, ox.NamedNode(PREFIXES["schema"] + "NewsArticle")) in triples
    assert ox.Triple(g, ox.NamedNode(PREFIXES["schema"] + "datePublished"),
                     ox.Literal("2025-02-03", datatype=ox.NamedNode(XSD + "date"))) in triples
    assert ox.Triple(g, ox.NamedNode(KG + "contentHash"),
                     ox.Literal(hashlib.sha256(ex.article.text.encode()).hexdigest())) in triples
    assert ox.Triple(*FACT) in triples
    conf = [t.object for t in triples if t.predicate.value == KG + "confidence"]
    assert conf and all(c.datatype.value == XSD + "decimal" and float(c.value) == 0.85 for c in conf)
    offsets = [t.object for t in triples if t.predicate.value in (KG + "startOffset", KG + "endOffset")]
    assert len(offsets) == 4 and all(o.datatype.value == XSD + "integer" for o in offsets)
    nodes = {t.subject for t in triples if t.object == ox.NamedNode(KG + "Assertion")}
    assert len(nodes) == 2
    for node in nodes:
        assert ox.Triple(node, ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom"), g) in triples


def test_date_time_is_typed_as_datetime():
    ex = make_extraction("a", [SHARED], published="2025-02-03T09:30:00Z")
    lit = next(q.object for q in article_quads(ex) if q.predicate.value.endswith("datePublished"))
    assert lit.datatype.value == XSD + "dateTime"


# -- SHACL --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def article_graphs(ingested_store) -> dict[str, rdflib.Graph]:
    """Each article graph of the ingested store as an rdflib Graph."""
    store = Store(ingested_store.path, read_only=True)
    try:
        return {g: rdflib_graph(q.triple for q in store.oxigraph.quads_for_pattern(None, None, None,
                                                                                    ox.NamedNode(g)))
                for g in store.named_graphs()}
    finally:
        store.close()


def test_ingested_article_graphs_conform(article_graphs):
    assert len(article_graphs) == len(CORPUS)
    for iri, g in article_graphs.items():
        assert len(g) > 0
        assert validate_graph(g) == [], iri


CONF = rdflib.URIRef(KG + "confidence")
EVIDENCE = rdflib.URIRef(KG + "evidence")
HEADLINE = rdflib.URIRef(PREFIXES["schema"] + "headline")
LABEL = rdflib.RDFS.label


def _replace_confidence(g: rdflib.Graph) -> None:
    node, old = next(iter(g.subject_objects(CONF)))
    g.remove((node, CONF, old))
    g.add((node, CONF, rdflib.Literal("1.5", datatype=rdflib.XSD.decimal)))


def _drop_evidence(g: rdflib.Graph) -> None:
    node, old = next(iter(g.subject_objects(EVIDENCE)))
    g.remove((node, EVIDENCE, old))


def _second_headline(g: rdflib.Graph) -> None:
    article = next(iter(g.subjects(HEADLINE, None)))
    g.add((article, HEADLINE, rdflib.Literal("Another headline")))


@pytest.mark.parametrize("tamper, expect", [
    (_replace_confidence, "confidence"),
    (_drop_evidence, "evidence"),
    (_second_headline, "headline"),
])
def test_tampered_graph_has_violations(article_graphs, tamper, expect):
    iri = next(i for i, g in article_graphs.items() if (None, HEADLINE, None) in g)
    g = rdflib.Graph()
    for t in article_graphs[iri]:
        g.add(t)
    tamper(g)
    problems = validate_graph(g)
    assert problems
    assert any(expect in p for p in problems), problems


def test_validate_reports_the_tampered_article_graph(nlp_ready):
    kg = KnowledgeGraph.memory()
    good = make_extraction("good", [SHARED])
    bad = make_extraction("bad", [ONLY_A])
    kg.store.replace_graph(article_iri("good"), article_quads(good))
    quads = [q if q.predicate.value != KG + "confidence"
             else ox.Quad(q.subject, q.predicate, ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")),
                          q.graph_name)
             for q in article_quads(bad)]
    kg.store.replace_graph(article_iri("bad"), quads)
    problems = kg.validate()
    assert problems
    assert all(p.startswith(f"<{article_iri('bad')}>") for p in problems)


# -- IRIs -------------------------------------------------------------------------------------------
TRICKY = ["OpenAI", "openai", "OPENAI", "Open AI", "Open-AI", "\u041epenAI", "High-Flyer", "High Flyer",
          "HighFlyer", 'He said "hi"', "a<b>c", "line\nbreak", "  spaced   out  ", "C++", "C#", "x/y?z#w",
          "Timoth\u00e9e Lacroix", "\u6df1\u5ea6\u6c42\u7d22", "\U0001F600 emoji", "%20", "a--b", "a - b",
          "Apple's", "Apple\u2019s", "\u00df", "SS"]


@pytest.mark.parametrize("name", TRICKY)
def test_entity_iris_of_tricky_names_are_valid(name):
    iri = entity_iri(name, "Company")
    node = ox.NamedNode(iri)
    assert node.value == iri
    assert iri.startswith(ID + "org/")
    assert re.fullmatch(r"[a-z0-9-]+", slug(name))
    assert rdflib.URIRef(iri)  # rdflib accepts it too


def test_case_and_spacing_variants_share_a_key():
    assert {slug(n) for n in ("OpenAI", "openai", "OPENAI", " OpenAI ")} == {"openai"}
    assert slug("Jensen  Huang") == slug("jensen huang\n") == "jensen-huang"
    assert entity_key("OpenAI", "AILab") == entity_key("openai", "Company") == "org/openai"
    assert slug("Timoth\u00e9e") == slug("Timothe\u0301e")  # NFC and NFD
    assert slug("Apple's") == slug("Apple\u2019s")


def test_distinct_names_get_distinct_slugs():
    keys = {}
    for name in TRICKY:
        keys.setdefault(normalise_name(name), set()).add(slug(name))
    assert all(len(s) == 1 for s in keys.values())
    slugs = [next(iter(s)) for s in keys.values()]
    assert len(set(slugs)) == len(slugs)
    assert slug("High-Flyer") != slug("High Flyer")
    assert slug("\u041epenAI") != slug("OpenAI")
    assert slug("a--b") != slug("a b") and slug("a - b") != slug("a b")


def test_plain_slugs_never_contain_a_double_hyphen():
    assert slug("Liang Wenfeng") == "liang-wenfeng"
    for name in TRICKY:
        s = slug(name)
        plain = re.fullmatch(r"[a-z0-9]+(?: [a-z0-9]+)*", normalise_name(name))
        if plain:
            assert "--" not in s
        else:
            assert re.fullmatch(r"[a-z0-9-]*--[0-9a-f]{12}", s), (name, s)


def test_family_comes_from_the_root_class():
    for cls in CLASS_PARENT:
        assert entity_iri("Gemini", cls) == f"{ID}{FAMILY[root(cls)]}/gemini"
    assert entity_iri("Gemini", "AIModel") != entity_iri("Gemini", "Product")


def test_text_id_ignores_whitespace_only():
    assert text_id("Jensen Huang  founded\nNvidia.") == text_id("Jensen Huang founded Nvidia.")
    assert text_id("Jensen Huang founded Nvidia.") != text_id("Jensen Huang founded nvidia.")
    assert re.fullmatch(r"[0-9a-f]{32}", text_id("x"))


# any Unicode name, any spelling variant, homoglyphs, stability across processes:
# tests/test_properties.py


def test_a_closed_store_says_so(tmp_path):
    kg = KnowledgeGraph.open(tmp_path / "db")
    kg.close()
    kg.close()  # closing twice is harmless
    with pytest.raises(StoreError, match="closed"):
        kg.query("SELECT * WHERE { ?s ?p ?o }")


def test_long_writes_flush_memory_tables_as_they_go(tmp_path, monkeypatch):
    """RocksDB keeps written data in memory tables until a flush; a long ingest must flush
    as it goes (every FLUSH_EVERY quads) or memory grows with the number of articles."""
    import kg.store as store_module

    monkeypatch.setattr(store_module, "FLUSH_EVERY", 50)
    flushes = []
    store = Store(tmp_path / "db")
    real = store._ox.flush
    monkeypatch.setattr(store, "flush", lambda: (flushes.append(1), setattr(store, "_unflushed", 0), real()))
    for k in range(10):
        g = ox.NamedNode(f"https://w3id.org/aikg/article/f{k}")
        store.replace_graph(g.value, [ox.Quad(g, ox.NamedNode("https://w3id.org/aikg/ontology#n"),
                                              ox.Literal(str(i)), g) for i in range(10)])
    assert len(flushes) == 3  # 20 quads per article (graph + merged): a flush every 3rd article
    store.close()
