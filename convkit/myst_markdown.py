"""The chapters' MyST Markdown as plain Markdown, for notebooks read outside the book.

JupyterLab (without jupyterlab-myst), Colab, GitHub and nbgrader's feedback render CommonMark, not MyST:
there a ``:::{exercise}`` fence, a ``{cite}`` role or a ``:class: dropdown`` option shows as raw markup.
:func:`plain_notebook` rewrites every Markdown cell of a chapter so that it reads the same as the book:

* ``:::{exercise} Title`` + ``:label:`` -> a heading, ``### Exercise 6.1 (1 point): Title``, numbered as
  the book numbers it (chapter number, then the exercise's place in the chapter) with the points of the
  graded cells (nbgrader metadata) that follow it;
* ``{cite}`a,b``` -> ``[1, 2]``, with a *References* cell at the end of the notebook that lists each
  text cited (from the book's ``references.bib``), numbered in order of first citation;
* ``{doc}`Chapter 3 <03_sparse_matrix>``` -> a link to the sibling notebook ``03_sparse_matrix.ipynb``
  (plain text for a page that is not a notebook); ``{ref}``, ``{numref}``, ``{eq}`` -> their text;
* admonitions (``{admonition}``, ``{note}``, ``{tip}``...) -> a blockquote with the title in bold;
* solutions (``{solution-start}`` ... ``{solution-end}`` around code cells, or a ``{solution}`` block):
  ``solutions="drop"`` (student versions) removes the markup and keeps the code cells in between as
  they are (the caller has turned them into stubs); ``solutions="fold"`` (an edition with solutions)
  keeps a stub code cell to work in and folds the solution below it with ``<details>``;
* ``(label)=`` targets and ``%`` comment lines are dropped; other directives keep their content.

Code fences, inline code and math are left as they are. It imports nothing of convkit: classroom code
(``python -m convkit.assign`` uses it for student versions and the solutions-folded edition).
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

__all__ = ["plain_notebook", "render_markdown", "read_bibliography", "format_reference", "stub_source",
           "strip_hidden_tests", "FOLDED_AWAY", "MYST_SYNTAX"]

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: What MyST leaves in a notebook that a plain Markdown renderer would show raw.
MYST_SYNTAX = re.compile(r":::+\{|`{3,}\{|\{[a-z][\w:-]*\}`|^\s*:(label|class|name|title|only|width|align):",
                         re.M)

#: The chapters' sentence about the book's folded solutions (its line breaks vary).
FOLDED_AWAY = re.compile(r"In\s+the\s+book\s+the\s+solutions\s+are\s+folded\s+away;\s+open\s+one\s+only\s+after"
                         r"\s+you\s+have\s+tried\.")
SENTENCE = {"drop": "Solutions are not part of this notebook: the check tells you when your answer is right.",
            "fold": "Each solution is folded under its exercise; open one only after you have tried."}

ADMONITIONS = {"admonition", "note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso", "margin", "sidebar", "topic"}

DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>:{3,}|`{3,}|~{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<body>[^`]*)`")
ROLE_OR_CODE = re.compile(ROLE.pattern + r"|(?P<code>`+)[^`]*?(?P=code)")


# --- the bibliography -----------------------------------------------------------------------------

def _braced(text: str, start: int) -> tuple[str, int]:
    """The text inside the braces that open at ``text[start]``, and the index after the closing one."""
    depth, i = 0, start
    while i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
        i += 1
    raise ValueError("unbalanced braces in the bibliography")


def read_bibliography(text: str) -> dict[str, dict[str, str]]:
    """BibTeX entries of ``text`` as key -> {field: value} (``type`` is the entry type)."""
    entries = {}
    for match in re.finditer(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", text, re.M):
        body, _ = _braced(text, match.end(0) - len(match.group(0)) + match.group(0).index("{"))
        fields, i = {"type": match.group(1).lower()}, len(match.group(2)) + 1
        for field in re.finditer(r"(\w+)\s*=\s*", body):
            if field.start() < i:
                continue
            j = field.end()
            if body[j] == "{":
                value, i = _braced(body, j)
            elif body[j] == '"':
                k = body.index('"', j + 1)
                value, i = body[j + 1:k], k + 1
            else:
                value = re.match(r"[^,\s]+", body[j:]).group(0)
                i = j + len(value)
            fields[field.group(1).lower()] = value
        entries[match.group(2)] = fields
    return entries


def _tex(value: str) -> str:
    value = re.sub(r"\\url\{([^}]*)\}", r"<\1>", value)
    value = re.sub(r"\\emph\{([^}]*)\}", r"*\1*", value)
    value = value.replace("---", "—").replace("--", "–").replace("~", " ")
    value = re.sub(r"(?<!\\)[{}]", "", value).replace("\\&", "&")
    return re.sub(r"\s+", " ", value).strip()


def format_reference(entry: dict[str, str]) -> str:
    """One line for a reference list: authors, *title*, where, year, URL."""
    parts = []
    if entry.get("author"):
        names = [_tex(name) for name in entry["author"].split(" and ")]
        parts.append(", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
    parts.append(f"*{_tex(entry.get('title', '(untitled)'))}*")
    for field in ("journal", "booktitle", "howpublished", "publisher", "year"):
        if entry.get(field):
            parts.append(_tex(entry[field]))
    if entry.get("url"):
        parts.append(f"<{entry['url']}>")
    return ". ".join(part.rstrip(".") for part in parts) + "."


# --- one Markdown cell ----------------------------------------------------------------------------

class _State:
    """What rendering one notebook remembers from cell to cell."""

    def __init__(self, chapter, bibliography, notebooks, solutions):
        if solutions not in ("drop", "fold"):
            raise ValueError(f"solutions must be 'drop' or 'fold'; got {solutions!r}")
        self.chapter, self.bibliography, self.solutions = chapter, bibliography or {}, solutions
        self.notebooks = {Path(str(n)).stem for n in notebooks}
        self.cited: list[str] = []
        self.exercises = 0
        self.points: list[float | None] = []  # points of each exercise, in order (from the notebook)
        self.level = 2  # the last heading's level: an exercise heading goes one below it

    def cite(self, keys: str) -> str:
        numbers = []
        for key in (k.strip() for k in keys.split(",")):
            if key not in self.cited:
                self.cited.append(key)
            numbers.append(str(self.cited.index(key) + 1))
        return "[" + ", ".join(numbers) + "]"


def _role(state: _State, match: re.Match) -> str:
    name, body = match.group("name"), match.group("body")
    explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", body, re.S)
    text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, body)
    if name.startswith("cite"):
        return state.cite(body)
    if name == "math":
        return f"${body}$"
    if name == "doc":
        stem = Path(target.split("#")[0]).stem
        label = text or stem
        return f"[{label}]({stem}.ipynb)" if stem in state.notebooks else label
    if name == "download":
        return f"[{text or target}]({target})"
    if name in ("ref", "numref", "eq", "term", "abbr", "any"):
        return text or target
    return text or target  # sub, sup, kbd, index...: the text


def _roles(state: _State, line: str) -> str:
    """Render the roles of one line, leaving inline code alone."""
    return ROLE_OR_CODE.sub(lambda m: _role(state, m) if m.group("name") else m.group(0), line)


def _closing(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes the directive opened with ``fence`` at ``lines[start]``."""
    depth = 1
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        opened = DIRECTIVE.match(lines[i])
        if opened and opened.group("fence")[0] == fence[0] and len(opened.group("fence")) == len(fence):
            depth += 1
        elif stripped == fence or (stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}
                                   and len(stripped) == len(fence)):
            depth -= 1
            if depth == 0:
                return i
    return len(lines)  # unclosed: to the end of the cell, as MyST does


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options, i = {}, 0
    if body and body[0].strip() == "---":  # a YAML block of options
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), 0)
        for line in body[1:end]:
            key, _, value = line.partition(":")
            options[key.strip()] = value.strip()
        i = end + 1
    while i < len(body) and OPTION.match(body[i]):
        option = OPTION.match(body[i])
        options[option.group("key")] = option.group("value")
        i += 1
    while i < len(body) and not body[i].strip():
        i += 1
    return options, body[i:]


