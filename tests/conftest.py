"""Shared fixtures: the sample corpus, the dev gold set, the spaCy pipeline (loaded once),
small own-words corpora, an ingested on-disk store per module, and a CLI runner."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests are run with .venv/bin/pytest from the repo root
    sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "samples"
DEV = ROOT.parent / "shared" / "eval" / "dev"

# Three short articles in our own words. Between them they name a Chip (Blackwell), an
# AILab (Anthropic, Google DeepMind), people with a short alias (Jensen Huang / Huang), a
# dateline, a Markdown heading with links, and one fact stated by two articles
# (Dario Amodei founded Anthropic: 01 and 03).
CORPUS: dict[str, str] = {
    "01-anthropic.txt": (
        "Anthropic Raises Money From Amazon\n\n"
        "Monday, February 3, 2025\n\n"
        "Anthropic was founded in 2021 by Dario Amodei and Daniela Amodei. "
        "The San Francisco-based lab develops the Claude models.\n\n"
        "Amazon invested $4 billion in Anthropic.\n"
    ),
    "02-nvidia.txt": (
        "Nvidia Corp. was founded by Jensen Huang in 1993. Huang still leads the chipmaker, "
        "which is based in Santa Clara. Nvidia develops the Blackwell chip. Microsoft uses "
        "Nvidia's H100 chips in its data centers.\n"
    ),
    "03-deepmind.md": (
        "# Inside Google DeepMind\n\n"
        "Google DeepMind, led by [Demis Hassabis](https://example.com/demis), develops the "
        "*Gemini* models. DeepMind is based in London.\n\n"
        "Elsewhere, Dario Amodei founded Anthropic.\n"
    ),
}

# rdflib 7.6's own Dataset.parse() calls its deprecated Dataset.default_context, which the
# project's filterwarnings=error turns into an exception. Tests that parse N-Quads, TriG or
# JSON-LD with rdflib themselves ignore just this warning; the project's own code must not
# trigger it (test_api.py::test_to_rdflib_emits_no_warnings).
RDFLIB_DATASET_PARSE = pytest.mark.filterwarnings(
    "ignore:Dataset.default_context is deprecated:DeprecationWarning")

SHARED_FACT = ("https://w3id.org/aikg/id/person/dario-amodei",
               "https://w3id.org/aikg/ontology#founded",
               "https://w3id.org/aikg/id/org/anthropic")


def write_corpus(folder: Path, texts: dict[str, str] | None = None) -> Path:
    """Write articles (name -> text) into folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (CORPUS if texts is None else texts).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_term(term):
    """An rdflib term for a pyoxigraph term, built field by field (no serialiser involved)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


def rdflib_graph(triples) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in triples:
        g.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return g


def quad_set(path: Path) -> set[ox.Quad]:
    """Every quad of an on-disk store (article graphs and the merged default graph)."""
    store = ox.Store.read_only(str(path))
    try:
        return set(store)
    finally:
        del store


# -- paths -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir() or not any(SAMPLES.glob("*.txt")):
        pytest.skip(f"sample corpus not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    if not DEV.is_dir() or not any(DEV.glob("*.json")):
        pytest.skip(f"dev gold set not found at {DEV}")
    return DEV


# -- the NLP pipeline, once ----------------------------------------------------------------
@pytest.fixture(scope="session")
def nlp_ready():
    """Load the spaCy pipeline once per session. The extractor calls nlp.load(model) with
    model=None positionally, so call it the same way to hit the same lru_cache entry."""
    from ingest import nlp

    return nlp.load(None)


# -- corpora and stores -------------------------------------------------------------------
@pytest.fixture
def corpus_texts() -> dict[str, str]:
    return dict(CORPUS)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A folder with the three own-words articles."""
    return write_corpus(tmp_path / "corpus")


@dataclass
class Ingested:
    path: Path          # the store folder
    corpus: Path        # the folder that was ingested
    report: object      # the IngestReport of the ingest


@pytest.fixture(scope="module")
def ingested_store(tmp_path_factory, nlp_ready) -> Ingested:
    """An on-disk store holding the three own-words articles; closed, so tests may open it
    (read-only, or through the CLI). Tests must not write to it."""
    from kg.api import KnowledgeGraph

    base = tmp_path_factory.mktemp("ingested")
    corpus = write_corpus(base / "corpus")
    with KnowledgeGraph.open(base / "store") as kg:
        report = kg.ingest([corpus])
    assert report.ok and report.read == len(CORPUS), report
    return Ingested(path=base / "store", corpus=corpus, report=report)


