"""Faults from outside the program: a full disk under `kg ingest` and `kg export`, queries
beside a running ingest (threads in one process, and other processes), and two `kg ingest`
on one store at once. Each case asserts the exact behaviour: a one-line error naming the
store or the file, nothing partial written, the store whole afterwards and a re-run that
completes.

No mocks: a full disk is a real tmpfs (a few MB, mounted under tmp_path and unmounted at
the end) filled with a real file; other processes are the real `kg` console script, and
only the processes a test starts are stopped, by their handle. Mounting needs root (or
CAP_SYS_ADMIN): without it the disk-full cases are skipped, except under CI (CI=true),
where that is a failure.

What pyoxigraph does on a full disk: RocksDB's write-ahead log append fails and pyoxigraph
raises OSError (errno None) with the text 'IO error: No space left on device: While
appending to file: STORE/000008.log: No space left on device'; the write was one
transaction, so none of it is in the store. Opening a store on a full disk fails the same
way (creating it, or replaying its log into a table file); a read-only open works.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import CORPUS, quad_set, write_corpus

from kg.api import KnowledgeGraph
from kg.errors import ExportError, StoreError
from kg.store import Store

PAGE = 4096  # tmpfs counts space in pages
EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf", "csv", "html")
NO_SPACE_WRITE = "no space left on device (the store keeps every article written before; " \
                 "free some space and run the command again)"
NO_SPACE_OPEN = "cannot open the store (no space left on device; free some space and run the " \
                "command again)"
IN_USE = "cannot open the store (another kg process is writing to it or serving it; stop that " \
         "one first)"
# one query, so one snapshot: the size of each article graph and of the merged graph
SNAPSHOT = """SELECT ?g ?n ?merged WHERE {
  { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }
  UNION { SELECT (COUNT(*) AS ?merged) WHERE { ?s ?p ?o } } }"""


# -- a small disk that can be filled ------------------------------------------------------------
@dataclass
class Disk:
    path: Path

    @property
    def filler(self) -> Path:
        return self.path / "filler"

    def free(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave: int = 0) -> None:
        """Take every free byte but `leave` (a multiple of PAGE) with a filler file."""
        assert leave % PAGE == 0
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.posix_fallocate(fd, 0, self.free() - leave)
        finally:
            os.close(fd)
        assert self.free() == leave

    def unfill(self) -> None:
        self.filler.unlink()

    def files(self) -> dict[str, bytes]:
        """Every file on the disk but the filler (names relative to the disk), with its bytes."""
        return {str(p.relative_to(self.path)): p.read_bytes() for p in sorted(self.path.rglob("*"))
                if p.is_file() and p != self.filler}


@pytest.fixture
def small_disk(tmp_path):
    """mount(size) -> a Disk: a tmpfs of that size under tmp_path, unmounted at the end."""
    mounted: list[Path] = []

    def mount(size: str = "64m") -> Disk:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        try:
            p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                                str(where)], capture_output=True, text=True, timeout=60)
            problem = None if p.returncode == 0 else (p.stderr.strip().splitlines() or
                                                      [f"exit code {p.returncode}"])[0]
        except FileNotFoundError:
            problem = "no mount command"
        if problem is not None:
            reason = (f"cannot mount a tmpfs to fill ({problem}); the disk-full cases need root "
                      f"or CAP_SYS_ADMIN")
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        mounted.append(where)
        return Disk(where)

    yield mount
    stuck = []
    for where in reversed(mounted):
        p = subprocess.run(["umount", str(where)], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            subprocess.run(["umount", "--lazy", str(where)], capture_output=True, timeout=60)
            stuck.append(f"{where}: {p.stderr.strip()}")
    assert not stuck, stuck


# -- what a whole store holds -----------------------------------------------------------------
@pytest.fixture(scope="module")
def fresh_samples(samples_dir, nlp_ready) -> KnowledgeGraph:
    """The sample corpus ingested afresh into a memory store: what each article graph of an
    on-disk store must be, triple for triple."""
    kg = KnowledgeGraph.memory()
    report = kg.ingest([samples_dir])
    assert report.ok and report.new == 46, report
    return kg


@pytest.fixture(scope="module")
def sample_graphs(fresh_samples) -> dict[str, frozenset[ox.Triple]]:
    """Article graph IRI -> its triples, from the fresh ingest."""
    return {g: graph_triples(fresh_samples.store, g) for g in fresh_samples.store.named_graphs()}


@pytest.fixture(scope="module")
def samples_store(tmp_path_factory, fresh_samples) -> Path:
    """An on-disk store (closed) holding the fresh ingest's quads: article graphs and merged
    graph. Tests only read it."""
    path = tmp_path_factory.mktemp("samples") / "store"
    store = Store(path)
    store.oxigraph.extend(list(fresh_samples.store.oxigraph))
    store.close()
    return path


def graph_triples(store: Store, graph: str) -> frozenset[ox.Triple]:
    return frozenset(q.triple for q in store.oxigraph.quads_for_pattern(None, None, None,
                                                                       ox.NamedNode(graph)))


def assert_whole(store: Store, expected: dict[str, frozenset[ox.Triple]]) -> int:
    """Every article graph in the store is exactly what a fresh ingest of that article writes,
    and the merged graph is their union; returns the number of article graphs."""
    graphs = store.named_graphs()
    union: set[ox.Triple] = set()
    for g in graphs:
        stored = graph_triples(store, g)
        assert stored == expected[g], g
        union |= stored
    assert set(store.merged_triples()) == union
    return len(graphs)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def kg_cmd(kg_script: Path, *args) -> list[str]:
    return [str(kg_script), *map(str, args)]


# -- 1. a full disk while ingesting -------------------------------------------------------------
@pytest.mark.slow
def test_disk_full_mid_ingest_one_line_whole_articles_and_a_rerun_completes(
        small_disk, samples_dir, sample_graphs, kg_script):
    disk = small_disk("64m")
    store = disk.path / "store"
    disk.fill(leave=4 * 1024 * 1024)  # room for a dozen of the 46 articles
    cmd = kg_cmd(kg_script, "ingest", samples_dir, "--store", store, "--no-progress")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1
    assert p.stdout == ""
    assert one_line(p.stderr) == f"error: {store}: {NO_SPACE_WRITE}"  # no traceback

    # still full: a read-only open works and sees the articles written before
    stats = subprocess.run(kg_cmd(kg_script, "stats", "--json", "--store", store),
                           capture_output=True, text=True, timeout=120)
    assert stats.returncode == 0 and stats.stderr == "", stats.stderr
    seen = json.loads(stats.stdout)["articles"]

    disk.unfill()
    with KnowledgeGraph.open(store) as kg:  # opens once there is room again
        done = assert_whole(kg.store, sample_graphs)
    assert 0 < done < 46
    assert seen == done

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"read 46, new {46 - done}, updated 0, unchanged {done}, failed 0;")
    with KnowledgeGraph.open(store, read_only=True) as kg:
        assert assert_whole(kg.store, sample_graphs) == 46


@pytest.mark.slow
def test_disk_full_mid_api_ingest_raises_store_error_and_releases_the_store(
        small_disk, samples_dir, sample_graphs):
    disk = small_disk("64m")
    store = disk.path / "store"
    disk.fill(leave=4 * 1024 * 1024)
    with pytest.raises(StoreError) as info, KnowledgeGraph.open(store) as kg:
        kg.ingest([samples_dir])
    assert str(info.value) == f"{store}: {NO_SPACE_WRITE}"
    assert info.value.__suppress_context__  # no pyoxigraph error chained to it

    # closed and unlocked despite the failed flush: opening again fails for lack of space
    # (replaying the log needs room), not because this process still holds the store
    with pytest.raises(StoreError) as again:
        KnowledgeGraph.open(store)
    assert str(again.value) == f"{store}: {NO_SPACE_OPEN}"

    disk.unfill()
    with KnowledgeGraph.open(store) as kg:
        done = assert_whole(kg.store, sample_graphs)
        assert 0 < done < 46
        report = kg.ingest([samples_dir])
        assert (report.new, report.unchanged, report.failed) == (46 - done, done, [])
        assert assert_whole(kg.store, sample_graphs) == 46


@pytest.mark.parametrize("leave", [0, 64 * 1024], ids=["nothing-free", "64KiB-free"])
def test_disk_full_when_a_store_is_created(small_disk, tmp_path, leave, run_script, nlp_ready):
    """With no room, or room for RocksDB's first files but not its OPTIONS file, creating a
    store fails with one line; the folder left reads as no store, and once there is room
    the same command makes the store."""
    corpus = write_corpus(tmp_path / "corpus")
    disk = small_disk("8m")
    store = disk.path / "store"
    disk.fill(leave=leave)
    p = run_script("ingest", corpus, "--store", store, "--no-progress")
    assert p.returncode == 1 and p.stdout == ""
    assert one_line(p.stderr) == f"error: {store}: {NO_SPACE_OPEN}"
    q = run_script("stats", "--store", store)
    assert q.returncode == 1
    assert one_line(q.stderr) == (f"error: {store}: cannot open the store (the folder holds no kg "
                                  f"store; run 'kg ingest --store {store}' to make one)")

    disk.unfill()
    p = run_script("ingest", corpus, "--store", store, "--no-progress")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"read {len(CORPUS)}, new {len(CORPUS)}, updated 0, unchanged 0, "
                               f"failed 0;")


def test_disk_full_when_an_existing_store_is_opened(small_disk, tmp_path, run_script, nlp_ready):
    """A store on a full disk: readers work, `kg ingest` fails with one line and changes
    nothing; with room again it completes."""
    disk = small_disk("16m")
    store = disk.path / "store"
    first = write_corpus(tmp_path / "first", {"a.txt": CORPUS["01-anthropic.txt"]})
    more = write_corpus(tmp_path / "more", {k: v for k, v in CORPUS.items() if k != "01-anthropic.txt"})
    with KnowledgeGraph.open(store) as kg:
        assert kg.ingest([first]).new == 1
    before = quad_set(store)
    disk.fill()

    q = run_script("query", "--store", store, "--format", "csv",
                   "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kg:Article }")
    assert (q.returncode, q.stdout.split(), q.stderr) == (0, ["n", "1"], "")
    p = run_script("ingest", more, "--store", store, "--no-progress")
    assert p.returncode == 1 and p.stdout == ""
    assert one_line(p.stderr) == f"error: {store}: {NO_SPACE_OPEN}"
    assert quad_set(store) == before

    disk.unfill()
    p = run_script("ingest", first, more, "--store", store, "--no-progress")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"read {len(CORPUS)}, new {len(CORPUS) - 1}, updated 0, unchanged 1, "
                               f"failed 0;")


# -- 2. a full disk while exporting -------------------------------------------------------------
def export_files(out: Path) -> list[Path]:
    """The files an export to `out` writes (CSV: the edge table and the node table)."""
    return [out, out.with_name(out.stem + ".nodes.csv")] if out.suffix == ".csv" else [out]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_to_a_full_disk_keeps_the_old_file_and_leaves_nothing_else(
        fmt, small_disk, samples_store, ingested_store, run_cli):
    disk = small_disk("8m")
    out, new = disk.path / f"graph.{fmt}", disk.path / f"new.{fmt}"
    # an older export at OUT: the three-article store's, so it differs from what would be written
    code = run_cli("export", "--format", fmt, "-o", out, "--store", ingested_store.path).code
    assert code == 0
    old = disk.files()
    assert sorted(old) == sorted(p.name for p in export_files(out))
    store_before = quad_set(samples_store)
    disk.fill(leave=4 * PAGE)  # less than any export of the samples takes

    r = run_cli("export", "--format", fmt, "-o", out, "--store", samples_store)
    assert (r.code, r.out) == (1, "")
    assert one_line(r.err) == f"error: {out}: no space left on device"
    assert disk.files() == old  # the old export byte for byte; no temporary file

    r = run_cli("export", "--format", fmt, "-o", new, "--store", samples_store)
    assert (r.code, r.out) == (1, "")
    assert one_line(r.err) == f"error: {new}: no space left on device"
    assert disk.files() == old  # no new file, whole or part

    with KnowledgeGraph.open(samples_store, read_only=True) as kg, \
            pytest.raises(ExportError) as info:
        kg.export(out, fmt)
    assert str(info.value) == f"{out}: no space left on device"
    assert disk.files() == old
    assert quad_set(samples_store) == store_before

    disk.unfill()
    r = run_cli("export", "--format", fmt, "-o", out, "--store", samples_store)
    assert (r.code, r.err) == (0, "")
    assert disk.files() != old


def test_csv_export_replaces_both_tables_or_neither(small_disk, samples_store, ingested_store,
                                                    run_cli, tmp_path):
    """Room for the new edge table but not the node table: the old pair stays as it was
    (before the fix the edge table was replaced and the node table left old), and an export
    to a new name leaves neither table."""
    reference = tmp_path / "reference.csv"
    assert run_cli("export", "--format", "csv", "-o", reference, "--store", samples_store).code == 0
    edges, nodes = (-(-p.stat().st_size // PAGE) for p in export_files(reference))  # in pages

    disk = small_disk("8m")
    out = disk.path / "graph.csv"
    assert run_cli("export", "--format", "csv", "-o", out, "--store", ingested_store.path).code == 0
    old = disk.files()
    disk.fill(leave=(edges + nodes // 2) * PAGE)
    for target in (out, disk.path / "new.csv"):
        r = run_cli("export", "--format", "csv", "-o", target, "--store", samples_store)
        assert r.code == 1
        assert one_line(r.err) == f"error: {target}: no space left on device"
        assert disk.files() == old

    disk.unfill()
    assert run_cli("export", "--format", "csv", "-o", out, "--store", samples_store).code == 0
    assert [p.read_bytes() for p in export_files(out)] == [p.read_bytes()
                                                           for p in export_files(reference)]


# -- 3. queries beside a running ingest ---------------------------------------------------------
def check_counts(rows: list[dict], expected: dict[str, frozenset[ox.Triple]]) -> int:
    """Rows of SNAPSHOT: each article graph holds as many triples as a fresh ingest gives it,
    and the merged graph as many as the union of those graphs; half an article, or an
    article without its share of the merged graph, breaks one or the other. Returns the
    number of article graphs."""
    counts = {r["g"]: r["n"] for r in rows if r["g"] is not None}
    for g, n in counts.items():
        assert n == len(expected[g]), (g, n, len(expected[g]))
    union = frozenset().union(*(expected[g] for g in counts))
    assert [r["merged"] for r in rows if r["merged"] is not None] == [len(union)]
    return len(counts)


def check_snapshot(kg: KnowledgeGraph, expected: dict[str, frozenset[ox.Triple]],
                   support: dict[tuple[str, str, str], int]) -> int:
    """check_counts, and no fact's support exceeds the articles in the store, nor its support
    once every article is in. Returns the number of article graphs."""
    before = check_counts(kg.query(SNAPSHOT), expected)
    facts = kg.facts()
    graphs = check_counts(kg.query(SNAPSHOT), expected)  # read after the facts
    assert graphs >= before
    for f in facts:
        key = (f["subject_iri"], f["predicate"], f["object_iri"])
        assert f["support"] <= graphs, f
        assert f["support"] <= support[key], f
    return graphs


@pytest.fixture(scope="module")
def final_support(fresh_samples) -> dict[tuple[str, str, str], int]:
    return {(f["subject_iri"], f["predicate"], f["object_iri"]): f["support"]
            for f in fresh_samples.facts()}


@pytest.mark.slow
def test_queries_in_threads_beside_an_ingest_see_whole_articles(
        tmp_path, samples_dir, sample_graphs, final_support):
    """One thread ingests the samples into an on-disk store, two others query the same
    KnowledgeGraph over and over. After each article is written the ingest waits until a
    reader has read a state holding it, so reads interleave with every write."""
    kg = KnowledgeGraph.open(tmp_path / "store")
    kg.batch_size = 4  # writes between stretches of NLP, not all in one burst
    lock = threading.Condition()
    state = {"read": 0, "done": False}
    errors: list[BaseException] = []
    seen: list[list[int]] = [[], []]

    def reader(i: int) -> None:
        while True:
            with lock:
                if state["done"] or errors:
                    return
            try:
                n = check_snapshot(kg, sample_graphs, final_support)
            except BaseException as exc:  # reported by the test below
                with lock:
                    errors.append(exc)
                    lock.notify_all()
                return
            seen[i].append(n)
            with lock:
                state["read"] = max(state["read"], n)
                lock.notify_all()
            time.sleep(0.01)  # leave the ingest some of the interpreter

    def progress(status: str, source: str, report) -> None:
        assert status == "new", (status, source)
        with lock:
            caught_up = lock.wait_for(lambda: state["read"] >= report.new or errors, timeout=300)
            assert caught_up, "no reader read the store after an article was written"

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(2)]
    for t in readers:
        t.start()
    try:
        report = kg.ingest([samples_dir], progress=progress)
    finally:
        with lock:
            state["done"] = True
        for t in readers:
            t.join()
    try:
        assert errors == []
        assert report.ok and report.new == 46
        for s in seen:
            assert s == sorted(s)  # a reader never sees fewer articles than before
        assert state["read"] == 46
        assert check_snapshot(kg, sample_graphs, final_support) == 46
        assert assert_whole(kg.store, sample_graphs) == 46
    finally:
        kg.close()


@pytest.mark.slow
def test_kg_query_beside_kg_ingest_in_another_process_reads_whole_articles(
        tmp_path, samples_dir, sample_graphs, final_support, kg_script):
    """`kg ingest` adds the samples to a store that holds five of them while this process
    opens the store read-only (KnowledgeGraph.open(read_only=True), as `kg query`, `kg
    stats` and `kg export` do) and runs `kg query` against it, over and over. A read-only
    open reads the store as it was when it opened: every read succeeds and sees whole
    articles only, the merged graph in step, never fewer articles than the read before."""
    store = tmp_path / "store"
    with KnowledgeGraph.open(store) as kg:
        assert kg.ingest(sorted(samples_dir.glob("*.txt"))[:5]).new == 5

    proc = subprocess.Popen(kg_cmd(kg_script, "ingest", samples_dir, "--store", store, "--no-progress"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    counts: list[int] = []
    during = 0  # reads that started and ended while the ingest ran
    try:
        while proc.poll() is None:
            with KnowledgeGraph.open(store, read_only=True) as kg:
                counts.append(check_snapshot(kg, sample_graphs, final_support))
            q = subprocess.run(kg_cmd(kg_script, "query", "--store", store, "--format", "json",
                                      SNAPSHOT), capture_output=True, text=True, timeout=120)
            assert (q.returncode, q.stderr) == (0, "")
            rows = [{"g": b["g"]["value"] if "g" in b else None,
                     "n": int(b["n"]["value"]) if "n" in b else None,
                     "merged": int(b["merged"]["value"]) if "merged" in b else None}
                    for b in json.loads(q.stdout)["results"]["bindings"]]
            counts.append(check_counts(rows, sample_graphs))
            during += proc.poll() is None
            time.sleep(0.2)  # leave the ingest most of the machine
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.startswith("read 46, new 41, updated 0, unchanged 5, failed 0;")
    assert during > 0
    assert counts == sorted(counts) and counts[0] >= 5
    with KnowledgeGraph.open(store, read_only=True) as kg:
        assert check_snapshot(kg, sample_graphs, final_support) == 46
        assert assert_whole(kg.store, sample_graphs) == 46


# -- 4. two `kg ingest` on one store at once --------------------------------------------------------
def holds_flock(path: Path) -> bool:
    """Whether some process holds a flock on `path`, as /proc/locks lists it (looking does
    not take the lock, so it cannot make the lock's holder fail)."""
    try:
        ino = path.stat().st_ino
    except FileNotFoundError:
        return False
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "FLOCK" in parts and "->" not in parts:
            if parts[-3].rsplit(":", 1)[-1] == str(ino):
                return True
    return False


@pytest.mark.slow
def test_two_kg_ingest_at_once_one_writes_the_other_is_refused(tmp_path, samples_dir, sample_graphs,
                                                               kg_script):
    store = tmp_path / "store"
    cmd = kg_cmd(kg_script, "ingest", samples_dir, "--store", store, "--no-progress")
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not holds_flock(store / "kg.lock"):  # the first has opened the store
            assert first.poll() is None, first.communicate()
            time.sleep(0.01)
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        first_still_running = first.poll() is None
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert second.returncode == 1 and second.stdout == ""
    assert one_line(second.stderr) == f"error: {store}: {IN_USE}"
    assert first_still_running  # refused while the first was writing, not after
    assert first.returncode == 0, err
    assert out.startswith("read 46, new 46, updated 0, unchanged 0, failed 0;")
    with KnowledgeGraph.open(store, read_only=True) as kg:
        assert assert_whole(kg.store, sample_graphs) == 46


# -- 5. the same URL with new content, while others read -----------------------------------------
def test_same_url_new_content_is_replaced_in_one_transaction(tmp_path, nlp_ready):
    """An article re-ingested with new text (same canonical URL) replaces its graph in one
    transaction: a reader querying all the while sees the old graph or the new one, whole,
    with the merged graph in step; never a mix, never an empty or missing article."""
    from ingest.readers import make_article
    from kg.iri import article_iri
    from kg.rdfmap import article_quads

    url = "https://news.example.com/deal"
    texts = ["Microsoft invested $10 billion in OpenAI. Satya Nadella leads Microsoft.",
             "Amazon invested $4 billion in Anthropic, which Dario Amodei founded in 2021."]
    kg = KnowledgeGraph.open(tmp_path / "store")
    versions = [kg.extractor.extract(make_article("deal", t, url=url, title="Deal")) for t in texts]
    graph = article_iri(versions[0].article.id)
    assert graph == article_iri(versions[1].article.id)
    expected = []
    for ex in versions:
        memory = Store(None)
        memory.replace_graph(graph, article_quads(ex))
        expected.append((graph_triples(memory, graph), frozenset(memory.merged_triples())))
    assert expected[0][0] != expected[1][0]
    kg.store.replace_graph(graph, article_quads(versions[0]))
    stop = threading.Event()
    seen: list[int] = []
    errors: list[str] = []
    query = f"""SELECT ?in ?s ?p ?o WHERE {{ {{ GRAPH <{graph}> {{ ?s ?p ?o }} BIND("g" AS ?in) }}
                UNION {{ ?s ?p ?o BIND("m" AS ?in) }} }}"""

    def reader() -> None:
        try:
            while not stop.is_set():
                rows = kg.raw_query(query)
                got = {"g": set(), "m": set()}
                for r in rows:
                    got[r["in"].value].add(ox.Triple(r["s"], r["p"], r["o"]))
                seen.append(expected.index((frozenset(got["g"]), frozenset(got["m"]))))
        except BaseException as exc:  # ValueError: a snapshot that is neither version
            errors.append(repr(exc))  # not the exception: its frames hold this thread's results

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(199):  # ends on the second version
            kg.store.replace_graph(graph, article_quads(versions[(i + 1) % 2]))
            if errors:
                break
        report = kg.ingest([make_article("deal", texts[0], url=url, title="Deal")])  # through ingest too
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert (report.updated, report.new) == (1, 0)
    assert len(seen) > 10 and set(seen) == {0, 1}
    assert (graph_triples(kg.store, graph), frozenset(kg.store.merged_triples())) == expected[0]
    kg.close()
