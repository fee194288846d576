"""The curated gazetteer of AI-industry entities and the spaCy EntityRuler built from it."""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kg.errors import ConfigError
from kg.iri import entity_key, normalise_name
from kg.vocab import CLASS_PARENT

GAZETTEER_ENV = "KG_GAZETTEER"  # path of a user JSONL file that extends the built-in list


@dataclass(frozen=True)
class Entry:
    name: str
    cls: str
    aliases: tuple[str, ...] = ()
    ambiguous: bool = False
    wikidata: str | None = None
    developer: str | None = None  # who makes a product or model ("ChatGPT" -> "OpenAI")

    @property
    def key(self) -> str:
        return entity_key(self.name, self.cls)


class Gazetteer:
    """Entries indexed by every surface form (exact, then normalised)."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._exact: dict[str, Entry] = {}
        self._norm: dict[str, Entry] = {}
        self._by_key: dict[str, Entry] = {}
        for e in entries:  # later entries (user files) override earlier ones
            self._by_key[e.key] = e
            for form in (e.name, *e.aliases):
                self._exact[form] = e
                self._norm[normalise_name(form)] = e

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, surface: str) -> Entry | None:
        return self._exact.get(surface) or self._norm.get(normalise_name(surface))

    def by_key(self, key: str) -> Entry | None:
        return self._by_key.get(key)


def parse_lines(lines, source: str) -> list[Entry]:
    """Parse gazetteer JSONL; errors name the file and line."""
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            d = json.loads(line)
            name, cls = d["name"].strip(), d["type"]
        except (ValueError, KeyError, AttributeError) as exc:
            raise ConfigError(f"{source}:{n}: not a gazetteer entry ({exc})") from None
        if cls not in CLASS_PARENT:
            raise ConfigError(f"{source}:{n}: unknown type {cls!r}; "
                              f"known: {', '.join(CLASS_PARENT)}")
        if not name:
            raise ConfigError(f"{source}:{n}: empty name")
        aliases = tuple(a.strip() for a in d.get("aliases", ()) if a.strip() and a != name)
        out.append(Entry(name, cls, aliases, bool(d.get("ambiguous")), d.get("wikidata"),
                         d.get("developer")))
    return out


@functools.lru_cache(maxsize=8)
def load_gazetteer(extra: str | None = None) -> Gazetteer:
    """The built-in gazetteer, extended by `extra` (or $KG_GAZETTEER) when given."""
    text = resources.files("ingest").joinpath("data/gazetteer.jsonl").read_text("utf-8")
    entries = parse_lines(text.splitlines(), "ingest/data/gazetteer.jsonl")
    extra = extra or os.environ.get(GAZETTEER_ENV)
    if extra:
        path = Path(extra)
        try:
            lines = path.read_text("utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read gazetteer ({exc.strerror})") from None
        entries += parse_lines(lines, str(path))
    return Gazetteer(entries)


def add_ruler(nlp, gazetteer: Gazetteer | None = None, before: str = "ner") -> None:
    """Add an EntityRuler (before the statistical NER, or earlier), labelled with classes."""
    gaz = gazetteer or load_gazetteer()
    ruler = nlp.add_pipe("entity_ruler", name="gazetteer", before=before,
                         config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
    patterns = []
    for e in gaz.entries:
        for form in dict.fromkeys((e.name, *e.aliases)):
            patterns.append({"label": e.cls, "pattern": form, "id": e.key})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)
