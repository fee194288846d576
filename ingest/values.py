"""Dates and money amounts from NER spans, normalised for the graph ("in March 2025" -> 2025-03)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_SCALE = {"thousand": 10**3, "k": 10**3, "million": 10**6, "m": 10**6, "mn": 10**6,
          "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12}
_CURRENCY = {"$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
             "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
             "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
             "¥": "JPY", "yen": "JPY", "jpy": "JPY", "yuan": "CNY", "rmb": "CNY", "cny": "CNY",
             "won": "KRW", "krw": "KRW", "rupees": "INR", "inr": "INR"}


def parse_date(text: str) -> tuple[str, str] | None:
    """(lexical form, XSD type) for 'January 20, 2025', 'March 2025', 'in 2021', '2024-05-01'.

    >>> parse_date("January 20, 2025"), parse_date("March 2025"), parse_date("2021")
    (('2025-01-20', 'date'), ('2025-03', 'gYearMonth'), ('2021', 'gYear'))
    >>> parse_date("last week") is None
    True
    """
    t = text.strip().lower()
    if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", t):
        return f"{m[1]}-{m[2]}-{m[3]}", "date"
    month = next((n for name, n in _MONTHS.items() if re.search(rf"\b{name}[a-z]*\.?", t)), None)
    year = re.search(r"\b(19[5-9]\d|20\d\d)\b", t)
    if not year:
        return None
    y = year[1]
    if month:
        day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d)", t.replace(y, ""))
        if day and 1 <= int(day[1]) <= 31:
            return f"{y}-{month:02d}-{int(day[1]):02d}", "date"
        return f"{y}-{month:02d}", "gYearMonth"
    if re.fullmatch(r"(?:in |since |by |from |the year )?(?:early |late |mid-?)?\d{4}s?", t) and not t.endswith("s"):
        return y, "gYear"
    return None


def parse_money(text: str) -> tuple[Decimal, str] | None:
    """(amount, ISO currency) for '$6.6 billion', '€1.3 billion', '500 million yuan'.

    >>> parse_money("$6.6 billion"), parse_money("€105 million")
    ((Decimal('6600000000'), 'USD'), (Decimal('105000000'), 'EUR'))
    >>> parse_money("a fortune") is None
    True
    """
    t = text.strip().lower().replace(",", "")
    m = re.search(r"(us\$|\$|€|£|¥)?\s*(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|bn|mn|tn|k|m|b)?"
                  r"\b\s*([a-z$€£¥]+)?", t)
    if not m:
        return None
    try:
        amount = Decimal(m[2])
    except InvalidOperation:
        return None
    if m[3]:
        amount *= _SCALE[m[3]]
    cur = _CURRENCY.get(m[1] or "") or _CURRENCY.get(m[4] or "")
    if cur is None:
        return None
    if amount == amount.to_integral():
        amount = amount.quantize(Decimal(1))
    return amount, cur
