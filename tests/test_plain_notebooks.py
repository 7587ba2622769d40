"""The chapters' plain edition, ``notebooks-plain/``: what a reader opens in Colab or JupyterLab.

The launch buttons (Binder, Colab) and the download of the full edition open it (book/_ext/edition.py),
because those render plain Markdown, not MyST. Three things are checked:

* it is up to date: ``make plain-notebooks`` (``python -m convkit.assign --with-solutions``) run again
  from ``notebooks/`` into a temporary folder writes the same files, byte for byte, twice over;
* rendered as Colab or GitHub render a notebook (nbconvert's HTML exporter: CommonMark, no MyST), its
  text holds no directive, role or directive option (:data:`convkit.myst_markdown.MYST_SYNTAX`), and no
  line of a solution shows outside a ``<details>`` fold, while each is inside one;
* in the built site (book/_build/html, which ``make test`` builds first), each chapter's Binder and Colab
  buttons open its plain notebook, and its download is that notebook.
"""
from __future__ import annotations

import filecmp
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from convkit.assign import main as assign
from convkit.myst_markdown import MYST_SYNTAX

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLAIN = ROOT / "notebooks-plain"
SITE = ROOT / "book" / "_build" / "html"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
LAUNCH_HOSTS = ("mybinder.org", "colab.research.google.com")
REGENERATE = "run `make plain-notebooks` and commit notebooks-plain/"


def regenerate(dest: Path) -> list[Path]:
    """What ``make plain-notebooks`` writes, written into ``dest``."""
    assert assign(["--with-solutions", str(ROOT / "notebooks"), str(dest)]) == 0
    return sorted(dest.glob("*.ipynb"))


def differences(ours: Path, theirs: Path) -> list[str]:
    """The names of the notebooks that differ between two folders, or are in only one of them."""
    names = {p.name for p in ours.glob("*.ipynb")} | {p.name for p in theirs.glob("*.ipynb")}
    return sorted(name for name in names if not ((ours / name).is_file() and (theirs / name).is_file()
                                                  and filecmp.cmp(ours / name, theirs / name, shallow=False)))


def test_the_committed_edition_is_up_to_date_and_deterministic(tmp_path):
    first, second = regenerate(tmp_path / "first"), regenerate(tmp_path / "second")
    assert [p.name for p in first] == [p.name for p in CHAPTERS]
    assert not differences(tmp_path / "first", tmp_path / "second"), "two runs of the converter differ"
    stale = differences(PLAIN, tmp_path / "first")
    assert not stale, f"notebooks-plain/ is out of date with notebooks/ ({', '.join(stale)}): {REGENERATE}"


# --- as Colab shows it ----------------------------------------------------------------------------

def rendered(path: Path) -> BeautifulSoup:
    """The notebook as plain-Markdown renderers show it: nbconvert's HTML, MyST unknown to it."""
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nbformat.read(path, as_version=4))
    soup = BeautifulSoup(body, "html.parser")
    for node in soup.find_all(["script", "style"]):  # not shown; widget state and styles
        node.decompose()
    for code in soup.find_all("code"):  # a role shows as {cite}<code>key</code>: back to {cite}`key`
        if code.find_parent("pre") is None:
            code.replace_with(f"`{code.get_text()}`")
    return soup


def solution_lines(chapter: Path) -> set[str]:
    """The solutions' lines of a chapter (stripped, 20 characters or more: shorter ones such as
    ``return out`` are everywhere), less any line the chapter shows outside its solutions as well."""
    inside, outside = set(), set()
    for cell in nbformat.read(chapter, as_version=4).cells:
        within = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in (BEGIN, END):
                within = stripped == BEGIN
            elif len(stripped) >= 20:
                (inside if within and cell.cell_type == "code" else outside).add(stripped)
    return inside - outside


def myst_left(text: str) -> list[str]:
    """Each line of ``text`` where MyST syntax is left."""
    return [line.strip() for line in text.splitlines() if MYST_SYNTAX.search(line)]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_colab_shows_no_myst_and_no_unfolded_solution(chapter):
    plain = PLAIN / chapter.name
    assert plain.is_file(), f"no {plain.relative_to(ROOT)}: {REGENERATE}"
    soup = rendered(plain)
    assert not myst_left(soup.get_text()), f"{plain.name}, rendered: MyST left {myst_left(soup.get_text())}"
    markdown = "\n".join(c.source for c in nbformat.read(plain, as_version=4).cells if c.cell_type == "markdown")
    assert not myst_left(markdown), f"{plain.name}, Markdown source: MyST left {myst_left(markdown)}"
    lines = solution_lines(chapter)
    assert len(lines) >= 3, f"{chapter.name}: fewer solution lines than exercises: is the scan broken?"
    folds = soup.find_all("details")
    folded = "\n".join(fold.get_text() for fold in folds)
    for fold in folds:
        fold.decompose()
    shown = soup.get_text()
    assert not [line for line in lines if line in shown], f"{plain.name}: solution lines outside a <details> fold"
    assert not [line for line in lines if line not in folded], f"{plain.name}: solution lines missing from the folds"


# --- the built site's buttons ---------------------------------------------------------------------

def links(page: Path) -> list[str]:
    return [a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("a", href=True)]


@pytest.mark.skipif(not (SITE / "notebooks").is_dir(),
                    reason="book/_build/html is absent: build the book first (`make book`; `make test` does)")
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_the_book_launches_and_downloads_the_plain_edition(chapter):
    page = SITE / "notebooks" / f"{chapter.stem}.html"
    assert page.is_file(), f"{page} missing: a chapter not in book/_toc.yml, or the build is stale"
    hrefs = links(page)
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    repository, launch = config["repository"], config["launch_buttons"]
    launches = [h for h in hrefs if any(host in h for host in LAUNCH_HOSTS)]
    if repository["url"]:  # launch_guard.py drops the buttons without one
        org_repo, branch = repository["url"].rstrip("/").split("github.com/")[-1], repository["branch"]
        ui = {"jupyterlab": "lab/tree", "classic": "tree"}[launch["notebook_interface"]]
        ours = f"notebooks-plain/{chapter.name}"
        assert sorted(launches) == sorted([
            f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{org_repo}/{branch}?urlpath={ui}/{ours}",
            f"{launch['colab_url'].rstrip('/')}/github/{org_repo}/blob/{branch}/{ours}"]), launches
    else:
        assert not launches, f"{page.name}: launch buttons without a repository"
    downloads = [h for h in hrefs if h.endswith(f"_sources/notebooks/{chapter.name}")]
    assert downloads, f"{page.name}: no download button for the notebook"
    served = SITE / "_sources" / "notebooks" / chapter.name
    assert served.read_bytes() == (PLAIN / chapter.name).read_bytes(), \
        (f"{served.relative_to(ROOT)} is not notebooks-plain/{chapter.name}: the download is not the plain edition, "
         "or the book was built before notebooks-plain/ last changed (build it again)")
