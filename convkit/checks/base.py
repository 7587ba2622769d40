"""The machinery every chapter's checks share: results, grading, feedback, hand-worked answers.

A check runs a ``body`` that tries the student's function on case after case and raises
:class:`_NotYet` at the first one that disagrees; :func:`_run` turns that into a
:class:`CheckResult` and :func:`_finish` hands it to Jupyter, or to nbgrader while it grades. The
chapter modules (``ch01_one_window`` to ``ch10_speed``) hold the checks themselves; each adds its
hand-worked answers to the table :func:`check_answer` reads with :func:`_hand_answer`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .. import output_size
from ..messages import message_html

__all__ = ["CheckResult", "NotYetError", "check_answer"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: truthy when correct; displays as its message.

    As plain text (a terminal, nbgrader, tests) it is the message itself. In Jupyter, Colab and the
    book it is the same words as HTML that wraps like prose, so that a phone shows the whole sentence
    without scrolling sideways: a coloured "correct" or "not yet" mark, then the rest
    (:mod:`convkit.messages`).

    Attributes
    ----------
    passed : bool
        Whether every case agreed.
    message : str
        ``"correct (...)..."`` or ``"not yet (...): ..."``.
    """

    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message

    __str__ = __repr__

    def _repr_html_(self):
        lead = "correct" if self.passed else "not yet"
        if not self.message.startswith(lead):  # every check's message does: keep any other whole
            lead = ""
        return message_html(lead, self.message[len(lead):], self.passed)


class NotYetError(AssertionError):
    """A check not passed while nbgrader grades: the cell fails and scores 0 (see :mod:`convkit.checks`)."""


class _NotYet(Exception):
    """Raised inside a check to stop at the first failing case with its message."""


def _finish(result: CheckResult) -> CheckResult | None:
    """Return ``result``; while nbgrader grades, raise it if not passed, print it if passed.

    nbgrader reads a graded cell's displayed value as its score and warns about any value that
    is not a number, so while it grades a passed check prints its message and returns None.

    Parameters
    ----------
    result : CheckResult

    Returns
    -------
    CheckResult or None
        ``result`` in Jupyter; None while nbgrader grades (``NBGRADER_EXECUTION`` set).

    Raises
    ------
    NotYetError
        While nbgrader grades, for a result not passed.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        if not result.passed:
            raise NotYetError(result.message)
        print(result.message)
        return None
    return result


def _judge(name, body):
    """``body()`` as a finished result: "not yet (name): ..." at the :class:`_NotYet` it raises.

    Parameters
    ----------
    name : str
        What is checked, in the message's parentheses.
    body : callable
        Returns the text that follows "correct (name)" when it raises nothing.

    Returns
    -------
    CheckResult or None
        See :func:`_finish`.
    """
    try:
        praise = body()
    except _NotYet as why:
        return _finish(CheckResult(False, f"not yet ({name}): {why}"))
    return _finish(CheckResult(True, f"correct ({name}){praise}"))


def _run(name, body):
    """A check of a function, judged by :func:`_judge`: ``body()`` runs every case and returns how many.

    ``body`` raises :class:`_NotYet` at the first case that disagrees; when none does, the message is
    ``"correct (name): all n cases agree with convkit"``.
    """
    return _judge(name, lambda: f": all {body()} cases agree with convkit")


def _show(a):
    """An array as numpy prints it (4 decimals), or its shape when it has more than 60 entries."""
    a = np.asarray(a)
    return np.array2string(a, precision=4, suppress_small=True, max_line_width=100) if a.size <= 60 else \
        f"an array of shape {a.shape}"


def _call(fn, case, *args, expected=()):
    """``fn(*args)``, with any exception turned into feedback.

    Parameters
    ----------
    fn : callable
        The student's function.
    case : str
        The case, as the feedback names it.
    *args
        Passed to ``fn``.
    expected : tuple of exception types
        Exceptions that are a right answer: returned instead of raised.

    Returns
    -------
    object
        What ``fn`` returned, or the ``expected`` exception it raised.

    Raises
    ------
    _NotYet
        When ``fn`` is still the ``raise NotImplementedError`` stub, or raised anything else.
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise _NotYet("the function still raises NotImplementedError: replace the stub with your code") from None
    except expected as exc:
        return exc
    except Exception as exc:  # the student's bug, reported, not re-raised
        raise _NotYet(f"{case}: your function raised {type(exc).__name__}: {exc}") from None


