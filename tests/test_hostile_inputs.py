"""Hostile and broken input: every reader refuses what it cannot read with one clear line
naming the file, and what it can read never carries invisible or executable baggage into the
graph. Cases that other modules already prove are listed, with their tests, in
docs/reliability.md; this module holds the rest."""
from __future__ import annotations

import codecs
import json
import tracemalloc
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import RDFLIB_DATASET_PARSE

from ingest import nlp as nlp_stage
from ingest.extract import RuleExtractor
from ingest.gazetteer import load_gazetteer
from ingest.readers import DEFAULT_MAX_BYTES, ReadOptions, make_article, read
from kg.api import KnowledgeGraph
from kg.errors import ReadError
from kg.iri import entity_iri
from kg.model import Entity, Extraction, Relation
from kg.rdfmap import article_quads
from kg.store import Store

SUFFIXES = [".txt", ".md", ".html", ".xml", ".jsonl", ".csv"]
OPENAI = "https://w3id.org/aikg/id/org/openai"
FEFF = "\ufeff"


def one_error(path: Path, data: bytes) -> ReadError:
    path.write_bytes(data)
    [err] = read([path])
    assert isinstance(err, ReadError), err
    assert err.source == str(path)
    return err


def literals(kg: KnowledgeGraph) -> list[str]:
    return [q.object.value for q in kg.store.quads() if isinstance(q.object, ox.Literal)]


# -- empty, whitespace, binary, undecodable ----------------------------------------------------
@pytest.mark.parametrize("suffix", SUFFIXES + [""])
@pytest.mark.parametrize("data", [b"", b" \n\t\r\n  \n\x0c "], ids=["empty", "whitespace"])
def test_empty_or_whitespace_file_is_refused_and_nothing_is_written(tmp_path, suffix, data):
    f = tmp_path / f"nothing{suffix}"
    f.write_bytes(data)
    kg = KnowledgeGraph.memory()
    report = kg.ingest([f])
    assert report.failed == [(str(f), "empty file")]
    assert report.read == 0 and len(kg.store) == 0


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"


@pytest.mark.parametrize("suffix, reason", [
    (".txt", "binary file (contains NUL bytes), not a text article"),
    (".md", "binary file (contains NUL bytes), not a text article"),
    (".html", "binary file (contains NUL bytes), not a text article"),
    (".xml", "binary file (contains NUL bytes), not a feed"),
    (".jsonl", "binary file (contains NUL bytes), not a dataset"),
    (".csv", "binary file (contains NUL bytes), not a dataset"),
    ("", "binary file (contains NUL bytes), not a text article"),  # sniffed: not text, not markup
])
def test_binary_file_is_refused_by_every_reader(tmp_path, suffix, reason):
    assert one_error(tmp_path / f"image{suffix}", PNG).reason == reason


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ""])
def test_invalid_utf8_that_is_not_cp1252_either_is_refused(tmp_path, suffix):
    # 0x81 is undefined in cp1252: this is neither UTF-8 nor a single-byte Western text
    err = one_error(tmp_path / f"mojibake{suffix}", b"Nvidia makes \xc3\x28 chips \x81 in Santa Clara.\n")
    assert err.reason == ("not valid UTF-8 (byte 0xc3 at offset 13), nor cp1252/latin-1 text "
                          "(byte 0x81 at offset 22)")


def test_invalid_utf8_feed_is_refused_as_malformed(tmp_path):
    err = one_error(tmp_path / "feed.xml", b"<rss version=\"2.0\"><channel>\xff\xfe\x81<item>")
    assert err.reason == ("feed is truncated or malformed after 0 complete item(s) (<unknown>:2:37: "
                          "no element found); the complete items were read")


def test_csv_with_a_header_and_nothing_else_is_an_error(tmp_path):
    assert one_error(tmp_path / "only-header.csv", b"title,text\n\n").reason == \
        "nothing to read: the csv reader found no article in it"