# -- the command line ------------------------------------------------------------------------
@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def run_cli(capsys):
    """Run kg.cli.main(list_of_args) in-process; returns CliResult(code, out, err).
    argparse exits (usage errors, --help, --version) are turned into their exit codes."""
    from kg.cli import main

    def run(*args) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def kg_script() -> Path:
    """The installed console script `kg` of this venv."""
    script = Path(sys.executable).parent / "kg"
    if not script.exists():
        pytest.skip(f"console script not installed at {script}")
    return script


@pytest.fixture
def run_script(kg_script):
    """Run the real console script in a subprocess."""

    def run(*args, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(kg_script), *map(str, args)], capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ))

    return run


# -- backends: the embedded store and real SPARQL servers on loopback ------------------------
# The API suite runs against each. Servers are started once per session, each with its own
# data folder, and stopped by PID at the end. Virtuoso comes from Debian's packages, which
# `python3 bootstrap.py test` installs; without it its cases are skipped, except under CI
# (CI=true), where a missing server is a failure.
BACKENDS = ("embedded", "oxigraph", "virtuoso")


class ServerPool:
    def __init__(self, base: Path):
        self.base = base
        self.servers: dict[str, object] = {}

    def get(self, kind: str, role: str):
        from servers import start_oxigraph, start_virtuoso, virtuoso_available

        key = f"{kind}-{role}"
        if key not in self.servers:
            if kind == "virtuoso" and not virtuoso_available():
                if os.environ.get("CI"):
                    pytest.fail("Virtuoso is not installed (bootstrap.py installs "
                                "virtuoso-opensource on Debian)")
                pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource)")
            start = start_oxigraph if kind == "oxigraph" else start_virtuoso
            self.servers[key] = start(self.base / key)
        return self.servers[key]

    def stop(self):
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory):
    pool = ServerPool(tmp_path_factory.mktemp("servers"))
    yield pool
    pool.stop()


def wipe(kg) -> None:
    """Empty a server store of what the project wrote to it (never the server's own graphs)."""
    from kg.remote import MERGED, STAGING

    store = kg.store
    graphs = store.named_graphs() + [MERGED]
    graphs += [r["g"] for r in kg.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER STRSTARTS(STR(?g), ?staging) }",
        bindings={"staging": STAGING})]
    ops = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
    if store.merged is None:
        ops.append("DROP SILENT DEFAULT")
    store._update(" ;\n".join(ops))


def open_backend(kind: str, pool: ServerPool | None, role: str, path: Path | None = None, **kw):
    from kg.api import KnowledgeGraph

    if kind == "embedded":
        return KnowledgeGraph.open(path, **kw) if path is not None else KnowledgeGraph.memory(**kw)
    server = pool.get(kind, role)
    return KnowledgeGraph.open(server.url, **server.options, **kw)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_kg(request, tmp_path_factory, nlp_ready):
    """The three own-words articles ingested into each backend, opened read-only."""
    from kg.api import KnowledgeGraph

    kind = request.param
    if kind == "embedded":
        base = tmp_path_factory.mktemp("ingested")
        with KnowledgeGraph.open(base / "store") as kg:
            assert kg.ingest([write_corpus(base / "corpus")]).ok
        with KnowledgeGraph.open(base / "store", read_only=True) as kg:
            yield kg
        return
    pool = request.getfixturevalue("server_pool")
    with open_backend(kind, pool, "ingested") as kg:
        wipe(kg)
        report = kg.ingest([write_corpus(tmp_path_factory.mktemp("corpus"))])
        assert report.ok and report.new == len(CORPUS), report
    server = pool.get(kind, "ingested")
    with KnowledgeGraph.open(server.url, read_only=True, **server.options) as kg:
        yield kg


@pytest.fixture(params=BACKENDS)
def empty_kg(request, nlp_ready):
    """An empty writable graph in each backend."""
    kind = request.param
    pool = request.getfixturevalue("server_pool") if kind != "embedded" else None
    kg = open_backend(kind, pool, "scratch")
    if kind != "embedded":
        wipe(kg)
    yield kg
    kg.close()


# -- a real browser --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (system packages) driven by Selenium; skipped where it is not
    installed, except under CI (CI=true), where that is a failure."""
    import browser as chrome

    if not chrome.available():
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are not installed (bootstrap.py installs "
                        "chromium and chromium-driver on Debian)")
        pytest.skip("Chromium and chromedriver are not installed")
    driver = chrome.start()
    yield driver
    driver.quit()
