"""Property-based tests (hypothesis) on hostile input: IRI minting for any Unicode name,
every export format reading back what the store holds, and any bytes either ingesting or
failing with a one-line reason.

The promises tested, stated once:

* IRIs (kg/iri.py). entity_iri(name, cls) depends only on (FAMILY[root(cls)],
  normalise_name(name)), and two different such pairs never share an IRI (the slug of a
  name that is not plain ASCII carries 48 bits of SHA-256 of the normalised name, so
  "never" is up to a hash collision). normalise_name is NFC, case folding, NFC again, U+2019
  read as an apostrophe, whitespace runs as one space and none at the ends; so canonically
  equivalent spellings, case variants (casefold), spacing variants and ’/' share an IRI,
  and everything else (homoglyphs, compatibility forms, zero-width characters, hyphens)
  does not. Every IRI minted is a valid RFC 3987 IRI and the same in any interpreter.
* Exports. Every registered format, read back with an independent parser, gives exactly
  what the store holds: the quads (N-Quads, TriG, JSON-LD), the merged triples (Turtle,
  N-Triples), the entity graph (GraphML, GEXF, CSV, the explorer's data). One documented
  loss: GraphML and GEXF are XML 1.0, which cannot carry most C0 controls or U+FFFE/U+FFFF;
  each such character is written as U+FFFD (exports.graph.xml_text).
* Ingest. Any bytes in a file of any reader's extension give articles or failures whose
  reason is one line; nothing raises; `kg ingest` exits 0 or 1 without a traceback.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import RDFLIB_DATASET_PARSE, rdflib_term
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from exports.graph import nodes_csv_path, xml_text
from kg import plugins
from kg.api import KnowledgeGraph
from kg.iri import (
    article_id,
    article_iri,
    assertion_iri,
    canonical_url,
    entity_iri,
    entity_key,
    normalise_name,
    slug,
)
from kg.model import Article, Entity, Extraction, Relation
from kg.rdfmap import article_quads
from kg.vocab import CLASS_PARENT, FAMILY, ID, PREDICATES, PREFIXES, root

ROOT = Path(__file__).resolve().parents[1]
CLASSES = sorted(CLASS_PARENT)

# -- IRIs --------------------------------------------------------------------------------------
# Any Unicode text: every category (controls, NUL, format characters such as U+202E, private
# use, unassigned), surrogates aside (a str holding one cannot be encoded, and the readers
# replace them: ingest.readers.no_surrogates), plus the characters most likely to matter.
SPECIAL = ["\x00", "\x01", "\x1f", "\x7f", "\x85", "\u00a0", "\u200b", "\u200d", "\u202e", "\u2066",
           "\u2019", "'", "\u0301", "\u030c", "\u0345", "\u0307", "\u0130", "\u0131", "\u0149", "\u017f", "\u00df",
           "\u1e9e", "\ufb01", "\u03a3", "\u03c2", "\u1fcc", "\u041e", "\u0430", "\uff2f", "\ufffd",
           "\ufffe", "\U0001F600", "\U0001F1FA\U0001F1F8", "\u3000", "\t", "\n", "\r", " ", "-", "--",
           '"', "<", ">", "{", "}", "|", "\\", "^", "`", "%", "#", "/", "?", "A", "a", "Z", "0"]
any_char = st.characters(exclude_categories=("Cs",))
names = st.lists(st.one_of(any_char, st.sampled_from(SPECIAL)), min_size=1, max_size=24).map("".join)
classes = st.sampled_from(CLASSES)

# RFC 3987, section 2.2: an absolute IRI, optional query and fragment; character classes exact.
_UCS = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(p << 16)}-{chr((p << 16) + 0xFFFD)}" for p in range(1, 14)) + "\U000e1000-\U000efffd")
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = f"A-Za-z0-9\\-._~{_UCS}"
_SUB = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_UNRESERVED}{_SUB}:@]|{_PCT})"
_DEC = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HOST = (rf"(?:\[[0-9A-Fa-f:.]+\]|{_DEC}(?:\.{_DEC}){{3}}|(?:[{_UNRESERVED}{_SUB}]|{_PCT})*)")
_AUTHORITY = rf"(?:(?:[{_UNRESERVED}{_SUB}:]|{_PCT})*@)?{_HOST}(?::[0-9]*)?"
RFC3987_IRI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+\-.]*:"
    rf"(?://{_AUTHORITY}(?:/{_IPCHAR}*)*|/(?:{_IPCHAR}+(?:/{_IPCHAR}*)*)?|{_IPCHAR}+(?:/{_IPCHAR}*)*|)"
    rf"(?:\?(?:{_IPCHAR}|[{_PRIVATE}/?])*)?"
    rf"(?:#(?:{_IPCHAR}|[/?])*)?")
FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')


def assert_valid_iri(iri: str) -> None:
    assert ox.NamedNode(iri).value == iri
    assert RFC3987_IRI.fullmatch(iri), iri
    assert not FORBIDDEN.search(iri), iri


def test_the_iri_check_is_strict():
    """The RFC 3987 check above refuses what it must (so the properties below can fail)."""
    for bad in ("https://w3id.org/a b", "https://w3id.org/a<b", "https://w3id.org/a%zz", "no-scheme",
                "https://w3id.org/\ue000", "https://w3id.org/\ufffd", "https://w3id.org/a|b",
                'https://w3id.org/"', "https://w3id.org/\x01", "1http://x/"):
        assert not (RFC3987_IRI.fullmatch(bad) and not FORBIDDEN.search(bad)), bad
    for good in ("https://w3id.org/aikg/id/org/openai", "https://ex\u00e9.org/\u00e9?\ue000#f",
                 "http://[::1]:80/a", "http://127.0.0.1/", "urn:x:y"):
        assert_valid_iri(good)


@settings(max_examples=400, deadline=None, database=None)
@given(name=names, cls=classes)
def test_any_name_gives_a_valid_stable_iri(name, cls):
    iri = entity_iri(name, cls)
    assert_valid_iri(iri)
    assert iri.startswith(f"{ID}{FAMILY[root(cls)]}/")
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*|[a-z0-9-]*--[0-9a-f]{12}", slug(name)), slug(name)
    assert entity_iri(name, cls) == iri
    assert iri == entity_iri(normalise_name(name), cls)  # the normalised name is the same entity


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(), url=st.one_of(st.none(), st.text(), st.from_regex(
    r"(?i)https?://[a-z0-9.\-\[\]:%_@\x00-\x20\u00e9\ue000\ufffd]{0,12}(?::[0-9]{1,6})?"
    r"(/[^#]{0,20})?(\?[^#]{0,12})?(#.{0,5})?", fullmatch=True)),
       parts=st.lists(st.text(), min_size=4, max_size=4), start=st.integers(0, 10**9))
def test_article_and_assertion_iris_are_valid(text, url, parts, start):
    """Article IRIs come from the canonical URL's or the text's hash; a canonical URL is a valid
    IRI itself (it becomes schema:url) and is its own canonical form."""
    assert_valid_iri(article_iri(article_id(text, url)))
    assert_valid_iri(assertion_iri(*parts, start))
    canonical = canonical_url(url)
    if canonical is not None:
        assert_valid_iri(canonical)
        assert canonical_url(canonical) == canonical
        assert article_id(text, canonical) == article_id("other text", url)


@pytest.mark.parametrize("url, canonical", [
    ("http://example.com/a<b>", "http://example.com/a%3Cb%3E"),
    ('http://example.com/say?q="hi"&utm_source=x', "http://example.com/say?q=%22hi%22"),
    ("http://example.com/{x}|y^z`\\", "http://example.com/%7Bx%7D%7Cy%5Ez%60%5C"),
    ("http://example.com/a%zz?b=100%", "http://example.com/a%25zz?b=100%25"),
    ("http://example.com/a\x01b", "http://example.com/a%01b"),
    ("http://example.com/a[1]?b[2]", "http://example.com/a%5B1%5D?b%5B2%5D"),
    ("http://example.com/\ue000?\ue000", "http://example.com/%EE%80%80?\ue000"),  # private use: query only
    ("http://example.com/\ufffd", "http://example.com/%EF%BF%BD"),
    ("http://ex\u00e9.com/caf\u00e9", "http://ex\u00e9.com/caf\u00e9"),  # valid IRI characters stay
    ("http://a\x00b/", None), ("http://a^b/", None), ("http://[zz]/", None),  # no valid host
])
def test_canonical_url_is_always_a_valid_iri(url, canonical):
    """Regression: these URLs (from a feed, a page or a dataset's url field) were kept as
    they were, and writing the article (schema:url) raised ValueError out of `kg ingest`."""
    assert canonical_url(url) == canonical


def test_a_url_that_is_no_iri_still_ingests(nlp_ready):

    kg = KnowledgeGraph.memory()
    report = kg.ingest_text("Nvidia was founded by Jensen Huang in 1993.", url="http://example.com/a<b>")
    assert (report.new, report.failed) == (1, [])
    assert kg.query("SELECT ?u WHERE { ?a schema:url ?u }") == [{"u": "http://example.com/a%3Cb%3E"}]


def _respace(name: str, spaces: list[str]) -> str:
    """The name's words joined by other whitespace runs, with some around it."""
    words = name.split()
    runs = spaces + [" "] * len(words)
    return runs[0] + "".join(w + runs[i + 1] for i, w in enumerate(words))


whitespace = st.lists(st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2028", "\x1c"]),
                      min_size=1, max_size=6).map("".join)
VARIANTS = {
    "NFC": lambda s: unicodedata.normalize("NFC", s),
    "NFD": lambda s: unicodedata.normalize("NFD", s),
    "casefold": lambda s: unicodedata.normalize("NFC", s).casefold(),
    "apostrophe": lambda s: s.replace("'", "\u2019"),
    "normalised": normalise_name,
}


@settings(max_examples=400, deadline=None, database=None)
@given(name=names, steps=st.lists(st.sampled_from(sorted(VARIANTS) + ["spacing"]), min_size=1, max_size=4),
       spaces=st.lists(whitespace, min_size=1, max_size=30), cls=classes, other=classes)
def test_equivalent_spellings_share_an_iri(name, steps, spaces, cls, other):
    variant = name
    for step in steps:
        variant = _respace(variant, spaces) if step == "spacing" else VARIANTS[step](variant)
    assert normalise_name(variant) == normalise_name(name)
    assert entity_key(variant, cls) == entity_key(name, cls)
    assert entity_iri(variant, cls) == entity_iri(name, cls)
    same_family = FAMILY[root(cls)] == FAMILY[root(other)]
    assert (entity_iri(variant, other) == entity_iri(name, cls)) == same_family


def _family_and_key(name_and_class: tuple[str, str]) -> tuple[str, str]:
    name, cls = name_and_class
    return FAMILY[root(cls)], normalise_name(name)


@settings(max_examples=300, deadline=None, database=None)
@given(batch=st.lists(st.tuples(names, classes), min_size=2, max_size=10, unique_by=_family_and_key))
def test_different_keys_never_share_an_iri(batch):
    """Names with different normalised forms (or families) get different IRIs, so no two
    entities are merged by accident."""
    iris = [entity_iri(n, c) for n, c in batch]
    assert len(set(iris)) == len(batch)
    keys = [entity_key(n, c) for n, c in batch]
    assert len(set(keys)) == len(batch)


@settings(max_examples=300, deadline=None, database=None)
@given(name=names)
def test_the_normalised_name_is_a_fixed_point(name):
    key = normalise_name(name)
    assert normalise_name(key) == key
    assert unicodedata.normalize("NFC", key) == key
    assert key == key.strip() and "  " not in key


def test_case_folding_that_composes_gives_one_entity():
    """Regression: U+0149 case-folds to U+02BC + "n", which composes with a following caron;
    the key was not NFC, so "ŉ̌" and its own normalised form "ʼň" were two entities."""
    assert normalise_name("\u0149\u030c") == normalise_name("\u02bc\u0148") == "\u02bc\u0148"
    assert entity_iri("\u0149\u030c", "Company") == entity_iri("\u02bc\u0148", "Company")


OPENAI = entity_iri("OpenAI", "AILab")


@pytest.mark.parametrize("lookalike", [
    "\u041epenAI",         # Cyrillic capital O
    "Op\u0435nAI",         # Cyrillic small ie
    "\u039fpenAI",         # Greek capital omicron
    "OpenA\u0406",         # Cyrillic capital byelorussian-ukrainian i
    "\uff2fpen\uff21\uff29",  # fullwidth (a compatibility form: NFKC would fold it; we do not)
    "Open\u200bAI",        # zero-width space
    "Open\u00adAI",        # soft hyphen
    "\u202eIAnepO",        # right-to-left override
    "OpenAI\u0301",        # a combining mark
    "Open-AI", "Open AI", "0penAI", "OpenA1",
])
def test_homoglyphs_do_not_get_openais_iri(lookalike):
    assert entity_iri("openai", "Company") == entity_iri(" OPENAI ", "AILab") == OPENAI
    iri = entity_iri(lookalike, "AILab")
    assert iri != OPENAI
    assert_valid_iri(iri)


@settings(max_examples=200, deadline=None, database=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", min_size=1),
       at=st.integers(min_value=0), glyph=st.sampled_from(
           ["\u0430", "\u0435", "\u043e", "\u0440", "\u0441", "\u0445", "\u0391", "\u039f", "\uff41", "\u200b"]))
def test_one_homoglyph_changes_the_iri(name, at, glyph):
    assume(name.strip())
    at %= len(name)
    spoof = name[:at] + glyph + name[at + 1:]
    assert entity_iri(spoof, "Company") != entity_iri(name, "Company")


def test_iris_are_the_same_in_a_fresh_interpreter():
    """IRIs are minted from SHA-256 and Unicode tables, not from anything per process (hash
    randomisation): another interpreter, with another hash seed, mints the same ones."""
    sample = ["OpenAI", "\u041epenAI", "High-Flyer", "\u6df1\u5ea6\u6c42\u7d22", "a\x00b", "\u202eevil",
              "Timothe\u0301e", "\U0001F600 Labs", "  spaced\tout ", "\u0149\u030c", "x" * 300, "\ufffe"]
    sample += [f"name {i} \u00e9\u00df\u0130" for i in range(40)]
    here = [[entity_iri(n, c) for c in CLASSES] for n in sample]
    here.append([article_iri(article_id(n, None)) for n in sample])
    code = ("import json, sys; from kg.iri import entity_iri, article_iri, article_id; "
            "from kg.vocab import CLASS_PARENT; names = json.load(sys.stdin); "
            "rows = [[entity_iri(n, c) for c in sorted(CLASS_PARENT)] for n in names]; "
            "rows.append([article_iri(article_id(n, None)) for n in names]); print(json.dumps(rows))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(sample), capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120, check=True).stdout
    assert json.loads(out) == here


# -- exports -----------------------------------------------------------------------------------
# Small random graphs written the way ingest writes them (kg.model Extraction ->
# kg.rdfmap.article_quads -> Store.replace_graph, one named graph per article), plus a few
# quads no extractor writes today (language-tagged literals, a blank node) that a store may
# still hold. Each is exported to every registered format and read back independently.
HOSTILE = ['"', "'", '"""', "\n", "\r", "\r\n", "\t", "</script>", "<!--", "]]>", "&amp;", "&#0;", "\x00",
           "\x01", "\x1b", "\x7f", "\ufffe", "\uffff", "\u2028", "\u202e", "|", ",", ";", "\\", "\\u0000",
           "@en", "^^", "<http://x/>", "_:b0", "{{", "%", "\U0001F600", "\u00e9", "\u0301", " ", "  "]
texts = st.lists(st.one_of(any_char, st.sampled_from(HOSTILE)), min_size=1, max_size=10).map("".join)
labels = texts.filter(lambda s: s.strip())
language = st.sampled_from(["en", "EN-gb", "de-CH-1996", "zh-Hant-TW", "sr-Latn-RS", "fr", "i-klingon",
                            "x-private", "en-a-bbb-x-ccc"])
day = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
moment = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1),
                      timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-7)),
                                                 timezone(timedelta(hours=5, minutes=30))]))
