"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a store, with the explorer and a
query page (docs/serve.md).

The HTTP side is the standard library's ThreadingHTTPServer. Queries run in worker
processes (pyoxigraph cannot cancel a query in its thread): each worker opens the store
read-only, receives jobs over a Pipe and answers (status, content type, body), the body
fully serialised and already checked against the row and byte caps. A query that outlives
--timeout has its worker killed by PID and a fresh one started, so a timed-out query
never leaves a half-sent 200 behind. Every query is checked before it reaches a worker:
updates, LOAD, SERVICE and FROM naming a graph the store does not hold are refused, so
the server makes no outbound request.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import multiprocessing
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from kg import __version__
from kg.errors import KGError, QueryError, StoreError
from kg.vocab import PREFIXES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 30.0
DEFAULT_WORKERS = 2
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_BYTES = 100_000_000
MAX_QUERY_BYTES = 1_000_000  # a POST body (query text or form) larger than this: 413
START_TIMEOUT = 120.0  # seconds a worker may take to open the store
CHUNK = 1 << 16  # bytes written to the socket at a time

TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


# -- formats and content negotiation ----------------------------------------------------------
@dataclass(frozen=True)
class Format:
    name: str                 # the canonical short name (format=NAME)
    kind: str                 # "results" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)
    media_type: str           # what the response says it is
    also: tuple[str, ...]     # other media types in Accept that select it
    names: tuple[str, ...]    # format= / output= values that select it
    prefixes: bool = False    # write the project's prefixes (Turtle, RDF/XML)

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def ox(self):
        import pyoxigraph as ox

        return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[self.name]


RESULT_FORMATS = (  # in order of preference when Accept allows several equally
    Format("json", "results", "application/sparql-results+json", ("application/json",), ("json", "srj")),
    Format("xml", "results", "application/sparql-results+xml", ("application/xml", "text/xml"),
           ("xml", "srx")),
    Format("csv", "results", "text/csv", (), ("csv",)),
    Format("tsv", "results", "text/tab-separated-values", (), ("tsv",)),
)
GRAPH_FORMATS = (
    Format("ttl", "graph", "text/turtle",
           ("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"),
           ("ttl", "turtle", "n3"), prefixes=True),
    Format("nt", "graph", "application/n-triples", ("text/plain",), ("nt", "ntriples", "n-triples")),
    Format("jsonld", "graph", "application/ld+json", ("application/json", "application/x-json+ld"),
           ("jsonld", "json-ld", "json")),
    Format("rdfxml", "graph", "application/rdf+xml", ("application/xml", "text/xml"),
           ("rdfxml", "rdf+xml", "rdf", "xml"), prefixes=True),
)
FORMATS = {f.name + ":" + f.kind: f for f in RESULT_FORMATS + GRAPH_FORMATS}
FORM_KIND = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def formats_named(value: str) -> list[Format]:
    """The formats a format= value names (a short name or a media type), of either kind."""
    v = value.strip().lower().replace(" ", "+")  # '+' in an unescaped query string reads as ' '
    return [f for f in RESULT_FORMATS + GRAPH_FORMATS
            if v in f.names or v == f.media_type or v in f.also]


def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """(type, subtype, q) for each media range of an Accept header; malformed ranges are skipped."""
    out = []
    for part in (header or "").split(","):
        fields = [x.strip() for x in part.split(";")]
        media = fields[0].lower()
        if media == "*":
            media = "*/*"
        if media.count("/") != 1:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        t, s = media.split("/")
        out.append((t, s, q))
    return out


def negotiate(accept: str | None, formats: tuple[Format, ...]) -> Format | None:
    """The format Accept prefers, or None when none is acceptable. A format's q is that of the
    most specific range matching one of its media types; the highest q wins, then the more
    specific match, then our order. No (or no parseable) Accept header: the first format."""
    ranges = parse_accept(accept)
    if not ranges:
        return formats[0]
    best, best_key = None, None
    for rank, fmt in enumerate(formats):
        scores = [s for s in (_match(ranges, fmt.media_type),
                              *(_match(ranges, m, exact=True) for m in fmt.also)) if s]
        if not scores:
            continue
        q, spec = max(scores)
        if q > 0 and (best_key is None or (q, spec, -rank) > best_key):
            best, best_key = fmt, (q, spec, -rank)
    return best


def _match(ranges: list[tuple[str, str, float]], media: str, *,
           exact: bool = False) -> tuple[float, int] | None:
    """(q, specificity) of the most specific range that matches a media type, or None; with
    `exact`, wildcards do not count (`text/*` should not pick text/xml, an alias of SPARQL XML)."""
    t, s = media.split("/")
    found: tuple[int, float] | None = None
    for rt, rs, q in ranges:
        spec = 2 if (rt, rs) == (t, s) else 1 if (rt, rs) == (t, "*") else 0 if (rt, rs) == ("*", "*") else -1
        if spec >= (2 if exact else 0) and (found is None or (spec, q) > found):
            found = (spec, q)
    return (found[1], found[0]) if found else None