def _points(value) -> str:
    value = float(value)
    number = int(value) if value.is_integer() else value
    return f"{number} point" + ("" if value == 1 else "s")


def _directive(state: _State, name: str, arg: str, body: list[str]) -> list[str]:
    options, body = _options(body)
    inner = _render_lines(state, body)
    if name in ("exercise", "exercise-start"):
        state.exercises += 1
        number = f"{state.chapter}.{state.exercises}" if state.chapter is not None else str(state.exercises)
        points = state.points[state.exercises - 1] if state.exercises <= len(state.points) else None
        head = f"Exercise {number}" + (f" ({_points(points)})" if points else "")
        title = _roles(state, arg.strip())
        heading = "#" * min(state.level + 1, 6) + f" {head}" + (f": {title}" if title else "")
        return [heading, "", *inner]
    if name in ("solution", "solution-start", "solution-end"):
        if state.solutions == "drop" or not inner:
            return []
        return ["<details>", "<summary>Solution</summary>", "", *inner, "", "</details>"]
    if name in ADMONITIONS:
        title = _roles(state, arg.strip()) or name.capitalize().replace("Seealso", "See also")
        quoted = [f"> **{title}**", ">"] + [f"> {line}" if line.strip() else ">" for line in inner]
        return quoted
    if name in ("math", "equation"):
        return ["$$", *body, "$$"]
    if name in ("figure", "image"):
        alt = options.get("alt", "")
        return [f"![{alt}]({arg.strip()})", "", *inner]
    if name in ("code", "code-block", "code-cell", "sourcecode"):
        return [f"```{arg.strip()}", *body, "```"]
    return inner  # any other directive: its content


