"""A short run of each fuzz harness (fuzz/readers.py, fuzz/query.py) as part of the suite:
a fixed number of runs from a fixed libFuzzer seed, starting from a seed corpus written at
run time (fuzz/seeds.py and the suite's own articles, tests/conftest.py CORPUS). Each must
exit 0 and leave no crash, timeout or out-of-memory file. Longer runs: `make fuzz`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

atheris = pytest.importorskip("atheris", reason="atheris has no wheel for this Python (pyproject.toml)")

sys.path.insert(0, str(ROOT / "fuzz"))
from seeds import QUERY_SEEDS, READER_SEEDS, write_seeds  # noqa: E402

RUNS = {"readers": 2500, "query": 12000}  # about ten seconds each on a 2-core machine


def own_reader_seeds() -> list[bytes]:
    """The suite's own articles, as each kind of source."""
    seeds = []
    for name, text in CORPUS.items():
        seeds.append(text.encode())
        body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        seeds.append(f"<html><head><title>{name}</title></head><body><article>{body}</article></body></html>".encode())
        seeds.append(json.dumps({"text": text, "title": name}).encode() + b"\n")
        seeds.append(b"text,title\n" + json.dumps(text).encode() + b"," + name.encode() + b"\n")
    return seeds


def run_harness(name: str, seeds: list[bytes], tmp_path: Path) -> subprocess.CompletedProcess:
    corpus = tmp_path / "corpus"
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    write_seeds(corpus, seeds)
    cmd = [sys.executable, str(ROOT / "fuzz" / f"{name}.py"), f"-runs={RUNS[name]}", "-seed=1",
           "-max_len=4096", "-timeout=60", "-rss_limit_mb=4096", f"-artifact_prefix={artifacts}/", str(corpus)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    leftovers = sorted(p.name for p in artifacts.iterdir())
    assert result.returncode == 0 and leftovers == [], (leftovers, result.stdout[-4000:], result.stderr[-4000:])
    assert f"Done {RUNS[name]} runs" in result.stderr, result.stderr[-2000:]
    return result


def test_readers_harness_finds_nothing(tmp_path):
    run_harness("readers", READER_SEEDS + own_reader_seeds(), tmp_path)


def test_query_harness_finds_nothing(tmp_path):
    queries = [b"G\0\0" + q.encode() for q in (
        "SELECT ?who WHERE { ?who kg:founded ?lab }", "ASK { ?x kg:develops ?m }")]
    run_harness("query", QUERY_SEEDS + queries, tmp_path)


def test_a_crash_is_caught_and_saved(tmp_path):
    """The harness machinery itself: an input that breaks a check is saved as a crash file
    and the run fails (so the two tests above can fail)."""
    script = tmp_path / "boom.py"
    script.write_text(
        "import sys, atheris\n"
        "def TestOneInput(data):\n"
        "    if data.startswith(b'boom'):\n"
        "        raise AssertionError('found it')\n"
        "atheris.Setup(sys.argv, TestOneInput)\n"
        "atheris.Fuzz()\n")
    write_seeds(tmp_path / "corpus", [b"boom"])
    (tmp_path / "artifacts").mkdir()
    result = subprocess.run([sys.executable, str(script), "-runs=10", "-seed=1",
                             f"-artifact_prefix={tmp_path / 'artifacts'}/", str(tmp_path / "corpus")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "AssertionError: found it" in result.stdout + result.stderr  # atheris prints it on stdout
    [crash] = (tmp_path / "artifacts").iterdir()
    assert crash.name.startswith("crash-") and crash.read_bytes() == b"boom"
