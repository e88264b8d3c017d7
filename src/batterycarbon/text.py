"""Text that people and programs send: no control characters and no lone surrogates.

Three things went wrong with such characters before they were refused at the door. PostgreSQL
refuses the NUL character (U+0000) in ``text`` and ``jsonb`` values, so a name or a note holding
one ended in a server error (even on the unauthenticated token endpoint), while SQLite stored it
and every reader of the value got it back. A lone surrogate (U+D800 to U+DFFF; JSON's
``"\\ud800"`` escape and YAML produce one) is not Unicode text: it cannot be encoded as UTF-8,
so hashing the audit entry that repeated it failed. And the other control characters (escape,
bell, backspace, the C1 block) make a stored name display differently from what it holds, in a
terminal, a log line or a PDF.

The rule: a text value holds no character of Unicode category Cc (U+0000 to U+001F, U+007F to
U+009F) and no surrogate (category Cs), except that tab, line feed and carriage return are
allowed in text where several lines make sense (a description, a note, a finding). A single-line
value (a name, an identifier, a query or path parameter, an object key) allows none of them.
:data:`Line` and :data:`Text` are these rules as pydantic types; :func:`document_problems`
checks every key and string of a parsed document (JSON, YAML, TOML).

References
----------
The Unicode Standard, version 15.1, section 23.1 (control codes) and section 3.8 (surrogates).
PostgreSQL 16 documentation, section 8.3 (character types: "the character with code zero
cannot be stored") and section 8.14 (JSON: ``\\u0000`` is not allowed in jsonb).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator

from batterycarbon.errors import EXCERPT_CHARS, excerpt

#: Characters no text may hold: C0 controls except tab, line feed and carriage return; DEL and
#: the C1 controls; the surrogates (which only a broken encoder or an escape produces).
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: Characters no single-line value may hold: the above, and tab, line feed, carriage return.
FORBIDDEN_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: Most problems one document reports: a file full of bad characters is named by its first
#: few, enough to see the pattern, without an error message as long as the document.
MAX_REPORTED = 20

Path = tuple[str | int, ...]


def text_problem(value: str, multiline: bool = True) -> str | None:
    """What is wrong with ``value`` as text, or ``None``: the first forbidden character, as a
    code point (never the character itself) and its position, counted from 1."""
    match = (FORBIDDEN_IN_TEXT if multiline else FORBIDDEN_IN_LINE).search(value)
    if match is None:
        return None
    code = ord(match.group())
    where = f"at character {match.start() + 1}"
    if 0xD800 <= code <= 0xDFFF:
        return f"holds a lone surrogate U+{code:04X} {where}, which is not Unicode text"
    if code in (0x09, 0x0A, 0x0D):
        return f"holds a tab or line break (U+{code:04X}) {where}; expected a single line"
    return f"holds the control character U+{code:04X} {where}; expected printable text"


def _checked(multiline: bool) -> Any:
    def check(value: str) -> str:
        problem = text_problem(value, multiline)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


#: A single-line text field (names, identifiers, references): no control character at all.
Line = Annotated[str, AfterValidator(_checked(multiline=False))]
#: A text field that may span lines (descriptions, notes): tab, line feed, carriage return only.
Text = Annotated[str, AfterValidator(_checked(multiline=True))]


def _walk(document: Any, path: Path) -> Iterator[tuple[Path, str]]:
    # Depth first, in document order, with a stack of its own: a deeply nested document
    # must not exhaust the interpreter's recursion limit.
    stack: list[tuple[Path, Any]] = [(path, document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                yield where, problem
        elif isinstance(value, Mapping):
            children: list[tuple[Path, Any]] = []
            for key, item in value.items():
                key_problem = text_problem(key, multiline=False) if isinstance(key, str) else None
                if key_problem is not None:
                    children.append(((*where, key), _BadKey(key_problem)))
                else:
                    children.append(((*where, key), item))
            stack.extend(reversed(children))
        elif isinstance(value, (list, tuple)):
            stack.extend(reversed([((*where, i), item) for i, item in enumerate(value)]))
        elif isinstance(value, _BadKey):
            yield where, f"the key {value.problem}"


def _holds_bad_text(document: Any) -> bool:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if FORBIDDEN_IN_TEXT.search(value):
                return True
        elif isinstance(value, Mapping):
            for key in value:
                if isinstance(key, str) and FORBIDDEN_IN_LINE.search(key):
                    return True
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return False


class _BadKey:
    """A key found to be bad, kept in its place so that problems come in document order."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def document_problems(document: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """(path, problem) of each string or object key of a parsed document (JSON, YAML, TOML:
    nested dicts and lists) that is not text by :func:`text_problem`, at most
    :data:`MAX_REPORTED`. Strings may span lines, keys may not. The path leads from the
    document's root to the value (keys and list indices), after ``path``."""
    if not _holds_bad_text(document):
        return []  # the common case, found without building a path for every value
    problems = []
    for found in _walk(document, path):
        problems.append(found)
        if len(problems) >= MAX_REPORTED:
            break
    return problems


def path_part(part: str | int) -> str | int:
    """A key or index as an error message may name it: as it is when it is a short single line,
    else its excerpt (a ``repr``, so a control character shows as its escape, never raw)."""
    if isinstance(part, int):
        return part
    if len(part) <= EXCERPT_CHARS and not FORBIDDEN_IN_LINE.search(part):
        return part
    return excerpt(part)


def field_name(path: Path, root: str = "(document)") -> str:
    """``("design", "cell", 0)`` -> ``"design.cell.0"``, the way the platform names a field
    (its 422 bodies and :func:`batterycarbon.errors.validation_problems`)."""
    return ".".join(str(path_part(part)) for part in path) or root


def problem_lines(document: Any, root: str = "(document)") -> list[str]:
    """:func:`document_problems` as ``field.path: problem`` lines (an ``InputError``'s)."""
    found = document_problems(document)
    return [f"{field_name(path, root)}: {problem}" for path, problem in found]
