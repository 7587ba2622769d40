"""Every chapter's figures keep the book's figure rules (tests/figure_rules.py).

Each chapter's figure tests list the calls their chapter makes (``FIGURES``); this file holds all of
them to the same rules, so a new chapter's figures need only be added to ``CHAPTERS``.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import test_backward_figures  # noqa: E402
import test_channel_figures  # noqa: E402
import test_dilation_figures  # noqa: E402
import test_figures  # noqa: E402
import test_speed_figures  # noqa: E402
from figure_rules import assert_fits_a_phone, assert_legible, assert_nothing_cut_off  # noqa: E402

CHAPTERS = {"1-5": test_figures.PHONE_FIGURES, "6": test_channel_figures.FIGURES,
            "7": test_backward_figures.FIGURES, "8": test_dilation_figures.FIGURES, "10": test_speed_figures.FIGURES}
PHONE = {f"ch {ch}: {name}": make for ch, figures in CHAPTERS.items() for name, make in figures.items()}
# Legible only wider than a phone: the book lets them scroll sideways there (test_figures checks the desk).
WIDE = {f"ch 5: {name}": make for name, make in test_figures.WIDE_FIGURES.items()}
ALL = {**PHONE, **WIDE}


@pytest.fixture(params=ALL, ids=list(ALL))
def fig(request):
    f = ALL[request.param]()
    yield f
    plt.close(f)


def test_no_text_below_the_minimum(fig):
    assert_legible(fig)


def test_nothing_is_cut_off_at_an_edge(fig):
    assert_nothing_cut_off(fig)


@pytest.mark.parametrize("name", PHONE)
def test_fits_a_phone_at_its_own_size(name):
    f = PHONE[name]()
    assert_fits_a_phone(f)
    plt.close(f)
