"""The Python API: one facade, KnowledgeGraph, over reading, extraction, store, query, export."""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import plugins
from kg.errors import ConfigError, ExportError, KGError, ReadError
from kg.iri import article_iri
from kg.model import Article, Extraction
from kg.rdfmap import article_description, article_quads
from kg.store import DEFAULT_PATH, Store, open_store
from kg.vocab import CLASS_PARENT, PREDICATE_SNAKE, PREFIXES, ancestors

log = logging.getLogger(__name__)
_REACHES_OUT = re.compile(r"(?i)\b(?:SERVICE|LOAD|FROM)\b")


@dataclass
class IngestReport:
    """What one ingest run did."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source, what was left out)
    entities: int = 0
    relations: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _Tally:
    """One ingest's report and progress callback, kept per article by both ingest paths."""

    store: Any
    progress: Callable[[str, str, IngestReport], None] | None
    report: IngestReport = field(default_factory=IngestReport)

    def tell(self, status: str, source: str) -> None:
        if self.progress is not None:
            self.progress(status, source, self.report)

    def fail(self, source: str, reason: str) -> None:
        self.report.failed.append((source, reason))
        self.tell("failed", source)

    def unchanged(self, article: Article) -> None:
        self.report.unchanged += 1
        self.tell("unchanged", article.source or article.id)

    def write(self, article: Article, existed: bool, result: Extraction) -> None:
        """Store one article's graph (one transaction) and count it."""
        self.store.replace_graph(article_iri(article.id), article_quads(result))
        for warning in result.warnings:
            self.report.warnings.append((article.source or article.id, warning))
        self.report.updated += existed
        self.report.new += not existed
        self.report.entities += len(result.entities)
        self.report.relations += len(result.relations)
        self.tell("updated" if existed else "new", article.source or article.id)


