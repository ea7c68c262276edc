# Storyline — the two commands: `make run` (demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DB ?= storyline.db
PORT ?= 8000

.PHONY: run test install lint typecheck train bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Ingest the bundled demo corpus into $(DB), group it into stories and print them; then serve the web UI
## and the REST API on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it).
run: $(STAMP)
	$(BIN)/storyline demo --db $(DB)
	$(BIN)/storyline serve --db $(DB) --port $(PORT)

## Install what the tests need and run the whole suite: ruff, then pytest.
test: $(STAMP) lint typecheck
	sh tests/install_chromium.sh
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check storyline tests bench

typecheck: $(STAMP)
	$(BIN)/mypy storyline

## Retrain the pair scorer (SemEval pairs) and the same-story model (ECB+, GVA) into storyline/models/.
train: $(STAMP)
	$(BIN)/python -m storyline.train
	$(BIN)/python -m storyline.train stories

## Benchmarks (long; not part of the suite; need ../shared). Results go to BENCHMARKS.md by hand.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/semeval.py
	$(BIN)/python bench/score_pairs.py
	$(BIN)/python bench/coverage.py
	$(BIN)/python bench/stories.py quality
	$(BIN)/python bench/stories.py throughput
	$(BIN)/python bench/index.py
	@echo "scale (slow, ~10 min): $(BIN)/python bench/stories.py scale"

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm .pytest_cache .ruff_cache .mypy_cache
