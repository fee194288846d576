"""Readers: turn a source (a file, a folder, a URL) into Articles; pick a reader per source.

Built-in readers, registered as entry points "kg.readers" like third-party ones:
text, markdown (this module), html (ingest/html.py), feed (ingest/feeds.py), jsonl and csv
(ingest/datasets.py), url (ingest/fetch.py). A reader is called as reader(source, options)
with a Path or a URL string and yields Articles; it raises ReadError when the whole source
fails, or yields a ReadError for one bad record and goes on.
"""
from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.clean import clean_text
from kg import plugins
from kg.errors import ReadError
from kg.iri import article_id, canonical_url
from kg.model import Article

DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_REDIRECTS = 5
EXTENSIONS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
              ".html": "html", ".htm": "html", ".xhtml": "html",
              ".xml": "feed", ".rss": "feed", ".atom": "feed",
              ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv"}


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader takes; one object from CLI and API alike."""

    max_bytes: int = DEFAULT_MAX_BYTES   # a file, a download, or one JSONL/CSV record
    reader: str | None = None            # force a reader by name instead of choosing by type
    fetch_links: bool = False            # feeds: fetch and extract each item's linked page
    allow_private: bool = False          # URLs: allow loopback, private and link-local hosts
    allow_hosts: tuple[str, ...] = ()    # URLs: just these hosts may have such addresses
    timeout: float = DEFAULT_TIMEOUT     # URLs: seconds for one whole download
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    text_field: str | None = None        # datasets: field names (None: common layouts)
    title_field: str | None = None
    url_field: str | None = None
    date_field: str | None = None


@dataclass(frozen=True)
class Loaded:
    """The bytes of one source: a file read, or a URL fetched (ingest/fetch.py)."""

    name: str                      # the source as the user gave it, for messages
    data: bytes
    url: str | None = None         # the final URL of a download
    media_type: str | None = None  # from the Content-Type header, lower-case
    charset: str | None = None     # declared by the server


def is_url(source) -> bool:
    return isinstance(source, str) and re.match(r"(?i)^https?://", source) is not None


# -- bytes to text ---------------------------------------------------------------------
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
                 "us-ascii", "ascii", "windows-1252", "cp1252"}


def decode(data: bytes, source: str, charset: str | None = None) -> str:
    """Text from bytes: a BOM wins, then a declared charset, then UTF-8, then cp1252 (which
    reads latin-1 too). Empty, binary (NUL bytes) and undecodable data are refused."""
    if not data.strip():
        raise ReadError(source, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(source, f"invalid UTF-16 at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        raise ReadError(source, "binary file (contains NUL bytes), not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        charset = "utf-8-sig"
    if charset:
        # as browsers do (WHATWG Encoding Standard): latin-1 and ASCII labels mean windows-1252
        tries = ("cp1252", "latin-1") if charset.lower() in _WINDOWS_1252 else (charset,)
        for name in tries:
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong or unknown declaration: detect instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8 = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReadError(source, f"{utf8}, nor cp1252/latin-1 text (byte 0x{data[exc.start]:02x} "
                                f"at offset {exc.start})") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(value: str | None) -> str | None:
    """Lone surrogates (from JSON escapes such as "\\ud800") replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if value else value


# -- dates -----------------------------------------------------------------------------
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


