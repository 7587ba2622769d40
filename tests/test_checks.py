"""The exercise checks: praise right answers, and give actionable feedback on wrong ones."""
import numpy as np
import pytest

import convkit as ck
from convkit import checks


def stub(*args):
    raise NotImplementedError()


def right_im2col(x, fh, fw, s):
    return ck.im2col(np.asarray(x)[None, None], fh, fw, s)


def right_col2im(cols, shape, fh, fw, s):
    return ck.col2im(cols, (1, 1, *shape), fh, fw, s)[0, 0]


RIGHT = {
    checks.check_output_size: ck.output_size,
    checks.check_corr2d: ck.corr2d,
    checks.check_conv1d_dx: lambda dout, x, w: ck.conv1d_backward(dout, x, w)[0],
    checks.check_im2col: right_im2col,
    checks.check_col2im: right_col2im,
}


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_right_answer_is_correct(check):
    result = check(RIGHT[check])
    assert result and repr(result).startswith("correct")


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_stub_is_not_yet_not_a_crash(check):
    result = check(stub)
    assert not result and "not yet" in repr(result) and "NotImplementedError" in repr(result)


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_a_raising_function_gets_a_message(check):
    def broken(*args):
        return {}["missing"]

    result = check(broken)
    assert not result and "your function raised KeyError" in repr(result)


def test_wrong_shape_and_wrong_type():
    assert "expected shape (2, 2), got shape (3,)" in repr(checks.check_corr2d(lambda x, k: np.zeros(3)))
    assert "expected an array of numbers, got dict" in repr(checks.check_corr2d(lambda x, k: {"a": 1}))


def test_hints_for_common_mistakes():
    flipped = checks.check_corr2d(lambda x, k: ck.corr2d(x, k[::-1, ::-1]))
    assert "Hint: you flipped the kernel" in repr(flipped) and "expected:\n[[37. 47.]" in repr(flipped)
    no_padding = checks.check_output_size(lambda n, f, s, p: (n - f) // s + 1)
    assert "n=4, f=2, stride=1, padding=1: expected 5, got 3" in repr(no_padding) and "2P" in repr(no_padding)
    floors = checks.check_output_size(lambda n, f, s, p: (n - f + 2 * p) // s + 1)
    assert "Raise a ValueError instead" in repr(floors)
    unflipped = checks.check_conv1d_dx(lambda dout, x, w: np.correlate(np.pad(dout, w.size - 1), w, "valid"))
    assert "Hint: w must be flipped" in repr(unflipped)
    transposed = checks.check_im2col(lambda x, fh, fw, s: right_im2col(x, fh, fw, s).T)
    assert "Hint: rows and columns are swapped" in repr(transposed)
    no_stride = checks.check_im2col(lambda x, fh, fw, s: right_im2col(x, fh, fw, 1))
    assert "Hint: the stride is ignored" in repr(no_stride)

    def assigning(cols, shape, fh, fw, s):
        out, wo = np.zeros(shape), (shape[1] - fw) // s + 1
        for c in range(cols.shape[1]):
            i, j = divmod(c, wo)
            out[i * s:i * s + fh, j * s:j * s + fw] = cols[:, c].reshape(fh, fw)
        return out

    assert "Hint: overlapping windows must add up (+=)" in repr(checks.check_col2im(assigning))


# While nbgrader grades (NBGRADER_EXECUTION set), a check not passed must raise, or the graded cell
# scores full points for an untouched stub.
@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_not_passed_raises_while_nbgrader_grades(check, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(checks.NotYetError, match="not yet .*NotImplementedError"):
        check(stub)
    assert check(RIGHT[check]) is None  # a right answer passes: printed, no value for nbgrader to parse
    assert capsys.readouterr().out.startswith("correct")


@pytest.mark.parametrize("answer", [lambda: None, lambda: 42, stub], ids=["ellipsis", "wrong", "stub"])
def test_hand_answer_not_passed_raises_while_nbgrader_grades(answer, monkeypatch):
    assert not checks.check_answer("2.1", answer)  # in Jupyter: a message
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(checks.NotYetError, match=r"not yet \(exercise 2\.1\)"):
        checks.check_answer("2.1", answer)
    assert checks.check_answer("2.1", lambda: (ck.output_size(28, 5), ck.output_size(28, 5, 1, 2))) is None