# -- byte order marks -------------------------------------------------------------------------
BOM_TEXT = "OpenAI Partners With SoftBank\n\nOpenAI partnered with SoftBank on data centres in Japan.\n"
BOM_FILES = {
    ".txt": BOM_TEXT,
    ".md": "# " + BOM_TEXT,
    ".html": "<html><head><title>OpenAI Partners With SoftBank</title></head><body><article><p>"
             "OpenAI partnered with SoftBank on data centres in Japan.</p></article></body></html>",
    ".jsonl": json.dumps({"title": "OpenAI Partners With SoftBank",
                          "text": "OpenAI partnered with SoftBank on data centres in Japan."}) + "\n",
    ".csv": "title,text\nOpenAI Partners With SoftBank,OpenAI partnered with SoftBank on data centres in Japan.\n",
}


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")], ids=["utf-8", "utf-16le", "utf-16be"])
@pytest.mark.parametrize("suffix", list(BOM_FILES))
def test_byte_order_mark_never_reaches_a_name_or_title(tmp_path, nlp_ready, suffix, bom, codec):
    f = tmp_path / f"bom{suffix}"
    f.write_bytes(bom + BOM_FILES[suffix].encode(codec))
    kg = KnowledgeGraph.memory()
    report = kg.ingest([f])
    assert report.failed == [] and report.new == 1
    assert not any(FEFF in value for value in literals(kg))
    assert kg.query("SELECT ?h WHERE { ?a schema:headline ?h }") == [{"h": "OpenAI Partners With SoftBank"}]
    assert kg.query("SELECT ?e WHERE { ?e rdfs:label 'OpenAI' }") == [{"e": OPENAI}]
    assert kg.query("SELECT ?e WHERE { ?e kg:partnersWith ?o }") == [{"e": OPENAI}]


# -- size caps, and long articles ---------------------------------------------------------------
FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".xml", ""])
def test_fifty_megabyte_file_is_refused_before_it_is_read(tmp_path, suffix):
    f = tmp_path / f"huge{suffix}"
    with f.open("wb") as out:  # sparse: 50 MB of NUL bytes, which would read as "binary"
        out.truncate(FIFTY_MB)
    tracemalloc.start()
    try:
        [err] = read([f])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.source == str(f)
    assert err.reason == (f"file is {FIFTY_MB:,} bytes, over the size cap of {DEFAULT_MAX_BYTES:,} "
                          f"(raise it with --max-bytes)")
    assert peak < 1_000_000  # refused on its size: the 50 MB were never read into memory


