"""Dates and money on facts: parsing, extraction from the fact's own clause, storage, display."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.values import parse_date, parse_money
from kg.api import KnowledgeGraph
from kg.model import Article


@pytest.mark.parametrize("text, expected", [
    ("January 20, 2025", ("2025-01-20", "date")),
    ("Oct. 6, 2025", ("2025-10-06", "date")),
    ("March 2025", ("2025-03", "gYearMonth")),
    ("2021", ("2021", "gYear")),
    ("in 2014", ("2014", "gYear")),
    ("last week", None),
    ("the 1990s", None),
    ("March", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("$6.6 billion", (Decimal("6600000000"), "USD")),
    ("€1.3 billion", (Decimal("1300000000"), "EUR")),
    ("about $13 billion", (Decimal("13000000000"), "USD")),
    ("500 million yuan", (Decimal("500000000"), "CNY")),
    ("49%", None),
    ("a fortune", None),
])
def test_parse_money(text, expected):
    assert parse_money(text) == expected


@pytest.fixture(scope="module")
def kg():
    kg = KnowledgeGraph.memory()
    kg.ingest_text("Thrive Capital led a $6.6 billion round in OpenAI in October 2024. "
                   "Anthropic was founded in 2021 by Dario Amodei. "
                   "Google acquired DeepMind in 2014 for $500 million.", title="Deals")
    return kg


def test_facts_carry_their_own_date_and_amount(kg):
    ex = kg.extractor.extract(Article(id="t", text="Anthropic was founded in 2021 by Dario Amodei. "
                                      "Microsoft invested $10 billion in OpenAI in January 2023."))
    by_pred = {r.predicate: r for r in ex.relations}
    assert by_pred["founded"].date == "2021" and by_pred["founded"].amount is None
    assert (by_pred["funds"].date, by_pred["funds"].amount, by_pred["funds"].currency) == (
        "2023-01", "10000000000", "USD")


def test_no_date_borrowed_from_another_clause(kg):
    ex = kg.extractor.extract(Article(id="t", text=(
        "In 2019 the market was small, and Nvidia develops the H100 chip.")))
    assert [r.date for r in ex.relations if r.predicate == "develops"] == [None]


def test_dates_and_amounts_are_stored_typed_and_shown(kg):
    rows = kg.query("""SELECT ?date ?amount ?cur WHERE { ?x rdf:predicate kg:funds ; kg:date ?date ;
                       kg:amount ?amount ; kg:currency ?cur }""")
    assert rows == [{"date": "2024-10", "amount": 6.6e9, "cur": "USD"}]
    dtype = kg.query("SELECT (DATATYPE(?d) AS ?t) WHERE { ?x rdf:predicate kg:founded ; kg:date ?d }")
    assert dtype[0]["t"].endswith("#gYear")
    fact = next(f for f in kg.entity("DeepMind")["facts"] if f["predicate"] == "acquires")
    assert (fact["date"], fact["amount"], fact["currency"]) == ("2014", 5e8, "USD")
    assert kg.validate() == []


def test_entity_command_prints_dates_and_money(kg, tmp_path, capsys):
    from kg.cli import main

    store = tmp_path / "s"
    with KnowledgeGraph.open(store) as disk:
        disk.ingest_text("Thrive Capital led a $6.6 billion round in OpenAI in October 2024.")
    assert main(["entity", "OpenAI", "--store", str(store)]) == 0
    assert "2024-10, USD 6.6 billion" in capsys.readouterr().out
