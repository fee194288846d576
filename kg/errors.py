"""The exception tree; the CLI catches KGError in one place and exits 1.

    KGError
    ├── ConfigError          bad option or setting
    ├── PluginNotFound       unknown reader / extractor / exporter name
    ├── ReadError            one source could not be read (names the source)
    ├── ModelError           the spaCy pipeline is missing or fails its pin check
    ├── OntologyError        ontology or SHACL shapes missing or invalid
    ├── StoreError           the store cannot be opened or written
    ├── QueryError           a SPARQL query is malformed or not allowed
    ├── NotFound             an entity or predicate name the graph does not know (names it)
    └── ExportError          an export could not be written
"""
from __future__ import annotations


class KGError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(KGError):
    """A bad option or setting."""


class PluginNotFound(KGError):
    """An unknown plugin name; the message lists the available ones."""


class ReadError(KGError):
    """A source could not be read or is not an article; the message names it."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ModelError(KGError):
    """The spaCy pipeline is missing or does not match its pin."""


class OntologyError(KGError):
    """The ontology or the SHACL shapes are missing or invalid."""


class StoreError(KGError):
    """The store cannot be opened or written."""


class QueryError(KGError):
    """A SPARQL query is malformed or not allowed."""


class NotFound(KGError):
    """An entity name or predicate that the graph or the vocabulary does not know; the message
    names it and lists close matches (entities) or the valid names (predicates)."""


class ExportError(KGError):
    """An export could not be written."""
