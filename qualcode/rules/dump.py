"""A loaded codebook back as a draft (plain YAML data), each rule dumped by its own kind.

This lives here, not in qualcode.codebook.dump, because dumping a rule is its kind's job and
the codebook package must not depend on the kinds: codebook.dump writes drafts whose rules
are already in their YAML form (`RuleSpec`).
``parse_codebook(draft_yaml(draft_from_codebook(cb)))`` gives back the same codes.
"""

from __future__ import annotations

from qualcode.codebook.dump import DraftCode, DraftCodebook, RuleSpec
from qualcode.codebook.model import Code, Codebook, Rule
from qualcode.rules.registry import kind_of


def rule_spec(rule: Rule) -> RuleSpec:
    """A loaded rule back as YAML data."""
    return kind_of(rule).to_yaml(rule)


def draft_from_code(code: Code) -> DraftCode:
    """A loaded code (and its descendants) as a draft."""
    return DraftCode(
        id=code.id,
        label=code.label if code.label != code.id else "",
        definition=code.definition,
        include=code.include,
        exclude=code.exclude,
        match=[rule_spec(r) for r in code.match],
        unless=[rule_spec(r) for r in code.unless],
        examples=list(code.examples),
        non_examples=list(code.non_examples),
        color=code.color,
        negation=None if code.negation is None else str(code.negation),
        children=[draft_from_code(c) for c in code.children],
    )


def draft_from_codebook(codebook: Codebook) -> DraftCodebook:
    """A loaded codebook as a draft (the negation lexicon additions are not carried)."""
    return DraftCodebook(
        name=codebook.name,
        codes=[draft_from_code(c) for c in codebook.codes],
        version=codebook.version,
        description=codebook.description,
        language=codebook.language,
        negation=str(codebook.negation) if codebook.negation != "exclude" else None,
        unit=codebook.unit if codebook.unit != "sentence" else None,
    )
