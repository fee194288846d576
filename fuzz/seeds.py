"""Seed corpora for the fuzz harnesses, from small inputs written for this purpose.

    python fuzz/seeds.py DIR     # writes DIR/readers/* and DIR/query/* (and makes DIR/crashes)

Each seed is one file named by the SHA-1 of its bytes, as libFuzzer names corpus files, so
running this again adds nothing twice. tests/test_fuzz.py calls write_seeds() the same way.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

STORY = ("Quill Labs Raises Money\n\nMonday, March 3, 2025\n\nQuill Labs was founded in 2022 by Ada Quill. "
         "The Oslo-based lab develops the Quillet models.\n\nBorealis Fund invested $40 million in Quill Labs.\n")

READER_SEEDS = [
    STORY.encode(),
    STORY.encode("utf-16"),
    STORY.encode("cp1252").replace(b"'", b"\x92"),
    b"\xef\xbb\xbf" + STORY.encode(),
    (b"# Inside Quill Labs\n\nQuill Labs, led by [Ada Quill](https://example.com/ada), develops the "
     b"*Quillet* models.\n\n- Borealis Fund backs it.\n"),
    (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Quill Labs raises money</title>"
     b"<link rel=\"canonical\" href=\"https://example.com/news/quill?utm_source=x\">"
     b"<meta name=\"author\" content=\"A. Writer\"></head><body><nav>Home | News</nav><article><h1>Quill Labs "
     b"raises money</h1><p>Quill Labs was founded in 2022 by Ada Quill in Oslo.</p><p>Borealis Fund invested "
     b"$40 million in Quill Labs, the lab said on Monday.</p></article></body></html>"),
    (b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Lab News</title>"
     b"<link>https://example.com/</link><item><title>Quill Labs raises money</title><link>/news/quill</link>"
     b"<description>&lt;p&gt;Borealis Fund invested in Quill Labs.&lt;/p&gt;</description>"
     b"<pubDate>Mon, 03 Mar 2025 09:30:00 GMT</pubDate></item></channel></rss>"),
    (b"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Lab News</title><entry>"
     b"<title>Quillet ships</title><link href=\"https://example.com/q\"/><updated>2025-03-03T09:30:00Z</updated>"
     b"<content type=\"html\">Quill Labs develops the Quillet models.</content></entry></feed>"),
    b'<?xml version="1.0"?><rss><channel><item><title>Cut off',
    "\n".join(json.dumps(r) for r in (
        {"text": "Ada Quill founded Quill Labs.", "title": "Quill", "url": "https://example.com/a",
         "published": "2025-03-03"},
        {"content": "Borealis Fund backs Quill Labs.", "date": 1741000000},
        [1, 2], "text")).encode() + b"\n{\"text\": ",
    json.dumps([{"text": "Quill Labs is based in Oslo."}], indent=1).encode(),
    b"text,title,url,date\n\"Ada Quill founded Quill Labs.\",Quill,https://example.com/b,2025-03-03\n"
    b"\"unclosed,x\n",
    b"title;text\nQuill;Borealis Fund backs Quill Labs.\nonly one field\n",
    b"text\ttitle\nQuill Labs develops Quillet.\tQ\n",
]

QUERY_SEEDS = [
    b"G\0\0SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5",
    b"Gapplication/sparql-results+xml\0\0ASK { ?s kg:founded ?o }",
    b"Gtext/csv\0csv\0SELECT ?n WHERE { ?e rdfs:label ?n } ORDER BY ?n",
    b"Gtext/turtle;q=0.9, */*;q=0.1\0\0CONSTRUCT WHERE { ?s kg:funds ?o }",
    b"P\0nt\0DESCRIBE <https://w3id.org/aikg/id/org/quill-labs>",
    b"P\0\0SELECT * FROM <https://w3id.org/aikg/article/a1> WHERE { ?s ?p ?o }",
    b"F\0json\0SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    b"F\0rdfxml\0PREFIX ex: <http://example.org/> CONSTRUCT { ?s ex:x ?o } WHERE { ?s ?p ?o }",
    b"G\0\0INSERT DATA { <a:b> <a:c> <a:d> }",
    b"G\0\0SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    b"P\0tsv\0SELECT ?e WHERE { ?e a kg:AILab FILTER REGEX(?e, \"(\") }",
    b"RGET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"RGET /query HTTP/1.1\r\n\r\nPOST /sparql HTTP/1.1\r\nContent-Type: application/sparql-update\r\n"
    b"Content-Length: 9\r\n\r\nCLEAR ALL",
    b"RPOST /sparql?format=ttl HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; charset=latin-1\r\n"
    b"Content-Length: 35\r\n\r\nquery=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D",
    b"RDELETE /sparql HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"ROPTIONS /sparql HTTP/1.1\r\nAccess-Control-Request-Private-Network: true\r\n\r\n",
]


def write_seeds(folder: Path, seeds: list[bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for data in seeds:
        path = folder / hashlib.sha1(data).hexdigest()
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = Path(argv[0])
    write_seeds(root / "readers", READER_SEEDS)
    write_seeds(root / "query", QUERY_SEEDS)
    (root / "crashes").mkdir(parents=True, exist_ok=True)
    print(f"seeds in {root / 'readers'} and {root / 'query'}; crashes go to {root / 'crashes'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
