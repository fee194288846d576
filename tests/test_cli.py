"""Tests for the `kg` command line (kg/cli.py): every command with its main options, bad
input, and query errors. Commands run in-process through kg.cli.main; a few run the real
console script in a subprocess to check exit codes end to end."""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
import rdflib
from conftest import CORPUS, quad_set, write_corpus

from kg.api import KnowledgeGraph
from kg.vocab import KG, PREDICATES

POSITION = re.compile(r"\b\d+:\d+\b")


def sources(store: Path) -> set[str]:
    """The kg:source of every article in a store."""
    with KnowledgeGraph.open(store, read_only=True) as kg:
        return {r["s"] for r in kg.query("SELECT ?s WHERE { ?a a kg:Article ; kg:source ?s }")}


def literals(store: Path) -> list[str]:
    return [q.object.value for q in quad_set(store) if isinstance(q.object, ox.Literal)]


def one_error_line(result) -> str:
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith("error: "), line
    return line


# -- ingest ---------------------------------------------------------------------------------
def test_ingest_writes_every_article(run_cli, small_corpus, tmp_path):
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, "--store", store)
    assert r.code == 0, r.err
    assert r.err == ""
    assert f"read {len(CORPUS)}, new {len(CORPUS)}, updated 0, unchanged 0, failed 0" in r.out
    assert sources(store) == {str(small_corpus / name) for name in CORPUS}


def test_ingest_twice_is_idempotent(run_cli, small_corpus, tmp_path):
    store = tmp_path / "store"
    assert run_cli("ingest", small_corpus, "--store", store).code == 0
    before = quad_set(store)
    assert before
    r = run_cli("ingest", small_corpus, "--store", store)
    assert r.code == 0, r.err
    assert "read 3, new 0, updated 0, unchanged 3, failed 0" in r.out
    after = quad_set(store)
    assert len(after) == len(before)
    assert after == before


def test_ingest_force_rewrites_unchanged_articles(run_cli, small_corpus, tmp_path):
    store = tmp_path / "store"
    assert run_cli("ingest", small_corpus, "--store", store).code == 0
    original = quad_set(store)
    # damage one article graph behind kg's back: drop one entity label from it
    raw = ox.Store(str(store))
    label = next(q for q in raw.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                                                  None, None)
                 if not isinstance(q.graph_name, ox.DefaultGraph))
    raw.remove(label)
    raw.flush()
    del raw

    r = run_cli("ingest", small_corpus, "--store", store)
    assert "unchanged 3" in r.out
    assert label not in quad_set(store)  # without --force the unchanged text is skipped

    r = run_cli("ingest", small_corpus, "--store", store, "--force")
    assert r.code == 0, r.err
    assert "new 0, updated 3, unchanged 0" in r.out
    assert quad_set(store) == original  # rewritten from the text, damage repaired


def test_ingest_dry_run_writes_nothing(run_cli, small_corpus, tmp_path):
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, "--store", store, "--dry-run")
    assert r.code == 0, r.err
    assert "new 3" in r.out and "would write" in r.out
    assert quad_set(store) == set()

    # on an existing store a changed article is reported but not written
    assert run_cli("ingest", small_corpus, "--store", store).code == 0
    before = quad_set(store)
    (small_corpus / "02-nvidia.txt").write_text(CORPUS["02-nvidia.txt"] + "\nIntel competes with Nvidia.\n")
    r = run_cli("ingest", small_corpus, "--store", store, "--dry-run")
    assert r.code == 0, r.err
    assert "new 1, updated 0, unchanged 2" in r.out  # a changed text is a new article id
    assert quad_set(store) == before


