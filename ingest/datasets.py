"""JSONL and CSV datasets -> Articles: one per line or row, streamed, each failing alone.

Field names come from ReadOptions (text_field, title_field, url_field, date_field) or, by
default, the first present of the names common news datasets use (FIELDS). A record's
source is "FILE:LINE"; ReadOptions.max_bytes caps each record, not the whole file.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ingest.readers import Loaded, ReadOptions, is_url, load, make_article
from kg.errors import ReadError
from kg.model import Article

LINE_CAP = 2  # CSV: a physical line longer than this many times the size cap is not read whole

FIELDS = {
    "text": ("text", "content", "body", "article", "maintext", "full_text", "document", "story",
             "description", "summary"),
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical_url", "source_url", "href"),
    "date": ("published", "date", "published_at", "publish_date", "date_publish", "pubdate",
             "datepublished", "publication_date", "created_at", "timestamp"),
    "author": ("author", "authors", "byline"),
}


def _field(record: dict, name: str | None, kind: str):
    """The value of a configured field (dotted for nested JSON), or of the first default name
    present (case-insensitive)."""
    if name:
        if name in record:
            return record[name]
        value = record
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    lowered = {str(k).lower(): v for k, v in record.items()}
    for candidate in FIELDS[kind]:
        value = lowered.get(candidate)
        if value not in (None, "", []):
            return value
    return None


def _string(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # e.g. "authors": ["A", "B"]
        return ", ".join(str(v.get("name", v) if isinstance(v, dict) else v) for v in value) or None
    if isinstance(value, dict):
        return _string(value.get("name"))
    return str(value)


def record_article(record, where: str, options: ReadOptions) -> Article:
    """An Article from one dataset record (a dict of fields)."""
    if not isinstance(record, dict):
        raise ReadError(where, f"a record must be a JSON object, not {type(record).__name__}")
    text = _field(record, options.text_field, "text")
    if not isinstance(text, str) or not text.strip():
        wanted = options.text_field or ", ".join(FIELDS["text"])
        raise ReadError(where, f"no text in field(s) {wanted} (choose one with --text-field)")
    date = _field(record, options.date_field, "date")
    return make_article(where, text, title=_string(_field(record, options.title_field, "title")),
                        url=_string(_field(record, options.url_field, "url")),
                        published=date if isinstance(date, (int, float)) else _string(date),
                        author=_string(_field(record, None, "author")))


# -- JSONL -----------------------------------------------------------------------------
def _open(source: Path | str, options: ReadOptions) -> tuple[str, IO[bytes]]:
    """A binary stream of the source: the file itself (streamed), or a download in memory."""
    if is_url(source):
        loaded = load(source, options)
        return loaded.name, io.BytesIO(loaded.data)
    if not Path(source).is_file():
        raise ReadError(str(source), "not a regular file (a device, pipe or socket)")
    try:
        return str(source), open(source, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ReadError(str(source), exc.strerror or str(exc)) from None


def _encoding(name: str, stream: IO[bytes]) -> str:
    """The encoding of a dataset from its first 64 KiB (BOM, else UTF-8, else cp1252); empty
    and binary files are refused. The stream is left at its start."""
    head = stream.read(65536)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ReadError(name, "binary file (contains NUL bytes), not a dataset")
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise ReadError(name, "empty file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def _lines(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[tuple[int, str | ReadError]]:
    """(line number, text) of each non-blank line; a line over the size cap is a ReadError."""
    encoding = _encoding(name, stream)
    source: IO = io.TextIOWrapper(stream, encoding="utf-16", errors="replace") if encoding == "utf-16" else stream
    with source:
        yield from _numbered(name, source, "\n" if encoding == "utf-16" else b"\n", options)


def _numbered(name: str, source: IO, newline, options: ReadOptions) -> Iterator[tuple[int, str | ReadError]]:
    n = 0
    while raw := source.readline(options.max_bytes + 1):
        n += 1
        if len(raw) > options.max_bytes and not raw.endswith(newline):
            while raw and not raw.endswith(newline):  # skip the rest of the long line
                raw = source.readline(options.max_bytes + 1)
            yield n, ReadError(f"{name}:{n}", f"line is over the size cap of {options.max_bytes:,} "
                                              f"bytes (raise it with --max-bytes)")
            continue
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raw = raw.decode("cp1252", "replace")  # one latin-1 or cp1252 line in a UTF-8 file
        if raw.strip():
            yield n, raw


def jsonl_records(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[Article | ReadError]:
    """Articles from a JSON Lines stream (one object per line), or from one JSON array (on one
    line, or spread over many: a pretty-printed file)."""
    lines = _lines(name, stream, options)
    first = True
    for n, line in lines:
        if isinstance(line, ReadError):
            yield line
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if first and line.lstrip().startswith("["):  # a JSON array over many lines
                rest = [x for _, x in lines]
                if any(isinstance(x, ReadError) for x in rest):
                    raise _array_too_big(name, options) from None
                yield from _json_array(name, line + "".join(rest), options)
                return
            where = exc.msg if exc.msg.endswith(" at") else exc.msg + " at"
            yield ReadError(f"{name}:{n}", f"truncated or malformed JSON ({where} column {exc.colno})")
            continue
        except RecursionError:
            yield ReadError(f"{name}:{n}", "JSON nested too deeply")
            continue
        finally:
            first = False
        if isinstance(record, list) and n == 1:
            yield from _records(name, record, options)
            continue
        try:
            yield record_article(record, f"{name}:{n}", options)
        except ReadError as exc:
            yield exc


def _array_too_big(name: str, options: ReadOptions) -> ReadError:
    return ReadError(name, f"JSON array is over the size cap of {options.max_bytes:,} bytes "
                           f"(raise it with --max-bytes, or write one object per line)")


def _json_array(name: str, text: str, options: ReadOptions) -> Iterator[Article | ReadError]:
    if len(text.encode("utf-8", "surrogatepass")) > options.max_bytes:
        raise _array_too_big(name, options)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        where = exc.msg if exc.msg.endswith(" at") else exc.msg + " at"
        raise ReadError(name, f"truncated or malformed JSON ({where} line {exc.lineno} column "
                              f"{exc.colno})") from None
    except RecursionError:
        raise ReadError(name, "JSON nested too deeply") from None
    yield from _records(name, records, options)


def _records(name: str, records: list, options: ReadOptions) -> Iterator[Article | ReadError]:
    for i, record in enumerate(records, 1):
        try:
            yield record_article(record, f"{name}[{i}]", options)
        except ReadError as exc:
            yield exc


def jsonl_articles(loaded: Loaded, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    return jsonl_records(loaded.name, io.BytesIO(loaded.data), options)


def read_jsonl(source: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """A JSON Lines dataset (a file or a URL): one Article per line."""
    name, stream = _open(source, options)
    with stream:
        yield from jsonl_records(name, stream, options)


# -- CSV -------------------------------------------------------------------------------
def csv_records(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[Article | ReadError]:
    """Articles from a CSV (or TSV) stream with a header row; the delimiter (comma, semicolon,
    tab or bar) is the one the header row uses most."""
    encoding = _encoding(name, stream)
    with io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="") as text:
        yield from _rows(name, text, options)


def _bounded_lines(text: IO[str], limit: int, cut: set[int]) -> Iterator[str]:
    """The lines of a text stream, each cut to `limit` characters: the rest of a longer line is
    read in pieces and dropped, so one huge line never sits in memory. The numbers of the cut
    lines are added to `cut`, and their rows refused."""
    n = 0
    while line := text.readline(limit):
        n += 1
        if len(line) == limit and not line.endswith(("\n", "\r")):
            cut.add(n)
            while (rest := text.readline(1 << 16)) and not rest.endswith(("\n", "\r")):
                pass
        yield line


def _rows(name: str, text: IO[str], options: ReadOptions) -> Iterator[Article | ReadError]:
    header_line = text.readline(options.max_bytes + 1)
    text.seek(0)
    delimiter = max(",;\t|", key=header_line.count)  # the header's most frequent separator
    if not header_line.count(delimiter):
        delimiter = ","
    csv.field_size_limit(options.max_bytes)  # process-wide; set for each file read
    cut: set[int] = set()  # physical lines over LINE_CAP times the cap: read in part only
    rows = csv.reader(_bounded_lines(text, LINE_CAP * options.max_bytes, cut), delimiter=delimiter,
                      strict=True)
    try:
        header = [h.strip() for h in next(rows)]
    except (StopIteration, csv.Error) as exc:
        raise ReadError(name, f"no header row ({exc or 'empty file'})") from None
    if not any(header):
        raise ReadError(name, "no header row (the first line is blank)")
    line = rows.line_num
    while True:
        start = line + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            line = rows.line_num
            if "field larger than field limit" in str(exc):
                yield ReadError(f"{name}:{start}", f"a field is over the size cap of {options.max_bytes:,} "
                                                   f"bytes (raise it with --max-bytes)")
            else:
                yield ReadError(f"{name}:{start}", f"malformed CSV row ({exc})")
            continue
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}:{start}"
        if cut and any(n in cut for n in range(start, line + 1)):
            yield ReadError(where, f"line is over the size cap of {options.max_bytes:,} bytes "
                                   f"(raise it with --max-bytes)")
        elif sum(len(cell) for cell in row) > options.max_bytes:
            yield ReadError(where, f"row is over the size cap of {options.max_bytes:,} bytes "
                                   f"(raise it with --max-bytes)")
        elif len(row) != len(header):
            yield ReadError(where, f"row has {len(row)} fields, the header has {len(header)}")
        else:
            try:
                yield record_article(dict(zip(header, row, strict=True)), where, options)
            except ReadError as exc:
                yield exc


def csv_articles(loaded: Loaded, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    return csv_records(loaded.name, io.BytesIO(loaded.data), options)


def read_csv(source: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """A CSV or TSV dataset with a header row (a file or a URL): one Article per row."""
    name, stream = _open(source, options)
    with stream:
        yield from csv_records(name, stream, options)
