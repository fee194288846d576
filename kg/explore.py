"""The SPARQL behind KnowledgeGraph.search, neighbours, path, evidence and timeline.

Call these through KnowledgeGraph (kg/api.py), whose docstrings show examples. Everything
here reads the graph with `kg.query` only, in standard SPARQL 1.1, so it runs the same on the
embedded store and on a remote SPARQL server. Every value that comes from the caller (a name,
a search text, an entity or predicate IRI) is passed as a bound parameter, never written into
the query text, and each bound variable is projected and used in the WHERE pattern. Rows are
ordered in Python: no result order is assumed.

Results are plain dicts and lists of dicts (one row per thing), ready for
`pandas.DataFrame(rows)`.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from kg.errors import ConfigError, NotFound
from kg.vocab import CLASS_PARENT, KG, PREDICATE_SNAKE, PREDICATES, SYMMETRIC, ancestors

Row = dict[str, Any]

# -- names ---------------------------------------------------------------------------------
_ALL_LABELS = """SELECT DISTINCT ?name WHERE {
  ?a schema:mentions ?e . { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name } }"""


def resolve(kg, name: str) -> str:
    """The IRI of the entity called `name` (label or alias, any case, or its IRI); NotFound,
    naming it and suggesting close matches, when there is none."""
    if not isinstance(name, str):
        raise ConfigError(f"an entity is named by a string (label, alias or IRI), not {name!r}")
    iri = kg._find_entity(name)
    if iri is not None:
        return iri
    hint = suggestions(kg, name)
    raise NotFound(f"unknown entity {name.strip()!r}: no label, alias or IRI matches"
                   + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""))


def suggestions(kg, name: str, n: int = 3) -> list[str]:
    """Up to n labels close to `name`: names containing it, else similar spellings."""
    text = name.strip()
    if not text or text.startswith(("http://", "https://")):
        return []
    found = [r["label"] for r in search(kg, text, limit=n)]
    if found:
        return found
    names = {r["name"].lower(): r["name"] for r in kg.query(_ALL_LABELS) if r["name"]}
    close = difflib.get_close_matches(text.lower(), sorted(names), n=n, cutoff=0.75)
    return [names[c] for c in close]


_PREDICATE_NAMES = {**{s.lower(): s for s in PREDICATES}, **{c.lower(): s for c, s in PREDICATE_SNAKE.items()}}


def predicate(name: str) -> tuple[str, str]:
    """(snake name, IRI) of a predicate given as "works_for", "worksFor", "kg:worksFor" (any
    case) or its full IRI; NotFound listing the valid names otherwise."""
    if isinstance(name, str):
        text = name.strip()
        local = text[len(KG):] if text.startswith(KG) else text[3:] if text.startswith("kg:") else text
        snake = _PREDICATE_NAMES.get(local.lower())
        if snake is not None:
            return snake, KG + PREDICATES[snake]
    raise NotFound(f"unknown predicate {name!r}; valid: {', '.join(PREDICATES)}")


def _predicate_filter(predicates) -> frozenset[str] | None:
    if predicates is None:
        return None
    if isinstance(predicates, str):
        predicates = [predicates]
    return frozenset(predicate(p)[0] for p in predicates)


def _snake(iri: str) -> str:
    return PREDICATE_SNAKE.get(iri.rsplit("#", 1)[-1], iri)


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} must be a whole number of at least 1, not {value!r}")
    return value


def most_specific(classes: Iterable[str]) -> str | None:
    """The deepest of the ontology classes given (ties: alphabetical), None if none is known."""
    known = sorted(c for c in classes if c in CLASS_PARENT)
    return max(known, key=lambda c: len(ancestors(c))) if known else None


# -- entity summaries --------------------------------------------------------------------------
_INFO = """SELECT ?e ?label ?c (COUNT(DISTINCT ?a) AS ?articles) WHERE {
  ?a schema:mentions ?e . ?e a ?c . OPTIONAL { ?e rdfs:label ?label }
} GROUP BY ?e ?label ?c"""


class Summaries:
    """iri -> {"iri", "label", "class", "articles"}, one bound query per entity, cached."""

    def __init__(self, kg):
        self.kg = kg
        self.cache: dict[str, Row] = {}

    def __call__(self, iri: str) -> Row:
        if iri not in self.cache:
            rows = self.kg.query(_INFO, bindings={"e": ox.NamedNode(iri)})
            labels = sorted({r["label"] for r in rows if r["label"]}, key=lambda s: (-len(s), s))
            self.cache[iri] = {
                "iri": iri, "label": labels[0] if labels else iri.rsplit("/", 1)[-1],
                "class": most_specific(r["c"].rsplit("#", 1)[-1] for r in rows),
                "articles": max((r["articles"] for r in rows), default=0)}
        return dict(self.cache[iri])


# -- search ------------------------------------------------------------------------------------
_SEARCH = """SELECT ?q ?e ?name ?c (COUNT(DISTINCT ?a) AS ?articles) WHERE {
  ?a schema:mentions ?e . ?e a ?c ; rdfs:label|skos:altLabel ?name .
  FILTER (CONTAINS(LCASE(STR(?name)), LCASE(STR(?q))))
} GROUP BY ?q ?e ?name ?c"""

MATCHES = ("exact", "prefix", "word", "substring")


def _match(name: str, text: str) -> int:
    """0 exact, 1 prefix, 2 a word of the name starts with the text, 3 anywhere."""
    low, t = name.lower(), text.lower()
    if low == t:
        return 0
    if low.startswith(t):
        return 1
    if re.search(r"(?<![^\W_])" + re.escape(t), low):
        return 2
    return 3


def search(kg, text: str, *, limit: int | None = 10, cls: str | None = None) -> list[Row]:
    """KnowledgeGraph.search: entities by name or alias, best matches first."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"search needs some text to look for, not {text!r}")
    if limit is not None:
        _positive_int(limit, "limit")
    if cls is not None and cls not in CLASS_PARENT:
        raise ConfigError(f"unknown class {cls!r}; known: {', '.join(CLASS_PARENT)}")
    text = text.strip()
    found: dict[str, dict] = {}
    for r in kg.query(_SEARCH, bindings={"q": ox.Literal(text)}):
        hit = found.setdefault(r["e"], {"rank": 4, "name": None, "classes": set(), "articles": 0})
        rank = _match(r["name"], text)
        if (rank, r["name"]) < (hit["rank"], hit["name"] or ""):
            hit["rank"], hit["name"] = rank, r["name"]
        hit["classes"].add(r["c"].rsplit("#", 1)[-1])
        hit["articles"] = max(hit["articles"], r["articles"])
    if cls is not None:
        found = {iri: h for iri, h in found.items()
                 if any(c in CLASS_PARENT and cls in ancestors(c) for c in h["classes"])}
    ranked = sorted(found.items(), key=lambda kv: (kv[1]["rank"], -kv[1]["articles"],
                                                   kv[1]["name"].lower(), kv[0]))
    info = Summaries(kg)
    out = []
    for iri, hit in ranked[:limit]:
        row = info(iri)
        row.update(matched=hit["name"], match=MATCHES[hit["rank"]])
        out.append(row)
    return out


