"""The machinery every chapter's checks share: results, grading, feedback, hand-worked answers.

A check runs a ``body`` that tries the student's function on case after case and raises
:class:`_NotYet` at the first one that disagrees; :func:`_run` turns that into a
:class:`CheckResult` and :func:`_finish` hands it to Jupyter, or to nbgrader while it grades. The
chapter modules (``ch01_one_window`` to ``ch11_variants``) hold the checks themselves; each adds its
hand-worked answers to the table :func:`check_answer` reads with :func:`_hand_answer`.

**A check not passed raises**, always (in Jupyter as under nbgrader, with no switch a student's code can
turn off): :class:`NotYetError`, whose rendering in IPython (``_render_traceback_``) is the message alone,
wrapped, with no traceback. So a graded cell fails, and scores 0, whenever its check is not passed. A
passed check returns its :class:`CheckResult` (in Jupyter, its HTML), or while nbgrader grades displays
it (a returned value would be read as a score). While a check runs, the convkit functions that would
answer its exercise are switched off (:func:`_switched_off`): the student's code must do the work.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import os
import textwrap
import types
from dataclasses import dataclass

import numpy as np

from .. import output_size
from ..corr import spread_by_stride
from ..messages import message_html

__all__ = ["CheckResult", "NotYetError", "check_answer"]

#: Width of a failed check's message in a notebook's error box, nbgrader's feedback and its validate.
WIDTH = 78


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
    """A check not passed: the cell fails (under nbgrader it scores 0), and shows its message only.

    IPython renders an exception through its ``_render_traceback_`` when it has one: here the message
    wrapped to :data:`WIDTH` columns (arrays keep their rows), with no traceback through the checks.

    Attributes
    ----------
    result : CheckResult or None
        The result not passed (``bool(result)`` is False; ``result.message`` is the message).
    """

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result if result is not None else CheckResult(False, str(message))

    @property
    def passed(self):
        return False

    @property
    def message(self):
        return self.result.message

    def _render_traceback_(self):
        lines = _wrap(self.result.message)
        lead = "not yet"
        at = lines[0].find(lead)
        if at >= 0:  # the verdict in bold, in the error box's own colour: readable on light and dark themes
            lines[0] = f"{lines[0][:at]}\x1b[1m{lead}\x1b[0m{lines[0][at + len(lead):]}"
        return lines


def _wrap(message, width=WIDTH):
    """``message`` as lines of at most ``width`` columns: prose wrapped, arrays (numpy's rows) kept."""
    lines = []
    in_array = False
    for line in message.split("\n"):
        in_array = line.startswith("[") or (in_array and line.startswith(" "))
        if in_array or len(line) <= width:
            lines.append(line)
        else:
            lines.extend(textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False))
    return lines


class _NotYet(Exception):
    """Raised inside a check to stop at the first failing case with its message."""


def _finish(result: CheckResult) -> CheckResult | None:
    """Raise ``result`` if not passed; else return it (in Jupyter, its HTML shows).

    Whatever the student's code did before, a result not passed raises :class:`NotYetError`: the cell
    fails. A passed result is returned, except while nbgrader grades (``NBGRADER_EXECUTION`` set):
    nbgrader reads a graded cell's returned value as its score and warns about any value that is not a
    number, so there a passed check displays its message and returns None. (Unsetting that variable
    changes only how a pass is shown, never whether a failure fails.)

    Parameters
    ----------
    result : CheckResult

    Returns
    -------
    CheckResult or None

    Raises
    ------
    NotYetError
        For a result not passed.
    """
    if not result.passed:
        raise NotYetError(result.message, result)
    if os.environ.get("NBGRADER_EXECUTION"):
        _display(result)
        return None
    return result