@pytest.mark.parametrize("suffix, reason", [
    (".jsonl", "line is over the size cap of 1,000,000 bytes (raise it with --max-bytes)"),
    (".csv", "a field is over the size cap of 1,000,000 bytes (raise it with --max-bytes)"),
])
def test_fifty_megabyte_record_is_refused_and_the_next_record_read(tmp_path, suffix, reason):
    """Datasets are streamed, so a big file is fine; one 50 MB record is refused alone, and
    the memory it takes follows the cap (here 1 MB), not the record."""
    f = tmp_path / f"dataset{suffix}"
    with f.open("w", encoding="utf-8") as out:
        if suffix == ".jsonl":
            out.write('{"text": "' + "Intel makes chips. " * (FIFTY_MB // 19) + '"}\n')
            out.write('{"text": "AMD makes chips too."}\n')
        else:
            out.write('text\n"' + "Intel makes chips. " * (FIFTY_MB // 19) + '"\n"AMD makes chips too."\n')
    tracemalloc.start()
    try:
        err, art = read([f], ReadOptions(max_bytes=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(err, ReadError) and err.source == (f"{f}:2" if suffix == ".csv" else f"{f}:1")
    assert err.reason == reason
    assert art.text == "AMD makes chips too."
    assert peak < 10_000_000  # never the whole 50 MB record at once


FILLER = ("The market for data-centre equipment kept growing through the quarter, and buyers said "
          "that prices for memory and power had risen again.\n"
          "Sources: " + " ".join(f"https://news.example.com/archive/2025/market-report-{i:04d}/"
                                 "data-centre-equipment-prices-memory-power-quarterly-summary"
                                 for i in range(8)) + "\n\n")


@pytest.mark.slow
def test_two_megabyte_article_is_split_and_every_part_is_extracted(nlp_ready):
    """Over spaCy's max_length (1,000,000 characters): parsed in pieces cut at paragraph
    breaks and joined back into one Doc, so facts from each piece are found and their
    evidence offsets point into the whole text. The filler mixes prose with lines of source
    links (long tokens), which keeps the parse to about a minute."""
    facts = ["Dario Amodei founded Anthropic.", "Nvidia develops the Blackwell chip.",
             "Amazon invested $4 billion in Anthropic."]
    half = FILLER * (1_000_000 // len(FILLER) + 1)
    text = facts[0] + "\n\n" + half + facts[1] + "\n\n" + half + facts[2] + "\n"
    assert 2_000_000 <= len(text.encode()) < 2_200_000
    nlp = nlp_stage.load(None)
    assert len(nlp_stage.split_text(text, nlp.max_length)) == 3
    kg = KnowledgeGraph.memory()
    report = kg.ingest([make_article("two-megabytes.txt", text)])
    assert (report.new, report.failed, report.warnings) == (1, [], [])
    rows = kg.query("SELECT ?s ?start ?end WHERE { ?a kg:evidence ?s ; kg:startOffset ?start ; "
                    "kg:endOffset ?end } ORDER BY ?start")
    assert [r["s"] for r in rows] == facts
    assert all(text[r["start"]:r["end"]] == r["s"] for r in rows)
    assert rows[1]["start"] > 1_000_000  # the second fact lies in the second piece


@pytest.mark.slow
def test_article_with_100000_mentions_is_capped_warned_and_written(tmp_path, run_cli, nlp_ready):
    f = tmp_path / "names.txt"
    f.write_text(" ".join(["OpenAI", "Nvidia", "Anthropic", "Microsoft"] * 25_000) + ".\n")
    store = tmp_path / "store"
    result = run_cli("ingest", f, "--store", store, "--no-progress")
    assert result.code == 0
    assert result.err.splitlines() == [f"warning: {f}: 100,000 entity mentions, over the cap of 10,000 "
                                       f"per article: kept the first 10,000"]
    assert result.out.startswith("read 1, new 1, updated 0, unchanged 0, failed 0; wrote 4 entities")
    with KnowledgeGraph.open(store, read_only=True) as kg:
        rows = kg.query("SELECT ?l WHERE { ?a schema:mentions ?e . ?e rdfs:label ?l } ORDER BY ?l")
        assert [r["l"] for r in rows] == ["Anthropic", "Microsoft", "Nvidia", "OpenAI"]


def test_mention_cap_keeps_the_first_mentions_in_text_order(nlp_ready):
    text = "Nvidia and Intel compete. AMD and Qualcomm compete. Arm and Apple compete."
    ex = RuleExtractor(max_mentions=4).extract(make_article("capped.txt", text))
    assert [m.text for m in ex.mentions] == ["Nvidia", "Intel", "AMD", "Qualcomm"]
    assert ex.warnings == ("6 entity mentions, over the cap of 4 per article: kept the first 4",)
    assert {e.name for e in ex.entities} == {"Nvidia", "Intel", "AMD", "Qualcomm"}
    assert RuleExtractor(max_mentions=6).extract(make_article("capped.txt", text)).warnings == ()


# -- markup and controls in what articles say ---------------------------------------------------
SCRIPT = "</script><script>window.__pwned=1</script>"


def test_script_in_a_text_headline_is_stored_as_text(tmp_path, nlp_ready):
    f = tmp_path / "headline.txt"
    f.write_text(f"{SCRIPT} Microsoft Backs OpenAI\n\nMicrosoft invested in OpenAI.\n")
    kg = KnowledgeGraph.memory()
    assert kg.ingest([f]).new == 1
    assert kg.query("SELECT ?h WHERE { ?a schema:headline ?h }") == [{"h": f"{SCRIPT} Microsoft Backs OpenAI"}]
    turtle = kg.export(tmp_path / "graph.ttl").read_text()
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert set(graph.objects(None, rdflib.URIRef("https://schema.org/headline"))) == {
        rdflib.Literal(f"{SCRIPT} Microsoft Backs OpenAI")}


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile news</title>
<item><title>&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt; Microsoft backs OpenAI</title>
<link>https://news.example.com/hostile</link>
<description>Microsoft invested in OpenAI, a post said: &amp;lt;/script&amp;gt;&amp;lt;script&amp;gt;window.__pwned=3&amp;lt;/script&amp;gt; and &amp;lt;a href="javascript:window.__pwned=4"&amp;gt;href&amp;lt;/a&amp;gt;.</description></item>
<item><title><![CDATA[<script>window.__pwned=5</script> Nvidia news]]></title>
<description>Nvidia develops the Blackwell chip.</description></item>
</channel></rss>"""
EVIDENCE = ('Microsoft invested in OpenAI, a post said: </script><script>window.__pwned=3</script> and '
            '<a href="javascript:window.__pwned=4">href</a>.')


def test_script_in_rss_titles_and_items_is_text_in_store_and_explorer(tmp_path, nlp_ready, browser):
    from test_explorer_browser import open_page, panel_text, search

    f = tmp_path / "hostile.xml"
    f.write_text(FEED)
    kg = KnowledgeGraph.memory()
    assert kg.ingest([f]).new == 2
    headlines = {r["h"] for r in kg.query("SELECT ?h WHERE { ?a schema:headline ?h }")}
    assert headlines == {"</script><script>window.__pwned=2</script> Microsoft backs OpenAI",
                         "<script>window.__pwned=5</script> Nvidia news"}
    assert EVIDENCE in {r["s"] for r in kg.query("SELECT ?s WHERE { ?a kg:evidence ?s }")}
    page = kg.export(tmp_path / "explorer.html")
    open_page(browser, page)
    scripts = browser.execute_script("return document.scripts.length")
    search(browser, "OpenAI")
    text = panel_text(browser)
    assert EVIDENCE in text  # shown literally, as text
    assert "</script><script>window.__pwned=2</script> Microsoft backs OpenAI" in text
    hrefs = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('a'), function (a) { return a.href; })")
    assert hrefs and all(h == "https://news.example.com/hostile" for h in hrefs)
    search(browser, "Nvidia")
    assert "<script>window.__pwned=5</script> Nvidia news" in panel_text(browser)
    assert browser.execute_script("return document.scripts.length") == scripts
    assert browser.execute_script("return window.__pwned") is None


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\x1b"],
                         ids=["NUL", "RLO", "LRI", "ZWSP", "ZWNBSP", "ESC"])
def test_invisible_and_control_characters_never_reach_names_or_titles(tmp_path, nlp_ready, char):
    f = tmp_path / "controls.jsonl"
    record = {"title": f"Microsoft{char} Backs\nOpen{char}AI",
              "text": f"Microsoft invested in {char}Open{char}AI{char} last year."}
    f.write_text(json.dumps(record) + "\n")
    kg = KnowledgeGraph.memory()
    assert kg.ingest([f]).new == 1
    assert not any(char in value for value in literals(kg))
    assert kg.query("SELECT ?h WHERE { ?a schema:headline ?h }") == [{"h": "Microsoft Backs OpenAI"}]
    assert kg.query("SELECT ?o WHERE { ?s kg:funds ?o }") == [{"o": OPENAI}]


def test_cyrillic_homoglyph_is_not_merged_with_the_latin_name(tmp_path, nlp_ready):
    fake = "\u041epenAI"  # CYRILLIC CAPITAL LETTER O, then "penAI"
    assert load_gazetteer().lookup(fake) is None
    assert entity_iri(fake, "Company") != entity_iri("OpenAI", "Company")
    kg = KnowledgeGraph.memory()
    kg.ingest_text(f"Ivan Petrov runs {fake} Labs, a startup in Moscow. Sam Altman leads OpenAI.")
    labels = {r["l"] for r in kg.query(f"SELECT ?l WHERE {{ <{OPENAI}> rdfs:label|skos:altLabel ?l }}")}
    assert labels == {"OpenAI"}
    fakes = kg.query("SELECT ?e WHERE { ?e rdfs:label ?l FILTER(CONTAINS(?l, 'penAI') && ?l != 'OpenAI') }")
    assert fakes and OPENAI not in {r["e"] for r in fakes}


HOSTILE_NAMES = ['Acme "Quantum" Labs', "Open AI", "a>b", "<script>x</script>", "Line\nBreak",
                 "Nul\x00Byte", "\u202eIAnepO", "\u041epenAI", "OpenAI", "Back\\slash", "{braces} | pipes ^`"]


@RDFLIB_DATASET_PARSE
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own parsers
def test_hostile_names_round_trip_through_the_store_and_exports(tmp_path):
    """Names that are not valid IRI text get valid, distinct IRIs; the labels come back byte
    for byte from SPARQL and from every RDF export."""
    article = make_article("names.txt", "Hostile names, all of them.")
    entities = tuple(Entity(key=f"org/{i}", name=n, cls="Company", iri=entity_iri(n, "Company"))
                     for i, n in enumerate(HOSTILE_NAMES))
    rel = Relation("org/0", "partners_with", "org/1", "Hostile names, all of them.", 0, 27, "test", 0.9)
    store = Store(tmp_path / "store")
    store.replace_graph(f"https://w3id.org/aikg/article/{article.id}",
                        article_quads(Extraction(article, entities, (), (rel,))))
    kg = KnowledgeGraph(store)
    iris = {e.name: e.iri for e in entities}
    assert len(set(iris.values())) == len(HOSTILE_NAMES)
    for name, iri in iris.items():
        assert ox.NamedNode(iri).value == iri and rdflib.URIRef(iri) == rdflib.URIRef(iri)
        assert kg.query("SELECT ?l WHERE { ?e rdfs:label ?l }", bindings={"e": ox.NamedNode(iri)}) == [{"l": name}]
    want = {(rdflib.URIRef(iri), rdflib.Literal(name)) for name, iri in iris.items()}
    for fmt, suffix in [("turtle", ".ttl"), ("nt", ".nt"), ("json-ld", ".jsonld"), ("trig", ".trig"),
                        ("nquads", ".nq")]:
        path = kg.export(tmp_path / f"graph{suffix}")
        if fmt in ("trig", "nquads", "json-ld"):  # the article graphs, named
            graph = rdflib.Dataset()
            graph.parse(path, format=fmt)
            got = {(s, o) for s, _p, o, _g in graph.quads((None, rdflib.RDFS.label, None, None))}
        else:
            got = set(rdflib.Graph().parse(path, format=fmt).subject_objects(rdflib.RDFS.label))
        assert got == want, fmt
    store.close()
