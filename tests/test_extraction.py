"""Extraction: facts from varied phrasings, hedges left out, entity typing, and the quality gate."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.api import KnowledgeGraph
from kg.cli import extraction_json
from kg.evaluate import Score, load_gold, score_document
from kg.model import Article

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev"
SAMPLES = ROOT / "samples"

# the bars: a change that drops extraction below them fails CI
DEV_RELATION_F1 = 0.95
DEV_ENTITY_F1 = 0.90
SAMPLES_RELATION_F1 = 0.75
SAMPLES_ENTITY_F1 = 0.91


@pytest.fixture(scope="module")
def kg():
    return KnowledgeGraph.memory()


def named_facts(ex) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) by each entity's fullest name in the article."""
    name = {e.key: e.text_name for e in ex.entities}
    return {(name[r.subject], r.predicate, name[r.object]) for r in ex.relations}


def facts(kg, text: str) -> set[tuple[str, str, str]]:
    return named_facts(kg.extractor.extract(Article(id="t", text=text)))


@pytest.mark.parametrize("text, expected", [
    ("Mistral AI, backed by Andreessen Horowitz, released a new model.",
     ("Andreessen Horowitz", "funds", "Mistral AI")),
    ("Thrive Capital led a $6.6 billion round in OpenAI.", ("Thrive Capital", "funds", "OpenAI")),
    ("Microsoft invested $13 billion in OpenAI.", ("Microsoft", "funds", "OpenAI")),
    ("Cohere raised $500 million from Nvidia.", ("Nvidia", "funds", "Cohere")),
    ("Anthropic, a startup founded by Dario Amodei and Daniela Amodei, builds AI.",
     ("Daniela Amodei", "founded", "Anthropic")),
    ("Inflection AI was founded by Mustafa Suleyman in 2022.",
     ("Mustafa Suleyman", "founded", "Inflection AI")),
    ("OpenAI's chief executive Sam Altman spoke on Monday.", ("Sam Altman", "leads", "OpenAI")),
    ("Nvidia CEO Jensen Huang spoke at the event.", ("Jensen Huang", "leads", "Nvidia")),
    ("Arthur Mensch, the chief executive of Mistral AI, spoke in Paris.",
     ("Arthur Mensch", "leads", "Mistral AI")),
    ("Yann LeCun is the chief AI scientist at Meta.", ("Yann LeCun", "works_for", "Meta")),
    ("Microsoft agreed to acquire Activision Blizzard in 2022.",
     ("Microsoft", "acquires", "Activision Blizzard")),
    ("DeepMind, a subsidiary of Alphabet, is based in London.", ("Alphabet", "owns", "DeepMind")),
    ("The Paris-based Mistral AI released a model.", ("Mistral AI", "located_in", "Paris")),
    ("Cohere, which is headquartered in Toronto, sells models.", ("Cohere", "located_in", "Toronto")),
    ("Google and Anthropic announced a partnership on cloud computing.",
     ("Anthropic", "partners_with", "Google")),
    ("The Paris-based Mistral AI competes with OpenAI.", ("Mistral AI", "competes_with", "OpenAI")),
    ("Google, Meta and Anthropic use Nvidia's H100 chips.", ("Meta", "uses", "H100")),
    ("Google, Meta and Anthropic use Nvidia's H100 chips.", ("Nvidia", "develops", "H100")),
    ("Amazon has invested in Anthropic. The company uses Amazon's Trainium chips to train its "
     "Claude models.", ("Anthropic", "develops", "Claude")),
    ("Ilya Sutskever co-founded Safe Superintelligence with Daniel Gross.",
     ("Daniel Gross", "founded", "Safe Superintelligence")),
    ("Cohere raised $270 million in a round led by Inovia Capital.", ("Inovia Capital", "funds", "Cohere")),
    ("PSP Investments led a $500 million round that valued Cohere at $5.5 billion.",
     ("PSP Investments", "funds", "Cohere")),
    ("Runway raised money in a round led by General Atlantic, with Nvidia and SoftBank participating.",
     ("SoftBank", "funds", "Runway")),
    ("Zhipu AI counts Alibaba and Tencent among its investors.", ("Tencent", "funds", "Zhipu AI")),
    ("Microsoft took a minority stake in G42.", ("Microsoft", "funds", "G42")),
    ("Clement Delangue, Hugging Face's chief executive, spoke.", ("Clement Delangue", "leads", "Hugging Face")),
    ("Mira Murati, OpenAI's former chief technology officer, started a lab.",
     ("Mira Murati", "works_for", "OpenAI")),
    ("Nvidia dominates. Rivals AMD and Intel are racing to catch up.", ("Intel", "competes_with", "Nvidia")),
    ("OpenAI signed an $11.9 billion, five-year contract with CoreWeave.",
     ("CoreWeave", "partners_with", "OpenAI")),
    ("OpenAI's DALL-E 3 image model is built into ChatGPT.", ("ChatGPT", "uses", "DALL-E 3")),
    ("Mistral AI runs its Le Chat assistant on Cerebras' CS-3 systems.", ("Le Chat", "uses", "CS-3")),
    ("Google DeepMind, the Alphabet unit, builds Gemini.", ("Alphabet", "owns", "Google DeepMind")),
    ("In January 2025 ByteDance released Doubao-1.5-pro.", ("ByteDance", "develops", "Doubao-1.5-pro")),
    ("Apple launched a chip. Apple Intelligence runs on Apple's own chips, such as the M4.",
     ("Apple Intelligence", "uses", "M4")),
    ("Anthropic was started by Dario Amodei and Daniela Amodei, siblings who both worked at OpenAI.",
     ("Daniela Amodei", "works_for", "OpenAI")),
    ("Mati Staniszewski and Piotr Dabkowski grew up in Poland. ElevenLabs, the voice AI company "
     "they founded in 2022, is based in London.", ("Piotr Dabkowski", "founded", "ElevenLabs")),
    ("DeepMind was founded in London in 2010.", ("DeepMind", "located_in", "London")),
    ("SK Hynix makes memory. The Icheon-based chipmaker supplies Nvidia.", ("SK Hynix", "located_in", "Icheon")),
    ("Figure AI builds robots. Figure, whose chief executive is Brett Adcock, introduced its Figure 02 robot.",
     ("Brett Adcock", "leads", "Figure AI")),
    ("Figure AI raised $675 million from Microsoft. Intel Capital also joined.",
     ("Intel Capital", "funds", "Figure AI")),
    ("OpenAI will deploy six gigawatts of AMD Instinct graphics processors.", ("OpenAI", "uses", "Instinct")),
    ("Meta has invested $14.3 billion in Scale AI and hired its founder Alexandr Wang.",
     ("Alexandr Wang", "founded", "Scale AI")),
    ("OpenAI will deploy six gigawatts of AMD Instinct graphics processors.", ("AMD", "develops", "Instinct")),
    ("Nvidia invested $5 billion in Intel. The two longtime rivals announced a partnership to develop chips.",
     ("Intel", "partners_with", "Nvidia")),
    ("In 2025 Stability AI partnered with Arm to bring its model to phones.",
     ("Arm", "partners_with", "Stability AI")),
    ("Apple said its Apple Foundation Model, or AFM, was trained on Google's Tensor Processing Units.",
     ("Apple Foundation Model", "uses", "Tensor Processing Units")),
    ("Cerebras, a Sunnyvale, California-based chipmaker, builds the CS-3.", ("Cerebras", "located_in", "Sunnyvale")),
    # funding stated without a funding verb on the funder
    ("Poolside raised $500 million in October, with Nvidia and eBay taking part.", ("eBay", "funds", "Poolside")),
    ("Glean raised $260 million. More money followed, with Kleiner Perkins among the new investors.",
     ("Kleiner Perkins", "funds", "Glean")),
    ("Harvey got fresh funding from investors including Sequoia and GV.", ("GV", "funds", "Harvey")),
    ("A $100 million round co-led by Accel and Index Ventures valued Synthesia at $1 billion.",
     ("Index Ventures", "funds", "Synthesia")),
    ("Reka closed a Series A in which Snowflake took part.", ("Snowflake", "funds", "Reka")),
    ("Salesforce made a small investment in Hugging Face.", ("Salesforce", "funds", "Hugging Face")),
    ("Alphabet committed another $1 billion to Anthropic.", ("Alphabet", "funds", "Anthropic")),
    ("Microsoft-backed OpenAI opened an office in Tokyo.", ("Microsoft", "funds", "OpenAI")),
    # founders named in relative clauses and lists
    ("Mistral AI, the Paris company Arthur Mensch founded in 2023, grew fast.",
     ("Arthur Mensch", "founded", "Mistral AI")),
    ("Black Forest Labs is a German startup that Robin Rombach co-founded with Andreas Blattmann.",
     ("Andreas Blattmann", "founded", "Black Forest Labs")),
    ("Anysphere was co-founded by Michael Truell, now its chief executive, together with Sualeh Asif.",
     ("Sualeh Asif", "founded", "Anysphere")),
    ("Luma AI was founded by Amit Jain, Alberto Taiuti and Alex Yu.", ("Alberto Taiuti", "founded", "Luma AI")),
    # employment
    ("Arthur Mensch and Timothée Lacroix came from Google's research lab.",
     ("Arthur Mensch", "works_for", "Google")),
    ("Aidan Gomez, who previously ran Google's operations in Toronto, founded Cohere.",
     ("Aidan Gomez", "works_for", "Google")),
    ("Jan Leike, a former executive at OpenAI, joined Anthropic.", ("Jan Leike", "works_for", "OpenAI")),
    # rivals and places
    ("Mistral AI competes with OpenAI, whose GPT models lead the market, and with Anthropic.",
     ("Anthropic", "competes_with", "Mistral AI")),
    ("Kuaishou and ByteDance are rivals in video generation.", ("ByteDance", "competes_with", "Kuaishou")),
    ("Aleph Alpha is based in Heidelberg and also has offices in Berlin.", ("Aleph Alpha", "located_in", "Berlin")),
    ("Sarvam AI has become one of India's best-funded AI startups.", ("Sarvam AI", "located_in", "India")),
    # appointments
    ("Graphcore named Nigel Toon as its new chief executive.", ("Nigel Toon", "leads", "Graphcore")),
    ("Arm appointed Rene Haas chief executive in 2022.", ("Rene Haas", "leads", "Arm")),
    ("Lisa Su was named CEO of AMD in 2014.", ("Lisa Su", "leads", "AMD")),
    ("Jakub Pachocki was promoted to chief scientist at OpenAI.", ("Jakub Pachocki", "works_for", "OpenAI")),
    ("Mistral AI named Microsoft its preferred cloud partner.", ("Microsoft", "partners_with", "Mistral AI")),
    ("Nvidia has completed its acquisition of Mellanox, the Israeli networking company.",
     ("Nvidia", "acquires", "Mellanox")),
    # products named by what they are
    ("The startup Perplexity released Comet, an AI-powered browser, in July.", ("Perplexity", "develops", "Comet")),
    ("Figure AI, maker of Figure 02, is a rival.", ("Figure AI", "develops", "Figure 02")),
])
def test_phrasings(kg, text, expected):
    assert expected in facts(kg, text)


