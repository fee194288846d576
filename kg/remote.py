"""A SPARQL 1.1 server as the store: queries over the Protocol, writes over Update and the
Graph Store Protocol, with the same interface as the embedded kg.store.Store.

Layout on the server is the embedded store's: one named graph per article, plus the merged
graph (the set union of the article graphs) that queries read by default. Where the merged
graph lives depends on the server ("dialect"):

- "default": the server's default graph (Oxigraph, Fuseki and most others);
- "virtuoso": a named graph (kg.remote.MERGED), sent as the protocol's default-graph-uri,
  because Virtuoso's default graph is the union of all its graphs.

Replacing an article is one operation as far as readers can tell: its new triples are first
uploaded to a private staging graph (Graph Store PUT, or INSERT DATA in chunks where there is
no Graph Store endpoint), then a single update request swaps them in and brings the merged
graph in step.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.rdfmap import description
from kg.sparql import graph_iris, has_dataset_clause, inject_values, query_form, tokens, with_prefixes
from kg.vocab import BASE, PREFIXES

log = logging.getLogger(__name__)

MERGED = BASE + "graph/merged"          # the merged graph where it must be a named graph
STAGING = "urn:x-kg:staging:"           # prefix of the graphs a write is staged in
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_RDF_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    graph_store: str | None  # None: writes go as INSERT DATA chunks
    graph_param: str = "graph"  # Virtuoso's own Graph Store endpoint calls it graph-uri


class SparqlStore:
    """A remote SPARQL server used as the store.

    url: the query endpoint. The update and Graph Store endpoints are worked out for the
    servers that have fixed paths (Oxigraph's /query, /update, /store; Virtuoso's /sparql,
    /sparql-auth, /sparql-graph-crud-auth) and can be given explicitly for the others.
    user/password with auth "basic" or "digest" authenticate writes (and reads, with Basic);
    the password may also come from the KG_STORE_PASSWORD environment variable.
    graph_store=False stages writes as INSERT DATA chunks of `chunk_triples` instead of a Graph
    Store upload. `timeout` bounds each request, in seconds.
    """

    def __init__(self, url: str, *, read_only: bool = False, update_url: str | None = None,
                 graph_store_url: str | None = None, user: str | None = None,
                 password: str | None = None, auth: str = "basic", dialect: str = "auto",
                 timeout: float = 60.0, chunk_triples: int = 1000, graph_store: bool = True):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"{url}: not an http(s) SPARQL endpoint URL")
        if auth not in ("basic", "digest"):
            raise StoreError(f"{url}: unknown authentication {auth!r} (basic or digest)")
        if dialect not in ("auto", "default", "virtuoso"):
            raise StoreError(f"{url}: unknown dialect {dialect!r} (auto, default or virtuoso)")
        self.url = url
        self.path = None  # there is no folder; messages name the URL
        self.read_only = read_only
        self.timeout = timeout
        self.chunk_triples = chunk_triples
        password = password if password is not None else os.environ.get("KG_STORE_PASSWORD")
        self._http = _Http(f"{parts.scheme}://{parts.netloc}/", user, password, auth)
        self._dialect = None if dialect == "auto" else dialect
        self._update_url, self._gsp_url = update_url, graph_store_url
        self._use_gsp = graph_store
        self._endpoints: Endpoints | None = None

    def __repr__(self) -> str:
        return f"SparqlStore({self.url!r})"

    def __str__(self) -> str:
        return self.url

    # -- the server --------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        if self._dialect is None:
            status, headers, _ = self._http.request("GET", _with_params(self.url, {"query": "ASK {}"}),
                                                    headers={"Accept": _RESULTS_JSON},
                                                    timeout=self.timeout, what=self.url)
            server = headers.get("Server", "")
            self._dialect = "virtuoso" if "virtuoso" in server.lower() else "default"
        return self._dialect

    @property
    def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            base, _, last = self.url.rstrip("/").rpartition("/")
            update, gsp, param = self.url, None, "graph"
            if self.dialect == "virtuoso" and last == "sparql":
                auth = self._http.user is not None
                update = f"{base}/sparql-auth" if auth else self.url
                gsp, param = f"{base}/sparql-graph-crud-auth" if auth else f"{base}/sparql-graph-crud", "graph-uri"
            elif last == "query":  # Oxigraph's layout
                update, gsp = f"{base}/update", f"{base}/store"
            gsp = (self._gsp_url or gsp) if self._use_gsp else None
            self._endpoints = Endpoints(self.url, self._update_url or update, gsp, param)
        return self._endpoints

    @property
    def merged(self) -> str | None:
        """The merged graph's IRI, or None when it is the server's default graph."""
        return MERGED if self.dialect == "virtuoso" else None

    # -- writing -----------------------------------------------------------------------
    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        """Replace one article graph and keep the merged graph in step: the triples are staged
        first, then swapped in by one update request."""
        self._writable()
        lines = [f"{q.subject} {q.predicate} {q.object} ." for q in quads]
        staging = STAGING + uuid.uuid4().hex
        try:
            self._stage(staging, lines)
            g, s = f"<{graph}>", f"<{staging}>"
            self._update(f"""{self._retract(g)} ;
