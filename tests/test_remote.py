"""A SPARQL server as the store (kg/remote.py), against real servers on loopback: what is
particular to servers, beyond the API suite that test_api.py runs on every backend."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import CORPUS, wipe, write_corpus
from servers import free_port, start_virtuoso, virtuoso_available

from kg.api import KnowledgeGraph
from kg.errors import QueryError, StoreError
from kg.iri import article_id, article_iri
from kg.remote import STAGING, SparqlStore
from kg.vocab import KG

SERVERS = ("oxigraph", "virtuoso")


@pytest.fixture(params=SERVERS)
def server(request, server_pool):
    return server_pool.get(request.param, "scratch")


@pytest.fixture
def remote(server, nlp_ready):
    kg = KnowledgeGraph.open(server.url, **server.options)
    wipe(kg)
    yield kg
    kg.close()


def graph_set(kg) -> set[ox.Quad]:
    return set(kg.store.quads())


def test_the_servers_hold_exactly_what_the_embedded_store_holds(backend_kg, tmp_path, nlp_ready):
    """Every quad survives the trip to the server and back: IRIs, language tags, datatypes."""
    with KnowledgeGraph.open(tmp_path / "db") as local:
        local.ingest([write_corpus(tmp_path / "c")])
        expected = set(local.store.quads())
        merged = set(local.store.merged_triples())

    def same(items):  # kg:source is the file path read, which differs between the two corpora
        return {t for t in items if t.predicate.value != KG + "source"}

    assert same(backend_kg.store.quads()) == same(expected)
    assert same(backend_kg.store.merged_triples()) == same(merged)
    assert len(backend_kg.store) == len(expected)


def test_replacing_an_article_updates_the_merged_graph_and_leaves_no_staging(remote):
    remote.ingest_text(CORPUS["02-nvidia.txt"], url="https://example.org/nvidia")
    remote.ingest_text(CORPUS["01-anthropic.txt"], url="https://example.org/anthropic")
    assert remote.query("ASK { ?s kg:founded <https://w3id.org/aikg/id/org/nvidia> }")
    changed = "Nvidia Corp. was founded in 1993. Lisa Su leads AMD, a rival chipmaker."
    report = remote.ingest_text(changed, url="https://example.org/nvidia")
    assert report.updated == 1
    assert not remote.query("ASK { ?s kg:founded <https://w3id.org/aikg/id/org/nvidia> }")  # gone from the merged graph
    assert remote.query("ASK { ?s kg:founded <https://w3id.org/aikg/id/org/anthropic> }")   # the other article's stays
    assert len(remote.store.named_graphs()) == 2
    staged = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                          "FILTER STRSTARTS(STR(?g), ?prefix) }", bindings={"prefix": STAGING})
    assert staged == []
    remote.store.remove_graph(article_iri_of(remote, "https://example.org/nvidia"))
    assert remote.store.named_graphs() == [article_iri_of(remote, "https://example.org/anthropic")]
    assert not remote.query("ASK { ?s kg:leads <https://w3id.org/aikg/id/org/amd> }")


def article_iri_of(kg, url: str) -> str:
    return article_iri(article_id("", url))


def test_unchanged_articles_are_skipped_on_a_server(remote, tmp_path):
    corpus = write_corpus(tmp_path / "c")
    first = remote.ingest([corpus])
    again = remote.ingest([corpus])
    assert first.new == len(CORPUS) and again.unchanged == len(CORPUS) and again.new == 0


def test_a_read_only_server_store_refuses_writes(server, nlp_ready):
    wipe(KnowledgeGraph.open(server.url, **server.options))
    with KnowledgeGraph.open(server.url, read_only=True, **server.options) as kg:
        with pytest.raises(StoreError, match="read-only"):
            kg.ingest_text(CORPUS["02-nvidia.txt"])


def test_writes_chunked_as_insert_data_without_a_graph_store(server, nlp_ready):
    """Without a Graph Store endpoint, triples go as INSERT DATA chunks: Virtuoso refuses one
    INSERT DATA of this size (its SPARQL compiler runs out of memory), so chunking is needed."""
    opts = dict(server.options)
    store = SparqlStore(server.url, graph_store=False, chunk_triples=1000, **opts)
    kg = KnowledgeGraph(store)
    wipe(kg)
    g = article_iri("big")
    n = 12000
    quads = [ox.Quad(ox.NamedNode(g), ox.NamedNode("https://w3id.org/aikg/ontology#note"),
                     ox.Literal(f"note number {i} of a long article"), ox.NamedNode(g)) for i in range(n)]
    quads.append(ox.Quad(ox.NamedNode(g), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                         ox.NamedNode("https://w3id.org/aikg/ontology#Article"), ox.NamedNode(g)))
    store.replace_graph(g, quads)
    assert len(store) == n + 1
    assert kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?s kg:note ?o }") == [{"n": n}]
    wipe(kg)


@pytest.mark.skipif(not virtuoso_available(), reason="Virtuoso is not installed")
def test_virtuoso_caps_one_big_insert_data(server_pool):
    server = server_pool.get("virtuoso", "scratch")
    body = "INSERT DATA { GRAPH <urn:x-test:big> {\n" + "\n".join(
        f"<urn:x-test:s{i}> <urn:x-test:p> \"value number {i} with some words\" ." for i in range(20000)
    ) + "\n} }"
    store = SparqlStore(server.url, **server.options)
    with pytest.raises(StoreError, match=r"HTTP \d+: .*(memory|SP0)"):
        store._update(body)


@pytest.fixture(scope="module")
def capped_virtuoso(tmp_path_factory):
    if not virtuoso_available():
        pytest.skip("Virtuoso is not installed")
    server = start_virtuoso(tmp_path_factory.mktemp("capped"), max_rows=40)
    yield server
    server.stop()


def test_virtuoso_row_cap_is_an_error_not_a_short_answer(capped_virtuoso, nlp_ready):
    """Virtuoso silently stops at ResultSetMaxRows (it only adds a header): that must raise."""
    kg = KnowledgeGraph.open(capped_virtuoso.url, **capped_virtuoso.options)
    kg.ingest_text(CORPUS["02-nvidia.txt"])
    assert len(kg.query("SELECT * WHERE { ?s ?p ?o } LIMIT 10")) == 10
    with pytest.raises(QueryError, match="cut the result at 40 rows.*ResultSetMaxRows"):
        kg.query("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="ResultSetMaxRows"):
        list(kg.store.quads())


# -- errors a user can hit -------------------------------------------------------------------------
@pytest.mark.skipif(not virtuoso_available(), reason="Virtuoso is not installed")
def test_wrong_password_is_one_line_and_writes_nothing(server_pool, nlp_ready):
    server = server_pool.get("virtuoso", "scratch")
    good = KnowledgeGraph.open(server.url, **server.options)
    wipe(good)
    bad = KnowledgeGraph.open(server.url, **{**server.options, "password": "not-the-password"})
    with pytest.raises(StoreError) as info:
        bad.ingest_text(CORPUS["02-nvidia.txt"])
    assert "refused the credentials" in str(info.value) and server.url in str(info.value)
    assert "\n" not in str(info.value)
    assert good.store.named_graphs() == []


@pytest.mark.skipif(not virtuoso_available(), reason="Virtuoso is not installed")
def test_anonymous_writes_to_virtuoso_are_refused(server_pool, nlp_ready):
    server = server_pool.get("virtuoso", "scratch")
    anon = KnowledgeGraph.open(server.url)
    wipe(KnowledgeGraph.open(server.url, **server.options))
    with pytest.raises(StoreError, match="failed|refused"):
        anon.ingest_text(CORPUS["02-nvidia.txt"])
    assert anon.store.named_graphs() == []


def test_unreachable_server_is_one_line(nlp_ready):
    url = f"http://127.0.0.1:{free_port()}/query"
    kg = KnowledgeGraph.open(url)
    with pytest.raises(StoreError, match=r"cannot reach the SPARQL server") as info:
        kg.query("ASK {}")
    assert url in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("url", "kw", "message"), [
    ("ftp://127.0.0.1/sparql", {}, "not an http"),
    ("http:///sparql", {}, "not an http"),
    ("http://127.0.0.1:1/sparql", {"auth": "ntlm"}, "unknown authentication"),
    ("http://127.0.0.1:1/sparql", {"dialect": "fuseki"}, "unknown dialect"),
    ("http://127.0.0.1:1/sparql", {"user": "kg"}, "a password is needed"),
])
def test_bad_store_options(url, kw, message, monkeypatch):
    monkeypatch.delenv("KG_STORE_PASSWORD", raising=False)
    with pytest.raises(StoreError, match=message):
        SparqlStore(url, **kw)


def test_malformed_query_names_the_problem(remote):
    with pytest.raises(QueryError, match="malformed query"):
        remote.query("SELECT ?x WHERE { ?x kg:founded ")


def test_bindings_cannot_reach_into_subqueries_on_a_server(remote):
    with pytest.raises(QueryError, match="subquer"):
        remote.query("SELECT ?e WHERE { { SELECT ?e WHERE { ?e rdfs:label ?n } } }", bindings={"n": "x"})


def test_server_timeout_is_a_query_error():
    """A query the server does not answer in time ends as a QueryError naming the wait."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    try:
        store = SparqlStore(url, timeout=0.5, dialect="default")
        with pytest.raises(QueryError, match="no answer within 0.5 s"):
            store.query("ASK {}")
    finally:
        silent.close()
        for conn, _ in held:
            conn.close()


