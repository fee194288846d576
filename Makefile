# Everyday targets; the README's two commands need only python3 (see bootstrap.py).
PY := .venv/bin/python

.PHONY: demo test lint eval fast bench bench-quick fuzz clean
demo:            ## ingest the samples, export explorer + Turtle, answer who founded what
	python3 bootstrap.py demo
test:            ## the whole test suite (what CI runs)
	python3 bootstrap.py test
fast:            ## tests without the slow ones
	python3 bootstrap.py test -m "not slow" -x -q
lint:            ## ruff
	.venv/bin/ruff check kg ingest exports tests bench fuzz bootstrap.py
bench:           ## benchmarks against the limits, side by side, with ratios (docs/performance.md)
	$(PY) bench/run.py
bench-quick:     ## the same, a short smoke run
	$(PY) bench/run.py --quick
FUZZ_TIME ?= 60
fuzz:            ## both fuzz harnesses, FUZZ_TIME seconds each; corpus and crashes in fuzz/corpus (fuzz/README.md)
	$(PY) fuzz/seeds.py fuzz/corpus
	$(PY) fuzz/readers.py -max_total_time=$(FUZZ_TIME) -artifact_prefix=fuzz/corpus/crashes/ fuzz/corpus/readers
	$(PY) fuzz/query.py -max_total_time=$(FUZZ_TIME) -artifact_prefix=fuzz/corpus/crashes/ fuzz/corpus/query
eval:            ## extraction quality on the dev set and the samples
	.venv/bin/kg eval ../shared/eval/dev
	.venv/bin/kg eval samples
clean:
	rm -rf kg-data demo-out .pytest_cache
