"""Reading SPARQL text without evaluating it: a lexer, the query form, the read-only guard
used by `kg serve`, and the rewrites a remote store needs (prefixes, bound values).

The lexer knows the parts of SPARQL where keywords cannot hide: IRIs, string literals
(short and long), comments, variables and prefixed names. Everything a guard decides is
decided on tokens, so `"SERVICE"` in a string or `ex:load` as a name never trips it.

>>> query_form("PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:load ?o }")
'SELECT'
>>> query_form("prefix ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }")
'UPDATE'
>>> inject_values("SELECT ?n WHERE { ?e rdfs:label ?n }", {"e": "<http://example.org/x>"})
'SELECT ?n WHERE { VALUES (?e) { (<http://example.org/x>) } ?e rdfs:label ?n }'
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kg.errors import QueryError

_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\n]*)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
            |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
| (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w:%\-\u00B7-\uFFFF](?:[\w.:%\-\u00B7-\uFFFF]*[\w:%\-\u00B7-\uFFFF])?)?)
| (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
| (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<punct>\^\^|&&|\|\||!=|<=|>=|.)
""", re.VERBOSE | re.DOTALL)

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "DROP", "CLEAR", "LOAD", "CREATE", "COPY",
                             "MOVE", "ADD", "WITH"})
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str   # comment, string, iri, var, pname, lang, number, word, punct
    text: str
    start: int  # offset in the query text

    @property
    def keyword(self) -> str | None:
        """The upper-cased word for a bare word (keywords are case-insensitive), else None."""
        return self.text.upper() if self.kind == "word" else None


def tokens(query: str, *, comments: bool = False) -> list[Token]:
    """The tokens of a query (whitespace dropped; comments too unless asked for).
    An unterminated string or IRI ends as punctuation; the parser reports it."""
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind == "ws" or (kind == "comment" and not comments):
            continue
        out.append(Token(kind, m.group(), m.start()))
    return out


def _prologue_end(toks: list[Token]) -> int:
    """Index of the first token after the BASE / PREFIX declarations."""
    i = 0
    while i < len(toks):
        kw = toks[i].keyword
        if kw == "BASE":
            i += 2
        elif kw == "PREFIX":
            i += 3
        else:
            break
    return i


