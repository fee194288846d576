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

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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
from kg.vocab import CLASS_PARENT, FAMILY, ID, root

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

# RFC 3987, section 2.2: an absolute IRI (no fragment needed here), character classes exact.
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
    from kg.api import KnowledgeGraph

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