stated_date = st.one_of(st.none(), day.map(lambda d: d.isoformat()),
                        day.map(lambda d: d.isoformat()[:7]), day.map(lambda d: d.isoformat()[:4]))
URLS = [None, "https://example.com/a?b=1", "http://example.org/caf\u00e9/\"q\"", "https://example.com/a<b>|c"]


@st.composite
def graphs(draw):
    """(entities, articles): entities as (name, cls, aliases, wikidata), articles as
    (Extraction, extra quads)."""
    pool = draw(st.lists(st.tuples(labels, classes), min_size=2, max_size=6, unique_by=_family_and_key))
    entities = [(name, cls, tuple(draw(st.lists(labels, max_size=2))),
                 draw(st.one_of(st.none(), st.integers(1, 10**8).map(lambda n: f"Q{n}"))))
                for name, cls in pool]
    articles = []
    for k in range(draw(st.integers(1, 3))):
        n_rel = draw(st.integers(0, 4))
        relations, sentences, offset = [], [], 0
        used = set(draw(st.sets(st.integers(0, len(entities) - 1), max_size=2)))
        for _ in range(n_rel):
            s, o = draw(st.integers(0, len(entities) - 1)), draw(st.integers(0, len(entities) - 1))
            used |= {s, o}
            sentence = draw(labels)
            amount = draw(st.one_of(st.none(), st.tuples(st.integers(0, 10**12), st.integers(0, 99))))
            relations.append(Relation(
                entity_key(entities[s][0], entities[s][1]), draw(st.sampled_from(sorted(PREDICATES))),
                entity_key(entities[o][0], entities[o][1]), sentence, offset, offset + len(sentence),
                draw(st.sampled_from(["rules.v1/svo", "rules.v1/<odd \"rule\">"])),
                draw(st.integers(0, 100)) / 100, date=draw(stated_date),
                amount=None if amount is None else f"{amount[0]}.{amount[1]:02d}",
                currency=None if amount is None else draw(st.sampled_from(["USD", "EUR", "\u20ac\n"]))))
            sentences.append(sentence)
            offset += len(sentence) + 1
        published = draw(st.one_of(st.none(), day.map(date.isoformat), moment.map(datetime.isoformat)))
        article = Article(id=f"{k}{draw(st.text('0123456789abcdef', min_size=1, max_size=8))}",
                          text="\n".join(sentences) or draw(labels), title=draw(st.one_of(st.none(), labels)),
                          url=canonical_url(draw(st.sampled_from(URLS))), published=published,
                          source=draw(st.one_of(st.none(), texts)), author=draw(st.one_of(st.none(), labels)),
                          site=draw(st.one_of(st.none(), labels)))
        ents = tuple(Entity(key=entity_key(name, cls), name=name, cls=cls, aliases=aliases,
                            iri=entity_iri(name, cls), wikidata=wd, text_name=name)
                     for i, (name, cls, aliases, wd) in enumerate(entities) if i in used)
        g = ox.NamedNode(article_iri(article.id))
        extra = [ox.Quad(g, ox.NamedNode(PREFIXES["rdfs"] + "comment"), ox.Literal(text, language=lang), g)
                 for text, lang in draw(st.lists(st.tuples(texts, language), max_size=2))]
        if draw(st.booleans()):
            b = ox.BlankNode()
            extra += [ox.Quad(g, ox.NamedNode(PREFIXES["kg"] + "note"), b, g),
                      ox.Quad(b, ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal(draw(texts)), g)]
        articles.append((Extraction(article, ents, (), tuple(relations)), extra))
    assume(len({ex.article.id for ex, _ in articles}) == len(articles))
    return entities, articles


