"""`kg serve`: a real server subprocess on loopback over an ingested store, driven with
SPARQLWrapper, rdflib's SPARQLStore and plain HTTP."""
from __future__ import annotations

import base64
import csv
import hashlib
import http.client
import http.server
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import CORPUS, ROOT, quad_set, write_corpus

from kg.server import GRAPH_FORMATS, RESULT_FORMATS, negotiate, parse_accept, query_page

FOUNDED = "SELECT ?f ?o WHERE { ?f kg:founded ?o } ORDER BY ?f ?o"
CONSTRUCT = "CONSTRUCT { ?f kg:founded ?o } WHERE { ?f kg:founded ?o }"
DARIO = "https://w3id.org/aikg/id/person/dario-amodei"
ANTHROPIC = "https://w3id.org/aikg/id/org/anthropic"
# a cross join of the whole store with itself four times: never finishes within a second
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
LOG_LINE = re.compile(r"^\S+ (?P<client>127\.0\.0\.1) (?P<method>[A-Z]+) (?P<path>/\S*) (?P<status>\d{3}) "
                      r"(?P<bytes>\d+)B (?P<ms>\d+)ms(?: (?P<form>[A-Z?]+))?(?: (?P<fmt>[a-z]+))?")


# -- running servers -------------------------------------------------------------------------
def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def kg_cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=_env(), cwd=ROOT)


@dataclass
class Served:
    proc: subprocess.Popen
    url: str          # http://127.0.0.1:PORT/
    port: int
    line: str         # what it printed on start
    log: Path         # its stderr
    store: Path | str

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise
            finally:
                self.proc.stdout.close()
        return self.proc.returncode


def start_server(store: Path | str, log: Path, *args) -> Served:
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store),
                                 "--port", "0", *map(str, args)], stdout=subprocess.PIPE,
                                stderr=err, text=True, env=_env(), cwd=ROOT)
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    line = proc.stdout.readline().strip() if ready else ""
    m = re.fullmatch(r"serving (.+) at (http://127\.0\.0\.1:(\d+)/) \(SPARQL endpoint /sparql\)", line)
    if not m:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        pytest.fail(f"kg serve did not start: {line!r} {log.read_text()}")
    return Served(proc, m.group(2), int(m.group(3)), line, log, store)


def children(pid: int) -> set[int]:
    """PIDs of a process's children, from /proc."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def served(ingested_store, tmp_path_factory) -> Served:
    server = start_server(ingested_store.path, tmp_path_factory.mktemp("serve") / "stderr.log")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def limited(ingested_store, tmp_path_factory) -> Served:
    """A second server with a one-second timeout, small caps and no request log."""
    server = start_server(ingested_store.path, tmp_path_factory.mktemp("serve") / "stderr.log",
                          "--timeout", 1, "--max-rows", 5, "--max-bytes", 3000, "--workers", 2,
                          "--quiet")
    yield server
    assert server.stop() == 0


def wait_ready(server: Served, workers: int = 2) -> None:
    """Wait until every worker is up (after a timeout a replacement starts in the background)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = json.loads(request(server, "GET", "/health").body)
        if health["workers"] == workers and health["starting"] == 0 and health["idle"] == workers:
            return
        time.sleep(0.05)
    pytest.fail(f"workers did not come back: {health}")


# -- plain HTTP --------------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def ctype(self) -> str:
        return self.headers.get("Content-Type", "")


def request(server: Served, method: str, path: str, body: bytes | str | None = None,
            headers: dict | None = None) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body,
                     headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def get(server: Served, query: str, headers: dict | None = None, **params) -> Response:
    qs = urllib.parse.urlencode({"query": query, **params})
    return request(server, "GET", f"/sparql?{qs}", headers=headers)


