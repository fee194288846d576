"""Data types passed between pipeline stages: Article, Mention, Entity, Relation, Extraction."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article after reading and cleaning."""

    id: str                      # kg.iri.article_id: from the canonical URL, else the normalised text
    text: str                    # cleaned text given to the NLP stage
    title: str | None = None
    url: str | None = None        # canonical URL (kg.iri.canonical_url)
    published: str | None = None  # ISO 8601 date or date-time
    source: str | None = None     # where it was read from (a path, "feed.xml#3", "data.jsonl:7", a URL)
    author: str | None = None
    site: str | None = None       # name of the site or feed that published it


@dataclass(frozen=True)
class Mention:
    """A span of the article text that names an entity."""

    text: str
    start: int   # character offsets into Article.text
    end: int
    cls: str     # ontology class local name, e.g. "AILab"
    key: str     # resolution key of the entity this mention refers to


@dataclass(frozen=True)
class Entity:
    """A resolved entity: one canonical name and class, the surface forms seen."""

    key: str                  # family + normalised canonical name; one entity per key
    name: str                 # canonical name (the fullest form the text uses, or the gazetteer's)
    cls: str                  # most specific ontology class known
    aliases: tuple[str, ...] = ()
    iri: str = ""
    wikidata: str | None = None
    text_name: str = ""       # the fullest form this article uses (what `kg extract` prints)


@dataclass(frozen=True)
class Relation:
    """A typed fact between two entities, with the evidence that states it."""

    subject: str              # Entity.key
    predicate: str            # snake_case name from SCHEMA.md, e.g. "partners_with"
    object: str               # Entity.key
    sentence: str             # the evidence sentence
    start: int                # character offsets of the sentence in Article.text
    end: int
    rule: str                 # id of the rule that produced it, e.g. "rules.v1/poss-develops"
    confidence: float
    date: str | None = None       # when it happened, as the text says: "2021", "2025-03", "2025-01-20"
    amount: str | None = None     # money involved (funding, acquisition), a decimal string
    currency: str | None = None   # ISO 4217 code of the amount


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one article."""

    article: Article
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = ()   # what was left out, e.g. mentions over the extractor's cap

    def entity(self, key: str) -> Entity:
        for e in self.entities:
            if e.key == key:
                return e
        raise KeyError(key)