def _names(formats) -> str:
    return ", ".join(f.name for f in formats)


# -- the worker processes ---------------------------------------------------------------------
class _Sink:
    """A binary file for pyoxigraph's serialisers that refuses to grow past a byte cap (and,
    with max_lines, past that many newlines): write raises OSError and `over` says which."""

    def __init__(self, max_bytes: float, max_lines: float | None = None):
        self.parts: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.max_bytes = max_bytes
        self.max_lines = max_lines
        self.over: str | None = None

    def write(self, data) -> int:
        data = bytes(data)
        self.size += len(data)
        if self.size > self.max_bytes:
            self.over = "bytes"
            raise OSError("result larger than the byte cap")
        if self.max_lines is not None:
            self.lines += data.count(b"\n")
            if self.lines > self.max_lines:
                self.over = "rows"
                raise OSError("result longer than the row cap")
        self.parts.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


@dataclass(frozen=True)
class Limits:
    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = DEFAULT_MAX_BYTES


def _too_many_rows(limits: Limits) -> tuple[int, str, bytes]:
    return _error(413, f"result too large: more than {limits.max_rows:,} rows (--max-rows); add LIMIT "
                       f"(and OFFSET to page) or start kg serve with a higher --max-rows")


def _too_many_bytes(limits: Limits, fmt: Format) -> tuple[int, str, bytes]:
    return _error(413, f"result too large: more than {limits.max_bytes:,} bytes as {fmt.name} "
                       f"(--max-bytes); add LIMIT or start kg serve with a higher --max-bytes")


_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def one_line(message: str) -> str:
    """A plain-text error as one line ending in a newline: line breaks in what it echoes of
    the request (a folded header, a format= value) become single spaces."""
    return _BREAKS.sub(" ", message.strip()) + "\n"


def _error(status: int, message: str) -> tuple[int, str, bytes]:
    return status, TEXT, one_line(message).encode("utf-8")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def run_query(store, query: str, rfmt: Format | None, gfmt: Format | None, limits: Limits,
              *, remote: bool = False) -> tuple[int, str, bytes]:
    """Run a query and serialise its whole result: (status, content type, body)."""
    import pyoxigraph as ox

    try:
        result = store.query(query)
    except QueryError as exc:
        msg = str(exc)
        status = (400 if msg.startswith("malformed") else 403 if msg.startswith("updates")
                  else 502 if remote else 500)
        return _error(status, msg)
    except StoreError as exc:
        return _error(502 if remote else 500, str(exc))
    kind = "results" if isinstance(result, (ox.QueryBoolean, ox.QuerySolutions)) else "graph"
    fmt = rfmt if kind == "results" else gfmt
    if fmt is None:
        return _error(406, f"no acceptable format for this query's {kind}; available: "
                           f"{_names(RESULT_FORMATS if kind == 'results' else GRAPH_FORMATS)}")
    sink = _Sink(limits.max_bytes)
    try:
        if isinstance(result, ox.QueryBoolean):
            result.serialize(sink, format=fmt.ox)
        elif isinstance(result, ox.QuerySolutions):
            # count rows on TSV (one line per solution, newlines in values escaped), then
            # write the counted rows in the format asked for
            tsv = _Sink(float("inf"), max_lines=limits.max_rows + 1)  # + the header line
            try:
                result.serialize(tsv, format=ox.QueryResultsFormat.TSV)
            except OSError:
                if tsv.over == "rows":
                    return _too_many_rows(limits)
                raise
            if fmt.name == "tsv":
                sink.write(tsv.getvalue())
            else:
                rows = ox.parse_query_results(tsv.getvalue(), format=ox.QueryResultsFormat.TSV)
                rows.serialize(sink, format=fmt.ox)
        else:
            triples = list(islice(iter(result), limits.max_rows + 1))
            if len(triples) > limits.max_rows:
                return _too_many_rows(limits)
            ox.serialize(triples, sink, format=fmt.ox, prefixes=_prefixes() if fmt.prefixes else None)
    except (OSError, ValueError, RuntimeError, SyntaxError) as exc:
        if sink.over == "bytes":
            return _too_many_bytes(limits, fmt)
        return _error(500, f"query failed: {_first_line(exc)}")
    except StoreError as exc:
        return _error(502 if remote else 500, str(exc))
    except QueryError as exc:
        return _error(502 if remote else 500, str(exc))
    return 200, fmt.content_type, sink.getvalue()


