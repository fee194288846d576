"""Interactive HTML explorer: one self-contained, offline page drawn with vis-network.

``write_html(graph, path)`` turns the ``networkx.MultiDiGraph`` built from the store
(nodes = entity IRIs with ``label``/``cls``/``root``/``aliases``/``articles``; edges keyed
by predicate with ``predicate``/``support``/``confidence``/``evidence``) into a single
HTML file.

Why the page is rendered here and not with ``pyvis.network.Network.write_html``: pyvis
0.3.2 is only used as the source of the vis-network assets it vendors
(``pyvis/templates/lib/vis-9.1.2``).  Its own template is unsuitable for untrusted
labels and for offline use:

* ``cdn_resources="in_line"`` inlines vis-network, but the template still loads
  Bootstrap 5 CSS/JS from cdn.jsdelivr.net unconditionally, and tom-select from a CDN
  in "remote" mode;
* its Jinja environment has autoescape off, so ``heading`` (rendered twice, once
  inside ``<head>``) and the options (``options|safe``) are raw HTML/JS;
* if any node ``title`` contains the substring ``"href"`` it switches to a custom
  popup that assigns the title with ``innerHTML``;
* undirected networks silently drop a second edge between the same pair of nodes,
  and ``add_edge`` checks node membership in a list (quadratic on big graphs);
* importing pyvis imports IPython.

So the page is produced from the small template below: the vis-network JS/CSS are
inlined (the source-map comment is stripped), the graph data is a JSON block in a
``<script type="application/json">`` element with ``<``, ``>``, ``&`` and ``'``
written as ``\\u003c``... so no label can close the script element, every piece of text
in the markup is ``html.escape``-d, and tooltips are plain text turned into DOM
elements with ``textContent`` in the browser (vis-network 9.1.2 itself uses
``innerText`` for string titles, but older vis versions used ``innerHTML``; passing an
element is safe in every version).  A Content-Security-Policy meta tag forbids loading
anything from any host.
"""
from __future__ import annotations

import functools
import html
import importlib.util
import json
import math
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.vocab import FAMILY, SYMMETRIC

__all__ = ["write_html", "HtmlExportError", "ROOT_COLORS", "VIS_VERSION"]

VIS_VERSION = "9.1.2"  # the vis-network build pyvis 0.3.2 inlines

# root class -> colour (Okabe-Ito palette, colour-blind safe); order = legend order
ROOT_COLORS: dict[str, str] = {
    "Person": "#E69F00",
    "Organization": "#0072B2",
    "AIModel": "#CC79A7",
    "Hardware": "#009E73",
    "Product": "#56B4E9",
    "Place": "#D55E00",
}
assert list(ROOT_COLORS) == list(FAMILY), "legend must list every root class"
OTHER_ROOT = "Other"
OTHER_COLOR = "#999999"

MAX_EVIDENCE_IN_TOOLTIP = 8
MAX_SENTENCE_CHARS = 500

LAYOUT_SEED = 7


class HtmlExportError(ExportError, ValueError):
    """The HTML export could not be written: bad target path or a graph that breaks
    the input contract.  Both a ``ValueError`` and the project's ``ExportError``."""


# --------------------------------------------------------------------------- assets

