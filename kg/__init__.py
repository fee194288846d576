"""A knowledge graph of the AI industry: news articles in, typed entities and facts out."""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["KnowledgeGraph", "IngestReport", "ReadOptions", "Article", "Entity", "Relation", "Mention",
           "Extraction", "KGError", "__version__"]

from kg.api import IngestReport, KnowledgeGraph  # noqa: E402
from kg.errors import KGError  # noqa: E402
from kg.model import Article, Entity, Extraction, Mention, Relation  # noqa: E402


def __getattr__(name: str):
    if name == "ReadOptions":  # imported on first use: ingest.readers itself imports kg
        from ingest.readers import ReadOptions

        return ReadOptions
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