DROP SILENT GRAPH {g} ;
INSERT {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {s} {{ ?s ?p ?o }} }} ;
DROP SILENT GRAPH {s} ;
{self._merge(g)}""")
        except BaseException:
            try:
                self._update(f"DROP SILENT GRAPH <{staging}>")
            except StoreError:
                pass
            raise

    def remove_graph(self, graph: str) -> None:
        """Remove an article graph and what only it contributed to the merged graph."""
        self._writable()
        g = f"<{graph}>"
        self._update(f"{self._retract(g)} ;\nDROP SILENT GRAPH {g}")

    def _stage(self, staging: str, lines: list[str]) -> None:
        ep = self.endpoints
        if ep.graph_store is not None:
            body = ("\n".join(lines) + "\n").encode()
            self._http.request("PUT", _with_params(ep.graph_store, {ep.graph_param: staging}), body,
                               {"Content-Type": _NTRIPLES}, timeout=self.timeout, what=self.url,
                               write=True)
            return
        for i in range(0, len(lines), self.chunk_triples):  # INSERT DATA has size caps (Virtuoso)
            chunk = "\n".join(lines[i:i + self.chunk_triples])
            self._update(f"INSERT DATA {{ GRAPH <{staging}> {{\n{chunk}\n}} }}")

    def _retract(self, g: str) -> str:
        """Update: delete from the merged graph the triples that only graph g holds (staging
        graphs, and on Virtuoso the merged graph itself, do not count as holding them)."""
        other = f'?h != {g} && !STRSTARTS(STR(?h), "{STAGING}")'
        target = "?s ?p ?o"
        if self.merged:
            other += f" && ?h != <{self.merged}>"
            target = f"GRAPH <{self.merged}> {{ ?s ?p ?o }}"
        return (f"DELETE {{ {target} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} "
                f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER ({other}) }} }}")

    def _merge(self, g: str) -> str:
        if self.merged:
            return f"INSERT {{ GRAPH <{self.merged}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}"
        return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}"

    def _update(self, update: str) -> None:
        self._writable()
        self._http.request("POST", self.endpoints.update, update.encode(),
                           {"Content-Type": "application/sparql-update; charset=utf-8"},
                           timeout=self.timeout, what=self.url, write=True)

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.url}: the store is open read-only")

    def graph_hash(self, graph: str) -> str | None:
        rows = self._select("SELECT ?h WHERE { GRAPH ?g { ?g kg:contentHash ?h } }",
                            {"g": f"<{graph}>"})
        return rows[0]["h"].value if rows else None

    def graph_description(self, graph: str) -> frozenset[tuple[str, str]] | None:
        rows = self._select("SELECT ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } }", {"g": f"<{graph}>"})
        return description([(r["p"], r["o"]) for r in rows]) if rows else None

    def flush(self) -> None:
        """Nothing to do: each write is committed by the server when it answers."""

    # -- reading -----------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict | None = None):
        """Run a query on the server; results come back as pyoxigraph objects, as from the
        embedded store. Bound values become a VALUES block at the start of the WHERE clause."""
        form = query_form(sparql)
        if form == "UPDATE":
            raise QueryError("updates (INSERT, DELETE, DROP, LOAD, ...) are not allowed; "
                             "this store answers queries only")
        if substitutions:
            if sum(t.keyword == "SELECT" for t in tokens(sparql)) > 1:
                names = ", ".join(str(getattr(k, "value", k)) for k in substitutions)
                raise QueryError(f"bound variable(s) {names}: a SPARQL server store cannot bind "
                                 f"values inside subqueries; write them into the subquery")
            sparql = inject_values(sparql, {str(k.value if isinstance(k, ox.Variable) else k): str(v)
                                            for k, v in substitutions.items()})
        text = with_prefixes(sparql, PREFIXES)
        params = [("query", text)]
        if self.merged and not has_dataset_clause(text):
            # Virtuoso: the merged graph is the default graph; GRAPH <iri> then only matches
            # graphs listed as named graphs, while GRAPH ?g still ranges over all of them
            params.append(("default-graph-uri", self.merged))
            iris, _ = graph_iris(text, PREFIXES)
            params += [("named-graph-uri", iri) for iri in iris]
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = f"{_NTRIPLES}, text/turtle;q=0.9" if graph_form else _RESULTS_JSON
        _, headers, body = self._http.request(
            "POST", self.endpoints.query, urllib.parse.urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            timeout=self.timeout, what=self.url, query=True)
        cap = headers.get("X-SPARQL-MaxRows")
        if cap:
            raise QueryError(f"{self.url}: the server cut the result at {cap} rows (Virtuoso's "
                             f"ResultSetMaxRows); raise that limit or page with LIMIT/OFFSET")
        ctype = headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if graph_form:
                fmt = _RDF_FORMATS.get(ctype, ox.RdfFormat.TURTLE)
                return [q.triple for q in ox.parse(body, format=fmt)]
            if "json" not in ctype:
                raise QueryError(f"{self.url}: expected SPARQL JSON results, got {ctype or 'no content type'}")
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise QueryError(f"{self.url}: unreadable answer ({_first_line(exc)})") from None
        if form == "ASK" and isinstance(result, ox.QuerySolutions):
            # Virtuoso answers a POSTed ASK with one row holding 1 or 0
            rows = list(result)
            value = rows[0][0].value if rows and len(rows[0]) else "0"
            truth = "true" if value in ("1", "true") else "false"
            return ox.parse_query_results(f'{{"head":{{}},"boolean":{truth}}}'.encode(),
                                          format=ox.QueryResultsFormat.JSON)
        return result

    def _select(self, sparql: str, values: dict[str, str] | None = None) -> list[ox.QuerySolution]:
        if values:
            sparql = inject_values(sparql, values)
        return list(self.query(sparql))

    def named_graphs(self) -> list[str]:
        """The article graphs (each holds its article node under the graph's own IRI)."""
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g a kg:Article } }")
        return sorted(r["g"].value for r in rows)

    def quads(self) -> Iterator[ox.Quad]:
        """The quads of the article graphs, one graph per request (an article graph is far
        below any server's row cap; a cut answer raises rather than lose triples)."""
        for graph in self.named_graphs():
            g = ox.NamedNode(graph)
            for r in self._select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": str(g)}):
                yield ox.Quad(r["s"], r["p"], r["o"], g)

    def merged_triples(self) -> Iterator[ox.Triple]:
        """The triples of the merged graph: the set union of the article graphs."""
        seen: set[ox.Triple] = set()
        for q in self.quads():
            if q.triple not in seen:
                seen.add(q.triple)
                yield q.triple

    def __len__(self) -> int:
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g a kg:Article . ?s ?p ?o } }")
        return int(rows[0]["n"].value)

    def close(self) -> None:
        """Nothing to close: each request is its own connection."""