def _prefixes() -> dict[str, str]:
    """Prefixes for Turtle and RDF/XML output; not kgid:, whose local names all hold a '/'
    that Turtle would have to escape (the full IRI reads better)."""
    return {k: v for k, v in PREFIXES.items() if k != "kgid"}


def render_explorer(store) -> bytes:
    """The interactive explorer of the project's HTML exporter, for the whole store."""
    from exports.html import render_html
    from kg.api import KnowledgeGraph

    return render_html(KnowledgeGraph(store).to_networkx()).encode("utf-8")


def _worker_main(conn, spec: str, limits: Limits, options: dict) -> None:
    """A worker process: open the store, say ("ready", graphs) or ("error", message), then
    answer jobs until told to stop (None) or the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the process group; the parent stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from kg.store import open_store

    try:
        store = open_store(spec, read_only=True, **options)
    except KGError as exc:
        conn.send(("error", str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - anything else still becomes one line
        conn.send(("error", f"{spec}: cannot open the store ({_first_line(exc)})"))
        return
    remote = spec.startswith(("http://", "https://"))
    graphs: set[str] | None = None
    lister = getattr(store, "named_graphs", None)
    if lister is not None:
        try:
            graphs = set(lister())
        except Exception:  # noqa: BLE001 - no list: FROM is refused altogether
            graphs = None
    conn.send(("ready", graphs))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        reply = answer(store, job, limits, remote=remote)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    close = getattr(store, "close", None)
    if close is not None:
        close()


def answer(store, job: tuple, limits: Limits, *, remote: bool = False) -> tuple[int, str, bytes]:
    """A worker's answer to one job: ("explorer",) or ("query", text, results format name,
    graph format name) -> (status, content type, body). Never raises: a bug becomes a 500
    saying "internal error" (what fuzz/query.py looks for)."""
    try:
        if job[0] == "explorer":
            return 200, HTML, render_explorer(store)
        _, query, rname, gname = job
        return run_query(store, query, FORMATS.get(f"{rname}:results"), FORMATS.get(f"{gname}:graph"),
                         limits, remote=remote)
    except KGError as exc:
        return _error(500, str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug must not take the worker down
        return _error(500, f"internal error: {type(exc).__name__}: {_first_line(exc)}")


class _Worker:
    def __init__(self, ctx, spec: str, limits: Limits, options: dict):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, spec, limits, options), daemon=True,
                                name="kg-serve-worker")
        self.proc.start()
        child.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def handshake(self, timeout: float) -> tuple[str, Any]:
        try:
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        self.proc.join(1)
        return "error", f"a query worker could not start (exit code {self.proc.exitcode})"

    def kill(self) -> None:
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, TypeError):
            pass
        self.proc.join()
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to finish; kill it if it does not."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    """Worker processes that each hold the store open; run() hands a job to an idle one and
    waits at most `timeout` seconds for the answer, else kills it and starts another."""

    def __init__(self, spec: str, size: int, limits: Limits, *, options: dict | None = None, log=None):
        self.spec = spec
        self.options = dict(options or {})
        self.limits = limits
        self.size = size
        self.log = log or (lambda msg: None)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self.graphs: set[str] | None = None
        workers = [self._spawn() for _ in range(size)]
        try:
            for i, w in enumerate(workers):
                status, payload = w.handshake(START_TIMEOUT)
                if status != "ready":
                    raise StoreError(payload)
                if i == 0:
                    self.graphs = payload
                self._idle.put(w)
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx, self.spec, self.limits, self.options)
        with self._lock:
            self._all.add(w)
        return w

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)

    def _replace(self) -> None:
        """Start a worker in place of a killed one (in the background)."""
        with self._lock:
            if self._closed:
                return
            self._starting += 1

        def start() -> None:
            try:
                w = self._spawn()
                status, payload = w.handshake(START_TIMEOUT)
                with self._lock:
                    closed = self._closed
                if status != "ready" or closed:
                    self._discard(w)
                    if not closed:
                        self.log(f"error: a replacement query worker failed: {payload}")
                    return
                self._idle.put(w)
            finally:
                with self._lock:
                    self._starting -= 1

        threading.Thread(target=start, name="kg-serve-respawn", daemon=True).start()

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"workers": len(self._all), "idle": self._idle.qsize(), "starting": self._starting}

    def run(self, job: tuple, timeout: float) -> tuple[int, str, bytes]:
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty:
            return _error(503, f"server busy: all {self.size} query workers stayed busy for "
                               f"{timeout:g} s; try again later (or start kg serve with more --workers)")
        try:
            w.conn.send(job)
            if w.conn.poll(timeout):
                reply = w.conn.recv()
                self._idle.put(w)
                return reply
        except (EOFError, OSError, ValueError):
            w.proc.join(1)  # reap it first: a dead worker not yet waited for has no exit code
            code = w.proc.exitcode
            self._discard(w)
            self._replace()
            if self._closed:
                return _error(503, "the server is shutting down")
            return _error(500, f"the query worker stopped unexpectedly (exit code {code}); "
                               f"a new one is starting")
        self._discard(w)  # still running: kill it, by its PID
        self._replace()
        what = "query" if job[0] == "query" else "explorer page"
        hint = ("simplify the query, add LIMIT, or start kg serve with a higher --timeout"
                if job[0] == "query" else "start kg serve with a higher --timeout, or use "
                                          "'kg export --format html'")
        return _error(503, f"{what} timed out after {timeout:g} s (--timeout); {hint}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
        idle = []
        while True:
            try:
                idle.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for w in workers:
            if w in idle:
                w.stop()
            else:
                w.kill()
        with self._lock:
            self._all.clear()


# -- the pages --------------------------------------------------------------------------------
def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


_QUERY_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
header { padding: 8px 14px; border-bottom: 1px solid #ddd; display: flex; gap: 18px; align-items: baseline; }
header h1 { font-size: 18px; margin: 0; }
header a { font-size: 13px; }
main { padding: 10px 14px; }
textarea { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; }
#q-bar { display: flex; gap: 10px; align-items: center; margin: 6px 0 10px; font-size: 13px; }
#q-status { color: #666; }
#q-status.err { color: #b00020; white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.iri { color: #0b57d0; }
td.blank { color: #777; }
pre { font-size: 13px; white-space: pre-wrap; }
"""

