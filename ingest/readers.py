"""Readers: turn a source (a text or Markdown file, or a folder of them) into Articles."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.clean import clean_text
from kg import plugins
from kg.errors import ReadError
from kg.iri import text_id
from kg.model import Article

DEFAULT_MAX_BYTES = 5_000_000
EXTENSIONS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader takes; one object from CLI and API alike."""

    max_bytes: int = DEFAULT_MAX_BYTES
    reader: str | None = None  # force a reader by name instead of choosing by file type


def decode(data: bytes, source: str) -> str:
    """Decode UTF-8 (BOM optional) or BOM-marked UTF-16; anything else is refused."""
    if not data.strip():
        raise ReadError(source, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(source, f"invalid UTF-16 at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        raise ReadError(source, "binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(source, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                                f"{exc.start})") from None


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December"
           "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec")
_DATE_LINE = re.compile(
    rf"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?((?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})$"
    rf"|^(\d{{4}}-\d{{2}}-\d{{2}})$", re.IGNORECASE)


def parse_date_line(line: str) -> str | None:
    """An ISO date from a dateline such as 'Monday, February 3, 2025' or '2025-02-03'."""
    m = _DATE_LINE.match(line.strip())
    if not m:
        return None
    if m.group(2):
        return m.group(2)
    month, day, year = re.sub(r"[.,]", " ", m.group(1)).split()
    month = month[:3].title()
    try:
        return datetime.strptime(f"{month} {day} {year}", "%b %d %Y").date().isoformat()
    except ValueError:
        return None


def _headline(line: str) -> bool:
    return 0 < len(line) <= 160 and not line.endswith((".", "!", "?", ":", ";", ","))


def _article(source: str, body: str, title: str | None = None) -> Article:
    text = clean_text(body)
    lines = text.split("\n")
    published = None
    # a leading dateline and a leading headline become metadata but stay in the text
    for line in lines[:3]:
        if published is None and (d := parse_date_line(line)):
            published = d
        elif title is None and _headline(line) and line:
            title = line
    if not text.strip():
        raise ReadError(source, "no text left after cleaning")
    return Article(id=text_id(text), text=text, title=title, published=published, source=source)


def _read_bytes(path: Path, options: ReadOptions) -> str:
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            raise ReadError(str(path), f"file is {size:,} bytes, over the size cap of "
                                       f"{options.max_bytes:,} (raise it with --max-bytes)")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), exc.strerror or str(exc)) from None
    return decode(data, str(path))


def read_text(path: Path, options: ReadOptions = ReadOptions()) -> Iterator[Article]:
    """A plain-text article: an optional dateline and headline, then paragraphs."""
    yield _article(str(path), _read_bytes(path, options))


_MD_RULES = [
    (re.compile(r"```.*?```", re.S), ""),                        # fenced code
    (re.compile(r"<!--.*?-->", re.S), ""),                       # comments
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),                 # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),               # links -> their text
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),                     # block quotes
    (re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", re.M), ""),     # list markers
    (re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$", re.M), ""),        # rules
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),                    # strong
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"`([^`]*)`"), r"\1"),                           # inline code
    (re.compile(r"<[^>\n]+>"), ""),                              # inline HTML tags
]


def markdown_to_text(md: str) -> tuple[str, str | None]:
    """Plain text of a Markdown document and its first heading."""
    title = None
    m = _MD_HEADING.search(md)
    if m:
        title = m.group(1).strip()
        for rx, repl in _MD_RULES:
            title = rx.sub(repl, title)
    for rx, repl in _MD_RULES:
        md = rx.sub(repl, md)
    md = _MD_HEADING.sub(r"\1", md)
    return md, title


_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def read_markdown(path: Path, options: ReadOptions = ReadOptions()) -> Iterator[Article]:
    """A Markdown article; its first heading is the title."""
    text, title = markdown_to_text(_read_bytes(path, options))
    yield _article(str(path), text, title=title)


def _reader_for(path: Path, options: ReadOptions):
    name = options.reader or EXTENSIONS.get(path.suffix.lower(), "text")
    return plugins.load("kg.readers", name)


def expand(paths, options: ReadOptions = ReadOptions()) -> Iterator[Path]:
    """Files named directly, and files with a known extension found in folders, sorted."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*")
                              if f.is_file() and f.suffix.lower() in EXTENSIONS
                              and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            yield p


def read(paths, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """Articles from the given paths; a source that fails yields its ReadError and the rest go on."""
    for path in expand(paths, options):
        if not path.exists():
            yield ReadError(str(path), "no such file or folder")
            continue
        try:
            yield from _reader_for(path, options)(path, options)
        except ReadError as exc:
            yield exc
