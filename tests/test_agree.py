"""`qualcode agree`: agreement of the machine (or coder B) with human coding."""

from __future__ import annotations

import io
import math
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from qualcode import QualcodeError, code, parse_codebook
from qualcode.analysis.agreement import agreement, disagreements, machine_table
from qualcode.cli import app
from qualcode.io.gold import parse_map, read_gold, read_map_file

# tp=4, fn=1, fp=2, tn=3: po 0.7, pe 0.5 -> kappa 0.4
GOLD = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
MACH = [1, 1, 1, 1, 0, 1, 1, 0, 0, 0]


def frames(**codes: tuple[list[int], list[int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(next(iter(codes.values()))[0])
    index = pd.Index([f"r{i}" for i in range(n)], name="id")
    gold = pd.DataFrame({c: g for c, (g, _) in codes.items()}, index=index)
    machine = pd.DataFrame({c: m for c, (_, m) in codes.items()}, index=index)
    return gold, machine


def row(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.set_index("code").loc[name]


def test_hand_case_kappa_alpha_precision_recall() -> None:
    gold, machine = frames(x=(GOLD, MACH))
    r = row(agreement(gold, machine, n_boot=50), "x")
    assert r["kappa"] == pytest.approx(0.4)
    assert r["kappa"] == pytest.approx(cohen_kappa_score(GOLD, MACH))
    expected = krippendorff.alpha(reliability_data=[GOLD, MACH], level_of_measurement="nominal")
    assert r["alpha"] == pytest.approx(expected)
    assert r["agreement"] == pytest.approx(0.7)
    assert r["precision"] == pytest.approx(4 / 6)
    assert r["recall"] == pytest.approx(4 / 5)
    assert r["f1"] == pytest.approx(8 / 11)
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (4, 2, 1, 3)


def test_all_agree_and_a_code_nobody_used() -> None:
    same = [1, 0, 1, 1, 0, 0]
    gold, machine = frames(same=(same, same), none=([0] * 6, [0] * 6), miss=([1] * 6, [0] * 6))
    result = agreement(gold, machine, n_boot=50)
    r = row(result, "same")
    assert r["kappa"] == pytest.approx(1.0) == cohen_kappa_score(same, same)
    assert r["alpha"] == pytest.approx(1.0)
    none = row(result, "none")
    assert none["agreement"] == 1.0
    for metric in ("kappa", "alpha", "precision", "recall", "f1"):
        assert math.isnan(none[metric])
    assert "never coded" in none["note"]
    miss = row(result, "miss")
    assert math.isnan(miss["precision"]) and miss["recall"] == 0.0
    assert "precision undefined" in miss["note"]
    macro = row(result, "(macro)")
    assert macro["agreement"] == pytest.approx((1 + 1 + 0) / 3)


def test_random_cases_match_sklearn_and_krippendorff() -> None:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 2, size=(40, 3))
    b = np.where(rng.random((40, 3)) < 0.8, a, 1 - a)
    gold, machine = frames(**{f"c{j}": (a[:, j].tolist(), b[:, j].tolist()) for j in range(3)})
    result = agreement(gold, machine, n_boot=20)
    for j in range(3):
        r = row(result, f"c{j}")
        assert r["kappa"] == pytest.approx(cohen_kappa_score(a[:, j], b[:, j]))
        assert r["alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=[a[:, j], b[:, j]], level_of_measurement="nominal")
        )
    micro = row(result, "(micro)")
    assert micro["kappa"] == pytest.approx(cohen_kappa_score(a.ravel(), b.ravel()))


def test_bootstrap_contains_estimate_and_is_reproducible() -> None:
    gold, machine = frames(x=(GOLD * 5, MACH * 5))
    first = agreement(gold, machine, seed=3, n_boot=300)
    again = agreement(gold, machine, seed=3, n_boot=300)
    other = agreement(gold, machine, seed=4, n_boot=300)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    r = row(first, "x")
    for metric in ("agreement", "kappa", "alpha", "precision", "recall", "f1"):
        assert r[f"{metric}_low"] <= r[metric] <= r[f"{metric}_high"]
    assert r["kappa_low"] < r["kappa_high"]


def test_only_matched_units_and_disagreements() -> None:
    gold = pd.DataFrame({"x": [1, 0, 1]}, index=pd.Index(["a", "b", "c"], name="id"))
    machine = pd.DataFrame({"x": [0, 1, 1]}, index=pd.Index(["a", "b", "z"], name="id"))
    result = agreement(gold, machine, n_boot=10)
    assert result.attrs["matched"] == 2
    assert result.attrs["unmatched_ref"] == result.attrs["unmatched_cmp"] == 1
    found = disagreements(gold, machine, text={"a": "answer a", "b": "answer b"})
    assert found[["kind", "id", "answer"]].values.tolist() == [
        ["false positive", "b", "answer b"],
        ["false negative", "a", "answer a"],
    ]
    with pytest.raises(QualcodeError) as info:
        agreement(gold, machine.set_axis(["p", "q", "r"]))
    assert info.value.code == "E714"


def test_read_wide_long_and_map(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(
        "Comment ID,Date,FFT answer,Staff manner,Pain\n"
        "c1,2021,Kind staff thank you,1,\nc2,2021,It hurt a lot,,1\nc3,2021,Fine,,\n",
        encoding="utf-8",
    )
    with pytest.raises(QualcodeError) as info:
        read_gold(wide)
    assert info.value.code == "E711"
    gold = read_gold(wide, id="Comment ID", mapping={"Staff manner": "staff"})
    assert gold.attrs["layout"] == "wide"
    assert list(gold.columns) == ["staff", "Pain"]
    assert gold.loc["c2"].tolist() == [0, 1]
    assert gold.attrs["text"]["c1"] == "Kind staff thank you"

    long = tmp_path / "long.csv"
    long.write_text(
        "lfdn;v_26;tag\n1;slow and costly;Cost\n1;slow and costly;Time\n2;nothing;NotCodable\n",
        encoding="utf-8",
    )
    gold = read_gold(long, id="lfdn")
    assert gold.attrs["layout"] == "long"
    assert gold.loc["1", ["Cost", "Time", "NotCodable"]].tolist() == [1, 1, 0]
    assert gold.loc["2"].sum() == 1
    assert gold.attrs["text"]["1"] == "slow and costly"
    # Several codes in one cell, separated by ";", read as one row per code.
    packed = tmp_path / "packed.csv"
    packed.write_text(
        "id,question,codes\n1,q1,Cost; Time\n2,q1,NotCodable\n2,q2,\n", encoding="utf-8"
    )
    gold = read_gold(packed)
    assert gold.attrs["layout"] == "long"
    assert sorted(gold.columns) == ["Cost", "NotCodable", "Time"]
    assert gold.loc[("1", "q1")].tolist() == [int(c in ("Cost", "Time")) for c in gold.columns]
    assert gold.loc[("2", "q2")].sum() == 0  # an empty cell: a unit with no code

    maps = tmp_path / "map.yaml"
    maps.write_text("Cost: money\ntime: [Time, Delay]\n", encoding="utf-8")
    assert read_map_file(maps) == {"Cost": "money", "Time": "time", "Delay": "time"}
    assert parse_map(["A b=c"]) == {"A b": "c"}
    with pytest.raises(QualcodeError) as info:
        parse_map(["nothing"])
    assert info.value.code == "E713"
    empty = tmp_path / "empty.csv"
    empty.write_text("id,answer,sentiment\n1,ok,positive\n2,bad,negative\n", encoding="utf-8")
    with pytest.raises(QualcodeError) as info:
        read_gold(empty)
    assert info.value.code == "E712"


def test_read_coding_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "codebook"
    book["codebook"].append(["id", "label"])
    sheet = book.create_sheet("coding")
    sheet.append(["row", "id", "question", "answer", "b", "c"])
    sheet.append([1, "p1", "t", "my bladder", 1, 0])
    sheet.append([2, "p2", "t", "no pain", 0, 1])
    book.save(tmp_path / "sheet.xlsx")
    gold = read_gold(tmp_path / "sheet.xlsx")
    assert gold.index.names == ["id", "question"]
    assert list(gold.columns) == ["b", "c"]
    assert gold.loc[("p2", "t")].tolist() == [0, 1]


CODEBOOK = "name: T\ncodes: [{id: a, codes: [{id: b, match: [bladder]}, {id: c, match: [pain]}]}]\n"


def test_cli_end_to_end(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"id": ["p1", "p2", "p3", "p4"], "t": ["my bladder", "no pain", "pain", "tired"]}
    )
    code(frame, parse_codebook(CODEBOOK, "t.yaml"), text="t", id="id").save(tmp_path / "out")
    gold = tmp_path / "gold.csv"
    gold.write_text("id,answer,B,pain\np1,my bladder,1,0\np2,no pain,0,1\np3,pain,0,0\n")
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["agree", str(gold), str(tmp_path / "out"), "--map", "B=b", "--map", "pain=c",
         "--format", "csv", "--n-boot", "50", "--disagreements", str(tmp_path / "d.md")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("code,n,tp,fp,fn,tn,")
    text = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "## c" in text and "pain (negated)" in text and "false positives (1)" in text

    from qualcode import load_coding

    machine = machine_table(load_coding(tmp_path / "out"))
    gold_frame = read_gold(gold, mapping={"B": "b", "pain": "c"})
    found = disagreements(gold_frame, machine)
    assert found[["code", "kind", "id"]].values.tolist() == [
        ["c", "false positive", "p3"],
        ["c", "false negative", "p2"],
    ]
    assert found["rules"].tolist() == ["pain", "pain (negated)"]

    out = tmp_path / "agree.md"
    result = runner.invoke(app, ["agree", str(gold), str(tmp_path / "out"), "--map", "B=b",
                                 "-o", str(out), "--n-boot", "20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Agreement of machine with gold" in out.read_text(encoding="utf-8")

    coder_b = tmp_path / "b.csv"
    coder_b.write_text("id,answer,B,pain\np1,my bladder,1,0\np2,no pain,0,0\np3,pain,0,1\n")
    result = runner.invoke(app, ["agree", str(gold), str(coder_b), "-f", "csv", "--n-boot", "20"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(io.StringIO(result.stdout)).set_index("code")
    assert rows.loc["B", "kappa"] == 1.0 and rows.loc["pain", "fp"] == 1


def test_sample_sheet_end_to_end(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    frame = pd.DataFrame({"id": ["p1", "p2", "p3"], "t": ["my bladder", "no pain", "pain"]})
    code(frame, parse_codebook(CODEBOOK, "t.yaml"), text="t", id="id").save(tmp_path / "out")
    (tmp_path / "t.yaml").write_text(CODEBOOK, encoding="utf-8")
    sheet = tmp_path / "sheet.xlsx"
    runner = CliRunner()
    made = runner.invoke(app, ["sample", str(tmp_path / "out"), "-n", "3", "-c",
                               str(tmp_path / "t.yaml"), "-o", str(sheet)])  # fmt: skip
    if made.exit_code != 0 or not sheet.exists():
        pytest.skip(f"qualcode sample is not available: {made.output}")
    book = load_workbook(sheet)
    coding = book["coding"]
    header = [c.value for c in coding[1]]
    for cells in coding.iter_rows(min_row=2):
        answer = cells[header.index("answer")].value
        cells[header.index("b")].value = int("bladder" in answer)
        cells[header.index("c")].value = int("pain" in answer)  # "no pain" too: a disagreement
    book.save(sheet)
    gold = read_gold(sheet)
    assert gold.index.names == ["id", "question"] and gold["c"].sum() == 2
    result = runner.invoke(app, ["agree", str(sheet), str(tmp_path / "out"), "-f", "csv",
                                 "--n-boot", "20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(io.StringIO(result.stdout)).set_index("code")
    assert rows.loc["b", "agreement"] == 1.0 and rows.loc["c", "fn"] == 1


def test_machine_table_per_question_follows_each_codes_negation_mode() -> None:
    import qualcode

    book = qualcode.parse_codebook(
        "name: T\ncodes:\n"
        "  - id: pain\n    match: [pain]\n"
        "  - id: flagged\n    negation: flag\n    match: [bladder]\n",
        "t.yaml",
    )
    data = pd.DataFrame({
        "id": ["a", "b"],
        "q1": ["no pain at all", "my bladder hurts"],
        "q2": ["I never had bladder trouble", "pain every day"],
    })  # fmt: skip
    coding = qualcode.code(data, book, text=["q1", "q2"], id="id")
    table = machine_table(coding, by_question=True)
    # Negated "pain" (exclude) does not count; negated "bladder" (flag) does, as in apply.
    assert table.loc[("a", "q1"), "pain"] == 0
    assert table.loc[("a", "q2"), "flagged"] == 1
    assert table.loc[("b", "q2"), "pain"] == 1 and table.loc[("b", "q1"), "flagged"] == 1
    # Rolled up to respondents, the per-question table is apply's matrix.
    rolled = table.groupby(level="id").max()
    assert (rolled.to_numpy() == coding.matrix.to_numpy()).all()