@functools.lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """(css, js) of vis-network as vendored by pyvis, checked to be safe to inline."""
    spec = importlib.util.find_spec("pyvis")  # locate without importing (pyvis imports IPython)
    if spec is None or not spec.submodule_search_locations:
        raise HtmlExportError("the HTML export needs pyvis (pip install pyvis==0.3.2)")
    lib = Path(next(iter(spec.submodule_search_locations))) / "templates" / "lib"
    folder = lib / f"vis-{VIS_VERSION}"
    try:
        js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
        css = (folder / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise HtmlExportError(
            f"vis-network {VIS_VERSION} assets not found in {lib} "
            f"(expected pyvis 0.3.2): {exc}") from exc
    if f"@version {VIS_VERSION}" not in js[:2000]:
        raise HtmlExportError(f"{folder / 'vis-network.min.js'} is not vis-network {VIS_VERSION}")
    # the trailing "//# sourceMappingURL=vis-network.min.js.map" would make dev tools
    # fetch a file that does not exist next to the page
    js = re.sub(r"^\s*//# sourceMappingURL=\S*\s*$", "", js, flags=re.M).rstrip() + "\n"
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css).rstrip() + "\n"
    # inlined text must not end its own element early or enter the "double escaped"
    # script state; vis 9.1.2 contains '"<script>"+t+"</"+"script>"', which is fine
    if re.search(r"</script|<!--", js, re.I) or re.search(r"</style", css, re.I):
        raise HtmlExportError(f"{folder} cannot be inlined safely into a <script>/<style>")
    if re.search(r"@import|url\(\s*['\"]?\s*(?!data:)[a-z]*:?//", css, re.I):
        raise HtmlExportError(f"{folder / 'vis-network.css'} references external resources")
    return css, js


# --------------------------------------------------------------------------- escaping

_SCRIPT_JSON_ESCAPES = str.maketrans({
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
})


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element and decodes to ``value``.

    The escaped characters can only occur inside JSON strings, where ``\\u003c`` etc.
    are valid escapes, so ``json.loads`` / ``JSON.parse`` give back the original text.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_JSON_ESCAPES)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- data

