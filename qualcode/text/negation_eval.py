"""Evaluate the negation detector on NegEx-style gold annotations.

The gold file is a TSV with the columns `Report No.`, `Concept`, `Sentence` and `Negation`
(Affirmed/Negated); the concept stands in UPPER CASE inside the sentence. Each sentence is
tokenised exactly as the coding engine does (blank English + sentencizer), the sentence that
holds the concept is handed to `NegationDetector.find`, and "Negated" is the positive class.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

from qualcode.text.negation import NegationDetector, NegationLexicon

POSITIVE = "Negated"


@dataclass(frozen=True)
class GoldRow:
    """One annotated concept in one sentence."""

    report: str
    concept: str
    sentence: str
    label: str  # "Affirmed" or "Negated"


@dataclass(frozen=True)
class Example:
    """A located gold row: the lower-case tokens of its sentence and the concept's range."""

    row: GoldRow
    tokens: tuple[str, ...]
    start: int
    end: int


def make_nlp() -> Language:
    """The coding engine's default pipeline: blank English plus a sentencizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def load_gold(path: str | Path) -> list[GoldRow]:
    """Read the gold TSV (no quoting: sentences hold stray double quotes)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            GoldRow(r["Report No."], r["Concept"], r["Sentence"], r["Negation"].strip())
            for r in reader
        ]


def locate(sentence: str, concept: str) -> tuple[int, int] | None:
    """The concept's character span: upper-case match first, then any case; spaces flexible."""
    words = concept.split()
    if not words:
        return None
    # Annotators copied concepts with their own runs of spaces and line breaks.
    pattern = r"\s+".join(re.escape(w) for w in words)
    upper = re.search(r"\s+".join(re.escape(w.upper()) for w in words), sentence)
    found = upper or re.search(pattern, sentence, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def prepare(rows: Iterable[GoldRow], nlp: Language) -> tuple[list[Example], list[GoldRow]]:
    """Tokenise and locate every row: (located examples, rows whose concept was not found)."""
    examples: list[Example] = []
    unlocated: list[GoldRow] = []
    for row in rows:
        example = _example(row, nlp)
        if example is None:
            unlocated.append(row)
        else:
            examples.append(example)
    return examples, unlocated


def _example(row: GoldRow, nlp: Language) -> Example | None:
    chars = locate(row.sentence, row.concept)
    if chars is None:
        return None
    doc = nlp(row.sentence)
    span = doc.char_span(chars[0], chars[1], alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    # The unit is the sentence that holds the concept (both, should it straddle a boundary).
    first, last = doc[span.start].sent.start, doc[span.end - 1].sent.end
    tokens = tuple(t.lower_ for t in doc[first:last])
    return Example(row, tokens, span.start - first, span.end - first)


def score(examples: Iterable[Example], detector: NegationDetector) -> dict[str, object]:
    """Confusion counts and metrics of "Negated", plus the misclassified examples."""
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    errors: list[tuple[str, Example, str | None]] = []
    for ex in examples:
        trigger = detector.find(ex.tokens, ex.start, ex.end)
        gold = ex.row.label == POSITIVE
        key = ("t" if gold == (trigger is not None) else "f") + ("p" if trigger else "n")
        counts[key] += 1
        if key[0] == "f":
            errors.append((key, ex, trigger))
    return {**counts, **metrics(**counts), "errors": errors}


def metrics(tp: int, fp: int, fn: int, tn: int) -> dict[str, float | int]:
    """Accuracy, precision, recall and F1 of the positive class."""
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = (tp + tn) / n if n else 0.0
    return {"n": n, "accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}


def phrase_tokenizer(nlp: Language) -> Callable[[str], list[str]]:
    """Tokenise trigger phrases as the engine does: lower-case texts from the same tokenizer."""
    return lambda text: [t.lower_ for t in nlp.tokenizer(text)]


def evaluate(
    gold_path: str | Path, lexicon: NegationLexicon, nlp: Language | None = None
) -> dict[str, object]:
    """Evaluate `lexicon` on a gold TSV; unlocated rows are counted, not scored."""
    nlp = nlp or make_nlp()
    examples, unlocated = prepare(load_gold(gold_path), nlp)
    result = score(examples, NegationDetector(lexicon, phrase_tokenizer(nlp)))
    result["unlocated"] = len(unlocated)
    result["unlocated_rows"] = unlocated
    result["window"] = lexicon.window
    return result


def sweep(
    examples: list[Example], lexicon: NegationLexicon, windows: Iterable[int], nlp: Language
) -> dict[int, dict[str, object]]:
    """Score `lexicon` at each window (how the default window is chosen)."""
    tokenize = phrase_tokenizer(nlp)
    return {
        w: score(examples, NegationDetector(lexicon.extend(window=w), tokenize)) for w in windows
    }


def confusion_table(result: dict[str, object]) -> str:
    """A two-by-two confusion matrix as text (rows: gold, columns: predicted)."""
    corner = "gold \\ predicted"
    return "\n".join(
        [
            f"{corner:<18}{'Negated':>9}{'Affirmed':>10}",
            f"{'Negated':<18}{result['tp']:>9}{result['fn']:>10}",
            f"{'Affirmed':<18}{result['fp']:>9}{result['tn']:>10}",
        ]
    )
