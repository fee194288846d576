"""The embedded RDF store (pyoxigraph): one named graph per article, replaced atomically."""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.vocab import KG, PREFIXES

DEFAULT_PATH = "kg-data"
# a SPARQL Update: optional prologue, then an update keyword
_UPDATE = re.compile(r"(?is)^\s*(?:(?:#[^\n]*\n|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
                     r"(?:INSERT|DELETE|DROP|CLEAR|LOAD|CREATE|COPY|MOVE|ADD|WITH)\b")


class Store:
    """An Oxigraph store on disk (or in memory when path is None)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._ox = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (run 'kg ingest' first)")
                self._ox = ox.Store.read_only(str(self.path))
            else:
                self._ox = ox.Store(str(self.path))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({_first_line(exc)}); "
                             f"is another kg process using it?") from None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph Store, for advanced use."""
        return self._ox

    # -- writing -----------------------------------------------------------------------
    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        """Replace one named graph's content in a single transaction."""
        g = ox.NamedNode(graph)
        body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        update = f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}"
        try:
            self._ox.update(update)
        except OSError as exc:
            raise StoreError(f"{self.path or 'memory'}: write failed ({_first_line(exc)})") from None

    def remove_graph(self, graph: str) -> None:
        self._ox.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def graph_hash(self, graph: str) -> str | None:
        """The kg:contentHash recorded for an article graph, if the graph exists."""
        g = ox.NamedNode(graph)
        for q in self._ox.quads_for_pattern(g, ox.NamedNode(KG + "contentHash"), None, g):
            return q.object.value
        return None

    def flush(self) -> None:
        if self.path is not None:
            self._ox.flush()

    # -- reading -----------------------------------------------------------------------
    def query(self, sparql: str, *, substitutions: dict | None = None):
        """Run a SPARQL query over the union of article graphs, with the project's prefixes."""
        try:
            return self._ox.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True,
                                  substitutions=substitutions)
        except SyntaxError as exc:
            if _UPDATE.match(sparql):
                raise QueryError("updates (INSERT, DELETE, DROP, LOAD, ...) are not allowed; "
                                 "this store answers queries only") from None
            raise QueryError(f"malformed query: {_first_line(exc)}") from None
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from None

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self._ox)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._ox.named_graphs())

    def __len__(self) -> int:
        return len(self._ox)

    def close(self) -> None:
        self.flush()
        with contextlib.suppress(Exception):
            del self._ox


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
