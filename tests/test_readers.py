"""Tests for reading and cleaning articles (ingest/readers.py, ingest/clean.py)."""
from __future__ import annotations

import codecs

import pytest

from ingest.clean import clean_text
from ingest.readers import (
    DEFAULT_MAX_BYTES,
    ReadOptions,
    decode,
    expand,
    markdown_to_text,
    parse_date_line,
    read,
)
from kg.errors import PluginNotFound, ReadError
from kg.model import Article


# -- clean_text -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, clean", [
    ("He said \u201cyes\u201d and \u2018no\u2019.", "He said \"yes\" and 'no'."),
    ("It\u2019s Nvidia\u2032s chip.", "It's Nvidia's chip."),
    ("Mistral\u00a0AI and\u202fASML", "Mistral AI and ASML"),
    ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
    ("tabs\tand   runs  of spaces", "tabs and runs of spaces"),
    ("windows\r\nline\rends", "windows\nline\nends"),
    ("\ufeffBOM at the start", "BOM at the start"),
    ("bell\x07 and\x1b escape", "bell and escape"),
])
def test_clean_text_normalises_characters(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("faced many hurdles.Remarkably, it shipped.", "faced many hurdles. Remarkably, it shipped."),
    ("It worked!Then it broke?Again it worked.", "It worked! Then it broke? Again it worked."),
])
def test_clean_text_splits_glued_sentences(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize("text", [
    "the U.S.Department of Energy funds it",
    "the U.K.Government said so",
    "GPT-3.5 and Llama 3.1 models",
    "valued at $3.5 billion",
    "e.g.Google and i.e.Meta",
    "visit openai.com or x.AI today",
])
def test_clean_text_keeps_abbreviations_and_decimals(text):
    assert clean_text(text) == text


@pytest.mark.parametrize("line", [
    "- Advertisement -", "Advertisement", "ADVERTISEMENT", "Must read", "Must Read", "Reports",
    "Read more", "READ MORE", "Read also", "Related articles", "Share this article", "Subscribe now",
    "\u2014 Advertisement \u2014", "| Sponsored |", "spot_img", "Tags: AI, chips", "-----",
])
def test_clean_text_drops_boilerplate_lines(line):
    text = f"Nvidia designs chips.\n{line}\nIntel makes them."
    assert clean_text(text) == "Nvidia designs chips.\nIntel makes them."


@pytest.mark.parametrize("line", [
    "Advertisement revenue grew at Meta.",
    "Reports say OpenAI raised money.",
    "The company reports strong results.",
    "Read more about the deal in the filing.",
    "Must read: the memo was long.",
    "She shared the report by email.",
])
def test_clean_text_keeps_normal_lines_with_those_words(line):
    assert clean_text(f"First line.\n{line}\nLast line.") == f"First line.\n{line}\nLast line."


def test_clean_text_keeps_paragraphs_and_drops_hashtags():
    assert clean_text("One.\n\n\n\nTwo #AI #chips.\n   \nThree.") == "One.\n\nTwo .\n\nThree."
    assert clean_text("AT&T #1 C# code") == "AT&T #1 C# code"
    assert clean_text("  \n\n  ") == ""


# -- dates and decoding ----------------------------------------------------------------------------------
@pytest.mark.parametrize("line, iso", [
    ("Monday, February 3, 2025", "2025-02-03"),
    ("February 3, 2025", "2025-02-03"),
    ("Tuesday, September 9, 2025", "2025-09-09"),
    ("wednesday, march 12 2025", "2025-03-12"),
    ("2025-02-03", "2025-02-03"),
    ("  Monday, February 3, 2025  ", "2025-02-03"),
])
def test_parse_date_line(line, iso):
    assert parse_date_line(line) == iso


@pytest.mark.parametrize("line", ["February 30, 2025", "Monday", "On February 3, 2025 Nvidia said",
                                  "2025/02/03", ""])
def test_parse_date_line_refuses_non_datelines(line):
    assert parse_date_line(line) is None


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + "Caf\u00e9 \u6df1\u5ea6".encode(),
    codecs.BOM_UTF16_LE + "Caf\u00e9 \u6df1\u5ea6".encode("utf-16-le"),
    codecs.BOM_UTF16_BE + "Caf\u00e9 \u6df1\u5ea6".encode("utf-16-be"),
    "Caf\u00e9 \u6df1\u5ea6".encode(),
])
def test_decode_accepts_utf8_and_bom_marked_utf16(data):
    assert decode(data, "x") == "Caf\u00e9 \u6df1\u5ea6"


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b" \n\t ", "empty file"),
    (b"text\x00more", "binary file"),
    (b"caf\xe9 \x81\x8d", "not valid UTF-8 (byte 0xe9 at offset 3)"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "invalid UTF-16"),
])
def test_decode_refuses_with_a_reason(data, reason):
    with pytest.raises(ReadError) as info:
        decode(data, "some/file.txt")
    assert info.value.source == "some/file.txt"
    assert reason in info.value.reason
    assert str(info.value).startswith("some/file.txt: ")
    assert "\n" not in str(info.value)