def _build(articles) -> KnowledgeGraph:
    kg = KnowledgeGraph.memory()
    for ex, extra in articles:
        kg.store.replace_graph(article_iri(ex.article.id), article_quads(ex) + extra)
    return kg


def _projection(entities, articles):
    """The entity graph the exports should show, computed from the generated model alone:
    iri -> (label, class, aliases, articles); (s, o, predicate) -> (support, best confidence)."""
    nodes, mentions, edges = {}, Counter(), {}
    by_key = {entity_key(n, c): (n, c, a) for n, c, a, _ in entities}
    for ex, _ in articles:
        for e in ex.entities:
            mentions[e.iri] += 1
            nodes[e.iri] = (e.name, e.cls, sorted(set(e.aliases) - {e.name}))
        seen = {}
        for r in ex.relations:
            s, o = (entity_iri(*by_key[k][:2]) for k in (r.subject, r.object))
            key = (s, o, r.predicate)
            seen[key] = max(seen.get(key, 0.0), r.confidence)
        for key, conf in seen.items():
            support, best = edges.get(key, (0, 0.0))
            edges[key] = (support + 1, max(best, conf))
    return {iri: (*v, mentions[iri]) for iri, v in nodes.items()}, edges


def _rdflib_set(quads) -> dict[str, set]:
    out: dict[str, set] = {}
    for q in quads:
        out.setdefault(q.graph_name.value, set()).add(tuple(rdflib_term(t) for t in q.triple))
    return out


