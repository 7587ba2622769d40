# The README's two commands: `make book` and `make test`. Each sets up what it needs, in .venv (no root).
PY      := .venv/bin/python
# Three installs, each a stamp: the book (requirements.txt); the editions and PDFs on top of it
# (requirements-print.txt: nbgrader for the student versions, playwright to print); the test tools
# (requirements-dev.txt: torch, hypothesis, ... only `make test`, `unit` and `bench` need them).
BOOK_STAMP  := .venv/.installed-book
PRINT_STAMP := .venv/.installed-print
STAMP       := .venv/.installed

.PHONY: book book-nosolutions course-edition serve-course plain-notebooks pdf pdf-student student \
        print-tools test unit bench clean

$(BOOK_STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $(BOOK_STAMP)

$(PRINT_STAMP): $(BOOK_STAMP) requirements-print.txt
	$(PY) -m pip install -q -r requirements-print.txt
	touch $(PRINT_STAMP)

$(STAMP): $(PRINT_STAMP) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Front-end files the book serves itself (MathJax, require.js, widget manager), pinned by package-lock.json.
ASSETS  := book/_assets/vendor/.copied
$(ASSETS): package.json package-lock.json book/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) book/vendor_assets.py
	touch $(ASSETS)

# Debian's chromium (the browser tests, the PDF; never a downloaded browser build) and poppler-utils
# (pdfunite joins the PDF's parts; pdfinfo, pdftotext and pdfimages read it). `make test` (CI, as root)
# installs them; `make pdf` only checks for them and says what to install.
CHROMIUM := /usr/bin/chromium
PDFUNITE := /usr/bin/pdfunite
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
$(PDFUNITE):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null

print-tools:
	@missing=""; test -x $(CHROMIUM) || missing="chromium"; \
	  for tool in pdfunite pdfinfo pdftotext; do command -v $$tool >/dev/null || missing="$$missing poppler-utils"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "Printing needs Debian's packages chromium and poppler-utils; missing here: $$(echo $$missing | tr ' ' '\n' | sort -u | xargs)."; \
	    echo "Install them once (as root, or ask your admin): sudo apt-get install chromium poppler-utils"; exit 1; fi

## Build the book into book/_build/html (executes every notebook afresh; fails on any warning).
book: $(BOOK_STAMP) $(ASSETS)
	rm -rf book/_build/.jupyter_cache
	.venv/bin/jupyter-book build book --all -W -n --keep-going

## The solutions-free edition, into book/_build_nosolutions/_build/html: no solution on its pages, in its
## search index or downloads (student versions), stubs where solutions were, no stored check results,
## no launch buttons (book/_ext/edition.py). It reuses the notebooks the full build has just executed.
NOSOLUTIONS := BOOK_EDITION=nosolutions .venv/bin/jupyter-book build book --all -W -n --keep-going \
               --path-output book/_build_nosolutions
book-nosolutions: book $(PRINT_STAMP)
	$(NOSOLUTIONS)

## A course's edition, into book/_build_course/_build/html: the solutions-free edition whose set-up cells
## install convkit from a wheel built from this checkout and served with the site (wheels/), not from
## the repository. COURSE_URL is where the site will be published: make course-edition COURSE_URL=https://...
COURSE_URL ?= http://127.0.0.1:8000
COURSE := rm -rf book/_build_course/dist && { $(PY) -c "import setuptools" 2>/dev/null && iso=--no-build-isolation; \
            $(PY) -m pip wheel -q --no-deps $$iso -w book/_build_course/dist . && rm -rf build; } && BOOK_EDITION=course COURSE_URL=$(COURSE_URL) \
            CONVKIT_WHEEL=$$(ls book/_build_course/dist/convkit-*.whl) .venv/bin/jupyter-book build book --all \
            -W -n --keep-going --path-output book/_build_course
course-edition: book $(PRINT_STAMP)
	$(COURSE)
## Serve it at COURSE_URL's default, http://127.0.0.1:8000 (any static host serves it the same way).
serve-course:
	$(PY) -m http.server 8000 --bind 127.0.0.1 -d book/_build_course/_build/html

## The PDFs: book/_build/pdf/book.pdf (with solutions) and book-student.pdf (without); Chromium prints
## the built pages (book/make_pdf.py).
pdf: book $(PRINT_STAMP) print-tools
	$(PY) book/make_pdf.py
pdf-student: book-nosolutions $(PRINT_STAMP) print-tools
	$(PY) book/make_pdf.py book/_build_nosolutions/_build/html book/_build/pdf/book-student.pdf

## Student notebooks (solutions replaced by stubs, plain Markdown) into student/; for an nbgrader course,
## `python -m convkit.assign --for-nbgrader notebooks source/NAME` instead.
student: $(PRINT_STAMP)
	$(PY) -m convkit.assign notebooks student

## The chapters in plain Markdown with each solution folded under a stub, stored outputs kept, into
## notebooks-plain/: committed, for readers in JupyterLab or Colab (the book's launch buttons and download
## open it). Run after any change to notebooks/; tests/test_plain_notebooks.py fails until it is run.
## Emptied first, so a chapter renamed or removed leaves no stale copy.
plain-notebooks: $(BOOK_STAMP)
	rm -rf notebooks-plain
	$(PY) -m convkit.assign --with-solutions notebooks notebooks-plain

## Unit tests, the notebooks (nbval, stored outputs), the built pages in Chromium, the nbgrader workflow,
## the three editions' files and both PDFs.
## The editions and PDFs are built two at a time (they only read the full build), then pytest runs.
# The test tools first: the book is then built with everything a reader may have (PyTorch's curve in
# Chapter 10 included), as before.
# Three pytest workers on two cores: much of the browser tests' time is waiting (pages loaded with the
# CPU throttled by DevTools, JupyterLab starting, nbgrader's kernels), which a third worker fills.
test: $(STAMP) book $(CHROMIUM) $(PDFUNITE)
	$(NOSOLUTIONS) > book/_build/nosolutions.log 2>&1 & edition=$$!; \
	  $(PY) book/make_pdf.py; pdf=$$?; \
	  wait $$edition || { tail -n 50 book/_build/nosolutions.log; exit 1; }; [ $$pdf = 0 ] || exit $$pdf
	$(COURSE) > book/_build/course.log 2>&1 & course=$$!; \
	  $(PY) book/make_pdf.py book/_build_nosolutions/_build/html book/_build/pdf/book-student.pdf; pdf=$$?; \
	  wait $$course || { tail -n 50 book/_build/course.log; exit 1; }; exit $$pdf
	$(PY) -m pytest -n 3 --dist loadfile --durations=20

## Only the convkit unit tests (fast).
unit: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/test_nbgrader_workflow.py --ignore=tests/test_edition_leaks.py \
	    --ignore=tests/test_pdf.py

## Speed table: every method, the GEMM floor and PyTorch.
bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf book/_build book/_build_nosolutions book/_build_course book/_assets/vendor .venv node_modules artifacts
