"""The embedded RDF store (pyoxigraph): one named graph per article, replaced atomically."""
from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.rdfmap import description
from kg.sparql import query_form
from kg.vocab import KG, PREFIXES

DEFAULT_PATH = "kg-data"
FLUSH_EVERY = 100_000  # quads written between flushes of RocksDB's memory tables
LOCK_NAME = "kg.lock"  # flock: writers hold it exclusively, `kg serve` shared


class Store:
    """An Oxigraph store on disk (or in memory when path is None)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self._db: ox.Store | None = None
        self._lock: int | None = None
        self._unflushed = 0  # quads written since the last flush
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._db = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (run 'kg ingest' first)")
                _check_is_store(self.path)
                self._db = _open_read_only(self.path)
            else:
                self._lock = _take_lock(self.path, exclusive=True)
                self._db = ox.Store(str(self.path))
        except (OSError, RuntimeError) as exc:
            self._db = None
            self._release()
            if _no_space(exc):
                raise StoreError(f"{self.path}: cannot open the store (no space left on device; "
                                 f"free some space and run the command again)") from None
            raise StoreError(f"{self.path}: cannot open the store ({_first_line(exc)}); "
                             f"is another kg process writing to it?") from None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph Store, for advanced use."""
        return self._ox

    # -- writing -----------------------------------------------------------------------
    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        """Replace one article graph, and keep the merged default graph in step, in one transaction.

        The default graph holds the union of all article graphs as a set (Oxigraph's
        union-of-graphs view is a multiset, which would repeat rows and inflate counts).
        """
        g = ox.NamedNode(graph)
        if not self.read_only and not self._ox.contains_named_graph(g):
            # a new graph (the common case when ingesting): nothing to retract or drop, so add
            # its quads and their triples in the merged graph in one transaction (extend is
            # atomic), without building and parsing a SPARQL update
            quads = list(quads)
            merged = ox.DefaultGraph()
            try:
                self._ox.extend(quads + [ox.Quad(q.subject, q.predicate, q.object, merged) for q in quads])
            except (OSError, RuntimeError) as exc:
                raise self._write_error(exc) from None
            self._written(2 * len(quads))
            return
        lines = [f"{q.subject} {q.predicate} {q.object} ." for q in quads]
        body = "\n".join(lines)
        update = f"""{_retract(g)} ;
DROP SILENT GRAPH {g} ;
INSERT DATA {{ GRAPH {g} {{
{body}
}} }} ;
INSERT DATA {{
{body}
}}"""
        self._update(update)
        self._written(2 * len(lines))

    def _written(self, quads: int) -> None:
        """Flush to disk every FLUSH_EVERY quads written: RocksDB otherwise keeps growing its
        in-memory tables (one per index) during a long ingest, and memory with them."""
        self._unflushed += quads
        if self._unflushed >= FLUSH_EVERY:
            self.flush()

    def _update(self, update: str) -> None:
        if self.read_only:
            raise StoreError(f"{self.path}: the store is open read-only")
        try:
            self._ox.update(update)
        except (OSError, RuntimeError) as exc:
            raise self._write_error(exc) from None

    def _write_error(self, exc: BaseException) -> StoreError:
        """The StoreError for a failed write or flush: one line naming the store. A write is
        one transaction, so what was written before it stays whole."""
        if _no_space(exc):
            return StoreError(f"{self.path or 'memory'}: no space left on device (the store keeps every "
                              f"article written before; free some space and run the command "
                              f"again)")
        return StoreError(f"{self.path or 'memory'}: write failed ({_first_line(exc)})")

    def remove_graph(self, graph: str) -> None:
        """Remove an article graph and what only it contributed to the merged graph."""
        g = ox.NamedNode(graph)
        self._update(f"{_retract(g)} ;\nDROP SILENT GRAPH {g}")

    def graph_hash(self, graph: str) -> str | None:
        """The kg:contentHash recorded for an article graph, if the graph exists."""
        g = ox.NamedNode(graph)
        for q in self._ox.quads_for_pattern(g, ox.NamedNode(KG + "contentHash"), None, g):
            return q.object.value
        return None

    def graph_description(self, graph: str) -> frozenset[tuple[str, str]] | None:
        """What an article graph says about its article node (kg.rdfmap.description), or None
        when there is no such graph; compared with kg.rdfmap.article_description to skip
        unchanged articles before any NLP."""
        g = ox.NamedNode(graph)
        pairs = [(q.predicate, q.object) for q in self._ox.quads_for_pattern(g, None, None, g)]
        return description(pairs) if pairs else None

    def flush(self) -> None:
        self._unflushed = 0
        if self.path is not None and not self.read_only:
            try:
                self._ox.flush()
            except (OSError, RuntimeError) as exc:
                raise self._write_error(exc) from None

    # -- reading -----------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict | None = None):
        """Run a SPARQL query; the default graph is the merged graph (the set union of the
        article graphs), GRAPH reaches each article's own graph; the project's prefixes are
        predeclared."""
        try:
            try:
                return self._ox.query(sparql, prefixes=PREFIXES, substitutions=substitutions)
            except RuntimeError as exc:
                if not substitutions or "projection" not in str(exc):
                    raise
                # a bound variable the query does not project: bind it with a trailing VALUES
                # clause (terms serialised by pyoxigraph, so values cannot alter the query);
                # that joins before projection only in a plain query, so anything else is refused
                if _NOT_PLAIN.search(sparql) or len(re.findall(r"(?i)\bSELECT\b", sparql)) > 1:
                    names = ", ".join(str(v) for v in substitutions)
                    raise QueryError(f"bound variable(s) {names} must appear in the SELECT clause of "
                                     f"a query with grouping, aggregates, subqueries or VALUES") from None
                names = " ".join(str(v) for v in substitutions)
                terms = " ".join(str(t) for t in substitutions.values())
                return self._ox.query(f"{sparql}\nVALUES ({names}) {{ ({terms}) }}", prefixes=PREFIXES)
        except SyntaxError as exc:
            if query_form(sparql) == "UPDATE":
                raise QueryError("updates (INSERT, DELETE, DROP, LOAD, ...) are not allowed; "
                                 "this store answers queries only") from None
            raise QueryError(f"malformed query: {_first_line(exc)}") from None
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from None

    def quads(self) -> Iterator[ox.Quad]:
        """The quads of the article graphs (the merged default graph is left out)."""
        return (q for q in self._ox if not isinstance(q.graph_name, ox.DefaultGraph))

    def merged_triples(self) -> Iterator[ox.Triple]:
        """The triples of the merged graph."""
        return (q.triple for q in self._ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._ox.named_graphs())

    def __len__(self) -> int:
        """Number of quads in the article graphs."""
        return sum(1 for _ in self.quads())

    def close(self) -> None:
        """Flush and close; the store is closed and its lock released even when the flush
        fails (a full disk, say), and then the flush's StoreError is raised."""
        if self._db is None:
            return
        try:
            self.flush()
        finally:
            self._db = None
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor drops the flock
            self._lock = None

    @property
    def _ox(self) -> ox.Store:
        if self._db is None:
            raise StoreError(f"{self.path or 'memory'}: the store is closed")
        return self._db


