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

import base64
import functools
import hashlib
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

__all__ = ["write_html", "render_html", "HtmlExportError", "ROOT_COLORS", "VIS_VERSION",
           "DEFAULT_MAX_NODES"]

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

MAX_EVIDENCE_IN_PANEL = 50
MAX_SENTENCE_CHARS = 500

LAYOUT_SEED = 7
DEFAULT_MAX_NODES = 2000  # above this, only the most connected entities are drawn
PHYSICS_MAX_NODES = 1500  # above this, the precomputed layout is final (physics off)


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
    for char, escape in _SCRIPT_JSON_ESCAPES.items():  # str.replace is much faster than translate
        if chr(char) in text:
            text = text.replace(chr(char), escape)
    return text


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
    types = attrs.get("types") or [cls] + ([root] if root != cls else [])
    if not isinstance(types, (list, tuple)) or not all(isinstance(t, str) for t in types):
        raise HtmlExportError(f"{owner}: 'types' must be a list of str")
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
        "types": list(types),
        "aliases": aliases,
        "articles": articles,
        "degree": degree,
        "color": ROOT_COLORS.get(group, OTHER_COLOR),
        "size": _degree_size(degree),
    }


def _degree_size(degree: int) -> float:
    return round(min(10 + 4 * math.sqrt(degree), 60), 2)


def _rank_size(share: float, n: int) -> float:
    """Node size from a PageRank share: the average entity (share 1/n) is drawn at 12."""
    return round(min(8 + 8 * math.sqrt(share * max(n, 1)), 60), 2)


def _ordered_evidence(evidence: list[dict]) -> list[dict]:
    """Newest first (ISO dates sort as text), undated last; ties broken stably."""
    if len(evidence) < 2:
        return evidence
    ordered = sorted(evidence, key=lambda e: (str(e.get("article") or ""),
                                              str(e.get("sentence") or ""),
                                              str(e.get("rule") or "")))
    ordered.sort(key=lambda e: e.get("published") or "", reverse=True)  # stable
    return ordered


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str | None) -> str | None:
    """The calendar day of an ISO date or date-time, else None."""
    return value[:10] if value and _DATE.match(value) else None


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
    ordered = _ordered_evidence(list(evidence))
    panel = []  # what the side panel shows: every evidence, as data (rendered as text)
    for ev in ordered[:MAX_EVIDENCE_IN_PANEL]:
        item = {"sentence": _short(ev.get("sentence") or "", MAX_SENTENCE_CHARS)}
        for field in ("title", "url", "published", "article", "rule"):
            if ev.get(field):
                item[field] = ev[field]
        if "confidence" in ev:
            item["confidence"] = round(float(ev["confidence"]), 4)
        panel.append(item)
    dates = sorted({d for d in (_date(ev.get("published")) for ev in evidence) if d})
    return {
        "from": u,
        "to": v,
        "label": predicate,
        "predicate": predicate,
        "support": support,
        "confidence": round(confidence, 4),
        "evidence": panel,  # the page builds the tooltip and the panel from these
        "more": max(len(ordered) - MAX_EVIDENCE_IN_PANEL, 0),
        "dates": dates,
        "undated": len(dates) == 0 or any(not _date(ev.get("published")) for ev in evidence),
        "symmetric": symmetric,
        "arrows": {"to": {"enabled": not symmetric, "scaleFactor": 0.6}},
        "width": round(min(1 + math.log2(max(support, 1)), 8), 2),
    }


# --------------------------------------------------------------------------- ranking, layout

def _pagerank(order: list[str], edges: list[dict], *, alpha: float = 0.85,
              tol: float = 1e-9, max_iter: int = 100) -> list[float]:
    """PageRank shares of ``order`` along the edges (support-weighted, symmetric predicates
    both ways), by power iteration over index lists: linear in the edges per round."""
    n = len(order)
    if n == 0:
        return []
    index = {node: i for i, node in enumerate(order)}
    weights: dict[tuple[int, int], float] = {}
    for e in edges:
        a, b = index[e["from"]], index[e["to"]]
        if a == b:
            continue
        w = max(e["support"], 1)
        for s, t in ((a, b), (b, a)) if e["symmetric"] else ((a, b),):
            weights[s, t] = weights.get((s, t), 0.0) + w
    import numpy as np  # a dependency of spaCy, so always there

    if not weights:
        return [1.0 / n] * n
    pairs = sorted(weights.items())
    src = np.fromiter((s for (s, _), _ in pairs), dtype=np.int64, count=len(pairs))
    dst = np.fromiter((t for (_, t), _ in pairs), dtype=np.int64, count=len(pairs))
    w = np.fromiter((w for _, w in pairs), dtype=np.float64, count=len(pairs))
    out_w = np.bincount(src, weights=w, minlength=n)
    share = w / out_w[src]
    dangling = out_w == 0
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        nxt = np.bincount(dst, weights=alpha * x[src] * share, minlength=n)
        nxt += (alpha * x[dangling].sum() + 1.0 - alpha) / n
        done = np.abs(nxt - x).sum() < n * tol
        x = nxt
        if done:
            break
    return [float(v) for v in x]