# -- bad input --------------------------------------------------------------------------------
BAD_FILES = {
    "empty": ("empty.txt", b"", "empty"),
    "whitespace-only": ("blank.txt", b"  \n\t \r\n   \n", "empty"),
    "binary": ("blob.txt", b"GIF89a\x00\x01\x02\x03\x00 not text", "binary"),
    "undecodable": ("latin1.txt", b"caf\xe9 \x81\x8d", "UTF-8"),
    "over-size-cap": ("huge.txt", ("Intel designs and builds processors. " * 200).encode(), "size cap"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_is_reported_and_the_rest_ingest(kind, run_cli, small_corpus, tmp_path):
    name, data, reason = BAD_FILES[kind]
    bad = small_corpus / name
    bad.write_bytes(data)
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, "--store", store, "--max-bytes", 2000)
    assert r.code == 1
    line = one_error_line(r)
    assert str(bad) in line
    assert reason.lower() in line.lower()
    assert "Traceback" not in r.err
    assert "read 3," in r.out and "failed 1" in r.out
    assert sources(store) == {str(small_corpus / n) for n in CORPUS}
    assert not any(str(bad) in lit for lit in literals(store))


def test_missing_path_is_reported_and_the_rest_ingest(run_cli, small_corpus, tmp_path):
    missing = tmp_path / "no-such-article.txt"
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, missing, "--store", store)
    assert r.code == 1
    line = one_error_line(r)
    assert str(missing) in line and "no such file" in line
    assert sources(store) == {str(small_corpus / n) for n in CORPUS}


def test_all_bad_inputs_together_one_line_each(run_cli, small_corpus, tmp_path):
    bad = {}
    for name, data, _ in BAD_FILES.values():
        (small_corpus / name).write_bytes(data)
        bad[name] = small_corpus / name
    missing = tmp_path / "gone.md"
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, missing, "--store", store, "--max-bytes", 2000)
    assert r.code == 1
    assert len(r.err_lines) == len(bad) + 1, r.err
    for path in [*bad.values(), missing]:
        assert sum(str(path) + ":" in line for line in r.err_lines) == 1, (path, r.err)
    assert all(line.startswith("error: ") for line in r.err_lines)
    assert f"failed {len(bad) + 1}" in r.out
    assert sources(store) == {str(small_corpus / n) for n in CORPUS}


