"""RDF exports: Turtle and N-Triples of the merged graph; N-Quads, TriG and JSON-LD per article graph."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from exports.atomic import atomic_path
from kg.vocab import PREFIXES


def merged_triples(kg) -> list[ox.Triple]:
    """The union of all article graphs as distinct triples, in a stable order."""
    return sorted(kg.store.merged_triples(), key=str)


def _quads(kg) -> list[ox.Quad]:
    return sorted(kg.store.quads(), key=str)


def _write(data, path: Path, fmt: ox.RdfFormat, prefixes: bool = False) -> None:
    with atomic_path(path) as tmp:
        if prefixes:
            ox.serialize(data, str(tmp), fmt, prefixes=PREFIXES)
        else:
            ox.serialize(data, str(tmp), fmt)


def write_turtle(kg, path: Path) -> None:
    _write(merged_triples(kg), path, ox.RdfFormat.TURTLE, prefixes=True)


def write_ntriples(kg, path: Path) -> None:
    _write(merged_triples(kg), path, ox.RdfFormat.N_TRIPLES)


def write_nquads(kg, path: Path) -> None:
    _write(_quads(kg), path, ox.RdfFormat.N_QUADS)


def write_trig(kg, path: Path) -> None:
    _write(_quads(kg), path, ox.RdfFormat.TRIG, prefixes=True)


def write_jsonld(kg, path: Path) -> None:
    _write(_quads(kg), path, ox.RdfFormat.JSON_LD)