def open_store(spec: str | Path | None, *, read_only: bool = False, **options):
    """The store a `--store` value names: an http(s) URL is a SPARQL server
    (kg.remote.SparqlStore, `options` go to it), anything else a folder on disk, None memory."""
    if isinstance(spec, str) and spec.startswith(("http://", "https://")):
        from kg.remote import SparqlStore

        return SparqlStore(spec, read_only=read_only, **options)
    return Store(spec, read_only=read_only)


@contextmanager
def serving(path: str | Path):
    """Hold the store's lock shared while a server reads it, so no writer opens it meanwhile
    (read-only opening beside a writer is undefined behaviour in RocksDB)."""
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: no store here (run 'kg ingest' first)")
    _check_is_store(path)
    fd = _take_lock(path, exclusive=False)
    try:
        yield
    finally:
        os.close(fd)


def _check_is_store(path: Path) -> None:
    """A folder read as a store must hold one, else a clear error rather than a message about
    other processes. A store holds RocksDB's CURRENT file and an OPTIONS file, which RocksDB
    writes last when it creates a store: a creation that failed (a full disk) leaves CURRENT
    without it, and a read-only open of that fails with a message about inserts."""
    if path.is_dir() and not ((path / "CURRENT").exists() and any(path.glob("OPTIONS-*"))):
        raise StoreError(f"{path}: cannot open the store (the folder holds no kg store; "
                         f"run 'kg ingest --store {path}' to make one)")


def _take_lock(path: Path, *, exclusive: bool) -> int:
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        if exclusive:
            raise StoreError(f"{path}: cannot open the store (another kg process is writing to it "
                             f"or serving it; stop that one first)") from None
        raise StoreError(f"{path}: cannot serve the store (another kg process is writing to it; "
                         f"wait for it to finish)") from None
    return fd


_NOT_PLAIN = re.compile(r"(?i)\bGROUP\s+BY\b|\bVALUES\b|\bHAVING\b|"
                        r"\b(?:COUNT|SUM|AVG|MIN|MAX|SAMPLE|GROUP_CONCAT)\s*\(")


def _open_read_only(path: Path) -> ox.Store:
    """Open read-only; a writer compacting files meanwhile can make one attempt fail."""
    for attempt in range(5):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError):
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _retract(g: ox.NamedNode) -> str:
    """Update: delete from the merged graph the triples that only graph g holds."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (?h != {g}) }} }}")


def _no_space(exc: BaseException) -> bool:
    """Whether an error from the database or the file system is a full disk. pyoxigraph
    raises OSError without an errno, its text RocksDB's: 'IO error: No space left on device:
    While appending to file: ...'."""
    return (getattr(exc, "errno", None) == errno.ENOSPC
            or os.strerror(errno.ENOSPC).lower() in str(exc).lower())


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
