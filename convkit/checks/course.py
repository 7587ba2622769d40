"""nbgrader's side of a course: the points of every exercise, from one table.

``points.csv`` (next to this file) gives each exercise's graded cell (its ``grade_id``), name and
points. :class:`PointsFromTable`, listed first among ``generate_assignment``'s preprocessors by the
``nbgrader_config.py`` of ``book/instructors.md``, writes those points into the check cells of the
assignment it generates, so that changing a number in the table and running
``nbgrader generate_assignment <chapter> --force`` changes what the chapter is worth. The book's tests
read the same table. Importing this module imports nbgrader (only the course's configuration does).
"""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["TABLE", "PointsFromTable", "read_points"]

#: The table of points: exercise, grade_id, name, points.
TABLE = Path(__file__).with_name("points.csv")


def read_points(table=TABLE):
    """{grade_id: points} from ``table``."""
    with open(table, newline="", encoding="utf-8") as f:
        return {row["grade_id"]: float(row["points"]) if "." in row["points"] else int(row["points"])
                for row in csv.DictReader(f)}


class PointsFromTable(NbGraderPreprocessor):
    """Set each graded cell's ``points`` from the table (by its ``grade_id``); a cell not in it is an error."""

    table = Unicode(str(TABLE), help="The CSV table of points (columns exercise, grade_id, name, points).").tag(
        config=True)

    def preprocess(self, nb, resources):
        points = read_points(self.table)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                if meta.get("grade_id") not in points:
                    raise ValueError(f"{self.table} gives no points for the graded cell {meta.get('grade_id')!r}")
                meta["points"] = points[meta["grade_id"]]
        return nb, resources
