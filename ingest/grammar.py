"""Small dependency-tree helpers shared by reference resolution and the rules."""
from __future__ import annotations

from bisect import bisect_right

from ingest.lexicon import HEDGES


def sentence(t):
    """The sentence of a token, like `t.sent`, from a table built once per Doc: spaCy works
    `t.sent` out by walking the tokens, which costs a sentence's length on every call."""
    doc = t.doc
    table = doc.user_data.get("kg.sents")
    if table is None:
        sents = list(doc.sents)
        table = doc.user_data["kg.sents"] = ([s.start for s in sents], sents)
    starts, sents = table
    return sents[bisect_right(starts, t.i) - 1]


def sentence_ents(sent) -> list:
    """The named-entity spans whose root lies in a sentence, like `sent.ents` (which scans
    every entity of the Doc on each call), from a table built once per Doc."""
    doc = sent.doc
    table = doc.user_data.get("kg.sent_ents")
    if table is None:
        table = doc.user_data["kg.sent_ents"] = {}
        for ent in doc.ents:
            table.setdefault(sentence(ent.root).start, []).append(ent)
    return table.get(sent.start, [])


def conjuncts(t) -> list:
    out, stack = [], [t]
    while stack:
        cur = stack.pop()
        for c in cur.children:
            if c.dep_ == "conj":
                out.append(c)
                stack.append(c)
    return out


def preps_of(t, words: tuple[str, ...] | None = None):
    """Objects of prepositions under t, coordinated ones too: (preposition, object token)."""
    stack = [p for p in t.children if p.dep_ in ("prep", "agent", "dative")
             or (p.dep_ == "conj" and p.pos_ == "ADP")]  # "competes with A, and with B"
    # "competes with A, whose chips lead, and with B": the second phrase hangs on the clause
    seen = {p.lower_ for p in stack}
    clauses = [c for c in t.children if c.dep_ in ("ccomp", "relcl", "advcl") and c.i > t.i]
    clauses += [cl for p in stack for o in p.children if o.dep_ == "pobj"
                for cl in o.children if cl.dep_ == "relcl"]
    stack += [c for cl in clauses for c in cl.children
              if c.pos_ == "ADP" and c.lower_ in seen and c.i > cl.i and (
                  c.dep_ == "conj" or (c.dep_ == "prep" and c.nbor(-1).lower_ in ("and", "or")))]
    while stack:
        p = stack.pop(0)
        stack += [c for c in p.children if c.dep_ == "conj" and c.pos_ == "ADP"]
        if words is None or p.lower_ in words:
            for o in p.children:
                if o.dep_ in ("pobj", "pcomp"):
                    yield p.lower_, o


def is_passive(v) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in v.children) or (
        v.tag_ == "VBN" and v.dep_ in ("acl", "amod") )


def hedged(v) -> bool:
    """A trigger under negation, a modal, or a verb of intent or report."""
    cur, hops = v, 0
    while True:
        for c in cur.children:
            if c.dep_ == "neg" or (c.dep_ in ("aux", "advmod", "mark") and c.lower_ in HEDGES):
                return True
        if cur.lemma_.lower() in HEDGES or (cur.lower_ == "talks"):
            return True
        if cur.dep_ in ("xcomp", "ccomp", "acl", "advcl", "pcomp", "pobj", "prep", "dobj") and hops < 4 \
                and cur.head.i != cur.i:
            cur, hops = cur.head, hops + 1
        else:
            return False


def np_hedged(n) -> bool:
    """Hedging for a fact stated inside a noun phrase ("Google's Chrome browser", "Y, the CEO
    of X"): such facts are presupposed, so the clause's modality does not touch them, except
    when the phrase is itself what a copula asserts ("Y could be the CEO of X")."""
    if n.dep_ == "attr" or (n.dep_ == "pobj" and n.head.lower_ == "as"):
        return hedged(n)
    return False


def lemma_of(t) -> str:
    """The lower-case lemma, with "co-founded" and friends mapped to "co-found"."""
    low = t.lower_
    if low.startswith("co-found"):
        return "co-found"
    if low in ("co-led", "co-lead", "co-leads", "co-leading"):
        return "lead"
    return t.lemma_.lower()


def noun_verb(t) -> bool:
    """A verb the tagger took for a noun: 'Google, Meta and Anthropic use ...' (ROOT noun),
    'Mistral competes with OpenAI' (a plural-looking noun with the name hanging on it)."""
    if t.pos_ != "NOUN":
        return False
    if t.dep_ == "ROOT":
        return any(c.dep_ in ("dobj", "prep", "nsubj", "compound") for c in t.children)
    return t.tag_ == "NNS" and t.lower_.endswith("s") and any(
        c.dep_ in ("amod", "compound", "nsubj") and c.i < t.i and c.pos_ in ("PROPN", "ADJ")
        for c in t.children) and any(c.dep_ == "prep" for c in t.children)
