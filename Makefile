# The two Quick-start commands (README): `make serve` and `make test`.
# Both bootstrap what they need on a fresh machine: a virtualenv in .venv with the
# pinned dependencies, and (for the browser tests) Debian's Chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: serve test lint browser snapshot clean docs bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*; touch $@

serve: $(STAMP)
	$(BIN)/econsec serve

# Chromium (browser tests, image export) and a Java runtime (the Spark-in-local-mode test) come from
# Debian: never a downloaded browser or JDK build.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-liberation; }
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's Java runtime for Spark (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/pytest

snapshot: $(STAMP)
	$(BIN)/econsec snapshot build --from ../shared/data

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache test-artifacts

docs: $(STAMP)
	$(BIN)/python -m indicators.reference > docs/REFERENCE.md

# Benchmarks (not part of the tests): each writes its section of BENCHMARKS.md.
BENCHES ?= cold_start callbacks engine refresh export load
bench: $(STAMP) browser
	@for b in $(BENCHES); do echo "== benchmarks/$$b.py"; $(BIN)/python -m benchmarks.$$b || exit 1; done