_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _layout(order: list[str], neighbours: dict[str, set[str]]) -> dict[str, tuple[float, float]]:
    """A quick deterministic layout, linear in nodes + edges: entities in ``order`` (most
    connected first); each is placed on a sunflower spiral around its best-ranked neighbour
    placed before it, or, if it has none, on a wide spiral of clusters around the centre.
    Physics (when on) starts from here; above PHYSICS_MAX_NODES it is the final layout."""
    rank = {node: i for i, node in enumerate(order)}
    pos: dict[str, tuple[float, float]] = {}
    children: Counter = Counter()
    clusters = 0
    for node in order:
        placed = [rank[m] for m in neighbours.get(node, ()) if m in pos]
        if placed:
            parent = order[min(placed)]
            k = children[parent]
            children[parent] += 1
            px, py = pos[parent]
            r = 70 + 22 * math.sqrt(k)
            a = k * _GOLDEN_ANGLE + 0.7 * (rank[parent] % 9)
            pos[node] = (px + r * math.cos(a), py + r * math.sin(a))
        else:
            r = 260 * math.sqrt(clusters)
            a = clusters * _GOLDEN_ANGLE
            clusters += 1
            pos[node] = (r * math.cos(a), r * math.sin(a))
    return {n: (round(x, 1), round(y, 1)) for n, (x, y) in pos.items()}


def _graph_data(graph: nx.MultiDiGraph, max_nodes: int = DEFAULT_MAX_NODES) -> dict:
    if not isinstance(graph, nx.MultiDiGraph):
        raise HtmlExportError(f"expected a networkx.MultiDiGraph, got {type(graph).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise HtmlExportError(f"max_nodes must be a whole number of at least 1, got {max_nodes!r}")
    for node in graph.nodes:
        if not isinstance(node, str):
            raise HtmlExportError(f"node {node!r}: id must be an IRI string")
    degree = dict(graph.degree())
    all_nodes = [_node_record(n, graph.nodes[n], degree[n]) for n in sorted(graph.nodes)]
    # most connected first; ties by label, then IRI, so the order does not depend on insertion
    ranked = sorted(all_nodes, key=lambda r: (-r["degree"], -r["articles"], r["label"], r["id"]))
    kept = ranked[:max_nodes]
    keep = {r["id"] for r in kept}
    nodes = sorted(kept, key=lambda r: r["id"])
    labels = {n["id"]: n["label"] for n in nodes}

    def edge_key(e: tuple) -> tuple[str, str, str]:
        u, v, k, d = e
        return (u, v, str(d.get("predicate", k)), str(k))

    total_edges = graph.number_of_edges()
    chosen = graph.edges(keys=True, data=True) if len(keep) == len(all_nodes) else \
        ((u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True) if u in keep and v in keep)
    edges = [_edge_record(u, v, key, attrs, labels) for u, v, key, attrs in sorted(chosen, key=edge_key)]

    # spread parallel edges between the same two nodes so their labels do not overlap
    seen: Counter = Counter()
    neighbours: dict[str, set[str]] = {}
    for i, edge in enumerate(edges):
        edge["id"] = f"e{i}"
        a, b = edge["from"], edge["to"]
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
        pair = (a, b) if a <= b else (b, a)
        k = seen[pair]
        seen[pair] += 1
        if k and a != b:
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW",
                              "roundness": round(0.2 * ((k + 1) // 2), 2)}

    order = [r["id"] for r in kept]
    ranks = dict(zip(order, _pagerank(order, edges), strict=True))
    positions = _layout(order, neighbours)
    for n in nodes:
        n["pagerank"] = round(ranks[n["id"]], 8)
        n["sizes"] = {"degree": n["size"], "pagerank": _rank_size(ranks[n["id"]], len(nodes))}
        n["x"], n["y"] = positions[n["id"]]
    dates = sorted({d for e in edges for d in e["dates"]})
    physics = len(nodes) <= PHYSICS_MAX_NODES
    meta = {
        "total_nodes": len(all_nodes), "total_edges": total_edges,
        "shown_nodes": len(nodes), "shown_edges": len(edges),
        "left_out_nodes": len(all_nodes) - len(nodes), "left_out_edges": total_edges - len(edges),
        "max_nodes": max_nodes, "physics": physics,
        "date_min": dates[0] if dates else None, "date_max": dates[-1] if dates else None,
    }
    return {"nodes": nodes, "edges": edges, "meta": meta,
            "options": _options(len(nodes), len(edges), physics)}


def _options(n_nodes: int, n_edges: int, physics: bool = True) -> dict:
    small = n_nodes <= 150
    return {
        "layout": {"randomSeed": LAYOUT_SEED, "improvedLayout": False},
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.01,
                                 "springLength": 120, "springConstant": 0.08,
                                 "damping": 0.5, "avoidOverlap": 0.2},
            # the precomputed layout is already untangled: fewer rounds for bigger graphs
            "stabilization": {"enabled": physics,
                              "iterations": 600 if small else 200 if n_nodes <= 600 else 80,
                              "updateInterval": 25, "fit": True},
            "minVelocity": 0.75,
            "maxVelocity": 40,
            "timestep": 0.4,
        },
        "interaction": {"hover": n_nodes <= 5000, "tooltipDelay": 150, "keyboard": True,
                        "multiselect": True, "hideEdgesOnDrag": n_edges > 2000,
                        "hideEdgesOnZoom": n_edges > 5000},
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3,
                           "strokeColor": "#ffffff"}},
        "edges": {"color": {"color": "#9aa0a6", "highlight": "#333333", "hover": "#555555"},
                  "font": {"size": 10, "align": "middle", "color": "#555555",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "smooth": ({"enabled": True, "type": "continuous", "roundness": 0.5}
                             if n_edges <= 3000 else {"enabled": False}),
                  "selectionWidth": 2},
    }


