"""Names vulture cannot see used, because another program calls or reads them (tests/test_package_rules.py)."""
from convkit import assign, errors, widgets
from convkit.checks import course

errors.ConvArgumentError._repr_pretty_  # IPython's plain-text display protocol calls it
errors.ConvArgumentError._repr_pretty_.cycle  # the protocol's signature: (self, p, cycle)
assign.student_version.cell.execution_count  # an nbformat field, written for Jupyter to read
widgets.BackpropStepper.phase  # a traitlet synced to the widget's JavaScript front end (steppers.js)
course._MathMLRenderer.inline_math  # mistune's renderer protocol: nbconvert's Markdown parser calls these three
course._MathMLRenderer.block_math
course._MathMLRenderer.latex_environment
course.MathMLFeedback._no_mathjax  # traitlets' @default("extra_loaders"): the exporter's Jinja loaders
