"""The project's vocabulary: namespaces, the class hierarchy and the relation names."""
from __future__ import annotations

BASE = "https://w3id.org/aikg/"
KG = BASE + "ontology#"          # classes and properties (prefix kg:)
ID = BASE + "id/"                # entities: ID + family + "/" + slug
ARTICLE = BASE + "article/"      # articles; each is also the IRI of its named graph
ASSERTION = BASE + "assertion/"  # one node per fact per article

PREFIXES = {
    "kg": KG,
    "kgid": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
}

# class -> direct superclass (None for the roots)
CLASS_PARENT: dict[str, str | None] = {
    "Person": None,
    "Organization": None,
    "Company": "Organization",
    "AILab": "Organization",
    "Investor": "Organization",
    "GovernmentBody": "Organization",
    "University": "Organization",
    "AIModel": None,
    "Hardware": None,
    "Chip": "Hardware",
    "Supercomputer": "Hardware",
    "Product": None,
    "Place": None,
    "Country": "Place",
    "City": "Place",
}

# root class -> family used in entity IRIs (one IRI per canonical name and family)
FAMILY = {
    "Person": "person",
    "Organization": "org",
    "AIModel": "model",
    "Hardware": "hardware",
    "Product": "product",
    "Place": "place",
}

# snake_case names (SCHEMA.md, `kg extract` JSON) -> ontology local names (camelCase)
PREDICATES: dict[str, str] = {
    "founded": "founded",
    "leads": "leads",
    "works_for": "worksFor",
    "funds": "funds",
    "owns": "owns",
    "acquires": "acquires",
    "partners_with": "partnersWith",
    "competes_with": "competesWith",
    "develops": "develops",
    "uses": "uses",
    "located_in": "locatedIn",
}
PREDICATE_SNAKE = {v: k for k, v in PREDICATES.items()}
SYMMETRIC = frozenset({"partners_with", "competes_with"})

# which root classes a predicate accepts (subject roots, object roots); SCHEMA.md
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "founded": (frozenset({"Person", "Organization"}), frozenset({"Organization"})),
    "leads": (frozenset({"Person"}), frozenset({"Organization"})),
    "works_for": (frozenset({"Person"}), frozenset({"Organization"})),
    "funds": (frozenset({"Person", "Organization"}), frozenset({"Organization"})),
    "owns": (frozenset({"Person", "Organization"}),
             frozenset({"Organization", "Hardware", "Product"})),
    "acquires": (frozenset({"Organization"}), frozenset({"Organization"})),
    "partners_with": (frozenset({"Organization"}), frozenset({"Organization"})),
    "competes_with": (frozenset({"Organization"}), frozenset({"Organization"})),
    "develops": (frozenset({"Organization", "Person"}),
                 frozenset({"AIModel", "Hardware", "Product"})),
    "uses": (frozenset({"Organization", "AIModel", "Product"}),
             frozenset({"Hardware", "AIModel", "Product"})),
    "located_in": (frozenset({"Organization", "Person"}), frozenset({"Place"})),
}


def ancestors(cls: str) -> list[str]:
    """The class itself followed by its superclasses, nearest first."""
    if cls not in CLASS_PARENT:
        raise KeyError(f"unknown class {cls!r}; known: {', '.join(CLASS_PARENT)}")
    out = [cls]
    while (parent := CLASS_PARENT[out[-1]]) is not None:
        out.append(parent)
    return out


def root(cls: str) -> str:
    """The top-level class (Person, Organization, AIModel, Hardware, Product, Place)."""
    return ancestors(cls)[-1]


def accepts(predicate: str, subject_cls: str, object_cls: str) -> bool:
    """Whether the predicate's signature admits these subject and object classes."""
    subj, obj = SIGNATURES[predicate]
    return root(subject_cls) in subj and root(object_cls) in obj
