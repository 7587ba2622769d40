# The README's two commands: `make book` and `make test`. Each sets up what it needs.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: book test unit bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

## Build the book into book/_build/html (executes every notebook).
book: $(STAMP)
	$(PY) -m pytest --version >/dev/null
	.venv/bin/jupyter-book build book -W -n --keep-going

## Unit tests, notebooks (nbval) and browser checks of the built book.
test: $(STAMP)
	$(PY) -m pytest

## Only the convkit unit tests (fast).
unit: $(STAMP)
	$(PY) -m pytest tests

## Speed table: every method, the GEMM floor and PyTorch.
bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf book/_build .venv
