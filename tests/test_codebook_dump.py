"""Writing codebook YAML (qualcode.codebook.dump): what importers and suggestions produce."""

from pathlib import Path

from qualcode.codebook.dump import DraftCode, DraftCodebook, draft_yaml
from qualcode.codebook.load import load_codebook, parse_codebook
from qualcode.rules.dump import draft_from_codebook

ROOT = Path(__file__).resolve().parents[1]


def _codes(book):
    return [
        (c.path, c.label, c.definition, c.include, c.exclude, c.color, c.negation,
         [r.source for r in c.match], [r.source for r in c.unless], c.examples, c.non_examples)
        for c in book.walk()
    ]  # fmt: skip


def test_bundled_codebooks_round_trip(tmp_path):
    for name in ("ketamine.yaml", "nhs_fft.yaml"):
        book = load_codebook(ROOT / "codebooks" / name)
        text = draft_yaml(draft_from_codebook(book))
        again = parse_codebook(text, str(tmp_path / name))
        assert _codes(again) == _codes(book)
        # Folded text loses only a trailing newline (`>` versus `>-`).
        assert (again.name, again.version, again.description) == (
            book.name, book.version, book.description.strip(),
        )  # fmt: skip


def test_awkward_terms_stay_strings():
    terms = ["yes", "no", "1.0", "*ache", "null", "- dash", "a: b", "#tag", "~", "café"]
    draft = DraftCodebook(
        name="Awkward",
        header=["made by a test"],
        codes=[DraftCode(id="t", match=list(terms), comment="imported from somewhere")],
    )
    text = draft_yaml(draft)
    assert text.startswith("# made by a test\n")
    assert "# imported from somewhere" in text
    book = parse_codebook(text, "awkward.yaml")
    assert [r.source for r in book.get("t").match] == terms
