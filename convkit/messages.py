"""convkit's sentences in a notebook: HTML that wraps like prose, on a phone as on a desk.

A check's result (:class:`convkit.checks.CheckResult`) and an error message
(:class:`convkit.ConvArgumentError`) are sentences. As plain text a notebook shows them in a
``<pre>`` box, where a long one runs off a phone's screen and is read by scrolling sideways. Their
``_repr_html_`` (made here) is what Jupyter, Colab and the book show instead: the text wraps at the
edge of its box, and only the arrays in it, as numpy prints them, keep their columns (and scroll
sideways if they must). Terminals, nbgrader and tests keep the plain text: the same words.
"""
from __future__ import annotations

import html

__all__ = ["message_html", "MARK_COLOURS"]

#: The fill of a check's mark, under white text: the mark has its own colours, so it reads the same on
#: a light and a dark page. White on these: 5.1:1 and 5.0:1 (WCAG AA asks 4.5:1); the fills against a
#: white page 5.1:1 and 5.0:1, against dark ones (#111111 to #202124) 3.2:1 or more (3:1 asked of a
#: shape). The mark's word says it too, not the colour alone.
MARK_COLOURS = {True: "#1a7f37", False: "#b45309"}
_SYMBOLS = {True: "\u2713", False: "\u2717"}  # check mark, ballot x: decoration, hidden from screen readers


def _blocks(text):
    """``text`` as [(is_array, lines)]: an array, as numpy prints it, starts a line with "[",
    and its wrapped rows start with a space."""
    blocks = []
    for line in text.split("\n"):
        array = line.startswith("[") or (line.startswith(" ") and bool(blocks) and blocks[-1][0])
        if blocks and blocks[-1][0] == array:
            blocks[-1][1].append(line)
        else:
            blocks.append((array, [line]))
    return blocks


def message_html(lead, text, passed=None):
    """The message ``lead + text`` as HTML that wraps like prose, ``lead`` shown as a mark.

    Parameters
    ----------
    lead : str
        The first word(s): ``"correct"``, ``"not yet"``, an exception's name; "" for no mark.
    text : str
        The rest of the message as the plain text has it (newlines kept, arrays as numpy prints them).
    passed : bool or None
        True or False: ``lead`` is a check's verdict, shown as a coloured mark; None: in bold.

    Returns
    -------
    str
        One ``<div>``: prose lines that wrap (a ``<br>`` where the text has a newline), each array in
        a ``<pre>`` of its own that scrolls sideways if it is wider than the box. Inline styles only,
        so that it looks the same in Jupyter, Colab and the book, which share no stylesheet.
    """
    if not lead:
        mark = ""
    elif passed is None:
        mark = f"<strong>{html.escape(lead)}</strong>"
    else:
        mark = (f'<span style="display: inline-block; padding: 0 0.4em; border-radius: 0.25em; '
                f'background: {MARK_COLOURS[passed]}; color: #fff; font-weight: 600; white-space: nowrap">'
                f'<span aria-hidden="true">{_SYMBOLS[passed]} </span>{html.escape(lead)}</span>')
    blocks = _blocks(text)
    if blocks[0][0]:  # the mark goes in front of the first prose line
        blocks.insert(0, (False, [""]))
    parts = []
    for array, lines in blocks:
        if array:
            rows = "\n".join(html.escape(line) for line in lines)
            parts.append(f'<pre tabindex="0" style="margin: 0.25em 0; overflow-x: auto; white-space: pre">{rows}</pre>')
        else:
            prose = "<br>".join(html.escape(line) for line in lines)
            parts.append(f"<div>{mark if not parts else ''}{prose}</div>")
    # overflow-wrap: a long word (a list's repr, a path) breaks rather than push the box wider.
    return ('<div class="convkit-message" style="white-space: normal; overflow-wrap: anywhere; '
            f'line-height: 1.5">{"".join(parts)}</div>')
