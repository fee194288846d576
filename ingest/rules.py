"""Relation rules over a spaCy dependency parse: triggers, possessives, appositions, roles.

Each rule has an id (`rules.v1/<name>`) and a confidence (measured per rule by `kg calibrate`,
see ingest/data/calibration.json); every relation records both. The rules read entities
through `Frame` (ingest/reference.py), which maps tokens to resolved entity keys and resolves
pronouns and definite descriptions. Word lists live in ingest/lexicon.py.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from ingest.grammar import conjuncts, hedged, is_passive, lemma_of, noun_verb, np_hedged, preps_of, sentence
from ingest.lexicon import (
    APPOINT_VERBS,
    BACKED_WORDS,
    DEFINITE,
    DEMONYMS,
    JOB_NOUNS,
    MAKER_NOUNS,
    OBJ_DEPS,
    ORG_HEADS,
    ORG_OF_ROLE,
    PARTNER_NOUNS,
    PRIORS,
    RELATIONAL_NOUNS,
    ROLE_FOUNDED,
    ROLE_LEADS,
    ROLE_WORDS,
    ROLE_WORKS,
    ROUND_NOUNS,
    RULESET,
    SUBJ_DEPS,
    TYPE_ROOT,
    UNREAL_DEAL,
    VERB_FRAMES,
    WORKPLACE_NOUNS,
)
from ingest.reference import Frame
from kg.vocab import accepts, root

__all__ = ["RULESET", "PRIORS", "Frame", "Rules", "Found", "confidence", "role_predicate"]


@functools.lru_cache(maxsize=1)
def _calibration() -> dict[str, float]:
    """Per-rule confidences measured on the annotated articles (`kg calibrate`)."""
    try:
        text = resources.files("ingest").joinpath("data/calibration.json").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return {rule.rsplit("/", 1)[-1]: v["confidence"] for rule, v in json.loads(text)["rules"].items()}


def confidence(rule: str) -> float:
    """A rule's calibrated confidence, else its prior."""
    return _calibration().get(rule, PRIORS[rule])


@dataclass(frozen=True)
class Found:
    """A relation found in one sentence, before it becomes a model.Relation."""

    subject: str
    predicate: str
    object: str
    rule: str
    confidence: float
    hedged: bool = False
    anchor: int | None = None   # token index of the trigger whose clause states the fact