def _with_params(url: str, params: dict[str, str]) -> str:
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(params)


def _first_line(exc: BaseException | str) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class _Http:
    """Plain HTTP with Basic or Digest credentials; errors become one-line StoreError/QueryError.

    Digest is answered by hand (RFC 7616, MD5, qop=auth) so that the server's challenge is
    reused for the following requests instead of costing a refused round trip each time.
    """

    def __init__(self, root: str, user: str | None, password: str | None, auth: str):
        self.user = user
        self._password = password
        self._digest = auth == "digest"
        self._challenge: dict[str, str] | None = None
        self._nc = 0
        self._basic = None
        if user is not None:
            if password is None:
                raise StoreError(f"a password is needed for user {user!r} "
                                 f"(--store-password-file or KG_STORE_PASSWORD)")
            if not self._digest:
                self._basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        # a loopback server is never proxied; redirects are not followed for writes
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _authorization(self, method: str, url: str) -> str | None:
        if self._basic:
            return self._basic
        if not self._digest or self.user is None or self._challenge is None:
            return None
        c = self._challenge
        self._nc += 1
        nc, cnonce = f"{self._nc:08x}", secrets.token_hex(8)
        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        ha1 = _md5(f"{self.user}:{c.get('realm', '')}:{self._password}")
        ha2 = _md5(f"{method}:{uri}")
        fields = {"username": self.user, "realm": c.get("realm", ""), "nonce": c.get("nonce", ""),
                  "uri": uri, "algorithm": "MD5"}
        if "auth" in [q.strip() for q in c.get("qop", "").split(",")]:
            fields.update(qop="auth", nc=nc, cnonce=cnonce,
                          response=_md5(f"{ha1}:{c.get('nonce', '')}:{nc}:{cnonce}:auth:{ha2}"))
        else:
            fields["response"] = _md5(f"{ha1}:{c.get('nonce', '')}:{ha2}")
        if "opaque" in c:
            fields["opaque"] = c["opaque"]
        unquoted = {"qop", "nc", "algorithm"}
        return "Digest " + ", ".join(f'{k}={v}' if k in unquoted else f'{k}="{v}"'
                                     for k, v in fields.items())

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None,
                *, timeout: float, what: str, write: bool = False, query: bool = False):
        for attempt in range(2):
            req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
            auth = self._authorization(method, url)
            if auth:
                req.add_header("Authorization", auth)
            try:
                with self._opener.open(req, timeout=timeout) as resp:
                    return resp.status, resp.headers, resp.read()
            except urllib.error.HTTPError as exc:
                with exc:
                    challenge = exc.headers.get("WWW-Authenticate", "") if exc.headers else ""
                    if (exc.code == 401 and attempt == 0 and self._digest and self.user is not None
                            and challenge.lower().startswith("digest")):
                        fresh = _parse_challenge(challenge)
                        if self._challenge is None or fresh.get("stale", "").lower() == "true" \
                                or fresh.get("nonce") != self._challenge.get("nonce"):
                            self._challenge, self._nc = fresh, 0
                            continue
                    self._raise(exc, what=what, write=write, query=query)
            except TimeoutError:
                raise (QueryError if query else StoreError)(
                    f"{what}: no answer within {timeout:g} s") from None
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, OSError) and reason.strerror:
                    reason = reason.strerror
                raise StoreError(f"{what}: cannot reach the SPARQL server ({reason})") from None
            except (OSError, ValueError) as exc:
                raise StoreError(f"{what}: cannot reach the SPARQL server ({_first_line(exc)})") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _raise(exc: urllib.error.HTTPError, *, what: str, write: bool, query: bool):
        detail = _first_line(_error_text(exc)) or exc.reason
        if exc.code in (401, 403):
            raise StoreError(f"{what}: the server refused the credentials for "
                             f"{'writing' if write else 'reading'} (HTTP {exc.code}: {detail})") from None
        if query and exc.code == 400:
            raise QueryError(f"malformed query: {detail}") from None
        kind = "write" if write else "request"
        raise StoreError(f"{what}: {kind} failed (HTTP {exc.code}: {detail})") from None


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _parse_challenge(header: str) -> dict[str, str]:
    """The fields of a `WWW-Authenticate: Digest ...` challenge."""
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in re.finditer(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', header[6:])}


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(4000).decode("utf-8", "replace")
    except OSError:
        return ""
    if text.lstrip().startswith("{"):
        try:
            return json.dumps(json.loads(text))
        except ValueError:
            pass
    # Virtuoso answers "Virtuoso 37000 Error SP030: SPARQL compiler, line 1: ..."
    return " ".join(line.strip() for line in text.strip().splitlines()[:2])
