# Set-up and everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
export NO_MKDOCS_2_WARNING := 1
VENV := .venv
BIN := $(VENV)/bin
# Every install takes the exact versions of constraints.txt, the build backend's included.
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt

.PHONY: serve site check test screenshots benchmark benchmark-large clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip

$(VENV)/.site-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.site-installed

serve: $(VENV)/.site-installed  ## install, then serve the site at http://127.0.0.1:8000 with live reload
	$(BIN)/mkdocs serve --dirty  # a change rebuilds only what it changes (generator/plugin/live.py)

site: $(VENV)/.site-installed  ## install, then build the site into site/
	$(BIN)/mkdocs build --strict

check: $(VENV)/.site-installed  ## install, then check every prompt (BASE=origin/main: list the prompts changed since)
	$(BIN)/python -m generator check sources $(if $(BASE),--base $(BASE))

test: $(VENV)/.test-installed  ## install, then run every test (browser tests need /usr/bin/chromium)
	$(BIN)/python -m pytest -n auto --dist loadfile  # one worker per core, each test module on one

screenshots: $(VENV)/.test-installed  ## install, then make the README's and CONTRIBUTING's pictures in Chromium (docs/assets/screenshots/)
	$(BIN)/python tests/screenshots.py

QUESTIONS ?= recurring

benchmark: $(VENV)/.test-installed  ## install, then time the generator and the site at 1,000 and 10,000 prompts (~20 min; QUESTIONS=distinct: no question recurs)
	$(BIN)/python -m benchmarks.run --sizes 1000 10000 --browser --questions $(QUESTIONS) --out benchmarks/out/results-$(QUESTIONS).json

benchmark-large: $(VENV)/.test-installed  ## opt-in: the build, its memory, the site and search at 1,000, 10,000 and 100,000 prompts, both corpora (~1.5 h)
	for questions in recurring distinct; do \
	  $(BIN)/python -m benchmarks.run --sizes 1000 10000 100000 --build-only --build-repeat 1 --browser --clean \
	    --questions $$questions --out benchmarks/out/large-$$questions.json || exit 1; \
	done

clean:
	rm -rf site .cache $(VENV)
