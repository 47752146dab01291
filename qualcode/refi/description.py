"""A code's REFI-QDA Description: readable prose, then a block `import qdc` can read back.

Layout (each part only when there is something to say)::

    <definition>

    Include: <include>

    Exclude: <exclude>

    Examples:
    - "an example, as a JSON string"

    Rules (qualcode):
    id: "bladder"
    match: "bladder"
    match: {"regex": "\\\\bk[- ]?bladder\\\\b"}
    unless: "bladder cancer screening"
    non_example: "Thankfully I never had any bladder issues."

Every line of the block is ``key: JSON`` (JSON is also YAML flow style), one item a line, so a
researcher can read it in a QDA program's memo and `import qdc` restores the code exactly.
"""

from __future__ import annotations

import json
from typing import Any

from qualcode.codebook.model import Code
from qualcode.errors import Location, QualcodeError
from qualcode.rules.dump import rule_spec

BLOCK = "Rules (qualcode):"
#: Block keys, in the order they are written; list-valued keys repeat, one item a line.
SINGLE_KEYS = ("id", "label", "negation")
LIST_KEYS = {"match": "match", "unless": "unless", "non_example": "non_examples"}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def prose(
    definition: str, include: str, exclude: str, examples: list[str] | tuple[str, ...]
) -> str:
    """The readable part of a Description."""
    parts = [definition.strip()] if definition.strip() else []
    if include.strip():
        parts.append(f"Include: {include.strip()}")
    if exclude.strip():
        parts.append(f"Exclude: {exclude.strip()}")
    if examples:
        parts.append("Examples:\n" + "\n".join(f"- {_json(e)}" for e in examples))
    return "\n\n".join(parts)


def describe(code: Code, name: str) -> str:
    """The Description of `code`, exported under `name` (its label, or the label made
    unique): the prose, then the rules block."""
    lines = [BLOCK, f"id: {_json(code.id)}"]
    if name != code.label:
        lines.append(f"label: {_json(code.label)}")
    if code.negation:
        lines.append(f"negation: {_json(code.negation)}")
    lines += [f"match: {_json(rule_spec(r))}" for r in code.match]
    lines += [f"unless: {_json(rule_spec(r))}" for r in code.unless]
    lines += [f"non_example: {_json(e)}" for e in code.non_examples]
    text = prose(code.definition, code.include, code.exclude, code.examples)
    return "\n\n".join(p for p in (text, "\n".join(lines)) if p)


def _split_block(description: str) -> tuple[str, str | None]:
    """(prose, block lines or None): the block is the last 'Rules (qualcode):' line that
    starts the text or follows a blank line."""
    if description.startswith(BLOCK + "\n") or description == BLOCK:
        return "", description[len(BLOCK) :]
    at = description.rfind("\n\n" + BLOCK + "\n")
    if at < 0:
        return description, None
    return description[:at], description[at + 2 + len(BLOCK) :]


def _parse_prose(text: str) -> dict[str, Any]:
    """Definition, include, exclude and examples from the prose, when it has exactly the
    layout :func:`prose` writes; otherwise all of it is the definition."""
    rest, fields = text, {"definition": "", "include": "", "exclude": "", "examples": []}
    head = _last_section(rest, "Examples:\n")
    if head is not None:
        try:
            examples = [json.loads(line[2:]) for line in rest[head[1] :].split("\n")]
        except ValueError:
            examples = None
        if examples and all(isinstance(e, str) for e in examples):
            fields["examples"], rest = examples, rest[: head[0]]
    for key, label in (("exclude", "Exclude: "), ("include", "Include: ")):
        head = _last_section(rest, label)
        if head is not None:
            fields[key], rest = rest[head[1] :], rest[: head[0]]
    fields["definition"] = rest
    rendered = prose(fields["definition"], fields["include"], fields["exclude"], fields["examples"])
    if rendered != text.strip():
        return {"definition": text.strip(), "include": "", "exclude": "", "examples": []}
    return fields


def _last_section(text: str, label: str) -> tuple[int, int] | None:
    """(where the section's separator starts, where its content starts), or None."""
    if text.startswith(label) and text.find("\n\n" + label) < 0:
        return 0, len(label)
    at = text.rfind("\n\n" + label)
    return None if at < 0 else (at, at + 2 + len(label))


def parse_description(description: str, code_name: str, file: str) -> dict[str, Any]:
    """The code fields a Description holds: `definition` always; with a qualcode block also
    id, label, negation, include, exclude, examples, match, unless, non_examples (and
    ``restored=True``). A block line that is not ``key: JSON`` is E736."""
    description = description.replace("\r\n", "\n").strip()
    text, block = _split_block(description)
    if block is None:
        return {"definition": description, "restored": False}
    fields: dict[str, Any] = {**_parse_prose(text.strip()), "restored": True}
    fields.update({v: [] for v in LIST_KEYS.values()})
    for line in block.split("\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition(": ")
        key = key.strip()
        if not sep or (key not in SINGLE_KEYS and key not in LIST_KEYS):
            problem = f"{line.strip()!r} is not `key: JSON` with a known key"
            raise QualcodeError("E736", Location(file), code=code_name, problem=problem)
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            problem = f"{line.strip()!r}: {exc}"
            raise QualcodeError("E736", Location(file), code=code_name, problem=problem) from None
        if key in SINGLE_KEYS:
            if not isinstance(parsed, str):
                problem = f"{key} must be a JSON string, not {value.strip()}"
                raise QualcodeError("E736", Location(file), code=code_name, problem=problem)
            fields[key] = parsed
        else:
            fields[LIST_KEYS[key]].append(parsed)
    return fields