def _py(term) -> Any:
    """A Python value for an RDF term: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        dt = term.datatype.value.rsplit("#", 1)[-1]
        try:
            if dt in ("integer", "int", "long", "nonNegativeInteger"):
                return int(term.value)
            if dt in ("decimal",):
                return float(Decimal(term.value))
            if dt in ("double", "float"):
                return float(term.value)
            if dt == "boolean":
                return term.value == "true"
        except ValueError:
            pass
        return term.value
    return str(term)


class KnowledgeGraph:
    """A knowledge graph backed by an embedded store.

    >>> kg = KnowledgeGraph.memory()
    >>> kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    [{'n': 0}]
    """

    batch_size = 32  # articles read, then parsed and written, at a time

    def __init__(self, store: Store, *, model: str | None = None, extractor: str = "rules.v1"):
        self.store = store
        self.model = model
        self.extractor_name = extractor
        self._extractor = None

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path = DEFAULT_PATH, *, model: str | None = None,
             read_only: bool = False, **store_options) -> KnowledgeGraph:
        """Open (or create) the store at `path`: a folder, or the URL of a SPARQL server's query
        endpoint (then `store_options` go to kg.remote.SparqlStore: update_url,
        graph_store_url, user, password, auth, dialect, timeout)."""
        return cls(open_store(path, read_only=read_only, **store_options), model=model)

    @classmethod
    def memory(cls, *, model: str | None = None) -> KnowledgeGraph:
        """A knowledge graph in memory, for tests and notebooks."""
        return cls(Store(None), model=model)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.close()  # the store is closed and released even if this raises
        except KGError:
            pass  # the error on its way out says what went wrong first (a full disk, say)

    # -- extraction and ingestion ------------------------------------------------------
    @property
    def extractor(self):
        if self._extractor is None:
            factory = plugins.load("kg.extractors", self.extractor_name)
            self._extractor = factory(model=self.model)
        return self._extractor

    def _items(self, sources, options) -> Iterator[Article | ReadError]:
        """Articles and ReadErrors from the sources, streamed in the order given."""
        from ingest.readers import ReadOptions, read

        options = options or ReadOptions()
        if isinstance(sources, (str, Path, Article)):
            sources = [sources]
        for item in sources:
            if isinstance(item, Article):
                yield item
            else:
                yield from read([item], options)

    def _extract_batch(self, articles: list[Article]) -> list[Extraction | ReadError]:
        """Extractions of a batch in order; an article whose extraction fails becomes a
        ReadError and the batch goes on after it."""
        from kg.parallel import extract_each

        return extract_each(self.extractor, articles)

    def extract(self, sources: Iterable[str | Path | Article] | str | Path, *,
                options=None) -> Iterator[Extraction | ReadError]:
        """Extractions for each source, in order; a source that fails yields its ReadError.
        Sources are read as a stream and parsed in batches, so memory stays bounded."""
        for chunk in _chunks(self._items(sources, options), self.batch_size):
            done = iter(self._extract_batch([a for a in chunk if isinstance(a, Article)]))
            for item in chunk:
                yield item if isinstance(item, ReadError) else next(done)

    def ingest(self, sources: Iterable[str | Path | Article] | str | Path, *, options=None,
               force: bool = False, dry_run: bool = False,
               progress: Callable[[str, str, IngestReport], None] | None = None,
               jobs: int | None = None, dask: Any = None, batch_size: int | None = None,
               dask_timeout: float | None = None) -> IngestReport:
        """Read, extract and store each source; each article is written in one transaction.

        An article whose stored graph already says the same (text and metadata) is skipped
        before any NLP, unless `force`; an article with a known id (same canonical URL) and
        new content replaces its graph. `dry_run` reads and compares but neither extracts nor
        writes. `progress(status, source, report)` is called after each article with status
        "new", "updated", "unchanged" or "failed".

        Parallel ingestion (kg/parallel.py, docs/cluster.md): `jobs=N` runs NLP and extraction
        in N local worker processes; `dask` does it on a dask.distributed cluster: a scheduler
        address ("tcp://host:8786"), "local:N" (a LocalCluster of N processes, closed at the
        end) or a distributed.Client. Articles go to the workers `batch_size` at a time
        (default 16 locally, 100 on Dask); the parent reads, skips unchanged articles and
        writes each article in input order, so the store ends up as a single-process run
        leaves it. With the sequential path, read failures are reported as they are read;
        with workers, every outcome is reported in input order.
        """
        if (jobs is not None or dask is not None) and not dry_run:
            return self._ingest_parallel(sources, options=options, force=force, progress=progress,
                                         jobs=jobs, dask=dask, batch_size=batch_size,
                                         dask_timeout=dask_timeout)
        tally = _Tally(self.store, progress)
        report = tally.report
        planned: dict[str, int] = {}  # dry run: graph -> hash of the description it would have
        pending: list[tuple[Article, bool]] = []  # (article, a graph exists) awaiting extraction

        def write_pending() -> None:
            results = self._extract_batch([a for a, _ in pending])
            for (article, existed), result in zip(pending, results, strict=True):
                if isinstance(result, ReadError):
                    tally.fail(result.source, result.reason)
                else:
                    tally.write(article, existed, result)
            pending.clear()

        for item in self._items(sources, options):
            if isinstance(item, ReadError):
                tally.fail(item.source, item.reason)
                continue
            report.read += 1
            graph = article_iri(item.id)
            if any(a.id == item.id for a, _ in pending):
                write_pending()  # the same article twice in a batch: write the first one first
            want = article_description(item)
            if dry_run:
                stored = self.store.graph_description(graph)
                have = planned.get(graph, hash(stored) if stored is not None else None)
                want_hash = hash(want)
                planned[graph] = want_hash
                if have == want_hash and not force:
                    tally.unchanged(item)
                else:
                    report.updated += have is not None
                    report.new += have is None
                    tally.tell("updated" if have is not None else "new", item.source or item.id)
                continue
            stored = self.store.graph_description(graph)
            if stored == want and not force:
                tally.unchanged(item)
                continue
            pending.append((item, stored is not None))
            if len(pending) >= self.batch_size:
                write_pending()
        if pending:
            write_pending()
        self.store.flush()
        return report

    def _ingest_parallel(self, sources, *, options, force: bool, progress, jobs: int | None,
                         dask: Any, batch_size: int | None, dask_timeout: float | None) -> IngestReport:
        from kg import parallel

        if jobs is not None and dask is not None:
            raise ConfigError("give jobs or dask, not both")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ConfigError(f"batch_size must be a positive number of articles, not {batch_size!r}")
        if dask is not None:
            pool = parallel.DaskPool(dask, self.extractor_name, self.model,
                                     timeout=dask_timeout or parallel.CONNECT_TIMEOUT)
            size = batch_size or parallel.DASK_BATCH
        else:
            pool = parallel.LocalPool(jobs, self.extractor_name, self.model)
            size = batch_size or parallel.LOCAL_BATCH
        tally = _Tally(self.store, progress)

        def check(article: Article) -> bool | None:
            tally.report.read += 1
            stored = self.store.graph_description(article_iri(article.id))
            if stored == article_description(article) and not force:
                return None
            return stored is not None

        try:
            parallel.run(self._items(sources, options), pool, batch_size=size,
                         in_flight=2 * pool.workers, check=check, write=tally.write, fail=tally.fail,
                         unchanged=tally.unchanged)
        finally:
            pool.close()
        self.store.flush()
        return tally.report

    def ingest_text(self, text: str, *, title: str | None = None, url: str | None = None,
                    published: str | None = None, source: str | None = None) -> IngestReport:
        """Ingest one article given as a string (its id: the canonical URL if given, else the text)."""
        from ingest.readers import make_article

        try:
            article = make_article(source or "<text>", text, title=title, url=url, published=published)
        except ReadError:
            return IngestReport(failed=[(source or "<text>", "empty text")])
        return self.ingest([article])

    # -- querying ----------------------------------------------------------------------
    def query(self, sparql: str, *, dataframe: bool = False, bindings: dict | None = None):
        """Run SPARQL over the merged graph.

        SELECT gives a list of dicts (or a pandas DataFrame with dataframe=True), ASK a bool,
        CONSTRUCT/DESCRIBE a list of (s, p, o) tuples. `bindings` maps variable names to
        values that are substituted as RDF terms, never pasted into the query text; a bound
        variable must appear in the SELECT clause and in the pattern.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI.")
        >>> kg.query("SELECT ?name ?e WHERE { ?e rdfs:label ?name }", bindings={"name": "OpenAI"})
        [{'name': 'OpenAI', 'e': 'https://w3id.org/aikg/id/org/openai'}]
        >>> kg.query("ASK { ?s kg:funds ?o }")
        True
        >>> kg.query("SELECT ?investor WHERE { ?i kg:funds ?o ; rdfs:label ?investor }", dataframe=True)
            investor
        0  Microsoft
        """
        self._check_query(sparql)
        subs = {ox.Variable(k): _term(v) for k, v in (bindings or {}).items()} or None
        result = self.store.query(sparql, substitutions=subs)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows = [{n: _py(sol[n]) for n in names} for sol in result]
            if dataframe:
                try:
                    import pandas as pd
                except ImportError as exc:
                    raise KGError("dataframe=True needs pandas: pip install pandas") from exc
                return pd.DataFrame(rows, columns=names)
            return rows
        return [(_py(t.subject), _py(t.predicate), _py(t.object)) for t in result]

    def raw_query(self, sparql: str):
        """The pyoxigraph result object (for serialising results as JSON, CSV, XML, TSV)."""
        self._check_query(sparql)
        return self.store.query(sparql)

    def _check_query(self, sparql: str) -> None:
        """Refuse, before anything runs, a query too deep for the engine (kg.sparql.
        check_complexity), and SERVICE, LOAD, and FROM / FROM NAMED naming a graph the store
        does not hold: the embedded engine would send SERVICE to that server, and a remote
        store might fetch a FROM graph. Decided on the tokens of kg.sparql's lexer, so the
        words inside strings and names do not count."""
        from kg.sparql import check_complexity, check_read_query, has_dataset_clause

        check_complexity(sparql)
        if not _REACHES_OUT.search(sparql):
            return  # the common case costs one regular-expression scan
        graphs = frozenset(self.store.named_graphs()) if has_dataset_clause(sparql) else frozenset()
        check_read_query(sparql, graphs=graphs, prefixes=PREFIXES)

    def facts(self, *, min_confidence: float = 0.0, min_support: int = 1,
              predicate: str | None = None) -> list[dict[str, Any]]:
        """Distinct facts with their support (number of articles stating them) and confidence
        (the best evidence's), filtered by both; strongest first.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI.")
        >>> [(f["subject"], f["predicate"], f["object"], f["support"]) for f in kg.facts()]
        [('Microsoft', 'funds', 'OpenAI', 1)]
        """
        rows = self.query("""SELECT ?s ?p ?o (SAMPLE(?sl) AS ?subject) (SAMPLE(?ol) AS ?object)
                (COUNT(DISTINCT ?a) AS ?support) (MAX(?c) AS ?confidence) WHERE {
              ?x a kg:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                 kg:confidence ?c ; prov:wasDerivedFrom ?a .
              OPTIONAL { ?s rdfs:label ?sl } OPTIONAL { ?o rdfs:label ?ol }
            } GROUP BY ?s ?p ?o""")
        out = []
        for r in rows:
            pred = PREDICATE_SNAKE.get(r["p"].rsplit("#", 1)[-1], r["p"])
            if r["support"] < min_support or r["confidence"] < min_confidence:
                continue
            if predicate is not None and pred != predicate:
                continue
            out.append({"subject": r["subject"], "predicate": pred, "object": r["object"],
                        "support": r["support"], "confidence": r["confidence"],
                        "subject_iri": r["s"], "object_iri": r["o"]})
        return sorted(out, key=lambda f: (-f["support"], -f["confidence"], f["subject"] or "",
                                          f["predicate"], f["object"] or ""))

    def stats(self) -> dict[str, Any]:
        """Counts of articles, entities by class, facts by predicate, assertions and quads."""
        out: dict[str, Any] = {"quads": len(self.store), "articles": 0}
        out["articles"] = self.query("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kg:Article }")[0]["n"]
        by_class = self.query("""SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE {
            ?a schema:mentions ?e . ?e a ?c } GROUP BY ?c ORDER BY DESC(?n)""")
        out["entities"] = self.query(
            "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?a schema:mentions ?e }")[0]["n"]
        out["entities_by_class"] = {r["c"].rsplit("#", 1)[-1]: r["n"] for r in by_class}
        facts = self.query("""SELECT ?p (COUNT(*) AS ?n) WHERE {
            { SELECT DISTINCT ?s ?p ?o WHERE { ?x rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }
            } GROUP BY ?p ORDER BY DESC(?n)""")
        out["facts_by_predicate"] = {PREDICATE_SNAKE.get(r["p"].rsplit("#", 1)[-1], r["p"]): r["n"]
                                     for r in facts}
        out["facts"] = sum(out["facts_by_predicate"].values())
        out["assertions"] = self.query(
            "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kg:Assertion }")[0]["n"]
        return out

    def entity(self, name: str) -> dict[str, Any] | None:
        """An entity by label, alias (any case) or IRI: its types, aliases, and facts with
        evidence; None when the graph has no such entity.

        Returns a dict: iri, label, class (the most specific), types, aliases, articles (the
        number mentioning it), and facts: rows of predicate, direction ("out" when the entity
        is the subject), other (IRI), other_label, support, confidence, date, amount, currency
        and evidence (rows as evidence() gives them).

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI in 2019.")
        >>> e = kg.entity("openai")
        >>> e["label"], e["class"], e["articles"]
        ('OpenAI', 'AILab', 1)
        >>> [(f["predicate"], f["direction"], f["other_label"], f["date"]) for f in e["facts"]]
        [('funds', 'in', 'Microsoft', '2019')]
        >>> kg.entity("Nobody") is None
        True
        """
        iri = self._find_entity(name)
        if iri is None:
            return None
        node = ox.NamedNode(iri)
        labels = self.query("SELECT ?e ?l WHERE { ?e rdfs:label ?l }", bindings={"e": node})
        aliases = self.query("SELECT ?e ?l WHERE { ?e skos:altLabel ?l }", bindings={"e": node})
        classes = self.query("SELECT ?e ?c WHERE { ?e a ?c }", bindings={"e": node})
        articles = self.query("SELECT ?e (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a schema:mentions ?e }"
                              " GROUP BY ?e", bindings={"e": node})[0]["n"]
        local = [c["c"].rsplit("#", 1)[-1] for c in classes]
        most = max(local, key=lambda c: len(ancestors(c)) if c in CLASS_PARENT else 0) if local else None
        label = sorted((r["l"] for r in labels), key=lambda s: (-len(s), s))
        facts = []
        for direction, pattern in (("out", "?x rdf:subject ?e ; rdf:object ?other"),
                                   ("in", "?x rdf:object ?e ; rdf:subject ?other")):
            rows = self.query(f"""SELECT ?e ?p ?other ?otherLabel ?sentence ?conf ?rule ?a ?title ?url ?date
                       ?when ?amount ?currency
                WHERE {{ {pattern} ; rdf:predicate ?p ; kg:evidence ?sentence ;
                         kg:confidence ?conf ; kg:rule ?rule ; prov:wasDerivedFrom ?a .
                  OPTIONAL {{ ?x kg:date ?when }} OPTIONAL {{ ?x kg:amount ?amount ; kg:currency ?currency }}
                  OPTIONAL {{ ?other rdfs:label ?otherLabel }}
                  OPTIONAL {{ ?a schema:headline ?title }} OPTIONAL {{ ?a schema:url ?url }}
                  OPTIONAL {{ ?a schema:datePublished ?date }} }}
                ORDER BY ?p ?other ?a""", bindings={"e": node})
            grouped: dict[tuple[str, str], dict] = {}
            for r in rows:
                pred = PREDICATE_SNAKE.get(r["p"].rsplit("#", 1)[-1], r["p"])
                fact = grouped.setdefault((pred, r["other"]), {
                    "predicate": pred, "direction": direction, "other": r["other"],
                    "other_label": r["otherLabel"], "evidence": [], "articles": set()})
                if r["otherLabel"] and (fact["other_label"] is None or len(r["otherLabel"]) > len(fact["other_label"])):
                    fact["other_label"] = r["otherLabel"]
                ev = {"sentence": r["sentence"], "confidence": r["conf"], "rule": r["rule"],
                      "article": r["a"], "title": r["title"], "url": r["url"], "published": r["date"],
                      "date": r["when"], "amount": r["amount"], "currency": r["currency"]}
                if ev not in fact["evidence"]:
                    fact["evidence"].append(ev)
                fact["articles"].add(r["a"])
            for fact in grouped.values():
                fact["support"] = len(fact.pop("articles"))
                fact["confidence"] = max(e["confidence"] for e in fact["evidence"])
                fact["date"] = next((e["date"] for e in fact["evidence"] if e["date"]), None)
                fact["amount"], fact["currency"] = next(
                    ((e["amount"], e["currency"]) for e in fact["evidence"] if e["amount"] is not None),
                    (None, None))
                facts.append(fact)
        return {"iri": iri, "label": label[0] if label else iri, "class": most,
                "types": local, "aliases": sorted({r["l"] for r in aliases} - set(label[:1])),
                "articles": articles, "facts": facts}

    def _find_entity(self, name: str) -> str | None:
        if name.strip().startswith(("http://", "https://")):
            try:
                node = ox.NamedNode(name.strip())
            except ValueError:  # not a valid IRI, so not the IRI of any entity
                return None
            found = self.query("ASK { ?a schema:mentions ?e }", bindings={"e": node})
            return node.value if found else None
        rows = self.query("""SELECT ?q ?e (COUNT(DISTINCT ?a) AS ?n) WHERE {
                ?a schema:mentions ?e . { ?e rdfs:label ?l } UNION { ?e skos:altLabel ?l }
                FILTER (LCASE(STR(?l)) = LCASE(?q)) } GROUP BY ?q ?e ORDER BY DESC(?n) ?e LIMIT 1""",
                          bindings={"q": ox.Literal(name.strip())})
        return rows[0]["e"] if rows else None

    # -- exploring (kg/explore.py) --------------------------------------------------------
    # Entity arguments are names as entity() takes them: a label or alias in any case, or the
    # entity's IRI. An unknown one raises NotFound naming it (with close matches): unlike
    # entity(), which answers "is there such an entity?" with None, these methods would
    # otherwise hide a typo behind an empty or None answer that means something else.

    def search(self, text: str, *, limit: int | None = 10, cls: str | None = None) -> list[dict[str, Any]]:
        """Entities whose label or an alias contains `text` (any case), best matches first:
        exact names, then names starting with it, then names with a word starting with it,
        then the rest; ties go to the entity more articles mention. `cls` keeps one class and
        its subclasses ("Organization" includes AILab); `limit=None` returns every match.

        Rows: iri, label, class, articles (mentioning it), matched (the label or alias that
        matched), match ("exact", "prefix", "word" or "substring").

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI. Sam Altman leads OpenAI.")
        >>> [(r["label"], r["class"], r["match"]) for r in kg.search("open")]
        [('OpenAI', 'AILab', 'prefix')]
        >>> [r["label"] for r in kg.search("a", cls="Person")]
        ['Sam Altman']
        """
        from kg import explore

        return explore.search(self, text, limit=limit, cls=cls)

    def neighbours(self, name: str, depth: int = 1, *, min_confidence: float = 0.0,
                   min_support: int = 1, predicates: Iterable[str] | str | None = None) -> dict[str, Any]:
        """The entities within `depth` facts of an entity (either direction), and those facts.

        Only facts with at least `min_support` articles and `min_confidence` are followed, and
        only the `predicates` named, if given ("funds" or ["funds", "owns"]). Returns a dict:
        iri, label, depth, entities (rows of iri, label, class, articles, distance; the entity
        itself first at distance 0, then by distance and articles) and facts (the facts
        followed, as rows of subject, predicate, object, support, confidence, subject_iri,
        object_iri, like facts()). `pandas.DataFrame(result["facts"])` makes a table.
        An unknown name raises NotFound; a depth below 1 raises ConfigError.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Sam Altman founded OpenAI. Microsoft invested in OpenAI. "
        ...                    "Satya Nadella leads Microsoft.")
        >>> near = kg.neighbours("Sam Altman", depth=2)
        >>> [(e["label"], e["distance"]) for e in near["entities"]]
        [('Sam Altman', 0), ('OpenAI', 1), ('Microsoft', 2)]
        >>> [(f["subject"], f["predicate"], f["object"]) for f in near["facts"]]
        [('Sam Altman', 'founded', 'OpenAI'), ('Microsoft', 'funds', 'OpenAI')]
        >>> kg.neighbours("Sam Altmann")
        Traceback (most recent call last):
        ...
        kg.errors.NotFound: unknown entity 'Sam Altmann': no label, alias or IRI matches; did you mean 'Sam Altman'?
        """
        from kg import explore

        return explore.neighbours(self, name, depth, min_confidence=min_confidence,
                                  min_support=min_support, predicates=predicates)

    def path(self, a: str, b: str, *, max_depth: int = 4, min_confidence: float = 0.0,
             min_support: int = 1, predicates: Iterable[str] | str | None = None,
             evidence: bool = True) -> list[dict[str, Any]] | None:
        """A shortest chain of facts linking entity `a` to entity `b`, at most `max_depth` long.

        Facts are followed either way, but each hop is reported as stated: a row of subject,
        predicate, object, support, confidence, subject_iri, object_iri, `reversed` (True when
        the chain walks it from object to subject) and, unless `evidence=False`, `evidence`
        (the rows evidence() gives for that fact). Among equally short chains, the one whose
        weakest hop has the most support wins, then the one with the most support in total.
        None when no chain of at most `max_depth` facts (passing the same filters as
        neighbours()) exists; [] when a and b are the same entity.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Sam Altman founded OpenAI. Microsoft invested in OpenAI. "
        ...                    "Satya Nadella leads Microsoft.")
        >>> hops = kg.path("Sam Altman", "Satya Nadella")
        >>> [(h["subject"], h["predicate"], h["object"], h["reversed"]) for h in hops]
        [('Sam Altman', 'founded', 'OpenAI', False), ('Microsoft', 'funds', 'OpenAI', True),
         ('Satya Nadella', 'leads', 'Microsoft', True)]
        >>> hops[1]["evidence"][0]["sentence"]
        'Microsoft invested in OpenAI.'
        >>> kg.path("Sam Altman", "Satya Nadella", max_depth=2) is None
        True
        """
        from kg import explore

        return explore.path(self, a, b, max_depth=max_depth, min_confidence=min_confidence,
                            min_support=min_support, predicates=predicates, evidence=evidence)

    def evidence(self, subject: str, predicate: str, object: str) -> list[dict[str, Any]]:
        """Every statement supporting one fact, oldest article first.

        `subject` and `object` are entity names or IRIs; `predicate` a snake_case name
        ("founded", "works_for"), the ontology's name ("worksFor", "kg:worksFor") or its IRI.
        For partners_with and competes_with both directions count. Rows: sentence, article
        (IRI), title, url, published, confidence, rule, date, amount, currency (the values the
        statement's own clause gives), start, end (offsets in the article's text), assertion
        (the IRI of the statement's node). [] when both entities exist but no article states
        the fact; an unknown entity or predicate raises NotFound.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested $10 billion in OpenAI in 2023.", title="Deal",
        ...                    published="2023-01-23")
        >>> [(e["sentence"], e["title"], e["published"], e["date"], e["amount"], e["currency"])
        ...  for e in kg.evidence("Microsoft", "funds", "OpenAI")]
        [('Microsoft invested $10 billion in OpenAI in 2023.', 'Deal', '2023-01-23', '2023',
          10000000000.0, 'USD')]
        >>> kg.evidence("Microsoft", "invests", "OpenAI")
        Traceback (most recent call last):
        ...
        kg.errors.NotFound: unknown predicate 'invests'; valid: founded, leads, works_for, funds, owns, ...
        """
        from kg import explore

        return explore.evidence(self, subject, predicate, object)

    def timeline(self, name: str, *, min_confidence: float = 0.0, min_support: int = 1,
                 predicates: Iterable[str] | str | None = None) -> list[dict[str, Any]]:
        """An entity's facts in date order, undated ones last.

        A fact's date is the one its own clause states ("invested in OpenAI in 2019"; a fact
        stated with different dates gives one row per date), else the publication date of the
        first article stating it. Rows: date, date_source ("stated", "published" or None),
        subject, predicate, object (labels), direction ("out" when the entity is the subject,
        "in" when it is the object), other (the other entity's IRI), other_label, amount,
        currency, support (articles behind the row), confidence, and one sentence and article
        stating it. Filters as in neighbours().

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Sam Altman founded OpenAI in 2015. Microsoft invested in OpenAI in 2019. "
        ...                    "SoftBank invested in OpenAI.", published="2025-04-01")
        >>> [(t["date"], t["date_source"], t["subject"], t["predicate"], t["object"])
        ...  for t in kg.timeline("OpenAI")]
        [('2015', 'stated', 'Sam Altman', 'founded', 'OpenAI'),
         ('2019', 'stated', 'Microsoft', 'funds', 'OpenAI'),
         ('2025-04-01', 'published', 'SoftBank', 'funds', 'OpenAI')]
        """
        from kg import explore

        return explore.timeline(self, name, min_confidence=min_confidence, min_support=min_support,
                                predicates=predicates)

    # -- graph analysis (kg/analysis.py) --------------------------------------------------
    def centrality(self, kind: str = "degree", *, limit: int | None = 10, cls: str | None = None,
                   min_confidence: float = 0.0, min_support: int = 1) -> list[dict[str, Any]]:
        """Entities ranked by centrality over the facts passing the filters, highest first.

        `kind`: "degree" (share of the other entities it has facts with), "pagerank"
        (importance flowing along the facts' direction, weighted by support) or
        "betweenness" (share of shortest paths through it); see kg.analysis.centrality.
        `cls` keeps one class and its subclasses; `limit=None` keeps all. Rows: iri, label,
        class, articles, score.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI. SoftBank invested in OpenAI. "
        ...                    "Sam Altman leads OpenAI.")
        >>> [(r["label"], r["score"]) for r in kg.centrality(limit=2)]
        [('OpenAI', 1.0), ('Microsoft', 0.333...)]
        >>> kg.centrality("pagerank", limit=1)[0]["label"]
        'OpenAI'
        """
        from kg.analysis import centrality, check_centrality

        check_centrality(kind, limit, cls)  # before building the graph
        return centrality(self.to_networkx(min_confidence=min_confidence, min_support=min_support),
                          kind, limit=limit, cls=cls)

    def communities(self, *, method: str = "louvain", seed: int = 0, min_size: int = 2,
                    resolution: float = 1.0, min_confidence: float = 0.0,
                    min_support: int = 1) -> list[list[dict[str, Any]]]:
        """Communities of entities (densely linked groups) over the facts passing the filters:
        a list of communities, largest first, each a list of member rows (iri, label, class,
        articles), most mentioned first. Seeded, so the same graph gives the same answer;
        groups smaller than `min_size` are left out. See kg.analysis.communities.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI. Sam Altman leads OpenAI. "
        ...                    "Amazon invested in Anthropic. Dario Amodei leads Anthropic.")
        >>> [[m["label"] for m in c] for c in kg.communities()]
        [['Amazon', 'Anthropic', 'Dario Amodei'], ['Microsoft', 'OpenAI', 'Sam Altman']]
        """
        from kg.analysis import check_communities, communities

        check_communities(method, min_size)
        return communities(self.to_networkx(min_confidence=min_confidence, min_support=min_support),
                           method=method, seed=seed, min_size=min_size, resolution=resolution)

    # -- projections and export --------------------------------------------------------
    def to_networkx(self, *, min_confidence: float = 0.0, min_support: int = 1):
        """A networkx MultiDiGraph of the facts with at least that confidence and support.

        Nodes are entity IRIs with label, cls (most specific class), types (cls and its
        superclasses), root, aliases and articles (the number mentioning it); edges go from
        subject to object, keyed by predicate, with predicate, support, confidence and
        evidence (a list of sentence, article, title, url, published, rule, confidence).
        kg.analysis has centrality and community helpers for it.

        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI.")
        >>> g = kg.to_networkx()
        >>> ms, openai = "https://w3id.org/aikg/id/org/microsoft", "https://w3id.org/aikg/id/org/openai"
        >>> g.nodes[openai]["label"], g.nodes[openai]["types"], g.nodes[openai]["articles"]
        ('OpenAI', ['AILab', 'Organization'], 1)
        >>> edge = g.edges[ms, openai, "funds"]
        >>> edge["support"], edge["evidence"][0]["sentence"]
        (1, 'Microsoft invested in OpenAI.')
        """
        from exports.graph import to_networkx

        return to_networkx(self, min_confidence=min_confidence, min_support=min_support)

    def to_rdflib(self):
        """The article graphs as an rdflib Dataset (one graph per article; the default graph
        reads as their union). Strings come back as plain literals.

        >>> import rdflib
        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI.")
        >>> graphs = [g for g in kg.to_rdflib().graphs() if len(g)]
        >>> len(graphs)
        1
        >>> label = rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        >>> sorted(str(o) for o in graphs[0].objects(None, label))
        ['Microsoft', 'OpenAI']
        """
        import rdflib

        ds = rdflib.Dataset(default_union=True)
        graphs: dict[str, Any] = {}
        for q in self.store.quads():  # built term by term: rdflib's N-Quads parser warns
            g = graphs.get(q.graph_name.value)
            if g is None:
                g = graphs[q.graph_name.value] = ds.graph(rdflib.URIRef(q.graph_name.value))
            g.add((_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object)))
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
        return ds

    def export(self, path: str | Path, format: str | None = None, *, min_confidence: float = 0.0,
               min_support: int = 1, max_nodes: int | None = None) -> Path:
        """Write the graph to `path` in a registered export format (default: from the suffix),
        keeping only facts with at least that confidence and number of supporting articles.
        `max_nodes` (HTML explorer only; default 2000) caps the entities drawn: the most
        connected are kept and the page says how many were left out.

        >>> import tempfile
        >>> kg = KnowledgeGraph.memory()
        >>> _ = kg.ingest_text("Microsoft invested in OpenAI.")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = kg.export(Path(folder) / "graph.ttl")
        ...     "kg:funds" in path.read_text()
        True
        """
        path = Path(path)
        fmt = format or path.suffix.lstrip(".").lower()
        writer = plugins.load("kg.exporters", fmt)
        if not path.parent.exists():
            raise ExportError(f"{path}: folder {path.parent} does not exist")
        options: dict[str, Any] = {}
        if max_nodes is not None:
            if fmt != "html":
                raise ExportError(f"{path}: max_nodes applies to the html format only, not {fmt!r}")
            if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
                raise ExportError(f"max_nodes must be a whole number of at least 1, not {max_nodes!r}")
            options["max_nodes"] = max_nodes
        try:
            writer(self, path, min_confidence=min_confidence, min_support=min_support, **options)
        except OSError as exc:
            raise ExportError(f"{path}: {_os_reason(exc)}") from None
        return path

    def validate(self) -> list[str]:
        """SHACL-validate each article graph; returns one line per violation (empty: valid)."""
        from kg.ontology import validate_graphs

        return validate_graphs(self)


def _os_reason(exc: OSError) -> str:
    """An OSError's reason in lower-case words ('no space left on device'): its errno's text,
    else its message without the '(os error 28)' that errors from pyoxigraph end with."""
    code = exc.errno
    if code is None and (m := re.search(r"\(os error (\d+)\)\s*$", str(exc))):
        code = int(m.group(1))
    reason = os.strerror(code) if code else _first_line(str(exc)) or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _rdflib_term(t):
    import rdflib

    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    if t.datatype.value == _XSD_STRING:  # a plain literal, so rdflib matches it with "text" in queries
        return rdflib.Literal(t.value)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


_XSD_STRING = PREFIXES["xsd"] + "string"


def _term(v) -> ox.NamedNode | ox.Literal:
    if isinstance(v, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return v
    if isinstance(v, bool):
        return ox.Literal("true" if v else "false", datatype=ox.NamedNode(PREFIXES["xsd"] + "boolean"))
    if isinstance(v, int):
        return ox.Literal(str(v), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    if isinstance(v, float):
        return ox.Literal(repr(v), datatype=ox.NamedNode(PREFIXES["xsd"] + "double"))
    return ox.Literal(str(v))
