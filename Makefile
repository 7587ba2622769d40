# The README's two commands: `make book` and `make test`. Each sets up what it needs.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: book book-nosolutions pdf student test unit bench clean

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

# Debian's poppler-utils: pdfunite joins the PDF's pages; pdftotext and pdfimages read it back in tests.
PDFUNITE := /usr/bin/pdfunite
$(PDFUNITE):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null

## Build the book into book/_build/html (executes every notebook afresh; fails on any warning).
book: $(STAMP) $(ASSETS)
	rm -rf book/_build/.jupyter_cache
	.venv/bin/jupyter-book build book --all -W -n --keep-going

## The solutions-free edition, into book/_build_nosolutions/_build/html: no solution on its pages, in its
## search index or downloads (student versions), no launch buttons (book/_ext/edition.py).
## It reuses the notebooks the full build has just executed.
NOSOLUTIONS := BOOK_EDITION=nosolutions .venv/bin/jupyter-book build book --all -W -n --keep-going \
               --path-output book/_build_nosolutions
book-nosolutions: book
	$(NOSOLUTIONS)

## One PDF of the book, book/_build/pdf/book.pdf: Chromium prints the built pages (book/make_pdf.py).
pdf: book $(CHROMIUM) $(PDFUNITE)
	$(PY) book/make_pdf.py

## Student notebooks (solutions replaced by stubs) into student/.
student: $(STAMP)
	$(PY) -m convkit.assign notebooks student

## Unit tests, the notebooks (nbval, stored outputs), the built pages in Chromium, the nbgrader workflow,
## the solutions-free edition's files and the PDF.
## The edition and the PDF are built side by side (both only read the full build), then pytest runs.
test: book $(CHROMIUM) $(PDFUNITE)
	$(NOSOLUTIONS) > book/_build/nosolutions.log 2>&1 & edition=$$!; \
	  $(PY) book/make_pdf.py; pdf=$$?; \
	  wait $$edition || { tail -n 50 book/_build/nosolutions.log; exit 1; }; exit $$pdf
	$(PY) -m pytest -n 2 --dist loadfile --durations=20

## Only the convkit unit tests (fast).
unit: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/test_nbgrader_workflow.py --ignore=tests/test_edition_leaks.py \
	    --ignore=tests/test_pdf.py

## Speed table: every method, the GEMM floor and PyTorch.
bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf book/_build book/_build_nosolutions book/_assets/vendor .venv node_modules artifacts
