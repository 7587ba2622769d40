# The README's two commands: `make book` and `make test`. Each sets up what it needs.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: book book-nosolutions student test unit bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Front-end files the book serves itself (MathJax, require.js, widget manager), pinned by package-lock.json.
ASSETS  := book/_assets/vendor/.copied
$(ASSETS): package.json package-lock.json book/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) book/vendor_assets.py
	touch $(ASSETS)

# Debian's chromium for the browser tests (never a downloaded browser build).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

## Build the book into book/_build/html (executes every notebook; fails on any warning).
book: $(STAMP) $(ASSETS)
	.venv/bin/jupyter-book build book --all -W -n --keep-going

## The solutions-free edition, into book/_build_nosolutions/_build/html.
book-nosolutions: $(STAMP) $(ASSETS)
	BOOK_EDITION=nosolutions .venv/bin/jupyter-book build book --all -W -n --keep-going --path-output book/_build_nosolutions

## Student notebooks (solutions replaced by stubs) into student/.
student: $(STAMP)
	$(PY) -m convkit.assign notebooks student

## Unit tests, the notebooks (nbval, stored outputs) and the built pages in Chromium.
test: book book-nosolutions $(CHROMIUM)
	$(PY) -m pytest

## Only the convkit unit tests (fast).
unit: $(STAMP)
	$(PY) -m pytest tests

## Speed table: every method, the GEMM floor and PyTorch.
bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf book/_build book/_build_nosolutions book/_assets/vendor .venv node_modules artifacts