# -- facts around an entity --------------------------------------------------------------------
_ADJACENT = """SELECT ?e ?p ?other ?dir (COUNT(DISTINCT ?a) AS ?support) (MAX(?c) AS ?confidence) WHERE {
  { ?x rdf:subject ?e ; rdf:object ?other ; rdf:predicate ?p ; kg:confidence ?c ; prov:wasDerivedFrom ?a .
    BIND ("out" AS ?dir) }
  UNION
  { ?x rdf:object ?e ; rdf:subject ?other ; rdf:predicate ?p ; kg:confidence ?c ; prov:wasDerivedFrom ?a .
    BIND ("in" AS ?dir) }
} GROUP BY ?e ?p ?other ?dir"""  # the whole pattern in each branch: several times faster in Oxigraph


class Adjacency:
    """iri -> the facts (as fact rows without labels) touching it that pass the filters,
    strongest first; one bound query per entity, cached."""

    def __init__(self, kg, *, min_confidence: float = 0.0, min_support: int = 1, predicates=None):
        self.kg = kg
        self.min_confidence = min_confidence
        self.min_support = min_support
        self.predicates = _predicate_filter(predicates)
        self.cache: dict[str, list[Row]] = {}

    def __call__(self, iri: str) -> list[Row]:
        if iri not in self.cache:
            facts: dict[tuple[str, str, str], Row] = {}
            for r in self.kg.query(_ADJACENT, bindings={"e": ox.NamedNode(iri)}):
                pred = _snake(r["p"])
                if self.predicates is not None and pred not in self.predicates:
                    continue
                if r["support"] < self.min_support or r["confidence"] < self.min_confidence:
                    continue
                s, o = (iri, r["other"]) if r["dir"] == "out" else (r["other"], iri)
                facts[(s, pred, o)] = {"subject_iri": s, "predicate": pred, "object_iri": o,
                                       "support": r["support"], "confidence": r["confidence"]}
            self.cache[iri] = sorted(facts.values(), key=lambda f: (
                -f["support"], -f["confidence"], f["predicate"], f["subject_iri"], f["object_iri"]))
        return self.cache[iri]