def query_form(query: str) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE for a SPARQL Update, or None when the text
    starts with something else (the parser will say what)."""
    toks = tokens(query)
    i = _prologue_end(toks)
    if i >= len(toks):
        return None
    kw = toks[i].keyword
    if kw in QUERY_FORMS:
        return kw
    if kw in UPDATE_KEYWORDS:
        return "UPDATE"
    return None


def declared_prefixes(query: str) -> dict[str, str]:
    """The PREFIX declarations of a query: prefix -> namespace IRI."""
    toks = tokens(query)
    out = {}
    for i, t in enumerate(toks[:-2]):
        if t.keyword == "PREFIX" and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            out[toks[i + 1].text[:-1]] = toks[i + 2].text[1:-1]
    return out


MAX_DEPTH = 100       # brackets ({ ( [) open at once
MAX_OPERATORS = 500   # operators that build a tree as deep as their chain is long
_OPERATORS = frozenset({"/", "|", "||", "&&", "+", "-", "*", "=", "!=", "<", ">", "<=", ">=", "^", "!"})
_OPERATOR_CHARS = re.compile(r"[/|&+\-*=<>^!]|\bUNION\b|\bMINUS\b", re.IGNORECASE)


def check_complexity(query: str) -> None:
    """Refuse a query nested deeper than MAX_DEPTH brackets or with more than MAX_OPERATORS
    operators (path steps, UNION, ||, +, ...), with a one-line QueryError. pyoxigraph parses
    and plans queries by recursion on the native stack: about 4,000 nested brackets, or a
    property path of 1,500 steps, overflows it and kills the whole process (a segmentation
    fault, which no exception handler sees). Real queries stay far below both limits.

    >>> check_complexity("SELECT * WHERE " + "{" * 101 + " ?s ?p ?o " + "}" * 101)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: query nested more than 100 levels deep (brackets); simplify it
    """
    if query.count("{") + query.count("(") + query.count("[") <= MAX_DEPTH \
            and len(_OPERATOR_CHARS.findall(query)) <= MAX_OPERATORS:
        return  # cannot be over either limit: no need to lex
    depth = deepest = operators = 0
    for t in tokens(query):
        # what reads as an IRI may be `<` as less-than to the engine (`?o<((?x>1`), so the
        # brackets inside IRI tokens count too (in a real IRI they balance)
        for ch in (t.text if t.kind == "iri" else (t.text,) if t.kind == "punct" else ()):
            if ch in ("{", "(", "["):
                depth += 1
                deepest = max(deepest, depth)
            elif ch in ("}", ")", "]"):
                depth -= 1
            elif ch in _OPERATORS and t.kind == "punct":
                operators += 1
        if t.keyword in ("UNION", "MINUS"):
            operators += 1
    if deepest > MAX_DEPTH:
        raise QueryError(f"query nested more than {MAX_DEPTH} levels deep (brackets); simplify it")
    if operators > MAX_OPERATORS:
        raise QueryError(f"query has {operators:,} operators (path steps, UNION, ||, +, ...), more than "
                         f"{MAX_OPERATORS:,}; use VALUES or IN for long lists of alternatives")


def check_read_query(query: str, *, graphs: set[str] | frozenset[str] | None,
                     prefixes: Mapping[str, str] | None = None) -> None:
    """Refuse, with a one-line QueryError, what a read-only endpoint must not run: an update
    (LOAD included), SERVICE anywhere, and FROM / FROM NAMED naming a graph outside `graphs`
    (None refuses every FROM), and queries too deep for the engine (check_complexity). Nothing
    here reaches the network.

    >>> check_read_query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", graphs=None)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SERVICE is not allowed: this endpoint does not send queries to other servers
    """
    if query_form(query) == "UPDATE":
        raise QueryError("updates (INSERT, DELETE, DROP, LOAD, ...) are not allowed; "
                         "this endpoint answers queries only")
    check_complexity(query)
    toks = tokens(query)
    names = dict(prefixes or {})
    names.update(declared_prefixes(query))
    for i, t in enumerate(toks):
        kw = t.keyword
        if kw == "SERVICE":
            raise QueryError("SERVICE is not allowed: this endpoint does not send queries to other servers")
        if kw == "LOAD":
            raise QueryError("LOAD is not allowed: this endpoint answers queries only")
        if kw == "FROM":
            j = i + 1
            if j < len(toks) and toks[j].keyword == "NAMED":
                j += 1
            if j >= len(toks):
                continue  # the parser reports the missing IRI
            iri = _resolve(toks[j], names)
            clause = "FROM NAMED" if j == i + 2 else "FROM"
            if iri is None:
                continue
            if graphs is None or iri not in graphs:
                raise QueryError(f"{clause} <{iri}> is not allowed: only graphs in this store can be "
                                 f"named (nothing is fetched from elsewhere)")


def _resolve(tok: Token, prefixes: Mapping[str, str]) -> str | None:
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
        return tok.text
    return None


def graph_iris(query: str, prefixes: Mapping[str, str] | None = None) -> tuple[list[str], bool]:
    """The IRIs the query names after GRAPH, and whether it also has a GRAPH ?variable."""
    toks = tokens(query)
    names = dict(prefixes or {})
    names.update(declared_prefixes(query))
    iris, variable = [], False
    for i, t in enumerate(toks[:-1]):
        if t.keyword == "GRAPH":
            nxt = toks[i + 1]
            if nxt.kind == "var":
                variable = True
            elif (iri := _resolve(nxt, names)) is not None and iri not in iris:
                iris.append(iri)
    return iris, variable


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED)."""
    return any(t.keyword == "FROM" for t in tokens(query))


def with_prefixes(query: str, prefixes: Mapping[str, str]) -> str:
    """The query with PREFIX declarations added for the prefixes it uses but does not declare
    (a remote server knows none of the project's prefixes)."""
    declared = declared_prefixes(query)
    used = {t.text.partition(":")[0] for t in tokens(query) if t.kind == "pname"}
    head = "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in sorted(used)
                   if p in prefixes and p not in declared)
    return head + query


def where_brace(query: str) -> int | None:
    """Offset of the `{` that opens the query's WHERE clause (None if there is none)."""
    toks = tokens(query)
    depth, groups, form = 0, [], None
    for i, t in enumerate(toks):
        if form is None and t.keyword in QUERY_FORMS:
            form = t.keyword
        if t.text == "{":
            if depth == 0:
                after_where = i > 0 and toks[i - 1].keyword == "WHERE"
                if after_where:
                    return t.start
                groups.append(t.start)
            depth += 1
        elif t.text == "}":
            depth -= 1
    if form == "CONSTRUCT":  # CONSTRUCT { template } { pattern }: the second group
        return groups[1] if len(groups) > 1 else None
    return groups[0] if groups else None


def inject_values(query: str, values: Mapping[str, str]) -> str:
    """Bind variables by a VALUES block at the start of the WHERE clause. `values` maps a
    variable name to an RDF term already written in SPARQL syntax (by pyoxigraph, so a value
    cannot break out of its term). This is how bound parameters reach a remote server."""
    if not values:
        return query
    at = where_brace(query)
    if at is None:
        raise QueryError("bound values need a query with a WHERE clause")
    names = " ".join(f"?{n}" for n in values)
    terms = " ".join(values.values())
    return f"{query[:at + 1]} VALUES ({names}) {{ ({terms}) }}{query[at + 1:]}"
