"""Fetching URLs safely, and the "url" reader that parses what was fetched.

Every hop of a download (the URL and each redirect) is resolved here and refused when the
host has a loopback, private, link-local, multicast, reserved or unspecified address,
unless ReadOptions.allow_private or the host is one of ReadOptions.allow_hosts. The
connection then goes to the checked address, so a second DNS answer cannot swap it. One
download has a deadline (ReadOptions.timeout), a size cap (ReadOptions.max_bytes, checked
while streaming, also after gzip), a redirect limit and a content-type check. TLS
certificates are always verified; a TLS error is reported, never retried without
verification.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from ingest.readers import Loaded, ReadOptions, sniff
from kg import __version__
from kg.errors import ReadError

USER_AGENT = f"ai-industry-kg/{__version__} (news reader)"
CHUNK = 64 * 1024
# media type -> the reader that parses it
MEDIA_READERS = {
    "text/html": "html", "application/xhtml+xml": "html",
    "application/rss+xml": "feed", "application/atom+xml": "feed", "application/rdf+xml": "feed",
    "application/xml": "feed", "text/xml": "feed",
    "text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown",
    "application/json": "jsonl", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl", "text/csv": "csv", "text/tab-separated-values": "csv",
}
_REDIRECTS = {301, 302, 303, 307, 308}


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address may not be fetched from by default, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
                       ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


def resolve(url: str, host: str, port: int, options: ReadOptions) -> list[str]:
    """The addresses to connect to for host, after checking every one of them."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ReadError(url, f"cannot resolve host {host!r} ({exc})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise ReadError(url, f"cannot resolve host {host!r}")
    allowed = options.allow_private or host.lower() in {h.lower().strip("[]") for h in options.allow_hosts}
    if not allowed:
        for address in addresses:
            kind = _kind(ipaddress.ip_address(address.split("%", 1)[0]))
            if kind:
                raise ReadError(url, f"refused: {host} resolves to {address}, a {kind} address "
                                     f"(pass --allow-private or --allow-host {host} to fetch from it)")
    return addresses


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


