"""Read a quanteda YAML dictionary.

quanteda writes (and `dictionary(file = "x.yml")` reads) a mapping whose keys are categories
and whose values are lists of patterns, or mappings of sub-categories, nested to any depth.
Patterns are matched by quanteda's default "glob" valuetype: `*` and `?` anywhere in a
token, case-insensitive; a pattern with spaces is a phrase (consecutive tokens).

ruamel's round-trip loader is used, as for codebooks: it builds only plain mappings,
sequences and scalars (no arbitrary objects, so it is as safe as its "safe" loader) and keeps
line numbers for messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from qualcode.dictionaries.common import Category, Dictionary, normalise_entry, read_lines
from qualcode.errors import Location, QualcodeError


def read_quanteda(path: str | Path) -> Dictionary:
    """Parse a quanteda YAML dictionary into a :class:`Dictionary` (syntax "glob")."""
    name = str(path)
    notes: list[str] = []
    text = "\n".join(read_lines(path, notes))
    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name)
        problem = " ".join(str(exc).split())[:300]
        raise QualcodeError(
            "E746", where, path=name, problem=f"not valid YAML: {problem}"
        ) from None
    if not isinstance(doc, CommentedMap) or not doc:
        raise QualcodeError(
            "E746", Location(name, 1), path=name,
            problem="the top level must be a mapping of category names to lists of patterns",
        )  # fmt: skip
    return Dictionary("quanteda", name, "glob", _categories(doc, name), notes)


def _line(node: Any, key: Any) -> int | None:
    try:
        if isinstance(node, CommentedMap):
            return node.lc.key(key)[0] + 1
        return node.lc.item(key)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _categories(node: CommentedMap, name: str) -> list[Category]:
    out = []
    for key, value in node.items():
        category = Category(name=str(key), line=_line(node, key))
        _fill(category, value, name, node, key)
        out.append(category)
    return out


def _fill(category: Category, value: Any, name: str, parent: Any, key: Any) -> None:
    where = Location(name, _line(parent, key))
    if value is None:
        return  # an empty key: reported as skipped when converted
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        category.add(normalise_entry(str(value)))  # a single pattern without a list
        return
    if isinstance(value, CommentedMap):
        category.children.extend(_categories(value, name))
        return
    if not isinstance(value, CommentedSeq):
        raise QualcodeError(
            "E746", where, path=name,
            problem=f"category {category.name!r} must hold a list of patterns or sub-categories",
        )  # fmt: skip
    for i, item in enumerate(value):
        if isinstance(item, CommentedMap):  # a list mixing patterns and sub-categories
            category.children.extend(_categories(item, name))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            entry = normalise_entry(str(item))
            if not entry:
                raise QualcodeError(
                    "E746", Location(name, _line(value, i)), path=name,
                    problem=f"an empty pattern in category {category.name!r}",
                )  # fmt: skip
            category.add(entry)
        else:
            raise QualcodeError(
                "E746", Location(name, _line(value, i)), path=name,
                problem=f"pattern {item!r} in category {category.name!r} is not text",
            )  # fmt: skip