# --------------------------------------------------------------------------- page

_CSP = ("default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data:; "
        "font-src data:; base-uri 'none'; form-action 'none'")

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aikg HTML export (vis-network {vis_version})">
<title>{title}</title>
<style>
{vis_css}</style>
<style>
{app_css}</style>
<script>
{vis_js}</script>
</head>
<body>
<header id="kg-header">
<h1>{title}</h1>
<span id="kg-stats">{stats}</span>
{notice}<div id="kg-tools">
<div id="kg-search-box">
<input id="kg-search" type="search" placeholder="Find an entity (Enter selects)" aria-label="Find an entity" autocomplete="off" role="combobox" aria-expanded="false" aria-controls="kg-suggest">
<ul id="kg-suggest" role="listbox" hidden></ul>
</div>
<label>size by <select id="kg-size"><option value="degree">degree</option><option value="pagerank">PageRank</option></select></label>
<label><input id="kg-physics" type="checkbox"{physics}> physics</label>
<span id="kg-status" role="status"></span>
</div>
</header>
<div id="kg-main">
<aside id="kg-filters" aria-label="Filters">
<h2>Entity types</h2>
<ul id="kg-legend" aria-label="Legend: node colour by class; uncheck to hide">
{legend}
</ul>
<h2>Relations</h2>
<ul id="kg-predicates" aria-label="Relations to show">
{predicates}
</ul>
<h2>Article date</h2>
<label class="kg-row">from <input id="kg-date-from" type="date"{date_range}></label>
<label class="kg-row">to <input id="kg-date-to" type="date"{date_range}></label>
<h2>Strength</h2>
<label class="kg-row">min confidence <output id="kg-min-conf-value">0.00</output></label>
<input id="kg-min-conf" type="range" min="0" max="1" step="0.05" value="0" aria-label="Minimum confidence">
<label class="kg-row">min articles <input id="kg-min-support" type="number" min="1" step="1" value="1"></label>
<label class="kg-row"><input id="kg-hide-lonely" type="checkbox"> hide entities with no shown relation</label>
<button id="kg-reset" type="button">Reset filters</button>
</aside>
<div id="kg-network"></div>
<aside id="kg-panel" aria-label="Details" aria-live="polite">
<p class="kg-hint">Click an entity or a relation to see its facts and the sentences they come from.</p>
</aside>
</div>
<script type="application/json" id="kg-data">{data}</script>
<script>
{app_js}</script>
</body>
</html>
"""

_APP_CSS = """html, body { margin: 0; height: 100%; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
#kg-header { padding: 6px 12px; border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; }
#kg-header h1 { font-size: 17px; margin: 0; }
#kg-stats, #kg-status { font-size: 13px; color: #555; }
#kg-notice { font-size: 13px; background: #fff4d6; border: 1px solid #e8c66a; padding: 2px 8px; border-radius: 4px; }
#kg-tools { display: flex; align-items: center; gap: 12px; font-size: 13px; }
#kg-search-box { position: relative; }
#kg-search { font-size: 13px; padding: 3px 6px; width: 18em; }
#kg-suggest { position: absolute; z-index: 10; left: 0; right: 0; top: 100%; margin: 0; padding: 0; list-style: none; background: #fff; border: 1px solid #bbb; box-shadow: 0 2px 6px rgba(0,0,0,.15); max-height: 22em; overflow-y: auto; }
#kg-suggest li { padding: 3px 6px; cursor: pointer; display: flex; gap: 6px; align-items: baseline; }
#kg-suggest li.kg-active, #kg-suggest li:hover { background: #e8f0fe; }
#kg-suggest small { color: #777; }
#kg-main { flex: 1 1 auto; display: flex; min-height: 0; }
#kg-filters { width: 210px; flex: none; overflow-y: auto; padding: 4px 10px; border-right: 1px solid #ddd; font-size: 13px; }
#kg-filters h2, #kg-panel h3 { font-size: 13px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: #555; }
#kg-filters ul { list-style: none; margin: 0; padding: 0; }
#kg-filters li label, .kg-row { display: flex; align-items: center; gap: 5px; margin: 2px 0; }
#kg-filters small { color: #777; }
#kg-min-conf { width: 100%; }
#kg-min-support { width: 5em; }
#kg-reset { margin-top: 10px; }
.kg-swatch { width: 12px; height: 12px; border-radius: 50%; display: inline-block; flex: none; border: 1px solid rgba(0,0,0,.25); }
#kg-network { flex: 1 1 auto; min-width: 0; position: relative; }
#kg-panel { width: 340px; flex: none; overflow-y: auto; padding: 6px 12px; border-left: 1px solid #ddd; font-size: 13px; line-height: 1.4; }
#kg-panel h2 { font-size: 17px; margin: 6px 0 2px; overflow-wrap: anywhere; }
#kg-panel dl { margin: 4px 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
#kg-panel dt { color: #666; }
#kg-panel dd { margin: 0; overflow-wrap: anywhere; }
.kg-hint, .kg-iri, .kg-meta { color: #666; }
.kg-iri { font-size: 11px; overflow-wrap: anywhere; }
.kg-fact { border-top: 1px solid #eee; padding: 5px 0; }
.kg-fact-head { font-weight: 600; overflow-wrap: anywhere; }
.kg-entity { font: inherit; font-weight: 600; color: #0b57d0; background: none; border: none; padding: 0; cursor: pointer; text-align: left; overflow-wrap: anywhere; }
.kg-entity:hover { text-decoration: underline; }
.kg-evidence { margin: 3px 0 0; padding-left: 16px; }
.kg-evidence li { margin: 3px 0; }
.kg-sentence { font-style: italic; overflow-wrap: anywhere; }
.kg-source { color: #555; font-size: 12px; overflow-wrap: anywhere; }
.kg-tooltip { white-space: pre-wrap; max-width: 520px; font-size: 12px; line-height: 1.35; }
"""

# Only textContent / value / checked / safe href are assigned from data: nothing from the
# graph is ever parsed as HTML.
_APP_JS = r"""(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  function $(id) { return document.getElementById(id); }
  var status = $("kg-status"), panel = $("kg-panel");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function tooltip(text) { return el("div", text, "kg-tooltip"); }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  var MAX_TOOLTIP_EVIDENCE = 4;

  var byId = {}, edgeById = {}, adjacent = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; adjacent[n.id] = []; });
  data.edges.forEach(function (e) {
    edgeById[e.id] = e;
    adjacent[e.from].push(e);
    if (e.to !== e.from) { adjacent[e.to].push(e); }
  });
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return {id: n.id, label: n.label, title: tooltip(n.title), color: n.color,
            size: n.sizes.degree, x: n.x, y: n.y};
  }));
  function edgeTooltip(e) {
    var lines = [byId[e.from].label + " \u2014" + e.predicate + (e.symmetric ? "\u2014 " : "\u2192 ") + byId[e.to].label,
                 "Support: " + plural(e.support, "article") + " \u00b7 confidence " + e.confidence.toFixed(2)];
    if (e.evidence.length) { lines.push("Evidence (click for sources):"); }
    e.evidence.slice(0, MAX_TOOLTIP_EVIDENCE).forEach(function (ev) {
      lines.push("\u2022 \u201c" + ev.sentence + "\u201d");
      lines.push("   \u2014 " + (ev.title || ev.article || "untitled article") +
                 (ev.published ? " (" + ev.published.slice(0, 10) + ")" : ""));
    });
    var more = e.evidence.length + e.more - MAX_TOOLTIP_EVIDENCE;
    if (more > 0) { lines.push("\u2026 and " + more + " more"); }
    return tooltip(lines.join("\n"));
  }
  var edges = new vis.DataSet(data.edges.map(function (e) {
    var item = {id: e.id, from: e.from, to: e.to, label: e.label, title: edgeTooltip(e),
                arrows: e.arrows, width: e.width};
    if (e.smooth) { item.smooth = e.smooth; }
    return item;
  }));
  var network = new vis.Network($("kg-network"), {nodes: nodes, edges: edges}, data.options);
  var explorer = {ready: false, data: data, nodes: nodes, edges: edges};
  window.kgNetwork = network;
  window.kgExplorer = explorer;

  // -- layout and physics
  var physics = $("kg-physics");
  function ready() {
    if (explorer.ready) { return; }
    explorer.ready = true;
    status.textContent = "";
    document.body.setAttribute("data-ready", "true");
  }
  if (data.options.physics.enabled) {
    network.on("stabilizationProgress", function (p) {
      status.textContent = "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", function () {
      physics.checked = false;
      network.setOptions({physics: {enabled: false}});
      ready();
    });
  } else {
    network.once("afterDrawing", ready);
  }
  physics.addEventListener("change", function () {
    network.setOptions({physics: {enabled: physics.checked,
                                  stabilization: {enabled: false}}});
  });

  // -- node size
  $("kg-size").addEventListener("change", function (ev) {
    var by = ev.target.value;
    nodes.update(data.nodes.map(function (n) { return {id: n.id, size: n.sizes[by]}; }));
  });

  // -- filters
  var ui = {from: $("kg-date-from"), to: $("kg-date-to"), conf: $("kg-min-conf"),
            confValue: $("kg-min-conf-value"), support: $("kg-min-support"),
            lonely: $("kg-hide-lonely")};
  var rootBoxes = Array.prototype.slice.call(document.querySelectorAll("#kg-legend input[data-root]"));
  var predBoxes = Array.prototype.slice.call(document.querySelectorAll("#kg-predicates input[data-predicate]"));
  var nodeHidden = {}, edgeHidden = {};
  function checkedSet(boxes, attr) {
    var set = {};
    boxes.forEach(function (b) { if (b.checked) { set[b.getAttribute(attr)] = true; } });
    return set;
  }
  function applyFilters() {
    var roots = checkedSet(rootBoxes, "data-root"), preds = checkedSet(predBoxes, "data-predicate");
    var from = ui.from.value, to = ui.to.value;
    var minConf = parseFloat(ui.conf.value) || 0, minSupport = parseInt(ui.support.value, 10) || 1;
    ui.confValue.textContent = minConf.toFixed(2);
    var byType = {}, linked = {}, nodeUpd = [], edgeUpd = [], shownNodes = 0, shownEdges = 0;
    data.nodes.forEach(function (n) { byType[n.id] = !roots[n.root]; });
    data.edges.forEach(function (e) {
      var hide = byType[e.from] || byType[e.to] || !preds[e.predicate] ||
                 e.confidence < minConf || e.support < minSupport;
      if (!hide && (from || to)) {
        hide = !e.dates.some(function (d) { return (!from || d >= from) && (!to || d <= to); });
      }
      if (!hide) { linked[e.from] = linked[e.to] = true; shownEdges += 1; }
      if (!!edgeHidden[e.id] !== hide) { edgeHidden[e.id] = hide; edgeUpd.push({id: e.id, hidden: hide}); }
    });
    data.nodes.forEach(function (n) {
      var hide = byType[n.id] || (ui.lonely.checked && !linked[n.id]);
      if (!hide) { shownNodes += 1; }
      if (!!nodeHidden[n.id] !== hide) { nodeHidden[n.id] = hide; nodeUpd.push({id: n.id, hidden: hide}); }
    });
    if (nodeUpd.length) { nodes.update(nodeUpd); }
    if (edgeUpd.length) { edges.update(edgeUpd); }
    explorer.shown = {nodes: shownNodes, edges: shownEdges};
    status.textContent = "Showing " + plural(shownNodes, "entity").replace("entitys", "entities") +
                         ", " + plural(shownEdges, "relation");
  }
  explorer.applyFilters = applyFilters;
  explorer.nodeHidden = function (id) { return !!nodeHidden[id]; };
  explorer.edgeHidden = function (id) { return !!edgeHidden[id]; };
  rootBoxes.concat(predBoxes, [ui.from, ui.to, ui.lonely]).forEach(function (input) {
    input.addEventListener("change", applyFilters);
  });
  [ui.conf, ui.support].forEach(function (input) {
    input.addEventListener("input", applyFilters);
    input.addEventListener("change", applyFilters);
  });
  $("kg-reset").addEventListener("click", function () {
    rootBoxes.concat(predBoxes).forEach(function (b) { b.checked = true; });
    ui.from.value = ""; ui.to.value = ""; ui.conf.value = "0"; ui.support.value = "1";
    ui.lonely.checked = false;
    applyFilters();
  });

  // -- neighbourhood highlight
  var dimmed = {}, DIM = {background: "#e4e4e4", border: "#d2d2d2"};
  var canDim = data.nodes.length + data.edges.length <= 30000;
  function highlight(keepNodes, keepEdges) {
    if (!canDim) { return; }
    var nodeUpd = [], edgeUpd = [];
    data.nodes.forEach(function (n) {
      var dim = !!keepNodes && !keepNodes[n.id];
      if (!!dimmed[n.id] !== dim) {
        dimmed[n.id] = dim;
        nodeUpd.push(dim ? {id: n.id, color: DIM, font: {color: "#b0b0b0"}}
                         : {id: n.id, color: n.color, font: {color: "#343434"}});
      }
    });
    data.edges.forEach(function (e) {
      var dim = !!keepEdges && !keepEdges[e.id];
      if (!!dimmed[e.id] !== dim) {
        dimmed[e.id] = dim;
        edgeUpd.push({id: e.id, color: {opacity: dim ? 0.15 : 1.0},
                      font: {color: dim ? "#d0d0d0" : "#555555"}});
      }
    });
    if (nodeUpd.length) { nodes.update(nodeUpd); }
    if (edgeUpd.length) { edges.update(edgeUpd); }
  }

  // -- the side panel
  function safeUrl(url) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url.trim())) { return null; }
    try {
      var u = new URL(url.trim());
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (err) { return null; }
  }
  function entityButton(id) {
    var b = el("button", byId[id] ? byId[id].label : id, "kg-entity");
    b.type = "button";
    b.addEventListener("click", function () { selectEntity(id); });
    return b;
  }
  function evidenceList(e) {
    var ul = el("ul", null, "kg-evidence");
    e.evidence.forEach(function (ev) {
      var li = el("li");
      li.appendChild(el("div", "\u201c" + ev.sentence + "\u201d", "kg-sentence"));
      var src = el("div", null, "kg-source"), href = safeUrl(ev.url);
      var name = ev.title || ev.url || ev.article || "untitled article";
      if (href) {
        var a = el("a", name);
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        src.appendChild(a);
      } else {
        src.appendChild(el("span", name, "kg-article"));
        if (ev.url && ev.url !== name) { src.appendChild(el("span", " \u00b7 " + ev.url, "kg-url")); }
      }
      var meta = [ev.published ? ev.published.slice(0, 10) : "undated"];
      if (ev.confidence !== undefined) { meta.push("confidence " + ev.confidence.toFixed(2)); }
      src.appendChild(el("span", " \u00b7 " + meta.join(" \u00b7 "), "kg-meta"));
      li.appendChild(src);
      ul.appendChild(li);
    });
    if (e.more) { ul.appendChild(el("li", "\u2026 and " + plural(e.more, "more sentence"), "kg-meta")); }
    return ul;
  }
  function factBlock(e) {
    var div = el("div", null, "kg-fact");
    div.setAttribute("data-edge", e.id);
    var head = el("div", null, "kg-fact-head");
    head.appendChild(entityButton(e.from));
    head.appendChild(document.createTextNode(" \u2014" + e.predicate + (e.symmetric ? "\u2014 " : "\u2192 ")));
    head.appendChild(entityButton(e.to));
    div.appendChild(head);
    div.appendChild(el("div", "supported by " + plural(e.support, "article") + " \u00b7 confidence " +
                               e.confidence.toFixed(2) + (edgeHidden[e.id] ? " \u00b7 hidden by the filters" : ""),
                       "kg-meta"));
    div.appendChild(evidenceList(e));
    return div;
  }
  function clearPanel() {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
  }
  function hint() {
    clearPanel();
    panel.appendChild(el("p", "Click an entity or a relation to see its facts and the sentences they come from.", "kg-hint"));
  }
  function definition(dl, term, value) {
    dl.appendChild(el("dt", term));
    dl.appendChild(el("dd", value));
  }
  var MAX_FACTS = 200;
  function showNode(id) {
    var n = byId[id];
    clearPanel();
    panel.setAttribute("data-node", id);
    panel.removeAttribute("data-edge");
    panel.appendChild(el("h2", n.label));
    var dl = el("dl");
    definition(dl, "types", n.types.join(", "));
    if (n.aliases.length) { definition(dl, "aliases", n.aliases.join(" \u00b7 ")); }
    definition(dl, "articles", String(n.articles));
    definition(dl, "connections", n.degree + " \u00b7 PageRank " + (n.pagerank * data.nodes.length).toFixed(2) + "\u00d7 average");
    panel.appendChild(dl);
    panel.appendChild(el("div", n.id, "kg-iri"));
    var facts = adjacent[id].slice().sort(function (a, b) {
      return (a.predicate + "\u0000" + byId[a.from].label + "\u0000" + byId[a.to].label)
        .localeCompare(b.predicate + "\u0000" + byId[b.from].label + "\u0000" + byId[b.to].label);
    });
    panel.appendChild(el("h3", "Facts (" + facts.length + ")"));
    facts.slice(0, MAX_FACTS).forEach(function (e) { panel.appendChild(factBlock(e)); });
    if (facts.length > MAX_FACTS) { panel.appendChild(el("p", "\u2026 and " + (facts.length - MAX_FACTS) + " more", "kg-meta")); }
    if (n.degree > facts.length) {
      panel.appendChild(el("p", plural(n.degree - facts.length, "more fact") + " with entities left out of this page", "kg-meta"));
    }
    panel.scrollTop = 0;
  }
  function showEdge(id) {
    var e = edgeById[id];
    clearPanel();
    panel.setAttribute("data-edge", id);
    panel.removeAttribute("data-node");
    panel.appendChild(el("h2", e.predicate));
    panel.appendChild(factBlock(e));
    panel.scrollTop = 0;
  }
  function neighbourhood(id) {
    var keepNodes = {}, keepEdges = {};
    keepNodes[id] = true;
    adjacent[id].forEach(function (e) { keepNodes[e.from] = keepNodes[e.to] = true; keepEdges[e.id] = true; });
    return [keepNodes, keepEdges];
  }
  function selectEntity(id, focus) {
    network.selectNodes([id]);
    showNode(id);
    var keep = neighbourhood(id);
    highlight(keep[0], keep[1]);
    if (focus !== false) {
      network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: {duration: 300}});
    }
    if (nodeHidden[id]) { status.textContent = byId[id].label + " is hidden by the filters"; }
  }
  explorer.selectEntity = selectEntity;
  network.on("click", function (p) {
    if (p.nodes.length) {
      selectEntity(p.nodes[0], false);
    } else if (p.edges.length) {
      var e = edgeById[p.edges[0]], keepNodes = {}, keepEdges = {};
      keepNodes[e.from] = keepNodes[e.to] = true;
      keepEdges[e.id] = true;
      showEdge(e.id);
      highlight(keepNodes, keepEdges);
    } else {
      panel.removeAttribute("data-node");
      panel.removeAttribute("data-edge");
      hint();
      highlight(null, null);
    }
  });

  // -- search with suggestions
  var search = $("kg-search"), suggest = $("kg-suggest"), active = -1, current = [];
  var index = data.nodes.map(function (n) {
    return {id: n.id, label: n.label.toLowerCase(),
            aliases: n.aliases.map(function (a) { return a.toLowerCase(); })};
  });
  function matches(q, limit) {
    var scored = [];
    index.forEach(function (it) {
      var s = 9, alias = null;
      if (it.label === q) { s = 0; }
      else if (it.label.indexOf(q) === 0) { s = 2; }
      else if (it.label.indexOf(q) !== -1) { s = 4; }
      for (var i = 0; i < it.aliases.length && s > 1; i++) {
        var a = it.aliases[i], t = a === q ? 1 : a.indexOf(q) === 0 ? 3 : a.indexOf(q) !== -1 ? 5 : 9;
        if (t < s) { s = t; alias = byId[it.id].aliases[i]; }
      }
      if (s < 9) { scored.push({id: it.id, score: s, alias: alias}); }
    });
    scored.sort(function (a, b) {
      return a.score - b.score || byId[b.id].degree - byId[a.id].degree ||
             (byId[a.id].label < byId[b.id].label ? -1 : byId[a.id].label > byId[b.id].label ? 1 : 0);
    });
    return {total: scored.length, top: scored.slice(0, limit)};
  }
  function closeSuggestions() {
    suggest.hidden = true; active = -1; current = [];
    search.setAttribute("aria-expanded", "false");
  }
  function renderSuggestions() {
    while (suggest.firstChild) { suggest.removeChild(suggest.firstChild); }
    current.forEach(function (m, i) {
      var n = byId[m.id], li = el("li", null, i === active ? "kg-active" : "");
      li.setAttribute("role", "option");
      var sw = el("span", null, "kg-swatch");
      sw.style.background = n.color;
      li.appendChild(sw);
      li.appendChild(el("span", n.label));
      li.appendChild(el("small", m.alias ? "aka " + m.alias + " \u00b7 " + n.cls : n.cls));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(m.id); });
      suggest.appendChild(li);
    });
    suggest.hidden = current.length === 0;
    search.setAttribute("aria-expanded", current.length ? "true" : "false");
  }
  function choose(id) {
    search.value = byId[id].label;
    closeSuggestions();
    selectEntity(id);
  }
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    if (!q) { closeSuggestions(); return; }
    current = matches(q, 10).top; active = current.length ? 0 : -1;
    renderSuggestions();
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!current.length) { return; }
      ev.preventDefault();
      active = (active + (ev.key === "ArrowDown" ? 1 : current.length - 1)) % current.length;
      renderSuggestions();
    } else if (ev.key === "Escape") {
      closeSuggestions();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      var q = search.value.trim().toLowerCase();
      if (!q) { closeSuggestions(); network.unselectAll(); highlight(null, null); hint(); network.fit(); return; }
      var pick = active >= 0 && current[active] ? current[active].id : null;
      var found = matches(q, 1);
      if (!pick && found.top.length) { pick = found.top[0].id; }
      if (!pick) { closeSuggestions(); status.textContent = "No match for \u201c" + search.value.trim() + "\u201d"; return; }
      choose(pick);
      if (!nodeHidden[pick]) {
        status.textContent = found.total === 1 ? "1 match" : found.total + " matches, showing the best";
      }
    }
  });
  search.addEventListener("blur", function () { setTimeout(closeSuggestions, 150); });

  applyFilters();
})();
"""


def _legend(data: dict) -> str:
    counts = Counter(n["root"] for n in data["nodes"])
    roots = list(ROOT_COLORS) + ([OTHER_ROOT] if counts[OTHER_ROOT] else [])
    return "\n".join(
        f'<li><label><input type="checkbox" data-root="{_esc(r)}" checked>'
        f'<span class="kg-swatch" style="background:{ROOT_COLORS.get(r, OTHER_COLOR)}"></span>'
        f'{_esc(r)} <small>({counts[r]})</small></label></li>' for r in roots)


def _predicate_list(data: dict) -> str:
    counts = Counter(e["predicate"] for e in data["edges"])
    return "\n".join(
        f'<li><label><input type="checkbox" data-predicate="{_esc(p)}" checked>'
        f'{_esc(p)} <small>({c})</small></label></li>' for p, c in sorted(counts.items()))


def _stats(meta: dict) -> tuple[str, str]:
    n, m = meta["shown_nodes"], meta["shown_edges"]
    stats = f"{n:,} entit{'y' if n == 1 else 'ies'}, {m:,} relation{'' if m == 1 else 's'}"
    if not meta["left_out_nodes"]:
        return stats, ""
    left = meta["left_out_nodes"]
    notice = (f"Showing the {n:,} most connected of {meta['total_nodes']:,} entities: "
              f"{left:,} entit{'y' if left == 1 else 'ies'} and "
              f"{meta['left_out_edges']:,} relation{'' if meta['left_out_edges'] == 1 else 's'} "
              f"left out (raise --max-nodes to show more).")
    return stats, f'<span id="kg-notice" role="note">{_esc(notice)}</span>\n'


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def render_html(graph: nx.MultiDiGraph, *, title: str = "AI industry knowledge graph",
                max_nodes: int = DEFAULT_MAX_NODES) -> str:
    """The whole page as a string (no file is touched).  At most ``max_nodes`` entities
    are drawn: the most connected ones; the page says how many were left out."""
    if not isinstance(title, str):
        raise HtmlExportError(f"title must be str, got {type(title).__name__}")
    data = _graph_data(graph, max_nodes)
    css, js = _vis_assets()
    stats, notice = _stats(data["meta"])
    meta = data["meta"]
    date_range = "".join(f' {k}="{_esc(v)}"' for k, v in (("min", meta["date_min"]),
                                                           ("max", meta["date_max"])) if v)
    try:
        payload = script_json(data)
    except ValueError as exc:  # NaN slipped through, unserialisable value, ...
        raise HtmlExportError(f"graph data cannot be serialised: {exc}") from exc
    # the policy allows exactly the two inline scripts, by hash (kg serve sends the same)
    csp = _CSP.format(scripts=" ".join(_sha256(s) for s in ("\n" + js, "\n" + _APP_JS)))
    return _PAGE.format(title=_esc(title), csp=csp, vis_version=VIS_VERSION, vis_css=css,
                        vis_js=js, app_css=_APP_CSS, stats=_esc(stats), notice=notice,
                        physics=" checked" if meta["physics"] else "",
                        legend=_legend(data), predicates=_predicate_list(data),
                        date_range=date_range, data=payload, app_js=_APP_JS)


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
               title: str = "AI industry knowledge graph",
               max_nodes: int = DEFAULT_MAX_NODES) -> Path:
    """Write the interactive explorer for ``graph`` to ``path`` and return the path.

    The page is rendered completely in memory and then written to a temporary file in
    the target directory that replaces ``path`` atomically, so an existing file is never
    left half-written.  Raises :class:`HtmlExportError` (a ``ValueError``) if the
    directory does not exist or the graph breaks the input contract; ``OSError`` from
    the file system propagates.
    """
    path = Path(path)
    _check_target(path)
    page = render_html(graph, title=title, max_nodes=max_nodes)
    try:
        content = page.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates in a label, say
        raise HtmlExportError(f"cannot write {path}: text is not valid Unicode: {exc}") from exc
    _atomic_write(path, content)
    return path