# -- the command line with a server store ------------------------------------------------------
def test_cli_ingest_query_stats_export_against_a_server(server, run_cli, tmp_path, nlp_ready):
    kg = KnowledgeGraph.open(server.url, **server.options)
    wipe(kg)
    args = ["--store", server.url]
    if "user" in server.options:
        pw = tmp_path / "pw"
        pw.write_text(server.options["password"] + "\n")
        args += ["--store-user", server.options["user"], "--store-password-file", pw,
                 "--store-auth", server.options["auth"]]
    corpus = write_corpus(tmp_path / "c")
    r = run_cli("ingest", corpus, "--no-progress", *args)
    assert r.code == 0, r.err
    r = run_cli("query", "SELECT ?p WHERE { ?p kg:founded <https://w3id.org/aikg/id/org/anthropic> } ORDER BY ?p", *args)
    assert r.code == 0 and "dario-amodei" in r.out
    r = run_cli("stats", "--json", *args)
    assert r.code == 0 and '"articles": 3' in r.out
    out = tmp_path / "g.nq"
    r = run_cli("export", "--format", "nq", "-o", out, *args)
    assert r.code == 0, r.err
    with KnowledgeGraph.open(tmp_path / "db") as local:
        local.ingest([corpus])
        local.export(tmp_path / "local.nq")
    assert out.read_bytes() == (tmp_path / "local.nq").read_bytes()