def _render_lines(state: _State, lines: list[str]) -> list[str]:
    out, text, i, math = [], [], 0, False

    def flush():  # roles are rendered on whole runs of text: inline code may span lines
        if text:
            out.extend(_roles(state, "\n".join(text)).split("\n"))
            text.clear()

    while i < len(lines):
        line = lines[i]
        if line.strip() == "$$":
            math = not math
        if math or line.strip() == "$$":
            flush()
            out.append(line)
            i += 1
            continue
        directive = DIRECTIVE.match(line)
        fence = FENCE.match(line)
        if directive or fence:
            flush()
        if directive:
            end = _closing(lines, i, directive.group("fence"))
            rendered = _directive(state, directive.group("name"), directive.group("arg"), lines[i + 1:end])
            indent = directive.group("indent")
            out += [indent + r if r else r for r in rendered]
            i = end + 1
        elif fence:  # a code block: as it is
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence.group(1))),
                       len(lines))
            out += lines[i:end + 1]
            i = end + 1
        elif re.match(r"^\s*\([\w:.-]+\)=\s*$", line) or line.startswith("%"):  # a target, a comment
            i += 1
        else:
            heading = re.match(r"^(#{1,6})\s", line)
            if heading:
                state.level = len(heading.group(1))
            text.append(line)
            i += 1
    flush()
    return out


