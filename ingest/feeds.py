"""RSS and Atom feeds -> Articles: one per item (title, summary or content, link, date),
or, with ReadOptions.fetch_links, the item's linked page fetched and extracted."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

from ingest.readers import Loaded, ReadOptions, load, make_article
from kg.errors import ReadError
from kg.model import Article

_ITEM_END = re.compile(r"</(?:[\w-]+:)?(?:item|entry)\s*>")
_ROOT_END = re.compile(r"</(?:[\w-]+:)?(?:rss|feed|rdf|RDF)\s*>")


def refuse_entities(data: bytes, source: str) -> None:
    """Refuse XML that declares entities (expansion bombs, external entities) before any
    parser expands them; malformed XML is left to the feed parser's lenient mode."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReadError(source, f"XML declares entities ({type(exc).__name__}: {exc}); refused as "
                                f"a possible entity-expansion bomb or external-entity attack") from None
    except (ParseError, ValueError, LookupError):  # LookupError: an unknown encoding declared
        if re.search(rb"<!ENTITY", data[:65536].replace(b"\x00", b"")):
            raise ReadError(source, "XML declares entities; refused as a possible entity-expansion "
                                    "bomb or external-entity attack") from None


def _string(value) -> str | None:
    """A feed field as text, or None when the parser made something else of it."""
    return value if isinstance(value, str) else None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]


def _text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("latin-1")


def _iso(entry, key: str) -> str | None:
    parsed = entry.get(key + "_parsed")
    if parsed:
        return datetime(*parsed[:6], tzinfo=UTC).isoformat(timespec="seconds")  # UTC
    return entry.get(key)


def _detail_text(detail) -> str:
    """Plain text of a feedparser text construct (title, summary, content)."""
    from ingest.html import fragment_text

    if not detail:
        return ""
    value = detail.get("value") or ""
    if "html" in (detail.get("type") or ""):
        return fragment_text(value)
    return " ".join(value.split()) if "\n" not in value else value.strip()


def feed_articles(loaded: Loaded, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """The items of an RSS or Atom feed as Articles; a bad item yields its ReadError alone. A
    truncated feed yields its complete items and then a ReadError saying where it stops."""
    import feedparser

    if not loaded.data.strip():
        raise ReadError(loaded.name, "empty file")
    if b"\x00" in loaded.data[:8192] and not loaded.data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(loaded.name, "binary file (contains NUL bytes), not a feed")
    refuse_entities(loaded.data, loaded.name)
    headers = {"content-location": loaded.url} if loaded.url else {}
    if loaded.media_type:
        headers["content-type"] = loaded.media_type + (f"; charset={loaded.charset}" if loaded.charset else "")
    try:
        parsed = feedparser.parse(loaded.data, response_headers=headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except Exception as exc:  # noqa: BLE001 - the parser failing on hostile bytes fails this source
        # e.g. UnicodeDecodeError for an XML declaration naming a non-ASCII encoding
        raise ReadError(loaded.name, f"not a readable RSS or Atom feed (the feed parser failed: "
                                     f"{type(exc).__name__}: {_first_line(exc)})") from None
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise ReadError(loaded.name, "not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
    entries = list(parsed.entries)
    raw = _text(loaded.data)
    truncated = not _ROOT_END.search(raw[-4096:])  # no closing root tag near the end
    if truncated:
        entries = entries[:len(_ITEM_END.findall(raw))]  # the last, cut-off item is not read
    site = _detail_text(parsed.feed.get("title_detail")) or None
    base = loaded.url or parsed.feed.get("link") or ""  # for item links relative to the site
    for n, entry in enumerate(entries, 1):
        where = f"{loaded.name}#{n}"
        try:
            yield _item(entry, where, site, base, options)
        except ReadError as exc:
            yield exc
    if truncated:
        yield ReadError(loaded.name, f"feed is truncated or malformed after {len(entries)} complete "
                                     f"item(s) ({parsed.get('bozo_exception') or 'no closing tag'}); "
                                     f"the complete items were read")


def _item(entry, where: str, site: str | None, base: str, options: ReadOptions) -> Article:
    title = _detail_text(entry.get("title_detail")) or None
    contents = [_detail_text(c) for c in entry.get("content", [])]
    body = max(contents, key=len) if contents else ""
    summary = _detail_text(entry.get("summary_detail"))
    if len(summary) > len(body):
        body = summary
    link = _string(entry.get("link"))  # feedparser gives a dict for some malformed <link>s
    try:
        link = urljoin(_string(base) or "", link) if link else None
    except ValueError:  # the link or the feed's own is no URL ("http://[" is no IPv6 address)
        link = None
    published = _iso(entry, "published") or _iso(entry, "updated")
    known = {"title": title, "url": link, "published": _string(published),
             "author": _string(entry.get("author")), "site": site}
    if options.fetch_links and link:
        from ingest.fetch import fetch
        from ingest.html import html_article

        try:
            return html_article(fetch(link, options), options, **known)
        except ReadError as exc:
            raise ReadError(where, f"linked page {exc}") from None
    text = title or ""
    if body and body != title:
        text = f"{text}\n\n{body}" if text else body
    if not text.strip():
        raise ReadError(where, "feed item has no title and no text")
    return make_article(where, text, **known)


def read_feed(source: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article | ReadError]:
    """An RSS or Atom feed (a file or a URL): one Article per item."""
    yield from feed_articles(load(source, options), options)