# Only textContent is assigned from results: nothing returned by the server is parsed as HTML.
_QUERY_JS = r"""(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("q-config").textContent);
  var text = document.getElementById("q-text");
  var status = document.getElementById("q-status");
  var out = document.getElementById("q-out");
  var examples = document.getElementById("q-examples");
  var MAX_SHOWN = 2000;
  cfg.examples.forEach(function (ex, i) {
    var opt = document.createElement("option");
    opt.value = String(i);
    opt.textContent = ex.name;
    examples.appendChild(opt);
  });
  examples.addEventListener("change", function () {
    if (examples.value !== "") { text.value = cfg.examples[Number(examples.value)].query; }
  });
  if (!text.value) { text.value = cfg.examples[0].query; }
  function short(iri) {
    for (var p in cfg.prefixes) {
      var ns = cfg.prefixes[p];
      if (iri.lastIndexOf(ns, 0) === 0 && iri.length > ns.length) { return p + ":" + iri.slice(ns.length); }
    }
    return "<" + iri + ">";
  }
  function say(msg, isError) {
    status.textContent = msg;
    status.className = isError ? "err" : "";
  }
  function cell(tr, term) {
    var td = document.createElement("td");
    if (term) {
      if (term.type === "uri") { td.className = "iri"; td.textContent = short(term.value); td.title = term.value; }
      else if (term.type === "bnode") { td.className = "blank"; td.textContent = "_:" + term.value; }
      else if (term.type === "triple") { td.textContent = JSON.stringify(term.value); }
      else {
        td.textContent = term.value;
        if (term["xml:lang"]) { td.title = "@" + term["xml:lang"]; }
        else if (term.datatype) { td.title = short(term.datatype); }
      }
    }
    tr.appendChild(td);
  }
  function table(data) {
    var vars = data.head.vars || [], rows = data.results.bindings;
    var t = document.createElement("table"), head = document.createElement("tr");
    vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    t.appendChild(head);
    rows.slice(0, MAX_SHOWN).forEach(function (row) {
      var tr = document.createElement("tr");
      vars.forEach(function (v) { cell(tr, row[v]); });
      t.appendChild(tr);
    });
    return t;
  }
  function run() {
    var started = Date.now();
    say("Running\u2026", false);
    fetch("sparql", {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
      body: new URLSearchParams({query: text.value})
    }).then(function (response) {
      return response.text().then(function (body) { return {response: response, body: body}; });
    }).then(function (r) {
      var ms = Date.now() - started;
      out.textContent = "";
      if (!r.response.ok) { say(r.response.status + " " + r.body.trim(), true); return; }
      var type = r.response.headers.get("Content-Type") || "";
      if (type.indexOf("application/sparql-results+json") === 0) {
        var data = JSON.parse(r.body);
        if (typeof data.boolean === "boolean") {
          var p = document.createElement("pre"); p.textContent = String(data.boolean); out.appendChild(p);
          say("ASK answered in " + ms + " ms", false);
          return;
        }
        var n = data.results.bindings.length;
        out.appendChild(table(data));
        say(n + (n === 1 ? " row" : " rows") + " in " + ms + " ms" +
            (n > MAX_SHOWN ? " (showing the first " + MAX_SHOWN + ")" : ""), false);
      } else {
        var pre = document.createElement("pre"); pre.textContent = r.body; out.appendChild(pre);
        say("graph in " + ms + " ms", false);
      }
    }).catch(function (err) { say("request failed: " + err, true); });
  }
  document.getElementById("q-form").addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
  text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
  });
})();
"""