def test_product_epithet_resolves_to_its_maker_only_when_named(kg):
    named = facts(kg, "OpenAI raised $40 billion. SoftBank led the round, which values the ChatGPT "
                      "maker at $300 billion.")
    assert ("OpenAI", "develops", "ChatGPT") in named
    assert ("SoftBank", "develops", "ChatGPT") not in named
    unnamed = facts(kg, "SoftBank led a round that values the ChatGPT maker at $300 billion.")
    assert not any(p == "develops" for _s, p, _o in unnamed)


def test_who_after_a_list_means_the_last_name(kg):
    got = facts(kg, "Perplexity was founded by Aravind Srinivas, Johnny Ho and Andy Konwinski, "
                    "who co-founded Databricks.")
    assert ("Andy Konwinski", "founded", "Databricks") in got
    assert ("Johnny Ho", "founded", "Databricks") not in got


@pytest.mark.parametrize("text", [
    "Meta is reportedly in talks to acquire Scale AI.",
    "Apple denied plans to buy Perplexity.",
    "Microsoft could invest in Mistral AI next year.",
    "Amazon did not acquire Anthropic.",
    "Google has not confirmed reports that it would buy Character.AI.",
    "Nvidia may invest in xAI, people familiar with the matter said.",
    "Microsoft's planned takeover of Nuance Communications drew scrutiny.",
    "OpenAI is in talks to make an investment in Cerebras.",
])
def test_hedged_statements_are_not_facts(kg, text):
    rels = facts(kg, text)
    assert not {r for r in rels if r[1] in ("acquires", "funds")}, rels


