"""The one exception type convkit raises for bad arguments."""
from .messages import message_html


class ConvArgumentError(ValueError):
    """A shape, stride, padding, dtype or method that convkit cannot use.

    A subclass of :class:`ValueError`, so ``except ValueError`` still works.
    The message always names the offending values. In a notebook, ``display(err)`` shows it as prose
    that wraps at the edge of the output box (:mod:`convkit.messages`), on a phone as on a desk.
    """

    def _repr_html_(self):
        return message_html(type(self).__name__, f": {self}")

    def _repr_pretty_(self, p, cycle):  # IPython's plain text: the same words as the HTML
        p.text(f"{type(self).__name__}: {self}")
