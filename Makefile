# Set-up and everyday jobs. Every target creates .venv (with seqgen installed) when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.seqgen-installed

.PHONY: demo test test-all pretrained bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

# The main job: train the default tabla model on the shipped corpus and print a Teentaal composition.
demo: $(STAMP)
	$(BIN)/seqgen train tabla corpora/teentaal.txt --out models/tabla --force
	$(BIN)/seqgen sample --taal teentaal --model models/tabla --cycles 4 --seed 1 --temperature 0.8

# The whole default test suite (slow real-training tests excluded; see test-all).
test: $(STAMP)
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q --run-slow

# Rebuild the small pretrained bundles shipped inside the package, reproducibly from the corpora.
pretrained: $(STAMP)
	$(BIN)/python scripts/make_pretrained.py

bench: $(STAMP)
	$(BIN)/python benchmarks/train_throughput.py
	test -f models/tabla/config.json || $(BIN)/seqgen train tabla corpora/teentaal.txt --out models/tabla --quiet
	$(BIN)/python benchmarks/sample_speed.py

clean:
	rm -rf $(VENV) models .pytest_cache
