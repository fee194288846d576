"""Reference resolution over a parsed doc: tokens to entities, pronouns ("its", "his"),
definite descriptions ("the lab"), relative pronouns and appositions, ranked by salience."""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from ingest.grammar import conjuncts, preps_of, sentence
from ingest.lexicon import DEFINITE, MAKER_EPITHETS, PEOPLE_NOUNS, TYPE_ROOT
from kg.vocab import root

OTHER_PARTY_VERBS = {"hire", "recruit", "poach", "acquire", "buy", "invest", "back", "fund", "sue"}
PAIR_NOUNS = {"company", "firm", "group", "lab", "rival", "partner", "startup", "giant", "chipmaker",
              "maker"}


class Frame:
    """Entity lookup over a parsed doc: token -> entity key, with anaphora."""

    def __init__(self, doc, token_entity: dict[int, str], classes: dict[str, str],
                 place_keys: dict[str, str], makers: dict[str, str] | None = None):
        self.doc = doc
        self.makers = makers or {}      # product key -> its maker's key, both named in the article
        self.tok = token_entity
        self.cls = classes              # entity key -> class
        self.place_keys = place_keys    # canonical place name -> key, for demonyms
        self.order = sorted(token_entity.items())
        self._order_at = [i for i, _ in self.order]
        self._sal = None
        self._sents_cache: list | None = None
        self._starts_cache: list[int] | None = None
        self._memo: dict[int, str | None] = {}
        self._resolving: set[int] = set()

    # -- entity lookup -----------------------------------------------------------------
    def at(self, t) -> str | None:
        """The entity a single token denotes (memoised; a pronoun whose resolution leads back
        to itself, as in "it ... it", denotes nothing)."""
        if t.i in self._memo:
            return self._memo[t.i]
        if t.i in self._resolving:
            return None
        self._resolving.add(t.i)
        try:
            got = self._at(t)
        finally:
            self._resolving.discard(t.i)
        self._memo[t.i] = got
        return got

    def possessors(self, t) -> list[str]:
        """Entities named by t's possessive ("Google's", "its" resolved)."""
        return [k for c in t.children if c.dep_ == "poss" for k in [self.at(c)] if k]

    def _at(self, t) -> str | None:
        """The entity a single token denotes, resolving pronouns and 'the lab'."""
        if t.i in self.tok:
            return self.tok[t.i]
        low = t.lower_
        if low in ("his", "her", "he", "she", "him"):
            return self.recent(t, {"Person"})
        if low in ("its", "it"):
            h = t.head
            if low == "its" and h.dep_ == "conj" and h.head.i in self.tok and \
                    root(self.cls[self.tok[h.head.i]]) == "Organization":
                return self.tok[h.head.i]
            return self._subject_or_recent(t, {"Organization"})
        if (low in ("which", "that", "who") and t.dep_ in ("nsubj", "nsubjpass")) or low == "whose":
            j = t.i - 1
            while j >= 0 and self.doc[j].is_punct:
                j -= 1
            if j >= 0 and j in self.tok:       # "..., Andy Konwinski, who co-founded X"
                return self.tok[j]
            if low == "whose":                 # "the Hangzhou lab whose R1 model ..."
                rel = t
                while rel.dep_ != "relcl" and rel.head.i != rel.i:
                    rel = rel.head
                if rel.dep_ == "relcl":
                    got = self.np(rel.head, climb=True)
                    return got[0] if got else None
                return None
            head = t.head
            if head.dep_ in ("relcl", "acl"):
                got = self.np(head.head, climb=True)
                return got[0] if got else None
        if t.dep_ == "appos" and t.head.i in self.tok:  # "Moonshot AI, the developer of Kimi"
            return self.tok[t.head.i]
        if t.lemma_.lower() in MAKER_EPITHETS and t.pos_ == "NOUN":
            for c in t.children:  # "the ChatGPT maker": the article names OpenAI, its maker
                if c.dep_ == "compound" and self.tok.get(c.i) in self.makers:
                    return self.makers[self.tok[c.i]]
        if t.pos_ == "NOUN" and any(c.lower_ == "the" for c in t.children) and not any(
                c.dep_ in ("compound", "appos") and not (  # "the San Francisco company"
                    c.i in self.tok and root(self.cls[self.tok[c.i]]) == "Place")
                for c in t.children):
            want = DEFINITE.get(t.lemma_.lower())
            if want:
                self._salience(0)
                described = [k for i, noun, k in self._described if i < t.i and noun == t.lemma_.lower()]
                if described:
                    return described[-1]
                return self.recent(t, want, window=3,
                                    exclude=self._named_here(t) | self._clause_subjects(t))
        return None

    def _salience(self, upto: int) -> tuple[list[int], dict[int, set[str]], dict[str, int]]:
        """Sentence starts, subject entities per sentence (pronoun subjects resolved, for
        sentences before `upto`), mention counts and descriptions ("X, a startup")."""
        if self._sal is None:
            starts = [sent.start for sent in self._text_sents()]
            counts: dict[str, int] = {}
            last, prev = None, -2
            for i, key in self.order:
                if key != last or i != prev + 1:
                    counts[key] = counts.get(key, 0) + 1
                last, prev = key, i
            self._sal = (starts, {}, counts)
            self._sents = self._text_sents()
            self._done = 0
            self._described: list[tuple[int, str, str]] = []  # (token, noun, entity)
            for i, key in self.order:  # "Thinking Machines Lab" is described as a lab
                last = self.doc[i]
                if last.lemma_.lower() in DEFINITE and (i + 1 not in self.tok or self.tok[i + 1] != key):
                    self._described.append((i, last.lemma_.lower(), key))
            for tok in self.doc:
                if tok.pos_ == "NOUN" and tok.lemma_.lower() in DEFINITE:
                    owner = None
                    if tok.dep_ == "appos" and tok.head.i in self.tok:
                        owner = self.tok[tok.head.i]           # "MosaicML, a startup"
                    elif tok.dep_ == "attr":                   # "MosaicML is a startup"
                        owner = next((self.tok[c.i] for c in tok.head.children
                                      if c.dep_ == "nsubj" and c.i in self.tok), None)
                    else:
                        owner = next((self.tok[c.i] for c in tok.children
                                      if c.dep_ in ("appos", "compound") and c.i in self.tok
                                      and c.i > tok.i), None)  # "the startup MosaicML"
                    if owner:
                        self._described.append((tok.i, tok.lemma_.lower(), owner))
            self._described.sort()
        starts, subjects, counts = self._sal
        while self._done < min(upto, len(self._sents)):
            n = self._done
            self._done += 1
            sent = self._sents[n]
            fragment = sent.root.i in self.tok and not any(  # "Thinking Machines Lab, a startup
                c.dep_ in ("nsubj", "nsubjpass") for c in sent.root.children)  # ..., launched in"
            for tok in sent:
                if tok.dep_ not in ("nsubj", "nsubjpass") and not (fragment and tok.i == sent.root.i):
                    continue
                keys = set()
                for c in (tok, *tok.children, *conjuncts(tok)):
                    if c.i == tok.i or c.dep_ in ("compound", "appos", "conj"):
                        if c.i in self.tok:
                            keys.add(self.tok[c.i])
                        for g in c.children:  # "Amazon CEO Andy Jassy"
                            if g.dep_ == "compound" and g.i in self.tok:
                                keys.add(self.tok[g.i])
                if not keys and tok.i not in self.tok:
                    k = self.at(tok)
                    if k:
                        keys.add(k)
                subjects.setdefault(n, set()).update(keys)
        return self._sal

    def _explicit_subject(self, i: int) -> bool:
        """Whether token i names (part of) a clause subject: 'Nvidia CEO Jensen Huang, who...'."""
        tok = self.doc[i]
        for _ in range(3):
            if tok.dep_ in ("nsubj", "nsubjpass"):
                return True
            if tok.dep_ not in ("compound", "poss", "appos", "conj", "amod", "nmod"):
                return False
            tok = tok.head
        return False

    def _clause_subjects(self, t) -> set[str]:
        """Entities named as the subject of the clause a description sits in, outside the
        subject: 'CoreWeave signed a deal with the ChatGPT maker' cannot mean CoreWeave."""
        v = t.head
        while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
            v = v.head
        out: set[str] = set()
        for c in v.children:
            if c.dep_ in ("nsubj", "nsubjpass") and not (c.left_edge.i <= t.i <= c.right_edge.i):
                # the subject itself and its coordinates, not possessors inside it
                # ("Hugging Face's chief executive co-founded the company")
                for x in (c, *conjuncts(c)):
                    if x.i in self.tok:
                        out.add(self.tok[x.i])
        return out

    def _named_here(self, t) -> set[str]:
        """Owners named later in t's sentence: 'The company uses Amazon's chips' cannot mean
        Amazon (a repeated referent would be 'its')."""
        sent = sentence(t)
        return {key for i, key in self._between(t.i + 1, sent.end) if self.doc[i].dep_ == "poss"}

    def _between(self, lo: int, hi: int) -> list[tuple[int, str]]:
        """(token index, entity key) of the mentions at tokens lo .. hi-1, in text order."""
        return self.order[bisect_left(self._order_at, lo):bisect_left(self._order_at, hi)]

    def recent(self, t, want: set[str], window: int = 2, exclude: set[str] = frozenset()) -> str | None:
        """The most salient earlier entity of a wanted class (root or exact class names):
        subjects of recent sentences and the article's most mentioned entity first."""
        starts = self._text_starts() if self._sal is None else self._sal[0]
        cur = max(bisect_right(starts, t.i) - 1, 0)
        starts, subjects, counts = self._salience(cur)
        limit = starts[max(0, cur - window)]
        cands: dict[str, float] = {}
        for i, key in self._between(limit, t.i):
            if not self._not_inside(i, t):
                continue
            cls = self.cls[key]
            if (root(cls) not in want and cls not in want) or key in exclude:
                continue
            n = bisect_right(starts, i) - 1
            score = 1.0 - (cur - n) / (window + 1) + i / (10_000 * (t.i + 1))
            if key in subjects.get(n, ()) or (n == cur and self._explicit_subject(i)):
                score += 1.0
            cands[key] = max(cands.get(key, -1.0), score)
        for n in range(max(0, cur - window), cur):  # pronoun subjects resolved earlier
            for key in subjects.get(n, ()):
                cls = self.cls[key]
                if (root(cls) in want or cls in want) and key not in exclude:
                    score = 2.0 - (cur - n) / (window + 1)
                    cands[key] = max(cands.get(key, -1.0), score)
        if not cands:
            return None
        top = max(counts.get(k, 0) for k in cands)
        for k in cands:
            if counts.get(k, 0) == top and top >= 2:
                cands[k] += 0.75
        return max(cands, key=lambda k: cands[k])

    def _text_sents(self) -> list:
        """Sentences with text (blank lines between paragraphs are not sentences here)."""
        if self._sents_cache is None:
            self._sents_cache = [sent for sent in self.doc.sents if not sent.text.isspace()]
        return self._sents_cache

    def _text_starts(self) -> list[int]:
        """The first token of each of _text_sents, for bisecting."""
        if self._starts_cache is None:
            self._starts_cache = [sent.start for sent in self._text_sents()]
        return self._starts_cache

    def _not_inside(self, i: int, t) -> bool:
        return not (t.left_edge.i <= i <= t.right_edge.i and t.dep_ == "poss")

    def _described_by_clause(self, t, want: set[str]) -> str | None:
        """'Crusoe, a company co-founded by its chief executive': 'its' inside a clause that
        describes a noun refers to what that noun names."""
        cur = t
        for _ in range(6):
            if cur.dep_ in ("acl", "relcl") and cur.head.i != cur.i:
                got = [k for k in self.np(cur.head, climb=True) if root(self.cls[k]) in want]
                return got[0] if got else None
            if cur.head.i == cur.i:
                return None
            cur = cur.head
        return None

    def _pair(self, t) -> list[str]:
        """The two organisations the passage has just named together; for 'both startups',
        the two the article described as startups, when it did."""
        self._salience(0)
        described = list(dict.fromkeys(k for i, noun, k in reversed(self._described)
                                       if i < t.i and noun == t.lemma_.lower()))
        if len(described) >= 2:
            return described[:2][::-1]
        sents = self._text_sents()
        cur = max(bisect_right(self._text_starts(), t.i) - 1, 0)
        for n in (cur, cur - 1):  # only where the pair was just named
            if n < 0:
                continue
            sent = sents[n]
            keys = list(dict.fromkeys(k for _, k in self._between(sent.start, min(sent.end, t.i))
                                      if root(self.cls[k]) == "Organization"))
            if len(keys) == 2:
                return keys
            if len(keys) > 2:
                return []
        return []

    def _group(self, t) -> list[str]:
        """Coordinated referents: 'they' after 'A and B did X', 'A and B, siblings who ...'."""
        if t.lower_ in ("who", "which"):
            j = t.i - 1
            while j >= 0 and self.doc[j].is_punct:
                j -= 1
            anchor = self.doc[j] if j >= 0 else None
            # only through a plural apposition ("Dario and Daniela Amodei, siblings who ..."); after
            # a bare list, "who" means the last name ("..., and Andy Konwinski, who ...")
            if anchor is None or anchor.dep_ != "appos" or anchor.tag_ != "NNS":
                return []
            head = anchor.head
            while head.dep_ == "conj":
                head = head.head
            keys = [self.tok[x.i] for x in (head, *conjuncts(head)) if x.i in self.tok]
            return list(dict.fromkeys(keys)) if len(set(keys)) > 1 else []
        sents = self._text_sents()
        cur = max(bisect_right(self._text_starts(), t.i) - 1, 0)
        for n in (cur, cur - 1):  # the coordinated subject of this or the previous sentence
            if n < 0:
                continue
            for tok in sents[n]:
                if tok.dep_ in ("nsubj", "nsubjpass") and tok.i < t.i and tok.i in self.tok:
                    keys = [self.tok[tok.i]] + [self.tok[c.i] for c in conjuncts(tok) if c.i in self.tok]
                    if len(set(keys)) > 1:
                        return list(dict.fromkeys(keys))
        return []

    def _subject_or_recent(self, t, want: set[str]) -> str | None:
        # "xAI is expanding its Colossus", "With its Le Chat assistant, Mistral competes":
        # the clause's subject, when it is of the wanted class
        if t.lower_ == "its" and (got := self._described_by_clause(t, want)):
            return got
        v = t.head
        while v.dep_ not in ("ROOT",) and v.pos_ not in ("VERB", "AUX"):
            v = v.head
        if t.lower_ == "its" and v.lemma_.lower() in OTHER_PARTY_VERBS:
            # "Meta hired its founder", "hiring its chief executive": not the hirer's own
            subjects = {k for c in v.children if c.dep_ == "nsubj" for k in self.np(c)}
            if not subjects and v.dep_ in ("advcl", "xcomp", "conj"):
                subjects = {k for c in v.head.children if c.dep_ == "nsubj" for k in self.np(c)}
            here = [k for _, k in self._between(sentence(t).start, t.i) if k not in subjects
                    and root(self.cls[k]) in want]
            if here:  # the nearest other organisation in the sentence ("... with Adept, hiring its")
                return here[-1]
            return self.recent(t, want, exclude=subjects)
        for _ in range(4):
            for c in v.children:
                if c.dep_ in ("nsubj", "nsubjpass") and not (c.left_edge.i <= t.i <= c.right_edge.i):
                    for k in self.np(c):
                        if root(self.cls[k]) in want:
                            return k
            if v.dep_ in ("xcomp", "advcl", "conj", "ccomp") and v.head.i != v.i:
                v = v.head
            else:
                break
        return self.recent(t, want)

    def np(self, t, climb: bool = False) -> list[str]:
        """Entities a noun phrase headed at t denotes: itself, its name parts, coordinates."""
        if t.lemma_.lower() in PAIR_NOUNS and t.tag_ == "NNS" and any(
                c.lower_ in ("two", "both") for c in t.children):
            return self._pair(t)  # "the two companies", "both firms", "the two longtime rivals"
        if t.lower_ in ("they", "them") or (t.lower_ in ("who", "which") and t.dep_ in ("nsubj", "nsubjpass")):
            group = self._group(t)
            if group:
                return group
        out: list[str] = []
        heads = [t, *conjuncts(t)]
        key0 = self.tok.get(t.i)
        for c in t.children:  # "Zhipu AI, MiniMax and 01.AI compete": a list parsed as apposition
            if c.dep_ == "appos" and key0 and c.i in self.tok and any(
                    d.dep_ == "cc" for d in c.children) and conjuncts(c) and \
                    root(self.cls[self.tok[c.i]]) == root(self.cls[key0]):
                heads += [c, *conjuncts(c)]
        for head in heads:
            key = self.at(head)
            if key is None and climb and head.dep_ == "appos" and head.head.i in self.tok:
                key = self.tok[head.head.i]  # "Google DeepMind, the Alphabet unit": the unit is DeepMind
            if key is None and head.lemma_.lower() in PEOPLE_NOUNS and head.tag_ == "NNS":
                continue  # "former OpenAI employees", "four MIT graduates": people, not the org
            if key is None:
                parts = [c for c in head.children
                         if c.dep_ in ("compound", "appos", "amod", "nmod", "npadvmod", "nummod")
                         and c.i in self.tok]
                if not parts:  # "Microsoft's Azure cloud platform": a name two modifiers away
                    parts = [g for c in head.children if c.dep_ in ("compound", "amod", "nmod")
                             for g in c.children if g.dep_ in ("compound", "amod", "nmod")
                             and g.i in self.tok]
                fit = TYPE_ROOT.get(head.lemma_.lower())
                # "AWS Trainium chips": the name that fits the type word names the thing
                ranked = sorted(parts, key=lambda c: (c.dep_ != "appos",
                                                      root(self.cls[self.tok[c.i]]) != fit,
                                                      root(self.cls[self.tok[c.i]]) == "Place",
                                                      -c.i))
                if ranked and (ranked[0].dep_ == "appos" or
                               root(self.cls[self.tok[ranked[0].i]]) != "Place"):
                    key = self.tok[ranked[0].i]
                    for c in conjuncts(ranked[0]):  # "Amazon's Trainium and Inferentia chips"
                        k2 = self.tok.get(c.i)
                        if k2 and k2 != key and k2 not in out:
                            out.append(k2)
            if key is None and climb and head.dep_ == "appos":
                key = self.at(head.head)
            if key is not None and key not in out:
                out.append(key)
            if key is None:  # "investors including A, B and C", "products such as X"
                for _w, o in preps_of(head, ("including", "like", "such", "as", "among")):
                    for k in self.np(o):
                        if k not in out:
                            out.append(k)
            elif root(self.cls[key]) == "Place":  # "Santa Clara, California"
                for c in head.children:
                    if c.dep_ in ("appos", "npadvmod") and c.i in self.tok and \
                            root(self.cls[self.tok[c.i]]) == "Place" and self.tok[c.i] not in out:
                        out.append(self.tok[c.i])
        return out

    def owner_np(self, t) -> list[str]:
        """Entities of an NP, or of the 'from/of' phrase it carries ('profits from X')."""
        got = self.np(t, climb=True)
        if got:
            return got
        for p in t.children:
            if p.dep_ == "prep" and p.lower_ in ("from", "of"):
                for o in p.children:
                    if o.dep_ == "pobj":
                        got = self.np(o, climb=True)
                        if got:
                            return got
        return []
