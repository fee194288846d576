"""Tests for fetching URLs (ingest/fetch.py) against real HTTP(S) servers the tests start on
127.0.0.1: address checks on every hop, redirects, size caps, content types, timeouts,
gzip, TLS, and URL articles that are new, unchanged (skipped before any NLP) or updated."""
from __future__ import annotations

import gzip
import http.server
import shutil
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

from ingest.fetch import fetch, resolve
from ingest.readers import ReadOptions, read
from kg.api import KnowledgeGraph
from kg.errors import ModelError, ReadError
from kg.model import Article

FIXTURES = ROOT / "tests" / "fixtures"
LOCAL = ReadOptions(allow_private=True, timeout=5)

STORY_V1 = ("<html><head><title>Groq news</title></head><body><article><h1>Groq raises money</h1>"
            "<p>Groq, the chip startup founded by Jonathan Ross, raised a new funding round led by "
            "BlackRock.</p><p>The company designs chips for AI inference.</p></article></body></html>")
STORY_V2 = ("<html><head><title>Groq news</title></head><body><article><h1>Groq raises money</h1>"
            "<p>Groq, the chip startup founded by Jonathan Ross, partners with Samsung to make its "
            "chips.</p><p>The company designs chips for AI inference.</p></article></body></html>")


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves the routes of its server: path -> (status, headers, body) or a callable."""

    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 - the http.server API
        self.server.hits.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            route = (404, {"Content-Type": "text/plain"}, b"not found")
        if callable(route):
            route(self)
            return
        status, headers, body = route
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict = {}
        self.hits: list[str] = []

    def handle_error(self, request, client_address):
        pass  # clients that hang up on purpose (size caps, timeouts)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def _serve(server: Server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def server():
    srv = Server()
    thread = _serve(srv)
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = (FIXTURES / "pages" / "techwire-mistral.html").read_bytes()
    base = srv.base
    srv.routes.update({
        "/page.html": (200, html, page),
        "/story": (200, html, STORY_V1.encode()),
        "/notype": (200, {}, page),
        "/plain.txt": (200, {"Content-Type": "text/plain"}, b"Nvidia Ships Blackwell\n\nNvidia said it shipped Blackwell."),
        "/latin1.txt": (200, {"Content-Type": "text/plain; charset=iso-8859-1"},
                        "Timoth\u00e9e Lacroix co-founded Mistral AI.".encode("latin-1")),
        "/data.jsonl": (200, {"Content-Type": "application/x-ndjson"},
                        (FIXTURES / "datasets" / "news.jsonl").read_bytes()),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
            f"<item><title>Story one</title><link>{base}/story</link><description>Teaser one.</description></item>"
            f"<item><title>Story two</title><link>{base}/gone</link><description>Teaser two.</description></item>"
            "</channel></rss>").encode()),
        "/xhtml-as-xml": (200, {"Content-Type": "application/xml"},
                          b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><article>'
                          b"<p>Intel makes processors in Oregon and sells them around the world.</p>"
                          b"</article></body></html>"),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        "/octet": (200, {"Content-Type": "application/octet-stream"}, b"\x00\x01"),
        "/redirect": (302, {"Location": "/page.html"}, b""),
        "/redirect-abs": (301, {"Location": f"{base}/redirect"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/to-localhost": (302, {"Location": f"http://localhost:{srv.server_address[1]}/page.html"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/to-bad-ipv6": (302, {"Location": "http://[x/"}, b""),
        "/no-location": (302, {}, b""),
        "/big": (200, {"Content-Type": "text/plain"}, b"x" * 300_000),
        "/gzip": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip.compress(page)),
        "/gzip-bomb": (200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"},
                       gzip.compress(b"a" * 20_000_000)),
        "/bad-gzip": (200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, b"not gzip at all"),
        "/brotli": (200, {"Content-Type": "text/plain", "Content-Encoding": "br"}, b"xx"),
        "/error": (500, {"Content-Type": "text/plain"}, b"oops"),
        "/stream": _stream,
        "/slow": _slow,
        "/drip": _drip,
    })
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def _stream(h):
    """300 kB with no Content-Length: only reading tells the size."""
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(30):
        h.wfile.write(b"y" * 10_000)


def _slow(h):
    time.sleep(3)
    h.send_response(200)
    h.end_headers()


def _drip(h):
    """Headers at once, then a byte every 0.1 s: each read is quick, the whole is slow."""
    h.send_response(200)
    h.send_header("Content-Type", "text/plain")
    h.end_headers()
    for _ in range(50):
        h.wfile.write(b"z")
        h.wfile.flush()
        time.sleep(0.1)


# -- addresses -----------------------------------------------------------------------------
@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "loopback"), ("localhost", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"), ("fc00::1", "private"),
])
def test_non_public_addresses_are_refused(host, kind):
    with pytest.raises(ReadError, match=rf"refused: .* a {kind} address \(pass --allow-private"):
        resolve("http://x/", host, 80, ReadOptions())
    assert resolve("http://x/", host, 80, ReadOptions(allow_private=True))


def test_public_address_is_allowed():
    assert resolve("http://x/", "8.8.8.8", 80, ReadOptions()) == ["8.8.8.8"]


def test_loopback_server_is_refused_without_permission(server):
    with pytest.raises(ReadError, match="refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address"):
        fetch(f"{server.base}/page.html")
    assert server.hits == []  # refused before connecting
    [err] = read([f"{server.base}/page.html"])
    assert isinstance(err, ReadError) and err.source == f"{server.base}/page.html"


def test_localhost_tries_each_of_its_addresses(server):
    got = fetch(f"http://localhost:{server.server_address[1]}/page.html", LOCAL)  # ::1 first, maybe
    assert got.data.startswith(b"<!DOCTYPE html>")


def test_redirect_to_a_private_host_is_refused_at_that_hop(server):
    only_this_host = ReadOptions(allow_hosts=("127.0.0.1",), timeout=5)
    assert fetch(f"{server.base}/page.html", only_this_host).data.startswith(b"<!DOCTYPE html>")
    with pytest.raises(ReadError, match="refused: localhost resolves to .*loopback"):
        fetch(f"{server.base}/to-localhost", only_this_host)
    assert server.hits == ["/page.html", "/to-localhost"]  # the redirect target was never asked


def test_urls_that_urllib_cannot_split_fail_as_read_errors(server):
    """Found by fuzz/readers.py (a feed link "http://["): urllib raises ValueError for a
    bracket that opens no IPv6 address; it came out of the reader as a traceback."""
    with pytest.raises(ReadError, match=r"redirect to an invalid URL 'http://\[x/' \(Invalid IPv6 URL\)"):
        fetch(f"{server.base}/to-bad-ipv6", LOCAL)
    [err] = read(["http://[x/story"], LOCAL)
    assert (err.source, err.reason) == ("http://[x/story", "not a valid URL: 'http://[x/story' (Invalid IPv6 URL)")


def test_redirect_to_another_scheme_is_refused(server):
    with pytest.raises(ReadError, match="only http and https URLs are fetched, not 'file:///etc/passwd'"):
        fetch(f"{server.base}/to-file", LOCAL)


# -- downloads -------------------------------------------------------------------------------
def test_fetch_html_page(server):
    got = fetch(f"{server.base}/page.html", LOCAL)
    assert got.media_type == "text/html" and got.charset == "utf-8"
    assert got.url == f"{server.base}/page.html"
    [art] = read([f"{server.base}/page.html"], LOCAL)
    assert art.title == "Mistral AI raises new round led by ASML"
    assert art.url == "https://techwire.example.com/2025/09/mistral-ai-asml-round"  # the page's canonical
    assert art.source == f"{server.base}/page.html"
    assert "cookies" not in art.text


def test_redirects_are_followed_up_to_the_limit(server):
    got = fetch(f"{server.base}/redirect-abs", LOCAL)
    assert got.url == f"{server.base}/page.html"
    assert server.hits == ["/redirect-abs", "/redirect", "/page.html"]
    with pytest.raises(ReadError, match="more than 1 redirects"):
        fetch(f"{server.base}/redirect-abs", ReadOptions(allow_private=True, max_redirects=1))
    with pytest.raises(ReadError, match="more than 5 redirects"):
        fetch(f"{server.base}/loop", LOCAL)
    with pytest.raises(ReadError, match="redirect without a Location"):
        fetch(f"{server.base}/no-location", LOCAL)


@pytest.mark.parametrize("path, reason", [
    ("/image.png", "content type image/png is not an article"),
    ("/octet", "content type application/octet-stream is not an article"),
    ("/missing", "HTTP 404 Not Found"),
    ("/error", "HTTP 500 Internal Server Error"),
    ("/brotli", "unsupported content encoding 'br'"),
    ("/bad-gzip", "corrupt gzip body"),
])
def test_refused_downloads(server, path, reason):
    with pytest.raises(ReadError) as info:
        fetch(f"{server.base}{path}", LOCAL)
    assert reason in info.value.reason
    assert info.value.source == f"{server.base}{path}"


@pytest.mark.parametrize("path", ["/big", "/stream", "/gzip-bomb"])
def test_size_cap_while_streaming(server, path):
    small = ReadOptions(allow_private=True, max_bytes=100_000, timeout=5)
    start = time.monotonic()
    with pytest.raises(ReadError, match="over the size cap of 100,000"):
        fetch(f"{server.base}{path}", small)
    assert time.monotonic() - start < 5


def test_gzip_body_is_decoded(server):
    [art] = read([f"{server.base}/gzip"], LOCAL)
    assert art.title == "Mistral AI raises new round led by ASML"


def test_timeouts(server):
    quick = ReadOptions(allow_private=True, timeout=0.5)
    for path in ("/slow", "/drip"):  # no answer; or an answer too slow as a whole
        start = time.monotonic()
        with pytest.raises(ReadError, match=r"timed out after 0\.5 s"):
            fetch(f"{server.base}{path}", quick)
        assert time.monotonic() - start < 2, path


def test_bad_port():
    with pytest.raises(ReadError, match="bad port in 'http://127.0.0.1:99999/x'"):
        fetch("http://127.0.0.1:99999/x", LOCAL)


def test_unresolvable_host():
    with pytest.raises(ReadError, match="cannot resolve host"):
        fetch("http://no-such-host.invalid/x", ReadOptions(timeout=2))


def test_refused_connection(server):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(ReadError, match="download failed"):
        fetch(f"http://127.0.0.1:{port}/page.html", LOCAL)


# -- content types pick the reader -----------------------------------------------------------------
def test_readers_chosen_by_content_type(server):
    b = server.base
    items = list(read([f"{b}/plain.txt", f"{b}/latin1.txt", f"{b}/notype", f"{b}/xhtml-as-xml",
                       f"{b}/data.jsonl", f"{b}/feed.xml"], LOCAL))
    plain, latin, notype, xhtml = items[:4]
    assert plain.title == "Nvidia Ships Blackwell" and plain.url == f"{b}/plain.txt"
    assert latin.text == "Timoth\u00e9e Lacroix co-founded Mistral AI."
    assert notype.title == "Mistral AI raises new round led by ASML"
    assert xhtml.text.startswith("Intel makes processors")
    jsonl = [i for i in items if (i.source or "").startswith(f"{b}/data.jsonl:")]
    assert len(jsonl) == 5  # four records and the truncated line
    feed = [i for i in items if i.source.startswith(f"{b}/feed.xml#")]
    assert [a.text for a in feed] == ["Story one\n\nTeaser one.", "Story two\n\nTeaser two."]
    assert feed[0].url == f"{b}/story"


def test_feed_with_fetch_reads_the_linked_pages(server):
    items = list(read([f"{server.base}/feed.xml"], ReadOptions(allow_private=True, fetch_links=True, timeout=5)))
    story, gone = items
    assert isinstance(story, Article)
    assert story.text.startswith("Groq raises money\n\nGroq, the chip startup founded by Jonathan Ross")
    assert "Teaser" not in story.text and story.url == f"{server.base}/story"
    assert isinstance(gone, ReadError)
    assert gone.source == f"{server.base}/feed.xml#2" and "HTTP 404" in gone.reason and "/gone" in gone.reason


def test_file_of_urls(server, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# my reading list\n{server.base}/story\n\nnot a url\n{server.base}/image.png\n")
    items = list(read([urls], ReadOptions(reader="url", allow_private=True, timeout=5)))
    assert isinstance(items[0], Article) and items[0].title == "Groq raises money"
    assert isinstance(items[1], ReadError) and items[1].source == f"{urls}:4"
    assert isinstance(items[2], ReadError) and "image/png" in items[2].reason


# -- TLS ----------------------------------------------------------------------------------------------
@pytest.fixture
def tls_server(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    srv = Server()
    srv.routes["/page.html"] = (200, {"Content-Type": "text/html"}, b"<html><body><p>hello</p></body></html>")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    thread = _serve(srv)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def test_tls_errors_are_not_retried_without_verification(tls_server):
    url = f"https://127.0.0.1:{tls_server.server_address[1]}/page.html"
    with pytest.raises(ReadError) as info:
        fetch(url, LOCAL)
    assert "TLS error" in info.value.reason and "CERTIFICATE_VERIFY_FAILED" in info.value.reason
    assert "not retried without certificate verification" in info.value.reason
    time.sleep(0.2)
    assert tls_server.hits == []  # nothing was ever requested over an unverified connection


# -- URL articles in the store ---------------------------------------------------------------------
def test_url_article_new_unchanged_updated(server, tmp_path, nlp_ready):
    url = f"{server.base}/story"
    store = tmp_path / "store"
    with KnowledgeGraph.open(store) as kg:
        first = kg.ingest([url], options=LOCAL)
        assert (first.read, first.new) == (1, 1)
        labels = {r["l"] for r in kg.query("SELECT ?l WHERE { ?e rdfs:label ?l }")}
    assert "BlackRock" in labels
    # unchanged: skipped before any NLP, so even a pipeline that does not exist is never loaded
    with KnowledgeGraph.open(store, model="no_such_spacy_pipeline_xyz") as kg:
        again = kg.ingest([url], options=LOCAL)
        assert (again.read, again.new, again.updated, again.unchanged) == (1, 0, 0, 1)
        server.routes["/story"] = (200, {"Content-Type": "text/html"}, STORY_V2.encode())
        dry = kg.ingest([url], options=LOCAL, dry_run=True)
        assert (dry.updated, dry.unchanged) == (1, 0)  # reported without parsing or writing
        with pytest.raises(ModelError):  # a changed article does need the pipeline
            kg.ingest([url], options=LOCAL)
    with KnowledgeGraph.open(store) as kg:
        changed = kg.ingest([url], options=LOCAL)
        assert (changed.read, changed.new, changed.updated) == (1, 0, 1)
        assert len(kg.store.named_graphs()) == 1  # replaced, not added
        labels = {r["l"] for r in kg.query("SELECT ?l WHERE { ?e rdfs:label ?l }")}
        assert "Samsung" in labels and "BlackRock" not in labels
        assert kg.validate() == []


def test_cli_ingest_url(server, tmp_path, run_cli, nlp_ready):
    store = tmp_path / "store"
    url = f"{server.base}/page.html"
    r = run_cli("ingest", url, "--store", store)
    assert r.code == 1
    assert r.err_lines == [f"error: {url}: refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address "
                           f"(pass --allow-private or --allow-host 127.0.0.1 to fetch from it)"]
    assert "read 0, new 0" in r.out and "failed 1" in r.out
    r = run_cli("ingest", url, "--allow-host", "127.0.0.1", "--store", store)
    assert r.code == 0, r.err
    assert "read 1, new 1" in r.out
    r = run_cli("ingest", url, f"{server.base}/image.png", "--allow-private", "--store", store)
    assert r.code == 1 and "read 1, new 0, updated 0, unchanged 1, failed 1" in r.out
    assert r.err_lines == [f"error: {server.base}/image.png: content type image/png is not an article "
                           f"(expected HTML, an RSS or Atom feed, text, JSON or CSV)"]


def test_cli_rejects_bad_limits(run_cli, tmp_path):
    for flag, value in (("--max-bytes", "0"), ("--timeout", "0"), ("--max-redirects", "-1")):
        r = run_cli("ingest", "x.txt", flag, value, "--store", tmp_path / "s")
        assert r.code == 2 and "must be" in r.err, flag
    assert not Path(tmp_path / "s").exists()