# -- readers ---------------------------------------------------------------------------------------------
def test_text_reader_takes_headline_and_dateline(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Nvidia Ships Blackwell\n\nMonday, February 3, 2025\n\nNvidia said it shipped Blackwell.\n")
    [art] = read([f])
    assert isinstance(art, Article)
    assert art.title == "Nvidia Ships Blackwell"
    assert art.published == "2025-02-03"
    assert art.source == str(f)
    assert art.text.startswith("Nvidia Ships Blackwell\n\nMonday, February 3, 2025\n\n")  # stays in the text


def test_text_reader_without_headline(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Nvidia said it shipped Blackwell. Intel said nothing.\n")
    [art] = read([f])
    assert art.title is None and art.published is None


def test_markdown_reader_strips_syntax(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("# Mistral Raises Money\n\nMistral AI, led by [Arthur Mensch](https://example.com/am), "
                 "raised **money** from *ASML*. ![logo](logo.png)\n\n- first point\n- second point\n\n"
                 "```\ncode block\n```\n<!-- hidden -->\n> quoted `inline` text\n")
    [art] = read([f])
    assert art.title == "Mistral Raises Money"
    assert "Mistral AI, led by Arthur Mensch, raised money from ASML." in art.text
    for junk in ("](", "https://example.com", "**", "logo", "```", "code block", "hidden", "<!--", "`", "> ", "- first"):
        assert junk not in art.text, junk
    assert "first point\nsecond point" in art.text
    assert "quoted inline text" in art.text


def test_markdown_title_has_no_link_syntax(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("# [DeepSeek](https://example.com/ds) releases *R1*\n\nDeepSeek released R1 in January.\n")
    [art] = read([f])
    assert art.title == "DeepSeek releases R1"


def test_markdown_heading_stays_its_own_paragraph(tmp_path):
    """The same article as Markdown and as plain text gives the same cleaned text: a heading is
    a block of its own, separated from the next paragraph by a blank line."""
    (tmp_path / "a.md").write_text("# DeepSeek Releases R1\n\nDeepSeek released R1.\n\n## Background\n\n"
                                   "Liang Wenfeng founded DeepSeek.\n")
    (tmp_path / "b.txt").write_text("DeepSeek Releases R1\n\nDeepSeek released R1.\n\nBackground\n\n"
                                    "Liang Wenfeng founded DeepSeek.\n")
    md, txt = read([tmp_path / "a.md", tmp_path / "b.txt"])
    assert md.text == txt.text


def test_markdown_to_text_first_heading_is_title():
    text, title = markdown_to_text("Intro line\n\n## Second Level Heading ##\n\n# Later Top Heading\n")
    assert title == "Second Level Heading"
    assert "#" not in text


def test_same_text_same_id(tmp_path):
    (tmp_path / "a.txt").write_text("Jensen Huang founded Nvidia.\n\nIt makes chips.\n")
    (tmp_path / "b.txt").write_text("Jensen Huang   founded Nvidia.\r\n\r\nIt makes chips.")
    (tmp_path / "c.txt").write_text("Jensen Huang founded Nvidia.\n\nIt makes GPUs.\n")
    a, b, c = read(sorted(tmp_path.iterdir()))
    assert a.id == b.id != c.id
    assert (a.source, b.source) == (str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))


def test_folders_are_walked_for_text_and_markdown_only(tmp_path):
    files = {
        "top.txt": True, "notes.md": True, "upper.TXT": True, "doc.markdown": True,
        "sub/deeper/inner.txt": True, "sub/readme.md": True,
        "data.json": False, "image.png": False, "script.py": False, "noext": False,
        ".hidden.txt": False, ".git/objects/x.txt": False, "sub/.cache/y.md": False,
    }
    for rel in files:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("Jensen Huang founded Nvidia.")
    found = list(expand([tmp_path]))
    assert found == sorted(found)
    assert {p.relative_to(tmp_path).as_posix() for p in found} == {r for r, keep in files.items() if keep}


def test_a_file_named_directly_is_read_whatever_its_suffix(tmp_path):
    f = tmp_path / "article.text.bak"
    f.write_text("Jensen Huang founded Nvidia.")
    [art] = read([f])
    assert art.text == "Jensen Huang founded Nvidia."


def test_read_yields_errors_and_continues(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_text("Jensen Huang founded Nvidia.")
    (tmp_path / "c.md").write_bytes(b"\x00\x00")
    (tmp_path / "d.md").write_text("# Only A Heading\n")
    items = list(read([tmp_path, tmp_path / "missing.txt"]))
    kinds = [(type(i).__name__, getattr(i, "source", None)) for i in items]
    assert kinds == [("ReadError", str(tmp_path / "a.txt")), ("Article", str(tmp_path / "b.txt")),
                     ("ReadError", str(tmp_path / "c.md")), ("Article", str(tmp_path / "d.md")),
                     ("ReadError", str(tmp_path / "missing.txt"))]


def test_markdown_with_nothing_left_is_an_error(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("![only an image](x.png)\n<!-- and a comment -->\n")
    [err] = read([f])
    assert isinstance(err, ReadError)
    assert "no text" in err.reason


def test_size_cap_boundary(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"x" * 100)
    [ok] = read([f], ReadOptions(max_bytes=100))
    [err] = read([f], ReadOptions(max_bytes=99))
    assert isinstance(ok, Article)
    assert isinstance(err, ReadError) and "over the size cap of 99" in err.reason
    assert ReadOptions().max_bytes == DEFAULT_MAX_BYTES


def test_forcing_a_reader(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("# Heading Here\n\nSee [the site](https://example.com).\n")
    [plain] = read([f])
    [md] = read([f], ReadOptions(reader="markdown"))
    assert "](" in plain.text
    assert md.title == "Heading Here" and "See the site." in md.text
    with pytest.raises(PluginNotFound, match="markdown, text"):
        list(read([f], ReadOptions(reader="pdf")))


@pytest.mark.parametrize("line, iso", [
    ("Feb. 3, 2025", "2025-02-03"),
    ("Sept. 9, 2025", "2025-09-09"),
    ("Tuesday, Jan 7, 2025", "2025-01-07"),
    ("February 30, 2025", None),        # not a date
    ("Febuary 3, 2025", None),          # not a month
])
def test_abbreviated_datelines(line, iso):
    from ingest.readers import parse_date_line

    assert parse_date_line(line) == iso
