"""Deterministic IRIs for entities, articles and assertion nodes."""
from __future__ import annotations

import hashlib
import re
import unicodedata

from kg.vocab import ARTICLE, ASSERTION, FAMILY, ID, root

_PLAIN = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def normalise_name(name: str) -> str:
    """The form two names must share to denote one entity: NFC, case-folded, single spaces."""
    name = unicodedata.normalize("NFC", name).replace("\u2019", "'")
    return " ".join(name.casefold().split())


def slug(name: str) -> str:
    """A readable, injective IRI segment for a name.

    >>> slug("Liang Wenfeng")
    'liang-wenfeng'
    >>> slug("High-Flyer") == slug("High Flyer")
    False
    """
    key = normalise_name(name)
    if _PLAIN.fullmatch(key):
        return key.replace(" ", "-")
    ascii_ = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:60] or "x"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}--{digest}"  # plain names never contain "--"


def entity_key(name: str, cls: str) -> str:
    """Resolution key: one entity per (type family, normalised canonical name)."""
    return f"{FAMILY[root(cls)]}/{normalise_name(name)}"


def entity_iri(name: str, cls: str) -> str:
    return f"{ID}{FAMILY[root(cls)]}/{slug(name)}"


def article_iri(article_id: str) -> str:
    return ARTICLE + article_id


def assertion_iri(article_id: str, subject: str, predicate: str, obj: str, start: int) -> str:
    raw = "\x1f".join((article_id, subject, predicate, obj, str(start)))
    return ASSERTION + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def text_id(text: str) -> str:
    """Article id from its normalised text (used when there is no canonical URL)."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]
