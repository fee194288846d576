"""Entity mentions: gazetteer and NER spans, cleaned, typed from context, resolved per article."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ingest.gazetteer import Gazetteer
from ingest.grammar import preps_of, sentence
from ingest.lexicon import DEMONYMS, MAKER_EPITHETS
from kg.iri import entity_key, normalise_name
from kg.vocab import CLASS_PARENT, root

NER_CLASS = {"PERSON": "Person", "ORG": "Organization", "GPE": "Place", "LOC": "Place"}

# head nouns that type the name they modify or stand in apposition with
TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("model", "llm", "llms", "models", "series", "family"), "AIModel"),
    **dict.fromkeys(("chip", "chips", "gpu", "gpus", "cpu", "cpus", "processor", "processors", "accelerator",
                     "accelerators", "superchip", "superchips", "tpu", "tpus"), "Chip"),
    **dict.fromkeys(("supercomputer", "supercomputers", "cluster", "clusters"), "Supercomputer"),
    **dict.fromkeys(("system", "systems", "server", "servers"), "Hardware"),
    **dict.fromkeys(("lab", "labs", "laboratory"), "AILab"),
    **dict.fromkeys(("startup", "start-up", "company", "companies", "firm", "chipmaker",
                     "maker", "giant", "venture", "conglomerate", "corporation", "unicorn",
                     "subsidiary", "developer", "provider"), "Company"),
    **dict.fromkeys(("fund", "investor", "vc", "backer"), "Investor"),
    **dict.fromkeys(("university", "college", "institute"), "University"),
    **dict.fromkeys(("agency", "ministry", "regulator", "department", "commission",
                     "government"), "GovernmentBody"),
    **dict.fromkeys(("app", "chatbot", "assistant", "platform", "service", "browser", "phone",
                     "phones", "smartphone", "smartphones", "laptop", "laptops", "robot",
                     "robots", "humanoid"), "Product"),
    **dict.fromkeys(("city",), "City"),
    **dict.fromkeys(("country",), "Country"),
}
# words the statistical model often tags as names that are never entities here
STOP_NAMES = {normalise_name(s) for s in (
    "AI", "A.I.", "AGI", "LLM", "LLMs", "GPU", "GPUs", "CEO", "CTO", "API", "S&P", "S&P 500",
    "Nasdaq", "Dow", "Wall Street", "Reports", "Advertisement", "Conclusion", "Intresting",
    "Must", "Read", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday", "Western", "West", "East", "the West", "Big Tech", "Silicon Valley's",
    "GenAI", "Generative AI", "Open Source", "Industry", "Internet", "Web", "DRAM", "NAND",
    "CPU", "CPUs", "Gigawatt", "Gigawatts", "HBM", "Hedge",
)}
DEMONYM_WORDS = set(DEMONYMS) | {"western", "asian"}  # never names on their own
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those"}


@dataclass
class Span:
    """A mention under construction: token range, surface text and typing evidence."""

    start: int          # token indices in the doc
    end: int
    text: str
    cls: str
    source: str         # "gazetteer", "ner" or "context"
    key: str | None = None  # gazetteer key, when known
    heading: bool = False

    def tokens(self, doc):
        return doc[self.start:self.end]


@dataclass
class Resolved:
    """Entities of one article and the token -> entity map the relation rules use."""

    entities: dict[str, dict] = field(default_factory=dict)   # key -> {name, cls, aliases, ...}
    spans: list[tuple[Span, str]] = field(default_factory=list)  # (span, entity key)
    token_entity: dict[int, str] = field(default_factory=dict)   # token index -> entity key


def _is_heading(sent) -> bool:
    """A line that reads as a headline: no final stop, mostly capitalised words. Worked out
    once per sentence and kept on the Doc, so a sentence with thousands of names costs one look."""
    memo = sent.doc.user_data.setdefault("kg.heading", {})
    got = memo.get(sent.start)
    if got is None:
        text = sent.text.strip()
        if not text or text[-1] in ".!?\"')":
            got = False
        else:
            words = [t for t in sent if t.is_alpha and len(t) > 3]
            got = bool(words) and sum(t.is_title or t.is_upper for t in words) >= 0.6 * len(words)
        memo[sent.start] = got
    return got


def _trim(doc, start: int, end: int) -> tuple[int, int]:
    """Drop leading determiners and trailing possessives/punctuation from a token range; never
    run past the end of the first sentence ("Yi-34B. In")."""
    for i in range(start + 1, end):
        if doc[i].is_sent_start:
            end = i
            break
    while start < end and ((doc[start].lower_ in DETERMINERS and not (  # "half of A Holdings"
            doc[start].text == "A" and not doc[start].is_sent_start and end - start > 1))
            or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].lower_ in ("'s", "'")
                           or (doc[end - 1].is_punct and doc[end - 1].text not in ".)")
                           or doc[end - 1].is_space):
        end -= 1
    return start, end


EVENT_WORDS = {"conference", "summit", "event", "expo", "show", "keynote", "hackathon", "festival",
               "award", "awards", "prize"}


def _context_class(doc, start: int, end: int) -> str | None:
    """A class from the noun the name modifies or stands in apposition with, or from its own
    last word ("Grace CPU", "Tensor Processing Units")."""
    span = doc[start:end]
    r = span.root
    if end + 1 < len(doc) and doc[end].text == "-" and doc[end + 1].lower_ == "based":
        return "Place"  # "the Icheon-based chipmaker"
    last = doc[end - 1].lower_
    if end - start > 1 and last in TYPE_WORDS and root(TYPE_WORDS[last]) in ("Hardware", "AIModel") \
            and doc[end - 1].text not in ORG_SUFFIXES:  # "ZT Systems" is a company
        return TYPE_WORDS[last]
    if end - start > 2 and last in ("unit", "units") and doc[end - 2].lower_ == "processing":
        return "Chip"
    # "Colossus supercomputer", "Grok models", "Blackwell chips": name modifies a type word
    if r.dep_ in ("compound", "amod", "nmod") and r.head.lower_ in TYPE_WORDS:
        return TYPE_WORDS[r.head.lower_]
    if end < len(doc) and doc[end].lower_ in TYPE_WORDS and doc[end].dep_ != "appos" and \
            r.head.i == end:
        return TYPE_WORDS[doc[end].lower_]
    # "Stargate, a joint venture", "the lab, DeepSeek": apposition either way
    for child in r.children:
        if child.dep_ == "appos" and child.lower_ in TYPE_WORDS:
            return TYPE_WORDS[child.lower_]
    if r.dep_ == "appos" and r.head.lower_ in TYPE_WORDS:
        return TYPE_WORDS[r.head.lower_]
    # "Agility Robotics, maker of Digit": what a maker makes is a product
    if r.dep_ == "pobj" and r.head.lower_ == "of" and r.head.head.lemma_.lower() in MAKER_EPITHETS \
            and r.head.head.dep_ == "appos":
        return "Product"
    # "the startup Mistral": type word just before the name
    if start > 0 and doc[start - 1].lower_ in TYPE_WORDS and doc[start - 1].head.i == r.i:
        return TYPE_WORDS[doc[start - 1].lower_]
    return None


def _is_event(doc, start: int, end: int) -> bool:
    """'its GTC conference', 'the annual GTC developer conference'."""
    r = doc[start:end].root
    for _ in range(2):
        if r.dep_ not in ("compound", "nmod", "amod"):
            break
        r = r.head
        if r.lower_ in EVENT_WORDS:
            return True
    return any(t.lower_ in EVENT_WORDS for t in doc[end:end + 2])


GENERIC_MODIFIERS = {"graphics", "ai", "computing", "data", "server", "language", "reasoning",
                     "foundation", "frontier", "flagship", "video", "image", "open-source", "open"}
ORG_TAKING_VERBS = {"acquire", "buy", "purchase", "invest", "fund", "back", "found", "launch",
                    "establish", "join", "partner", "merge"}


def _selectional_class(r, ner_cls: str | None) -> str | None:
    """An organisation where the verb demands one: 'acquire Activision Blizzard' (NER: PERSON)."""
    v = r.head
    if ner_cls == "Place" and r.dep_ == "pobj" and v.dep_ == "agent" and \
            v.head.lemma_.lower() in ("lead", "back", "fund", "co-lead", "acquire"):
        return "Organization"  # "a round led by Disruptive"
    if ner_cls != "Person":
        return None
    if r.dep_ in ("dobj", "nsubjpass") and v.lemma_.lower() in ORG_TAKING_VERBS - {"join"}:
        return "Organization"
    if r.dep_ == "pobj" and v.lower_ in ("in", "into") and v.head.lemma_.lower() in ("invest", "stake"):
        return "Organization"
    return None


_MODEL_ID = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9.\-]*$")


def _candidate_names(doc, taken: set[int]) -> list[Span]:
    """Names the NER missed that a type word types: 'its Kimi models', 'the X200 chip'."""
    out = []
    for tok in doc:
        if tok.lemma_.lower() in MAKER_EPITHETS and tok.dep_ == "appos" \
                and not _is_heading(sentence(tok)):
            for _w, o in preps_of(tok, ("of",)):  # "Agility Robotics, maker of Digit"
                if o.i not in taken and o.pos_ == "PROPN" and o.text[:1].isupper() and not o.ent_type_ \
                        and normalise_name(o.text) not in STOP_NAMES:
                    s_ = min([c.i for c in o.children if c.dep_ == "compound"] + [o.i])
                    e_ = max([c.i for c in o.children if c.dep_ == "nummod" and c.i > o.i] + [o.i]) + 1
                    if not any(i in taken for i in range(s_, e_)):
                        out.append(Span(s_, e_, doc[s_:e_].text, "Product", "context"))
                        taken = taken | set(range(s_, e_))
        if tok.lower_ not in TYPE_WORDS or tok.i in taken or _is_heading(sentence(tok)):
            continue
        cls = TYPE_WORDS[tok.lower_]
        if root(cls) not in ("AIModel", "Hardware", "Product"):
            continue
        # "Comet, an AI-powered browser": a name the type word stands in apposition to
        h = tok.head
        if tok.dep_ == "appos" and h.i not in taken and h.pos_ == "PROPN" and h.text[:1].isupper() \
                and not h.is_sent_start and normalise_name(h.text) not in STOP_NAMES and not h.ent_type_:
            s_, e_ = _trim(doc, min(c.i for c in h.subtree if c.dep_ == "compound" or c.i == h.i), h.i + 1)
            if s_ < e_:
                out.append(Span(s_, e_, doc[s_:e_].text, cls, "context"))
                taken = taken | set(range(s_, e_))
        # proper-noun or model-id modifiers left of the type word, past generic nouns
        # ("AMD Instinct graphics processors")
        i = tok.i - 1
        while i >= 0 and doc[i].lower_ in GENERIC_MODIFIERS and doc[i].head.i == tok.i:
            i -= 1
        end = i + 1
        while i >= 0 and i not in taken and doc[i].head.i == tok.i and (
                doc[i].pos_ == "PROPN" or _MODEL_ID.match(doc[i].text)) and not doc[i].is_sent_start \
                and normalise_name(doc[i].text) not in STOP_NAMES:
            i -= 1
        if i + 1 < end:
            out.append(Span(i + 1, end, doc[i + 1:end].text, cls, "context"))
        # apposition right of the type word: "a chip, the H800"
        for child in tok.children:
            if child.dep_ == "appos" and child.i not in taken and (
                    child.pos_ == "PROPN" or _MODEL_ID.match(child.text)) and \
                    normalise_name(child.text) not in STOP_NAMES:
                s, e = _trim(doc, child.left_edge.i, child.i + 1)
                if s < e:
                    out.append(Span(s, e, doc[s:e].text, cls, "context"))
    return out


def find_mentions(doc, gaz: Gazetteer) -> list[Span]:
    """Typed name spans from the gazetteer ruler, the NER and context, cleaned and filtered."""
    spans: list[Span] = []
    pending: list = []  # ambiguous names not yet confirmed where they stand
    # a name used as an event anywhere ("its GTC conference") is an event everywhere
    events = {ent.text for ent in doc.ents if ent.label_ not in CLASS_PARENT
              and _is_event(doc, ent.start, ent.end)}
    for ent in doc.ents:
        start, end = _trim(doc, ent.start, ent.end)
        if start >= end:
            continue
        text = doc[start:end].text
        heading = _is_heading(sentence(doc[ent.start]))
        if ent.label_ in CLASS_PARENT:                      # from the gazetteer ruler
            entry = gaz.by_key(ent.ent_id_)
            if entry and entry.ambiguous and not _confirmed_ambiguous(doc, start, end):
                pending.append((start, end, text, ent, heading))
                continue
            longer = None if heading else _longer_name(doc, start, end, ent.label_, gaz)
            if longer:
                spans.append(longer)
                continue
            spans.append(Span(start, end, text, ent.label_, "gazetteer", ent.ent_id_, heading))
            continue
        cls = NER_CLASS.get(ent.label_)
        if cls == "Person" and doc[end - 1].text in ORG_SUFFIXES:
            cls = "Organization"  # "Pollen Robotics", "Annapurna Labs" tagged PERSON
        if ent.label_ in ("PRODUCT", "WORK_OF_ART", "FAC", "NORP", "EVENT", "LAW"):
            cls = None
        entry = gaz.lookup(text)
        if entry is not None:
            spans.append(Span(start, end, text, entry.cls, "gazetteer", entry.key, heading))
            continue
        if _is_event(doc, start, end) or ent.text in events:
            continue  # "its GTC conference": an event, not an organisation
        ctx = _context_class(doc, start, end) or _selectional_class(doc[start:end].root, cls)
        if ctx:
            cls = ctx
        if cls is None or not _plausible_name(doc[start:end]):
            continue
        if heading:
            continue  # headline fragments are where the statistical NER errs most
        spans.append(Span(start, end, text, cls, "context" if ctx else "ner", None, heading))
    confirmed = {s.key for s in spans}
    for start, end, text, ent, heading in pending:  # "Perplexity" opening a sentence counts
        if ent.ent_id_ in confirmed:                 # where the article names it elsewhere
            spans.append(Span(start, end, text, ent.label_, "gazetteer", ent.ent_id_, heading))
    taken = {i for s in spans for i in range(s.start, s.end)}
    spans += _candidate_names(doc, taken)
    taken = {i for s in spans for i in range(s.start, s.end)}
    spans += _versioned_names(doc, gaz, taken)
    taken = {i for s in spans for i in range(s.start, s.end)}
    spans += _short_names(doc, spans, taken)
    taken = {i for s in spans for i in range(s.start, s.end)}
    spans += _short_org_names(doc, spans, taken)
    spans = _coordinated_people(doc, spans)
    for s in spans:  # "... including Yi-34B." : the sentence's full stop is not part of the name
        last = doc[s.end - 1]
        if s.text.endswith(".") and len(last.text) > 1 and last.text not in ABBREVIATIONS and (
                last.i + 1 == len(doc) or last.i + 1 >= sentence(last).end or doc[last.i + 1].is_space):
            s.text = s.text[:-1]
    return sorted(spans, key=lambda s: s.start)


ABBREVIATIONS = {"U.S.", "U.K.", "Inc.", "Corp.", "Co.", "Ltd.", "Jr.", "Sr.", "L.P.", "S.A.",
                 "N.V.", "A.G.", "P.B.C.", "E.U.", "U.A.E."}


def _name_tokens(doc, head: int, taken: set[int]) -> tuple[int, int] | None:
    """The proper-noun name headed at token `head` ('Anastasis Germanidis'), if it is one."""
    def namey(t):
        return t.pos_ == "PROPN" and t.text[:1].isupper() and t.is_alpha and t.i not in taken \
            and normalise_name(t.text) not in STOP_NAMES
    if not namey(doc[head]):
        return None
    start = head
    while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i == head \
            and namey(doc[start - 1]):
        start -= 1
    return start, head + 1


def _coordinated_people(doc, spans: list[Span]) -> list[Span]:
    """People the NER cut short or missed in a list of people: 'founded by Cristóbal
    Valenzuela, Alejandro Matamala and Anastasis Germanidis'. A full name (two or more
    proper nouns) coordinated with a known person is a person too."""
    taken = {i for s in spans for i in range(s.start, s.end)}
    people = [s for s in spans if s.cls == "Person" and not s.heading]
    out = list(spans)
    for s in people:   # "Alejandro" left out of a PERSON span "Matamala"
        if s.source == "ner" and s.end - s.start == 1:
            got = _name_tokens(doc, s.end - 1, taken - {s.start})
            if got and got[0] < s.start:
                taken |= set(range(got[0], s.start))
                s.start, s.text = got[0], doc[got[0]:s.end].text
    for s in people:
        for c in doc[s.end - 1].conjuncts:
            if c.i in taken:
                continue
            got = _name_tokens(doc, c.i, taken)
            if got and got[1] - got[0] >= 2 and not _is_heading(sentence(c)):
                out.append(Span(got[0], got[1], doc[got[0]:got[1]].text, "Person", "context"))
                taken |= set(range(*got))
    return out


def short_name_parts(spans) -> dict[str, Span]:
    """First or last word of a full name -> that person's mention, when it names exactly one
    person in the article ("Musk", "Liang" for Liang Wenfeng; not "Amodei" for two Amodeis)."""
    people: dict[str, Span] = {}
    for s in spans:
        if s.cls == "Person" and len(s.text.split()) > 1:
            people.setdefault(s.text, s)
    owners: dict[str, set[str]] = {}
    for name in people:
        parts = name.split()
        for part in {parts[0], parts[-1]}:
            owners.setdefault(part, set()).add(name)
    return {part: people[next(iter(names))] for part, names in owners.items()
            if len(names) == 1 and len(part) > 1 and part[0].isupper()}


def _versioned_names(doc, gaz: Gazetteer, taken: set[int]) -> list[Span]:
    """'Doubao-1.5-pro' (one token to spaCy): a known model or product family with a version."""
    out = []
    for tok in doc:
        if tok.i in taken or "-" not in tok.text or not any(c.isdigit() for c in tok.text):
            continue
        entry = gaz.lookup(tok.text.split("-", 1)[0])
        if entry is None or root(entry.cls) not in ("AIModel", "Product"):
            continue
        j = tok.i + 1
        while j + 1 < len(doc) and doc[j].text == "-" and not doc[j - 1].whitespace_ and \
                (doc[j + 1].lower_ in MODEL_TIERS or _VERSION.match(doc[j + 1].text)):
            j += 2
        out.append(Span(tok.i, j, doc[tok.i:j].text, "AIModel", "context"))
    return out


def short_org_parts(spans) -> dict[str, Span]:
    """'Figure' -> the 'Figure AI' mention: the first word of an organisation's name whose
    other words are a generic suffix (AI, Labs, Technologies, ...)."""
    out: dict[str, Span] = {}
    for s in spans:
        words = s.text.split()
        if root(s.cls) == "Organization" and len(words) == 2 and words[1] in ORG_SUFFIXES \
                and len(words[0]) > 2 and words[0][:1].isupper():
            out.setdefault(words[0], s)
    return out


def _short_org_names(doc, spans: list[Span], taken: set[int]) -> list[Span]:
    """Bare 'Figure' after 'Figure AI' (not 'Figure 02', a product with a version)."""
    parts = short_org_parts(spans)
    first = {s.text: s.start for s in spans}
    out = []
    for tok in doc:
        full = parts.get(tok.text)
        if full is None or tok.i in taken or tok.i < first[full.text]:
            continue
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if nxt is not None and (nxt.like_num or _VERSION.match(nxt.text) or (
                nxt.pos_ == "PROPN" and nxt.i not in taken)):
            continue
        out.append(Span(tok.i, tok.i + 1, tok.text, full.cls, "short-org"))
    return out


def _short_names(doc, spans: list[Span], taken: set[int]) -> list[Span]:
    """Later bare mentions of people named in full ("Musk also runs Tesla") that the NER missed."""
    parts = short_name_parts(spans)
    first_full = {s.text: s.start for s in spans if s.cls == "Person"}
    out = []
    for tok in doc:
        full = parts.get(tok.text)
        if full is None or tok.i in taken or tok.pos_ != "PROPN" or tok.i < first_full[full.text]:
            continue
        if tok.i + 1 < len(doc) and doc[tok.i + 1].pos_ == "PROPN" and doc[tok.i + 1].i not in taken:
            continue  # part of a longer, different name
        out.append(Span(tok.i, tok.i + 1, tok.text, "Person", "ner"))
    return out


ORG_SUFFIXES = {"Labs", "Lab", "Research", "Ventures", "Capital", "Group", "Foundation",
                "Institute", "Technologies", "Systems", "Robotics", "Partners", "Holdings", "Fund",
                "Inc", "Inc.", "Corp", "Corp.", "Corporation", "Ltd", "LLC", "Studios", "Cloud", "AI"}
MODEL_SUFFIXES = {"Model", "Models"}
MODEL_TIERS = {"pro", "mini", "max", "plus", "ultra", "turbo", "flash", "lite", "nano", "instruct",
               "chat", "preview", "base", "vision", "air", "lightning", "sonnet", "opus", "haiku"}
_VERSION = re.compile(r"^(?:\d+(?:\.\d+)*[a-z]?|v\d+(?:\.\d+)*|[A-Z]?\d+[A-Za-z]*)$")


def _longer_name(doc, start: int, end: int, cls: str, gaz: Gazetteer) -> Span | None:
    """A gazetteer name that is only the start of a longer name: 'Meta Superintelligence Labs',
    'Cohere Labs', 'Llama 3.3'. Returns the longer span, typed, when the text has one."""
    j = end
    if root(cls) in ("AIModel", "Product", "Hardware"):
        # "Llama 3.3", "Doubao-1.5-pro", "Hunyuan-T1", "Gen-4", "Ascend 950": a family and a version
        while j < len(doc) and doc[j].ent_type_ not in CLASS_PARENT and (
                _VERSION.match(doc[j].text) or (doc[j].text == "-" and not doc[j].whitespace_
                                                and not doc[j - 1].whitespace_)
                or (doc[j].lower_ in MODEL_TIERS and doc[j - 1].text == "-")):
            j += 1
        while j > end and doc[j - 1].text == "-":
            j -= 1
        if j > end and any(c.isdigit() for c in doc[end:j].text):
            text = doc[start:j].text
            entry = gaz.lookup(text)
            family = cls if root(cls) == "Hardware" else "AIModel"
            return Span(start, j, text, entry.cls if entry else family,
                        "gazetteer" if entry else "context", entry.key if entry else None)
        if root(cls) in ("Hardware", "AIModel") and start > 0 and doc[start - 1].pos_ == "PROPN" \
                and doc[start - 1].ent_type_ not in CLASS_PARENT and not doc[start - 1].is_sent_start \
                and doc[start - 1].head.i in range(start, end + 1) and doc[start - 1].text[:1].isupper():
            return Span(start - 1, end, doc[start - 1:end].text, cls, "context")  # "Kunlun P800"
        return None
    if root(cls) != "Organization":
        return None
    k = end  # "its Apple Foundation Model": an organisation's name opening a model's name
    while k < len(doc) and doc[k].pos_ == "PROPN" and doc[k].text[:1].isupper() and \
            doc[k].ent_type_ not in CLASS_PARENT:
        k += 1
        if doc[k - 1].text in MODEL_SUFFIXES and k - 1 > end:
            return Span(start, k, doc[start:k].text, "AIModel", "context")
    while j < len(doc) and doc[j].pos_ == "PROPN" and doc[j].text[:1].isupper() and \
            doc[j].ent_type_ not in CLASS_PARENT and doc[j].dep_ == "compound" or (
            j < len(doc) and doc[j].text in ORG_SUFFIXES and doc[j].ent_type_ not in CLASS_PARENT):
        j += 1
        if doc[j - 1].text in ORG_SUFFIXES:
            text = doc[start:j].text
            entry = gaz.lookup(text)
            if entry and entry.key == gaz.lookup(doc[start:end].text).key:
                return None  # the gazetteer already names this longer form as an alias
            return Span(start, j, text, entry.cls if entry else "Organization",
                        "gazetteer" if entry else "context", entry.key if entry else None)
    return None


def _confirmed_ambiguous(doc, start: int, end: int) -> bool:
    """An ambiguous gazetteer name (Meta, Apple, Grok) counts only where it reads as a name."""
    toks = doc[start:end]
    if any(t.pos_ == "PROPN" for t in toks):
        return True
    if end < len(doc) and (doc[end].tag_ == "POS" or doc[end].pos_ in ("VERB", "AUX")):
        return toks[0].text[:1].isupper()  # "Apple said", "Perplexity was founded"
    return not toks[0].is_sent_start and toks[0].text[:1].isupper()


def _plausible_name(span) -> bool:
    text = span.text
    if normalise_name(text) in STOP_NAMES or len(text) < 2 or "\n" in text or \
            text.casefold() in DEMONYM_WORDS:
        return False
    if not any(c.isupper() for c in text) or text.isdigit():
        return False
    if all(t.is_stop or t.is_punct for t in span):
        return False
    return not any(t.like_url or t.like_email for t in span)


def resolve(doc, spans: list[Span], gaz: Gazetteer) -> Resolved:
    """Group mentions into entities: gazetteer keys, surname -> full name, one class per name."""
    out = Resolved()
    # a one-word mention that is the surname (or telling given name) of a full name seen here
    short_to_full = short_name_parts(spans)
    org_short = short_org_parts(spans)
    votes: dict[str, Counter] = defaultdict(Counter)
    for s in spans:
        if s.source != "gazetteer":
            votes[normalise_name(s.text)][s.cls] += 2 if s.source == "context" else 1
    # "Command R+" and "Command A" are models when "Command" is one: a family name's class
    family = {s.text: s.cls for s in spans if " " not in s.text and root(s.cls) in
              ("AIModel", "Hardware", "Product") and s.source in ("gazetteer", "context")}
    for s in spans:
        first = s.text.split(" ", 1)[0]
        if s.source == "ner" and " " in s.text and first in family:
            s.cls, s.source = family[first], "context"
            votes[normalise_name(s.text)][s.cls] += 3
    acronym_of = _acronym_aliases(doc, spans)
    key_of: dict[int, str] = {}
    for s in spans:
        if id(s) in acronym_of and id(acronym_of[id(s)]) in key_of:  # "..., or AFM"
            key = key_of[id(acronym_of[id(s)])]
            ent = out.entities[key]
            ent["forms"][s.text] += 1
            out.spans.append((s, key))
            for i in range(s.start, s.end):
                out.token_entity[i] = key
            continue
        if s.source == "gazetteer":
            key, cls = s.key, s.cls
            canonical = gaz.by_key(key).name if gaz.by_key(key) else s.text
        elif s.source == "short-org":
            full = org_short[s.text]
            cls = full.cls
            if full.source == "gazetteer":
                key, canonical = full.key, gaz.by_key(full.key).name
            else:
                v = votes[normalise_name(full.text)]
                cls = _best_class(v) if v else full.cls
                key, canonical = entity_key(full.text, cls), full.text
        elif " " not in s.text and s.text in short_to_full and s.source == "ner":
            full = short_to_full[s.text]
            cls = "Person"
            if full.source == "gazetteer":
                key, canonical = full.key, gaz.by_key(full.key).name
            else:
                key, canonical = entity_key(full.text, "Person"), full.text
        else:
            cls = _best_class(votes[normalise_name(s.text)])
            canonical = s.text
            key = entity_key(s.text, cls)
        ent = out.entities.setdefault(key, {"key": key, "canonical": canonical, "cls": cls,
                                            "forms": Counter(), "source": s.source})
        ent["forms"][s.text] += 1
        key_of[id(s)] = key
        out.spans.append((s, key))
        for i in range(s.start, s.end):
            out.token_entity[i] = key
    return out


def _acronym_aliases(doc, spans: list[Span]) -> dict[int, Span]:
    """'the Apple Foundation Model, or AFM', 'Language Processing Unit (LPU)': the acronym is
    another name of the span before it."""
    out: dict[int, Span] = {}
    for prev, s in zip(spans, spans[1:], strict=False):
        if not (s.text.isupper() and 2 <= len(s.text) <= 6 and " " not in s.text):
            continue
        between = doc[prev.end:s.start].text.strip()
        initials = "".join(w[0] for w in prev.text.replace("-", " ").split() if w[:1].isupper())
        if between in (", or", "or", "(") and (s.text in initials or initials.startswith(s.text[:2])):
            out[id(s)] = prev
    return out


def _best_class(votes: Counter) -> str:
    """The most voted class; among ties, the most specific one."""
    best = max(votes.values())
    tied = [c for c, v in votes.items() if v == best]
    return max(tied, key=lambda c: (len(_chain(c)), c))


def _chain(cls: str) -> list[str]:
    out = [cls]
    while CLASS_PARENT.get(out[-1]):
        out.append(CLASS_PARENT[out[-1]])
    return out
