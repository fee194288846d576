"""Extraction: spaCy doc -> resolved entities and relations with evidence (extractor rules.v1)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ingest import nlp as nlp_stage
from ingest.gazetteer import Gazetteer, load_gazetteer
from ingest.grammar import sentence_ents
from ingest.mentions import _is_heading, find_mentions, resolve
from ingest.rules import RULESET, Frame, Rules
from ingest.values import parse_date, parse_money
from kg.iri import entity_iri
from kg.model import Article, Entity, Extraction, Mention, Relation
from kg.vocab import SYMMETRIC, root

MONEY_PREDICATES = {"funds", "acquires", "partners_with"}
MAX_MENTIONS = 10_000  # per article; a news article has tens to hundreds


def _values(doc, sent, found) -> tuple[str | None, str | None, str | None]:
    """Date and money stated in the clause of the fact's trigger ("founded in 2021",
    "led a $6.6 billion round"); nothing when the trigger's clause has none."""
    if found.anchor is None:
        return None, None, None
    anchor = doc[found.anchor]
    clause = anchor
    while clause.pos_ not in ("VERB", "AUX") and clause.dep_ not in ("ROOT",) and clause.head.i != clause.i:
        clause = clause.head
    span = range(clause.left_edge.i, clause.right_edge.i + 1)
    date = amount = currency = None
    for ent in sentence_ents(sent):
        if ent.root.i not in span:
            continue
        if ent.label_ == "DATE" and date is None:
            got = parse_date(ent.text)
            date = got[0] if got else None
        elif ent.label_ == "MONEY" and amount is None and found.predicate in MONEY_PREDICATES:
            got = parse_money(ent.text)
            if got:
                amount, currency = str(got[0]), got[1]
    return date, amount, currency


class RuleExtractor:
    """The built-in extractor: dependency rules over a spaCy pipeline plus the gazetteer."""

    name = RULESET

    def __init__(self, model: str | None = None, gazetteer: Gazetteer | None = None,
                 batch_size: int = 32, max_mentions: int = MAX_MENTIONS):
        self.model = model
        self.gazetteer = gazetteer or load_gazetteer()
        self.batch_size = batch_size
        self.max_mentions = max_mentions

    @property
    def nlp(self):
        return nlp_stage.load(self.model)

    def extract(self, article: Article) -> Extraction:
        return next(iter(self.extract_many([article])))

    def extract_many(self, articles: Iterable[Article], n_process: int = 1) -> Iterator[Extraction]:
        """Extractions in input order; spaCy parses in batches. A text longer than the
        pipeline's max_length is parsed in pieces (nlp_stage.split_text) joined back into one
        Doc, so offsets still refer to the article text."""
        from spacy.tokens import Doc

        nlp = self.nlp

        def pieces():
            for a in articles:
                parts = nlp_stage.split_text(a.text, nlp.max_length)
                for i, part in enumerate(parts):
                    yield part, (a, i == len(parts) - 1)

        docs = []
        for doc, (article, last) in nlp.pipe(pieces(), as_tuples=True, batch_size=self.batch_size,
                                             n_process=n_process):
            docs.append(doc)
            if last:
                whole = docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)
                docs = []
                yield self.from_doc(whole, article)

    def from_doc(self, doc, article: Article) -> Extraction:
        spans = find_mentions(doc, self.gazetteer)
        warnings = ()
        if len(spans) > self.max_mentions:
            # a list of names, a scraped index page, or an attack: keep the first mentions in
            # text order, so the graph, the store and the explorer stay bounded
            warnings = (f"{len(spans):,} entity mentions, over the cap of {self.max_mentions:,} "
                        f"per article: kept the first {self.max_mentions:,}",)
            spans = spans[:self.max_mentions]
        res = resolve(doc, spans, self.gazetteer)
        classes = {k: e["cls"] for k, e in res.entities.items()}
        places = {e["canonical"]: k for k, e in res.entities.items() if root(e["cls"]) == "Place"}
        makers = {}  # "the ChatGPT maker" is OpenAI where the article names OpenAI
        for key in res.entities:
            entry = self.gazetteer.by_key(key)
            maker = self.gazetteer.lookup(entry.developer) if entry and entry.developer else None
            if maker is not None and maker.key in res.entities:
                makers[key] = maker.key
        frame = Frame(doc, res.token_entity, classes, places, makers)
        rules = Rules(frame)
        evidence: list[Relation] = []
        for sent in doc.sents:
            if _is_heading(sent):
                continue  # headlines parse badly; their facts are restated in the body
            seen = set()
            for f in rules.run(sent):
                if f.hedged:
                    continue
                s, o = f.subject, f.object
                if f.predicate in SYMMETRIC and s > o:
                    s, o = o, s
                if (s, f.predicate, o) in seen:
                    continue
                seen.add((s, f.predicate, o))
                text = sent.text
                lead = len(text) - len(text.lstrip())
                text = text.strip()
                date, amount, currency = _values(doc, sent, f)
                rel = Relation(s, f.predicate, o, text, sent.start_char + lead,
                               sent.start_char + lead + len(text), f.rule, f.confidence,
                               date, amount, currency)
                evidence.append(rel)
        entities = []
        for key, e in res.entities.items():
            forms = sorted(e["forms"], key=lambda f: (-len(f), -e["forms"][f], f))
            entry = self.gazetteer.by_key(key)
            name = entry.name if entry else forms[0]
            entities.append(Entity(key=key, name=name, cls=e["cls"],
                                   aliases=tuple(f for f in forms if f != name),
                                   iri=entity_iri(name, e["cls"]),
                                   wikidata=entry.wikidata if entry else None,
                                   text_name=forms[0]))
        mentions = tuple(Mention(s.text, doc[s.start].idx, doc[s.start].idx + len(s.text), s.cls, key)
                         for s, key in res.spans)
        return Extraction(article, tuple(entities), mentions, tuple(evidence), warnings)
