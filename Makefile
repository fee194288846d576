# Everyday targets; the README's two commands need only python3 (see bootstrap.py).
PY := .venv/bin/python

.PHONY: demo test lint eval fast clean
demo:            ## ingest the samples, export explorer + Turtle, answer who founded what
	python3 bootstrap.py demo
test:            ## the whole test suite (what CI runs)
	python3 bootstrap.py test
fast:            ## tests without the slow ones
	python3 bootstrap.py test -m "not slow" -x -q
lint:            ## ruff
	.venv/bin/ruff check kg ingest exports tests bootstrap.py
eval:            ## extraction quality on the dev set and the samples
	.venv/bin/kg eval ../shared/eval/dev
	.venv/bin/kg eval samples
clean:
	rm -rf kg-data demo-out .pytest_cache