def _fact_row(fact: Row, info: Summaries) -> Row:
    """A fact in the shape of KnowledgeGraph.facts(): labels first, then the IRIs."""
    return {"subject": info(fact["subject_iri"])["label"], "predicate": fact["predicate"],
            "object": info(fact["object_iri"])["label"], "support": fact["support"],
            "confidence": fact["confidence"], "subject_iri": fact["subject_iri"],
            "object_iri": fact["object_iri"]}


def _other(fact: Row, iri: str) -> str:
    return fact["object_iri"] if fact["subject_iri"] == iri else fact["subject_iri"]


def neighbours(kg, name: str, depth: int = 1, *, min_confidence: float = 0.0, min_support: int = 1,
               predicates=None) -> Row:
    """KnowledgeGraph.neighbours: the entities and facts within `depth` hops of one."""
    _positive_int(depth, "depth")
    adjacent = Adjacency(kg, min_confidence=min_confidence, min_support=min_support,
                         predicates=predicates)
    center = resolve(kg, name)
    info = Summaries(kg)
    distance = {center: 0}
    used: dict[tuple[str, str, str], Row] = {}
    frontier = [center]
    for hop in range(1, depth + 1):
        reached = []
        for iri in frontier:
            for fact in adjacent(iri):
                used[(fact["subject_iri"], fact["predicate"], fact["object_iri"])] = fact
                other = _other(fact, iri)
                if other not in distance:
                    distance[other] = hop
                    reached.append(other)
        frontier = reached
    entities = []
    for iri, d in distance.items():
        row = info(iri)
        row["distance"] = d
        entities.append(row)
    entities.sort(key=lambda e: (e["distance"], -e["articles"], e["label"].lower(), e["iri"]))
    facts = sorted((_fact_row(f, info) for f in used.values()), key=lambda f: (
        min(distance[f["subject_iri"]], distance[f["object_iri"]]), -f["support"], -f["confidence"],
        f["subject"].lower(), f["predicate"], f["object"].lower()))
    label = info(center)["label"]
    return {"iri": center, "label": label, "depth": depth, "entities": entities, "facts": facts}


def path(kg, a: str, b: str, *, max_depth: int = 4, min_confidence: float = 0.0, min_support: int = 1,
         predicates=None, evidence: bool = True) -> list[Row] | None:
    """KnowledgeGraph.path: the best shortest chain of facts from a to b, or None."""
    _positive_int(max_depth, "max_depth")
    adjacent = Adjacency(kg, min_confidence=min_confidence, min_support=min_support,
                         predicates=predicates)
    start, goal = resolve(kg, a), resolve(kg, b)
    if start == goal:
        return []
    found = _meet(adjacent, start, goal, max_depth)
    if found is None:
        return None
    info = Summaries(kg)
    hops = []
    for here, fact in found:
        row = _fact_row(fact, info)
        row["reversed"] = fact["subject_iri"] != here  # walked from object to subject
        if evidence:
            row["evidence"] = _evidence_rows(kg, fact["subject_iri"], KG + PREDICATES[fact["predicate"]],
                                             fact["object_iri"])
        hops.append(row)
    return hops


Hop = tuple[str, Row]  # (the node a hop leaves from, the fact)