def _compare(got, want, case, hints=()):
    """Shape, dtype and values of ``got`` against ``want``.

    Parameters
    ----------
    got : object
        The student's answer; it must be an array of numbers.
    want : array_like
        convkit's answer.
    case : str
        The case, as the feedback names it.
    hints : sequence of (array_like or None, str)
        (wrong answer, advice) pairs: the advice of the first wrong answer that ``got`` equals is added
        to the feedback. A None wrong answer is skipped (a mistake that has no value in this case).

    Raises
    ------
    _NotYet
        When ``got`` is not an array of numbers, or differs from ``want`` in shape or values.
    """
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise _NotYet(f"{case}: expected an array of numbers, got {type(got).__name__}") from None
    want = np.asarray(want, dtype=float)
    if got_arr.shape != want.shape:
        for wrong, advice in hints:
            if wrong is not None and np.shape(wrong) == got_arr.shape and np.allclose(got_arr, wrong):
                raise _NotYet(f"{case}: expected shape {want.shape}, got {got_arr.shape}. Hint: {advice}")
        raise _NotYet(f"{case}: expected shape {want.shape}, got shape {got_arr.shape}")
    if not np.allclose(got_arr, want, rtol=1e-7, atol=1e-9):
        message = f"{case}: wrong values.\nexpected:\n{_show(want)}\ngot:\n{_show(got_arr)}"
        for wrong, advice in hints:
            if wrong is not None and np.shape(wrong) == want.shape and np.allclose(got_arr, wrong):
                message += f"\nHint: {advice}"
                break
        raise _NotYet(message)


def _pair(got, case, names):
    """Raise :class:`_NotYet` unless ``got`` is a tuple of two, as ``names`` ("(dx, dw)") says it should be."""
    if not isinstance(got, tuple) or len(got) != 2:
        raise _NotYet(f"{case}: return a pair {names}; got {type(got).__name__}")


# --- Shared case helpers ------------------------------------------------------------------------------

def _dilated(a, stride):
    """``a`` with ``stride - 1`` zeros between neighbouring entries along every axis (1-D dy, 2-D maps)."""
    a = np.asarray(a, dtype=float)
    out = np.zeros([(n - 1) * stride + 1 for n in a.shape])
    out[(slice(None, None, stride),) * a.ndim] = a
    return out


def _size_case(args):
    """The arguments of an output size as the feedback names them: "n=7, f=3, stride=1, padding=0"."""
    return ", ".join(f"{name}={value}" for name, value in zip(("n", "f", "stride", "padding", "dilation"), args))


def _check_sizes(fn, whole, not_whole, formula, hints):
    """The cases of an output-size exercise (Chapters 2 and 8): ``fn(n, f, stride, padding[, dilation])``.

    Parameters
    ----------
    fn : callable
        The student's function.
    whole : list of tuple
        Arguments whose size is whole: ``fn`` must return :func:`convkit.output_size` of them.
    not_whole : list of tuple
        Arguments whose size is not whole: ``fn`` must raise a ValueError.
    formula : str
        The size's formula, as the chapter writes it, to show where it is not whole.
    hints : list of (callable, str)
        (wrong size of the arguments, advice): the advice of the first one that equals the answer.

    Returns
    -------
    int
        The number of cases.
    """
    for args in whole:
        case = _size_case(args)
        got = _call(fn, case, *args)
        want = output_size(*args)
        if got != want:
            hint = next((f" Hint: {advice}" for wrong, advice in hints if got == wrong(*args)), "")
            raise _NotYet(f"{case}: expected {want}, got {got!r}.{hint}")
    for args in not_whole:
        n, f, s, p, d = (*args, 1)[:5]  # dilation 1 where the exercise has none
        case = _size_case(args) + " (not a whole number)"
        got = _call(fn, case, *args, expected=(ValueError,))
        if isinstance(got, ValueError):
            continue
        raise _NotYet(f"{case}: {formula} = {(n + 2 * p - d * (f - 1) - 1) / s + 1:g} is not whole; returning "
                      f"{got!r} silently drops part of the input. Raise a ValueError instead.")
    return len(whole) + len(not_whole)