def test_cli_missing_password_file_is_one_line(run_cli, tmp_path):
    r = run_cli("stats", "--store", "http://127.0.0.1:1/sparql", "--store-user", "kg",
                "--store-password-file", tmp_path / "missing")
    assert r.code == 1 and len(r.err_lines) == 1 and "missing" in r.err


def test_cli_unreachable_server_is_one_line(run_cli):
    url = f"http://127.0.0.1:{free_port()}/query"
    r = run_cli("stats", "--store", url)
    assert r.code == 1 and len(r.err_lines) == 1
    assert r.err_lines[0].startswith(f"error: {url}: cannot reach the SPARQL server")


@pytest.mark.skipif(not virtuoso_available(), reason="Virtuoso is not installed")
def test_virtuoso_is_on_loopback_with_its_default_password_changed(server_pool):
    import re
    import subprocess

    from servers import ISQL

    server = server_pool.get("virtuoso", "scratch")
    ini = (server.log.parent / "virtuoso.ini").read_text()
    ports = re.findall(r"(?m)^ServerPort\s*=\s*(\S+)", ini)
    assert len(ports) == 2 and all(p.startswith("127.0.0.1:") for p in ports)
    sql_port = ports[0].split(":")[1]
    p = subprocess.run([ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", "exec=select 1;"],
                       capture_output=True, text=True, timeout=30)
    assert "Bad login" in p.stdout + p.stderr or p.returncode != 0
