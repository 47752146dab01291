"""Reading answers: formats, encodings, delimiters, text kept as text, a clear error for each
bad input, and every row accounted for."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qualcode import QualcodeError, code, parse_codebook
from qualcode.coding.outdir import check_output_dir
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
    assert source.rows == 2 and len(source.sha256) == 64
    assert (source.encoding, source.encoding_method, source.delimiter) == ("utf-8", "utf-8", ",")


def test_bom_tsv_parquet_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_bytes("\ufeffid\tanswer\n1\tmy bladder\n".encode())
    frame, source = read_answers(tmp_path / "a.tsv")
    assert list(frame.columns) == ["id", "answer"] and source.encoding == "utf-8-sig"
    pd.DataFrame({"id": [1, 2], "answer": ["x", None]}).to_parquet(tmp_path / "a.parquet")
    frame, source = read_answers(tmp_path / "a.parquet")
    assert frame["answer"].tolist() == ["x", ""] and frame["id"].tolist() == ["1", "2"]
    assert source.format == "parquet"
    (tmp_path / "a.jsonl").write_text('{"id": 1, "answer": "x"}\n\n{"id": 2}\n', encoding="utf-8")
    frame, source = read_answers(tmp_path / "a.jsonl")
    assert frame["answer"].tolist() == ["x", ""] and source.blank == 1


def test_typed_cells_become_the_text_a_researcher_sees(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": pd.array([17, None, 19], dtype="Int64"),
            "score": [1.0, 2.5, float("nan")],
            "when": pd.to_datetime(["2024-01-31 00:00", "2024-02-01 10:30", None]),
            "consent": [True, False, None],
            "answer": ["ok", "caf\u0065\u0301", "a\r\nb"],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    read, _ = read_answers(tmp_path / "t.parquet")
    assert read["id"].tolist() == ["17", "", "19"]
    assert read["score"].tolist() == ["1", "2.5", ""]
    assert read["when"].tolist() == ["2024-01-31", "2024-02-01 10:30:00", ""]
    assert read["consent"].tolist() == ["TRUE", "FALSE", ""]
    assert read["answer"].tolist() == ["ok", "caf\u00e9", "a\nb"]  # NFC, \n


def test_missing_empty_and_header_only(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.csv").code == "E301"
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert error_of(tmp_path / "empty.csv").code == "E303"
    (tmp_path / "blank.csv").write_text(" \n\n  \r\n", encoding="utf-8")
    assert error_of(tmp_path / "blank.csv").code == "E303"
    (tmp_path / "header.csv").write_text("id,answer\n", encoding="utf-8")
    err = error_of(tmp_path / "header.csv")
    assert err.code == "E309" and "header row but no answers" in str(err)


def test_wrong_number_of_fields_names_the_line_and_can_be_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    # The quoted answer spans lines 2-3, so the bad record starts on line 4, not row 3.
    path.write_text(
        'id,answer,age\n1,"two\nlines",30\n2,too,many,fields\n3,short\n4,fine,40\n5,x,1,\n',
        encoding="utf-8",
    )
    err = error_of(path)
    assert err.code == "E310" and err.where.line == 4
    assert "line 4 has 4 field(s) where the header has 3" in str(err)
    assert "1 more bad row(s), at line(s) 5" in str(err) and "--skip-bad-rows" in str(err)
    frame, source = read_answers(path, skip_bad_rows=True)
    assert frame["id"].tolist() == ["1", "4", "5"]  # a trailing empty field is not a bad row
    assert frame["answer"].tolist()[0] == "two\nlines"
    assert [s["line"] for s in source.skipped] == [4, 5]
    assert source.skipped[1]["reason"] == "2 field(s) where the header has 3"
    assert any("skipped 2 bad row(s) at line(s) 4, 5" in n for n in source.notes)


def test_an_unclosed_quote_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,answer\n1,ok\n2,"never closed\n3,x\n', encoding="utf-8")
    err = error_of(path)
    assert err.code == "E302" and err.where.line == 3 and "quote" in str(err)


def test_undecodable_bytes_give_the_offset_and_suggest_an_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,answer\n1,caf\u00e9\n".encode("cp1252"))
    err = error_of(path, encoding="utf-8")
    assert err.code == "E308" and "offset 15" in str(err) and "--encoding cp1252" in str(err)
    assert err.where.line == 2
    frame, source = read_answers(path, encoding="cp1252")
    assert frame["answer"].tolist() == ["caf\u00e9"] and source.encoding_method == "given"
    assert error_of(path, encoding="klingon").code == "E302"
    assert "--sheet applies to workbooks only" in str(error_of(path, sheet="Sheet1"))


def test_cp1252_is_detected_and_the_guess_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    answers = [
        "It\u2019s \u201cfine\u201d \u2013 na\u00efve",
        "\u20ac5 for a caf\u00e9",
        "\u00fcber",
    ]
    path.write_bytes(("id;answer\n" + "".join(f"{i};{a}\r\n" for i, a in enumerate(answers)))
                     .encode("cp1252"))  # fmt: skip
    frame, source = read_answers(path)
    assert frame["answer"].tolist() == answers
    assert (source.encoding, source.encoding_method, source.delimiter) == ("cp1252", "guessed", ";")
    assert any("not UTF-8; decoded as cp1252" in n for n in source.notes)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    text = "id\tanswer\r\n1\tna\u00efve \u201cquote\u201d\r\n2\t\u65e5\u672c\u8a9e\r\n"
    path = tmp_path / "unicode.txt"
    bom = {"utf-16-le": b"", "utf-16-be": b""}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    frame, source = read_answers(path)
    assert frame["answer"].tolist() == ["na\u00efve \u201cquote\u201d", "\u65e5\u672c\u8a9e"]
    assert source.delimiter == "\t"
    expected_method = "bom" if encoding in ("utf-16", "utf-32") else "guessed"
    assert source.encoding_method == expected_method


def test_binary_files_are_refused_with_what_they_look_like(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "answer"])
    book.save(tmp_path / "really.xlsx")
    (tmp_path / "renamed.csv").write_bytes((tmp_path / "really.xlsx").read_bytes())
    err = error_of(tmp_path / "renamed.csv")
    assert err.code == "E311" and ".xlsx extension" in str(err)
    (tmp_path / "old.csv").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert "old binary Excel" in str(error_of(tmp_path / "old.csv"))
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    err = error_of(tmp_path / "image.csv")
    assert err.code == "E311" and "binary file" in str(err)
    (tmp_path / "text.xlsx").write_text("id,answer\n1,x\n", encoding="utf-8")
    err = error_of(tmp_path / "text.xlsx")
    assert err.code == "E311" and "not a readable workbook" in str(err)


@pytest.mark.parametrize(
    ("body", "delimiter"),
    [
        ("id;answer;age\n1;yes, and no;30\n2;a, b, c;40\n", ";"),
        ("id|answer\n1|x, y; z\n2|w\n", "|"),
        ("id\tanswer\n1\ta, b\n2\tc; d\n", "\t"),
        ('id,answer\n1,"a; b; c"\n2,"d; e"\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(tmp_path: Path, body: str, delimiter: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(body, encoding="utf-8")
    frame, source = read_answers(path)
    assert source.delimiter == delimiter
    assert frame.shape == (2, len(body.split("\n")[0].split(delimiter)))


def test_one_answer_per_line_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("answer\nI felt sick, then fine\nno; never\n\nok | fine\n", encoding="utf-8")
    frame, source = read_answers(path)
    assert frame["answer"].tolist() == ["I felt sick, then fine", "no; never", "ok | fine"]
    assert source.delimiter is None and source.blank == 1
    err = error_of(path, delimiter="semicolon")  # the override is obeyed, and is wrong here
    assert err.code == "E310" and err.where.line == 3


def test_line_endings_and_unicode_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes('id,answer\r1,"a\r\nb\rc"\r2,cafe\u0301\r'.encode())
    frame, _ = read_answers(path)
    assert frame["answer"].tolist() == ["a\nb\nc", "caf\u00e9"]


def test_xlsx_sheets_typed_cells_and_stray_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Readme"
    first.append(["about", "this workbook"])
    first.append(["note", "nothing to code"])
    sheet = book.create_sheet("Responses")
    sheet.append(["id", "answer", "started", "consent", "score"])
    sheet.append([17, "my bladder", dt.datetime(2024, 1, 31), True, 2.5])
    sheet.append([])
    sheet.append([18, "=not a formula", dt.datetime(2024, 2, 1, 9, 15), False, None, "stray"])
    book.save(tmp_path / "survey.xlsx")
    frame, source = read_answers(tmp_path / "survey.xlsx", sheet="Responses")
    assert list(frame.columns) == ["id", "answer", "started", "consent", "score", "column_6"]
    assert frame["id"].tolist() == ["17", "18"]
    assert frame["started"].tolist() == ["2024-01-31", "2024-02-01 09:15:00"]
    assert frame["consent"].tolist() == ["TRUE", "FALSE"]
    assert frame["score"].tolist() == ["2.5", ""] and frame["column_6"].tolist() == ["", "stray"]
    assert source.sheet == "Responses" and source.blank == 1 and source.format == "xlsx"
    assert any("column 6 -> 'column_6'" in n for n in source.notes)
    frame, source = read_answers(tmp_path / "survey.xlsx")
    assert source.sheet == "Readme" and frame.shape == (1, 2)
    err = error_of(tmp_path / "survey.xlsx", sheet="responses")
    assert err.code == "E313" and "Did you mean 'Responses'" in str(err) and "Readme" in str(err)


def test_duplicate_and_empty_column_names_are_renamed_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,Q1,Q1,,answer\n1,a,b,c,d\n", encoding="utf-8")
    frame, source = read_answers(path)
    assert list(frame.columns) == ["id", "Q1", "Q1.1", "column_4", "answer"]
    assert frame.iloc[0].tolist() == ["1", "a", "b", "c", "d"]
    assert any("renamed 2 column(s)" in n for n in source.notes)


def test_jsonl_errors_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n{"id": 2,, }\n', encoding="utf-8")
    err = error_of(path)
    assert err.code == "E302" and err.where.line == 2 and "invalid JSON" in str(err)
    path.write_text('{"id": 1}\n[1, 2]\n', encoding="utf-8")
    assert "a JSON list, not an object" in str(error_of(path))


def test_spss_value_labels_become_text_and_variable_labels_question_labels(
    tmp_path: Path,
) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"id": [1.0, 2.0], "sex": [1.0, 2.0], "q1": ["felt sick", ""]})
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame, str(path), column_labels=["Respondent", "Sex", "What harms did you notice?"],
        variable_value_labels={"sex": {1.0: "female", 2.0: "male"}},
    )  # fmt: skip
    read, source = read_answers(path)
    assert read["sex"].tolist() == ["female", "male"] and read["id"].tolist() == ["1", "2"]
    assert read["q1"].tolist() == ["felt sick", ""]
    assert source.labels["q1"] == "What harms did you notice?"
    pyreadstat.write_dta(frame, str(tmp_path / "survey.dta"))
    read, _ = read_answers(tmp_path / "survey.dta")
    assert read["q1"].tolist() == ["felt sick", ""]


def test_spss_without_pyreadstat_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "s.sav").write_bytes(b"$FL2" + bytes(100))
    monkeypatch.setitem(sys.modules, "pyreadstat", None)  # as if the extra were not installed
    err = error_of(tmp_path / "s.sav")
    assert err.code == "E312" and "pip install 'qualcode[spss]'" in str(err)


def test_a_one_megabyte_answer_is_read_and_coded(tmp_path: Path) -> None:
    long = ("my bladder hurts and the cravings are bad. " * 25000)[: 1 << 20]
    path = tmp_path / "long.csv"
    path.write_text(f'id,answer\n1,"{long}"\n2,short\n', encoding="utf-8")
    frame, _ = read_answers(path)
    assert len(frame["answer"][0]) == 1 << 20
    cb = parse_codebook("name: T\ncodes: [{id: bladder, match: [bladder]}]\n", "t")
    coding = code(frame, cb, text="answer", id="id")
    assert coding.matrix["bladder"].tolist() == [1, 0]
    assert (coding.segments["code"] == "bladder").sum() == long.count("bladder")


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
    with pytest.raises(QualcodeError) as info:
        resolve_columns(frame, ["q_1"], None, "s.csv")
    assert info.value.code == "E304" and "Did you mean 'q1'" in str(info.value)


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


def test_a_glob_of_partitions_is_read_in_order(tmp_path: Path) -> None:
    (tmp_path / "part-1.csv").write_text("id,answer\n1,a\n2,b\n", encoding="utf-8")
    (tmp_path / "part-0.csv").write_text("id,answer\n0,z\n", encoding="utf-8")
    frame, source = read_answers(tmp_path / "part-*.csv")
    assert frame["id"].tolist() == ["0", "1", "2"] and source.rows == 3
    assert [Path(f["path"]).name for f in source.files] == ["part-0.csv", "part-1.csv"]
    assert [f["rows"] for f in source.files] == [1, 2] and len(source.sha256) == 64
    (tmp_path / "part-2.csv").write_text("id,text\n3,c\n", encoding="utf-8")
    err = error_of(tmp_path / "part-*.csv")
    assert err.code == "E314" and "part-2.csv" in str(err) and "id, answer" in str(err)
    assert error_of(tmp_path / "nothing-*.csv").code == "E301"
    pd.DataFrame({"id": ["5"], "answer": ["p"]}).to_parquet(tmp_path / "part-9.parquet")
    err = error_of(tmp_path / "part-*")
    assert err.code == "E306" and ".csv and .parquet" in str(err)
