"""Named plugin registries (readers, extractors, exporters), fed by entry points.

The built-in plugins are declared as entry points in pyproject.toml exactly like
third-party ones; the same names are also listed here so a source checkout that is not
installed still works.
"""
from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from kg.errors import PluginNotFound

BUILTIN: dict[str, dict[str, str]] = {
    "kg.readers": {
        "text": "ingest.readers:read_text",
        "markdown": "ingest.readers:read_markdown",
        "html": "ingest.html:read_html",
        "feed": "ingest.feeds:read_feed",
        "jsonl": "ingest.datasets:read_jsonl",
        "csv": "ingest.datasets:read_csv",
        "url": "ingest.fetch:read_url",
    },
    "kg.extractors": {
        "rules.v1": "ingest.extract:RuleExtractor",
    },
    "kg.exporters": {
        "ttl": "exports.rdf:write_turtle",
        "nt": "exports.rdf:write_ntriples",
        "nq": "exports.rdf:write_nquads",
        "trig": "exports.rdf:write_trig",
        "jsonld": "exports.rdf:write_jsonld",
        "graphml": "exports.graph:write_graphml",
        "gexf": "exports.graph:write_gexf",
        "csv": "exports.graph:write_csv",
        "html": "exports.graph:write_explorer",
    },
}


def _targets(group: str) -> dict[str, str]:
    found = dict(BUILTIN.get(group, {}))
    for ep in importlib.metadata.entry_points(group=group):
        found[ep.name] = ep.value
    return found


def available(group: str) -> list[str]:
    """Names registered in a group, sorted."""
    return sorted(_targets(group))


def load(group: str, name: str) -> Any:
    """The object registered under `name`; an unknown name lists the available ones."""
    targets = _targets(group)
    if name not in targets:
        kind = group.split(".", 1)[-1].rstrip("s")
        raise PluginNotFound(f"no {kind} named {name!r}; available: {', '.join(sorted(targets))}")
    module, _, attr = targets[name].partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