def normalise_date(value) -> str | None:
    """An ISO 8601 date or date-time from what datasets and feeds carry: ISO strings, RFC 822
    dates, datelines, Unix timestamps; None when it cannot be read.

    >>> [normalise_date(v) for v in ("2025-02-03", "2025-02-03T09:30:00Z", "Mon, 03 Feb 2025 09:30:00 GMT",
    ...                              "Feb. 3, 2025", 1738575000, "soon")]
    ['2025-02-03', '2025-02-03T09:30:00+00:00', '2025-02-03T09:30:00+00:00', '2025-02-03', '2025-02-03T09:30:00+00:00', None]
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds
        try:
            return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1)).isoformat(timespec="seconds")
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).isoformat(timespec="seconds")
    except (TypeError, ValueError, IndexError):
        pass
    return parse_date_line(text)


# -- articles --------------------------------------------------------------------------
def _headline(line: str) -> bool:
    return 0 < len(line) <= 160 and not line.endswith((".", "!", "?", ":", ";", ","))


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(clean_text(no_surrogates(value)).split()) or None


def make_article(source: str, body: str, *, title: str | None = None, url: str | None = None,
                 published=None, author: str | None = None, site: str | None = None) -> Article:
    """An Article from raw text and what the source says about it. The text is cleaned; a
    leading dateline and headline fill in a missing date and title (they stay in the text);
    the id is the canonical URL's, else the text's (kg.iri.article_id)."""
    text = clean_text(no_surrogates(body) or "")
    if not text.strip():
        raise ReadError(source, "no text left after cleaning")
    title = _one_line(title)
    published = normalise_date(published) if published else None
    for line in text.split("\n")[:3]:
        if published is None and (d := parse_date_line(line)):
            published = d
        elif title is None and _headline(line) and line:
            title = line
    url = canonical_url(no_surrogates(url))
    return Article(id=article_id(text, url), text=text, title=title, url=url, published=published,
                   source=no_surrogates(source), author=_one_line(author), site=_one_line(site))


# -- loading ---------------------------------------------------------------------------
def _too_big(source: str, size: int, options: ReadOptions, what: str = "file") -> ReadError:
    return ReadError(source, f"{what} is {size:,} bytes, over the size cap of {options.max_bytes:,} "
                             f"(raise it with --max-bytes)")


def load(source: Path | str, options: ReadOptions = ReadOptions()) -> Loaded:
    """The bytes of a file (within the size cap) or of a URL (fetched safely)."""
    if is_url(source):
        from ingest.fetch import fetch

        return fetch(str(source), options)
    path = Path(source)
    if path.exists() and not path.is_file():
        raise ReadError(str(path), "not a regular file (a device, pipe or socket)")
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            raise _too_big(str(path), size, options)
        return Loaded(str(path), path.read_bytes())
    except OSError as exc:
        raise ReadError(str(path), exc.strerror or str(exc)) from None


def text_article(loaded: Loaded) -> Article:
    """A plain-text article from loaded bytes."""
    return make_article(loaded.name, decode(loaded.data, loaded.name, loaded.charset), url=loaded.url)


def markdown_article(loaded: Loaded) -> Article:
    """A Markdown article from loaded bytes; its first heading is the title."""
    text, title = markdown_to_text(decode(loaded.data, loaded.name, loaded.charset))
    return make_article(loaded.name, text, title=title, url=loaded.url)


def read_text(path: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article]:
    """A plain-text article: an optional dateline and headline, then paragraphs."""
    yield text_article(load(path, options))


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


def read_markdown(path: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article]:
    """A Markdown article; its first heading is the title."""
    yield markdown_article(load(path, options))


# -- choosing a reader -----------------------------------------------------------------
_FEED_ROOT = re.compile(r"<(?:[\w-]+:)?(?:rss|feed|rdf)\b")
_HTML_ROOT = re.compile(r"<!doctype\s+html|<html\b|<head\b|<body\b|<article\b|<div\b|<p\b")


def sniff(data: bytes) -> str:
    """The reader for content of unknown type, from its first bytes: feed, html, jsonl or text.

    >>> [sniff(b) for b in (b'<?xml version="1.0"?><rss>', b"<!DOCTYPE html><html>", b'{"text": "x"}', b"Plain")]
    ['feed', 'html', 'jsonl', 'text']
    """
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeff\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(("{", "[")):
        return "jsonl"
    if text.startswith("<"):
        if _HTML_ROOT.search(text):
            return "html"
        if _FEED_ROOT.search(text) or text.startswith("<?xml"):
            return "feed"
        return "html"
    return "text"


def reader_name(source: Path | str, options: ReadOptions = ReadOptions()) -> str:
    """The reader for a source: the one forced by options, "url" for a URL, else by file
    extension, else by the file's first bytes."""
    if options.reader:
        return options.reader
    if is_url(source):
        return "url"
    path = Path(source)
    if path.suffix.lower() in EXTENSIONS or not path.is_file():
        return EXTENSIONS.get(path.suffix.lower(), "text")  # the reader says what is wrong
    try:
        with path.open("rb") as f:
            return sniff(f.read(4096))
    except OSError as exc:
        raise ReadError(str(path), exc.strerror or str(exc)) from None


def expand(paths, options: ReadOptions = ReadOptions()) -> Iterator[Path | str]:
    """URLs as given; files named directly; files with a known extension found in folders, sorted."""
    for p in paths:
        if is_url(p):
            yield p
            continue
        p = Path(p)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*")
                              if f.is_file() and f.suffix.lower() in EXTENSIONS
                              and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            yield p


def read(paths, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """Articles from the given paths and URLs; a source or record that fails yields its
    ReadError and the rest go on. A source that yields nothing at all (a feed without items,
    a dataset with a header row only) yields a ReadError saying so, so no source given is
    passed over in silence. An unknown reader name raises PluginNotFound."""
    for source in expand(paths, options):
        if isinstance(source, Path) and not source.exists():
            yield ReadError(str(source), "no such file or folder")
            continue
        yielded = False
        try:
            name = reader_name(source, options)
            reader = plugins.load("kg.readers", name)
            for item in reader(source, options):
                yielded = True
                yield item
        except ReadError as exc:
            yielded = True
            yield exc
        if not yielded:
            yield ReadError(str(source), f"nothing to read: the {name} reader found no article in it")
