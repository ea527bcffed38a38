# The two Quick-start commands (README): `make serve` and `make test`.
# Both bootstrap what they need on a fresh machine: a virtualenv in .venv with the
# pinned dependencies, and (for the browser tests) Debian's Chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: serve test lint browser snapshot clean docs bench audit

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

test: $(STAMP) browser audit spark
	$(BIN)/ruff check .
	$(BIN)/pytest

# pip-audit over the installed dependencies of .venv (the project itself skipped), through PyPI's
# per-release JSON API (its vulnerability data comes from OSV). Known vulnerabilities fail the build.
# When the service answers for none of them (offline, or a mirror without that API) it says so loudly:
# NOT AUDITED; AUDIT_STRICT=1 turns that into a failure as well.
AUDIT_JSON := $(VENV)/pip-audit.json
audit: $(STAMP)
	@$(BIN)/pip-audit --local --skip-editable --progress-spinner off --desc on -f json -o $(AUDIT_JSON) || { \
	  $(BIN)/pip-audit --local --skip-editable --progress-spinner off --desc off; \
	  echo "audit: FAILED (above): a dependency with a known vulnerability (raise its bound in pyproject.toml)," \
	    "or pip-audit could not reach its service"; exit 1; }
	@$(BIN)/python -c 'import json, sys; deps = json.load(open("$(AUDIT_JSON)"))["dependencies"]; \
	  n = sum("skip_reason" not in d for d in deps); \
	  print(f"audit: {n} of {len(deps)} installed dependencies checked: no known vulnerabilities") if n else \
	  print(f"audit: NOT AUDITED: the vulnerability service (PyPI JSON API) answered for none of the {len(deps)} " \
	  "dependencies (offline, or a mirror without it); run make audit where pypi.org is reachable", file=sys.stderr); \
	  sys.exit(1 if not n and "$(AUDIT_STRICT)" == "1" else 0)'

# PySpark (tests/test_spark.py: the indicator engine on Spark in local mode) goes into its own directory,
# never .venv's site-packages: importable there, it would make pandera import pyspark.pandas on every
# start of the app. Used with PYTHONPATH=$(SPARK_LIB).
SPARK_LIB := $(VENV)/spark-lib
spark: $(STAMP)
	@test -f $(SPARK_LIB)/pyspark/__init__.py || $(BIN)/pip install --quiet --target $(SPARK_LIB) "pyspark>=4.3,<5"

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
