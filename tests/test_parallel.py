"""Parallel ingestion (kg/parallel.py): local worker processes (jobs=N) and a real Dask
LocalCluster on loopback give exactly the store, the counts and the per-article failures of a
single-process run; also into a SPARQL server store; CLI errors for --jobs and --dask."""
from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import SAMPLES, quad_set, wipe
from servers import free_port

from kg.api import KnowledgeGraph
from kg.store import Store, open_store

distributed = pytest.importorskip("distributed")

# An extractor plugin that fails on one article, declared by a real entry point (a dist-info
# folder on PYTHONPATH), so worker processes started after it is set up find it too.
FLAKY = '''\
from ingest.extract import RuleExtractor


class FlakyExtractor(RuleExtractor):
    def from_doc(self, doc, article):
        if "EXPLODE" in article.text:
            raise ValueError("boom on purpose")
        return super().from_doc(doc, article)
'''
BAD_JSONL = ('{"text": "Mistral AI was founded in Paris by Arthur Mensch.", "url": "https://example.com/m"}\n'
             '{"text": \n'
             '{"title": "no text here"}\n')
N_SAMPLES = 20


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    base = tmp_path_factory.mktemp("plugin")
    (base / "flaky_extractor.py").write_text(FLAKY, encoding="utf-8")
    info = base / "flaky_extractor-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: flaky-extractor\nVersion: 0.1\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[kg.extractors]\nflaky = flaky_extractor:FlakyExtractor\n",
                                           encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(base))
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(base), str(SAMPLES.parent),
                                                          os.environ.get("PYTHONPATH")])))
    yield base
    mp.undo()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, samples_dir) -> Path:
    """20 sample articles, one of them twice (same text: same id), plus bad inputs: an empty
    file, a JSONL file with one good and two bad records, and an article that the flaky
    extractor fails on."""
    folder = tmp_path_factory.mktemp("corpus")
    texts = sorted(p for p in samples_dir.iterdir() if p.suffix in (".txt", ".md"))[:N_SAMPLES]
    for p in texts:
        shutil.copy(p, folder / p.name)
    shutil.copy(texts[3], folder / ("zz-copy-of-" + texts[3].name))
    (folder / "05a-empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "07a-explode.txt").write_text("OpenAI EXPLODE was founded by Sam Altman.\n",
                                            encoding="utf-8")
    (folder / "11a-data.jsonl").write_text(BAD_JSONL, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cluster(plugin_path):
    """One real LocalCluster per module: 2 single-threaded worker processes on loopback.
    The client is closed before the cluster, so no worker is left talking to a closed client."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cl:
        with Client(cl, set_as_default=False) as client:
            yield client


def contents(kg) -> tuple[set, set]:
    """Every quad of the article graphs and every triple of the merged graph."""
    return set(kg.store.quads()), set(kg.store.merged_triples())


def stored(path: Path) -> tuple[set, set]:
    with KnowledgeGraph.open(path, read_only=True) as kg:
        return contents(kg)


class Run:
    def __init__(self):
        self.statuses: Counter = Counter()

    def __call__(self, status, source, report):
        self.statuses[status, source] += 1


def ingest(kg, corpus, **kw):
    run = Run()
    report = kg.ingest([corpus], progress=run, **kw)
    return report, run


@pytest.fixture(scope="module")
def baseline(corpus, plugin_path, nlp_ready):
    """The single-process ingest of the corpus with the flaky extractor."""
    kg = KnowledgeGraph(Store(None), extractor="flaky")
    report, run = ingest(kg, corpus)
    assert report.read == N_SAMPLES + 3 and report.unchanged == 1, report
    assert len(report.failed) == 4, report.failed
    return contents(kg), report, run


def assert_same(got, baseline):
    (quads, report, run), (want_quads, want, want_run) = got, baseline
    assert quads == want_quads
    assert (report.read, report.new, report.updated, report.unchanged, report.entities,
            report.relations) == (want.read, want.new, want.updated, want.unchanged,
                                  want.entities, want.relations)
    assert sorted(report.failed) == sorted(want.failed)
    assert run.statuses == want_run.statuses


def test_baseline_failures_are_per_article(baseline):
    _, report, _ = baseline
    assert [r for s, r in report.failed if s.endswith("07a-explode.txt")] == [
        "extraction failed: boom on purpose"]
    assert sum(s.endswith("05a-empty.txt") for s, _ in report.failed) == 1
    assert sum("11a-data.jsonl" in s for s, _ in report.failed) == 2


def test_jobs_gives_the_same_store(corpus, baseline):
    kg = KnowledgeGraph(Store(None), extractor="flaky")
    report, run = ingest(kg, corpus, jobs=2, batch_size=3)
    assert_same((contents(kg), report, run), baseline)


def test_dask_gives_the_same_store_on_disk(corpus, baseline, cluster, tmp_path):
    with KnowledgeGraph(open_store(tmp_path / "store"), extractor="flaky") as kg:
        report, run = ingest(kg, corpus, dask=cluster, batch_size=4)
        # a re-run finds everything unchanged but the article that failed extraction
        again, _ = ingest(kg, corpus, dask=cluster, batch_size=4)
    assert_same((stored(tmp_path / "store"), report, run), baseline)
    assert (again.new, again.updated, again.unchanged) == (0, 0, report.read - 1)
    assert sorted(again.failed) == sorted(report.failed)


def test_dask_to_a_sparql_server(corpus, baseline, cluster, server_pool):
    server = server_pool.get("oxigraph", "scratch")
    kg = KnowledgeGraph(open_store(server.url, **server.options), extractor="flaky")
    try:
        wipe(kg)
        report, run = ingest(kg, corpus, dask=cluster, batch_size=5)
        assert_same((contents(kg), report, run), baseline)
    finally:
        wipe(kg)
        kg.close()


def test_cli_dask_address_matches_a_single_process_run(run_cli, corpus, cluster, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    for p in sorted(corpus.glob("*"))[:8]:
        if "empty" not in p.name and "explode" not in p.name and p.suffix != ".jsonl":
            shutil.copy(p, good / p.name)
    one = run_cli("ingest", good, "--store", tmp_path / "one", "--no-progress")
    many = run_cli("ingest", good, "--store", tmp_path / "many", "--no-progress",
                   "--dask", cluster.scheduler.address, "--batch-size", 100)
    assert (one.code, many.code) == (0, 0), many.err
    assert one.out.replace("one", "many") == many.out
    assert quad_set(tmp_path / "one") == quad_set(tmp_path / "many")


def test_cli_unreachable_scheduler_is_one_line(run_cli, small_corpus, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    res = run_cli("ingest", small_corpus, "--store", tmp_path / "s", "--dask", address,
                  "--dask-timeout", 1, "--no-progress")
    assert res.code == 1
    assert len(res.err_lines) == 1 and address in res.err_lines[0], res.err
    assert res.err_lines[0].startswith("error: cannot reach the Dask scheduler")


@pytest.mark.parametrize("args", [("--jobs", "0"), ("--jobs", "-2"),
                                  ("--jobs", "2", "--dask", "local:2"),
                                  ("--dask", "local:2", "--batch-size", "10"),
                                  ("--batch-size", "100")])
def test_cli_parallel_usage_errors(run_cli, small_corpus, tmp_path, args):
    res = run_cli("ingest", small_corpus, "--store", tmp_path / "s", *args)
    assert res.code == 2
    assert "usage:" in res.err
    assert not (tmp_path / "s").exists()


def test_cli_bad_dask_address(run_cli, small_corpus, tmp_path):
    res = run_cli("ingest", small_corpus, "--store", tmp_path / "s", "--dask", "nowhere")
    assert res.code == 1 and len(res.err_lines) == 1 and "nowhere" in res.err


# -- the scheduling loop, with a fake pool (no processes) -------------------------------------
class FakeFuture:
    def __init__(self, pool, articles):
        self.pool, self.articles = pool, articles

    def done(self):
        return False

    def result(self):
        self.pool.outstanding -= 1
        if any("CRASH" in a.text for a in self.articles):
            raise RuntimeError("worker lost")
        if any("FATAL" in a.text for a in self.articles):
            from kg.errors import ModelError
            raise ModelError("no pipeline on the worker")
        return [a.id for a in self.articles]


class FakePool:
    workers = 2

    def __init__(self):
        self.outstanding = self.most = 0

    def fatal(self, exc):
        return None

    def submit(self, articles):
        self.outstanding += 1
        self.most = max(self.most, self.outstanding)
        return FakeFuture(self, articles)


def fake_stream(n, read, special=None):
    from kg.model import Article

    for i in range(n):
        read.append(i)
        yield Article(id=f"a{i}", text=special if special and i == 7 else f"text {i}", source=f"s{i}")


def drive(n, special=None, batch_size=3, in_flight=2):
    from kg import parallel

    pool, read, out = FakePool(), [], []
    ahead = []

    def write(article, existed, result):
        assert result == article.id
        ahead.append(len(read) - int(article.id[1:]))
        out.append(("ok", article.id))

    parallel.run(fake_stream(n, read, special), pool, batch_size=batch_size, in_flight=in_flight,
                 check=lambda a: False, write=write, fail=lambda s, r: out.append((s, r)),
                 unchanged=lambda a: out.append(("same", a.id)))
    return pool, out, ahead


def test_in_flight_batches_and_read_ahead_are_bounded():
    pool, out, ahead = drive(1000)
    assert out == [("ok", f"a{i}") for i in range(1000)]
    assert pool.most <= 3                 # in_flight, plus the one just submitted
    assert max(ahead) <= 3 * 3 + 1        # the stream is never read far ahead of the writes


def test_a_task_that_fails_as_a_whole_fails_its_articles_only():
    _, out, _ = drive(12, special="CRASH")
    failed = [s for s, r in out if s != "ok"]
    assert failed == ["s6", "s7", "s8"]   # the batch holding a7
    assert [r for s, r in out if s == "s7"] == ["extraction failed: RuntimeError: worker lost"]
    assert len(out) == 12


def test_a_project_error_on_a_worker_stops_the_run():
    from kg.errors import ModelError

    with pytest.raises(ModelError, match="no pipeline"):
        drive(12, special="FATAL")