class Rules:
    """All rules for one sentence; yields Found relations."""

    def __init__(self, frame: Frame):
        self.f = frame
        self.last_funded: str | None = None
        self.anchor: int | None = None

    def run(self, sent) -> Iterator[Found]:
        self.anchor = None
        yield from self._surface_roles(sent)
        for t in sent:
            self.anchor = t.i
            frame = VERB_FRAMES.get(lemma_of(t))
            if frame and (t.pos_ in ("VERB", "AUX") or t.tag_.startswith("VB") or noun_verb(t)):
                yield from self._verb(t, frame)
            if is_round(t) and t.pos_ in ("NOUN", "PROPN"):
                yield from self._round_led_by(t)
            if t.lower_ in PARTNER_NOUNS and t.pos_ == "NOUN":
                yield from self._partner_noun(t)
            if t.dep_ == "poss":
                yield from self._possessive(t)
            if t.dep_ in ("compound", "nmod") and t.i in self.f.tok:
                yield from self._maker_compound(t)
            if t.lemma_.lower() in ROLE_LEADS | ROLE_FOUNDED | ROLE_WORKS and t.pos_ in ("NOUN", "PROPN"):
                yield from self._role(t)
            if t.lemma_.lower() in MAKER_NOUNS and t.pos_ == "NOUN":
                yield from self._maker(t)
            if t.lemma_.lower() in ("rival", "competitor", "challenger") and t.pos_ in ("NOUN", "PROPN") \
                    and t.dep_ not in ("appos", "attr"):
                yield from self._rivals(t)
            if t.lemma_.lower() in ORG_OF_ROLE and t.pos_ == "NOUN" and (
                    t.dep_ in ("appos", "attr") or (t.dep_ == "pobj" and t.head.lower_ == "as")):
                yield from self._org_role(t)
            if t.lemma_.lower() in ("participant", "investor", "backer", "part") or \
                    lemma_of(t) in ("participate", "join"):
                yield from self._participants(t)
            if t.lemma_.lower() in ("stint", "career", "tenure", "job", "internship") and t.pos_ == "NOUN":
                yield from self._stint(t)
            if t.lemma_.lower() in ("production", "development", "release", "launch", "rollout",
                                    "unveiling", "debut") and t.pos_ == "NOUN":
                yield from self._production(t)
            if t.lemma_.lower() in ("acquisition", "purchase", "takeover", "buyout") and t.pos_ == "NOUN":
                yield from self._acquisition(t)
            if t.lemma_.lower() in ("investment", "bet") and t.pos_ == "NOUN" and t.dep_ in OBJ_DEPS:
                yield from self._investment(t)
            if t.lemma_.lower() == "stake" and t.pos_ == "NOUN":
                yield from self._stake(t)
            if t.lemma_.lower() == "competition" and t.pos_ == "NOUN":
                yield from self._competition(t)
            if t.lemma_.lower() in ("office", "headquarters", "hq", "campus", "hub") and t.pos_ == "NOUN":
                yield from self._office(t)
            if lemma_of(t) in APPOINT_VERBS and t.pos_ == "VERB":
                yield from self._appoint(t)
            if t.lower_ in BACKED_WORDS and t.i >= 2 and t.doc[t.i - 1].text == "-":
                yield from self._backed(t)
            if t.lower_ == "based" or (t.lower_ == "headquartered" and t.dep_ == "amod"):
                yield from self._based(t)
            if t.ent_type_ == "NORP" or t.lower_ in DEMONYMS or (
                    t.dep_ == "compound" and t.i in self.f.tok and t.head.lower_ in ORG_HEADS):
                yield from self._demonym(t)

    # -- surface patterns (parse-independent) -------------------------------------------
    def _spans(self, sent) -> list[tuple[int, int, str]]:
        """Entity mentions in a sentence as (start, end, key), in order."""
        out: list[tuple[int, int, str]] = []
        for i in range(sent.start, sent.end):
            key = self.f.tok.get(i)
            if key is None:
                continue
            if out and out[-1][1] == i and out[-1][2] == key:
                out[-1] = (out[-1][0], i + 1, key)
            else:
                out.append((i, i + 1, key))
        return out

    def _role_run(self, i: int, end: int) -> tuple[int, list[str]]:
        """Role words from token i: 'former chief technology officer', 'co-founder and CEO'."""
        doc, words, j = self.f.doc, [], i
        while j < end and j - i < 7:
            low = doc[j].lower_
            if low in ROLE_WORDS or doc[j].lemma_.lower() in ROLE_WORDS:
                words.append(doc[j].lemma_.lower() if low not in ROLE_WORDS else low)
            elif not (low in ("and", "-", "the", "a", "an", "its", "fellow", "another") and words
                      or low in ("the", "a", "an", "its", "fellow", "another")):
                break
            j += 1
        while j > i and doc[j - 1].lower_ in ("and", "-", "the", "a", "an"):
            j -= 1
        return j, words

    def _surface_roles(self, sent) -> Iterator[Found]:
        """'Y, X's (former) chief executive', 'X's chief executive Y', 'X chief executive Y',
        'Y, the co-founder and CEO of X'."""
        doc = self.f.doc
        spans = self._spans(sent)
        kinds = {k: root(self.f.cls[k]) for _, _, k in spans}
        for n, (_start, b, key) in enumerate(spans):
            nxt = spans[n + 1] if n + 1 < len(spans) else None
            if kinds[key] == "Organization" and nxt and kinds[nxt[2]] == "Person":
                j = b + (1 if b < sent.end and doc[b].tag_ == "POS" else 0)
                stop, words = self._role_run(j, nxt[0])
                if words and stop == nxt[0]:
                    yield from self._role_facts(nxt[2], key, words)
            if kinds[key] == "Person" and b < sent.end and doc[b].text == ",":
                j = b + 1
                while j < sent.end and doc[j].lower_ in ("the", "a", "an"):
                    j += 1
                org = None
                if nxt and nxt[0] == j and kinds[nxt[2]] == "Organization" and nxt[1] < sent.end \
                        and doc[nxt[1]].tag_ == "POS":
                    org, j = nxt[2], nxt[1] + 1
                stop, words = self._role_run(j, sent.end)
                if not words:
                    continue
                if org is None and stop < sent.end and doc[stop].lower_ in ("of", "at"):
                    after = next((s for s in spans if s[0] == stop + 1), None)
                    if after and kinds[after[2]] == "Organization" and not (
                            after[1] + 1 < sent.end and doc[after[1]].tag_ == "POS"):
                        org = after[2]  # not "chief executive of Google's cloud unit"
                if org is not None:
                    yield from self._role_facts(key, org, words)

    def _role_facts(self, person: str, org: str, words: list[str]) -> Iterator[Found]:
        ws = set(words)
        if ws & ROLE_FOUNDED:
            yield from self._emit(person, "founded", org, "surface-role", False)
        pred = role_predicate(ws - ROLE_FOUNDED)
        if pred:
            yield from self._emit(person, pred, org, "surface-role", False)

    # -- emission ----------------------------------------------------------------------
    def _emit(self, s, p, o, rule, hedge=False, conf_scale=1.0) -> Iterator[Found]:
        if s is None or o is None or s == o:
            return
        if p == "owned_by":
            s, o, p = o, s, "owns"
        if not accepts(p, self.f.cls[s], self.f.cls[o]):
            return
        if p == "funds" and not hedge:
            self.last_funded = o
        yield Found(s, p, o, f"{RULESET}/{rule}", round(confidence(rule) * conf_scale, 3), hedge,
                    self.anchor)

    # -- verbs -------------------------------------------------------------------------
    def _subjects(self, v) -> tuple[list[str], bool]:
        """Subject entities of a verb, and whether they were inherited from another clause."""
        subs = [k for c in v.children if c.dep_ in SUBJ_DEPS for k in self.f.np(c, climb=True)]
        if not subs:  # "Mistral AI competes with": a mis-parsed name hangs left of the verb
            subs = [k for c in v.children if c.dep_ in ("compound", "amod", "npadvmod", "nmod")
                    and c.i < v.i and c.i in self.f.tok for k in self.f.np(c)]
            subs = [k for k in subs if root(self.f.cls[k]) != "Place"]
        if subs:
            return subs, False
        cur = v
        for _ in range(3):
            if cur.dep_ in ("xcomp", "advcl", "conj", "ccomp") and cur.head.i != cur.i:
                cur = cur.head
                subs = [k for c in cur.children if c.dep_ in SUBJ_DEPS for k in self.f.np(c, climb=True)]
                if not subs and v.dep_ == "conj" and cur.i == v.head.i:
                    # "X is based in Toronto and has offices in London": the shared surface subject
                    subs = [k for c in cur.children if c.dep_ == "nsubjpass" for k in self.f.np(c, climb=True)]
                if not subs and cur.dep_ != "ROOT":
                    continue
                if not subs:  # "Operating from Beijing, the lab's ..." : owner of the subject
                    subs = [k for c in cur.children if c.dep_ in SUBJ_DEPS
                            for g in c.children if g.dep_ == "poss" for k in self.f.np(g)]
                return subs, True
            if cur.dep_ in ("relcl", "acl", "amod") and (not is_passive(cur) or cur.tag_ == "VBD" or (
                    cur.tag_ == "VBN" and not any(c.dep_ == "agent" for c in cur.children)
                    and lemma_of(cur) in ("partner", "team", "collaborate", "compete"))):
                return self.f.np(cur.head, climb=True), True
            break
        return [], False

    def _verb(self, v, frame: str) -> Iterator[Found]:
        hedge = hedged(v)
        lemma = lemma_of(v)
        passive = is_passive(v) and not (  # "Stability AI partnered with Arm" parsed as a participle
            lemma in ("partner", "team", "collaborate", "compete", "ally") and v.dep_ in ("acl", "amod")
            and not any(c.dep_ == "agent" for c in v.children))
        subs, inherited = self._subjects(v)
        rule = "svo-inherited" if inherited else "svo"
        objs: list[str] = []
        agents: list[str] = []
        for c in v.children:
            if c.dep_ in OBJ_DEPS:
                objs += self.f.np(c, climb=True) or (self.f.owner_np(c) if frame == "use" else [])
            elif c.dep_ == "nsubjpass":
                objs += self.f.np(c, climb=True)
            elif c.dep_ == "agent":
                for o in c.children:
                    if o.dep_ == "pobj":
                        agents += self.f.owner_np(o)
        if not objs and v.dep_ == "relcl" and frame in ("found", "develop", "acquire", "fund") and \
                all(c.lower_ in ("that", "which", "whom") for c in v.children if c.dep_ in OBJ_DEPS):
            # "xAI, the company Elon Musk founded in 2023", "a startup that Ren Ito co-founded"
            objs = self._antecedent(v.head)
        if v.dep_ == "acl" and frame in ("found", "acquire") and not agents and v.i > 0 and \
                v.doc[v.i - 1].dep_ == "appos" and v.doc[v.i - 1].head.i == v.head.i and \
                (v.i - 1) in self.f.tok and root(self.f.cls[self.f.tok[v.i - 1]]) == "Person":
            # "the company Elon Musk founded in 2023" parsed as an apposition and a participle
            subs, objs, passive, rule = [self.f.tok[v.i - 1]], self._antecedent(v.head), False, "svo"
        if passive and not objs and v.dep_ == "conj":  # "is built from dies and is made by TSMC"
            objs = [k for c in v.head.children if c.dep_ in ("nsubjpass", "nsubj") for k in self.f.np(c, climb=True)]
        if passive:
            if v.dep_ in ("acl", "amod") and not any(c.dep_ == "nsubjpass" for c in v.children):
                # "X, a startup founded by Y", "a team ... funded by Y"
                objs += self.f.np(v.head, climb=True)
                if not objs:
                    objs += self._nearest_org_before(v)
                rule = "acl-passive"
            if inherited and not objs:
                objs = subs  # the inherited subject is this passive verb's patient
            subs = agents
            if not subs and frame == "locate":
                subs, objs = objs, []
            elif frame != "locate":
                rule = "svo-passive" if rule == "svo" else rule
        preps = list(preps_of(v))
        if lemma in ("build", "integrate", "add", "bring", "embed", "put", "base", "deploy") and \
                any(w in ("into", "to", "on", "in") for w, _o in preps):
            got = list(self._integration(v, lemma, subs, objs, preps, passive, hedge))
            yield from got
            if got and lemma in ("integrate", "add", "bring", "embed", "put"):
                return  # "Tencent added R1 to Yuanbao": Yuanbao uses R1, not Tencent
        if lemma in ("build", "develop", "design", "make", "create", "co-develop"):
            # "G42 built the Condor Galaxy supercomputers together with Cerebras"
            obj_preps = [x for c in v.children if c.dep_ in OBJ_DEPS for x in preps_of(c, ("with",))]
            with_orgs = [k for w, o in preps + obj_preps if w in ("with", "alongside")
                         for k in self.f.np(o, climb=True) if root(self.f.cls[k]) == "Organization"]
            for s in ([] if passive else subs):
                for k in with_orgs:
                    yield from self._emit(s, "partners_with", k, rule, hedge)
                for k in [k for w, o in preps + obj_preps if w == "with" for k in self.f.np(o, climb=True)
                          if root(self.f.cls[k]) == "Hardware"]:
                    yield from self._emit(s, "uses", k, rule, hedge)  # "built it with 100,000 H100 GPUs"
        if frame == "found":
            if lemma in ("found", "co-found", "cofound", "establish", "start", "create", "launch"):
                # "co-founded X with Y", "was co-founded by X, together with Y and Z"
                subs = subs + [k for w, o in preps if w in ("with", "alongside")
                               for k in self.f.np(o, climb=True) if k not in objs]
                # "co-founded by A, now its chief executive, together with B and C"
                subs = subs + [k for a in v.children if a.dep_ == "agent" for o in a.children
                               if o.dep_ == "pobj" for w in o.children
                               if w.dep_ == "prep" and w.lower_ == "with"
                               and any(c.lower_ in ("together", "along") for c in w.children)
                               for p in w.children if p.dep_ == "pobj"
                               for k in self.f.np(p, climb=True) if k not in objs]
                if lemma in ("found", "co-found", "cofound", "establish") and passive:
                    for o in objs:  # "DeepMind was founded in London", "a designer founded in Israel"
                        for w, p in preps:
                            if w == "in":
                                for k in self.f.np(p):
                                    if root(self.f.cls[k]) == "Place":
                                        yield from self._emit(o, "located_in", k, rule, hedge)
            for s in subs:
                for o in objs:
                    pred = "founded" if root(self.f.cls[o]) == "Organization" else "develops"
                    if pred == "develops" and lemma not in ("launch", "create", "build", "open"):
                        continue
                    if pred == "founded" and lemma in ("build", "open", "begin"):
                        continue
                    yield from self._emit(s, pred, o, rule, hedge)
        elif frame == "develop":
            subs = [self._employer(s_tok_key) or s_tok_key for s_tok_key in subs]
            if lemma == "train":  # "trained on Google's TPUs": the trainer or the model uses them
                on = [k for w, o in preps if w == "on" for k in self.f.np(o, climb=True)]
                on += [k for c in v.children if c.dep_ in OBJ_DEPS for w, o in preps_of(c, ("on",))
                       for k in self.f.np(o, climb=True)]
                models = [o for o in objs if root(self.f.cls[o]) == "AIModel"]
                # "trained on Google's TPUs" (the model, passive), "trains its Pangu models on
                # Ascend chips" (the models), "trains its models on X" (the company)
                for u in (objs if passive else models) or subs:
                    for h in on:
                        yield from self._emit(u, "uses", h, rule, hedge)
            if lemma in ("upgrade", "update", "equip"):  # "upgrade their systems with X chips"
                for s in subs:
                    for w, o in preps:
                        if w == "with":
                            for k in self.f.np(o, climb=True):
                                yield from self._emit(s, "uses", k, rule, hedge)
            answers = [k for w, p in preps if w == "with" and lemma in ("respond", "counter")
                       for k in self.f.np(p, climb=True)]  # "Nvidia responded with ... the H800"
            for s in subs:
                for o in objs + answers:
                    yield from self._emit(s, "develops", o, rule, hedge)

        elif frame == "fund":
            if lemma == "raise":  # "X raised $N from Y": Y funds X
                raisers = [k for k in subs if root(self.f.cls[k]) == "Organization"]
                if any(c.lemma_.lower() in ("investment", "stake", "bet") for c in v.children
                       if c.dep_ in OBJ_DEPS):
                    return  # "Amazon raised its investment in X": see _investment
                if raisers and not hedge:
                    self.last_funded = raisers[0]  # "..., with A and B taking part"
                for w, o in preps:
                    if w in ("from", "by"):
                        for funder in self.f.np(o, climb=True):
                            for s in subs:
                                yield from self._emit(funder, "funds", s, rule, hedge)
                return
            money = [c for c in v.children if c.dep_ in OBJ_DEPS]
            into = ("in", "into", "to") if lemma in ("commit", "pledge", "pour", "inject") and any(
                m.ent_type_ == "MONEY" for m in money) else ("in", "into")  # "committed $4bn to X"
            targets = objs + [k for w, o in preps + [x for m in money for x in preps_of(m)]
                              if w in into for k in self.f.np(o, climb=True)]
            if not targets and lemma == "invest" and self.last_funded:  # "OpenAI invested through its fund"
                targets = [self.last_funded]
            for s in subs:
                for o in targets:
                    yield from self._emit(s, "funds", o, rule, hedge)
        elif frame == "acquire":
            for s in subs:
                for o in objs:
                    pred = {"Organization": "acquires", "Hardware": "uses"}.get(root(self.f.cls[o]), "owns")
                    if root(self.f.cls[s]) == "Person" and pred == "acquires":
                        pred = "owns"  # "X, the social network Musk bought in 2022"
                    yield from self._emit(s, pred, o, rule, hedge)
        elif frame == "partner":
            if lemma == "join" and any(o.lower_ in PARTNER_NOUNS for _w, o in preps):
                group = list(dict.fromkeys(subs + objs))   # "joined BlackRock and Microsoft in a partnership"
                for i, a in enumerate(group):
                    for b in group[i + 1:]:
                        yield from self._emit(a, "partners_with", b, rule, hedge)
                return
            if lemma == "join":
                for s in subs:
                    if root(self.f.cls[s]) == "Person":
                        for o in objs:
                            yield from self._emit(s, "works_for", o, rule, hedge)
            if lemma in ("join", "sign", "strike", "ink", "forge") and not any(
                    c.lower_ in PARTNER_NOUNS for c in v.children):
                return
            others = [k for w, o in preps if w in ("with", "alongside") for k in self.f.np(o, climb=True)]
            if lemma in ("partner", "collaborate", "ally", "team"):
                others += objs
            for s in subs:
                for o in others:
                    yield from self._emit(s, "partners_with", o, rule, hedge)
            if not others and len(subs) > 1 and lemma in ("partner", "collaborate", "ally", "team"):
                for i, s in enumerate(subs):
                    for o in subs[i + 1:]:
                        yield from self._emit(s, "partners_with", o, rule, hedge)
        elif frame == "compete":
            others = objs + [k for w, o in preps if w in ("with", "against") for k in self.f.np(o, climb=True)]
            if any(o.lower_ in ("one", "each") for _w, o in preps):  # "compete with one another"
                others += subs
            for s in subs:
                for o in others:
                    yield from self._emit(s, "competes_with", o, rule, hedge)
        elif frame == "use" and lemma == "license" and any(w == "to" for w, _o in preps):
            for s in subs:                                   # "license its technology to Meta"
                for k in [k for w, o in preps if w == "to" for k in self.f.np(o, climb=True)]:
                    yield from self._emit(s, "partners_with", k, rule, hedge)
        elif frame == "use":
            if lemma == "power":  # "Hunyuan powers Yuanbao" / "Yuanbao is powered by Hunyuan"
                for s in subs:
                    for o in objs:
                        yield from self._emit(o, "uses", s, rule, hedge)
                return
            obj_on = [x for c in v.children if c.dep_ in OBJ_DEPS for x in preps_of(c, ("on",))]
            if lemma == "run" and not any(w == "on" for w, _o in preps + obj_on):
                for s in subs:  # "MiniMax runs the video generator Hailuo": operates its product
                    for o in objs:
                        pred = "develops" if root(self.f.cls[o]) == "Product" else "uses"
                        yield from self._emit(s, pred, o, rule, hedge)
                    if root(self.f.cls[s]) == "Person":
                        for o in objs:
                            yield from self._emit(s, "leads", o, rule, hedge)
                        for c in v.children:  # "who ran Google's operations in China"
                            if c.dep_ in OBJ_DEPS and c.lemma_.lower() in WORKPLACE_NOUNS \
                                    and c.i not in self.f.tok:
                                for k in self._poss_owner(c):
                                    yield from self._emit(s, "works_for", k, rule, hedge)
                return
            on = [k for w, o in preps if w in ("on", "with") for k in self.f.np(o, climb=True)]
            obj_toks = [c for c in v.children if c.dep_ in OBJ_DEPS]
            if lemma in ("run", "train", "deploy", "power", "host", "serve"):
                on += [k for c in obj_toks for w, o in preps_of(c, ("on",)) for k in self.f.np(o, climb=True)]
            if on and lemma in ("run", "train", "deploy", "power", "host", "serve"):
                subs = subs + [o for o in objs if root(self.f.cls[o]) in ("AIModel", "Product")]
                targets = on
            else:
                targets = objs + on
            for s in subs:
                for o in targets:
                    yield from self._emit(s, "uses", o, rule, hedge)
            if lemma == "run":  # "Masayoshi Son, who still runs it": a person runs an organisation
                for s in subs:
                    if root(self.f.cls[s]) == "Person":
                        for o in objs:
                            yield from self._emit(s, "leads", o, rule, hedge)
        elif frame == "lead":
            if v.dep_ in ("acl", "relcl") and v.head.lower_ in ROUND_NOUNS:
                return  # "a round led by X": a funding round, see _round_led_by
            if any(c.lower_ in ROUND_NOUNS for c in v.children if c.dep_ in OBJ_DEPS):
                yield from self._round(v, subs, hedge)
                return
            for s in subs:
                for o in objs:
                    yield from self._emit(s, "leads", o, rule, hedge)
        elif frame == "work":
            if lemma in ("hire", "employ", "recruit", "poach") and not passive:
                for s in subs:
                    for o in objs:
                        yield from self._emit(o, "works_for", s, rule, hedge)
                return
            if lemma in ("hire", "employ", "recruit", "poach"):
                for o in objs:
                    for s in subs:
                        yield from self._emit(o, "works_for", s, rule, hedge)
                return
            if lemma in ("leave", "quit", "depart"):
                for s in subs:
                    if root(self.f.cls[s]) == "Person":
                        for o in objs:
                            yield from self._emit(s, "works_for", o, rule, hedge)
                return
            at_words = ("from",) if lemma in ("come", "move") else ("at", "for")
            for s in subs:
                for w, o in preps:
                    if w in at_words or (lemma == "move" and w == "to"):
                        got = self.f.np(o, climb=True) + self.f.owner_np(o)
                        if not got and o.lemma_.lower() in WORKPLACE_NOUNS:
                            got = self._poss_owner(o)   # "came from Meta's AI research lab"
                        if not got and o.lemma_.lower() in JOB_NOUNS:  # "moved to a role at Google"
                            got = [k for _w, x in preps_of(o, ("at", "with", "in"))
                                   for k in self.f.np(x, climb=True)]
                        for k in got:
                            yield from self._emit(s, "works_for", k, rule, hedge)
        elif frame == "locate":
            places = [k for w, o in preps if w in ("in", "from", "out") for k in self.f.np(o)]
            for w, o in preps:
                if w == "out":
                    places += [k for _, oo in preps_of(o) for k in self.f.np(oo)]
            holders = subs or objs
            for s in holders:
                for p in places:
                    yield from self._emit(s, "located_in", p, "based" if lemma in ("base", "headquarter", "headquartered") else rule, hedge)

    def _poss_owner(self, n) -> list[str]:
        """The organisation a possessive before n names: 'Google's operations' -> Google."""
        return [k for k in self.f.possessors(n) if root(self.f.cls[k]) == "Organization"]

    def _antecedent(self, n) -> list[str]:
        """What a noun a relative clause hangs on denotes: 'xAI, the company (that) ...',
        'Sakana AI is a startup that ...'."""
        got = self.f.np(n, climb=True)
        if not got and n.dep_ in ("attr", "oprd") and n.head.lemma_ in ("be", "become", "remain"):
            got = [k for c in n.head.children if c.dep_ in SUBJ_DEPS for k in self.f.np(c, climb=True)]
        return got

    def _employer(self, person: str) -> str | None:
        """For a person named with a role compound ("Nvidia CEO Jensen Huang"), the company."""
        if root(self.f.cls[person]) != "Person":
            return None
        for i, key in self.f.tok.items():
            if key != person:
                continue
            t = self.f.doc[i]
            for c in t.children:
                if c.dep_ == "compound" and c.lemma_.lower() in ROLE_LEADS | ROLE_FOUNDED:
                    for g in [*c.children, *t.children]:
                        if g.i in self.f.tok and root(self.f.cls[self.f.tok[g.i]]) == "Organization":
                            return self.f.tok[g.i]
        return None

    def _integration(self, v, lemma, subs, objs, preps, passive, hedge) -> Iterator[Found]:
        """'DALL-E 3 is built into ChatGPT', 'added R1 to Yuanbao and to WeChat', 'Sonar is
        built on Llama 3.3': the host uses what is put into it, or what it is built on."""
        things = objs if objs else []
        if passive and not things:
            things = [k for c in v.children if c.dep_ == "nsubjpass" for k in self.f.np(c, climb=True)]
        hosts = [k for w, o in preps if w in ("into", "to", "in") and lemma != "base"
                 for k in self.f.np(o, climb=True)]
        bases = [k for w, o in preps if w == "on" and lemma in ("build", "base")
                 for k in self.f.np(o, climb=True)]
        for h in hosts:
            for x in things:
                if root(self.f.cls[h]) in ("Product", "AIModel") and root(self.f.cls[x]) in ("AIModel", "Product"):
                    yield from self._emit(h, "uses", x, "integration", hedge)
        for x in (things if passive else subs):
            for b in bases:
                yield from self._emit(x, "uses", b, "integration", hedge)

    def _nearest_org_before(self, v) -> list[str]:
        best = None
        for i, key in self.f.order:
            if i >= v.i:
                break
            if i >= sentence(v).start and root(self.f.cls[key]) == "Organization":
                best = key
        return [best] if best else []

    def _round(self, v, subs, hedge) -> Iterator[Found]:
        for c in v.children:
            if c.dep_ in OBJ_DEPS and c.lower_ in ROUND_NOUNS:
                targets = [k for k in self._round_target(c) if k not in subs]
                if not targets and any(g.dep_ == "poss" and g.lower_ == "its" for g in c.children):
                    got = self.f.recent(c, {"Organization"}, exclude=set(subs))  # "A and B co-led its round"
                    targets = [got] if got else []
                for target in targets:
                    for s in subs:
                        yield from self._emit(s, "funds", target, "round-lead", hedge)

    def _round_target(self, r) -> list[str]:
        """Who a funding round is for: 'a round in X', 'X's round', 'a round that valued X',
        'X raised $N in a round led by ...', else the company last seen raising money."""
        got = [k for _w, o in preps_of(r, ("in", "for", "into")) for k in self.f.np(o, climb=True)]
        got = got or self.f.possessors(r)
        got = got or [k for c in r.children if c.dep_ == "relcl" and lemma_of(c) == "value"
                      for d in c.children if d.dep_ in OBJ_DEPS for k in self.f.np(d)]
        if not got and r.dep_ == "nsubj" and lemma_of(r.head) == "value":  # "a round ... valued X at"
            got = [k for d in r.head.children if d.dep_ in OBJ_DEPS for k in self.f.np(d)]
        if not got:
            v = r.head.head if r.dep_ == "pobj" else r.head
            if lemma_of(v) in ("raise", "close", "secure", "announce", "complete", "land", "value"):
                got = [k for c in v.children if c.dep_ in ("nsubj", "nsubjpass") for k in self.f.np(c, climb=True)]
        if not got and self.last_funded:
            got = [self.last_funded]
        return [k for k in got if root(self.f.cls[k]) == "Organization"]

    def _round_led_by(self, r) -> Iterator[Found]:
        """'(raised $N) in a round led by X', 'a Series C round that was led by ASML'."""
        for c in r.children:
            if c.dep_ in ("acl", "relcl") and lemma_of(c) in ("lead", "co-lead") and any(
                    a.dep_ == "agent" for a in c.children):
                leaders = [k for a in c.children if a.dep_ == "agent"
                           for o in a.children if o.dep_ == "pobj" for k in self.f.np(o)]
                for target in self._round_target(r):
                    for lead in leaders:
                        yield from self._emit(lead, "funds", target, "round-lead", hedged(c))

    # -- nouns -------------------------------------------------------------------------
    def _partner_noun(self, n) -> Iterator[Found]:
        """'X announced a partnership with Y (to create Z)', 'a partnership between X and Y'."""
        hedge = hedged(n)
        parties: list[str] = []
        for _w, o in preps_of(n, ("with", "between", "among")):
            parties += self.f.np(o, climb=True)
        if not parties and n.dep_ in OBJ_DEPS:  # "signed a contract with CoreWeave" (with on the verb)
            for _w, o in preps_of(n.head, ("with",)):
                parties += self.f.np(o, climb=True)
        for c in n.children:
            if c.dep_ == "poss":
                parties += self.f.np(c)
        clause = n
        while clause.dep_ in ("appos", "compound") and clause.head.i != clause.i:
            clause = clause.head  # "signed an $11.9 billion, five-year contract with CoreWeave"
        if clause.dep_ in OBJ_DEPS or clause.dep_ == "nsubjpass":
            subs, _ = self._subjects(clause.head)
        elif clause.dep_ == "pobj" and clause.head.dep_ == "prep":
            subs, _ = self._subjects(clause.head.head)
        elif clause.dep_ == "nsubj" and clause.head.dep_ in ("ccomp", "xcomp", "advcl"):
            subs, _ = self._subjects(clause.head.head)  # "announced a partnership to develop" misparsed
        else:
            subs = []
        if not parties and len(subs) < 2:
            return
        group = list(dict.fromkeys(subs + parties))
        if True:
            for s in subs:
                for o in parties:
                    yield from self._emit(s, "partners_with", o, "partner-noun", hedge)
            if not parties:
                for i, s in enumerate(subs):
                    for o in subs[i + 1:]:
                        yield from self._emit(s, "partners_with", o, "partner-noun", hedge)
        # "... to create Stargate, a joint venture": every party founded it
        for c in n.children:
            if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in ("create", "form", "launch",
                                                                  "establish", "set", "build"):
                for d in c.children:
                    if d.dep_ in OBJ_DEPS:
                        for z in self.f.np(d, climb=True):
                            for s in group:
                                yield from self._emit(s, "founded", z, "jv-create", hedge)

    def _possessive(self, p) -> Iterator[Found]:
        """'China's DeepSeek', 'Nvidia's Blackwell chips', 'its Grok models', 'his fund, X'."""
        owner = self.f.at(p)
        if owner is None:
            return
        h = p.head
        hedge = np_hedged(h)
        owner_root = root(self.f.cls[owner])
        lemma = h.lemma_.lower()
        for c in [*h.children, *(g for k in h.children if k.dep_ == "compound" for g in k.children)]:
            if c.dep_ in ("compound", "amod") and c.lemma_.lower() in ORG_OF_ROLE:
                lemma = c.lemma_.lower()  # "its parent company Alphabet"
        # "OpenAI's chief executive Sam Altman", "X's rival Y", "X's parent Y"
        if lemma in ROLE_LEADS | ROLE_FOUNDED | ROLE_WORKS | set(ORG_OF_ROLE):
            named = [k for c in h.children if c.dep_ in ("appos", "compound") for k in self.f.np(c)]
            if h.dep_ in ("appos", "compound") and h.head.i in self.f.tok:
                named.append(self.f.tok[h.head.i])  # "OpenAI's chief executive Sam Altman"
            elif h.dep_ == "appos":
                named += self.f.np(h.head)
            named += [k for c in h.children if c.dep_ == "compound" and c.i in self.f.tok
                      for k in [self.f.tok[c.i]]]
            if h.dep_ == "nsubj" and h.head.lemma_ == "be":  # "whose chief executive is Adcock"
                named += [k for c in h.head.children if c.dep_ == "attr" for k in self.f.np(c)]
            if h.i in self.f.tok and lemma in ORG_OF_ROLE:
                named.append(self.f.tok[h.i])  # "its rival OpenAI": the role word modifies the name
            named = [k for k in dict.fromkeys(named) if k != owner]
            for k in named:
                if lemma in ORG_OF_ROLE and root(self.f.cls[k]) == "Organization":
                    pred = ORG_OF_ROLE[lemma]
                    if pred == "funds":
                        yield from self._emit(k, "funds", owner, "poss-role", hedge)
                    else:
                        yield from self._emit(owner, pred, k, "poss-role", hedge)
                elif root(self.f.cls[k]) == "Person":
                    pred = _role_predicate(h)
                    if pred:
                        yield from self._emit(k, pred, owner, "poss-role", hedge)
            return
        targets = self.f.np(h)
        # "OpenAI's GPT-4o and Google's Gemini": a coordinate with its own possessor is not ours
        targets = [k for k in targets if not any(
            self.f.tok.get(c.i) == k and any(g.dep_ == "poss" and g.i != p.i for g in c.children)
            for c in conjuncts(h))]
        if not targets and h.dep_ in ("compound", "nmod") and h.head.i in self.f.tok:
            targets = [self.f.tok[h.head.i]]  # "DeepSeek's language model R1"
        if not targets and h.dep_ == "appos" and h.head.i in self.f.tok:
            targets = [self.f.tok[h.head.i]]
        elif not targets and h.dep_ == "pobj" and h.head.lower_ == "as":
            verb = h.head.head   # "X, which Anthropic describes as its first reasoning model"
            targets = [k for c in verb.children if c.dep_ == "dobj" for k in self.f.np(c)]
            if not targets and verb.dep_ == "relcl":
                targets = self.f.np(verb.head)
        elif not targets and h.dep_ == "nsubj" and h.head.lemma_ in ("include", "be", "comprise") and (
                h.lemma_.lower() in TYPE_ROOT or h.lemma_.lower() in ("lineup", "portfolio", "offering")):
            # "Its flagship Command models include Command R+ and Command A"
            targets = [k for c in h.head.children if c.dep_ in ("dobj", "attr") for k in self.f.np(c)]
        if not targets and h.dep_ == "appos":
            return
        if not targets and owner_root == "Place" and h.lemma_.lower() in DEFINITE and h.dep_ == "pobj" \
                and h.head.lower_ == "of" and h.head.head.lower_ in ("one", "some", "two", "three"):
            one = h.head.head  # "Cohere has become one of Canada's largest AI companies"
            if one.dep_ in ("attr", "oprd") or (one.dep_ == "appos" and one.head.i in self.f.tok):
                targets = self._antecedent(one) if one.dep_ != "appos" else [self.f.tok[one.head.i]]
                targets = [k for k in targets if root(self.f.cls[k]) == "Organization"]
        for t in targets:
            if t == owner:
                continue
            troot, tcls = root(self.f.cls[t]), self.f.cls[t]
            if owner_root == "Place" and troot == "Organization":
                yield from self._emit(t, "located_in", owner, "poss", hedge)
            elif owner_root == "Organization":
                if troot in ("AIModel", "Product") or (troot == "Hardware" and tcls != "Supercomputer"
                                                        and lemma not in ("cluster", "supercomputer")):
                    yield from self._emit(owner, "develops", t, "poss", hedge)
                elif troot in ("Hardware", "Organization") and lemma not in RELATIONAL_NOUNS:
                    yield from self._emit(owner, "owns", t, "poss", hedge, 0.9)
            elif owner_root == "Organization" and troot == "Person":
                roles = [c for c in h.children if c.dep_ in ("compound", "amod") and
                         c.lemma_.lower() in ROLE_LEADS | ROLE_FOUNDED | ROLE_WORKS]
                if roles:
                    pred = _role_predicate(roles[-1], extra=h)
                    if pred:
                        yield from self._emit(t, pred, owner, "poss-role", hedge)
            elif owner_root == "Person" and troot == "Organization":
                pred = "owns" if p.lower_ not in ("his", "her") else "leads"
                yield from self._emit(owner, pred, t, "poss", hedge)

    def _rivals(self, t) -> Iterator[Found]:
        """'Rivals AMD and Intel are racing', 'rivals such as DeepSeek': they compete with the
        owner named by a possessive, else with the organisation the passage is about."""
        named = []
        if t.dep_ in ("compound", "amod", "nmod") and t.head.i in self.f.tok:
            named = self.f.np(t.head)
        named += [k for c in t.children if c.dep_ in ("appos", "compound") and c.i in self.f.tok
                  for k in self.f.np(c)]
        named += [k for w, o in preps_of(t, ("such", "as", "like", "including")) for k in self.f.np(o)]
        named += [k for c in t.children if c.dep_ == "amod" and c.lower_ == "such"
                  for w, o in preps_of(c, ("as",)) for k in self.f.np(o)]
        named = [k for k in dict.fromkeys(named) if root(self.f.cls[k]) == "Organization"]
        if not named:
            return
        owner = next(iter(self.f.possessors(t)), None)
        if owner is None:
            owner = self.f.recent(t, {"Organization"}, exclude=set(named))
        for k in named:
            yield from self._emit(owner, "competes_with", k, "rival-noun", np_hedged(t))

    def _participants(self, t) -> Iterator[Found]:
        """Investors named without a verb of funding: 'A and B were among the backers',
        'counts A among its investors', 'with A and B participating', 'A took part in X's
        round', 'Its early backers included A and B', 'A joined the round'. They fund the
        round's company, else the company last seen raising money in this passage."""
        lemma = t.lemma_.lower()
        funders: list[str] = []
        target: list[str] = []
        owner = self.f.possessors(t)
        if lemma in ("backer", "investor") and t.dep_ == "nsubj":   # "its backers included A, B"
            target = owner
            funders = [k for c in t.head.children if c.dep_ in ("dobj", "attr") for k in self.f.np(c)]
        elif lemma in ("participant", "investor", "backer") and t.dep_ == "pobj" and t.head.lower_ == "among":
            verb = t.head.head
            target = owner
            if verb.pos_ in ("PROPN", "NOUN"):                       # "with Nvidia and AMD among"
                funders = self.f.np(verb)
            elif verb.lemma_ == "be":                                # "A and B were among the investors"
                funders = [k for c in verb.children if c.dep_ == "nsubj" for k in self.f.np(c)]
            else:                                                    # "counts A and B among its investors"
                funders = [k for c in verb.children if c.dep_ == "dobj" for k in self.f.np(c)]
                # "$6 billion followed, with Nvidia and AMD among the strategic investors"
                funders = funders or [k for _w, o in preps_of(verb, ("with",)) for k in self.f.np(o)]
        elif lemma in ("investor", "backer", "participant", "shareholder") and any(
                w in ("including", "such", "like") for w, _o in preps_of(t, ("including", "such", "like"))):
            # "funding from investors including A, B and C", "backers such as A"
            funders = [k for _w, o in preps_of(t, ("including", "such", "like", "as")) for k in self.f.np(o)]
            target = owner
        elif lemma == "part" and t.head.lemma_ == "take":            # "A took part in X's round"
            verb = t.head
            funders = [k for c in verb.children if c.dep_ in ("nsubj",) for k in self.f.np(c)]
            funders += [k for c in verb.children if c.dep_ == "nsubj" and c.lower_ == "which"
                        for k in []]
            for _w, o in preps_of(verb, ("in",)):
                if is_round(o) or o.lemma_.lower() in ROUND_NOUNS:
                    target = self._round_target(o)
            if verb.dep_ == "relcl" and is_round(verb.head):          # "a Series A in which A took part"
                target = target or self._round_target(verb.head)
            if not funders and verb.lower_ == "taking":  # "..., with A, B and C taking part"
                funders = self._with_list_before(verb)
                if verb.dep_ == "acl" and is_round(verb.head):
                    target = target or self._round_target(verb.head)
        elif lemma_of(t) in ("participate", "join") and t.pos_ == "VERB":
            subs = [k for c in t.children if c.dep_ == "nsubj" for k in self.f.np(c)]
            if not subs and t.dep_ in ("acl", "advcl", "pcomp", "xcomp") and t.head.i in self.f.tok:
                subs = self.f.np(t.head)                              # "with Nvidia and SoftBank participating"
            in_round = any(is_round(o) for _, o in preps_of(t)) or any(
                is_round(c) for c in t.children if c.dep_ in OBJ_DEPS)
            investors_joining = lemma_of(t) == "join" and self.last_funded and subs and not any(
                c.dep_ in OBJ_DEPS for c in t.children) and all(self.f.cls[k] == "Investor" for k in subs)
            if not in_round and not (lemma_of(t) == "participate" and self.last_funded) \
                    and not investors_joining:  # "Intel Capital also joined" (a round just told)
                return
            funders = subs
        if not funders:
            return
        if not target:
            target = [self.last_funded] if self.last_funded else []
        if not target and lemma in ("backer", "investor", "participant"):
            got = self.f.recent(t, {"Organization"}, exclude=set(funders))
            target = [got] if got else []
        for f in funders:
            for x in target:
                yield from self._emit(f, "funds", x, "participants" if lemma != "backer" else "backers",
                                      hedged(t))

    def _with_list_before(self, v) -> list[str]:
        """Entities listed between 'with' and the participle v: 'with A, B and C taking part'
        (read from the surface; the parser often hangs the list elsewhere)."""
        doc, keys, j = self.f.doc, [], v.i - 1
        while j >= sentence(v).start:
            if j in self.f.tok:
                keys.append(self.f.tok[j])
            elif doc[j].lower_ == "with":
                return list(dict.fromkeys(reversed(keys)))
            elif not (doc[j].is_punct or doc[j].lower_ in ("and", "also", "both")):
                return []
            j -= 1
        return []

    def _acquisition(self, n) -> Iterator[Found]:
        """'Nvidia completed its acquisition of Run:ai', 'its $6.9 billion purchase of Mellanox',
        'Microsoft's takeover of Activision': the possessor (else the clause's subject) buys."""
        bought = [k for _w, o in preps_of(n, ("of",)) for k in self.f.np(o, climb=True)]
        if not bought:
            return
        buyers = self.f.possessors(n)
        if not buyers and n.dep_ in OBJ_DEPS and lemma_of(n.head) in ("complete", "close", "announce",
                                                                      "finalize", "finalise"):
            buyers, _ = self._subjects(n.head)
        hedge = np_hedged(n) or (n.dep_ in OBJ_DEPS and hedged(n.head)) or any(
            c.lower_ in UNREAL_DEAL for c in n.children if c.dep_ in ("amod", "compound"))
        for b in buyers:
            for o in bought:
                pred = "acquires" if root(self.f.cls[o]) == "Organization" else "owns"
                yield from self._emit(b, pred, o, "svo", hedge)

    def _investment(self, n) -> Iterator[Found]:
        """'Microsoft made a small investment in Mistral AI', 'A announced a $1bn bet on B'."""
        if lemma_of(n.head) not in ("make", "announce", "complete", "finalize", "finalise", "place",
                                    "raise", "increase", "boost", "double", "expand", "triple"):
            return
        targets = [k for _w, o in preps_of(n, ("in", "into", "on")) for k in self.f.np(o, climb=True)]
        subs, _ = self._subjects(n.head)
        for s in subs:
            for o in targets:
                yield from self._emit(s, "funds", o, "svo", hedged(n.head) or np_hedged(n))

    def _stint(self, n) -> Iterator[Found]:
        """'after a short stint at Anthropic', 'his career at Google': worked there."""
        orgs = [k for _w, o in preps_of(n, ("at", "with")) for k in self.f.np(o, climb=True)
                if root(self.f.cls[k]) == "Organization"]
        people = self.f.possessors(n)
        if not people:
            v = n.head.head if n.dep_ == "pobj" else n.head
            people, _ = self._subjects(v) if v.pos_ in ("VERB", "AUX") else ([], False)
        for p in people:
            for o in orgs:
                yield from self._emit(p, "works_for", o, "stint", np_hedged(n))

    def _production(self, n) -> Iterator[Found]:
        """'SK Hynix began mass production of HBM3E', 'Nvidia's release of the H200'."""
        things = [k for _w, o in preps_of(n, ("of",)) for k in self.f.np(o, climb=True)
                  if root(self.f.cls[k]) in ("AIModel", "Hardware", "Product")]
        if not things:
            return
        makers = self.f.possessors(n)
        if not makers and n.dep_ in OBJ_DEPS and lemma_of(n.head) in (
                "begin", "start", "announce", "complete", "finish", "ramp", "expand", "accelerate"):
            makers, _ = self._subjects(n.head)
        for m in makers:
            for x in things:
                yield from self._emit(m, "develops", x, "production-noun", hedged(n.head))

    def _stake(self, n) -> Iterator[Found]:
        """'Microsoft took a minority stake in the group': a stake is funding."""
        if n.dep_ not in OBJ_DEPS or lemma_of(n.head) not in ("take", "buy", "acquire", "hold", "own", "get"):
            return
        holders, _ = self._subjects(n.head)
        for k in [k for _w, o in list(preps_of(n, ("in",))) + list(preps_of(n.head, ("in",)))
                  for k in self.f.np(o, climb=True)]:
            for h in holders:
                yield from self._emit(h, "funds", k, "stake", hedged(n.head))

    def _competition(self, n) -> Iterator[Found]:
        """'Huawei also faces competition from Cambricon'."""
        if n.dep_ not in OBJ_DEPS:
            return
        subs, _ = self._subjects(n.head)
        others = [k for _w, o in preps_of(n, ("from", "with")) for k in self.f.np(o, climb=True)]
        others += [k for _w, o in preps_of(n.head, ("from",)) for k in self.f.np(o, climb=True)]
        for s_ in subs:
            for o in others:
                yield from self._emit(s_, "competes_with", o, "competition-noun", hedged(n.head))

    def _office(self, n) -> Iterator[Found]:
        """'has offices in San Francisco and London', 'with a large office in Paris'."""
        places = [k for w, o in preps_of(n, ("in",)) for k in self.f.np(o)]
        if not places and n.dep_ == "dobj" and n.head.lemma_ in ("have", "open", "keep", "run"):
            places = [k for w, o in preps_of(n.head, ("in",)) for k in self.f.np(o)]  # "has offices | in X"
        places = [k for k in places if root(self.f.cls[k]) == "Place"]
        if not places:
            return
        owners = self.f.possessors(n)
        if not owners:
            verb = n.head if n.dep_ in ("dobj", "attr") else (
                n.head.head if n.dep_ == "pobj" and n.head.lower_ == "with" else None)
            if verb is not None:
                owners, _ = self._subjects(verb) if verb.pos_ in ("VERB", "AUX") else ([], False)
                if not owners and n.dep_ == "pobj":
                    owners = [k for c in verb.children if c.dep_ in ("nsubj",) for k in self.f.np(c)]
        for o in owners:
            for p in places:
                yield from self._emit(o, "located_in", p, "office", hedged(n))

    def _maker(self, n) -> Iterator[Found]:
        """'OpenAI, the developer of ChatGPT', 'the company behind Stable Diffusion',
        'the ChatGPT maker' (in apposition or as a copula's complement)."""
        things = [k for w, o in preps_of(n, ("of", "behind")) for k in self.f.np(o, climb=True)]
        things += [self.f.tok[c.i] for c in n.children if c.dep_ == "compound" and c.i in self.f.tok]
        things = [k for k in things if root(self.f.cls[k]) in ("AIModel", "Hardware", "Product")]
        if not things:
            return
        if n.dep_ == "appos":
            makers = self.f.np(n.head)
        elif n.dep_ == "attr":
            makers = [k for c in n.head.children if c.dep_ == "nsubj" for k in self.f.np(c)]
        else:
            makers = [self.f.tok[c.i] for c in n.children if c.dep_ == "appos" and c.i in self.f.tok]
            if not makers and any(c.lower_ == "the" for c in n.children):
                makers = [k for k in [self.f.at(n)] if k]
        for m in makers:
            for x in things:
                yield from self._emit(m, "develops", x, "maker-noun", np_hedged(n))

    def _maker_compound(self, t) -> Iterator[Found]:
        """'AMD Instinct processors', '100,000 Nvidia H100 GPUs': the maker names the product."""
        org = self.f.tok[t.i]
        if root(self.f.cls[org]) != "Organization":
            return
        h = t.head
        thing = self.f.tok.get(h.i)
        if thing is None:  # "Nvidia H100 GPUs": both modify the type word
            thing = next((self.f.tok[c.i] for c in h.children
                          if c.dep_ in ("compound", "amod", "nmod") and c.i > t.i and c.i in self.f.tok), None)
        if thing is None or thing == org:
            return
        if root(self.f.cls[thing]) in ("Hardware", "AIModel", "Product") and \
                self.f.cls[thing] != "Supercomputer":
            yield from self._emit(org, "develops", thing, "compound-maker", np_hedged(h))

    def _role(self, n) -> Iterator[Found]:
        """Person–organisation roles: appositions, compounds and copulas around a role noun."""
        pred = _role_predicate(n)
        if pred is None:
            return
        hedge = np_hedged(n)
        orgs = [k for w, o in preps_of(n, ("of", "at", "behind", "for", "with")) for k in self.f.np(o, climb=True)]
        orgs += self.f.possessors(n)
        if not orgs and n.dep_ == "attr":
            orgs = [k for w, o in preps_of(n.head, ("at", "of", "for")) for k in self.f.np(o, climb=True)]
        if not orgs and n.dep_ == "conj":  # "the co-founder and chief executive of Mistral"
            orgs = [k for w, o in preps_of(n.head, ("of", "at")) for k in self.f.np(o, climb=True)]
        for c in n.children:
            if c.dep_ == "conj" and c.lemma_.lower() in ROLE_LEADS | ROLE_FOUNDED | ROLE_WORKS:
                orgs += [k for w, o in preps_of(c, ("of", "at")) for k in self.f.np(o, climb=True)]
        orgs += [self.f.tok[c.i] for c in n.children
                 if c.dep_ in ("compound", "nmod", "amod") and c.i in self.f.tok]
        for c in n.children:  # "chief executive": the org sits on the compound "chief"
            if c.dep_ in ("compound", "amod") and c.i not in self.f.tok:
                orgs += [self.f.tok[g.i] for g in c.children
                         if g.dep_ in ("compound", "nmod") and g.i in self.f.tok]
        orgs = [k for k in orgs if root(self.f.cls[k]) == "Organization"]
        implicit = not orgs and (n.dep_ == "attr" or (n.dep_ == "pobj" and n.head.lower_ == "as")) \
            and not any(c.dep_ == "prep" for c in n.children)
        if implicit:  # "X stepped down as chief executive": of the organisation the passage is about
            got = self.f.recent(n, {"Organization"})
            orgs = [got] if got else []
        if not orgs:
            return
        people: list[tuple[str, str]] = []
        role = n.head if n.dep_ == "conj" else n
        if role.dep_ == "appos":                                # "Y, the CEO of X"
            people += [(k, "appos-role") for k in self.f.np(role.head)]
        if role.dep_ == "pobj" and role.head.lower_ == "as":    # "named Y as its CEO", "Y ... as CEO"
            verb = role.head.head
            objs = [k for c in verb.children if c.dep_ in ("dobj",) for k in self.f.np(c)]
            if not objs and verb.dep_ == "pobj" and verb.head.lower_ == "with":
                objs = self.f.np(verb)                            # "with Sean White as its CEO"
            subs = [k for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for k in self.f.np(c)]
            people += [(k, "copula-role") for k in (objs or subs)]
        people += [(k, "appos-role") for c in n.children if c.dep_ == "appos" for k in self.f.np(c)]
        if n.dep_ in ("compound", "amod") and n.head.i in self.f.tok:  # "OpenAI CEO Sam Altman"
            people.append((self.f.tok[n.head.i], "compound-role"))
        if role.dep_ == "attr":                                  # "Y is the CEO of X"
            people += [(k, "copula-role") for c in role.head.children if c.dep_ == "nsubj"
                       for k in self.f.np(c)]
        for person, rule in people:
            if root(self.f.cls[person]) != "Person":
                continue
            for org in orgs:
                yield from self._emit(person, pred, org, rule, hedge)

    def _org_role(self, n) -> Iterator[Found]:
        """'X, a subsidiary of Y', 'X is a rival of Y', 'X, an investor in Y'."""
        if n.dep_ == "appos":
            heads = self.f.np(n.head)
        elif n.dep_ == "pobj" and n.head.lower_ == "as":  # "A and B were named as X's partners"
            verb = n.head.head
            heads = [k for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "dobj") for k in self.f.np(c)]
        else:
            heads = [k for c in n.head.children if c.dep_ == "nsubj" for k in self.f.np(c)]
        others = [k for w, o in preps_of(n, ("of", "in", "to", "with")) for k in self.f.np(o, climb=True)]
        others += self.f.possessors(n)
        others += [self.f.tok[c.i] for c in n.children if c.dep_ in ("compound", "nmod")
                   and c.i in self.f.tok and root(self.f.cls[self.f.tok[c.i]]) == "Organization"]
        pred = ORG_OF_ROLE[n.lemma_.lower()]
        hedge = np_hedged(n)
        if not others and n.tag_ == "NNS" and n.dep_ == "attr" and pred in ("competes_with", "partners_with"):
            others = heads   # "ByteDance and Tencent are rivals"
        for x in heads:
            for y in others:
                if pred == "owns":      # X is a subsidiary of Y
                    yield from self._emit(y, "owns", x, "org-role", hedge)
                elif pred == "owned_by":  # X is the parent of Y
                    yield from self._emit(x, "owns", y, "org-role", hedge)
                else:
                    yield from self._emit(x, pred, y, "org-role", hedge)

    def _appoint(self, v) -> Iterator[Found]:
        """'X named Y (as) its chief executive', 'Y was named CEO of X', 'Y was promoted to
        chief research officer at X', 'X named Z its primary partner' (read from the surface
        of the clause: the parser labels these small clauses in many ways)."""
        doc, sent = self.f.doc, sentence(v)
        kinds = {i: root(self.f.cls[k]) for i, k in self.f.tok.items() if sent.start <= i < sent.end}
        after = [i for i in sorted(kinds) if i > v.i]
        before = [i for i in sorted(kinds) if i < v.i]
        passive = any(c.dep_ == "auxpass" for c in v.children) or (
            before and kinds[before[-1]] == "Person" and doc[v.i - 1].lower_ in ("was", "been", "is", "be"))
        # the appointee: the first name after the verb (active), the name before it (passive)
        if passive:
            who = self.f.tok[before[-1]] if before and kinds[before[-1]] == "Person" else None
            j = v.i + 1
        else:
            if not after:
                return
            first = after[0]
            who = self.f.tok[first]
            j = first + 1
            while j < sent.end and self.f.tok.get(j) == who:
                j += 1
        if who is None:
            return
        while j < sent.end and doc[j].lower_ in ("as", "to", "its", "the", "their", "new", "a", "an"):
            j += 1
        stop, words = self._role_run(j, sent.end)
        for k in range(j, min(j + 4, sent.end)) if not words else ():
            if doc[k].lemma_.lower() in ORG_OF_ROLE:   # "its primary training partner"
                stop, words = k + 1, [doc[k].lemma_.lower()]
                break
            if doc[k].pos_ not in ("ADJ", "NOUN"):
                break
        if not words:
            return
        org = None
        if stop + 1 < sent.end and doc[stop].lower_ in ("of", "at") and (stop + 1) in self.f.tok:
            org = self.f.tok[stop + 1]
        elif stop < sent.end and doc[stop].lower_ in ("of", "at"):
            return  # "chief executive of applications": a part of the company, not the company
        if org is None:
            subs, _ = self._subjects(v)
            if not subs and not passive and before and kinds[before[-1]] == "Organization":
                subs = [self.f.tok[before[-1]]]
            org = next((k for k in subs if root(self.f.cls[k]) == "Organization"), None)
        if org is None or root(self.f.cls[org]) != "Organization":
            return
        hedge = hedged(v)
        if root(self.f.cls[who]) == "Person":
            yield from self._role_facts(who, org, words)
        elif kinds.get(after[0] if after else -1) == "Organization" and words[-1] in ORG_OF_ROLE:
            pred = ORG_OF_ROLE[words[-1]]   # "Anthropic named AWS its primary training partner"
            if pred in ("partners_with", "competes_with"):
                yield from self._emit(org, pred, who, "svo", hedge)

    def _backed(self, t) -> Iterator[Found]:
        """'Microsoft-backed OpenAI', 'the SoftBank-owned chip designer Arm' (read from the
        surface: the parser rarely gets these compounds right)."""
        doc = self.f.doc
        backer = self.f.tok.get(t.i - 2)
        if backer is None:
            return
        target = None
        for j in range(t.i + 1, min(t.i + 5, sentence(t).end)):
            if j in self.f.tok:
                target = self.f.tok[j]
                break
            if doc[j].is_punct or doc[j].pos_ in ("VERB", "AUX", "ADP", "CCONJ", "PRON", "DET", "NUM"):
                return
        if target is None or target == backer:
            return
        yield from self._emit(backer, BACKED_WORDS[t.lower_], target, "backed", np_hedged(t.head))

    def _based(self, t) -> Iterator[Found]:
        """'the Paris-based Mistral', 'X, based in Y' (the latter handled by the verb frame)."""
        places = []
        for c in t.children:
            if c.dep_ in ("npadvmod", "compound", "nmod", "amod", "advmod") and c.i in self.f.tok:
                places.append(self.f.tok[c.i])
        if t.i >= 2 and t.doc[t.i - 1].text == "-":
            j = t.i - 2
            while j >= 0 and (j in self.f.tok or t.doc[j].text == ","):
                if j in self.f.tok:
                    places.append(self.f.tok[j])
                j -= 1
        places = [k for k in dict.fromkeys(places) if root(self.f.cls[k]) == "Place"]
        if not places:
            return
        holders = self.f.np(t.head, climb=True) if t.dep_ in ("amod", "compound", "acl") else []
        for h in holders:
            for pl in places:
                yield from self._emit(h, "located_in", pl, "based", np_hedged(t.head))

    def _demonym(self, t) -> Iterator[Found]:
        """'a Chinese AI lab, DeepSeek', 'French startup Mistral': located_in the country."""
        country = DEMONYMS.get(t.lower_)
        key = self.f.place_keys.get(country) if country else None
        if key is None and t.i in self.f.tok and root(self.f.cls[self.f.tok[t.i]]) == "Place" and \
                t.dep_ == "compound" and t.head.lower_ in ORG_HEADS and t.head.i not in self.f.tok:
            key = self.f.tok[t.i]
        if key is None or t.dep_ not in ("amod", "compound", "nmod"):
            return
        head = t.head
        for _ in range(2):  # "Chinese AI lab": climb through the compound "AI"
            if head.i in self.f.tok or head.lower_ in ORG_HEADS or head.dep_ not in (
                    "compound", "amod", "nmod"):
                break
            head = head.head
        if head.i in self.f.tok:
            holders = [self.f.tok[head.i]]
        elif head.lower_ in ORG_HEADS:
            holders = self.f.np(head, climb=True)
            if not holders and head.dep_ == "compound" and head.head.i in self.f.tok:
                holders = [self.f.tok[head.head.i]]   # "the Abu Dhabi investor MGX"
        else:
            return
        for h in holders:
            yield from self._emit(h, "located_in", key, "demonym", np_hedged(head))