def _display(result):
    """Show ``result`` as Jupyter would show it returned (HTML and text), or print it outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(result)
    else:
        print(result.message)


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
    except KeyboardInterrupt:  # nbgrader's time limit (or the stop button) interrupted the student's code
        raise _NotYet(f"{case}: your function was stopped before it returned (the grader stops a cell after its "
                      "time limit): does your loop end?") from None
    except _SwitchedOff as exc:
        raise _NotYet(f"{case}: {exc}") from None
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


# --- convkit's own answer, switched off while a check runs ----------------------------------------

class _SwitchedOff(RuntimeError):
    """Raised by a convkit function that answers the exercise being checked, while the check runs."""


#: Whether checks switch convkit's answers off (the tests of the checks themselves turn it off).
_SWITCH_OFF = True


def _off_template(*args, **kwargs):
    raise "placeholder"  # noqa: the constant is replaced by the exception to raise (see _switched_off)


def _package():
    """The convkit package this module belongs to (the grader's fresh copy has another name)."""
    import importlib
    import sys

    return sys.modules.get(__name__.rsplit(".", 2)[0]) or importlib.import_module(__name__.rsplit(".", 2)[0])


def _codes(names):
    """{(file, qualified name): public name} of the functions ``names`` name in this convkit, unwrapped."""
    import importlib

    package = _package()
    codes = {}
    for name in names:
        parts = name.split(".")
        obj, i = package, 0
        while i < len(parts):  # a submodule (nn, methods.winograd) or an attribute
            try:
                obj = getattr(obj, parts[i])
            except AttributeError:
                obj = importlib.import_module(f"{obj.__name__}.{parts[i]}")
            i += 1
        while obj is not None:
            code = getattr(obj, "__code__", None)
            if code is not None:
                codes[(code.co_filename, code.co_qualname)] = f"convkit.{name}"
            obj = getattr(obj, "__wrapped__", None)
    return codes


@contextlib.contextmanager
def _switched_off(names):
    """Inside: every copy of the convkit functions ``names`` that the student's code can reach raises.

    The function objects themselves get a body that raises :class:`_SwitchedOff` ("write it yourself"),
    so a name bound before the check (``from convkit import conv2d_backward as f``) is switched off too;
    the checks' own copies (this module's package) keep working. Restored on the way out, even on error.

    Parameters
    ----------
    names : sequence of str
        Public names under ``convkit``: ``"conv2d_backward"``, ``"Conv2D.backward"``, ``"nn.ReLU.backward"``.
    """
    if not _SWITCH_OFF or not names:
        yield
        return
    codes = _codes(names)
    ours = _package().__name__
    saved = []
    try:
        for obj in gc.get_objects():
            if type(obj) is not types.FunctionType:
                continue
            code = obj.__code__
            name = codes.get((code.co_filename, code.co_qualname))
            if name is None or code.co_freevars or obj.__globals__.get("__name__", "").split(".")[0] == ours:
                continue
            error = _SwitchedOff(f"write it yourself: {name} is switched off while this check runs")
            consts = tuple(error if c == "placeholder" else c for c in _off_template.__code__.co_consts)
            saved.append((obj, code))
            obj.__code__ = _off_template.__code__.replace(co_consts=consts, co_name=code.co_name,
                                                          co_qualname=code.co_qualname)
        yield
    finally:
        for obj, code in saved:
            obj.__code__ = code


def _forbids(*names):
    """Decorate a check: while it runs, convkit's ``names`` (its exercise's own answer) are switched off.

    The checks must keep their own copy of those functions to compute the right answers, so the check
    of the ``convkit`` a notebook imports runs in a private copy of the package
    (:func:`convkit.checks.grading.cached_fresh_convkit`, made once per kernel), which switches off the
    student's copies; its result or error comes back as this module's :class:`CheckResult` or
    :class:`NotYetError`.
    """
    def decorate(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            if _SWITCH_OFF and _package().__name__ == "convkit":
                from .grading import cached_fresh_convkit

                from pathlib import Path

                fresh = cached_fresh_convkit(Path(__file__).resolve().parents[1]).checks
                try:
                    result = getattr(fresh, check.__name__)(*args, **kwargs)
                except fresh.NotYetError as failed:
                    raise NotYetError(failed.message) from None
                if result is not None:
                    result = CheckResult(result.passed, result.message)
                    if os.environ.get("NBGRADER_EXECUTION"):  # the copy would have displayed it
                        _display(result)
                        return None
                return result
            with _switched_off(names):
                return check(*args, **kwargs)
        return run
    return decorate


# --- Cases the released notebook does not show ------------------------------------------------------

#: Added to every case generator's seed: 0 in Jupyter; the grader's hidden tests set another.
_SEED = {"shift": 0}


def _rng(seed):
    """The random generator of a check's cases: ``numpy.random.default_rng(seed + shift)``."""
    return np.random.default_rng(seed + _SEED["shift"])


@contextlib.contextmanager
def _hidden_cases(shift):
    """Inside: checks draw their random cases from other seeds (the grader's hidden tests)."""
    before = _SEED["shift"]
    _SEED["shift"] = shift
    try:
        yield
    finally:
        _SEED["shift"] = before


# --- Shared case helpers ------------------------------------------------------------------------------

def _dilated(a, stride):
    """``a`` (1-D dy, 2-D maps) spread by the stride, in float: :func:`convkit.corr.spread_by_stride`."""
    return spread_by_stride(np.asarray(a, dtype=float), stride)


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
    if _SEED["shift"]:  # the grader's hidden cases: more sizes, drawn from its seed
        rng, given, whole = _rng(0), len(whole[0]), list(whole)
        for _ in range(200):
            n, f, s, p, d = (int(v) for v in rng.integers([4, 1, 1, 0, 1], [40, 6, 4, 3, 4]))
            args = (n, f, s, p, d)[:given]
            if given < 5:
                d = 1
            if (n + 2 * p - d * (f - 1) - 1) % s == 0 and n + 2 * p - d * (f - 1) >= 1:
                whole.append(args)
            if len(whole) >= 12:
                break
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
