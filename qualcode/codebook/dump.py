"""Write codebook YAML: what importers, topic suggestions and round trips produce.

Importers (REFI-QDA, LIWC, quanteda, WordStat, Empath) and `qualcode topics --suggest` build a
:class:`DraftCodebook` and render it with :func:`draft_yaml`. The text is meant to be read and
edited by a researcher, so keys come in the order the codebook reference uses, long strings
fold, and each code may carry a comment (where it came from, what is left TODO).
:func:`qualcode.rules.dump.draft_from_codebook` turns a loaded codebook back into a draft (each
rule dumped by its kind), so ``parse_codebook(draft_yaml(draft_from_codebook(cb)))`` gives back
the same codes; this module only writes drafts whose rules are already YAML data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

#: A match rule as written in YAML: a term string, or a mapping such as {"regex": "..."} or
#: {"near": ["a", "b"], "within": 5}.
RuleSpec = str | dict[str, Any]


@dataclass
class DraftCode:
    """One code of a draft codebook, as plain data."""

    id: str
    label: str = ""
    definition: str = ""
    include: str = ""
    exclude: str = ""
    match: list[RuleSpec] = field(default_factory=list)
    unless: list[RuleSpec] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    non_examples: list[str] = field(default_factory=list)
    color: str | None = None
    negation: str | None = None
    children: list[DraftCode] = field(default_factory=list)
    #: A comment written above the code (e.g. "imported from LIWC category 12").
    comment: str = ""


@dataclass
class DraftCodebook:
    """A codebook to be written as YAML."""

    name: str
    codes: list[DraftCode]
    version: str = ""
    description: str = ""
    language: str = "en"
    negation: str | None = None  # defaults.negation; None leaves the default (exclude)
    unit: str | None = None  # defaults.unit; None leaves the default (sentence)
    #: Comment lines at the top of the file (without the leading "# ").
    header: list[str] = field(default_factory=list)


_FOLD_AT = 80  # strings longer than this are folded (>-) so the file stays readable


def _text(value: str) -> Any:
    value = value.strip()
    if len(value) > _FOLD_AT and "\n" not in value and "  " not in value:
        return FoldedScalarString(value)
    return value


def _term(term: str) -> Any:
    # Quote terms YAML would otherwise read as something else (yes, 1.0, null, *x, ~)
    # or that hold characters with a YAML meaning.
    if term != term.strip() or not term or term[0] in "*&!|>'\"%@`?-[]{},#~" or ": " in term:
        return DoubleQuotedScalarString(term)
    if term.lower() in {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}:
        return DoubleQuotedScalarString(term)
    try:
        float(term)
    except ValueError:
        return term
    return DoubleQuotedScalarString(term)


def _rule(rule: RuleSpec) -> Any:
    if isinstance(rule, str):
        return _term(rule)
    out = CommentedMap()
    for key, value in rule.items():
        if key == "near":
            seq = CommentedSeq(_term(v) for v in value)
            seq.fa.set_flow_style()
            out[key] = seq
        elif isinstance(value, str):
            out[key] = DoubleQuotedScalarString(value) if key == "regex" else _term(value)
        else:
            out[key] = value
    return out


def _code(draft: DraftCode, depth: int) -> CommentedMap:
    out = CommentedMap()
    out["id"] = draft.id
    if draft.label:
        out["label"] = _text(draft.label)
    if draft.color:
        out["color"] = DoubleQuotedScalarString(draft.color)
    for key in ("definition", "include", "exclude"):
        value = getattr(draft, key)
        if value:
            out[key] = _text(value)
    if draft.negation:
        out["negation"] = draft.negation
    for key in ("match", "unless"):
        rules = getattr(draft, key)
        if rules:
            out[key] = CommentedSeq(_rule(r) for r in rules)
    for key in ("examples", "non_examples"):
        texts = getattr(draft, key)
        if texts:
            out[key] = CommentedSeq(_text(t) for t in texts)
    if draft.children:
        out["codes"] = _codes(draft.children, depth + 1)
    return out


def _codes(drafts: list[DraftCode], depth: int = 0) -> CommentedSeq:
    seq = CommentedSeq()
    for i, draft in enumerate(drafts):
        seq.append(_code(draft, depth))
        if draft.comment:
            # The dash of an item at this depth: offset 2, and 4 more per level.
            indent = 2 + 4 * depth
            seq.yaml_set_comment_before_after_key(i, before=draft.comment, indent=indent)
    return seq


def draft_yaml(draft: DraftCodebook) -> str:
    """The codebook as YAML text (UTF-8, `\\n` line endings), ready for `qualcode validate`."""
    doc = CommentedMap()
    doc["name"] = _text(draft.name)
    if draft.version:
        doc["version"] = DoubleQuotedScalarString(draft.version)
    doc["language"] = draft.language
    if draft.description:
        doc["description"] = _text(draft.description)
    defaults = {k: v for k, v in (("negation", draft.negation), ("unit", draft.unit)) if v}
    if defaults:
        doc["defaults"] = defaults
    doc["codes"] = _codes(draft.codes)
    header = "".join(f"# {line}".rstrip() + "\n" for line in draft.header)
    return header + ("\n" if header else "") + yaml_text(doc)


def yaml_text(doc: CommentedMap) -> str:
    """A YAML document as qualcode writes every YAML file: 2-space mappings, list dashes
    indented under their key, lines up to 92 characters, Unicode as is."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 92
    yaml.allow_unicode = True
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()
