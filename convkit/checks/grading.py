"""The grader's run of a check: a fresh copy of convkit's checks, cases the release does not show.

A graded check cell's hidden block (between nbgrader's ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``, which ``nbgrader generate_assignment`` removes from the student's version and
``nbgrader autograde`` restores) loads this file by its path and calls :func:`grade`. Nothing here comes
from what the student's kernel already imported: the copy of convkit is read again from the installed
files, found on ``sys.path`` (not in ``sys.modules``), under a private name, so a student's cell that
replaced ``convkit.checks``, its functions or its entry in ``sys.modules`` changes nothing. This file
imports nothing from convkit itself, so that it can be loaded on its own.
"""
from __future__ import annotations

import csv
import importlib
import importlib.util
import itertools
import sys
from pathlib import Path

__all__ = ["cached_fresh_convkit", "fresh_convkit", "grade", "points"]

_COUNT = itertools.count()
_FRESH = {}


def package_dir(name="convkit"):
    """The folder of the installed package ``name``, from the import system's finders (``sys.meta_path``:
    the one for ``sys.path``, and those that editable installs add), never from ``sys.modules``."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        spec = find(name, None) if find is not None else None
        if spec is not None and spec.submodule_search_locations:
            return list(spec.submodule_search_locations)[0]
    raise ModuleNotFoundError(f"{name} is not installed where Python looks for packages", name=name)


def fresh_convkit(directory=None):
    """A new copy of the convkit package (and its ``checks``), read from its files.

    Parameters
    ----------
    directory : str or Path, optional
        The package's folder; by default the ``convkit`` that ``sys.path`` finds (``sys.modules`` is
        not consulted).

    Returns
    -------
    module
        The package, registered in ``sys.modules`` under a private name (``_convkit_graded_<n>``), so
        that its relative imports stay inside the copy.
    """
    if directory is None:
        directory = package_dir()
    directory = str(directory)
    name = f"_convkit_graded_{next(_COUNT)}"
    while name in sys.modules:
        name = f"_convkit_graded_{next(_COUNT)}"
    spec = importlib.util.spec_from_file_location(name, str(Path(directory) / "__init__.py"),
                                                  submodule_search_locations=[directory])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    importlib.import_module(f"{name}.checks")
    return package


def cached_fresh_convkit(directory):
    """:func:`fresh_convkit` of ``directory``, made once per process (the checks a notebook calls use it)."""
    directory = str(directory)
    if directory not in _FRESH:
        _FRESH[directory] = fresh_convkit(directory)
    return _FRESH[directory]


def points(directory=None):
    """{exercise ("1.3"): (points, grade_id, title)} from ``points.csv`` next to this file."""
    path = Path(directory or Path(__file__).parent) / "points.csv"
    with open(path, newline="", encoding="utf-8") as f:
        return {row["exercise"]: (int(row["points"]), row["grade_id"], row["name"])
                for row in csv.DictReader(f)}


def grade(exercise, check, *args, seed=0, **kwargs):
    """Run ``check`` (a ``convkit.checks`` name) on ``args`` in a fresh copy of convkit, as the grader does.

    Parameters
    ----------
    exercise : str
        The exercise ("1.3"), named with its points in the message.
    check : str
        The check's name in ``convkit.checks`` ("check_flip").
    *args, **kwargs
        The student's answer, and the check's other arguments.
    seed : int
        Shifts the seeds of the check's random cases: other cases than the released notebook shows.

    Returns
    -------
    None
        When the check is passed (the cell's visible call shows the "correct" message).

    Raises
    ------
    NotYetError
        The fresh copy's, its message led by "exercise 1.3 (3 points):".
    """
    package = fresh_convkit()
    base = package.checks.base
    value, _, _ = points(Path(base.__file__).parent).get(exercise, ("?", "", ""))
    try:
        with base._hidden_cases(seed):
            getattr(package.checks, check)(*args, **kwargs)
    except base.NotYetError as failed:
        message = f"exercise {exercise} ({value} point{'s' if value != 1 else ''}): {failed.message}"
        raise base.NotYetError(message) from None
    return None
