"""Graph analysis on the networkx projection of the knowledge graph (KnowledgeGraph.to_networkx):
simple projections, centrality rankings and communities.

Every function takes the MultiDiGraph that `to_networkx()` returns (entities as nodes with
`label`, `cls`, `articles`; facts as edges keyed by predicate with `support` and
`confidence`), or any networkx multigraph shaped like it, and returns plain rows: dicts with
`iri`, `label`, `class`, `articles` (and `score`), ready for `pandas.DataFrame(rows)`.
Results are deterministic: nodes are visited in sorted order, ties are broken by label and
IRI, and community detection is seeded.
"""
from __future__ import annotations

from typing import Any

import networkx as nx

from kg.errors import ConfigError
from kg.vocab import CLASS_PARENT, SYMMETRIC, ancestors

KINDS = ("degree", "pagerank", "betweenness")
METHODS = ("louvain", "greedy")


def simple_graph(g: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple projection: one edge per pair of entities linked by any fact,
    `weight` = the facts' summed support, `predicates` = their sorted names; self-loops dropped.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="funds", predicate="funds", support=2)
    'funds'
    >>> g.add_edge("b", "a", key="owns", predicate="owns", support=1)
    'owns'
    >>> s = simple_graph(g)
    >>> s.number_of_edges(), s["a"]["b"]["weight"], s["a"]["b"]["predicates"]
    (1, 3, ['funds', 'owns'])
    """
    out = nx.Graph()
    out.add_nodes_from(sorted(g.nodes(data=True)))
    for s, o, key, d in sorted(g.edges(keys=True, data=True), key=lambda e: e[:3]):
        if s == o:
            continue
        if not out.has_edge(s, o):
            out.add_edge(s, o, weight=0, predicates=[])
        edge = out[s][o]
        edge["weight"] += d.get("support", 1)
        pred = d.get("predicate", key)
        if pred not in edge["predicates"]:
            edge["predicates"] = sorted([*edge["predicates"], pred])
    return out


def simple_digraph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """The directed simple projection: an edge subject -> object per pair with facts, `weight`
    = summed support; symmetric predicates (partners_with, competes_with) count both ways.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="partners_with", predicate="partners_with", support=1)
    'partners_with'
    >>> sorted(simple_digraph(g).edges(data="weight"))
    [('a', 'b', 1), ('b', 'a', 1)]
    """
    out = nx.DiGraph()
    out.add_nodes_from(sorted(g.nodes(data=True)))
    for s, o, key, d in sorted(g.edges(keys=True, data=True), key=lambda e: e[:3]):
        if s == o:
            continue
        pred = d.get("predicate", key)
        for a, b in [(s, o), (o, s)] if pred in SYMMETRIC else [(s, o)]:
            if not out.has_edge(a, b):
                out.add_edge(a, b, weight=0)
            out[a][b]["weight"] += d.get("support", 1)
    return out


def pagerank(g: nx.DiGraph, *, alpha: float = 0.85, weight: str | None = "weight",
             tol: float = 1.0e-10, max_iter: int = 1000) -> dict[Any, float]:
    """PageRank by power iteration, as networkx defines it (damping `alpha`, uniform teleport,
    the rank of nodes without out-edges spread over all nodes), without needing scipy.

    >>> ranks = pagerank(nx.DiGraph([("a", "c"), ("b", "c")]))
    >>> max(ranks, key=ranks.get), round(sum(ranks.values()), 6)
    ('c', 1.0)
    """
    nodes = sorted(g.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    out_weight = {u: sum(d.get(weight, 1) if weight else 1 for _, _, d in g.out_edges(u, data=True))
                  for u in nodes}
    dangling = [u for u in nodes if not out_weight[u]]
    x = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = dict.fromkeys(nodes, 0.0)
        for u in nodes:
            if out_weight[u]:
                share = alpha * last[u] / out_weight[u]
                for v in sorted(g.successors(u)):
                    x[v] += share * (g[u][v].get(weight, 1) if weight else 1)
        spread = (alpha * sum(last[u] for u in dangling) + 1.0 - alpha) / n
        for u in nodes:
            x[u] += spread
        if sum(abs(x[u] - last[u]) for u in nodes) < n * tol:
            break
    return x


def _row(g: nx.Graph, node) -> dict[str, Any]:
    d = g.nodes[node]
    return {"iri": node, "label": d.get("label", str(node)), "class": d.get("cls"),
            "articles": d.get("articles", 0)}


def _is_a(d: dict, cls: str) -> bool:
    node_cls = d.get("cls")
    return node_cls in CLASS_PARENT and cls in ancestors(node_cls)


def centrality(g: nx.MultiDiGraph, kind: str = "degree", *, limit: int | None = 10,
               cls: str | None = None) -> list[dict[str, Any]]:
    """Entities ranked by centrality, highest first: rows of iri, label, class, articles, score.

    `kind` is "degree" (share of the other entities an entity has facts with), "pagerank"
    (importance flowing along the facts' direction, weighted by support: who is funded,
    founded, led, used, located in; see `pagerank`) or "betweenness" (share of shortest paths
    passing through the entity). Degree and betweenness read the undirected simple projection.
    `cls` keeps only entities of that class or its subclasses (the scores are still computed
    on the whole graph); `limit=None` keeps all.

    >>> g = nx.MultiDiGraph()
    >>> for s in ("a", "c", "d"):
    ...     _ = g.add_edge(s, "b", key="funds", predicate="funds", support=1)
    >>> [(r["iri"], r["score"]) for r in centrality(g, "degree", limit=2)]
    [('b', 1.0), ('a', 0.333...)]
    >>> centrality(g, "closeness")
    Traceback (most recent call last):
    ...
    kg.errors.ConfigError: unknown centrality kind 'closeness'; valid: degree, pagerank, betweenness
    """
    check_centrality(kind, limit, cls)
    if kind == "pagerank":
        scores = pagerank(simple_digraph(g))
    elif kind == "degree":
        scores = nx.degree_centrality(simple_graph(g))
    else:
        scores = nx.betweenness_centrality(simple_graph(g))
    rows = []
    for node, score in scores.items():
        if cls is not None and not _is_a(g.nodes[node], cls):
            continue
        row = _row(g, node)
        row["score"] = score
        rows.append(row)
    rows.sort(key=lambda r: (-round(r["score"], 12), str(r["label"]).lower(), str(r["iri"])))
    return rows if limit is None else rows[:limit]


def communities(g: nx.MultiDiGraph, *, method: str = "louvain", seed: int = 0, min_size: int = 2,
                resolution: float = 1.0) -> list[list[dict[str, Any]]]:
    """Groups of entities more densely linked to each other than to the rest, found on the
    undirected simple projection weighted by support: a list of communities, largest first,
    each a list of member rows (iri, label, class, articles), most mentioned first.

    `method` is "louvain" (seeded by `seed`, so the same graph gives the same answer) or
    "greedy" (greedy modularity); `resolution` above 1 favours smaller communities;
    communities smaller than `min_size` (by default the unconnected single entities) are
    left out.

    >>> g = nx.MultiDiGraph()
    >>> for s, o in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")]:
    ...     _ = g.add_edge(s, o, key="partners_with", predicate="partners_with", support=1)
    >>> [[m["iri"] for m in c] for c in communities(g)]
    [['a', 'b', 'c'], ['x', 'y', 'z']]
    """
    check_communities(method, min_size)
    simple = simple_graph(g)
    if simple.number_of_nodes() == 0:
        return []
    if method == "louvain":
        found = nx.community.louvain_communities(simple, weight="weight", resolution=resolution, seed=seed)
    else:
        found = nx.community.greedy_modularity_communities(simple, weight="weight", resolution=resolution)
    out = []
    for members in found:
        if len(members) < min_size:
            continue
        rows = sorted((_row(g, n) for n in members),
                      key=lambda r: (-r["articles"], str(r["label"]).lower(), str(r["iri"])))
        out.append(rows)
    out.sort(key=lambda c: (-len(c), str(c[0]["label"]).lower(), str(c[0]["iri"])))
    return out


def check_centrality(kind: str, limit: int | None = None, cls: str | None = None) -> None:
    """ConfigError, naming the valid choices, for arguments centrality() does not take."""
    if kind not in KINDS:
        raise ConfigError(f"unknown centrality kind {kind!r}; valid: {', '.join(KINDS)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"limit must be a whole number of at least 1 or None, not {limit!r}")
    if cls is not None and cls not in CLASS_PARENT:
        raise ConfigError(f"unknown class {cls!r}; known: {', '.join(CLASS_PARENT)}")


def check_communities(method: str, min_size: int) -> None:
    """ConfigError, naming the valid choices, for arguments communities() does not take."""
    if method not in METHODS:
        raise ConfigError(f"unknown community method {method!r}; valid: {', '.join(METHODS)}")
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 1:
        raise ConfigError(f"min_size must be a whole number of at least 1, not {min_size!r}")