def post_form(server: Served, query: str, headers: dict | None = None, **params) -> Response:
    return request(server, "POST", "/sparql", urllib.parse.urlencode({"query": query, **params}),
                   {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def post_direct(server: Served, query: str, headers: dict | None = None) -> Response:
    return request(server, "POST", "/sparql", query,
                   {"Content-Type": "application/sparql-query", **(headers or {})})


def raw(server: Served, data: bytes) -> bytes:
    """Send raw bytes, return everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def json_rows(body: bytes) -> set[tuple]:
    data = json.loads(body)
    names = data["head"]["vars"]
    return {tuple(b.get(n, {}).get("value") for n in names) for b in data["results"]["bindings"]}


# -- starting ----------------------------------------------------------------------------------
def test_start_line_names_store_and_url(served, ingested_store):
    assert served.line == (f"serving {ingested_store.path} at http://127.0.0.1:{served.port}/ "
                           f"(SPARQL endpoint /sparql)")
    r = request(served, "GET", "/health")
    assert r.status == 200 and r.ctype.startswith("application/json")
    health = json.loads(r.body)
    assert health["status"] == "ok" and health["workers"] == 2


def test_missing_store_is_one_line(tmp_path):
    result = kg_cli("serve", "--store", tmp_path / "nowhere", "--port", 0)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'nowhere'}: no store here (run 'kg ingest' first)"]
    assert result.stdout == ""


def test_folder_that_is_not_a_store_is_one_line(tmp_path):
    result = kg_cli("serve", "--store", tmp_path, "--port", 0)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path}: cannot open the store")
    assert "holds no kg store" in lines[0]
    assert not (tmp_path / "kg.lock").exists()


def test_port_in_use_is_one_line(served, ingested_store):
    result = kg_cli("serve", "--store", ingested_store.path, "--port", served.port)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: cannot listen on 127.0.0.1:{served.port}: "
                                          f"Address already in use"]


@pytest.mark.parametrize("args", [["--workers", "0"], ["--timeout", "0"], ["--max-rows", "0"],
                                  ["--max-bytes", "-1"], ["--port", "70000"]])
def test_bad_options_are_usage_errors(args, ingested_store):
    result = kg_cli("serve", "--store", ingested_store.path, *args)
    assert result.returncode == 2
    assert "error: --" in result.stderr.splitlines()[-1]


def test_ingest_into_a_served_store_fails_cleanly(served, ingested_store, tmp_path):
    before = quad_set(ingested_store.path)
    result = kg_cli("ingest", write_corpus(tmp_path / "more", {"x.txt": "OpenAI was founded by Sam Altman.\n"}),
                    "--store", ingested_store.path, "--no-progress")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {ingested_store.path}: cannot open the store (another kg process is writing to "
        f"it or serving it; stop that one first)"]
    assert quad_set(ingested_store.path) == before
    assert get(served, "ASK { ?s ?p ?o }").status == 200


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_server_and_workers(sig, ingested_store, tmp_path):
    server = start_server(ingested_store.path, tmp_path / "stderr.log", "--workers", 1)
    workers = {pid for pid in children(server.proc.pid)
               if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")}
    assert len(workers) == 1
    assert get(server, "ASK { ?s ?p ?o }").status == 200
    assert server.stop(sig) == 0
    assert not any(alive(pid) for pid in workers)
    assert server.log_lines()[-1] == "stopped"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def test_a_worker_killed_from_outside_is_replaced(ingested_store, tmp_path):
    server = start_server(ingested_store.path, tmp_path / "stderr.log", "--workers", 1)
    try:
        (worker,) = {pid for pid in children(server.proc.pid)
                     if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")}
        os.kill(worker, signal.SIGKILL)
        r = get(server, "ASK {}")
        assert r.status == 500
        assert r.text == "the query worker stopped unexpectedly (exit code -9); a new one is starting\n"
        wait_ready(server, workers=1)
        assert get(server, "ASK {}").status == 200
    finally:
        assert server.stop() == 0


def test_an_unreachable_sparql_server_store_is_502(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    upstream = f"http://127.0.0.1:{port}/query"
    server = start_server(upstream, tmp_path / "stderr.log", "--workers", 1)
    try:
        r = get(server, "ASK { ?s ?p ?o }")
        assert r.status == 502
        assert r.text.startswith(f"{upstream}: cannot reach the SPARQL server")
        assert get(server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }").status == 403
    finally:
        assert server.stop() == 0


# -- clients -----------------------------------------------------------------------------------
def test_sparqlwrapper_select_ask_construct(served):
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    sw = SPARQLWrapper(served.endpoint)
    sw.setQuery("PREFIX kg: <https://w3id.org/aikg/ontology#> " + FOUNDED)
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert {(r["f"]["value"], r["o"]["value"]) for r in rows} >= {(DARIO, ANTHROPIC)}

    sw.setMethod(POST)
    sw.setQuery(f"ASK {{ <{DARIO}> <https://w3id.org/aikg/ontology#founded> <{ANTHROPIC}> }}")
    assert sw.query().convert()["boolean"] is True

    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert (rdflib.URIRef(DARIO), rdflib.URIRef("https://w3id.org/aikg/ontology#founded"),
            rdflib.URIRef(ANTHROPIC)) in g


def test_rdflib_sparqlstore(served, ingested_store):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = rdflib.Graph(SPARQLStore(query_endpoint=served.endpoint))
    rows = g.query("SELECT ?o WHERE { ?f <https://w3id.org/aikg/ontology#founded> ?o }")
    assert rdflib.URIRef(ANTHROPIC) in {r[0] for r in rows}
    assert g.query(f"ASK {{ <{DARIO}> ?p ?o }}").askAnswer is True
    built = g.query(CONSTRUCT).graph
    assert (rdflib.URIRef(DARIO), rdflib.URIRef("https://w3id.org/aikg/ontology#founded"),
            rdflib.URIRef(ANTHROPIC)) in built
    merged = {q for q in quad_set(ingested_store.path) if isinstance(q.graph_name, ox.DefaultGraph)}
    assert len(g) == len(merged)
    labels = set(g.objects(rdflib.URIRef(ANTHROPIC), rdflib.RDFS.label))
    assert rdflib.Literal("Anthropic") in labels


# -- formats -----------------------------------------------------------------------------------
def _parse_results(fmt: str, body: bytes) -> set[tuple]:
    if fmt == "json":
        return json_rows(body)
    if fmt == "xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ET.fromstring(body)
        names = [v.get("name") for v in root.find("r:head", ns)]
        out = set()
        for result in root.find("r:results", ns):
            cells = {b.get("name"): b[0].text for b in result}
            out.add(tuple(cells.get(n) for n in names))
        return out
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        return {tuple(r) for r in rows[1:]}
    assert fmt == "tsv"
    return json_rows(ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
                     .serialize(format=ox.QueryResultsFormat.JSON))


@pytest.mark.parametrize("fmt,ctype", [(f.name, f.media_type) for f in RESULT_FORMATS])
def test_select_in_every_results_format(served, fmt, ctype):
    r = get(served, FOUNDED, format=fmt)
    assert r.status == 200, r.text
    assert r.ctype == f"{ctype}; charset=utf-8"
    assert r.headers["Vary"] == "Accept"
    assert _parse_results(fmt, r.body) == json_rows(get(served, FOUNDED).body)
    assert (DARIO, ANTHROPIC) in _parse_results(fmt, r.body)


@pytest.mark.parametrize("fmt", [f.name for f in RESULT_FORMATS])
def test_ask_in_every_results_format(served, fmt):
    yes = get(served, f"ASK {{ <{DARIO}> kg:founded <{ANTHROPIC}> }}", format=fmt)
    no = get(served, f"ASK {{ <{ANTHROPIC}> kg:founded <{DARIO}> }}", format=fmt)
    assert yes.status == no.status == 200
    if fmt == "json":
        assert json.loads(yes.body)["boolean"] is True and json.loads(no.body)["boolean"] is False
    elif fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ET.fromstring(yes.body).find(f"{ns}boolean").text == "true"
        assert ET.fromstring(no.body).find(f"{ns}boolean").text == "false"
    else:
        assert yes.text.strip() == "true" and no.text.strip() == "false"


GRAPH_PARSE = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML}


@pytest.mark.parametrize("fmt,ctype", [(f.name, f.media_type) for f in GRAPH_FORMATS])
@pytest.mark.parametrize("query", [CONSTRUCT, f"DESCRIBE <{ANTHROPIC}>"], ids=["CONSTRUCT", "DESCRIBE"])
def test_graphs_in_every_rdf_format(served, ingested_store, fmt, ctype, query):
    r = post_form(served, query, format=fmt)
    assert r.status == 200, r.text
    assert r.ctype == f"{ctype}; charset=utf-8"
    got = {q.triple for q in ox.parse(r.body, format=GRAPH_PARSE[fmt])}
    store = ox.Store.read_only(str(ingested_store.path))
    try:
        from kg.vocab import PREFIXES

        want = set(store.query(query, prefixes=PREFIXES))
    finally:
        del store
    assert got == want and got


def test_turtle_uses_the_project_prefixes(served):
    r = get(served, CONSTRUCT, format="turtle")
    assert "@prefix kg: <https://w3id.org/aikg/ontology#> ." in r.text
    assert f"<{DARIO}> kg:founded <{ANTHROPIC}> ." in r.text


def test_get_post_form_and_post_direct_agree(served):
    for query in (FOUNDED, CONSTRUCT, "ASK { ?s ?p ?o }"):
        answers = [get(served, query), post_form(served, query), post_direct(served, query)]
        assert [a.status for a in answers] == [200, 200, 200]
        assert answers[0].body == answers[1].body == answers[2].body
        assert answers[0].ctype == answers[1].ctype == answers[2].ctype


def test_post_direct_with_charset_and_url_parameters(served):
    r = request(served, "POST", "/sparql?format=csv", "SELECT ?l WHERE { ?e rdfs:label ?l FILTER(?l = \"Anthropic\") }",
                {"Content-Type": "application/sparql-query; charset=UTF-8"})
    assert r.status == 200 and r.ctype.startswith("text/csv")
    assert r.text.splitlines() == ["l", "Anthropic"]


# -- content negotiation -------------------------------------------------------------------------
@pytest.mark.parametrize("accept,select_type,graph_type", [
    (None, "application/sparql-results+json", "text/turtle"),
    ("*/*", "application/sparql-results+json", "text/turtle"),
    ("text/*", "text/csv", "text/turtle"),
    ("application/json", "application/sparql-results+json", "application/ld+json"),
    ("application/xml", "application/sparql-results+xml", "application/rdf+xml"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml", None),
    ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values", "text/turtle"),
    ("text/csv, */*", "text/csv", "text/turtle"),
    ("application/n-triples, text/turtle;q=0.9, */*;q=0.1", "application/sparql-results+json",
     "application/n-triples"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml", "text/turtle"),
    ("text/plain", None, "application/n-triples"),
    ("application/rdf+xml, application/sparql-results+xml", "application/sparql-results+xml",
     "application/rdf+xml"),
])
def test_content_negotiation(served, accept, select_type, graph_type):
    headers = {"Accept": accept} if accept is not None else {}
    for query, want in ((FOUNDED, select_type), (CONSTRUCT, graph_type)):
        r = get(served, query, headers)
        if want is None:
            assert r.status == 406, r.text
        else:
            assert r.status == 200, r.text
            assert r.ctype == f"{want}; charset=utf-8"


def test_format_parameter_wins_over_accept(served):
    accept = {"Accept": "application/sparql-results+xml, application/rdf+xml"}
    assert get(served, FOUNDED, accept, format="csv").ctype.startswith("text/csv")
    assert get(served, FOUNDED, accept, output="tsv").ctype.startswith("text/tab-separated-values")
    assert get(served, CONSTRUCT, accept, format="nt").ctype.startswith("application/n-triples")
    assert get(served, CONSTRUCT, accept, format="json").ctype.startswith("application/ld+json")
    assert get(served, FOUNDED, accept, format="text/csv").ctype.startswith("text/csv")
    assert post_form(served, CONSTRUCT, accept, format="json-ld").ctype.startswith("application/ld+json")


def test_format_repeated_as_sparqlwrapper_sends_it(served):
    qs = urllib.parse.urlencode([("query", FOUNDED), ("format", "tsv"),
                                 ("format", "text/tab-separated-values"), ("output", "tsv")])
    r = request(served, "GET", f"/sparql?{qs}")
    assert r.status == 200 and r.ctype.startswith("text/tab-separated-values")


def test_406_when_nothing_is_acceptable(served):
    r = get(served, FOUNDED, {"Accept": "image/png"})
    assert r.status == 406
    assert "image/png" in r.text and "application/sparql-results+json" in r.text
    r = get(served, CONSTRUCT, {"Accept": "application/sparql-results+json"})
    assert r.status == 406 and "text/turtle" in r.text
    r = get(served, CONSTRUCT, format="csv")
    assert r.status == 406
    assert r.text == "format=csv is not available for a CONSTRUCT query; use one of ttl, nt, jsonld, rdfxml\n"
    r = get(served, "ASK {}", format="ttl")
    assert r.status == 406 and "json, xml, csv, tsv" in r.text


def test_unknown_format_is_400(served):
    r = get(served, FOUNDED, format="yaml")
    assert r.status == 400
    assert r.text.startswith("unknown format 'yaml': use one of json, xml, csv, tsv (SELECT, ASK)")


@pytest.mark.parametrize("accept,kind,want", [
    (None, "results", "json"), ("", "results", "json"), ("garbage", "results", "json"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.1", "results", "csv"),
    ("text/*;q=0.5, text/tab-separated-values", "results", "tsv"),
    ("text/*, text/csv;q=0", "results", "tsv"),
    ("*/*;q=0", "results", None), ("text/html", "results", None),
    ("application/ld+json;q=0.9, text/turtle;q=0.8", "graph", "jsonld"),
    ("*", "graph", "ttl"), ("text/n3", "graph", "ttl"),
    ("application/*", "graph", "nt"),
])
def test_negotiate(accept, kind, want):
    fmt = negotiate(accept, RESULT_FORMATS if kind == "results" else GRAPH_FORMATS)
    assert (fmt.name if fmt else None) == want


def test_parse_accept():
    assert parse_accept("text/csv;q=0.5;charset=utf-8, */*;q=oops, bad, application/json") == [
        ("text", "csv", 0.5), ("*", "*", 0.0), ("application", "json", 1.0)]


# -- CORS --------------------------------------------------------------------------------------
def test_cors_on_answers_and_errors(served):
    origin = {"Origin": "https://yasgui.example"}
    assert get(served, FOUNDED, origin).headers["Access-Control-Allow-Origin"] == "*"
    assert get(served, "SELEC", origin).headers["Access-Control-Allow-Origin"] == "*"
    assert request(served, "GET", "/nowhere", headers=origin).headers["Access-Control-Allow-Origin"] == "*"


def test_options_preflight(served):
    r = request(served, "OPTIONS", "/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert r.status == 204 and r.body == b""
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert set(r.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")} >= {"content-type", "accept"}
    assert "Access-Control-Allow-Private-Network" not in r.headers


def test_private_network_preflight(served):
    """Chrome asks before a public page (a hosted YASGUI) may call a loopback server."""
    r = request(served, "OPTIONS", "/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Private-Network": "true"})
    assert r.status == 204 and r.headers["Access-Control-Allow-Private-Network"] == "true"


# -- read-only -----------------------------------------------------------------------------------
INSERT = f"INSERT DATA {{ <{DARIO}> <https://w3id.org/aikg/ontology#founded> <https://w3id.org/aikg/id/org/x> }}"


@pytest.mark.parametrize("how", ["update-param", "update-form", "sparql-update", "query-get", "query-form",
                                 "query-direct", "delete-where", "load", "drop"])
def test_updates_are_refused_and_change_nothing(served, ingested_store, how):
    before = quad_set(ingested_store.path)
    if how == "update-param":
        r = request(served, "GET", "/sparql?" + urllib.parse.urlencode({"update": INSERT}))
    elif how == "update-form":
        r = request(served, "POST", "/sparql", urllib.parse.urlencode({"update": INSERT}),
                    {"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "sparql-update":
        r = request(served, "POST", "/sparql", INSERT, {"Content-Type": "application/sparql-update"})
    elif how == "query-get":
        r = get(served, INSERT)
    elif how == "query-form":
        r = post_form(served, INSERT)
    elif how == "query-direct":
        r = post_direct(served, "PREFIX ex: <http://example.org/>\n# a comment\n" + INSERT)
    elif how == "delete-where":
        r = post_form(served, "DELETE WHERE { ?s ?p ?o }")
    elif how == "load":
        r = post_form(served, "LOAD <http://127.0.0.1:9/data.ttl>")
    else:
        r = post_form(served, "DROP ALL")
    assert r.status == 403, r.text
    assert "read-only" in r.text or "not allowed" in r.text
    assert r.text.count("\n") == 1
    assert quad_set(ingested_store.path) == before
    assert json_rows(get(served, f"SELECT ?o WHERE {{ <{DARIO}> kg:founded ?o }}").body) == {(ANTHROPIC,)}


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _count(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = _count

    def log_message(self, *args):
        pass


@pytest.fixture
def bystander():
    """A local HTTP server that counts every connection made to it."""
    connections = []

    class Server(http.server.ThreadingHTTPServer):
        def verify_request(self, request, client_address):
            connections.append(client_address)
            return True

    _Counter.hits = []
    httpd = Server(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", connections
    httpd.shutdown()
    httpd.server_close()


def test_service_from_and_load_make_no_request(served, bystander):
    base, connections = bystander
    refused = [
        f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ service silent <{base}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX remote: <{base}/> SELECT * WHERE {{ ?s ?p ?o SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{base}/graph.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{base}/graph.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{base}/graph.ttl> WHERE {{ ?s ?p ?o }}",
        f"ASK FROM <{base}/graph.ttl> {{ ?s ?p ?o }}",
        f"LOAD <{base}/graph.ttl>",
        f"LOAD SILENT <{base}/graph.ttl> INTO GRAPH <http://example.org/g>",
    ]
    for query in refused:
        for send in (get, post_form, post_direct):
            r = send(served, query)
            assert r.status == 403, (query, r.status, r.text)
    r = get(served, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": f"{base}/graph.ttl"})
    assert r.status == 400 and "default-graph-uri is not supported" in r.text
    r = get(served, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", **{"named-graph-uri": f"{base}/g"})
    assert r.status == 400
    assert connections == [] and _Counter.hits == []


def test_service_message(served, bystander):
    base, _ = bystander
    r = get(served, f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}")
    assert r.text == "SERVICE is not allowed: this endpoint does not send queries to other servers\n"
    r = get(served, f"SELECT * FROM <{base}/g> WHERE {{ ?s ?p ?o }}")
    assert r.text.startswith(f"FROM <{base}/g> is not allowed")


def test_from_a_graph_of_the_store_is_allowed(served, ingested_store):
    graphs = sorted({q.graph_name.value for q in quad_set(ingested_store.path)
                     if isinstance(q.graph_name, ox.NamedNode)})
    assert graphs
    r = get(served, f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> WHERE {{ ?s ?p ?o }}")
    assert r.status == 200, r.text
    n = int(next(iter(json_rows(r.body)))[0])
    assert 0 < n < len([q for q in quad_set(ingested_store.path) if isinstance(q.graph_name, ox.DefaultGraph)])
    r = get(served, f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{graphs[0]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    assert r.status == 200 and {row[0] for row in json_rows(r.body)} == {graphs[0]}


# -- errors --------------------------------------------------------------------------------------
def test_malformed_query_is_400_with_position(served):
    r = get(served, "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert r.status == 400
    assert r.ctype == "text/plain; charset=utf-8"
    assert re.fullmatch(r"malformed query: error at 3:\d+: .+\n", r.text), r.text
    r = post_direct(served, "SELEC * WHERE { ?s ?p ?o }")
    assert r.status == 400 and r.text.startswith("malformed query: error at 1:")


@pytest.mark.parametrize("path,status,message", [
    ("/sparql", 400, "no query: send query="),
    ("/sparql?query=", 400, "empty query"),
    ("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400, "2 queries given: send exactly one"),
    ("/sparql?query=%FF", 400, "parameters are not valid UTF-8"),
    ("/nowhere", 404, "not found: /nowhere; this server has / (explorer), /query"),
])
def test_get_errors(served, path, status, message):
    r = request(served, "GET", path)
    assert r.status == status
    assert r.text.startswith(message), r.text
    assert r.text.count("\n") == 1


def test_post_errors(served):
    r = request(served, "POST", "/sparql", "query=ASK{}", {"Content-Type": "text/plain"})
    assert r.status == 415 and "application/sparql-query" in r.text
    r = request(served, "POST", "/sparql", "ASK {}", {"Content-Type": "application/sparql-query; charset=nope"})
    assert r.status == 415 and "unknown charset 'nope'" in r.text
    r = request(served, "POST", "/sparql", b"ASK { ?s ?p \xff }", {"Content-Type": "application/sparql-query"})
    assert r.status == 400 and "not valid utf-8" in r.text
    r = request(served, "POST", "/health", "x", {"Content-Type": "text/plain"})
    assert r.status == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS"
    r = request(served, "POST", "/elsewhere", "x", {"Content-Type": "text/plain"})
    assert r.status == 404
    for method in ("PUT", "DELETE", "PATCH"):
        r = request(served, method, "/sparql", "x", {"Content-Type": "text/turtle"})
        assert r.status == 405 and "read-only" in r.text
    r = request(served, "BREW", "/sparql")
    assert r.status == 501 and r.text == "method BREW not supported: use GET, POST or OPTIONS\n"


def test_request_size_errors(served):
    answer = raw(served, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                         b"Content-Length: 5000000\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 413 ") and b"request body too large: 5,000,000 bytes" in answer
    answer = raw(served, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ") and b"POST needs a Content-Length" in answer
    answer = raw(served, b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/sparql-query\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ")
    answer = raw(served, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"bad Content-Length 'ten'" in answer
    answer = raw(served, b"GET /sparql?query=" + b"A" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 414 ") and b"send long queries with POST" in answer
    # a long query is fine by POST
    long_query = "ASK { ?s ?p ?o }" + " " * 100_000
    assert post_form(served, long_query).status == 200


@pytest.mark.parametrize("data, status, message", [
    # found by fuzz/query.py: a NUL in the charset made bytes.decode raise ValueError out of the
    # handler, and the connection was dropped without an answer
    (b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded; "
     b"charset=latin\x00-1\r\nContent-Length: 11\r\n\r\nquery=ASK{}", 415, b"unknown charset 'latin\\x00-1'"),
    # found by fuzz/query.py: a request line without a version (HTTP/0.9) was answered with a
    # bare page, without a status line or any header (no Content-Security-Policy)
    (b"GET /\r\n\r\n", 400, b"HTTP/0.9 requests are not supported"),
    (b"POST /sparql HTTP/0.9\r\n\r\n", 400, b"HTTP/0.9 requests are not supported"),
    (b"GET / HTTP/0.5\r\n\r\n", 400, b"HTTP/0.5 requests are not supported"),
    # and a request line the standard library refuses was answered in HTTP/0.9 too
    (b"GET / HTTP/1 x\r\n\r\n", 400, b"Bad request version ('x')"),
    (b"GET / HTTP/2.0\r\n\r\n", 505, b"Invalid HTTP version (2.0)"),
    (b"FOO\r\n\r\n", 400, b"Bad request syntax ('FOO')"),
    # found by fuzz/query.py: a target urllib cannot split raised ValueError out of the handler
    (b"GET http://[/sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400,
     b"malformed request target 'http://[/sparql': Invalid IPv6 URL\n"),
    # found by fuzz/query.py: what an error echoes of the request (a folded header, a format=
    # value) could break it over several lines
    (b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/x\r\n  two\r\n"
     b"Content-Length: 0\r\n\r\n", 415, b"unsupported Content-Type text/x two: POST a query as"),
    (b"GET /sparql?query=ASK%7B%7D&format=%0D%0Attl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 406,
     b"format= ttl is not available for a ASK query; use one of json, xml, csv, tsv\n"),
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: text/turtle,\r\n"
     b" image/png\r\n\r\n", 406, b"nothing in Accept: text/turtle, image/png is available for a ASK query"),
])
def test_hostile_requests_get_a_one_line_http_answer(served, data, status, message):
    answer = raw(served, data)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert b"\r\nX-Content-Type-Options: nosniff" in head
    assert body.startswith(message) and body.count(b"\n") == 1, body


def test_keep_alive_serves_several_requests_on_one_connection(served):
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    try:
        for _ in range(3):
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}))
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["boolean"] is True
    finally:
        conn.close()


# -- limits --------------------------------------------------------------------------------------
def test_timeout_ends_in_503_and_the_server_goes_on(limited):
    wait_ready(limited)
    r = post_form(limited, SLOW)
    assert r.status == 503
    assert r.text == ("query timed out after 1 s (--timeout); simplify the query, add LIMIT, or "
                      "start kg serve with a higher --timeout\n")
    assert get(limited, "ASK { ?s ?p ?o }").status == 200
    wait_ready(limited)  # the killed worker has been replaced
    assert json_rows(get(limited, f"SELECT ?o WHERE {{ <{DARIO}> kg:founded ?o }}").body) == {(ANTHROPIC,)}


def test_busy_when_every_worker_is_taken(limited):
    wait_ready(limited)
    answers: list[Response] = []

    def slow():
        answers.append(post_form(limited, SLOW))

    threads = [threading.Thread(target=slow) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [a.status for a in answers] == [503, 503, 503]
    assert sum(a.text.startswith("query timed out after 1 s") for a in answers) == 2
    busy = [a for a in answers if a.text.startswith("server busy")]
    assert len(busy) == 1
    assert busy[0].text == ("server busy: all 2 query workers stayed busy for 1 s; try again later (or "
                         "start kg serve with more --workers)\n")
    wait_ready(limited)
    assert get(limited, "ASK {}").status == 200


@pytest.mark.parametrize("query,fmt", [
    (query, fmt) for query in ("SELECT * WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 6")
    for fmt in ("json", "xml", "csv", "tsv")] + [
    (query, fmt) for query in ("CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }")
    for fmt in ("ttl", "nt", "jsonld", "rdfxml")])
def test_row_cap(limited, query, fmt):
    wait_ready(limited)
    r = get(limited, query, format=fmt)
    assert r.status == 413
    assert r.text == ("result too large: more than 5 rows (--max-rows); add LIMIT (and OFFSET to page) "
                      "or start kg serve with a higher --max-rows\n")


def test_results_within_the_row_cap(limited):
    wait_ready(limited)
    r = get(limited, "SELECT ?s WHERE { ?s rdfs:label ?l } ORDER BY ?s LIMIT 5", format="tsv")
    assert r.status == 200 and len(r.text.splitlines()) == 6
    r = get(limited, "CONSTRUCT WHERE { ?s rdfs:label ?o } LIMIT 5", format="nt")
    assert r.status == 200 and len(r.text.splitlines()) == 5
    assert get(limited, "SELECT ?s WHERE { ?s rdfs:label ?l } LIMIT 5", format="xml").status == 200


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_byte_cap(limited, fmt):
    wait_ready(limited)
    r = get(limited, "SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { ?s ?p ?o }", format=fmt)
    assert r.status == 413
    assert r.text == (f"result too large: more than 3,000 bytes as {fmt} (--max-bytes); add LIMIT or "
                      f"start kg serve with a higher --max-bytes\n")

@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "rdfxml"])
def test_byte_cap_on_graphs(limited, fmt):
    wait_ready(limited)
    r = get(limited, "CONSTRUCT { <http://example.org/all> rdfs:label ?all } WHERE { "
                     "{ SELECT (GROUP_CONCAT(STR(?o)) AS ?all) WHERE { ?s ?p ?o } } }", format=fmt)
    assert r.status == 413
    assert f"more than 3,000 bytes as {fmt} (--max-bytes)" in r.text


def test_quiet_logs_no_requests(limited):
    wait_ready(limited)
    get(limited, "ASK {}")
    assert not [line for line in limited.log_lines() if LOG_LINE.match(line)]


# -- pages ---------------------------------------------------------------------------------------
def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}


def test_explorer_page(served):
    r = request(served, "GET", "/")
    assert r.status == 200 and r.ctype == "text/html; charset=utf-8"
    page = r.text
    assert "vis.Network" in page and "Anthropic" in page
    csp = _directives(r.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    assert sorted(csp["script-src"]) == sorted(_hash(s) for s in scripts)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "connect-src" not in csp  # the explorer fetches nothing
    again = request(served, "GET", "/explorer")
    assert again.body == r.body  # built once, cached
    head = request(served, "HEAD", "/")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == len(r.body)


def test_query_page(served):
    r = request(served, "GET", "/query")
    assert r.status == 200 and r.ctype == "text/html; charset=utf-8"
    page = r.text
    csp = _directives(r.headers["Content-Security-Policy"])
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert csp["script-src"] == [_hash(scripts[0])] and len(scripts) == 1
    assert csp["style-src"] == [_hash(styles[0])] and len(styles) == 1
    assert csp["default-src"] == ["'none'"] and csp["connect-src"] == ["'self'"]
    assert "innerHTML" not in page and "eval(" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)  # nothing external
    assert 'fetch("sparql"' in page and "<textarea" in page


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("query,want", [
    ('SELECT ?f ?o ("<b>x</b>"@en AS ?lit) WHERE { ?f kg:founded ?o } ORDER BY ?f LIMIT 2',
     {"status": "2 rows", "rows": [["f", "o", "lit"],
                                   ["kgid:person/daniela-amodei", "kgid:org/anthropic", "<b>x</b>"],
                                   ["kgid:person/dario-amodei", "kgid:org/anthropic", "<b>x</b>"]]}),
    ("ASK {}", {"status": "ASK answered", "text": "true"}),
    ("CONSTRUCT WHERE { ?f kg:founded ?o }", {"status": "graph", "text": f"<{DARIO}> kg:founded <{ANTHROPIC}> ."}),
    ("SELEC", {"status": "400 malformed query: error at 1:6:", "error": True}),
])
def test_query_page_script_runs_queries(served, tmp_path, query, want):
    """The page's own script, run by node over a minimal DOM, against the real server."""
    page = tmp_path / "query.html"
    page.write_bytes(request(served, "GET", "/query").body)
    done = subprocess.run(["node", str(ROOT / "tests" / "fixtures" / "query_page.js"), str(page), served.url,
                           query], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["status"].startswith(want["status"]), got
    assert got["error"] is want.get("error", False)
    if "rows" in want:
        assert got["rows"] == want["rows"]  # values shown as text: the <b> is not markup
    if "text" in want:
        assert want["text"] in got["text"]


def test_query_page_escapes_the_store_name():
    page, _ = query_page('<script>alert("x")</script>')
    text = page.decode()
    assert '<script>alert("x")' not in text and "&lt;script&gt;alert(&quot;x&quot;)" in text


def test_query_page_queries_work_as_the_page_sends_them(served):
    from kg.server import EXAMPLES

    for ex in EXAMPLES:
        r = post_form(served, ex["query"], {"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
        assert r.status == 200, (ex["name"], r.text)


# -- the log ---------------------------------------------------------------------------------------
def test_one_log_line_per_request(served):
    before = len(served.log_lines())
    get(served, FOUNDED, format="csv")
    post_direct(served, CONSTRUCT)
    get(served, "SELEC")
    request(served, "GET", "/health")
    request(served, "OPTIONS", "/sparql")
    lines = served.log_lines()[before:]
    assert len(lines) == 5, lines
    parsed = [LOG_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["method"], m["path"], m["status"], m["form"], m["fmt"]) for m in parsed] == [
        ("GET", "/sparql", "200", "SELECT", "csv"), ("POST", "/sparql", "200", "CONSTRUCT", "ttl"),
        ("GET", "/sparql", "400", "?", None), ("GET", "/health", "200", None, None),
        ("OPTIONS", "/sparql", "204", None, None)]
    assert int(parsed[0]["bytes"]) > 0
    assert lines[2].split(" - ", 1)[1] == "malformed query: error at 1:6: expected [_]"
    assert "SELEC" not in lines[2].split(" - ")[0]  # the query text itself is not logged


# -- a SPARQL server as the store --------------------------------------------------------------------
def test_serving_a_remote_store(server_pool, nlp_ready, tmp_path):
    from conftest import open_backend, wipe

    with open_backend("oxigraph", server_pool, "serve") as kg:
        wipe(kg)
        assert kg.ingest([write_corpus(tmp_path / "corpus")]).new == len(CORPUS)
    upstream = server_pool.get("oxigraph", "serve")
    server = start_server(upstream.url, tmp_path / "stderr.log", "--workers", 1)
    try:
        assert server.line.startswith(f"serving {upstream.url} at http://127.0.0.1:")
        r = get(server, f"SELECT ?o WHERE {{ <{DARIO}> kg:founded ?o }}", format="csv")
        assert r.status == 200 and r.text.splitlines() == ["o", ANTHROPIC]
        graphs = json_rows(get(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a kg:Article } }").body)
        g = sorted(graphs)[0][0]
        assert get(server, f"ASK FROM <{g}> {{ ?s ?p ?o }}").status == 200
        assert get(server, "ASK FROM <http://127.0.0.1:9/x> { ?s ?p ?o }").status == 403
        assert post_form(server, INSERT).status == 403
        assert get(server, "SELECT ?s WHERE { ?s }").status == 400
        assert request(server, "GET", "/").status == 200
    finally:
        assert server.stop() == 0
