"""Score extraction against gold annotations (the rules of shared/eval/SCHEMA.md and score.py)."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import ConfigError
from kg.vocab import SYMMETRIC


def norm_name(s: str) -> str:
    """Names compare case-folded, without a leading 'the', a possessive or punctuation."""
    s = unicodedata.normalize("NFKC", s).replace("\u2019", "'").casefold().strip()
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"'s$|'$", "", s)
    return re.sub(r"[^\w]+", "", s)


def norm_label(s: str) -> str:
    """Predicates and types compare without case, underscores, hyphens or a namespace."""
    s = s.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return re.sub(r"[_\-\s]", "", s).casefold()


_SYM = {norm_label(p) for p in SYMMETRIC}


def _key(s: str, p: str, o: str) -> tuple[str, str, str]:
    p = norm_label(p)
    if p in _SYM and s > o:
        s, o = o, s
    return (s, p, o)


@dataclass
class PRF:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    entities: PRF = field(default_factory=PRF)
    relations: PRF = field(default_factory=PRF)
    by_predicate: dict[str, PRF] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)
    documents: int = 0


def load_gold(gold_dir: Path) -> list[tuple[dict, Path]]:
    """Gold annotation files with the path of each article's text."""
    files = sorted(Path(gold_dir).glob("*.json"))
    if not files:
        raise ConfigError(f"{gold_dir}: no gold *.json files here")
    out = []
    for f in files:
        try:
            g = json.loads(f.read_text("utf-8"))
            text = f.parent / g.get("text_file", f.stem + ".txt")
        except (ValueError, OSError, AttributeError) as exc:
            raise ConfigError(f"{f}: not a gold annotation file ({exc})") from None
        out.append((g, text))
    return out


def _canonicaliser(gold: dict):
    """A function from any name to the gold entity it names (by name or alias), else '?name'."""
    alias = {}
    for e in gold["entities"]:
        for n in [e["name"], *e.get("aliases", [])]:
            alias[norm_name(n)] = e["name"]
    return lambda name: alias.get(norm_name(name), "?" + norm_name(name))


def rule_hits(gold: dict, pred: dict) -> list[tuple[str, bool]]:
    """(rule, correct) for every predicted relation: the data per-rule calibration counts."""
    canon = _canonicaliser(gold)
    keys = set()
    for r in gold["relations"]:
        keys |= {_key(r["s"], p, r["o"]) for p in [r["p"], *r.get("alt", [])]}
    return [(r.get("rule", "?"), _key(canon(r["subject"]), r["predicate"], canon(r["object"])) in keys)
            for r in pred.get("relations", [])]


def calibrate(hits: list[tuple[str, bool]], priors: dict[str, float], strength: float = 4.0) -> dict:
    """Per-rule precision, shrunk toward the rule's prior: (tp + k*prior) / (n + k)."""
    table: dict[str, dict] = {}
    for rule, ok in hits:
        t = table.setdefault(rule, {"n": 0, "tp": 0})
        t["n"] += 1
        t["tp"] += ok
    for rule, t in table.items():
        prior = priors.get(rule.rsplit("/", 1)[-1], 0.7)
        t["confidence"] = round((t["tp"] + strength * prior) / (t["n"] + strength), 3)
    return dict(sorted(table.items()))


def score_document(gold: dict, pred: dict, total: Score) -> None:
    """Add one article's prediction (the `kg extract` JSON) to the running totals."""
    doc = gold.get("id") or Path(gold.get("text_file", "?")).stem
    canon = _canonicaliser(gold)

    gold_ents = {(e["name"], norm_label(e["type"])) for e in gold["entities"]}
    pred_ents = set()
    for e in pred.get("entities", []):
        types = {norm_label(t) for t in (e.get("types") or [e.get("type", "")])}
        c = canon(e["name"])
        hit = next((t for (n, t) in gold_ents if n == c and t in types), None)
        pred_ents.add((c, hit or norm_label(e.get("type", ""))))
    total.entities.tp += len(pred_ents & gold_ents)
    total.entities.predicted += len(pred_ents)
    total.entities.gold += len(gold_ents)

    pred_rels = {}
    for r in pred.get("relations", []):
        k = _key(canon(r["subject"]), r["predicate"], canon(r["object"]))
        pred_rels.setdefault(k, r)
    matched = set()
    for r in gold["relations"]:
        keys = {_key(r["s"], p, r["o"]) for p in [r["p"], *r.get("alt", [])]}
        prf = total.by_predicate.setdefault(r["p"], PRF())
        prf.gold += 1
        total.relations.gold += 1
        hit = keys & set(pred_rels)
        if hit:
            total.relations.tp += 1
            prf.tp += 1
            matched |= hit
        else:
            total.missed.append(f"{doc}  {r['s']} -{r['p']}-> {r['o']}   | "
                                f"{r.get('evidence', '')[:90]}")
    for k, r in pred_rels.items():
        total.relations.predicted += 1
        prf = total.by_predicate.setdefault(r["predicate"], PRF())
        prf.predicted += 1
        if k not in matched:
            total.false.append(f"{doc}  {r['subject']} -{r['predicate']}-> {r['object']}   | "
                               f"{r.get('evidence', '')[:90]}")
    # a prediction that matched a gold relation under an alternative predicate counts for
    # the gold predicate's precision too
    for _p, prf in total.by_predicate.items():
        prf.predicted = max(prf.predicted, prf.tp)
    total.documents += 1


def report_lines(score: Score, *, details: bool = True) -> list[str]:
    lines = [f"{score.documents} articles"]
    if details:
        lines.append("per predicate:")
        for p, prf in sorted(score.by_predicate.items()):
            lines.append(f"  {p:14s} P={prf.precision:.3f} R={prf.recall:.3f} F1={prf.f1:.3f}"
                         f"  (tp={prf.tp} predicted={prf.predicted} gold={prf.gold})")
        for title, items in (("missed", score.missed), ("false", score.false)):
            lines.append(f"{title} relations: {len(items)}")
            lines += [f"  {x}" for x in items]
    for name, prf in (("entities ", score.entities), ("relations", score.relations)):
        lines.append(f"{name}: P={prf.precision:.3f} R={prf.recall:.3f} F1={prf.f1:.3f}  "
                     f"(tp={prf.tp} predicted={prf.predicted} gold={prf.gold})")
    lines.append(f"relations F1 = {score.relations.f1:.3f}")
    return lines