def render_markdown(source: str, *, chapter=None, bibliography=None, notebooks=(), solutions="drop",
                    state: _State | None = None) -> str:
    """The MyST of one Markdown cell as plain Markdown (citations numbered from 1 within the cell)."""
    state = state or _State(chapter, bibliography, notebooks, solutions)
    text = "\n".join(_render_lines(state, source.splitlines()))
    text = FOLDED_AWAY.sub(SENTENCE[state.solutions], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


# --- code cells -----------------------------------------------------------------------------------

def stub_source(source: str) -> str:
    """A solution cell's code with each solution region replaced as nbgrader's ClearSolutions does."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            indent = line[:len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def strip_hidden_tests(source: str) -> str:
    """``source`` without nbgrader's hidden tests (the lines from ``### BEGIN HIDDEN TESTS`` to
    ``### END HIDDEN TESTS``, both included), as ``nbgrader generate_assignment`` strips them."""
    if HIDDEN_BEGIN not in source:
        return source
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == HIDDEN_BEGIN:
            inside = True
        elif line.strip() == HIDDEN_END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


# --- a whole notebook -----------------------------------------------------------------------------

def _exercise_points(cells) -> list[float | None]:
    """The points of each exercise: the graded cells (nbgrader) between it and the next exercise."""
    points = []
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            points += [None] * len(re.findall(r"^[ \t]*(?::{3,}|`{3,})\{exercise(?:-start)?\}", cell["source"], re.M))
        grade = cell.get("metadata", {}).get("nbgrader", {})
        if points and grade.get("grade") and grade.get("points"):
            points[-1] = (points[-1] or 0) + float(grade["points"])
    return points


def _only_fence(source: str, name: str) -> bool:
    """A cell that holds just an opening/closing ``{name}`` fence (the gated solution markers)."""
    return re.fullmatch(rf"\s*(`{{3,}}|:{{3,}})\{{{name}\}}[^\n]*(\n[ \t]*:[\w-]+:[^\n]*)*\s*\n\s*\1\s*",
                        source) is not None


def plain_notebook(nb, *, chapter=None, bibliography=None, notebooks=(), solutions="drop", hidden_tests=False):
    """A copy of notebook ``nb`` (an nbformat node or dict) with plain-Markdown cells (see the module).

    ``chapter``: the chapter's number for the exercise headings; ``bibliography``: key -> BibTeX fields
    (:func:`read_bibliography`; a key cited but missing from it is an error; without one, the list names
    the keys); ``notebooks``: the names of the sibling notebooks ``{doc}`` may link to; ``hidden_tests``:
    keep nbgrader's hidden tests (for a course's source/, whose release nbgrader strips them from itself).
    """
    nb = copy.deepcopy(nb)
    state = _State(chapter, bibliography, notebooks, solutions)
    state.points = _exercise_points(nb["cells"])
    cells, in_solution = [], False
    for cell in nb["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "code":
            source = source if hidden_tests else strip_hidden_tests(source)
            if solutions == "fold" and (in_solution or BEGIN in source):
                solution = "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))
                cells.append({**cell, "source": stub_source(source), "outputs": [], "execution_count": None})
                cells.append({"cell_type": "markdown", "metadata": {}, "source": "\n".join(
                    ["<details>", "<summary>Solution</summary>", "", "```python", solution, "```", "", "</details>"])})
                continue
            cells.append({**cell, "source": source})
            continue
        if cell["cell_type"] != "markdown":
            cells.append(cell)
            continue
        if _only_fence(source, "solution-start"):
            in_solution = True
            continue
        if _only_fence(source, "solution-end"):
            in_solution = False
            continue
        cell = {**cell, "source": render_markdown(source, state=state)}
        if cell["source"].strip():
            cells.append(cell)
    if state.cited:
        missing = [key for key in state.cited if key not in state.bibliography]
        if missing and bibliography is not None:
            raise KeyError(f"cited but not in the bibliography: {missing}")
        refs = "\n".join(f"{n}. " + (format_reference(state.bibliography[key]) if key in state.bibliography
                                      else f"`{key}` (no bibliography given)")
                          for n, key in enumerate(state.cited, 1))
        cells.append({"cell_type": "markdown", "metadata": {}, "source": f"## References\n\n{refs}"})
    for n, cell in enumerate(cells):  # nbformat 4.5 wants an id on every cell
        if "id" not in cell and nb.get("nbformat_minor", 0) >= 5:
            cell["id"] = f"plain-{n}"
    nb["cells"] = cells
    return nb
