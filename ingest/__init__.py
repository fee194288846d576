"""Ingestion: readers, cleaning, NLP, entity mentions and resolution, relation rules."""
