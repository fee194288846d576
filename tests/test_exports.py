"""Tests for the exports (exports/rdf.py, exports/graph.py, exports/atomic.py): each format
reads back with an independent library and matches the store."""
from __future__ import annotations

import csv
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from conftest import RDFLIB_DATASET_PARSE, rdflib_graph, rdflib_term
from rdflib.compare import isomorphic, to_isomorphic

from exports.graph import nodes_csv_path
from kg import plugins
from kg.api import KnowledgeGraph
from kg.errors import ExportError

FORMATS = ["ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf", "csv", "html"]
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}


@pytest.fixture(scope="module")
def kg(ingested_store):
    with KnowledgeGraph.open(ingested_store.path, read_only=True) as graph:
        yield graph


@pytest.fixture(scope="module")
def exported(kg, tmp_path_factory) -> dict[str, Path]:
    """Every format exported once, into one folder."""
    folder = tmp_path_factory.mktemp("exports")
    return {fmt: kg.export(folder / f"graph.{fmt}", fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def projection(kg) -> nx.MultiDiGraph:
    return kg.to_networkx()


def expected_graphs(kg) -> dict[str, set]:
    """graph IRI -> set of rdflib triples, straight from the store's article graphs."""
    out: dict[str, set] = {}
    for q in kg.store.quads():
        out.setdefault(q.graph_name.value, set()).add(
            (rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))
    return out


def test_every_format_is_registered_and_written(exported):
    assert sorted(FORMATS) == plugins.available("kg.exporters")
    for fmt, path in exported.items():
        assert path.is_file() and path.stat().st_size > 0, fmt
    leftovers = [p.name for p in exported["ttl"].parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# -- RDF -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["ttl", "nt"])
def test_merged_graph_formats_round_trip(fmt, kg, exported):
    parsed = rdflib.Graph().parse(exported[fmt], format=RDFLIB_FORMAT[fmt])
    expected = rdflib_graph(kg.store.merged_triples())
    assert len(expected) > 100
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected)
    assert to_isomorphic(parsed) == to_isomorphic(expected)


@RDFLIB_DATASET_PARSE
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own parsers
@pytest.mark.parametrize("fmt", ["nq", "trig", "jsonld"])
def test_dataset_formats_keep_each_article_graph(fmt, kg, exported):
    ds = rdflib.Dataset()
    ds.parse(exported[fmt], format=RDFLIB_FORMAT[fmt])
    got = {str(g.identifier): set(g) for g in ds.graphs() if len(g)}
    want = expected_graphs(kg)
    assert len(want) == len(kg.store.named_graphs()) == 3
    assert sorted(got) == sorted(want)
    for iri in want:
        assert got[iri] == want[iri], iri
    assert len(ds.default_graph) == 0  # the merged graph is derived, not exported


def test_turtle_uses_the_project_prefixes(exported):
    head = exported["ttl"].read_text("utf-8")
    assert "@prefix kg: <https://w3id.org/aikg/ontology#>" in head
    assert "@prefix schema: <https://schema.org/>" in head


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld", "csv", "graphml"])
def test_exports_are_deterministic(fmt, kg, exported, tmp_path):
    again = kg.export(tmp_path / f"again.{fmt}", fmt)
    assert again.read_bytes() == exported[fmt].read_bytes()


# -- graph formats -------------------------------------------------------------------------------------
def _edges(g) -> Counter:
    return Counter((s, o, d["predicate"]) for s, o, d in g.edges(data=True))


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_formats_read_back(fmt, read, exported, projection):
    g = read(exported[fmt])
    assert g.number_of_nodes() == projection.number_of_nodes() > 0
    assert g.number_of_edges() == projection.number_of_edges() > 0
    assert {n: d["label"] for n, d in g.nodes(data=True)} == {n: d["label"] for n, d in projection.nodes(data=True)}
    assert {n: d["type"] for n, d in g.nodes(data=True)} == {n: d["cls"] for n, d in projection.nodes(data=True)}
    assert _edges(g) == _edges(projection)
    for s, o, d in g.edges(data=True):
        match = [e for e in projection.get_edge_data(s, o).values() if e["predicate"] == d["predicate"]]
        assert int(d["support"]) == match[0]["support"]
        assert float(d["confidence"]) == pytest.approx(float(match[0]["confidence"]))


def test_csv_edge_and_node_tables(exported, projection):
    with open(exported["csv"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["subject", "subject_label", "predicate", "object", "object_label", "support", "confidence"]
    body = rows[1:]
    assert len(body) == projection.number_of_edges()
    assert Counter((r[0], r[3], r[2]) for r in body) == _edges(projection)
    for s, s_label, pred, o, o_label, support, conf in body:
        assert s_label == projection.nodes[s]["label"] and o_label == projection.nodes[o]["label"]
        edge = projection.get_edge_data(s, o, key=pred)
        assert int(support) == edge["support"]
        assert float(conf) == pytest.approx(float(edge["confidence"]))

    nodes_path = nodes_csv_path(exported["csv"])
    assert nodes_path == exported["csv"].with_name("graph.nodes.csv")
    with open(nodes_path, newline="", encoding="utf-8") as f:
        nodes = list(csv.reader(f))
    assert nodes[0] == ["iri", "label", "type", "aliases", "articles"]
    assert len(nodes) - 1 == projection.number_of_nodes()
    for iri, label, cls, aliases, articles in nodes[1:]:
        d = projection.nodes[iri]
        assert (label, cls, int(articles)) == (d["label"], d["cls"], d["articles"])
        assert (aliases.split("|") if aliases else []) == d["aliases"]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        elif tag == "link":
            self.links.append(dict(attrs))


def test_html_explorer_is_self_contained(exported, projection):
    text = exported["html"].read_text("utf-8")
    tags = _Tags()
    tags.feed(text)
    assert tags.scripts  # it does have (inline) scripts
    external = [s["src"] for s in tags.scripts if s.get("src")]
    assert external == []
    remote_css = [ln.get("href") for ln in tags.links
                  if (ln.get("href") or "").startswith(("http:", "https:", "//"))]
    assert remote_css == []
    assert "Jensen Huang" in text


# -- atomic writes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_into_missing_folder_creates_nothing(fmt, kg, tmp_path):
    target = tmp_path / "missing" / f"graph.{fmt}"
    with pytest.raises(ExportError) as info:
        kg.export(target, fmt)
    assert str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_export_leaves_no_temporary_file(kg, tmp_path):
    target = tmp_path / "graph.ttl"
    target.mkdir()  # the rename over it must fail
    (target / "keep.txt").write_text("untouched")
    with pytest.raises(ExportError, match=str(target)):
        kg.export(target, "ttl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]
    assert (target / "keep.txt").read_text() == "untouched"


def test_export_replaces_an_existing_file(kg, exported, tmp_path):
    target = tmp_path / "graph.nt"
    target.write_text("old content\n")
    kg.export(target, "nt")
    assert target.read_bytes() == exported["nt"].read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]


def test_html_max_nodes(kg, tmp_path):
    import json
    import re

    path = kg.export(tmp_path / "capped.html", "html", max_nodes=5)
    block = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>',
                      path.read_text("utf-8"), re.S)
    data = json.loads(block.group(1))
    assert len(data["nodes"]) == 5 and data["meta"]["left_out_nodes"] > 0
    with pytest.raises(ExportError, match="html format only"):
        kg.export(tmp_path / "graph.csv", "csv", max_nodes=5)
    with pytest.raises(ExportError, match="max_nodes"):
        kg.export(tmp_path / "bad.html", "html", max_nodes=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capped.html"]
