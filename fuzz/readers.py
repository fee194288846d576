"""Fuzz every reader with atheris: bytes -> text, markdown, html, feed, jsonl, csv.

Each input is handed, as the bytes of one loaded source (ingest.readers.Loaded), to each
reader's own bytes-level entry point, once without and once with a declared charset. What
may come out: Articles (which must also map to RDF: kg.rdfmap.article_node_quads), and
kg.errors.ReadError, raised or yielded, whose reason is one line. Anything else (another
exception, a reason with a line break, an article with no text) is a crash: libFuzzer
writes the input to a crash-* file and stops.

    python fuzz/readers.py -max_total_time=600          # see fuzz/README.md
"""
from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports(include=["ingest", "kg"]):
    from ingest.datasets import csv_articles, jsonl_articles
    from ingest.feeds import feed_articles
    from ingest.html import html_article
    from ingest.readers import Loaded, ReadOptions, markdown_article, sniff, text_article
    from kg.errors import ReadError
    from kg.model import Article
    from kg.rdfmap import article_node_quads

OPTIONS = ReadOptions(max_bytes=1 << 16)
READERS = {
    "text": lambda loaded: [text_article(loaded)],
    "markdown": lambda loaded: [markdown_article(loaded)],
    "html": lambda loaded: [html_article(loaded, OPTIONS)],
    "feed": lambda loaded: feed_articles(loaded, OPTIONS),
    "jsonl": lambda loaded: jsonl_articles(loaded, OPTIONS),
    "csv": lambda loaded: csv_articles(loaded, OPTIONS),
}
CHARSETS = (None, "utf-8", "iso-8859-1", "utf-16", "no-such-charset")


def check_error(reader: str, exc: ReadError) -> None:
    if not exc.reason.strip() or "\n" in exc.reason or "\r" in exc.reason:
        raise AssertionError(f"{reader}: a ReadError reason must be one line: {exc.reason!r}")
    if not exc.source.startswith("fuzz"):
        raise AssertionError(f"{reader}: a ReadError must name its source: {exc.source!r}")


def check_article(reader: str, article: Article) -> None:
    if not article.text.strip():
        raise AssertionError(f"{reader}: an article with no text: {article!r}")
    article_node_quads(article)  # every field is storable (IRIs valid, literals encodable)


def TestOneInput(data: bytes) -> None:
    charset = CHARSETS[data[0] % len(CHARSETS)] if data else None
    sniff(data)
    for name, reader in READERS.items():
        for loaded in (Loaded("fuzz", data), Loaded("fuzz", data, url="https://example.com/a?b=1#c",
                                                    charset=charset)):
            try:
                for item in reader(loaded):
                    if isinstance(item, ReadError):
                        check_error(name, item)
                    elif isinstance(item, Article):
                        check_article(name, item)
                    else:
                        raise AssertionError(f"{name}: yielded {type(item).__name__}, not an Article")
            except ReadError as exc:
                check_error(name, exc)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
