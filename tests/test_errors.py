"""Tests for the error tree (kg/errors.py) and how errors reach the user: the API raises a
KGError subclass, the CLI prints exactly one line `error: ...` on stderr and exits 1."""
from __future__ import annotations

import inspect
import json

import pytest
from conftest import CORPUS, write_corpus

from kg import errors
from kg.api import KnowledgeGraph
from kg.errors import (
    ConfigError,
    ExportError,
    KGError,
    ModelError,
    NotFound,
    OntologyError,
    PluginNotFound,
    QueryError,
    ReadError,
    StoreError,
)

ALL = [ConfigError, PluginNotFound, ReadError, ModelError, OntologyError, StoreError, QueryError, NotFound,
       ExportError]


def test_every_error_is_a_kg_error():
    defined = {obj for _, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, Exception) and obj.__module__ == errors.__name__}
    assert defined == {KGError, *ALL}
    for exc in ALL:
        assert issubclass(exc, KGError) and exc is not KGError
    assert issubclass(KGError, Exception) and not issubclass(KGError, (OSError, ValueError))


def test_error_tree_in_the_docstring_matches():
    for exc in ALL:
        assert exc.__name__ in errors.__doc__


def test_read_error_names_its_source():
    err = ReadError("dir/a.txt", "empty file")
    assert (err.source, err.reason, str(err)) == ("dir/a.txt", "empty file", "dir/a.txt: empty file")
    assert isinstance(err, KGError)


def _one_line(result, *needles: str) -> str:
    assert result.code == 1, (result.out, result.err)
    lines = result.err_lines
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize("cmd", [
    ["query", "SELECT * WHERE { ?s ?p ?o }"],
    ["stats"],
    ["entity", "Nvidia"],
    ["validate"],
    ["export", "--format", "ttl", "-o", "OUT"],
])
def test_commands_on_a_missing_store(cmd, run_cli, tmp_path):
    store = tmp_path / "no-store"
    args = [str(tmp_path / "out.ttl") if a == "OUT" else a for a in cmd]
    r = run_cli(*args, "--store", store)
    _one_line(r, str(store), "no store here")
    assert not store.exists()
    assert not (tmp_path / "out.ttl").exists()


def test_unknown_model_is_a_model_error(run_cli, tmp_path):
    f = write_corpus(tmp_path / "c", {"a.txt": CORPUS["02-nvidia.txt"]}) / "a.txt"
    r = run_cli("extract", f, "--model", "no_such_spacy_pipeline_xyz")
    _one_line(r, "no_such_spacy_pipeline_xyz", "not installed")
    kg = KnowledgeGraph.memory(model="no_such_spacy_pipeline_xyz")
    with pytest.raises(ModelError):
        kg.ingest([f])
    assert len(kg.store) == 0


def test_unknown_reader_is_plugin_not_found(run_cli, tmp_path):
    f = write_corpus(tmp_path / "c", {"a.txt": CORPUS["02-nvidia.txt"]}) / "a.txt"
    r = run_cli("ingest", f, "--reader", "pdf", "--store", tmp_path / "store")
    _one_line(r, "'pdf'", "markdown", "text")


def test_eval_without_gold_files_is_a_config_error(run_cli, tmp_path):
    r = run_cli("eval", tmp_path)
    _one_line(r, str(tmp_path), "no gold")


def test_eval_with_a_broken_gold_file(run_cli, tmp_path):
    (tmp_path / "x.json").write_text("{ not json")
    r = run_cli("eval", tmp_path)
    _one_line(r, str(tmp_path / "x.json"), "not a gold annotation file")


def test_eval_with_a_missing_article_text(run_cli, tmp_path, nlp_ready):
    (tmp_path / "x.json").write_text(json.dumps({"id": "x", "text_file": "x.txt", "entities": [],
                                                 "relations": []}))
    r = run_cli("eval", tmp_path)
    # the article is named on stderr; the run still prints its totals
    assert any(str(tmp_path / "x.txt") in line for line in r.err_lines), r.err
    assert r.out.splitlines()[-1].startswith("relations F1 = ")


def test_query_errors_through_the_cli_are_one_line(run_cli, ingested_store):
    _one_line(run_cli("query", "SELECT ?x WHERE {", "--store", ingested_store.path), "malformed query")
    _one_line(run_cli("query", "DROP ALL", "--store", ingested_store.path), "not allowed")


def test_export_error_through_the_cli_is_one_line(run_cli, ingested_store, tmp_path):
    target = tmp_path / "missing" / "g.ttl"
    _one_line(run_cli("export", "--format", "ttl", "-o", target, "--store", ingested_store.path), str(target))


def test_store_error_through_the_cli_is_one_line(run_cli, tmp_path):
    from kg.store import Store

    f = write_corpus(tmp_path / "c", {"a.txt": CORPUS["02-nvidia.txt"]}) / "a.txt"
    held = Store(tmp_path / "db")
    try:
        r = run_cli("ingest", f, "--store", tmp_path / "db")
    finally:
        held.close()
    _one_line(r, str(tmp_path / "db"), "cannot open the store")


def test_usage_errors_exit_2(run_cli):
    assert run_cli().code == 2
    assert run_cli("no-such-command").code == 2
    assert run_cli("export", "--format", "pdf", "-o", "x.pdf").code == 2
    r = run_cli("ingest")
    assert r.code == 2 and "PATH" in r.err
