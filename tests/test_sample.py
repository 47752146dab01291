"""`qualcode sample`: seeded validation samples and blind coding sheets (issue 7)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from qualcode import QualcodeError, code, load_coding, parse_codebook
from qualcode.analysis.sampling import allocate_even, allocate_proportional, draw_sample
from qualcode.cli import app
from qualcode.export.coding_sheet import leaf_codes, write_coding_sheet

CODEBOOK = """\
name: Sample test
codes:
  - id: harms
    label: Harms
    codes:
      - id: bladder
        label: Bladder problems
        definition: Urinary pain or urgency.
        include: cystitis
        exclude: kidney pain
        match: [bladder]
      - id: rare
        label: A rare code
        match: [zebra]
  - id: craving
    label: Craving
    match: [craving]
"""


@pytest.fixture()
def coded(tmp_path: Path) -> tuple[Path, object]:
    book_path = tmp_path / "book.yaml"
    book_path.write_text(CODEBOOK, encoding="utf-8")
    rows = []
    for i in range(60):
        q1 = ["my bladder hurts", "some craving at night", "nothing much", ""][i % 4]
        q2 = "zebra crossing" if i in (5, 17, 40) else ("bladder again" if i % 3 else "")
        if i == 7:
            q1 = '=HYPERLINK("http://x")'
        rows.append({"id": f"P{i:02d}", "region": "north" if i < 45 else "south", "q1": q1,
                     "q2": q2})  # fmt: skip
    frame = pd.DataFrame(rows)
    cb = parse_codebook(CODEBOOK, str(book_path))
    code(frame, cb, text=["q1", "q2"], id="id").save(tmp_path / "out")
    return tmp_path / "out", cb


def test_population_and_simple_sample(coded: tuple[Path, object]) -> None:
    outdir, _cb = coded
    coding = load_coding(outdir)
    sample = draw_sample(coding, 20, seed=3)
    population = sample.attrs["population"]
    assert population == 46 + 40  # non-empty answers only (q1 of P07 is the formula)
    assert len(sample) == 20 and not sample.duplicated(["row", "question"]).any()
    assert (sample["answer"].str.strip() != "").all()
    assert sample["weight"].sum() == pytest.approx(population)
    assert list(sample.columns[:4]) == ["row", "id", "question", "answer"]
    assert not set(sample.columns) & {"bladder", "rare", "craving", "harms"}
    everything = draw_sample(coding, 1000, seed=3)
    assert len(everything) == population and (everything["weight"] == 1).all()


def test_stratify_code_covers_rare_codes_and_weights(coded: tuple[Path, object]) -> None:
    coding = load_coding(coded[0])
    sample = draw_sample(coding, 12, stratify="code", seed=1)
    assert len(sample) == 12
    assert set(sample["stratum"]) == {"bladder", "rare", "craving", "uncoded"}
    rare = sample[sample["stratum"] == "rare"]
    assert len(rare) == 3 and set(rare["id"]) == {"P05", "P17", "P40"}  # fully sampled
    for _stratum, group in sample.groupby("stratum"):
        assert group["weight"].sum() == pytest.approx(group["stratum_size"].iloc[0])
    sizes = sample.groupby("stratum")["stratum_size"].first()
    assert sizes.sum() == sample.attrs["population"]


def test_stratify_attribute_and_question(coded: tuple[Path, object]) -> None:
    coding = load_coding(coded[0])
    sample = draw_sample(coding, 17, stratify="region", seed=1)
    counts = sample["stratum"].value_counts()
    sizes = sample.groupby("stratum")["stratum_size"].first()
    assert len(sample) == 17 and set(counts.index) == {"north", "south"}
    assert abs(counts["north"] - 17 * sizes["north"] / sizes.sum()) < 1
    by_question = draw_sample(coding, 10, stratify="question", seed=1)
    assert set(by_question["stratum"]) == {"q1", "q2"}
    with pytest.raises(QualcodeError) as info:
        draw_sample(coding, 10, stratify="regio")
    assert info.value.code == "E304" and "region" in str(info.value)


def test_allocations() -> None:
    assert allocate_even({"a": 3, "b": 100, "c": 100}, 12) == {"a": 3, "b": 5, "c": 4}
    assert allocate_even({"a": 2, "b": 3}, 99) == {"a": 2, "b": 3}
    assert allocate_proportional({"a": 90, "b": 10}, 10) == {"a": 9, "b": 1}
    assert allocate_proportional({"a": 999, "b": 1}, 5) == {"a": 4, "b": 1}


def test_coding_sheet_contents(coded: tuple[Path, object], tmp_path: Path) -> None:
    outdir, cb = coded
    sample = draw_sample(load_coding(outdir), 1000, stratify="code", seed=1)
    path = write_coding_sheet(sample, cb, tmp_path / "sheet.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["coding", "codebook", "sampling"]
    assert book["sampling"].sheet_state == "veryHidden"
    sheet = book["coding"]
    header = [c.value for c in sheet[1]]
    leaves = [c.id for c in leaf_codes(cb)]
    assert header == ["row", "id", "question", "answer", *leaves] == [
        "row", "id", "question", "answer", "bladder", "rare", "craving",
    ]  # fmt: skip
    assert sheet.max_row == len(sample) + 1
    assert sheet.freeze_panes == "E2" and sheet["D2"].alignment.wrap_text
    assert "Bladder problems" in sheet["E1"].comment.text
    # blind: the code cells are empty
    for column in sheet.iter_cols(min_col=5, min_row=2, values_only=True):
        assert set(column) == {None}
    checks = sheet.data_validations.dataValidation
    ranges = {str(v.sqref) for v in checks}
    last = len(sample) + 1
    assert ranges == {f"{x}2:{x}{last}" for x in "EFG"}
    for check in checks:
        assert check.type == "list" and check.formula1 == '"0,1"'
        assert check.showErrorMessage and check.error
    # the formula-like answer is a string, kept exactly
    formula = [c for c in sheet["D"] if str(c.value).startswith("=")]
    assert len(formula) == 1 and formula[0].data_type == "s"
    assert formula[0].value == '=HYPERLINK("http://x")'
    codebook = [[c.value for c in row] for row in book["codebook"].iter_rows()]
    assert codebook[0] == ["id", "label", "path", "definition", "include", "exclude"]
    assert codebook[2] == [
        "bladder", "Bladder problems", "harms/bladder", "Urinary pain or urgency.",
        "cystitis", "kidney pain",
    ]  # fmt: skip
    assert [r[0] for r in codebook[1:]] == ["harms", "bladder", "rare", "craving"]
    values = list(book["sampling"].values)
    record = pd.DataFrame(values[1:], columns=values[0])
    assert list(record.columns[:7]) == [
        "row", "id", "question", "stratum", "stratum_size", "sampled", "weight",
    ]  # fmt: skip
    assert record["weight"].astype(float).sum() == pytest.approx(sample.attrs["population"])
    assert set(record["seed"]) == {1}


def test_cli_same_seed_same_bytes(coded: tuple[Path, object], tmp_path: Path) -> None:
    outdir, _cb = coded
    runner = CliRunner()
    paths = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        paths[name] = tmp_path / f"{name}.xlsx"
        result = runner.invoke(
            app, ["sample", str(outdir), "-n", "10", "--stratify", "code", "--seed", str(seed),
                  "-o", str(paths[name])],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert paths["a"].read_bytes() == paths["b"].read_bytes()

    def rows(path: Path) -> list[tuple[object, ...]]:
        return list(load_workbook(path)["coding"].iter_rows(min_row=2, max_col=3, values_only=True))

    assert rows(paths["a"]) != rows(paths["c"])
    default = runner.invoke(app, ["sample", str(outdir), "-n", "5"])
    assert default.exit_code == 0, default.output
    assert (outdir.parent / "out.coding-sheet.xlsx").is_file()
    blind = tmp_path / "blind.xlsx"
    args = ["sample", str(outdir), "-n", "10", "--stratify", "code", "--no-sampling-sheet"]
    assert runner.invoke(app, [*args, "-o", str(blind)]).exit_code == 0
    assert load_workbook(blind).sheetnames == ["coding", "codebook"]
    assert rows(blind) == rows(paths["a"])
