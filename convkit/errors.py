"""The one exception type convkit raises for bad arguments."""


class ConvArgumentError(ValueError):
    """A shape, stride, padding, dtype or method that convkit cannot use.

    A subclass of :class:`ValueError`, so ``except ValueError`` still works.
    The message always names the offending values.
    """