def _require(owner: str, attrs: dict, name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in attrs:
        raise HtmlExportError(f"{owner} has no {name!r} attribute")
    value = attrs[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise HtmlExportError(f"{owner}: {name!r} must be {_kind_name(kind)}, "
                              f"got {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _as_int(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HtmlExportError(f"{owner}: {name!r} must be a non-negative int, got {value!r}")
    return value


def _as_float(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise HtmlExportError(f"{owner}: {name!r} must be a finite number, got {value!r}")
    return float(value)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _node_record(node: Any, attrs: dict, degree: int) -> dict:
    if not isinstance(node, str):
        raise HtmlExportError(f"node {node!r}: id must be an IRI string")
    owner = f"node {node}"
    label = _require(owner, attrs, "label", str)
    cls = _require(owner, attrs, "cls", str)
    root = _require(owner, attrs, "root", str)
    aliases = attrs.get("aliases") or []
    if not isinstance(aliases, (list, tuple, set, frozenset)) \
            or not all(isinstance(a, str) for a in aliases):
        raise HtmlExportError(f"{owner}: 'aliases' must be a list of str")
    aliases = sorted({a for a in aliases if a != label})
    articles = _as_int(owner, "articles", attrs.get("articles", 0))

    group = root if root in ROOT_COLORS else OTHER_ROOT
    lines = [label, f"Class: {cls}" + ("" if cls == root else f" ({root})")]
    if aliases:
        lines.append("Also known as: " + ", ".join(aliases))
    lines.append(f"Mentioned in {articles} article{'' if articles == 1 else 's'}")
    lines.append(f"Connections: {degree}")
    lines.append(node)
    return {
        "id": node,
        "label": label,
        "title": "\n".join(lines),  # plain text; made a DOM text node in the page
        "cls": cls,
        "root": group,
        "aliases": aliases,
        "articles": articles,
        "degree": degree,
        "color": ROOT_COLORS.get(group, OTHER_COLOR),
        "size": round(min(10 + 4 * math.sqrt(degree), 60), 2),
    }


def _ordered_evidence(evidence: list[dict]) -> list[dict]:
    """Newest first (ISO dates sort as text), undated last; ties broken stably."""
    ordered = sorted(evidence, key=lambda e: (str(e.get("article") or ""),
                                              str(e.get("sentence") or ""),
                                              str(e.get("rule") or "")))
    ordered.sort(key=lambda e: e.get("published") or "", reverse=True)  # stable
    return ordered


def _edge_record(u: str, v: str, key: Any, attrs: dict, labels: dict[str, str]) -> dict:
    owner = f"edge {u} -[{key}]-> {v}"
    predicate = attrs.get("predicate", key)
    if not isinstance(predicate, str) or not predicate:
        raise HtmlExportError(f"{owner} has no 'predicate' attribute")
    evidence = attrs.get("evidence") or []
    if not isinstance(evidence, (list, tuple)) or not all(isinstance(e, dict) for e in evidence):
        raise HtmlExportError(f"{owner}: 'evidence' must be a list of dicts")
    for ev in evidence:
        for field in ("sentence", "article", "title", "url", "published", "rule"):
            if ev.get(field) is not None and not isinstance(ev[field], str):
                raise HtmlExportError(f"{owner}: evidence {field!r} must be str or None")
        if "confidence" in ev:
            _as_float(owner, "evidence confidence", ev["confidence"])
    support = _as_int(owner, "support", attrs.get("support", len(evidence)))
    confidence = attrs.get("confidence")
    if confidence is None:
        confidence = max((float(e.get("confidence", 0.0)) for e in evidence), default=0.0)
    confidence = _as_float(owner, "confidence", confidence)

    symmetric = predicate in SYMMETRIC
    arrow = "\u2014" if symmetric else "\u2192"
    lines = [f"{labels[u]} \u2014{predicate}{arrow} {labels[v]}",
             f"Predicate: {predicate}",
             f"Support: {support} article{'' if support == 1 else 's'}"
             f" \u00b7 confidence {confidence:.2f}"]
    ordered = _ordered_evidence(list(evidence))
    if ordered:
        lines.append("Evidence:")
    for ev in ordered[:MAX_EVIDENCE_IN_TOOLTIP]:
        sentence = _short(ev.get("sentence") or "", MAX_SENTENCE_CHARS)
        lines.append(f"\u2022 \u201c{sentence}\u201d")
        source = ev.get("title") or ev.get("article") or "untitled article"
        meta = [p for p in (ev.get("published"), ev.get("rule")) if p]
        if "confidence" in ev:
            meta.append(f"{float(ev['confidence']):.2f}")
        lines.append(f"   \u2014 {_short(source, 200)}" + (f" ({', '.join(meta)})" if meta else ""))
        if ev.get("url"):
            lines.append(f"   {ev['url']}")
    if len(ordered) > MAX_EVIDENCE_IN_TOOLTIP:
        lines.append(f"\u2026 and {len(ordered) - MAX_EVIDENCE_IN_TOOLTIP} more")
    return {
        "from": u,
        "to": v,
        "label": predicate,
        "predicate": predicate,
        "support": support,
        "confidence": round(confidence, 4),
        "title": "\n".join(lines),
        "arrows": {"to": {"enabled": not symmetric, "scaleFactor": 0.6}},
        "width": round(min(1 + math.log2(max(support, 1)), 8), 2),
    }


def _graph_data(graph: nx.MultiDiGraph) -> dict:
    if not isinstance(graph, nx.MultiDiGraph):
        raise HtmlExportError(f"expected a networkx.MultiDiGraph, got {type(graph).__name__}")
    for node in graph.nodes:
        if not isinstance(node, str):
            raise HtmlExportError(f"node {node!r}: id must be an IRI string")
    nodes = [_node_record(n, graph.nodes[n], graph.degree(n)) for n in sorted(graph.nodes)]
    labels = {n["id"]: n["label"] for n in nodes}

    def edge_key(e: tuple) -> tuple[str, str, str]:
        u, v, k, d = e
        return (u, v, str(d.get("predicate", k)), str(k))

    edges = []
    for u, v, key, attrs in sorted(graph.edges(keys=True, data=True), key=edge_key):
        edges.append(_edge_record(u, v, key, attrs, labels))

    # spread parallel edges between the same two nodes so their labels do not overlap
    seen: Counter = Counter()
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"
        pair = tuple(sorted((edge["from"], edge["to"])))
        k = seen[pair]
        seen[pair] += 1
        if k and edge["from"] != edge["to"]:
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW",
                              "roundness": round(0.2 * ((k + 1) // 2), 2)}
    return {"nodes": nodes, "edges": edges, "options": _options(len(nodes), len(edges))}


def _options(n_nodes: int, n_edges: int) -> dict:
    return {
        "layout": {"randomSeed": LAYOUT_SEED, "improvedLayout": n_nodes <= 150},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.01,
                                 "springLength": 120, "springConstant": 0.08,
                                 "damping": 0.5, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 600, "updateInterval": 25,
                              "fit": True},
            "minVelocity": 0.75,
            "maxVelocity": 40,
            "timestep": 0.4,
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "keyboard": True,
                        "multiselect": True, "hideEdgesOnDrag": n_edges > 2000},
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3,
                           "strokeColor": "#ffffff"}},
        "edges": {"color": {"color": "#9aa0a6", "highlight": "#333333", "hover": "#555555"},
                  "font": {"size": 10, "align": "middle", "color": "#555555",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "smooth": {"enabled": True, "type": "continuous", "roundness": 0.5},
                  "selectionWidth": 2},
    }


# --------------------------------------------------------------------------- page

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aikg HTML export (vis-network {vis_version})">
<title>{title}</title>
<style>
{vis_css}</style>
<style>
html, body {{ margin: 0; height: 100%; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }}
body {{ display: flex; flex-direction: column; }}
#kg-header {{ padding: 8px 14px; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 18px; }}
#kg-header h1 {{ font-size: 18px; margin: 0; }}
#kg-stats, #kg-status {{ font-size: 13px; color: #666; }}
#kg-legend {{ display: flex; flex-wrap: wrap; gap: 4px 12px; list-style: none; margin: 0; padding: 0; font-size: 13px; }}
#kg-legend li {{ display: flex; align-items: center; gap: 5px; }}
.kg-swatch {{ width: 12px; height: 12px; border-radius: 50%; display: inline-block; border: 1px solid rgba(0,0,0,.25); }}
#kg-tools {{ display: flex; align-items: center; gap: 10px; font-size: 13px; }}
#kg-search {{ font-size: 13px; padding: 3px 6px; width: 16em; }}
#kg-network {{ flex: 1 1 auto; min-height: 400px; position: relative; }}
.kg-tooltip {{ white-space: pre-wrap; max-width: 520px; font-size: 12px; line-height: 1.35; }}
</style>
<script>
{vis_js}</script>
</head>
<body>
<header id="kg-header">
<h1>{title}</h1>
<span id="kg-stats">{stats}</span>
<ul id="kg-legend" aria-label="Legend: node colour by class">
{legend}
</ul>
<div id="kg-tools">
<input id="kg-search" type="search" placeholder="Find an entity, press Enter" aria-label="Find an entity">
<label><input id="kg-physics" type="checkbox" checked> physics</label>
<span id="kg-status" role="status"></span>
</div>
</header>
<div id="kg-network"></div>
<script type="application/json" id="kg-data">{data}</script>
<script>
{app_js}</script>
</body>
</html>
"""

# Only textContent / value are assigned from data: nothing from the graph is parsed as HTML.
_APP_JS = r"""(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var status = document.getElementById("kg-status");
  function tooltip(text) {
    var el = document.createElement("div");
    el.className = "kg-tooltip";
    el.textContent = text;
    return el;
  }
  data.nodes.forEach(function (n) { n.title = tooltip(n.title); });
  data.edges.forEach(function (e) { e.title = tooltip(e.title); });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(document.getElementById("kg-network"),
                                {nodes: nodes, edges: edges}, data.options);
  var physics = document.getElementById("kg-physics");
  network.on("stabilizationProgress", function (p) {
    status.textContent = "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", function () {
    status.textContent = "";
    physics.checked = false;
    network.setOptions({physics: {enabled: false}});
  });
  physics.addEventListener("change", function () {
    network.setOptions({physics: {enabled: physics.checked}});
  });
  var search = document.getElementById("kg-search");
  search.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") { return; }
    var q = search.value.trim().toLowerCase();
    if (!q) { network.unselectAll(); network.fit(); status.textContent = ""; return; }
    var exact = [], partial = [];
    data.nodes.forEach(function (n) {
      var names = [n.label].concat(n.aliases).map(function (s) { return s.toLowerCase(); });
      if (names.indexOf(q) !== -1) { exact.push(n.id); }
      else if (names.some(function (s) { return s.indexOf(q) !== -1; })) { partial.push(n.id); }
    });
    var hits = exact.concat(partial);
    if (!hits.length) { status.textContent = "No match"; return; }
    network.selectNodes(hits);
    network.focus(hits[0], {scale: 1.2, animation: {duration: 400}});
    status.textContent = hits.length === 1 ? "1 match" : hits.length + " matches";
  });
})();
"""


def render_html(graph: nx.MultiDiGraph, *, title: str = "AI industry knowledge graph") -> str:
    """The whole page as a string (no file is touched)."""
    if not isinstance(title, str):
        raise HtmlExportError(f"title must be str, got {type(title).__name__}")
    data = _graph_data(graph)
    css, js = _vis_assets()
    counts = Counter(n["root"] for n in data["nodes"])
    roots = list(ROOT_COLORS) + ([OTHER_ROOT] if counts[OTHER_ROOT] else [])
    legend = "\n".join(
        f'<li><span class="kg-swatch" style="background:{ROOT_COLORS.get(r, OTHER_COLOR)}">'
        f'</span>{_esc(r)} <small>({counts[r]})</small></li>' for r in roots)
    n, m = len(data["nodes"]), len(data["edges"])
    stats = f"{n} entit{'y' if n == 1 else 'ies'}, {m} relation{'' if m == 1 else 's'}"
    try:
        payload = script_json(data)
    except ValueError as exc:  # NaN slipped through, unserialisable value, ...
        raise HtmlExportError(f"graph data cannot be serialised: {exc}") from exc
    return _PAGE.format(title=_esc(title), vis_version=VIS_VERSION, vis_css=css, vis_js=js,
                        stats=_esc(stats), legend=legend, data=payload, app_js=_APP_JS)


# --------------------------------------------------------------------------- writing

def _check_target(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise HtmlExportError(f"cannot write {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise HtmlExportError(f"cannot write {path}: {parent} is not a directory")
    if path.is_dir():
        raise HtmlExportError(f"cannot write {path}: it is a directory")


def _atomic_write(path: Path, content: bytes) -> None:
    try:
        mode = path.stat().st_mode & 0o7777  # keep the mode of the file being replaced
    except FileNotFoundError:
        mode = 0o644  # mkstemp makes 0600 files; an exported page is meant to be shared
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_html(graph: nx.MultiDiGraph, path: str | Path, *,
               title: str = "AI industry knowledge graph") -> Path:
    """Write the interactive explorer for ``graph`` to ``path`` and return the path.

    The page is rendered completely in memory and then written to a temporary file in
    the target directory that replaces ``path`` atomically, so an existing file is never
    left half-written.  Raises :class:`HtmlExportError` (a ``ValueError``) if the
    directory does not exist or the graph breaks the input contract; ``OSError`` from
    the file system propagates.
    """
    path = Path(path)
    _check_target(path)
    page = render_html(graph, title=title)
    try:
        content = page.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates in a label, say
        raise HtmlExportError(f"cannot write {path}: text is not valid Unicode: {exc}") from exc
    _atomic_write(path, content)
    return path
