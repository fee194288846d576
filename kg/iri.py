"""Deterministic IRIs for entities, articles and assertion nodes."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from pyoxigraph import NamedNode

from kg.vocab import ARTICLE, ASSERTION, FAMILY, ID, root

_PLAIN = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def normalise_name(name: str) -> str:
    """The form two names must share to denote one entity: NFC, case-folded, NFC again (case
    folding can leave a sequence that composes, e.g. U+0149 -> U+02BC "n"), U+2019 read as an
    apostrophe, whitespace runs as one space, none at the ends. Canonically equivalent
    spellings (NFC, NFD) and case variants therefore share the form, and the form is its own
    form (normalise_name(normalise_name(x)) == normalise_name(x)).

    >>> normalise_name("  Open\tAI\u2019s ") == normalise_name("open ai's") == "open ai's"
    True
    """
    name = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(name.replace("\u2019", "'").split())


def slug(name: str) -> str:
    """A readable, injective IRI segment for a name.

    >>> slug("Liang Wenfeng")
    'liang-wenfeng'
    >>> slug("High-Flyer") == slug("High Flyer")
    False
    """
    key = normalise_name(name)
    if _PLAIN.fullmatch(key):
        return key.replace(" ", "-")
    ascii_ = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:60] or "x"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}--{digest}"  # plain names never contain "--"


def entity_key(name: str, cls: str) -> str:
    """Resolution key: one entity per (type family, normalised canonical name)."""
    return f"{FAMILY[root(cls)]}/{normalise_name(name)}"


def entity_iri(name: str, cls: str) -> str:
    return f"{ID}{FAMILY[root(cls)]}/{slug(name)}"


def article_iri(article_id: str) -> str:
    return ARTICLE + article_id


def assertion_iri(article_id: str, subject: str, predicate: str, obj: str, start: int) -> str:
    raw = "\x1f".join((article_id, subject, predicate, obj, str(start)))
    return ASSERTION + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def text_id(text: str) -> str:
    """Article id from its normalised text (used when there is no canonical URL)."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
# RFC 3987: the characters an IRI path (ipchar) and query (ipchar, iprivate, "/", "?") may hold
_UCSCHAR = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(plane << 16)}-{chr((plane << 16) + 0xFFFD)}" for plane in range(1, 14))
    + "\U000e1000-\U000efffd")
_IPRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_PCHAR = "A-Za-z0-9\\-._~!$&'()*+,;=:@" + _UCSCHAR
_NOT_IN_PATH = re.compile(f"[^{_PCHAR}/%]|%(?![0-9A-Fa-f]{{2}})")
_NOT_IN_QUERY = re.compile(f"[^{_PCHAR}{_IPRIVATE}/?%]|%(?![0-9A-Fa-f]{{2}})")


def _escape(part: str, unsafe: re.Pattern) -> str:
    """Percent-encode (UTF-8) what an IRI cannot hold there: spaces and controls, <>"{}|\\^`
    and brackets, a "%" that does not start an escape, and the code points RFC 3987 leaves out."""
    return unsafe.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "surrogatepass")), part)


def canonical_url(url: str | None) -> str | None:
    """The form of an http(s) URL that identifies an article, or None for anything else.

    Scheme and host are lower-cased, default ports, fragments and tracking parameters
    (utm_*, fbclid, gclid) dropped, an empty path becomes "/". What an IRI cannot hold in the
    path or query (e.g. "<", "|", a stray "%") is percent-encoded, so the result is always a
    valid IRI (RFC 3987); a URL whose host is not valid in an IRI gives None.

    >>> canonical_url("HTTPS://News.Example.com:443/a/b?utm_source=x&id=7#top")
    'https://news.example.com/a/b?id=7'
    >>> canonical_url('http://example.com/a<b>|"c"?q=100%')
    'http://example.com/a%3Cb%3E%7C%22c%22?q=100%25'
    >>> canonical_url("mailto:someone@example.com") is None
    True
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or any(c.isspace() for c in url.strip()):
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    url = urlunsplit((scheme, host, _escape(parts.path or "/", _NOT_IN_PATH), _escape(query, _NOT_IN_QUERY), ""))
    try:
        NamedNode(url)
    except ValueError:  # the host: a character no IRI host may hold, or a bad IP literal
        return None
    return url


def article_id(text: str, url: str | None = None) -> str:
    """An article's identity: its canonical URL when it has one, else its normalised text.

    >>> article_id("Some text.", "https://example.com/a?utm_medium=rss") == article_id("Other text.", "https://example.com/a")
    True
    """
    canonical = canonical_url(url)
    if canonical is None:
        return text_id(text)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
