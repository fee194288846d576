"""Tests for incremental and safe ingestion (kg/api.py, kg/cli.py): identity by canonical URL
or text, unchanged articles skipped before any NLP, changed ones replaced, --dry-run, texts
longer than spaCy's max_length, progress output, and a SIGKILL part-way through a batch."""
from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import CORPUS, write_corpus

from kg.api import IngestReport, KnowledgeGraph
from kg.cli import Progress
from kg.errors import ModelError
from kg.iri import article_iri
from kg.model import Article
from kg.rdfmap import article_quads

BOGUS_MODEL = "no_such_spacy_pipeline_xyz"
FOUNDERS = ["Mara Ellison", "Tomas Berg", "Priya Raman", "Kenji Sato", "Lena Vogel", "Omar Haddad",
            "Sofia Marquez", "Jonas Lind"]
CITIES = ["Paris", "Toronto", "Berlin", "Austin", "Seoul", "Lisbon", "Oslo", "Denver"]
INVESTORS = ["Sequoia Capital", "Andreessen Horowitz", "Nvidia", "Microsoft", "SoftBank", "Lightspeed"]


def generated_article(i: int) -> str:
    """A short made-up news item about an invented startup; every i gives different text."""
    name, founder = f"Norvia{i:03d}", FOUNDERS[i % 8]
    city, investor = CITIES[(i // 8) % 8], INVESTORS[i % 6]
    return (f"{name} Raises A New Round\n\n{founder} founded {name} in {city} in {2015 + i % 10}. "
            f"{name} develops the {name} Vision models for factories. {investor} invested "
            f"${5 + i % 40} million in {name}.\n\nThe company, which is based in {city}, said it would "
            f"hire more engineers. {founder} leads {name}.\n")


def generated_corpus(folder: Path, n: int) -> Path:
    return write_corpus(folder, {f"{i:03d}.txt": generated_article(i) for i in range(n)})


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def labels(kg: KnowledgeGraph) -> set[str]:
    return {r["l"] for r in kg.query("SELECT ?l WHERE { ?e rdfs:label ?l }")}


# -- identity and change ----------------------------------------------------------------------
def test_unchanged_files_are_skipped_before_any_nlp(tmp_path, small_corpus, nlp_ready):
    store = tmp_path / "store"
    with KnowledgeGraph.open(store) as kg:
        assert kg.ingest([small_corpus]).new == 3
    with KnowledgeGraph.open(store, model=BOGUS_MODEL) as kg:  # this pipeline cannot even load
        report = kg.ingest([small_corpus])
        assert (report.read, report.unchanged, report.ok) == (3, 3, True)
        (small_corpus / "04-new.txt").write_text("Jensen Huang founded Nvidia.\n")
        with pytest.raises(ModelError):
            kg.ingest([small_corpus])


def test_same_url_with_new_text_replaces_the_graph(tmp_path, nlp_ready):
    kg = KnowledgeGraph.memory()
    v1 = [{"url": "https://news.example.com/a", "title": "Deal", "text": "Microsoft invested in OpenAI."},
          {"url": "https://news.example.com/b", "title": "Chips", "text": "Nvidia develops the Blackwell chip."}]
    first = kg.ingest(jsonl(tmp_path / "v1.jsonl", v1))
    assert (first.new, first.updated) == (2, 0)
    v2 = [dict(v1[0], text="Amazon invested in Anthropic."), v1[1]]
    second = kg.ingest(jsonl(tmp_path / "v2.jsonl", v2))
    assert (second.read, second.new, second.updated, second.unchanged) == (2, 0, 1, 1)
    assert len(kg.store.named_graphs()) == 2
    assert {"Amazon", "Anthropic"} <= labels(kg) and not {"Microsoft", "OpenAI"} & labels(kg)
    # the same URL written differently (tracking parameters, case of the host) is the same article
    third = kg.ingest(jsonl(tmp_path / "v3.jsonl", [dict(v2[0], url="https://NEWS.example.com/a?utm_source=rss")]))
    assert (third.unchanged, third.new) == (1, 0)


def test_new_metadata_is_an_update(tmp_path, nlp_ready):
    kg = KnowledgeGraph.memory()
    rec = {"url": "https://news.example.com/a", "title": "Deal", "text": "Microsoft invested in OpenAI.",
           "date": "2025-01-02"}
    kg.ingest(jsonl(tmp_path / "a.jsonl", [rec]))
    report = kg.ingest(jsonl(tmp_path / "b.jsonl", [dict(rec, date="2025-01-03")]))
    assert report.updated == 1
    assert kg.query("SELECT ?d WHERE { ?a schema:datePublished ?d }") == [{"d": "2025-01-03"}]
    assert kg.ingest(jsonl(tmp_path / "c.jsonl", [dict(rec, date="2025-01-03")])).unchanged == 1


def test_the_same_article_twice_in_one_run(tmp_path, nlp_ready):
    kg = KnowledgeGraph.memory()
    rec = {"url": "https://news.example.com/a", "text": "Microsoft invested in OpenAI."}
    report = kg.ingest(jsonl(tmp_path / "d.jsonl", [rec, rec, dict(rec, text="Amazon invested in Anthropic.")]))
    assert (report.read, report.new, report.unchanged, report.updated) == (3, 1, 1, 1)
    assert len(kg.store.named_graphs()) == 1 and "Amazon" in labels(kg)
    dry = KnowledgeGraph.memory().ingest(jsonl(tmp_path / "e.jsonl", [rec, rec, dict(rec, text="Other.")]),
                                         dry_run=True)
    assert (dry.new, dry.unchanged, dry.updated) == (1, 1, 1)


def test_text_identity_ignores_whitespace_but_not_words(tmp_path, nlp_ready):
    kg = KnowledgeGraph.memory()
    assert kg.ingest_text("Jensen Huang founded Nvidia.").new == 1
    # the id comes from the text with its spacing normalised: new spacing is an update of it
    assert kg.ingest_text("Jensen  Huang\nfounded Nvidia.").updated == 1
    assert kg.ingest_text("Jensen Huang founded Nvidia!").new == 1
    assert len(kg.store.named_graphs()) == 2


# -- dry run --------------------------------------------------------------------------------------
def test_dry_run_lists_what_would_change_and_needs_no_nlp(tmp_path, small_corpus, run_cli, nlp_ready):
    store = tmp_path / "store"
    r = run_cli("ingest", small_corpus, "--store", store, "--dry-run", "--model", BOGUS_MODEL)
    assert r.code == 0, r.err
    assert [line.split() for line in r.out.splitlines()[:3]] == [
        ["new", str(small_corpus / name)] for name in sorted(CORPUS)]
    assert "read 3, new 3, updated 0, unchanged 0, failed 0; would write 3 article(s)" in r.out
    assert run_cli("ingest", small_corpus, "--store", store).code == 0
    records = jsonl(tmp_path / "n.jsonl", [{"url": "https://n.example.com/1", "text": "Intel makes chips."}])
    assert run_cli("ingest", records, "--store", store).code == 0
    jsonl(records, [{"url": "https://n.example.com/1", "text": "Intel makes many chips."}])
    before = KnowledgeGraph.open(store, read_only=True)
    quads = set(before.store.oxigraph)
    before.close()
    r = run_cli("ingest", small_corpus, records, "--store", store, "--dry-run", "--model", BOGUS_MODEL)
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == f"updated  {records}:1"
    assert "read 4, new 0, updated 1, unchanged 3, failed 0; would write 1 article(s)" in r.out
    with KnowledgeGraph.open(store, read_only=True) as after:
        assert set(after.store.oxigraph) == quads


# -- long texts -------------------------------------------------------------------------------------
def test_text_longer_than_max_length_is_split(monkeypatch, nlp_ready):
    from ingest.extract import RuleExtractor

    text = "\n\n".join(generated_article(i).strip() for i in range(40))
    text += "\n\n" + " ".join(f"Nvidia invested in Norvia{i:03d}." for i in range(60))  # one long line
    extractor = RuleExtractor()
    whole = extractor.extract(Article(id="long", text=text))
    monkeypatch.setattr(nlp_ready, "max_length", 1500)
    assert len(text) > 8 * nlp_ready.max_length
    with pytest.raises(ValueError, match="E088"):
        nlp_ready(text)  # what would happen without splitting
    split = extractor.extract(Article(id="long", text=text))
    assert split.relations
    for r in split.relations:
        assert text[r.start:r.end] == r.sentence
    # pieces are parsed apart, so a parse near a cut may differ a little from the whole text's
    facts = {(r.subject, r.predicate, r.object) for r in split.relations}
    whole_facts = {(r.subject, r.predicate, r.object) for r in whole.relations}
    assert len(facts ^ whole_facts) <= 0.05 * len(whole_facts), facts ^ whole_facts
    keys, whole_keys = {e.key for e in split.entities}, {e.key for e in whole.entities}
    assert len(keys ^ whole_keys) <= 0.05 * len(whole_keys), keys ^ whole_keys


def test_long_article_ingests_through_the_api(monkeypatch, nlp_ready):
    monkeypatch.setattr(nlp_ready, "max_length", 1000)
    kg = KnowledgeGraph.memory()
    report = kg.ingest_text("\n\n".join(generated_article(i) for i in range(10)), source="long")
    assert report.ok and report.new == 1 and report.relations > 10
    assert kg.validate() == []


# -- progress -----------------------------------------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress(out, every=2)
    report = IngestReport()
    for status in ("new", "unchanged", "new", "failed", "new"):
        report.read += status != "failed"
        progress(status, "x", report)
    assert out.getvalue().splitlines() == [
        "progress: 0 done: new 0, updated 0, unchanged 0, failed 0 (0 s)"] * 2  # the report's counts
    quiet = io.StringIO()
    Progress(quiet, enabled=False, every=1)("new", "x", report)
    assert quiet.getvalue() == ""


def test_progress_status_line_on_a_terminal():
    term = Terminal()
    progress = Progress(term)
    progress.start -= 1  # as if the run had been going for a second
    progress.last -= 1
    report = IngestReport(read=7, new=5, unchanged=2)
    progress("new", "samples/07.txt", report)
    shown = term.getvalue()
    assert shown.startswith("\r") and "\n" not in shown
    assert "7 done: new 5, updated 0, unchanged 2, failed 0" in shown and "samples/07.txt" in shown
    progress.close()
    assert term.getvalue().endswith("\r")


def test_cli_progress_in_a_real_terminal(tmp_path, kg_script):
    corpus = generated_corpus(tmp_path / "c", 60)
    pid, fd = pty.fork()
    if pid == 0:  # the child: kg ingest with a terminal on stdout and stderr
        os.execv(str(kg_script), [str(kg_script), "ingest", str(corpus), "--store", str(tmp_path / "s")])
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "\r" in text and "done: new" in text and "/s" in text  # the live status line
    assert "progress:" not in text
    assert "read 60, new 60, updated 0, unchanged 0, failed 0" in text


def test_cli_progress_lines_and_no_progress(tmp_path, run_script):
    corpus = generated_corpus(tmp_path / "c", 110)
    p = run_script("ingest", corpus, "--store", tmp_path / "s", "--dry-run", timeout=120)
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"progress: 100 done: new 100, updated 0, unchanged 0, failed 0 \(\d+ s\)\n", p.stderr)
    p = run_script("ingest", corpus, "--store", tmp_path / "s", "--dry-run", "--no-progress", timeout=120)
    assert p.returncode == 0 and p.stderr == ""


# -- crash safety ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_sigkill_part_way_leaves_whole_articles_and_a_rerun_completes(tmp_path, kg_script, nlp_ready):
    n = 300
    corpus = generated_corpus(tmp_path / "batch", n)
    store = tmp_path / "store"
    cmd = [str(kg_script), "ingest", str(corpus), "--store", str(store)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        seen = ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen += line
            if line.startswith("progress: 100 done") or not line:
                break
        assert "progress: 100 done" in seen, seen
        time.sleep(0.1)  # somewhere in the middle of the next batch
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    from ingest.extract import RuleExtractor
    from ingest.readers import read

    expected = {a.source: a for a in read([corpus])}
    extractor = RuleExtractor()
    with KnowledgeGraph.open(store) as kg:  # the store opens after the crash
        graphs = kg.store.named_graphs()
        assert 100 <= len(graphs) < n, len(graphs)
        union = set()
        sources = kg.query("SELECT ?g ?s WHERE { GRAPH ?g { ?g kg:source ?s } }")
        assert len(sources) == len(graphs)  # every graph has its article node
        for row in sources:
            stored = {q.triple for q in kg.store.oxigraph.quads_for_pattern(None, None, None,
                                                                             ox.NamedNode(row["g"]))}
            article = expected[row["s"]]
            assert article_iri(article.id) == row["g"]
            fresh = {q.triple for q in article_quads(extractor.extract(article))}
            assert stored == fresh, row["s"]  # whole: exactly what a fresh extraction writes
            union |= stored
        assert set(kg.store.merged_triples()) == union  # the merged graph is in step
    done = len(graphs)

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"read {n}, new {n - done}, updated 0, unchanged {done}, failed 0" in again.stdout
    with KnowledgeGraph.open(store, read_only=True) as kg:
        assert len(kg.store.named_graphs()) == n
        assert kg.stats()["articles"] == n


def test_report_counts_are_consistent(tmp_path, small_corpus, nlp_ready):
    kg = KnowledgeGraph.memory()
    (small_corpus / "bad.txt").write_bytes(b"\x00")
    report = kg.ingest([small_corpus, tmp_path / "missing.txt"])
    assert report.read == report.new + report.updated + report.unchanged
    assert len(report.failed) == 2 and not report.ok