BOM_ARTICLES = {
    "utf8-bom.txt": ("Mistral Opens An Office In Paris\n\nArthur Mensch founded Mistral AI in Paris.\n",
                     lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    "utf16-le.txt": ("Nvidia Ships New Systems\n\nJensen Huang founded Nvidia in 1993.\n",
                     lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    "utf16-be.md": ("# Cohere Expands In Canada\n\nAidan Gomez founded Cohere in Toronto.\n",
                    lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
}


def test_bom_marked_files_ingest_without_bom_in_labels(run_cli, tmp_path):
    folder = tmp_path / "boms"
    folder.mkdir()
    for name, (text, encode) in BOM_ARTICLES.items():
        (folder / name).write_bytes(encode(text))
    store = tmp_path / "store"
    r = run_cli("ingest", folder, "--store", store)
    assert r.code == 0, r.err
    assert "read 3, new 3" in r.out
    lits = literals(store)
    assert lits
    assert not [lit for lit in lits if "\ufeff" in lit or "\ufffe" in lit]
    with KnowledgeGraph.open(store, read_only=True) as kg:
        headlines = {r["h"] for r in kg.query("SELECT ?h WHERE { ?a schema:headline ?h }")}
        labels = {r["l"] for r in kg.query("SELECT ?l WHERE { ?e rdfs:label ?l }")}
    assert headlines == {"Mistral Opens An Office In Paris", "Nvidia Ships New Systems",
                         "Cohere Expands In Canada"}
    assert {"Arthur Mensch", "Jensen Huang", "Aidan Gomez"} <= labels


# -- extract ---------------------------------------------------------------------------------
def _by_name(record: dict) -> dict[str, dict]:
    return {e["name"]: e for e in record["entities"]}


def test_extract_prints_one_json_object_per_input(run_cli, small_corpus, tmp_path, monkeypatch, nlp_ready):
    from ingest.readers import read

    monkeypatch.chdir(tmp_path)  # extract needs no store: none may appear in the cwd
    files = [small_corpus / name for name in sorted(CORPUS)]
    r = run_cli("extract", *files)
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert len(lines) == len(files)
    records = [json.loads(line) for line in lines]
    assert [rec["source"] for rec in records] == [str(f) for f in files]
    texts = {a.source: a.text for a in read(files)}
    for rec in records:
        assert set(rec) >= {"source", "entities", "relations"}
        for e in rec["entities"]:
            assert {"name", "type", "types"} <= set(e)
            assert e["types"][0] == e["type"]
        assert rec["relations"], rec["source"]
        text = texts[rec["source"]]
        for rel in rec["relations"]:
            assert {"subject", "predicate", "object", "evidence", "confidence"} <= set(rel)
            # names as the article writes them (the entity's name or a surface form of it)
            assert rel["subject"] in text and rel["object"] in text
            assert rel["predicate"] in PREDICATES
            assert 0.0 <= rel["confidence"] <= 1.0
            assert rel["evidence"] in text
            assert text[rel["start"]:rel["end"]].strip() == rel["evidence"]
    assert not (tmp_path / "kg-data").exists()


def test_extract_offsets_delimit_the_evidence_exactly(run_cli, small_corpus, nlp_ready):
    """start/end are "character offsets of the sentence in Article.text" (kg/model.py) and
    kg:startOffset/kg:endOffset in the RDF: text[start:end] should be the evidence itself,
    not the evidence plus the paragraph break after it."""
    from ingest.readers import read

    path = small_corpus / "01-anthropic.txt"
    text = next(read([path])).text
    rec = json.loads(run_cli("extract", path).out)
    spans = [(rel["start"], rel["end"], rel["evidence"]) for rel in rec["relations"]]
    assert spans
    assert [text[s:e] for s, e, _ in spans] == [ev for _, _, ev in spans]


def test_extract_types_list_superclasses(run_cli, small_corpus, nlp_ready):
    r = run_cli("extract", small_corpus / "02-nvidia.txt", small_corpus / "01-anthropic.txt")
    assert r.code == 0, r.err
    nvidia, anthropic = (_by_name(json.loads(line)) for line in r.out.splitlines())
    assert nvidia["Blackwell"]["type"] == "Chip"
    assert nvidia["Blackwell"]["types"] == ["Chip", "Hardware"]
    assert nvidia["Jensen Huang"]["types"] == ["Person"]
    assert anthropic["Anthropic"]["type"] == "AILab"
    assert anthropic["Anthropic"]["types"] == ["AILab", "Organization"]
    assert anthropic["San Francisco"]["types"] == ["City", "Place"]


def test_extract_json_format_is_one_array(run_cli, small_corpus, nlp_ready):
    files = [small_corpus / name for name in sorted(CORPUS)]
    jsonl = run_cli("extract", *files)
    arr = run_cli("extract", *files, "--format", "json")
    assert arr.code == 0, arr.err
    data = json.loads(arr.out)
    assert isinstance(data, list)
    assert data == [json.loads(line) for line in jsonl.out.splitlines()]


def test_extract_bad_file_reports_and_continues(run_cli, small_corpus, nlp_ready):
    bad = small_corpus / "broken.txt"
    bad.write_bytes(b"\x00\x00\x00")
    r = run_cli("extract", bad, small_corpus / "02-nvidia.txt")
    assert r.code == 1
    assert str(bad) in one_error_line(r)
    lines = r.out.strip().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["source"] == str(small_corpus / "02-nvidia.txt")


# -- query -----------------------------------------------------------------------------------
PEOPLE = "SELECT ?label WHERE { ?e a kg:Person ; rdfs:label ?label } ORDER BY ?label"


@pytest.fixture(scope="module")
def people(ingested_store) -> list[str]:
    with KnowledgeGraph.open(ingested_store.path, read_only=True) as kg:
        return [r["label"] for r in kg.query(PEOPLE)]


def test_query_table(run_cli, ingested_store, people):
    assert "Jensen Huang" in people and "Dario Amodei" in people
    r = run_cli("query", PEOPLE, "--store", ingested_store.path)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].strip() == "label"
    assert set(lines[1].strip()) == {"-"}
    assert [line.strip() for line in lines[2:-1]] == people
    assert lines[-1] == f"({len(people)} rows)"


def test_query_from_file_matches_text(run_cli, ingested_store, tmp_path):
    qf = tmp_path / "people.rq"
    qf.write_text(PEOPLE + "\n", encoding="utf-8")
    from_text = run_cli("query", PEOPLE, "--store", ingested_store.path)
    from_file = run_cli("query", "-f", qf, "--store", ingested_store.path)
    assert from_file.code == 0, from_file.err
    assert from_file.out == from_text.out


def test_query_json_is_sparql_results(run_cli, ingested_store, people):
    r = run_cli("query", PEOPLE, "--format", "json", "--store", ingested_store.path)
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["head"]["vars"] == ["label"]
    bindings = data["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == people
    assert all(b["label"]["type"] == "literal" for b in bindings)


def test_query_csv(run_cli, ingested_store, people):
    r = run_cli("query", PEOPLE, "--format", "csv", "--store", ingested_store.path)
    assert r.code == 0, r.err
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0] == ["label"]
    assert [row[0] for row in rows[1:]] == people


def test_query_ask_table(run_cli, ingested_store):
    yes = run_cli("query", "ASK { ?p kg:founded ?o }", "--store", ingested_store.path)
    no = run_cli("query", "ASK { ?p kg:founded <https://example.org/none> }", "--store", ingested_store.path)
    assert (yes.code, yes.out.strip()) == (0, "true"), yes.err
    assert (no.code, no.out.strip()) == (0, "false"), no.err


def test_query_ask_json_and_xml(run_cli, ingested_store):
    for query, expected in (("ASK { ?p kg:founded ?o }", True),
                            ("ASK { ?p kg:founded <https://example.org/none> }", False)):
        r = run_cli("query", query, "--format", "json", "--store", ingested_store.path)
        assert r.code == 0, r.err
        assert json.loads(r.out)["boolean"] is expected
        r = run_cli("query", query, "--format", "xml", "--store", ingested_store.path)
        assert r.code == 0, r.err
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ElementTree.fromstring(r.out).find(f"{ns}boolean").text == str(expected).lower()


def test_query_construct_prints_ntriples(run_cli, ingested_store):
    q = "CONSTRUCT { ?p kg:founded ?o } WHERE { ?p kg:founded ?o }"
    r = run_cli("query", q, "--store", ingested_store.path)
    assert r.code == 0, r.err
    g = rdflib.Graph().parse(data=r.out, format="nt")
    with KnowledgeGraph.open(ingested_store.path, read_only=True) as kg:
        expected = {tuple(map(rdflib.URIRef, t)) for t in kg.query(q)}
    assert len(expected) >= 3
    assert set(g) == expected


def test_query_malformed(run_cli, ingested_store):
    r = run_cli("query", "SELECT ?x WHERE { ?x kg:founded ", "--store", ingested_store.path)
    assert r.code == 1
    line = one_error_line(r)
    assert "malformed query" in line
    assert POSITION.search(line), line
    assert r.out == ""


@pytest.mark.parametrize("update", [
    "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }",
    "DROP ALL",
    "PREFIX ex: <https://example.org/>\nDELETE WHERE { ?s ?p ?o }",
    "# a comment first\nCLEAR DEFAULT",
])
def test_query_refuses_updates(update, run_cli, ingested_store):
    before = quad_set(ingested_store.path)
    r = run_cli("query", update, "--store", ingested_store.path)
    assert r.code == 1
    assert "not allowed" in one_error_line(r)
    assert quad_set(ingested_store.path) == before


def test_query_text_and_file_is_a_usage_error(run_cli, ingested_store, tmp_path):
    qf = tmp_path / "q.rq"
    qf.write_text(PEOPLE)
    both = run_cli("query", PEOPLE, "-f", qf, "--store", ingested_store.path)
    neither = run_cli("query", "--store", ingested_store.path)
    assert both.code == 2 and "not both" in both.err
    assert neither.code == 2


def test_query_unreadable_file(run_cli, ingested_store, tmp_path):
    missing = tmp_path / "missing.rq"
    r = run_cli("query", "-f", missing, "--store", ingested_store.path)
    assert r.code == 1
    assert str(missing) in one_error_line(r)


# -- export ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf", "csv", "html"])
def test_export_each_format(fmt, run_cli, ingested_store, tmp_path):
    out = tmp_path / f"graph.{fmt}"
    r = run_cli("export", "--format", fmt, "-o", out, "--store", ingested_store.path)
    assert r.code == 0, r.err
    assert r.out.strip() == f"wrote {out}"
    assert out.is_file() and out.stat().st_size > 0
    # nothing but the export (and the CSV node table) is left in the folder
    expected = {out.name} | ({"graph.nodes.csv"} if fmt == "csv" else set())
    assert {p.name for p in tmp_path.iterdir()} == expected


def test_export_into_missing_folder(run_cli, ingested_store, tmp_path):
    out = tmp_path / "not-there" / "graph.ttl"
    r = run_cli("export", "--format", "ttl", "-o", out, "--store", ingested_store.path)
    assert r.code == 1
    assert str(out) in one_error_line(r)
    assert not out.parent.exists()


# -- stats, entity, validate ---------------------------------------------------------------------
def test_stats_json(run_cli, ingested_store):
    r = run_cli("stats", "--json", "--store", ingested_store.path)
    assert r.code == 0, r.err
    stats = json.loads(r.out)
    quads = quad_set(ingested_store.path)
    relation_iris = {KG + local for local in PREDICATES.values()}
    merged = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    facts = {(q.subject, q.predicate, q.object) for q in merged if q.predicate.value in relation_iris}
    mentioned = {q.object for q in merged if q.predicate.value == "https://schema.org/mentions"}
    assert stats["articles"] == len(CORPUS)
    assert stats["quads"] == sum(1 for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
    assert stats["facts"] == len(facts)
    assert stats["entities"] == len(mentioned)
    assert stats["facts_by_predicate"]["founded"] == sum(1 for f in facts if f[1].value == KG + "founded")
    assert stats["entities_by_class"]["Person"] == len(
        {q.subject for q in merged if q.predicate.value.endswith("#type") and q.object.value == KG + "Person"})


def test_stats_text(run_cli, ingested_store):
    r = run_cli("stats", "--store", ingested_store.path)
    assert r.code == 0, r.err
    first = r.out.splitlines()[0]
    assert first.startswith(f"articles: {len(CORPUS)} ")
    assert "entities by class:" in r.out and "facts by predicate:" in r.out
    assert re.search(r"^\s+founded\s+\d+$", r.out, re.M)


def test_entity_by_label_and_alias(run_cli, ingested_store):
    by_label = run_cli("entity", "Jensen Huang", "--store", ingested_store.path)
    by_alias = run_cli("entity", "huang", "--store", ingested_store.path)
    assert by_label.code == 0, by_label.err
    assert by_alias.code == 0, by_alias.err
    first = by_label.out.splitlines()[0]
    assert first.startswith("Jensen Huang  (Person)  https://w3id.org/aikg/id/person/jensen-huang")
    assert by_alias.out == by_label.out
    assert "also: Huang" in by_label.out
    assert re.search(r"-founded-> Nvidia", by_label.out)


def test_entity_shows_support_from_two_articles(run_cli, ingested_store):
    r = run_cli("entity", "Anthropic", "--store", ingested_store.path)
    assert r.code == 0, r.err
    assert "(AILab)" in r.out.splitlines()[0]
    line = next(line for line in r.out.splitlines() if "<-founded- Dario Amodei" in line)
    assert "support 2" in line


def test_entity_json(run_cli, ingested_store):
    r = run_cli("entity", "Anthropic", "--json", "--store", ingested_store.path)
    assert r.code == 0, r.err
    ent = json.loads(r.out)
    assert ent["iri"] == "https://w3id.org/aikg/id/org/anthropic"
    fact = next(f for f in ent["facts"] if f["predicate"] == "founded" and f["other_label"] == "Dario Amodei")
    assert fact["direction"] == "in"
    assert fact["support"] == 2
    assert len({ev["article"] for ev in fact["evidence"]}) == 2
    for ev in fact["evidence"]:
        assert "Dario Amodei" in ev["sentence"] and "Anthropic" in ev["sentence"]


def test_entity_unknown(run_cli, ingested_store):
    r = run_cli("entity", "Nobody Atall", "--store", ingested_store.path)
    assert r.code == 1
    assert "Nobody Atall" in one_error_line(r)
    assert r.out == ""


def test_validate_ingested_store(run_cli, ingested_store):
    r = run_cli("validate", "--store", ingested_store.path)
    assert r.code == 0, r.out
    assert r.out.strip().splitlines()[-1] == (
        f"{len(CORPUS)} article graph(s) checked against the SHACL shapes: all conform")


# -- eval ------------------------------------------------------------------------------------
F1_LINE = re.compile(r"^relations F1 = (\d\.\d{3})$")


def test_eval_dev(run_cli, dev_dir, nlp_ready):
    r = run_cli("eval", dev_dir)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == f"{len(list(dev_dir.glob('*.json')))} articles"
    assert "per predicate:" in lines
    per_predicate = [line for line in lines
                     if re.match(r"^  [a-z_]+\s+P=\d\.\d{3} R=\d\.\d{3} F1=\d\.\d{3}  \(tp=\d+", line)]
    assert per_predicate
    m = F1_LINE.match(lines[-1])
    assert m, lines[-1]
    summary = next(line for line in lines if line.startswith("relations: "))
    assert f"F1={m.group(1)}" in summary
    # every gold relation's predicate gets a line
    gold_preds = {rel["p"] for f in dev_dir.glob("*.json") for rel in json.loads(f.read_text())["relations"]}
    assert gold_preds <= {line.split()[0] for line in per_predicate}


def test_eval_quiet(run_cli, dev_dir, nlp_ready):
    r = run_cli("eval", dev_dir, "--quiet")
    assert r.code == 0, r.err
    assert "per predicate:" not in r.out
    assert F1_LINE.match(r.out.splitlines()[-1])


# -- demo ------------------------------------------------------------------------------------
def _table_rows(out: str) -> list[tuple[str, ...]]:
    lines = out.splitlines()
    start = lines.index("Who founded what?")
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("founder"))
    rows = []
    for line in lines[header + 2:]:
        if line.startswith("("):
            break
        rows.append(tuple(re.split(r"\s{2,}", line.strip())))
    return rows


def test_demo_builtin_samples(run_cli, samples_dir, tmp_path, nlp_ready):
    from kg.cli import FOUNDED_QUERY

    store, out = tmp_path / "store", tmp_path / "out"
    r = run_cli("demo", "--store", store, "--out", out)
    assert r.code == 0, r.err
    assert (out / "explorer.html").is_file() and (out / "graph.ttl").is_file()
    rows = _table_rows(r.out)
    assert rows
    assert re.search(rf"^\({len(rows)} rows?\)$", r.out, re.M)
    n_articles = len([p for p in samples_dir.rglob("*") if p.suffix in (".txt", ".md")])
    assert f"ingested {n_articles} articles" in r.out
    with KnowledgeGraph.open(store, read_only=True) as kg:
        expected = [(x["founder"], x["organization"]) for x in kg.query(FOUNDED_QUERY)]
        merged = len(list(kg.store.merged_triples()))
    assert rows == expected
    assert len(rdflib.Graph().parse(out / "graph.ttl", format="turtle")) == merged


def test_demo_own_corpus(run_cli, small_corpus, tmp_path, nlp_ready):
    r = run_cli("demo", "--store", tmp_path / "store", "--out", tmp_path / "out", "--samples", small_corpus)
    assert r.code == 0, r.err
    rows = _table_rows(r.out)
    assert ("Dario Amodei", "Anthropic") in rows
    assert ("Jensen Huang", "Nvidia") in rows
    assert rows == sorted(rows, key=lambda x: (x[1], x[0]))


# -- the real console script -------------------------------------------------------------------
def test_console_script_exit_codes(run_script, tmp_path):
    good = write_corpus(tmp_path / "c", {"ok.txt": CORPUS["02-nvidia.txt"]})
    (good / "bad.txt").write_bytes(b"caf\xe9 \x81\x8d")
    store = tmp_path / "store"
    p = run_script("ingest", good, "--store", store)
    assert p.returncode == 1
    errors = [line for line in p.stderr.splitlines() if line.strip()]
    assert errors == [f"error: {good / 'bad.txt'}: not valid UTF-8 (byte 0xe9 at offset 3), "
                      f"nor cp1252/latin-1 text (byte 0x81 at offset 5)"]
    assert "read 1, new 1" in p.stdout

    p = run_script("query", "SELECT * WHERE { ?s ?p ?o }", "-f", "x.rq", "--store", store)
    assert p.returncode == 2
    p = run_script("query", "SELECT ?o WHERE { ?s kg:founded ?o }", "--format", "csv", "--store", store)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "o" and len(p.stdout.splitlines()) >= 2
    p = run_script("entity", "Jensen Huang", "--store", store)
    assert p.returncode == 0 and p.stdout.startswith("Jensen Huang  (Person)")


def test_extract_relation_names_are_entity_names_or_aliases(run_cli, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Nvidia Corp. unveiled the Blackwell chip. Nvidia also sells the H100 chip.\n")
    rec = json.loads(run_cli("extract", str(f)).out)
    known = {n for e in rec["entities"] for n in [e["name"], *e["aliases"]]}
    assert rec["relations"]
    for r in rec["relations"]:
        assert r["subject"] in known and r["object"] in known, r


# -- exploring from the command line ---------------------------------------------------------
def test_search_lists_matches_best_first(run_cli, ingested_store):
    r = run_cli("search", "amodei", "--store", ingested_store.path)
    assert r.code == 0
    assert {"Daniela Amodei", "Dario Amodei"} <= {line.split("  (")[0] for line in r.out.splitlines()}
    r = run_cli("search", "amodei", "--json", "--limit", "1", "--store", ingested_store.path)
    rows = json.loads(r.out)
    assert len(rows) == 1 and rows[0]["label"].endswith("Amodei")


def test_search_without_matches_says_so(run_cli, ingested_store):
    r = run_cli("search", "zzzz-nothing", "--store", ingested_store.path)
    assert r.code == 0 and r.out == "" and "no entity matches" in r.err


def test_neighbours_and_path_and_timeline(run_cli, ingested_store):
    r = run_cli("neighbours", "Anthropic", "--store", ingested_store.path)
    assert r.code == 0 and "Dario Amodei" in r.out and "-founded-> Anthropic" in r.out
    r = run_cli("neighbours", "Anthropic", "--json", "--depth", "2", "--store", ingested_store.path)
    near = json.loads(r.out)
    assert near["label"] == "Anthropic" and near["depth"] == 2
    r = run_cli("path", "Dario Amodei", "Amazon", "--store", ingested_store.path)
    assert r.code == 0
    assert r.out.startswith("1. Dario Amodei -founded-> Anthropic") and "Amazon -funds-> Anthropic" in r.out
    assert '"' in r.out  # each hop shows its evidence sentence
    r = run_cli("timeline", "Anthropic", "--store", ingested_store.path)
    assert r.code == 0 and r.out.splitlines()[0].startswith("2021 (stated)")


def test_rank_by_pagerank(run_cli, ingested_store):
    r = run_cli("rank", "--kind", "pagerank", "--json", "--limit", "3", "--store", ingested_store.path)
    rows = json.loads(r.out)
    assert len(rows) == 3 and rows == sorted(rows, key=lambda x: -x["score"])


@pytest.mark.parametrize(("args", "message"), [
    (["neighbours", "Nobody Atall"], "unknown entity 'Nobody Atall'"),
    (["neighbours", "Anthropic", "--depth", "0"], "depth must be"),
    (["path", "Anthropic", "Nobody Atall"], "unknown entity 'Nobody Atall'"),
    (["timeline", "Nobody Atall"], "unknown entity"),
    (["neighbours", "Anthropic", "--predicate", "befriends"], "befriends"),
])
def test_exploring_errors_are_one_line(run_cli, ingested_store, args, message):
    r = run_cli(*args, "--store", ingested_store.path)
    assert r.code == 1 and len(r.err_lines) == 1 and message in r.err


def test_path_between_unconnected_entities_exits_1(run_cli, ingested_store):
    r = run_cli("path", "Jensen Huang", "Demis Hassabis", "--store", ingested_store.path)
    assert r.code == 1 and r.out == "" and "no chain of at most 4 fact(s)" in r.err
