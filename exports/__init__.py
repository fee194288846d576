"""Exporters that turn the knowledge graph into files (HTML explorer, ...)."""