class _HTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to checked addresses; the Host header keeps the host name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _HTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to checked addresses; the certificate is verified for the host name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, options: ReadOptions = ReadOptions()) -> Loaded:
    """Download one URL within the limits of options; ReadError names the URL and the reason."""
    deadline = time.monotonic() + options.timeout
    current = url
    for _hop in range(options.max_redirects + 1):
        try:
            parts = urlsplit(current)
        except ValueError as exc:  # e.g. "http://[x/": not an IPv6 address
            raise ReadError(url, f"not a valid URL: {current!r} ({exc})") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ReadError(url, f"only http and https URLs are fetched, not {current!r}")
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError:
            raise ReadError(url, f"bad port in {current!r}") from None
        addresses = resolve(url, parts.hostname, port, options)
        cls = _HTTPSConnection if parts.scheme.lower() == "https" else _HTTPConnection
        conn = cls(parts.hostname, port, addresses, options.timeout)
        resp = None
        try:
            conn.timeout = _left(deadline)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers={
                "User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity",
                "Accept": "text/html, application/xhtml+xml, application/atom+xml, application/rss+xml, "
                          "application/xml;q=0.9, text/plain;q=0.8, application/json;q=0.8, */*;q=0.1"})
            sock = conn.sock  # the response takes it over from the connection
            resp = conn.getresponse()
            if resp.status in _REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise ReadError(url, f"HTTP {resp.status} redirect without a Location")
                try:
                    current = urljoin(current, location.strip())
                except ValueError as exc:
                    raise ReadError(url, f"HTTP {resp.status} redirect to an invalid URL "
                                         f"{location.strip()!r} ({exc})") from None
                continue
            if resp.status != 200:
                raise ReadError(url, f"HTTP {resp.status} {resp.reason}".strip())
            media, charset = _content_type(resp.getheader("Content-Type"))
            if media and _reader_of(media) is None:
                raise ReadError(url, f"content type {media} is not an article "
                                     f"(expected HTML, an RSS or Atom feed, text, JSON or CSV)")
            data = _body(sock, resp, url, options, deadline)
            return Loaded(url, data, url=current, media_type=media or None, charset=charset)
        except ssl.SSLError as exc:
            raise ReadError(url, f"TLS error ({exc.reason or exc}); not retried without "
                                 f"certificate verification") from None
        except TimeoutError:
            raise ReadError(url, f"timed out after {options.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ReadError(url, f"download failed ({type(exc).__name__}: {exc})") from None
        finally:
            if resp is not None:
                resp.close()
            conn.close()
    raise ReadError(url, f"more than {options.max_redirects} redirects")


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"\'')
    return media.strip().lower(), charset


def _body(sock, resp: http.client.HTTPResponse, url: str, options: ReadOptions, deadline: float) -> bytes:
    """The response body, read in chunks, decompressed if gzip, never more than max_bytes."""
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > options.max_bytes:
        raise ReadError(url, f"download is {int(length):,} bytes, over the size cap of "
                             f"{options.max_bytes:,} (raise it with --max-bytes)")
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise ReadError(url, f"unsupported content encoding {encoding!r}")
    inflate = zlib.decompressobj(wbits=31) if encoding != "identity" else None
    out = bytearray()
    while True:
        sock.settimeout(_left(deadline))
        chunk = resp.read1(CHUNK)  # what has arrived: the deadline is checked between reads
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, options.max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise ReadError(url, f"corrupt gzip body ({exc})") from None
        out += chunk
        if len(out) > options.max_bytes:
            raise ReadError(url, f"download is over the size cap of {options.max_bytes:,} bytes "
                                 f"(raise it with --max-bytes)")
    return bytes(out)


def _reader_of(media: str) -> str | None:
    if media in MEDIA_READERS:
        return MEDIA_READERS[media]
    if media.endswith("+xml"):
        return "feed"
    if media.endswith("+json"):
        return "jsonl"
    return None


def reader_for(loaded: Loaded) -> str:
    """The reader for fetched content: by its media type; generic XML and a missing type by
    the content's first bytes (XHTML served as XML is HTML)."""
    name = _reader_of(loaded.media_type or "")
    if name is None or (name == "feed" and sniff(loaded.data) == "html"):
        return sniff(loaded.data)
    return name


def parse(loaded: Loaded, name: str, options: ReadOptions) -> Iterator:
    """Articles (and ReadErrors of single records) from loaded content, by a built-in reader."""
    from ingest import datasets, feeds, html, readers

    if name == "feed":
        return feeds.feed_articles(loaded, options)
    if name == "jsonl":
        return datasets.jsonl_articles(loaded, options)
    if name == "csv":
        return datasets.csv_articles(loaded, options)
    if name == "html":
        return iter([html.html_article(loaded, options)])
    if name == "markdown":
        return iter([readers.markdown_article(loaded)])
    return iter([readers.text_article(loaded)])


def read_url(source: str, options: ReadOptions = ReadOptions()) -> Iterator:
    """The "url" reader: fetch a URL and read it as HTML, a feed, a dataset or text (by its
    content type). Given a file instead, fetch each URL listed in it, one per line."""
    if not isinstance(source, str) or "://" not in source:
        yield from _url_list(source, options)
        return
    loaded = fetch(source, options)
    yield from parse(loaded, reader_for(loaded), options)


def _url_list(path, options: ReadOptions) -> Iterator:
    from ingest.readers import decode, load

    loaded = load(path, options)
    for n, line in enumerate(decode(loaded.data, loaded.name).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "://" not in line:
            yield ReadError(f"{loaded.name}:{n}", f"not a URL: {line[:80]!r}")
            continue
        try:
            yield from read_url(line, options)
        except ReadError as exc:
            yield exc
