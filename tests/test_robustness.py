"""Extraction terminates and never raises on arbitrary word salad (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.api import KnowledgeGraph
from kg.model import Article

WORDS = ["OpenAI", "Nvidia", "Sam Altman", "Liang", "its", "it", "the company", "the lab",
         "whose", "who", "which", "and", "with", "of", "'s", ",", ".", "founded", "acquired",
         "backed by", "CEO", "chief executive", "rival", "round", "led", "in", "2021", "$5 billion",
         "H100", "chips", "model", "R1", "-based", "Paris", "Chinese", "not", "could", "\n",
         "partnership", "between", "the", "a", "as", "said", "he", "they", "including", "Figure AI",
         "Figure", "Figure 02", "both", "two", "companies", "startups", "-", "whose"]


@pytest.fixture(scope="module")
def kg():
    return KnowledgeGraph.memory()


@pytest.mark.parametrize("text", ["it it led it", "its its its", "the company said the company"])
def test_self_referring_pronouns_terminate(kg, text):
    # regression: pronouns whose resolution leads back to themselves once recursed forever
    kg.extractor.extract(Article(id="t", text=text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
def test_word_salad_terminates(kg, words):
    text = " ".join(words)
    ex = kg.extractor.extract(Article(id="t", text=text))
    for r in ex.relations:
        assert 0 <= r.start <= r.end <= len(text)
        assert text[r.start:r.end] == r.sentence
