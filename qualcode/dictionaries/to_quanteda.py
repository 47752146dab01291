"""Write a codebook as a quanteda YAML dictionary, saying what cannot be expressed.

quanteda's dictionary lookup matches each pattern against tokens as written (glob
valuetype: `*` and `?` wildcards, case-insensitive, a pattern with spaces is a phrase). So:

- keys are code ids (unique and safe as keys; the label follows as a comment), nesting is the
  code hierarchy; a parent's own rules go under a child key with the parent's id;
- a glob is written as it is;
- a plain word also matches its lemma in qualcode (`crave` codes "craved"): it is expanded to
  every form the lookup lemma table maps to it (the reverse lookup qualcode's prefilter uses),
  so the dictionary matches the same words; phrases expand piece by piece;
- `tokens` rules that only test the lower-case text (as `qualcode import` writes them) become
  patterns again; regex, near, other tokens rules, `unless`, negation and sentence units have
  no quanteda equivalent: each is reported as a warning naming the code.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from qualcode.codebook.dump import yaml_text
from qualcode.codebook.model import Code, Codebook, Rule
from qualcode.rules.registry import kind_of

#: A phrase whose pieces have many inflections is written as written beyond this many variants.
MAX_VARIANTS = 64
_YAML11_WORDS = {"yes", "no", "true", "false", "on", "off", "y", "n", "null", "~"}
_STAR, _QMARK = "zqqstarqqz", "zqqqmarkqqz"


@dataclass
class QuantedaExport:
    """The dictionary as YAML text, and what could not be expressed (one line per problem)."""

    text: str
    warnings: list[str] = field(default_factory=list)


def reverse_lemmas(table: dict[str, str]) -> dict[str, list[str]]:
    """lemma -> the forms the lookup table maps to it (sorted)."""
    rev: dict[str, list[str]] = defaultdict(list)
    for form, lemma in table.items():
        if form != lemma:
            rev[lemma].append(form)
    return {k: sorted(v) for k, v in rev.items()}


class _Joiner:
    """Writes a token sequence as the shortest text the tokenizer splits back into it:
    `do` + `n't` -> "don't", `kind` + `of` -> "kind of" (quanteda keeps "don't" one token)."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self.tokenize = tokenize

    def __call__(self, tokens: list[str]) -> str:
        masked = [t.replace("*", _STAR).replace("?", _QMARK) for t in tokens]
        gaps = len(masked) - 1
        # Fewest spaces first; sequences are short (an entry of a few tokens), and past
        # eight tokens every gap simply gets a space.
        choices = (
            sorted(itertools.product((False, True), repeat=gaps), key=sum) if gaps <= 8 else []
        )
        for spaces in choices:
            text = masked[0] + "".join(
                (" " if space else "") + tok for space, tok in zip(spaces, masked[1:])
            )
            if self.tokenize(text) == masked:
                return _unmask(text)
        return _unmask(" ".join(masked))


def _unmask(text: str) -> str:
    return text.replace(_STAR, "*").replace(_QMARK, "?")


class _Exporter:
    def __init__(
        self, codebook: Codebook, inflections: bool, tokenize: Callable[[str], list[str]]
    ) -> None:
        self.codebook = codebook
        self.inflections = inflections
        self.join = _Joiner(tokenize)
        self.warnings: list[str] = []
        self.rev: dict[str, list[str]] = {}
        if inflections:
            from qualcode.text.pipeline import load_lemma_table

            self.rev = reverse_lemmas(load_lemma_table(codebook.language))

    def warn(self, code: Code, problem: str) -> None:
        self.warnings.append(f"{code.id}: {problem}")

    def piece_forms(self, piece: str) -> list[str]:
        if "*" in piece or "?" in piece or not self.inflections:
            return [piece]
        return [piece, *self.rev.get(piece, [])]

    def patterns(self, code: Code, rule: Rule) -> list[str]:
        # Each kind writes itself (qualcode.rules); what it cannot write it warns about.
        return kind_of(rule).to_quanteda(rule, _CodeOut(self, code))

    def node(self, code: Code) -> Any:
        own: list[str] = []
        for rule in code.match:
            for pattern in self.patterns(code, rule):
                if pattern not in own:
                    own.append(pattern)
        if code.unless:
            self.warn(code, f"`unless` ({len(code.unless)} rule(s)) dropped: hits it would "
                      "suppress are counted")  # fmt: skip
        if code.match and self.codebook.negation_for(code) != "ignore":
            self.warn(code, f"negation '{self.codebook.negation_for(code)}' not applied: "
                      "negated mentions are counted")  # fmt: skip
        if code.match and not own:
            self.warn(code, "no rule could be expressed: the key matches nothing")
        if not code.children:
            return _seq(own)
        mapping = CommentedMap()
        if own:
            self.warn(code, f"has rules and child codes: its own patterns are under the key "
                      f"'{code.id}.{code.id}'")  # fmt: skip
            mapping[code.id] = _seq(own)
        for child in code.children:
            mapping[child.id] = self.node(child)
            if child.label != child.id:
                mapping.yaml_add_eol_comment(child.label, child.id)
        return mapping