def test_entity_typing_from_gazetteer_and_context(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "Nvidia unveiled the Rubin chip. Zhipu AI released its Orion9 models. "
        "Liang Wenfeng runs the hedge fund High-Flyer.")))
    types = {e.text_name: e.cls for e in ex.entities}
    assert types["Nvidia"] == "Company"
    assert types["High-Flyer"] == "Investor"
    assert types["Orion9"] == "AIModel"         # not in the gazetteer: typed by "models"
    assert types["Liang Wenfeng"] == "Person"


def test_no_junk_entities(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "#AIRevolution American tech giants fear Chinese AI.\n"
        "The S&P 500 fell as AI stocks slid.")))
    names = {e.text_name for e in ex.entities}
    assert not names & {"AI", "American", "Chinese", "S&P 500", "AIRevolution"}, names


def test_short_name_resolves_to_full_name(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "Demis Hassabis co-founded DeepMind in 2010. Hassabis later won a Nobel prize.")))
    people = [e for e in ex.entities if e.cls == "Person"]
    assert len(people) == 1 and people[0].name == "Demis Hassabis"


def _score(kg, folder: Path) -> Score:
    gold = load_gold(folder)
    score = Score()
    for (g, _text), ex in zip(gold, kg.extract([t for _, t in gold]), strict=False):
        score_document(g, extraction_json(ex), score)
    return score


