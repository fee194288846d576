"""Entity resolution: one IRI per entity across articles, aliases, no merging of look-alikes,
and the user's own gazetteer file."""
from __future__ import annotations

import pytest

from ingest.extract import RuleExtractor
from ingest.gazetteer import Gazetteer, load_gazetteer, parse_lines
from kg.api import KnowledgeGraph
from kg.errors import ConfigError
from kg.model import Article


@pytest.fixture(scope="module")
def kg():
    return KnowledgeGraph.memory()


def entities(kg, text):
    return {e.text_name: e for e in kg.extractor.extract(Article(id="t", text=text)).entities}


def test_one_iri_whatever_the_surface_form(kg):
    kg.ingest_text("DeepSeek-R1 was released by DeepSeek in January.", source="a")
    kg.ingest_text("The R1 model from DeepSeek surprised investors.", source="b")
    rows = kg.query("SELECT DISTINCT ?e WHERE { ?e a kg:AIModel }")
    assert [r["e"] for r in rows] == ["https://w3id.org/aikg/id/model/r1"]
    alts = {r["l"] for r in kg.query("SELECT ?l WHERE { kgid:model\\/r1 skos:altLabel ?l }")}
    assert "DeepSeek-R1" in alts


def test_aliases_are_recorded_as_altlabels(kg):
    kg.ingest_text("Elon Musk founded xAI in 2023. Musk also runs Tesla.", source="c")
    ent = kg.entity("Musk")
    assert ent["label"] == "Elon Musk" and "Musk" in ent["aliases"]


def test_meta_the_company_is_not_meta_the_word(kg):
    ents = entities(kg, "Meta released Llama 3. The meta lesson is that open models matter.")
    assert set(ents) >= {"Meta", "Llama 3"}
    assert "meta" not in {n.lower() for n in ents if n != "Meta"}
    assert len([e for e in ents.values() if e.name == "Meta"]) == 1


def test_apple_and_apple_intelligence_stay_apart(kg):
    ents = entities(kg, "Apple launched Apple Intelligence on the iPhone in 2024.")
    assert ents["Apple"].cls == "Company" and ents["Apple Intelligence"].cls == "Product"
    assert ents["Apple"].iri != ents["Apple Intelligence"].iri


def test_homoglyph_names_are_different_entities(kg):
    ents = entities(kg, "OpenAI and \u041epenAI are not the same company.")
    iris = {e.iri for e in ents.values()}
    assert len(iris) == len(ents) and "OpenAI" in ents


def test_user_gazetteer_file_extends_the_builtin(tmp_path, monkeypatch):
    extra = tmp_path / "mine.jsonl"
    extra.write_text('{"name": "Zorblax Labs", "type": "AILab", "aliases": ["Zorblax"]}\n'
                     '{"name": "Qubit-9", "type": "Chip"}\n')
    gaz = load_gazetteer(str(extra))
    assert gaz.lookup("Zorblax").name == "Zorblax Labs" and len(gaz) > 300
    extraction = _with_gazetteer(gaz, "Zorblax unveiled the Qubit-9 chip.")
    names = {e.text_name: e.cls for e in extraction.entities}
    assert names.get("Zorblax") == "AILab" and names.get("Qubit-9") == "Chip"


def _with_gazetteer(gaz: Gazetteer, text: str):
    """A fresh pipeline whose ruler holds this gazetteer (the cached one holds the built-in)."""
    import spacy

    from ingest.nlp import model_name, prepare

    nlp = prepare(spacy.load(model_name(), exclude=["senter"]), gaz)
    ex = RuleExtractor(gazetteer=gaz)
    return ex.from_doc(nlp(text), Article(id="t", text=text))


@pytest.mark.parametrize("line, message", [
    ('{"name": "X"}', "not a gazetteer entry"),
    ('{"name": "X", "type": "Spaceship"}', "unknown type 'Spaceship'"),
    ('not json', "not a gazetteer entry"),
    ('{"name": "  ", "type": "Person"}', "empty name"),
])
def test_bad_gazetteer_lines_name_the_file_and_line(line, message):
    with pytest.raises(ConfigError, match=f"mine.jsonl:2: {message}"):
        parse_lines(['{"name": "Ok", "type": "Person"}', line], "mine.jsonl")


def test_missing_user_gazetteer_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read gazetteer"):
        load_gazetteer(str(tmp_path / "absent.jsonl"))