def _meet(adjacent: Callable[[str], list[Row]], start: str, goal: str, max_depth: int) -> list[Hop] | None:
    """The best shortest walk start -> goal, or None: breadth-first from both ends, each step
    growing the smaller side by one full level and keeping every way a node was first
    reached, then the best of all the shortest walks found (see _best_walk)."""
    depth: tuple[dict[str, int], dict[str, int]] = ({start: 0}, {goal: 0})
    # node -> every (neighbour one step nearer that side's end, fact) reaching it at its depth
    parents: tuple[dict[str, list[Hop]], dict[str, list[Hop]]] = ({start: []}, {goal: []})
    frontiers = ([start], [goal])
    for _ in range(max_depth):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        seen, came = depth[side], parents[side]
        here = seen[frontiers[side][0]] + 1
        reached = []
        for iri in frontiers[side]:
            for fact in adjacent(iri):
                other = _other(fact, iri)
                if other not in seen:
                    seen[other], came[other] = here, []
                    reached.append(other)
                if seen[other] == here:
                    came[other].append((iri, fact))
        meetings = [n for n in reached if n in depth[1 - side]]
        if meetings:
            return _best_walk(parents, meetings)
        if not reached:
            return None
        frontiers = (reached, frontiers[1]) if side == 0 else (frontiers[0], reached)
    return None


def _best_walk(parents: tuple[dict[str, list[Hop]], dict[str, list[Hop]]], meetings: list[str]) -> list[Hop]:
    """Of all the shortest walks through the meeting nodes, the one whose weakest fact has the
    most support, then the most support in total, then the first by IRIs (so the answer never
    depends on the order the store returns rows in)."""
    def weakest(side: int) -> Callable[[str], float]:
        memo: dict[str, float] = {}

        def best(node: str) -> float:
            if node not in memo:
                memo[node] = max((min(best(prev), fact["support"]) for prev, fact in parents[side][node]),
                                 default=math.inf)
            return memo[node]
        return best

    floor_a, floor_b = weakest(0), weakest(1)
    floor = max(min(floor_a(m), floor_b(m)) for m in meetings)

    def strongest(side: int) -> Callable[[str], tuple[int, list[Hop]] | None]:
        """node -> (total support, walk) of the best half-walk with no fact below the floor:
        from start to node (side 0), or from node to goal (side 1)."""
        memo: dict[str, tuple[int, list[Hop]] | None] = {}

        def best(node: str) -> tuple[int, list[Hop]] | None:
            if node not in memo:
                options = []
                for prev, fact in parents[side][node]:
                    rest = best(prev) if fact["support"] >= floor else None
                    if rest is not None:
                        walk = rest[1] + [(prev, fact)] if side == 0 else [(node, fact)] + rest[1]
                        options.append((rest[0] + fact["support"], walk))
                memo[node] = (min(options, key=lambda o: (-o[0], _keys(o[1]))) if options
                              else None if parents[side][node] else (0, []))
            return memo[node]
        return best

    half_a, half_b = strongest(0), strongest(1)
    walks = []
    for m in meetings:
        a, b = half_a(m), half_b(m)
        if a is not None and b is not None:
            walks.append((a[0] + b[0], a[1] + b[1]))
    return min(walks, key=lambda w: (-w[0], _keys(w[1])))[1]


def _keys(walk: list[Hop]) -> list[tuple[str, str, str]]:
    return [(f["subject_iri"], f["predicate"], f["object_iri"]) for _, f in walk]


# -- evidence ----------------------------------------------------------------------------------
_EVIDENCE = """SELECT ?s ?p ?o ?x ?sentence ?confidence ?rule ?a ?title ?url ?published ?date ?amount
       ?currency ?start ?end WHERE {
  ?x a kg:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:evidence ?sentence ;
     kg:confidence ?confidence ; kg:rule ?rule ; prov:wasDerivedFrom ?a .
  OPTIONAL { ?x kg:startOffset ?start } OPTIONAL { ?x kg:endOffset ?end }
  OPTIONAL { ?x kg:date ?date } OPTIONAL { ?x kg:amount ?amount ; kg:currency ?currency }
  OPTIONAL { ?a schema:headline ?title } OPTIONAL { ?a schema:url ?url }
  OPTIONAL { ?a schema:datePublished ?published }
}"""


