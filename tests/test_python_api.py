"""The documented public API (docs/python-api.md): pandas in, pandas out."""

import json
from pathlib import Path

import pandas as pd
import pytest

import qualcode
from qualcode.analysis.crosstab import prevalence_by

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"


@pytest.fixture(scope="module")
def answers():
    return pd.read_csv(ROOT / "examples" / "ketamine_survey.csv", dtype=str).fillna("")


@pytest.fixture(scope="module")
def coding(answers):
    book = qualcode.load_codebook(CODEBOOK)
    return qualcode.code(answers, book, text=["q1_harms", "q2_treatment"], id="respondent_id")


def test_public_names():
    for name in ("load_codebook", "code", "Coding", "load_coding", "read_answers", "Codebook",
                 "QualcodeError", "__version__"):  # fmt: skip
        assert name in qualcode.__all__ and hasattr(qualcode, name)


def test_code_returns_frames_aligned_with_the_input(answers, coding):
    assert isinstance(coding, qualcode.Coding)
    assert coding.matrix.index.equals(answers.index)
    assert list(coding.matrix.columns) == qualcode.load_codebook(CODEBOOK).ids
    assert set(coding.segments["question"]) <= {"q1_harms", "q2_treatment"}
    # Offsets index the answer as given.
    for seg in coding.segments.head(200).itertuples():
        text = answers.at[seg.row - 1, seg.question]
        assert text[seg.start : seg.end] == seg.match


def test_summary_method(coding):
    table = coding.summary()
    assert table.equals(coding.summary_table) and table is not coding.summary_table
    bladder = table.set_index("code").loc["bladder"]
    assert bladder["coded"] == int(coding.matrix["bladder"].sum())
    by = coding.summary(by="region")
    expected, notes = prevalence_by(coding, "region")
    pd.testing.assert_frame_equal(by, expected)
    assert by.attrs["notes"] == notes
    with pytest.raises(qualcode.QualcodeError) as info:
        coding.summary(by="regoin")
    assert info.value.code == "E304" and "region" in str(info.value)


def test_quotes_method(coding):
    quotes = coding.quotes(["bladder", "stigma"], per_code=2, seed=3)
    assert set(quotes["code"]) == {"bladder", "stigma"}
    assert quotes.groupby("code").size().max() <= 2
    assert quotes.equals(coding.quotes(["bladder", "stigma"], per_code=2, seed=3))


def test_save_and_load_round_trip(coding, tmp_path):
    outdir = coding.save(tmp_path / "out")
    loaded = qualcode.load_coding(outdir)
    pd.testing.assert_frame_equal(loaded.segments, coding.segments)
    pd.testing.assert_frame_equal(loaded.summary(), coding.summary())
    assert (loaded.matrix.values == coding.matrix.values).all()
    # The loaded coding finds its codebook through the manifest (absolute path here).
    assert loaded.codebook is None
    assert loaded.load_codebook().ids == coding.codebook.ids
    assert len(loaded.quotes(["bladder"], per_code=1)) == 1
    # A moved codebook: E656 says to name it.
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    manifest["codebook"]["path"] = str(tmp_path / "gone.yaml")
    (outdir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    moved = qualcode.load_coding(outdir)
    with pytest.raises(qualcode.QualcodeError) as info:
        moved.quotes(["bladder"])
    assert info.value.code == "E656"
    assert len(moved.quotes(["bladder"], per_code=1, codebook=CODEBOOK)) == 1