class _CodeOut:
    """The exporter as one code's rules see it (qualcode.rules.base.QuantedaOut)."""

    max_variants = MAX_VARIANTS

    def __init__(self, exporter: _Exporter, code: Code) -> None:
        self.exporter = exporter
        self.code = code
        self.join = exporter.join

    def piece_forms(self, piece: str) -> list[str]:
        return self.exporter.piece_forms(piece)

    def variants(self, rule: Rule, alternatives: list[list[str]]) -> list[str]:
        n = 1
        for alts in alternatives:
            n *= len(alts)
        if len(alternatives) > 1 and n > MAX_VARIANTS:
            self.warn(f"phrase '{rule.source}' has {n} inflected variants: written as "
                      "written (its other inflections are not matched)")  # fmt: skip
            alternatives = [alts[:1] for alts in alternatives]
        return [" ".join(p) for p in itertools.product(*alternatives)]

    def warn(self, problem: str) -> None:
        self.exporter.warn(self.code, problem)


def _seq(patterns: list[str]) -> CommentedSeq:
    seq = CommentedSeq()
    for p in patterns:
        # R's yaml package reads YAML 1.1, where yes/no/on/off are booleans: quote them.
        plain = p.lower() in _YAML11_WORDS or re.fullmatch(r"[-+.\d_eE]+", p) is not None
        seq.append(DoubleQuotedScalarString(p) if plain else p)
    return seq


def codebook_to_quanteda(
    codebook: Codebook,
    inflections: bool = True,
    tokenize: Callable[[str], list[str]] | None = None,
) -> QuantedaExport:
    """The codebook as a quanteda YAML dictionary (keys are code ids), with warnings."""
    if tokenize is None:
        from qualcode.dictionaries.convert import make_tokenize

        tokenize = make_tokenize(codebook.language)
    exporter = _Exporter(codebook, inflections, tokenize)
    doc = CommentedMap()
    for code in codebook.codes:
        doc[code.id] = exporter.node(code)
        if code.label != code.id:
            doc.yaml_add_eol_comment(code.label, code.id)
    if codebook.model:
        exporter.warnings.append(
            f"(codebook): model '{codebook.model}' lemmatises in context; words were expanded "
            "with the lookup lemma table instead"
        )
    body = yaml_text(doc)
    source = codebook.path or "<codebook>"
    header = [
        f"quanteda dictionary exported by `qualcode export quanteda` from {source}",
        f"({codebook.name}{', version ' + codebook.version if codebook.version else ''}).",
        'Read it in R with quanteda::dictionary(file = "THIS.yml"); keys are code ids.',
        "Globs are as written; plain words are expanded to the forms the lookup lemma table",
        "maps to them, so they match what qualcode matches."
        if inflections
        else "Plain words are written as written: their inflections are NOT matched.",
        "quanteda has no regex/near/unless, negation or sentence units in a dictionary.",
    ]
    if exporter.warnings:
        header.append(f"Not expressed ({len(exporter.warnings)}):")
        header.extend(f"- {w}" for w in exporter.warnings)
    else:
        header.append("Everything in the codebook was expressed.")
    text = "".join(f"# {line}\n" for line in header) + body
    return QuantedaExport(text=text, warnings=exporter.warnings)