@pytest.mark.skipif(not DEV.is_dir(), reason="shared/eval/dev not present")
def test_dev_set_gate(kg):
    score = _score(kg, DEV)
    assert score.relations.f1 >= DEV_RELATION_F1, score.missed + score.false
    assert score.entities.f1 >= DEV_ENTITY_F1


@pytest.mark.skipif(not DEV.is_dir(), reason="shared/eval/dev not present")
def test_dev_set_headline_facts(kg):
    found = set()
    for ex in kg.extract(sorted(DEV.glob("*.txt"))):
        found |= named_facts(ex)
    assert ("Liang Wenfeng", "founded", "DeepSeek") in found
    assert ("High-Flyer", "funds", "DeepSeek") in found
    assert ("OpenAI", "partners_with", "SoftBank") in found or ("SoftBank", "partners_with", "OpenAI") in found


def test_samples_gate(kg):
    score = _score(kg, SAMPLES)
    assert score.documents >= 15
    assert score.relations.f1 >= SAMPLES_RELATION_F1, score.missed + score.false
    assert score.entities.f1 >= SAMPLES_ENTITY_F1


def test_headline_title_case_does_not_grow_names(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "How China's DeepSeek Redefined AI Competition\n\nDeepSeek released R1 in January.")))
    assert {e.text_name for e in ex.entities if e.cls != "Country"} == {"DeepSeek", "R1"}


@pytest.mark.parametrize("text", [
    "A deal with the chipmaker.",                 # a noun as sentence root, a definite description
    "Nvidia. The company. Its chips. The maker of the H100.",
    "With the startup and its rival.",
])
def test_fragments_terminate(kg, text):
    # regression: identity checks on spaCy tokens (`tok.head is tok`) never hold, which once
    # made reference resolution loop forever on sentences whose root is not a verb
    kg.extractor.extract(Article(id="t", text=text))


def test_events_are_not_organisations(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "Nvidia unveiled Blackwell at its annual GTC developer conference. "
        "Jensen Huang spoke at GTC for two hours.")))
    assert "GTC" not in {e.text_name for e in ex.entities}