_QUERY_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL query &middot; {store}</title>
<style>{css}</style>
</head>
<body>
<header><h1>SPARQL query</h1><span>{store}</span><a href="./">explorer</a>
<a href="sparql">endpoint: /sparql</a></header>
<main>
<form id="q-form">
<textarea id="q-text" rows="14" spellcheck="false" aria-label="SPARQL query"></textarea>
<div id="q-bar">
<button type="submit">Run (Ctrl+Enter)</button>
<select id="q-examples" aria-label="Example queries"><option value="">examples\u2026</option></select>
<span id="q-status" role="status"></span>
</div>
</form>
<div id="q-out"></div>
</main>
<script type="application/json" id="q-config">{config}</script>
<script>{js}</script>
</body>
</html>
"""

EXAMPLES = [
    {"name": "Who founded what", "query": "SELECT ?founder ?organization WHERE {\n"
     "  ?f kg:founded ?o . ?f rdfs:label ?founder . ?o rdfs:label ?organization .\n"
     "} ORDER BY ?organization ?founder LIMIT 100"},
    {"name": "Entities by class", "query": "SELECT ?class (COUNT(DISTINCT ?e) AS ?entities) WHERE {\n"
     "  ?article schema:mentions ?e . ?e a ?class .\n} GROUP BY ?class ORDER BY DESC(?entities)"},
    {"name": "Facts with their evidence", "query": "SELECT ?subject ?predicate ?object ?sentence WHERE {\n"
     "  ?x a kg:Assertion ; rdf:subject ?s ; rdf:predicate ?predicate ; rdf:object ?o ;\n"
     "     kg:evidence ?sentence .\n  ?s rdfs:label ?subject . ?o rdfs:label ?object .\n} LIMIT 50"},
    {"name": "Everything about one entity (CONSTRUCT)", "query": "CONSTRUCT { ?e ?p ?o } WHERE {\n"
     "  ?e rdfs:label \"OpenAI\" ; ?p ?o .\n}"},
]


def query_page(store: str) -> tuple[bytes, str]:
    """The query page and its Content-Security-Policy (inline script and style allowed by hash)."""
    from exports.html import script_json

    config = script_json({"prefixes": dict(PREFIXES), "examples": EXAMPLES})
    page = _QUERY_PAGE.format(store=html.escape(store), css=_QUERY_CSS, config=config, js=_QUERY_JS)
    csp = (f"default-src 'none'; script-src {_sha256(_QUERY_JS)}; style-src {_sha256(_QUERY_CSS)}; "
           f"connect-src 'self'; base-uri 'none'; form-action 'none'; "
           f"frame-ancestors 'none'")
    return page.encode("utf-8"), csp


def explorer_csp(page: bytes) -> str:
    """The explorer's policy: its own, with the inline scripts allowed by hash only."""
    scripts = re.findall(r"<script>(.*?)</script>", page.decode("utf-8"), re.S)
    return ("default-src 'none'; script-src " + " ".join(_sha256(s) for s in scripts)
            + "; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")


