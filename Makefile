# Everyday targets; the README's two commands need only python3 (see bootstrap.py).
PY := .venv/bin/python

.PHONY: demo test lint eval fast bench bench-quick clean
demo:            ## ingest the samples, export explorer + Turtle, answer who founded what
	python3 bootstrap.py demo
test:            ## the whole test suite (what CI runs)
	python3 bootstrap.py test
fast:            ## tests without the slow ones
	python3 bootstrap.py test -m "not slow" -x -q
lint:            ## ruff
	.venv/bin/ruff check kg ingest exports tests bench bootstrap.py
bench:           ## benchmarks against the limits, side by side, with ratios (docs/performance.md)
	$(PY) bench/run.py
bench-quick:     ## the same, a short smoke run
	$(PY) bench/run.py --quick
eval:            ## extraction quality on the dev set and the samples
	.venv/bin/kg eval ../shared/eval/dev
	.venv/bin/kg eval samples
clean:
	rm -rf kg-data demo-out .pytest_cache
