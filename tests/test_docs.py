"""The documentation runs: every docstring example (doctest) in kg/, ingest/ and exports/, and
every `>>>` example in docs/*.md, the tutorial included, must pass. Each Markdown file runs as
one session, in a temporary folder (the tutorial writes its exports there)."""
from __future__ import annotations

import doctest
import importlib
import io

import pytest
from conftest import ROOT

PACKAGES = ("kg", "ingest", "exports")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text("utf-8"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules_with_examples()
DOCS = sorted(p.name for p in (ROOT / "docs").glob("*.md") if ">>>" in p.read_text("utf-8"))


def _run(tests: list[doctest.DocTest]) -> tuple[int, int, str]:
    """Run the doctests; (failed, attempted, the runner's report of the failures)."""
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report = io.StringIO()
    failed = attempted = 0
    for test in tests:
        result = runner.run(test, out=report.write)
        failed += result.failed
        attempted += result.attempted
    return failed, attempted, report.getvalue()


def test_the_documented_modules_and_docs_are_found():
    assert {"kg.api", "kg.analysis"} <= set(MODULES)
    assert "tutorial.md" in DOCS


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, nlp_ready):
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    failed, attempted, report = _run(tests)
    assert attempted > 0, f"{name} has '>>>' in its source but no doctest was found"
    assert failed == 0, report


def test_every_public_research_method_has_an_example():
    from kg.api import KnowledgeGraph

    for name in ("query", "facts", "search", "entity", "neighbours", "path", "evidence", "timeline",
                 "centrality", "communities", "to_networkx", "to_rdflib", "export"):
        doc = getattr(KnowledgeGraph, name).__doc__ or ""
        assert ">>>" in doc, f"KnowledgeGraph.{name} has no example"


@pytest.mark.parametrize("doc", DOCS)
def test_markdown_examples(doc, nlp_ready, tmp_path, monkeypatch):
    if doc == "tutorial.md":
        pytest.importorskip("pandas")
    path = ROOT / "docs" / doc
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(path.read_text("utf-8"), {"__name__": doc}, doc, str(path), 0)
    failed, attempted, report = _run([test])
    assert attempted > 0
    assert failed == 0, report


def test_every_test_named_in_the_reliability_table_exists():
    """docs/reliability.md promises behaviour and names the tests that prove it: every one
    it names must be a test function in that file, and it must name at least 35 cases."""
    import re

    text = (ROOT / "docs" / "reliability.md").read_text("utf-8")
    named = re.findall(r"`(tests/test_\w+\.py)::(test_\w+)`", text)
    assert len(named) >= 35
    missing = [f"{path}::{name}" for path, name in named
               if not re.search(rf"^def {name}\(", (ROOT / path).read_text("utf-8"), re.M)]
    assert missing == []
    cases = [line for line in text.splitlines() if line.startswith("| ") and "`tests/" in line]
    assert len(cases) >= 35
