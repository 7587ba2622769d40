"""The book's figure rules for the figure tests: the very checks every notebook kernel runs.

The rules live in one place, the IPython startup file tests/ipython/profile_default/startup/
00-figure-rules.py (it checks each figure a notebook shows, so it cannot import convkit); this module
loads it and holds a figure made in a test to it, with the PNG a notebook would store.
"""
import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

STARTUP_FILE = Path(__file__).resolve().parents[1] / "ipython" / "profile_default" / "startup" / "00-figure-rules.py"
_spec = importlib.util.spec_from_file_location("figure_rules_startup", STARTUP_FILE)
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)  # outside IPython it only defines the rules


def png_width(fig):
    """Width in pixels of the PNG a notebook stores for ``fig`` (the inline backend's own print_figure)."""
    from IPython.core.pylabtools import print_figure

    return rules.png_width(print_figure(fig, "png", base64=True))


def assert_figure_rules(fig):
    """Every rule: no wider than a phone's column, no text below the minimum, nothing cut off."""
    found = rules.problems(fig, png_width(fig))
    assert not found, "\n".join(found)


def rules_test(figures):
    """A test that holds every figure of ``figures`` (name -> a call that draws it) to the rules."""
    @pytest.mark.parametrize("name", figures)
    def test_the_figure_rules(name):
        fig = figures[name]()
        try:
            assert_figure_rules(fig)
        finally:
            plt.close(fig)

    return test_the_figure_rules
