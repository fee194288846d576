"""Tests for the interactive HTML explorer export (exports/html.py)."""
from __future__ import annotations

import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests are run with .venv/bin/pytest from the repo root
    sys.path.insert(0, str(ROOT))

from exports import html as html_export  # noqa: E402
from exports.html import HtmlExportError, write_html  # noqa: E402

ID = "https://w3id.org/aikg/id/"
ART = "https://w3id.org/aikg/article/"
XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_SENTENCE = 'DeepSeek said </script><script>alert(1)</script> & "more" \u2028 too.'
ARTICLE_URL = "https://news.example.com/deepseek-r1?id=1&src=feed"

DATA_RE = re.compile(r'<script type="application/json" id="kg-data">(.*?)</script>', re.S)


def evidence(sentence: str, n: int = 1, *, published: str | None = "2025-01-20",
             title: str | None = "DeepSeek releases R1", url: str | None = ARTICLE_URL,
             confidence: float = 0.9) -> dict:
    return {"sentence": sentence, "article": f"{ART}a{n}", "title": title, "url": url,
            "published": published, "rule": "rules.v1/test", "confidence": confidence}


def add_node(g: nx.MultiDiGraph, iri: str, label: str, cls: str, root: str,
             aliases: list[str] | None = None, articles: int = 1) -> None:
    g.add_node(iri, label=label, cls=cls, root=root, aliases=aliases or [], articles=articles)


def add_edge(g: nx.MultiDiGraph, u: str, pred: str, v: str, ev: list[dict]) -> None:
    g.add_edge(u, v, key=pred, predicate=pred, support=len({e["article"] for e in ev}),
               confidence=max(e["confidence"] for e in ev), evidence=ev)


DS, LW, HF, R1, BAD = (ID + "org/deepseek", ID + "person/liang-wenfeng",
                       ID + "org/high-flyer--1a2b3c4d5e6f", ID + "model/r1",
                       ID + "org/xss--0123456789ab")


def small_graph(*, reverse: bool = False) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    nodes = [
        (DS, "DeepSeek", "AILab", "Organization", ["Deepseek", "深度求索"], 3),
        (LW, "Liang Wenfeng", "Person", "Person", ["Liang"], 2),
        (HF, "High-Flyer", "Investor", "Organization", [], 1),
        (R1, "R1", "AIModel", "AIModel", ["DeepSeek-R1"], 2),
        (BAD, XSS_LABEL, "Company", "Organization", ["x</script><b>y", "line\u2028sep"], 1),
    ]
    edges = [
        (LW, "founded", DS, [evidence("In 2023, Liang Wenfeng founded DeepSeek.", 1),
                             evidence("Liang launched DeepSeek in Hangzhou.", 2,
                                      published="2025-02-03", title="Who is Liang?")]),
        (HF, "funds", DS, [evidence("DeepSeek is funded by the hedge fund High-Flyer.", 1)]),
        (DS, "develops", R1, [evidence(XSS_SENTENCE, 3, published=None, title=None, url=None)]),
        (HF, "partners_with", DS, [evidence("High-Flyer partners with DeepSeek.", 2)]),
        (BAD, "competes_with", DS, [evidence("x competes with DeepSeek.", 4)]),
    ]
    for spec in (reversed(nodes) if reverse else nodes):
        add_node(g, *spec)
    for u, p, v, ev in (reversed(edges) if reverse else edges):
        add_edge(g, u, p, v, list(reversed(ev)) if reverse else ev)
    return g


def page_data(text: str) -> dict:
    blocks = DATA_RE.findall(text)
    assert len(blocks) == 1
    return json.loads(blocks[0])


