"""The first code cell of every chapter: install convkit where it is missing, then import it.

A reader who opens a chapter in Colab, or downloads one notebook, has no
convkit. The cell installs it from the book's repository, never by bare name
(``convkit`` on PyPI is an unrelated project), before numpy or matplotlib are
imported, and with the ``widgets`` extra that the chapters' widgets need. A chapter that
needs more names convkit's extras in its notebook metadata, ``{"convkit": {"extras":
["widgets", "train"]}}`` (Chapter 9: scikit-learn's digits and tqdm); the cell then
installs ``convkit[widgets,train]``.

The repository comes from one place, ``repository.url`` and ``repository.branch``
in ``book/_config.yml`` (the launch buttons use the same setting). Colab opens
the committed notebooks, so the URL is written into them by this script:

    python book/notebook_setup.py          # rewrite the set-up cell of every chapter
    python book/notebook_setup.py --check  # exit 1 if one is out of date (a test runs this)

The environment variable ``CONVKIT_PIP_SPEC`` (a pip URL such as
``git+file:///path/to/clone``) overrides the source when it is set.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "book" / "_config.yml"
NOTEBOOKS = ROOT / "notebooks"
TAG = "setup"

TEMPLATE = '''\
# Set-up: this chapter runs on convkit, the book's own package. Where it is missing (Colab, or a
# notebook downloaded alone), it is installed from the book's repository, never by its bare name:
# "convkit" on PyPI is another project. CONVKIT_PIP_SPEC, if set, names another source.
import importlib.util, os
if importlib.util.find_spec("convkit") is None:
    _source = os.environ.get("CONVKIT_PIP_SPEC", "{spec}")
    %pip install -q "convkit[{extras}] @ {{_source}}"
    importlib.invalidate_caches()
import convkit as ck
# Figures at twice their pixels (the same size on the page): sharp on a phone's or laptop's dense screen.
%config InlineBackend.figure_formats = ["retina"]'''


def pip_spec(config_path: Path = CONFIG) -> str:
    """``git+<repository.url>@<branch>`` from the book's configuration."""
    repo = yaml.safe_load(config_path.read_text(encoding="utf-8"))["repository"]
    url = (repo.get("url") or "").rstrip("/")
    if not url.startswith("https://"):
        raise SystemExit(f"{config_path}: repository.url must be the book's https git URL; got {url!r}")
    return f"git+{url}@{repo.get('branch') or 'main'}"


#: convkit's extras that every chapter's set-up cell installs.
DEFAULT_EXTRAS = ("widgets",)


def extras_of(nb) -> tuple[str, ...]:
    """The extras a chapter asks for in its metadata (``convkit.extras``), else :data:`DEFAULT_EXTRAS`."""
    extras = tuple(nb.metadata.get("convkit", {}).get("extras", DEFAULT_EXTRAS))
    if not extras or not all(isinstance(e, str) and e.isidentifier() for e in extras):
        raise ValueError(f"metadata convkit.extras must be a list of extra names; got {extras!r}")
    return extras


def setup_source(spec: str | None = None, extras=DEFAULT_EXTRAS) -> str:
    return TEMPLATE.format(spec=spec or pip_spec(), extras=",".join(extras))


def with_setup_cell(nb, source: str):
    """``nb`` with its first code cell replaced by (or, if it is not one, preceded by) the set-up cell."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if TAG in cell.metadata.get("tags", []):
            cell.source = source
        else:
            nb.cells.insert(i, nbformat.v4.new_code_cell(source, metadata={"tags": [TAG]}))
        return nb
    raise ValueError("a chapter without code cells")


def out_of_date(paths) -> list[Path]:
    spec = pip_spec()
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if first.source != setup_source(spec, extras_of(nb)) or TAG not in first.metadata.get("tags", []):
            stale.append(path)
    return stale


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only report chapters whose set-up cell is out of date")
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    stale = out_of_date(paths)
    if args.check:
        for path in stale:
            print(f"{path}: set-up cell out of date; run python book/notebook_setup.py")
        return 1 if stale else 0
    spec = pip_spec()
    for path in stale:
        nb = nbformat.read(path, as_version=4)
        nbformat.write(with_setup_cell(nb, setup_source(spec, extras_of(nb))), path)
        print(f"{path}: set-up cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
