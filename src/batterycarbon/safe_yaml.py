"""Reading YAML that people write: bounded before any Python object is built.

PyYAML's safe loader refuses arbitrary Python objects, but not the ways a few hundred bytes
become gigabytes. Anchors and aliases let one node stand for another by reference: nine levels
of nine aliases ("billion laughs") load in milliseconds as shared lists, then anything that
walks, copies, validates or serialises the result (an error message, ``json.dumps`` before
storing) expands them to 9**9 strings. Deep nesting makes the composer recurse until Python's
stack runs out, and a long flat document makes it hold one node object per value.

:func:`load_yaml` is the one way the platform reads YAML (designs, scenarios, pathway presets,
compliance inputs, the design editor's YAML view). It refuses anchors and aliases outright:
no document the platform reads needs them (the bundled designs, scenarios and presets use
none; a value written out is what a reviewer expects to read). It caps the document's length,
then the number of values and the nesting depth while composing, so a refusal comes before the
object tree exists. Every refusal is an :class:`~batterycarbon.errors.InputError` naming the
line and what was expected, and repeats no more of the input than a short excerpt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import Node

from batterycarbon.errors import EXCERPT_CHARS, InputError, excerpt
from batterycarbon.text import problem_lines

#: Longest YAML document read (characters). The bundled designs, scenarios and presets are under
#: 1 000 characters; a design at every list bound of its model (1 000 transport legs, 500
#: supplier overrides, 500 pack parts, 200 sources) with short texts, written by
#: ``yaml.safe_dump``, is 135 787. Composing 200 000 characters takes a fraction of a second in
#: the pure-Python loader (which the node and depth checks need). A design whose texts are all
#: at their own bounds is longer: it goes through the API as JSON (bounded by the body limit).
MAX_YAML_CHARS = 200_000
#: Most values (scalars, lists, mappings) in one document. The bundled documents have at most 52;
#: the design at every list bound above has 13 721. Each value costs the composer about 600 bytes
#: of node objects, measured with tracemalloc (20 000 flat values: 11 MB), so this bounds the
#: memory a document can take before it is refused.
MAX_YAML_NODES = 20_000
#: Deepest nesting of lists and mappings. The bundled documents nest 3 levels; a passport
#: attribute in the compliance inputs about 6. The composer and the constructor recurse about
#: three Python frames per level, so 20 stays far below Python's recursion limit (1 000).
MAX_YAML_DEPTH = 20
#: Longest part of PyYAML's own message repeated in a problem line (characters): its messages
#: are short, but some quote a tag or a token of the input, which may be long.
MAX_PROBLEM_CHARS = 160


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(document)"


def _short(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"


class _Refused(Exception):
    """A bound of this module, raised from inside the composer; becomes one problem line."""


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases and counting values and depth while it
    composes nodes (before the constructor builds any Python object)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.values = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        where = _where(event.start_mark)
        if event.anchor is not None:  # an alias, or a node that names itself for one
            kind = "alias *" if isinstance(event, AliasEvent) else "anchor &"
            no_reference = "anchors and aliases are not accepted; write the value out"
            name = event.anchor if len(event.anchor) <= EXCERPT_CHARS else excerpt(event.anchor)
            raise _Refused(f"{kind}{name} at {where}: {no_reference}")
        self.values += 1
        if self.values > MAX_YAML_NODES:
            many = f"more than {MAX_YAML_NODES} values (scalars, lists and mappings)"
            raise _Refused(f"{where}: {many} in one document; split it")
        collection = isinstance(event, SequenceStartEvent | MappingStartEvent)
        if collection and self.depth >= MAX_YAML_DEPTH:
            deep = f"lists and mappings nested deeper than {MAX_YAML_DEPTH} levels"
            raise _Refused(f"{where}: {deep}; expected a flatter document")
        self.depth += collection
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= collection


def load_yaml(text: str, source: str) -> Any:
    """The one YAML document in ``text`` as Python objects (JSON is YAML too).

    :class:`InputError` names ``source`` and the line of the first problem: too long, an anchor
    or alias, too many values, too deep, not valid YAML, a tag the safe loader does not build;
    or the path of each value holding a control character or a lone surrogate (:mod:`.text`).
    """
    if len(text) > MAX_YAML_CHARS:
        problem = f"(document): {len(text)} characters, longer than the {MAX_YAML_CHARS} a document may have; split it"
        raise InputError(source, [problem])
    try:
        document = _build(text)
    except _Refused as exc:
        raise InputError(source, [str(exc)]) from None
    except yaml.MarkedYAMLError as exc:
        what = _short(str(exc.problem or exc.context or "unreadable"))
        raise InputError(
            source, [f"not valid YAML: {what} at {_where(exc.problem_mark)}"]
        ) from None
    except yaml.reader.ReaderError as exc:  # a control character: the reader gives its offset
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = (
            f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "a byte"
        )
        problem = f"{character} at line {line}, column {column}: expected printable text"
        raise InputError(source, [f"not valid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise InputError(source, [f"not valid YAML: {_short(str(exc))}"]) from None
    # The reader refuses raw control characters; a double-quoted scalar's escapes ("\0",
    # "\x1b", "\ud800") still make them: refused by the text rule, each value named by its path.
    problems = problem_lines(document)
    if problems:
        raise InputError(source, problems)
    return document


def _build(text: str) -> Any:
    loader = _BoundedLoader(text)  # reads the text: a control character is refused here
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml_file(path: Path) -> Any:
    """The YAML (or JSON) file at ``path`` through :func:`load_yaml`; at most
    :data:`MAX_YAML_CHARS` + 1 characters are read, so a huge file is refused unread."""
    try:
        with path.open(encoding="utf-8") as stream:
            text = stream.read(MAX_YAML_CHARS + 1)
    except UnicodeDecodeError:
        raise InputError(str(path), ["(document): not UTF-8 text"]) from None
    except OSError as exc:
        raise InputError(
            str(path), [f"cannot read: {exc.strerror or type(exc).__name__}"]
        ) from None
    if len(text) > MAX_YAML_CHARS:
        problem = (
            f"(document): longer than the {MAX_YAML_CHARS} characters a document may have; split it"
        )
        raise InputError(str(path), [problem])
    return load_yaml(text, str(path))