class Tags(HTMLParser):
    """Collects start tags with their attributes as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse_tags(text: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("html") / "graph.html"
    result = write_html(small_graph(), out, title="AI <b>industry</b> & friends")
    return result, out.read_text(encoding="utf-8")


def test_file_written_with_labels_legend_predicates(written):
    path, text = written
    assert path.exists() and path.name == "graph.html"
    for label in ("DeepSeek", "Liang Wenfeng", "High-Flyer", "R1"):
        assert label in text
    legend = re.search(r'<ul id="kg-legend".*?</ul>', text, re.S).group(0)
    for cls in ("Person", "Organization", "AIModel", "Hardware", "Product", "Place"):
        assert f"{cls} <small>" in legend
    assert html_export.ROOT_COLORS["Organization"] in legend
    for pred in ("founded", "funds", "develops", "partners_with", "competes_with"):
        assert pred in text
    assert "<title>AI &lt;b&gt;industry&lt;/b&gt; &amp; friends</title>" in text
    assert "<h1>AI &lt;b&gt;industry&lt;/b&gt; &amp; friends</h1>" in text


def test_no_external_resources(written):
    _, text = written
    url_attr = re.compile(r"""\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""",
                          re.I)
    assert not url_attr.search(text)
    for tag, attrs in parse_tags(text):
        for name in ("src", "href", "action", "srcset", "data"):
            assert name not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "img", "object", "embed", "base")
    assert "jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text
    assert "sourceMappingURL" not in text
    assert not re.search(r"@import|url\(\s*['\"]?\s*(?:https?:)?//", text, re.I)
    # vis-network really is inlined, and the CSP forbids loading anything from anywhere
    assert "@version 9.1.2" in text and "vis.Network" in text
    assert "default-src 'none'" in text
    # the article URL is carried only as data (inside the JSON block)
    outside = DATA_RE.sub("", text)
    assert "news.example.com" not in outside
    assert "news.example.com" in DATA_RE.search(text).group(1)


def test_xss_payloads_are_inert(written):
    _, text = written
    assert "<img src=x" not in text
    assert "</script><script>alert" not in text
    assert "<b>y" not in text
    tags = parse_tags(text)
    assert [t for t, _ in tags].count("script") == 3  # vis-network, data, app
    assert not any(t in ("img", "b") for t, _ in tags)
    # every <script> element ends where it should: one closing tag per opening tag
    assert len(re.findall(r"<script\b", text)) - 1 == len(re.findall(r"</script", text, re.I))


def test_page_script_never_parses_data_as_html(written):
    app = re.findall(r"<script>(.*?)</script>", written[1], re.S)[-1]
    assert "textContent" in app and "JSON.parse" in app
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in app


def test_embedded_json_round_trips(written):
    _, text = written
    data = page_data(text)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[BAD]["label"] == XSS_LABEL
    assert XSS_LABEL in nodes[BAD]["title"]
    assert "x</script><b>y" in nodes[BAD]["aliases"]
    assert nodes[DS]["label"] == "DeepSeek"
    assert "Class: AILab (Organization)" in nodes[DS]["title"]
    assert "Deepseek" in nodes[DS]["title"] and "深度求索" in nodes[DS]["title"]
    edges = {(e["from"], e["predicate"], e["to"]): e for e in data["edges"]}
    develops = edges[(DS, "develops", R1)]
    # whitespace runs collapsed
    assert develops["evidence"][0]["sentence"] == " ".join(XSS_SENTENCE.split())
    assert develops["dates"] == [] and develops["undated"] is True
    block = DATA_RE.search(text).group(1)
    assert "\\u003c/script\\u003e" in block and "\\u0026" in block
    assert "\u2028" not in block and "\\u2028" in block  # JS line separator escaped
    assert "line\u2028sep" in nodes[BAD]["aliases"]
    assert data["options"]["layout"]["randomSeed"] == 7
    assert data["options"]["physics"]["stabilization"]["enabled"] is True


def test_nodes_and_edges_styling(written):
    data = page_data(written[1])
    nodes = {n["id"]: n for n in data["nodes"]}
    colors = html_export.ROOT_COLORS
    assert nodes[DS]["color"] == colors["Organization"]
    assert nodes[LW]["color"] == colors["Person"]
    assert nodes[R1]["color"] == colors["AIModel"]
    assert nodes[DS]["degree"] == 5 and nodes[R1]["degree"] == 1
    assert nodes[DS]["size"] > nodes[HF]["size"] > nodes[R1]["size"]
    edges = {(e["from"], e["predicate"], e["to"]): e for e in data["edges"]}
    assert edges[(LW, "founded", DS)]["arrows"]["to"]["enabled"] is True
    assert edges[(HF, "funds", DS)]["arrows"]["to"]["enabled"] is True
    assert edges[(HF, "partners_with", DS)]["arrows"]["to"]["enabled"] is False
    assert edges[(BAD, "competes_with", DS)]["arrows"]["to"]["enabled"] is False
    assert all(e["label"] == e["predicate"] for e in data["edges"])
    # the two parallel High-Flyer -> DeepSeek edges are drawn apart
    assert ("smooth" in edges[(HF, "funds", DS)]) != ("smooth" in edges[(HF, "partners_with", DS)])
    founded = edges[(LW, "founded", DS)]
    assert founded["support"] == 2 and founded["confidence"] == 0.9
    assert founded["dates"] == ["2025-01-20", "2025-02-03"] and founded["undated"] is False
    # evidence newest first, each with its article title, date and URL
    first, second = founded["evidence"]
    assert first["title"] == "Who is Liang?" and first["published"] == "2025-02-03"
    assert first["sentence"] == "Liang launched DeepSeek in Hangzhou."
    assert second["title"] == "DeepSeek releases R1" and second["url"] == ARTICLE_URL


def test_output_is_deterministic(tmp_path):
    a = write_html(small_graph(), tmp_path / "a.html").read_bytes()
    b = write_html(small_graph(reverse=True), tmp_path / "b.html").read_bytes()
    assert a == b


def test_missing_directory_raises(tmp_path):
    target = tmp_path / "nope" / "graph.html"
    with pytest.raises(ValueError, match="does not exist") as info:
        write_html(small_graph(), target)
    assert str(target.parent) in str(info.value)
    assert not target.parent.exists()
    with pytest.raises(ValueError, match="is a directory"):
        write_html(small_graph(), tmp_path)


def test_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="MultiDiGraph"):
        write_html(nx.Graph(), tmp_path / "g.html")
    g = small_graph()
    g.nodes[R1]["aliases"] = "R-one"
    with pytest.raises(ValueError, match="aliases"):
        write_html(g, tmp_path / "g.html")
    assert list(tmp_path.iterdir()) == []


def test_bad_graph_leaves_existing_file_intact(tmp_path):
    target = tmp_path / "graph.html"
    target.write_text("previous export", encoding="utf-8")
    g = small_graph()
    g.add_node(ID + "org/broken", label="Broken")  # no cls / root
    with pytest.raises(HtmlExportError, match="org/broken.*'cls'"):
        write_html(g, target)
    assert target.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]

    g = small_graph()
    g.add_edge(LW, DS, key="leads", predicate="leads", support=1, confidence=float("nan"),
               evidence=[])
    with pytest.raises(ValueError, match="confidence"):
        write_html(g, target)
    assert target.read_text(encoding="utf-8") == "previous export"


def test_failed_replace_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "graph.html"
    target.write_text("previous export", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(html_export.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_html(small_graph(), target)
    assert target.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_replaces_existing_file_and_keeps_mode(tmp_path):
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    assert write_html(small_graph(), str(target)) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o640
    fresh = write_html(nx.MultiDiGraph(), tmp_path / "empty.html")
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert page_data(fresh.read_text(encoding="utf-8"))["nodes"] == []


def test_max_nodes_keeps_the_most_connected_and_says_so(tmp_path):
    text = write_html(small_graph(), tmp_path / "g.html", max_nodes=2).read_text("utf-8")
    data = page_data(text)
    assert sorted(n["id"] for n in data["nodes"]) == sorted([DS, HF])  # degrees 5 and 2 (HF: 2 edges)
    assert all(e["from"] in (DS, HF) and e["to"] in (DS, HF) for e in data["edges"])
    meta = data["meta"]
    assert (meta["total_nodes"], meta["shown_nodes"], meta["left_out_nodes"]) == (5, 2, 3)
    assert meta["left_out_edges"] == 5 - len(data["edges"])
    assert "Showing the 2 most connected of 5 entities: 3 entities and 3 relations left out" in text
    full = write_html(small_graph(), tmp_path / "all.html").read_text("utf-8")
    assert 'id="kg-notice"' not in full and page_data(full)["meta"]["left_out_nodes"] == 0
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(HtmlExportError, match="max_nodes"):
            write_html(small_graph(), tmp_path / "bad.html", max_nodes=bad)


def test_csp_allows_exactly_the_page_scripts_by_hash(written):
    import base64
    import hashlib

    text = written[1]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    directives = {d.split()[0]: d.split()[1:] for d in (x.strip() for x in csp.split(";")) if d}
    scripts = re.findall(r"<script>(.*?)</script>", text, re.S)
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
              for s in scripts]
    assert len(scripts) == 2 and sorted(directives["script-src"]) == sorted(hashes)
    assert directives["default-src"] == ["'none'"] and "connect-src" not in directives


def test_ranks_sizes_and_layout(written):
    data = page_data(written[1])
    nodes = {n["id"]: n for n in data["nodes"]}
    assert abs(sum(n["pagerank"] for n in nodes.values()) - 1) < 1e-6
    assert max(nodes, key=lambda i: nodes[i]["pagerank"]) == DS  # everything points at DeepSeek
    assert nodes[DS]["sizes"]["pagerank"] > nodes[LW]["sizes"]["pagerank"]
    assert nodes[DS]["sizes"]["degree"] == nodes[DS]["size"]
    assert len({(n["x"], n["y"]) for n in nodes.values()}) == len(nodes)  # no two on one spot
    assert nodes[DS]["types"] == ["AILab", "Organization"]
    assert data["meta"]["date_min"] == "2025-01-20" and data["meta"]["date_max"] == "2025-02-03"


def test_fifty_thousand_entities_export_capped(tmp_path):
    """The Python side of a 50,000-entity export: linear work, capped page (no timing asserted;
    it takes about a second)."""
    g = nx.MultiDiGraph()
    for i in range(50_000):
        add_node(g, f"{ID}x/{i}", f"Entity {i}", "Company", "Organization")
    for i in range(1, 50_000):
        j = (i * 7919) % i
        add_edge(g, f"{ID}x/{i}", "partners_with", f"{ID}x/{j}", [evidence(f"E{i} and E{j}.", i)])
    data = page_data(write_html(g, tmp_path / "big.html").read_text("utf-8"))
    assert len(data["nodes"]) == html_export.DEFAULT_MAX_NODES
    assert data["meta"]["left_out_nodes"] == 50_000 - html_export.DEFAULT_MAX_NODES
    assert data["meta"]["physics"] is False or html_export.DEFAULT_MAX_NODES <= html_export.PHYSICS_MAX_NODES
    assert f"{ID}x/0" in {n["id"] for n in data["nodes"]}