def _same_graph(got, want) -> bool:
    a, b = rdflib.Graph(), rdflib.Graph()
    for t in got:
        a.add(t)
    for t in want:
        b.add(t)
    return isomorphic(a, b)


RDF = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}


def test_the_round_trips_cover_every_registered_format():
    assert sorted([*RDF, "csv", "gexf", "graphml", "html"]) == plugins.available("kg.exporters")


@RDFLIB_DATASET_PARSE
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(graph=graphs())
def test_every_export_reads_back_what_the_store_holds(graph, tmp_path_factory):
    entities, articles = graph
    kg = _build(articles)
    folder = tmp_path_factory.mktemp("export")
    out = {fmt: kg.export(folder / f"graph.{fmt}", fmt) for fmt in plugins.available("kg.exporters")}

    # RDF: the merged graph (Turtle, N-Triples), each article graph (N-Quads, TriG, JSON-LD)
    merged = {tuple(rdflib_term(t) for t in (x.subject, x.predicate, x.object)) for x in kg.store.merged_triples()}
    per_graph = _rdflib_set(kg.store.quads())
    assert sorted(per_graph) == sorted(article_iri(ex.article.id) for ex, _ in articles)
    for fmt in ("ttl", "nt"):
        parsed = rdflib.Graph().parse(out[fmt], format=RDF[fmt])
        assert len(parsed) == len(merged), fmt
        assert _same_graph(parsed, merged), fmt
        assert len(list(ox.parse(path=str(out[fmt]), format=ox.RdfFormat.from_extension(fmt)))) == len(merged)
    for fmt in ("nq", "trig", "jsonld"):
        ds = rdflib.Dataset()
        ds.parse(out[fmt], format=RDF[fmt])
        got = {str(g.identifier): set(g) for g in ds.graphs() if len(g)}
        assert sorted(got) == sorted(per_graph), fmt
        for iri, triples in per_graph.items():
            assert len(got[iri]) == len(triples) and _same_graph(got[iri], triples), (fmt, iri)
        assert len(ds.default_graph) == 0
        reread = list(ox.parse(path=str(out[fmt]), format=ox.RdfFormat.from_extension(fmt)))
        assert Counter(q.graph_name.value for q in reread) == Counter(q.graph_name.value for q in kg.store.quads())

    # the entity graph: GraphML and GEXF (XML: see xml_text), CSV, the explorer's data
    nodes, edges = _projection(entities, articles)
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        g = read(out[fmt])
        assert {n: (d["label"], d["type"], d["aliases"], int(d["articles"])) for n, d in g.nodes(data=True)} == \
            {n: (xml_text(label), cls, xml_text("|".join(aliases)), count)
             for n, (label, cls, aliases, count) in nodes.items()}, fmt
        assert Counter((s, o, d["predicate"]) for s, o, d in g.edges(data=True)) == Counter(list(edges)), fmt
        for s, o, d in g.edges(data=True):
            assert (int(d["support"]), float(d["confidence"])) == edges[s, o, d["predicate"]], fmt

    with open(out["csv"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["subject", "subject_label", "predicate", "object", "object_label", "support", "confidence"]
    assert {(s, p, o): (sl, ol, int(n), float(c)) for s, sl, p, o, ol, n, c in rows[1:]} == \
        {(s, p, o): (nodes[s][0], nodes[o][0], *edges[s, o, p]) for s, o, p in edges}
    assert len(rows) - 1 == len(edges)
    with open(nodes_csv_path(out["csv"]), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["iri", "label", "type", "aliases", "articles"]
    assert {iri: (label, cls, aliases, int(n)) for iri, label, cls, aliases, n in rows[1:]} == \
        {iri: (label, cls, "|".join(aliases), count) for iri, (label, cls, aliases, count) in nodes.items()}
    assert len(rows) - 1 == len(nodes)

    page = out["html"].read_text("utf-8")
    blocks = re.findall(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert len(blocks) == 1  # no label closed the data block early
    data = json.loads(blocks[0])
    assert {n["id"]: (n["label"], n["cls"], n["aliases"], n["articles"]) for n in data["nodes"]} == nodes
    assert {(e["from"], e["to"], e["predicate"]): (e["support"], e["confidence"]) for e in data["edges"]} == \
        {k: (support, round(conf, 4)) for k, (support, conf) in edges.items()}


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_xml_formats_write_controls_as_replacement_characters(fmt, read, tmp_path):
    """Regression: a label with a control character made the GraphML export raise ValueError
    (out of `kg export`, a traceback) and the GEXF export write a file no XML parser reads."""
    name = "Acme\x00\x1b Labs\ufffe\r\n\t"
    facts = Relation(entity_key(name, "Company"), "funds", entity_key("Beta", "AILab"), "x", 0, 1, "r", 0.5)
    ents = tuple(Entity(key=entity_key(n, c), name=n, cls=c, iri=entity_iri(n, c))
                 for n, c in ((name, "Company"), ("Beta", "AILab")))
    kg = _build([(Extraction(Article(id="a", text="x"), ents, (), (facts,)), [])])
    g = read(kg.export(tmp_path / f"graph.{fmt}", fmt))
    assert g.nodes[entity_iri(name, "Company")]["label"] == "Acme\ufffd\ufffd Labs\ufffd\r\n\t"
    assert [d["predicate"] for _, _, d in g.edges(data=True)] == ["funds"]


# -- any bytes ingest or fail with a one-line reason ------------------------------------------------
EXTENSIONS = [".txt", ".md", ".html", ".xml", ".jsonl", ".csv"]
WORDS = ["Nvidia", "was", "founded", "by", "Jensen", "Huang", "in", "1993", ".", "OpenAI", "acquired", "Acme",
         "\u00e9", "\u201c", "\u202e", "\x00", "\x0c", "\r\n", "\n\n", "<p>", "</p>", "<script>", "&amp;", "&#0;",
         '"', ",", ";", "\t", "|", "{", "}", "[", "]", ":", "\\u0000", "\\ud800", "<item>", "<title>",
         "</title>", "</item>", "<!ENTITY", "]]>", "#", "*", "-", "http://example.com/a<b>"]
words = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "replace")


@st.composite
def documents(draw, ext: str) -> bytes:
    """Bytes for a file with this extension: raw bytes, or a document of the right kind with
    hostile text in it, in some encoding."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=300))
    text = draw(st.one_of(words, texts))
    if ext == ".html":
        body = "".join(f"<p>{p}</p>" for p in draw(st.lists(st.one_of(words, texts), min_size=1, max_size=4)))
        doc = f"<!DOCTYPE html><html><head><title>{draw(texts)}</title></head><body><p>{text}</p>{body}</body></html>"
    elif ext == ".xml":
        items = "".join(f"<item><title>{draw(texts)}</title><description>{draw(words)}</description>"
                        f"<link>{draw(st.sampled_from(URLS[1:]))}</link></item>"
                        for _ in range(draw(st.integers(0, 2))))
        doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{draw(texts)}</title>{items}</channel></rss>'
        doc = doc[:draw(st.integers(0, len(doc)))] if draw(st.booleans()) else doc
    elif ext == ".jsonl":
        records = draw(st.lists(st.one_of(
            st.fixed_dictionaries({"text": st.one_of(words, texts)}, optional={
                "title": texts, "url": st.one_of(texts, st.sampled_from(URLS[1:])),
                "date": st.one_of(texts, st.integers(), st.floats())}),
            st.recursive(st.none() | st.booleans() | texts, lambda c: st.lists(c, max_size=2), max_leaves=4)),
            max_size=3))
        doc = "\n".join(json.dumps(r) for r in records) + draw(st.sampled_from(["", "\n", "\n{", "[", "\n\n"]))
    elif ext == ".csv":
        sep = draw(st.sampled_from([",", ";", "\t", "|"]))
        cells = st.one_of(words, texts)
        rows = [["text", "title", "url"]] + draw(st.lists(st.one_of(
            st.lists(cells, min_size=3, max_size=3), st.lists(cells, max_size=4)), max_size=3))
        doc = "\n".join(sep.join(f'"{c}"' if draw(st.booleans()) else c for c in row) for row in rows)
    else:
        doc = text
    return _encode(doc, draw(st.sampled_from(ENCODINGS)))


@pytest.fixture(scope="module")
def ingest_kg(nlp_ready):
    return KnowledgeGraph.memory()


def _check_report(report, path: Path) -> None:
    assert report.read + len(report.failed) >= 1, report  # something was read, or it says why not
    assert report.read == report.new + report.updated + report.unchanged
    for source, reason in report.failed:
        assert source.startswith(str(path)), (source, reason)
        assert reason.strip() and "\n" not in reason and "\r" not in reason, (source, reason)
        assert "Traceback" not in reason


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_any_bytes_ingest_or_fail_in_one_line(ext, ingest_kg, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bytes")

    @settings(max_examples=50, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=documents(ext))
    def check(data):
        path = folder / f"input{ext}"
        path.write_bytes(data)
        report = ingest_kg.ingest(path)
        _check_report(report, path)
        outcomes[bool(report.read)] += 1

    outcomes = Counter()
    check()
    assert outcomes[True] and outcomes[False], outcomes  # both outcomes were exercised


@pytest.mark.parametrize("name, data, reader", [
    ("empty.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>', "feed"),
    ("header.csv", b"text,title,url\n", "csv"),
    ("blank-rows.csv", b"text;title\n;\n \n", "csv"),
    ("array.jsonl", b"[]\n", "jsonl"),
])
def test_a_source_with_no_article_is_a_failure(name, data, reader, ingest_kg, tmp_path):
    """Regression: these were read as nothing at all: no article, no failure, exit code 0."""
    path = tmp_path / name
    path.write_bytes(data)
    report = ingest_kg.ingest(path)
    assert (report.read, report.failed) == (0, [(str(path), f"nothing to read: the {reader} reader found no "
                                                            f"article in it")])


def test_kg_ingest_of_hostile_files_exits_cleanly(run_script, tmp_path):
    """The console script on a handful of hostile files: exit code 0 or 1, every stderr line
    one `error: FILE...: reason` line naming its file, never a traceback."""
    import random

    rng = random.Random(1)
    files = {
        "nul.txt": b"Nvidia\x00 was founded by Jensen Huang.",
        "controls.md": "# Acme\x1b\n\nAcme\u202e acquired \x0cBeta in 2021.".encode(),
        "script.html": b"<html><body><p>Acme </script><script>alert(1)</script> acquired Beta.</p>",
        "truncated.xml": b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>Acme acqu',
        "bad.jsonl": b'{"text": "Acme \\ud800 acquired Beta.", "url": "http://example.com/a<b>"}\n{"text": \n[1, 2]\n',
        "quotes.csv": b'text,title\n"Acme acquired ""Beta"" in 2021.","a\x00b"\n"unclosed\n',
        "noise.txt": bytes(rng.randrange(256) for _ in range(2000)),
        "noise.html": bytes(rng.randrange(256) for _ in range(2000)),
        "utf16.xml": "<rss><channel><item><title>\ud7ff</title></item>".encode("utf-16"),
        "empty.csv": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    r = run_script("ingest", *sorted(tmp_path / n for n in files), "--store", tmp_path / "store", "--no-progress",
                   timeout=300)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines  # noise.txt and empty.csv at least fail
    for line in lines:
        assert line.startswith("error: "), line
        assert any(line.startswith(f"error: {tmp_path / n}") for n in files), line
    assert r.returncode == 1
    named = {n for n in files if f"error: {tmp_path / n}" in r.stderr}
    assert {"noise.txt", "empty.csv", "nul.txt"} <= named
