"""HTML pages -> Articles: the main text (trafilatura: navigation, ads, related links and
cookie banners left out) and the page's headline, author, date, canonical URL and site name."""
from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from ingest.readers import Loaded, ReadOptions, decode, load, make_article
from kg.errors import ReadError
from kg.model import Article

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
MIN_WORDS = 5    # less than this is a navigation or index page, not an article
MAX_DEPTH = 255  # libxml2 stops parsing deeper trees; such a page cannot be read whole


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag or its XML declaration."""
    head = data[:4096]
    m = _META_CHARSET.search(head) or re.match(rb"""\s*<\?xml[^>]*encoding=["']([A-Za-z0-9_.:-]+)""", head)
    return m.group(1).decode("ascii") if m else None


def _config():
    from trafilatura.settings import DEFAULT_CONFIG

    config = copy.deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "50"   # short news items are articles too
    return config


_CONFIG = None


def extract_page(html: str, source: str, url: str | None = None) -> dict:
    """Main text and metadata of an HTML page: text, title, author, date, url, site."""
    global _CONFIG
    import lxml.html
    import trafilatura

    if _CONFIG is None:
        _CONFIG = _config()
    parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True,
                                  remove_pis=True)
    try:
        tree = lxml.html.fromstring(_XML_DECL.sub("", html, count=1), parser=parser)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ReadError(source, f"not a readable HTML page ({exc})") from None
    if any("Excessive depth" in e.message for e in parser.error_log):
        raise ReadError(source, f"HTML nested more than {MAX_DEPTH} elements deep; "
                                f"the page cannot be parsed whole")
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, config=_CONFIG,
        date_extraction_params={"extensive_search": False, "original_date": True})
    words = len((doc.text or "").split()) if doc is not None else 0
    if words < MIN_WORDS:
        raise ReadError(source, f"no article text found in the HTML page ({words} word(s) besides "
                                f"navigation and boilerplate)")
    paragraphs = [line.strip() for line in doc.text.split("\n") if line.strip()]
    return {"text": "\n\n".join(paragraphs), "title": doc.title, "author": doc.author,
            "date": doc.date, "url": doc.url or url, "site": doc.sitename}


def html_article(loaded: Loaded, options: ReadOptions = ReadOptions(), **known) -> Article:
    """An Article from the bytes of an HTML page. `known` (title, url, published, author,
    site) fills in what the page itself does not say, e.g. from the feed item linking to it."""
    html = decode(loaded.data, loaded.name, loaded.charset or declared_charset(loaded.data))
    page = extract_page(html, loaded.name, loaded.url or known.get("url"))
    return make_article(loaded.name, page["text"], title=page["title"] or known.get("title"),
                        url=page["url"] or known.get("url"),
                        published=page["date"] or known.get("published"),
                        author=page["author"] or known.get("author"),
                        site=page["site"] or known.get("site"))


def read_html(source: Path | str, options: ReadOptions = ReadOptions()) -> Iterator[Article]:
    """An HTML page (a saved file or a URL): its main text and metadata."""
    yield html_article(load(source, options), options)


class _Text(HTMLParser):
    """Text of an HTML fragment: tags dropped, block elements on their own lines,
    script and style left out. Streams; no tree, so any depth is fine."""

    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
              "blockquote", "section", "article", "header", "footer", "table", "pre", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary or a title with markup).

    >>> fragment_text("<p>Nvidia &amp; <b>Intel</b></p><script>x()</script><p>Next</p>")
    'Nvidia & Intel\\n\\nNext'
    """
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
