"""Calibrated per-rule confidence, support counts, and filtering facts and exports by both."""
from __future__ import annotations

import json

import pytest
import rdflib

from ingest.rules import PRIORS, confidence
from kg.api import KnowledgeGraph
from kg.cli import main
from kg.evaluate import calibrate

ARTICLES = [
    "Microsoft invested $13 billion in OpenAI. Nvidia unveiled the Blackwell chip.",
    "Microsoft has invested in OpenAI, the maker of ChatGPT.",
    "Amazon invested $4 billion in Anthropic.",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("conf") / "store"
    with KnowledgeGraph.open(path) as kg:
        for i, text in enumerate(ARTICLES):
            kg.ingest_text(text, source=f"a{i}")
    return path


def test_calibrate_shrinks_toward_the_prior():
    table = calibrate([("rules.v1/svo", True)] * 8 + [("rules.v1/svo", False)] * 2, {"svo": 0.5})
    assert table["rules.v1/svo"] == {"n": 10, "tp": 8, "confidence": round((8 + 4 * 0.5) / 14, 3)}


def test_shipped_calibration_is_used_and_bounded():
    for rule in PRIORS:
        assert 0.0 < confidence(rule) <= 1.0
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "ingest" / "data" / "calibration.json"
    shipped = json.loads(path.read_text(encoding="utf-8"))["rules"]
    assert confidence("svo") == shipped["rules.v1/svo"]["confidence"]


def test_calibrate_command_writes_a_table(tmp_path, capsys, dev_dir):
    out = tmp_path / "cal.json"
    assert main(["calibrate", str(dev_dir), "-o", str(out)]) == 0
    table = json.loads(out.read_text())["rules"]
    assert table and all(0 < v["confidence"] <= 1 and v["tp"] <= v["n"] for v in table.values())
    assert "wrote" in capsys.readouterr().out


def test_support_counts_distinct_articles(store):
    with KnowledgeGraph.open(store, read_only=True) as kg:
        facts = {(f["subject"], f["predicate"], f["object"]): f for f in kg.facts()}
        assert facts[("Microsoft", "funds", "OpenAI")]["support"] == 2
        assert facts[("Amazon", "funds", "Anthropic")]["support"] == 1
        strong = kg.facts(min_support=2)
        assert [(f["subject"], f["object"]) for f in strong] == [("Microsoft", "OpenAI")]
        assert kg.facts(min_confidence=1.01) == []
        assert {f["predicate"] for f in kg.facts(predicate="develops")} == {"develops"}


def test_facts_command(store, capsys):
    assert main(["facts", "--store", str(store), "--min-support", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["subject"], r["predicate"], r["object"], r["support"]) for r in rows] == [
        ("Microsoft", "funds", "OpenAI", 2)]


@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's parsers
@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig"])
def test_exports_filter_by_support(store, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    assert main(["export", "--store", str(store), "--format", fmt, "-o", str(out),
                 "--min-support", "2"]) == 0
    ds = rdflib.Dataset()
    ds.parse(out, format={"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig"}[fmt])
    kg_ns = rdflib.Namespace("https://w3id.org/aikg/ontology#")
    triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    assert len(triples) > 20
    preds = {p for _, p, _ in triples if p in {kg_ns.funds, kg_ns.develops}}
    assert preds == {kg_ns.funds}                     # Blackwell (1 article) is gone
    funded = {o for _, p, o in triples if p == kg_ns.funds}
    assert len(funded) == 1 and str(next(iter(funded))).endswith("/openai")
    # no assertion node of a dropped fact survives
    assert not [t for t in triples if t[1] == rdflib.RDF.predicate and t[2] == kg_ns.develops]


def test_graph_exports_filter_by_confidence(store, tmp_path):
    import networkx as nx

    out = tmp_path / "g.graphml"
    assert main(["export", "--store", str(store), "--format", "graphml", "-o", str(out),
                 "--min-confidence", "1.01"]) == 0
    assert nx.read_graphml(out).number_of_edges() == 0