# -- the HTTP side ----------------------------------------------------------------------------
class Reply(Exception):
    """Raised inside a handler to answer at once with this status and plain-text message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 close: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.close = close


class App:
    """What every request handler shares: options, the worker pool, the cached pages, the log."""

    def __init__(self, spec: str, pool: WorkerPool, *, timeout: float, log: TextIO | None):
        self.spec = spec
        self.pool = pool
        self.timeout = timeout
        self._log = log
        self._log_lock = threading.Lock()
        self._explorer: tuple[bytes, str] | None = None
        self._explorer_lock = threading.Lock()
        self.query_page = query_page(spec)

    def log(self, line: str) -> None:
        if self._log is None:
            return
        with self._log_lock:
            try:
                self._log.write(line + "\n")
                self._log.flush()
            except (OSError, ValueError):
                pass

    def explorer(self) -> tuple[bytes, str]:
        with self._explorer_lock:  # built once, by one request, on first use
            if self._explorer is None:
                status, ctype, body = self.pool.run(("explorer",), self.timeout)
                if status != 200:
                    raise Reply(status, body.decode("utf-8", "replace"))
                self._explorer = body, explorer_csp(body)
            return self._explorer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"kg-serve/{__version__}"
    sys_version = ""
    timeout = 60  # seconds a connection may sit idle or trickle a request
    # the version an answer to an unreadable request line is written in: HTTP/1.1, with a
    # status line and our headers (the standard library's default, HTTP/0.9, is a bare body)
    default_request_version = "HTTP/1.1"
    server: _Server

    # -- plumbing ----------------------------------------------------------------------
    def parse_request(self) -> bool:
        """The standard library's parsing, less HTTP/0.9 ("GET /path" without a version, or
        any version before 1.0): it would be answered with a bare body, without a status line
        or any of our headers (CSP)."""
        if not super().parse_request():
            return False
        no_version = len(self.requestline.split()) == 2
        major = self.request_version.partition("/")[2].partition(".")[0]  # digits: checked above
        if no_version or int(major) < 1:
            version = "HTTP/0.9" if no_version else self.request_version
            self.request_version = "HTTP/1.1"  # so the answer has a status line
            self.send_error(400, f"{version} requests are not supported: send HTTP/1.0 or HTTP/1.1")
            return False
        return True

    def handle_one_request(self) -> None:
        self._t0 = time.monotonic()
        self._note = ""
        super().handle_one_request()

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code="-", size="-") -> None:  # one line of our own per request instead
        pass

    def log_message(self, format: str, *args) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414, 431, 501) in our format."""
        text = {414: "request line too long (over 64 KiB): send long queries with POST",
                501: f"method {getattr(self, 'command', None)} not supported: use GET, POST or OPTIONS"
                }.get(code, message or HTTPStatus(code).phrase)
        if not hasattr(self, "_t0"):
            self._t0 = time.monotonic()
            self._note = ""
        self._send(code, text, close=True)

    def _send(self, status: int, body: bytes | str, ctype: str = TEXT, headers: dict | None = None,
              close: bool = False) -> None:
        if isinstance(body, str):
            body = (one_line(body) if ctype == TEXT else body.rstrip("\n") + "\n").encode("utf-8")
        app = self.server.app
        method = getattr(self, "command", None) or "-"
        path = _split(getattr(self, "path", "") or "").path or "-"
        ms = (time.monotonic() - self._t0) * 1000
        note = f" {self._note}" if self._note else ""
        reason = ""
        if status >= 400 and ctype == TEXT:
            reason = " - " + body.decode("utf-8", "replace").strip().splitlines()[0][:200]
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        app.log(f"{stamp} {self.client_address[0]} {method} {path} {status} {len(body)}B "
                f"{ms:.0f}ms{note}{reason}")
        try:
            self.send_response(status)
            if status != 204:  # no content: no Content-Type or Content-Length either
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if method != "HEAD":
                view = memoryview(body)
                for at in range(0, len(body), CHUNK):  # the socket timeout then bounds each piece,
                    self.wfile.write(view[at:at + CHUNK])  # not the whole of a large answer
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _dispatch(self, handler) -> None:
        try:
            handler()
        except Reply as r:
            self._send(r.status, r.message, headers=r.headers, close=r.close)

    # -- methods -----------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(self._get)

    def do_HEAD(self) -> None:
        self._dispatch(self._get)

    def do_POST(self) -> None:
        self._dispatch(self._post)

    def do_OPTIONS(self) -> None:
        """A CORS preflight (or a plain OPTIONS): what browsers may send from any page."""
        headers = {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                   "Access-Control-Allow-Headers": "Content-Type, Accept",
                   "Access-Control-Max-Age": "86400", "Allow": "GET, HEAD, POST, OPTIONS"}
        if self.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"  # a public page calling loopback
        self._body()
        self._send(204, b"", headers=headers)

    def _not_allowed(self) -> None:
        self._body()  # read it, so the connection can carry on
        raise Reply(405, f"method {self.command} not allowed: this endpoint is read-only "
                         f"(GET, POST, OPTIONS)", {"Allow": "GET, HEAD, POST, OPTIONS"})

    def do_PUT(self) -> None:
        self._dispatch(self._not_allowed)

    do_DELETE = do_PATCH = do_PUT

    # -- routes ------------------------------------------------------------------------
    def _target(self):
        """The request target, split (path, query); 400 when it cannot be ("http://[/")."""
        try:
            return urlsplit(self.path)
        except ValueError as exc:
            raise Reply(400, f"malformed request target {self.path!r}: {exc}") from None

    def _route(self) -> str:
        return self._target().path.rstrip("/") or "/"

    def _get(self) -> None:
        route = self._route()
        app = self.server.app
        if route in ("/", "/index.html", "/explorer"):
            page, csp = app.explorer()
            self._send(200, page, HTML, {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"})
        elif route == "/query":
            page, csp = app.query_page
            self._send(200, page, HTML, {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"})
        elif route == "/sparql":
            self._sparql(self._params(self._target().query), None)
        elif route == "/health":
            counts = app.pool.counts()
            ok = counts["workers"] > 0
            body = json.dumps({"status": "ok" if ok else "no workers", "store": app.spec, **counts})
            self._send(200 if ok else 503, body + "\n", JSON, {"Cache-Control": "no-store"})
        else:
            raise Reply(404, f"not found: {self._target().path}; this server has / (explorer), "
                             f"/query (query page), /sparql (SPARQL endpoint) and /health")

    def _post(self) -> None:
        body = self._body()
        if self._route() != "/sparql":
            if self._route() in ("/", "/index.html", "/explorer", "/query", "/health"):
                raise Reply(405, f"POST not allowed on {self._route()}; POST queries to /sparql",
                            {"Allow": "GET, HEAD, OPTIONS"})
            raise Reply(404, f"not found: {self._target().path}; POST queries to /sparql")
        params = self._params(self._target().query)
        ctype, charset = _media_type(self.headers.get("Content-Type"))
        if ctype == "application/x-www-form-urlencoded":
            for k, v in self._params(_decode(body, charset)).items():
                params.setdefault(k, []).extend(v)
            self._sparql(params, None)
        elif ctype == "application/sparql-query":
            self._sparql(params, _decode(body, charset))
        elif ctype == "application/sparql-update":
            raise Reply(403, "SPARQL Update is not accepted: this endpoint is read-only")
        else:
            raise Reply(415, f"unsupported Content-Type {ctype or '(none)'}: POST a query as "
                             f"application/x-www-form-urlencoded (query=...) or application/sparql-query")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            raise Reply(411, "send the request body with a Content-Length (chunked bodies are not "
                             "accepted)", close=True)
        length = self.headers.get("Content-Length")
        if length is None:
            if self.command == "POST":
                raise Reply(411, "POST needs a Content-Length", close=True)
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            raise Reply(400, f"bad Content-Length {length!r}", close=True) from None
        if n > MAX_QUERY_BYTES:
            raise Reply(413, f"request body too large: {n:,} bytes (at most {MAX_QUERY_BYTES:,})",
                        close=True)
        return self.rfile.read(n)

    @staticmethod
    def _params(qs: str) -> dict[str, list[str]]:
        try:
            return parse_qs(qs, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Reply(400, "parameters are not valid UTF-8") from None
        except ValueError as exc:
            raise Reply(400, f"malformed parameters: {exc}") from None

    # -- the SPARQL protocol -----------------------------------------------------------
    def _sparql(self, params: dict[str, list[str]], direct: str | None) -> None:
        app = self.server.app
        vary = {"Vary": "Accept"}
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise Reply(403, "SPARQL Update is not accepted: this endpoint is read-only", vary)
        queries = params.get("query", []) + ([direct] if direct is not None else [])
        if not queries:
            raise Reply(400, "no query: send query=... (GET, or POST as a form) or POST the query as "
                             "application/sparql-query; /query has a page to type one", vary)
        if len(queries) > 1:
            raise Reply(400, f"{len(queries)} queries given: send exactly one", vary)
        for name in ("default-graph-uri", "named-graph-uri"):
            if any(v.strip() for v in params.get(name, [])):
                raise Reply(400, f"{name} is not supported: name graphs with FROM / FROM NAMED or "
                                 f"GRAPH in the query", vary)
        from kg.sparql import check_read_query, query_form  # here: its lexer takes a while to compile

        query = queries[0]
        if not query.strip():
            raise Reply(400, "empty query", vary)
        form = query_form(query)
        self._note = form or "?"
        try:
            check_read_query(query, graphs=app.pool.graphs, prefixes=PREFIXES)
        except QueryError as exc:
            raise Reply(403, str(exc), vary) from None
        rfmt, gfmt = self._formats(params, form)
        chosen = rfmt if FORM_KIND.get(form) == "results" else gfmt if form in FORM_KIND else None
        if chosen is not None:
            self._note += f" {chosen.name}"
        status, ctype, body = app.pool.run(("query", query, rfmt and rfmt.name, gfmt and gfmt.name),
                                           app.timeout)
        self._send(status, body, ctype, vary)

    def _formats(self, params, form: str | None) -> tuple[Format | None, Format | None]:
        """The results format and the graph format the request asks for (format= / output=
        win over Accept); 400 for an unknown name, 406 when the query's kind has none."""
        vary = {"Vary": "Accept"}
        names = [v for k in ("format", "output") for v in params.get(k, []) if v.strip()]
        kind = FORM_KIND.get(form or "")
        if names:
            named = [f for n in names for f in formats_named(n)]
            if not named:
                raise Reply(400, f"unknown format {names[0]!r}: use one of "
                                 f"{_names(RESULT_FORMATS)} (SELECT, ASK) or "
                                 f"{_names(GRAPH_FORMATS)} (CONSTRUCT, DESCRIBE), or a media type", vary)
            rfmt = next((f for f in named if f.kind == "results"), None)
            gfmt = next((f for f in named if f.kind == "graph"), None)
            if kind and (rfmt if kind == "results" else gfmt) is None:
                avail = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
                raise Reply(406, f"format={names[0]} is not available for a {form} query; use one "
                                 f"of {_names(avail)}", vary)
            return rfmt, gfmt
        accept = self.headers.get("Accept")
        rfmt, gfmt = negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_FORMATS)
        if kind and (rfmt if kind == "results" else gfmt) is None:
            avail = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
            raise Reply(406, f"nothing in Accept: {accept} is available for a {form} query; "
                             f"available: {', '.join(f.media_type for f in avail)} "
                             f"(or format={'|'.join(f.name for f in avail)})", vary)
        return rfmt, gfmt


def _split(target: str):
    """urlsplit, or an empty split for a target it refuses (for the log line)."""
    try:
        return urlsplit(target)
    except ValueError:
        return urlsplit("")


def _media_type(header: str | None) -> tuple[str, str]:
    """(media type, charset) of a Content-Type header."""
    fields = [x.strip() for x in (header or "").split(";")]
    charset = "utf-8"
    for param in fields[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"') or charset
    return fields[0].lower(), charset


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except UnicodeDecodeError:
        raise Reply(400, f"the request body is not valid {charset}") from None
    except (LookupError, ValueError):  # ValueError: a NUL in the name ("embedded null character")
        raise Reply(415, f"unknown charset {charset!r}") from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the listen backlog (a burst of connections waits, not refused)

    def __init__(self, address, app: App):
        self.app = app
        super().__init__(address, Handler)

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away or stalled
        self.app.log(f"error: while answering {client_address[0]}: {type(exc).__name__}: {exc}")


class _Server6(_Server):
    address_family = socket.AF_INET6


# -- running ----------------------------------------------------------------------------------
def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(store: str, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          timeout: float = DEFAULT_TIMEOUT, workers: int = DEFAULT_WORKERS,
          max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES, quiet: bool = False,
          store_options: dict | None = None, out: TextIO | None = None,
          err: TextIO | None = None) -> int:
    """Serve `store` (a folder, or an http(s) SPARQL endpoint URL, opened with `store_options`)
    until SIGINT or SIGTERM; prints one line with the URL on `out`, logs on `err`."""
    out = out or sys.stdout
    err = err or sys.stderr
    spec = str(store)
    run = dict(host=host, port=port, timeout=timeout, workers=workers, limits=Limits(max_rows, max_bytes),
               quiet=quiet, options=store_options or {}, out=out, err=err)
    if spec.startswith(("http://", "https://")):
        return _serve(spec, **run)
    from kg.store import serving

    with serving(Path(spec)):
        return _serve(spec, **run)


def _serve(spec, *, host, port, timeout, workers, limits, quiet, options, out, err) -> int:
    cls = _Server6 if ":" in host else _Server
    try:
        httpd = cls((host, port), None)  # the app is attached once the workers are up
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise KGError(f"cannot listen on {host}:{port}: {reason}") from None
    import kg.sparql  # noqa: F401 - compile its lexer now, not in the first request

    log = None if quiet else err
    try:
        pool = WorkerPool(spec, workers, limits, options=options, log=(lambda m: _print(err, m)))
    except BaseException:
        httpd.server_close()
        raise
    httpd.app = App(spec, pool, timeout=timeout, log=log)
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=httpd.serve_forever, name="kg-serve", daemon=True)
    try:
        thread.start()
        where = url_for(host, httpd.server_address[1])
        print(f"serving {spec} at {where} (SPARQL endpoint /sparql)", file=out, flush=True)
        if host not in ("127.0.0.1", "::1", "localhost") and not quiet:
            _print(err, f"warning: listening on {host}: anyone who can reach this machine can query "
                        f"the store")
        while not stop.wait(1.0):
            if not thread.is_alive():
                break
    finally:
        httpd.shutdown()
        httpd.server_close()
        pool.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not quiet:
        _print(err, "stopped")
    return 0


def _print(stream: TextIO, line: str) -> None:
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


__all__ = ["serve", "negotiate", "parse_accept", "formats_named", "run_query", "WorkerPool",
           "RESULT_FORMATS", "GRAPH_FORMATS"]
