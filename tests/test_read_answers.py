"""Reading answers: formats, text kept as text, and a clear error for each bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qualcode import QualcodeError, code, parse_codebook
from qualcode.coding.result import check_output_dir
from qualcode.io.columns import resolve_columns
from qualcode.io.read import read_answers


def error_of(path: Path, **kwargs: object) -> QualcodeError:
    with pytest.raises(QualcodeError) as info:
        read_answers(path, **kwargs)
    return info.value


def test_cells_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,answer\n007,NA\n008,\n", encoding="utf-8")
    frame, source = read_answers(path)
    assert frame["id"].tolist() == ["007", "008"]
    assert frame["answer"].tolist() == ["NA", ""]
    assert source.rows == 2 and len(source.sha256) == 64 and source.encoding == "utf-8-sig"


def test_bom_tsv_parquet_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_bytes("\ufeffid\tanswer\n1\tmy bladder\n".encode())
    frame, _ = read_answers(tmp_path / "a.tsv")
    assert list(frame.columns) == ["id", "answer"]
    pd.DataFrame({"id": [1, 2], "answer": ["x", None]}).to_parquet(tmp_path / "a.parquet")
    frame, source = read_answers(tmp_path / "a.parquet")
    assert frame["answer"].tolist() == ["x", ""] and frame["id"].tolist() == ["1", "2"]
    assert source.format == "parquet"
    (tmp_path / "a.jsonl").write_text('{"id": 1, "answer": "x"}\n{"id": 2}\n', encoding="utf-8")
    frame, _ = read_answers(tmp_path / "a.jsonl")
    assert frame["answer"].tolist() == ["x", ""]


def test_missing_empty_and_header_only(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.csv").code == "E301"
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert error_of(tmp_path / "empty.csv").code == "E303"
    (tmp_path / "header.csv").write_text("id,answer\n", encoding="utf-8")
    assert error_of(tmp_path / "header.csv").code == "E303"


def test_wrong_number_of_fields_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,answer\n1,ok\n2,too,many\n", encoding="utf-8")
    err = error_of(path)
    assert err.code == "E302" and "line 3" in str(err) and "quote answers" in str(err)


def test_undecodable_bytes_give_the_offset_and_suggest_an_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,answer\n1,caf\u00e9\n".encode("cp1252"))
    err = error_of(path)
    assert err.code == "E308" and "offset 15" in str(err) and "--encoding cp1252" in str(err)
    assert err.where.line == 2
    frame, source = read_answers(path, encoding="cp1252")
    assert frame["answer"].tolist() == ["caf\u00e9"] and source.encoding == "cp1252"


def test_unsupported_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.docx").write_bytes(b"PK")
    err = error_of(tmp_path / "a.docx")
    assert err.code == "E306" and ".csv" in str(err)


def test_text_column_inference() -> None:
    frame = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c"],
            "region": ["Europe", "Europe", "Australia"],
            "q1": ["my bladder is bad", "cravings every single day", ""],
            "q2": ["nobody knows what it does", "doctors had no idea", "too ashamed to go"],
        }
    )
    text, id_col, notes = resolve_columns(frame, None, None)
    assert text == ["q1", "q2"] and id_col == "respondent_id"
    assert any("inferred text column(s): q1, q2" in n for n in notes)
    text, _, _ = resolve_columns(frame, ["q*"], None)
    assert text == ["q1", "q2"]
    with pytest.raises(QualcodeError) as info:
        resolve_columns(frame[["respondent_id", "region"]], None, None, "s.csv")
    assert info.value.code == "E305"


def test_code_id_clashing_with_a_column_is_an_error() -> None:
    cb = parse_codebook("name: T\ncodes: [{id: region, match: [x]}]\n", "t")
    frame = pd.DataFrame({"region": ["a"], "answer": ["x marks"]})
    with pytest.raises(QualcodeError) as info:
        code(frame, cb, text="answer")
    assert info.value.code == "E307"


def test_output_folder_never_replaces_the_input(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("id,answer\n1,x\n", encoding="utf-8")
    with pytest.raises(QualcodeError) as info:
        check_output_dir(answers, answers)
    assert info.value.code == "E402"