def is_round(t) -> bool:
    """A funding round: 'round', 'funding', 'Series A' (the letter with 'Series' before it)."""
    if t.lower_ in ROUND_NOUNS:
        return True
    return len(t.text) == 1 and t.text.isupper() and any(
        c.lower_ == "series" for c in t.children if c.dep_ == "compound")


def _role_predicate(n, extra=None) -> str | None:
    words = {n.lemma_.lower()} | {c.lemma_.lower() for c in n.children if c.dep_ in ("compound", "amod")}
    if extra is not None:
        words |= {c.lemma_.lower() for c in extra.children if c.dep_ in ("compound", "amod")}
    return role_predicate(words)


def role_predicate(words: set[str]) -> str | None:
    """The predicate a set of role words states: founder -> founded, CEO -> leads,
    CTO or vice president -> works_for."""
    if words & ROLE_FOUNDED:
        return "founded"
    if words & {"vice", "deputy", "senior", "assistant"} or ("chief" in words and words & {
            "technology", "scientist", "science", "operating", "financial", "research", "ai",
            "product", "marketing"}):
        return "works_for"
    if ("executive" in words and not words & (ROLE_LEADS - {"executive"}) and "top" not in words) \
            or words & {"researcher", "engineer"}:
        return "works_for"  # "a former executive at SenseTime" (a chief executive leads)
    if words & (ROLE_LEADS | {"ceo"}):
        return "leads"
    if words & ROLE_WORKS:
        return "works_for"
    return None
