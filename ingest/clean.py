"""Text cleaning before NLP: quotes, spaces, glued sentences, boilerplate lines, hashtags."""
from __future__ import annotations

import re
import unicodedata

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    "\u2002": " ", "\u2003": " ", "\u3000": " ", "\t": " ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
    "\u00ad": None,
    "\u2028": "\n", "\u2029": "\n\n",
})
# remaining C0/C1 control characters (newline kept) and bidi overrides are dropped
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# "hurdles.Remarkably": a word of 2+ lower-case letters, a stop, then a capitalised word
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_HASHTAG = re.compile(r"(?<![\w&])#[A-Za-z]\w*")
_BOILERPLATE = re.compile(
    r"""^(?:advertisement|sponsored(?:\ content)?|must\ read|reports?|read\ more|read\ also
    |related(?:\ articles|\ posts|\ stories)?|more\ stories|recommended|trending(?:\ now)?
    |in(?:t|te)resting\ articles|share(?:\ this(?:\ article|\ story)?)?|tweet|print|email
    |subscribe(?:\ now)?|sign\ up(?:\ for\ our\ newsletter)?|follow\ us.*|click\ here.*
    |spot_img|loading\.*|skip\ to\ (?:main\ )?content|cookie\ (?:policy|settings)
    |all\ rights\ reserved.*|copyright\ .*|©.*|tags?:.*|(?:image|photo)\ (?:credit|source):.*)$""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_boilerplate(line: str) -> bool:
    core = line.strip().strip("-–—|•*_ ").replace("spot_img", "").strip("-–—|•*_ ")
    if not core:
        return bool(line.strip())  # a line of only separators
    return bool(_BOILERPLATE.match(core))


def clean_text(text: str) -> str:
    """Normalise text for NLP; paragraphs stay separated by blank lines.

    >>> clean_text("It\u2019s done.Remarkably, \u201cyes\u201d.\\n- Advertisement -\\n")
    'It\\'s done. Remarkably, "yes".'
    """
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    out: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(_HASHTAG.sub("", raw).split())
        if _is_boilerplate(line):
            continue
        line = _GLUED.sub(" ", line)
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
