"""Check results and error messages in a notebook: the HTML form (what Jupyter, Colab and the book
show) says exactly what the plain text says, as prose that wraps, with arrays kept in columns, and a
mark that is legible in light and dark themes. (tests/browser/test_book_pages.py checks, in Chromium,
that no check result is wider than its box on a phone.)"""
from html.parser import HTMLParser

import numpy as np
import pytest

import convkit as ck
from convkit import checks
from convkit.messages import MARK_COLOURS


class Reader(HTMLParser):
    """What a screen reader gets from the HTML (aria-hidden left out, a block or <br> is a new line),
    and which of it sits in <pre> boxes (kept in columns, never wrapped)."""

    def __init__(self, markup):
        super().__init__()
        self.text, self.pres, self.open = "", [], []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.text += "\n"
            return
        if tag in ("div", "pre") and self.text:
            self.text += "\n"
        if tag == "pre":
            self.pres.append("")
        self.open.append((tag, ("aria-hidden", "true") in attrs))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()

    def handle_data(self, data):
        if any(hidden for _, hidden in self.open):
            return
        self.text += data
        if any(tag == "pre" for tag, _ in self.open):
            self.pres[-1] += data


def flipped_corr2d(x, k):
    """A wrong answer (the kernel flipped), in numpy: the check switches off convkit's own corr2d."""
    k = np.asarray(k)[::-1, ::-1]
    h, w = k.shape
    return np.array([[np.sum(x[i:i + h, j:j + w] * k) for j in range(x.shape[1] - w + 1)]
                     for i in range(x.shape[0] - h + 1)])


def result_of(make):
    """The CheckResult of a check: returned when passed, carried by the NotYetError it raises when not."""
    try:
        return make()
    except checks.NotYetError as failed:
        return failed.result


RESULTS = {
    "correct": lambda: checks.check_flip(lambda w: w[::-1, ::-1]),
    "correct, a name with <=": lambda: checks.CheckResult(
        True, "correct (F(2, 3) in <= 4 products): all 5 cases agree with convkit"),
    "stub": lambda: checks.check_corr2d(lambda x, k: (_ for _ in ()).throw(NotImplementedError())),
    "arrays and a hint": lambda: checks.check_corr2d(flipped_corr2d),
    "hand answer": lambda: checks.check_answer("2.1", (23, 27)),
}


@pytest.mark.parametrize("make", RESULTS.values(), ids=RESULTS)
def test_the_html_says_what_the_plain_text_says(make):
    result = result_of(make)
    read = Reader(result._repr_html_())
    assert read.text == result.message == repr(result)
    assert not read.open  # every tag closed


def test_arrays_keep_their_columns_and_sentences_wrap():
    result = result_of(lambda: checks.check_corr2d(flipped_corr2d))
    markup = result._repr_html_()
    read = Reader(markup)
    assert read.pres == ["[[37. 47.]\n [67. 77.]]", "[[23. 33.]\n [53. 63.]]"], read.pres
    assert "wrong values" in read.text and "Hint: you flipped" in read.text
    assert not any("wrong values" in p or "Hint" in p for p in read.pres)
    assert markup.startswith('<div class="convkit-message" style="white-space: normal; overflow-wrap: anywhere')
    assert "<pre" not in checks.check_flip(lambda w: w[::-1, ::-1])._repr_html_()  # a sentence only


def test_a_wrapped_row_of_a_long_array_stays_in_its_box():
    row = np.array2string(np.arange(40) / 7, precision=4, max_line_width=100)
    assert row.count("\n") >= 2  # numpy wrapped it: its later lines start with a space
    message = f"not yet (x): wrong values.\nexpected:\n{row}\nHint: h"
    read = Reader(checks.CheckResult(False, message)._repr_html_())
    assert read.pres == [row] and read.text == message


def luminance(colour):
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b):
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("passed, word", [(True, "correct"), (False, "not yet")])
def test_the_mark_reads_in_light_and_dark_themes(passed, word):
    fill = MARK_COLOURS[passed]
    result = checks.CheckResult(passed, f"{word} (kernel flip): all 3 cases agree with convkit")
    assert f"background: {fill}; color: #fff" in result._repr_html_()
    assert contrast("#ffffff", fill) >= 4.5  # the mark's white word on its fill (WCAG AA)
    # The fill against the page, as a shape (3:1): white, and the dark themes of the book
    # (pydata-sphinx-theme #14181e), JupyterLab (#111111), Colab (#1f1f1f, #202124) and VS Code (#1e1e1e).
    for page in ("#ffffff", "#14181e", "#111111", "#1f1f1f", "#202124", "#1e1e1e"):
        assert contrast(page, fill) >= 3, page


def test_an_argument_error_shows_as_prose():
    with pytest.raises(ck.ConvArgumentError) as info:
        ck.output_size(8, 3, stride=2, padding=0, dilation=2)
    read = Reader(info.value._repr_html_())
    assert read.text == f"ConvArgumentError: {info.value}" and not read.pres
    assert len(str(info.value)) > 300  # the long one Chapter 8 shows
    from IPython.lib.pretty import pretty
    assert pretty(info.value) == read.text  # IPython's plain text says the same
