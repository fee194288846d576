"""Access to the ontology and SHACL shapes, and SHACL validation of stored article graphs."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from kg.errors import OntologyError


def ontology_path() -> Path:
    """ontology.ttl: inside the installed package, or at the top of a source checkout."""
    packaged = Path(str(resources.files("kg").joinpath("ontology.ttl")))
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "ontology.ttl"
    if checkout.is_file():
        return checkout
    raise OntologyError("ontology.ttl not found in the kg package or beside it")


def shapes_path() -> Path:
    path = Path(str(resources.files("kg").joinpath("shapes.ttl")))
    if not path.is_file():
        raise OntologyError(f"SHACL shapes not found at {path}")
    return path


@functools.lru_cache(maxsize=1)
def ontology_graph():
    import rdflib

    try:
        return rdflib.Graph().parse(ontology_path(), format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise OntologyError(f"{ontology_path()}: cannot parse ontology ({exc})") from None


@functools.lru_cache(maxsize=1)
def shapes_graph():
    import rdflib

    try:
        return rdflib.Graph().parse(shapes_path(), format="turtle")
    except Exception as exc:
        raise OntologyError(f"{shapes_path()}: cannot parse SHACL shapes ({exc})") from None


def validate_graph(graph) -> list[str]:
    """SHACL violations of one rdflib Graph, one line each (empty when it conforms)."""
    import pyshacl
    from rdflib.namespace import SH

    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none",
                                           advanced=True, allow_warnings=True)
    if conforms:
        return []
    lines = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        msg = report.value(result, SH.resultMessage)
        lines.append(f"{focus} {path or ''}: {msg}".strip())
    return sorted(lines)


def validate_graphs(kg) -> list[str]:
    """Validate every article graph of a KnowledgeGraph on its own."""
    import rdflib

    ds = kg.to_rdflib()
    problems = []
    for g in ds.graphs():
        if not isinstance(g.identifier, rdflib.URIRef) or len(g) == 0:
            continue
        sub = rdflib.Graph()
        for t in g:
            sub.add(t)
        problems += [f"<{g.identifier}> {line}" for line in validate_graph(sub)]
    return problems
