"""Fuzz the SPARQL endpoint's request handling with atheris, without a network.

Each input becomes one or more HTTP requests handed to kg.server.Handler, the handler
`kg serve` runs, over in-memory streams instead of a socket. Queries are answered in this
process by kg.server.answer (what each worker process runs) against a small in-memory
store. Input layout: the first byte chooses the request,

    G  GET /sparql?query=...&format=...        with an Accept header
    P  POST /sparql, application/sparql-query  with an Accept header
    F  POST /sparql, a form (query=..., format=...)
    R  the rest of the input is sent as it is: raw HTTP, any method, path and headers

and for G, P and F the rest is ACCEPT \\0 FORMAT \\0 QUERY (missing parts are empty). What
may come out: well-formed HTTP responses whose Content-Length matches their body and
whose errors are one line of text: 4xx for what the client got wrong (501 and 505 for an
unknown method or HTTP version), never a 500 (an "internal error" is a bug in the server,
a "query failed" one a client error reported as the server's). Anything else, and any
exception out of the handler, is a crash.

    python fuzz/query.py -max_total_time=600            # see fuzz/README.md
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports(include=["kg"]):
    import kg.sparql  # noqa: F401 - instrumented here, imported by the handler on first use
    from kg.iri import article_iri, entity_iri, entity_key
    from kg.model import Article, Entity, Extraction, Relation
    from kg.rdfmap import article_quads
    from kg.server import App, Handler, Limits, answer
    from kg.store import Store

LIMITS = Limits(max_rows=500, max_bytes=1 << 20)


def small_store() -> Store:
    """Two articles in our own words, written the way ingest writes them."""
    store = Store(None)
    facts = {"a1": [("Ada Quill", "Person", "founded", "Quill Labs", "AILab", "Ada Quill founded Quill Labs."),
                    ("Quill Labs", "AILab", "develops", "Quillet", "AIModel", "Quill Labs develops Quillet.")],
             "a2": [("Borealis Fund", "Investor", "funds", "Quill Labs", "AILab", "Borealis Fund backs Quill Labs."),
                    ("Quill Labs", "AILab", "located_in", "Oslo", "City", "Quill Labs is based in Oslo.")]}
    for article_id, rows in facts.items():
        text = " ".join(r[5] for r in rows)
        entities, relations = {}, []
        for s, scls, pred, o, ocls, sentence in rows:
            for name, cls in ((s, scls), (o, ocls)):
                key = entity_key(name, cls)
                entities[key] = Entity(key=key, name=name, cls=cls, iri=entity_iri(name, cls))
            start = text.index(sentence)
            relations.append(Relation(entity_key(s, scls), pred, entity_key(o, ocls), sentence, start,
                                      start + len(sentence), "rules.v1/fuzz", 0.8, date="2024-05"))
        article = Article(id=article_id, text=text, title=f"News {article_id}", published="2024-05-01")
        store.replace_graph(article_iri(article_id),
                            article_quads(Extraction(article, tuple(entities.values()), (), tuple(relations))))
    return store


class InlinePool:
    """kg.server.WorkerPool's interface, answering each job in this process with the same
    function the worker processes run (kg.server.answer)."""

    def __init__(self, store: Store):
        self.store = store
        self.graphs = set(store.named_graphs())

    def run(self, job: tuple, timeout: float) -> tuple[int, str, bytes]:
        return answer(self.store, job, LIMITS)

    def counts(self) -> dict[str, int]:
        return {"workers": 1, "idle": 1, "starting": 0}


APP = App("memory", InlinePool(small_store()), timeout=5.0, log=None)
SERVER = SimpleNamespace(app=APP)


class Connection:
    """The socket a handler is given, as in-memory streams."""

    def __init__(self, request: bytes):
        self.rfile = io.BytesIO(request)
        self.out = bytearray()

    def makefile(self, mode: str, *args, **kwargs):
        return self.rfile

    def settimeout(self, timeout) -> None:
        pass

    def sendall(self, data) -> None:
        self.out += bytes(data)


def request_for(data: bytes) -> bytes:
    kind, rest = data[:1], data[1:]
    if kind == b"R":
        return rest
    parts = rest.split(b"\0", 2) + [b"", b""]
    accept, fmt, query = (p.decode("utf-8", "replace") for p in parts[:3])
    head = f"Accept: {quote(accept, safe=' /*;=,.+-')}\r\n" if accept else ""
    q, f = quote(query, safe=""), quote(fmt, safe="")
    if kind == b"G" or kind not in (b"P", b"F"):
        return f"GET /sparql?query={q}&format={f} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode()
    if kind == b"P":
        body = query.encode("utf-8")
        ctype = "application/sparql-query"
    else:
        body = f"query={q}&format={f}".encode()
        ctype = "application/x-www-form-urlencoded"
    return (f"POST /sparql HTTP/1.1\r\nHost: x\r\n{head}Content-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def check_responses(out: bytes, head_requests: int = 0) -> None:
    """Each response: a status line, headers, a body of Content-Length bytes; no server
    error (500, 502; 501, 503 and 505 are about the request); a text/plain error is one line.
    `head_requests`: how many requests may have been HEAD requests (answered without a body)."""
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        if not sep or not head.startswith(b"HTTP/1.1 "):
            raise AssertionError(f"not an HTTP response: {out[:200]!r}")
        status = int(head[9:12])
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        length = int(headers.get(b"Content-Length", b"0"))
        if head_requests and (not rest or rest.startswith(b"HTTP/1.1 ")):
            head_requests -= 1  # the answer to a HEAD request: headers only
            body, out, headers_only = b"", rest, True
        else:
            body, out, headers_only = rest[:length], rest[length:], False
            if len(body) != length:
                raise AssertionError(f"body shorter than its Content-Length {length}: {body[:200]!r}")
        if status >= 500 and status not in (501, 503, 505):
            raise AssertionError(f"{status}: {body[:300]!r}")
        if status >= 400 and not headers_only and headers.get(b"Content-Type", b"").startswith(b"text/plain"):
            if body.count(b"\n") != 1 or not body.endswith(b"\n"):
                raise AssertionError(f"{status}: an error must be one line: {body[:300]!r}")


def TestOneInput(data: bytes) -> None:
    request = request_for(data)
    conn = Connection(request)
    Handler(conn, ("127.0.0.1", 1), SERVER)
    check_responses(bytes(conn.out), head_requests=request.count(b"HEAD"))


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
