"""Names vulture cannot see used, because another program calls or reads them (tests/test_package_rules.py)."""
from convkit import assign, errors, widgets

errors.ConvArgumentError._repr_pretty_  # IPython's plain-text display protocol calls it
errors.ConvArgumentError._repr_pretty_.cycle  # the protocol's signature: (self, p, cycle)
assign.student_version.cell.execution_count  # an nbformat field, written for Jupyter to read
widgets.BackpropStepper.phase  # a traitlet synced to the widget's JavaScript front end (steppers.js)