def _evidence_rows(kg, s: str, p: str, o: str) -> list[Row]:
    pairs = [(s, o)] + ([(o, s)] if _snake(p) in SYMMETRIC and s != o else [])
    rows: dict[str, Row] = {}
    for subj, obj in pairs:
        for r in kg.query(_EVIDENCE, bindings={"s": ox.NamedNode(subj), "p": ox.NamedNode(p),
                                               "o": ox.NamedNode(obj)}):
            rows.setdefault(r["x"], {
                "sentence": r["sentence"], "article": r["a"], "title": r["title"], "url": r["url"],
                "published": r["published"], "confidence": r["confidence"], "rule": r["rule"],
                "date": r["date"], "amount": r["amount"], "currency": r["currency"],
                "start": r["start"], "end": r["end"], "assertion": r["x"]})
    return sorted(rows.values(), key=lambda e: (e["published"] is None, e["published"] or "", e["article"],
                                                e["start"] if e["start"] is not None else -1, e["assertion"]))


def evidence(kg, subject: str, predicate_name: str, obj: str) -> list[Row]:
    """KnowledgeGraph.evidence: every statement of one fact."""
    _, p = predicate(predicate_name)
    return _evidence_rows(kg, resolve(kg, subject), p, resolve(kg, obj))


# -- timeline ----------------------------------------------------------------------------------
_TIMELINE = """SELECT ?e ?dir ?p ?other ?x ?a ?c ?sentence ?when ?published ?amount ?currency WHERE {
  { ?x rdf:subject ?e ; rdf:object ?other ; rdf:predicate ?p ; kg:confidence ?c ; kg:evidence ?sentence ;
       prov:wasDerivedFrom ?a . BIND ("out" AS ?dir) }
  UNION
  { ?x rdf:object ?e ; rdf:subject ?other ; rdf:predicate ?p ; kg:confidence ?c ; kg:evidence ?sentence ;
       prov:wasDerivedFrom ?a . BIND ("in" AS ?dir) }
  OPTIONAL { ?x kg:date ?when } OPTIONAL { ?x kg:amount ?amount ; kg:currency ?currency }
  OPTIONAL { ?a schema:datePublished ?published }
}"""


def timeline(kg, name: str, *, min_confidence: float = 0.0, min_support: int = 1,
             predicates=None) -> list[Row]:
    """KnowledgeGraph.timeline: an entity's facts in date order."""
    wanted = _predicate_filter(predicates)
    iri = resolve(kg, name)
    facts: dict[tuple[str, str, str], dict[str, Row]] = {}  # fact -> assertion -> statement
    for r in kg.query(_TIMELINE, bindings={"e": ox.NamedNode(iri)}):
        pred = _snake(r["p"])
        if wanted is not None and pred not in wanted:
            continue
        key = (r["dir"], pred, r["other"])
        published = r["published"][:10] if r["published"] else None
        facts.setdefault(key, {}).setdefault(r["x"], {
            "article": r["a"], "confidence": r["c"], "sentence": r["sentence"], "date": r["when"],
            "published": published, "amount": r["amount"], "currency": r["currency"]})
    info = Summaries(kg)
    me = info(iri)["label"]
    out = []
    for (direction, pred, other), statements in facts.items():
        found = list(statements.values())
        if len({s["article"] for s in found}) < min_support:
            continue
        if max(s["confidence"] for s in found) < min_confidence:
            continue
        # one row per date the articles state for the fact; a fact never dated in its own
        # clause gets one row at its first publication date, or none at all
        stated = sorted({s["date"] for s in found if s["date"]})
        if stated:
            groups = [(d, "stated", [s for s in found if s["date"] == d]) for d in stated]
        else:
            published = sorted(s["published"] for s in found if s["published"])
            groups = [(published[0] if published else None, "published" if published else None, found)]
        other_label = info(other)["label"]
        for date, source, group in groups:
            group.sort(key=lambda s: (s["published"] is None, s["published"] or "", s["article"]))
            money = next((s for s in group if s["amount"] is not None), None)
            out.append({
                "date": date, "date_source": source,
                "subject": me if direction == "out" else other_label, "predicate": pred,
                "object": other_label if direction == "out" else me,
                "direction": direction, "other": other, "other_label": other_label,
                "amount": money["amount"] if money else None,
                "currency": money["currency"] if money else None,
                "support": len({s["article"] for s in group}),
                "confidence": max(s["confidence"] for s in group),
                "sentence": group[0]["sentence"], "article": group[0]["article"]})
    out.sort(key=lambda t: (t["date"] is None, t["date"] or "", t["predicate"], t["other_label"].lower(),
                            t["other"]))
    return out