# --- Answers worked out by hand -------------------------------------------------------------------

#: Exercise id ("2.1") -> (what the answer is, a function returning (the answer, [(wrong answer, advice)])),
#: filled by the chapter modules with :func:`_hand_answer`.
_ANSWERS = {}


def _hand_answer(exercise, what):
    """Register the decorated function as exercise ``exercise``'s answer for :func:`check_answer`.

    Parameters
    ----------
    exercise : str
        The exercise's number, e.g. ``"2.1"``.
    what : str
        What the answer is, as the feedback names it ("(no padding, padding 2)").

    Returns
    -------
    callable
        A decorator for a function of no arguments that returns ``(answer, hints)``, ``hints`` a list of
        (wrong answer, advice) pairs; it is computed with convkit each time the answer is checked.
    """
    def register(answer):
        _ANSWERS[exercise] = (what, answer)
        return answer

    return register


def _given(answer, name, what):
    """A hand-worked answer's value: ``answer``, or what it returns when it is a function.

    Raises :class:`_NotYet` for a stub or a function that raises, and for an answer still ``...``
    (or None), asking to replace it with ``what``.
    """
    if callable(answer):
        answer = _call(answer, name)
    if answer is None or answer is ...:
        raise _NotYet(f"replace the ... with {what}")
    return answer


def _match(answer, want, hints, same, wrong_text, otherwise):
    """Raise :class:`_NotYet` unless ``same(answer, want)``: with the advice of the first wrong answer it is.

    The message is ``"{wrong_text}. Hint: {advice}."``, or ``"{wrong_text}; {otherwise}"`` for a mistake
    that no hint names.
    """
    if same(answer, want):
        return
    for wrong, advice in hints:
        if same(answer, wrong):
            raise _NotYet(f"{wrong_text}. Hint: {advice}.")
    raise _NotYet(f"{wrong_text}; {otherwise}")


def _same(a, b):
    """Whether two answers agree: numbers and arrays to rounding, tuples and lists entry by entry."""
    try:
        if isinstance(b, (tuple, list)) and not isinstance(b, np.ndarray) and len(b) and \
                isinstance(b[0], (tuple, list, np.ndarray)):
            return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
        return np.shape(a) == np.shape(b) and np.allclose(np.asarray(a, float), np.asarray(b, float))
    except (TypeError, ValueError):
        return False


def check_answer(exercise, answer):
    """An answer worked out by hand for exercise ``exercise`` (e.g. ``"2.1"``): a value, or a function returning it.

    Parameters
    ----------
    exercise : str
        The exercise's number; the chapter modules register which ones there are.
    answer : object or callable
        The answer, or a function of no arguments that returns it.

    Returns
    -------
    CheckResult or None
        See :func:`_finish`.
    """
    if exercise not in _ANSWERS:
        return _finish(CheckResult(False, f"not yet: no exercise {exercise!r}; choose one of {sorted(_ANSWERS)}"))
    what, worked = _ANSWERS[exercise]
    name = f"exercise {exercise}"

    def body():
        want, hints = worked()
        got = _given(answer, name, what)
        _match(got, want, hints, _same, f"{what} is not {got!r}", "check each step again.")
        return ""

    return _judge(name, body)
