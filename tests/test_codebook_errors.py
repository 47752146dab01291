"""Loading a codebook: every mistake gives file:line:column, what is wrong and how to fix it."""

from __future__ import annotations

import textwrap

import pytest

from qualcode import QualcodeError, load_codebook, parse_codebook


def error_of(text: str) -> QualcodeError:
    with pytest.raises(QualcodeError) as info:
        parse_codebook(textwrap.dedent(text), "cb.yaml")
    return info.value


def test_valid_codebook_loads_hierarchy_and_rules() -> None:
    cb = parse_codebook(
        textwrap.dedent(
            """
            name: T
            version: "1.0"
            codes:
              - id: harms
                codes:
                  - id: bladder
                    match: [bladder, k bladder, "urinat*", {regex: "\\\\bk-?bladder"},
                            {near: [pain, pee], within: 4}, {tokens: [{LOWER: k}]}]
            """
        )
    )
    assert cb.ids == ["harms", "bladder"]
    bladder = cb.get("bladder")
    assert bladder.path == ("harms", "bladder")
    assert [r.kind for r in bladder.match] == ["word", "phrase", "glob", "regex", "near", "tokens"]
    assert bladder.match[4].within == 4
    assert bladder.label == "bladder"  # the id when no label is given


def test_yaml_syntax_error_has_line_and_column() -> None:
    err = error_of("name: T\ncodes:\n  - id: a\n    match: [x\n")
    assert err.code == "E102"
    assert err.where.file == "cb.yaml" and err.where.line is not None


def test_a_codebook_not_in_utf8_names_the_byte(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cb.yaml"
    path.write_bytes("name: T\ncodes:\n  - id: c\n    label: caf\u00e9\n    match: [x]\n"
                     .encode("cp1252"))  # fmt: skip
    with pytest.raises(QualcodeError) as info:
        load_codebook(path)
    assert info.value.code == "E118" and "byte 0xE9" in str(info.value)
    assert (info.value.where.line, info.value.where.column) == (4, 15)
    path.write_bytes("name: T\ncodes: [{id: c, label: caf\u00e9, match: [x]}]\n".encode("utf-16"))
    assert load_codebook(path).codes[0].label == "caf\u00e9"  # UTF-16 with a BOM is valid YAML


def test_a_control_character_is_a_yaml_error_with_position() -> None:
    err = error_of("name: T\ncodes: [{id: a\x07, match: [x]}]\n")
    assert err.code == "E102" and "U+0007" in str(err) and err.where.line == 2


def test_unknown_key_suggests_the_right_one() -> None:
    err = error_of(
        """\
        name: T
        codes:
          - id: a
            matches: [x]
        """
    )
    assert err.code == "E104"
    assert (err.where.line, err.where.column) == (4, 5)
    assert "Did you mean 'match'?" in str(err)


def test_unknown_top_level_key() -> None:
    err = error_of("name: T\nlangauge: en\ncodes: [{id: a, match: [x]}]\n")
    assert err.code == "E104" and err.where.line == 2
    assert "language" in str(err)


def test_duplicate_ids_anywhere_in_the_tree() -> None:
    err = error_of(
        """\
        name: T
        codes:
          - id: a
            codes:
              - id: b
                match: [x]
          - id: b
            match: [y]
        """
    )
    assert err.code == "E106"
    assert err.where.line == 7
    assert "first defined at line 5" in str(err)


def test_invalid_regex_reports_the_regex_error() -> None:
    err = error_of(
        """\
        name: T
        codes:
          - id: a
            match:
              - regex: "k(bladder"
        """
    )
    assert err.code == "E107"
    assert err.where.line == 5
    assert "missing )" in str(err)


def test_leaf_without_match_rules() -> None:
    err = error_of("name: T\ncodes:\n  - id: a\n    label: A\n")
    assert err.code == "E108" and err.where.line == 3


def test_wrong_types_are_named() -> None:
    err = error_of("name: T\nversion: 1.0\ncodes: [{id: a, match: [x]}]\n")
    assert err.code == "E105" and err.where.line == 2
    assert "quote it" in str(err)
    err = error_of("name: T\ncodes:\n  - id: a\n    match: bladder\n")
    assert err.code == "E105" and "a list" in str(err)
    err = error_of("name: T\ncodes:\n  - id: a\n    match: [x]\n    examples: [{a: 1}]\n")
    assert err.code == "E105"


def test_near_needs_two_terms_and_a_positive_window() -> None:
    assert error_of("name: T\ncodes: [{id: a, match: [{near: [x]}]}]\n").code == "E117"
    err = error_of("name: T\ncodes: [{id: a, match: [{near: [x, y], within: 0}]}]\n")
    assert err.code == "E105"


def test_bad_tokens_pattern_is_checked_by_spacy() -> None:
    err = error_of("name: T\ncodes: [{id: a, match: [{tokens: [{NOTANATTR: x}]}]}]\n")
    assert err.code == "E114"


def test_bad_id_and_negation_mode() -> None:
    assert error_of("name: T\ncodes: [{id: 1abc, match: [x]}]\n").code == "E110"
    err = error_of("name: T\ncodes: [{id: a, negation: maybe, match: [x]}]\n")
    assert err.code == "E113" and "exclude, flag, ignore" in str(err)


def test_duplicate_mapping_key_is_an_error_not_a_silent_overwrite() -> None:
    err = error_of("name: T\ncodes:\n  - id: a\n    match: [x]\n    match: [y]\n")
    assert err.code == "E116" and err.where.line == 5


def test_unknown_rule_key() -> None:
    err = error_of("name: T\ncodes: [{id: a, match: [{regexp: x}]}]\n")
    assert err.code == "E112" and "regex" in str(err)


def test_empty_and_missing_files(tmp_path) -> None:
    with pytest.raises(QualcodeError) as info:
        load_codebook(tmp_path / "nope.yaml")
    assert info.value.code == "E101"
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(QualcodeError) as info:
        load_codebook(empty)
    assert info.value.code == "E103"
    assert error_of("name: T\ncodes: []\n").code == "E111"


def test_yaml_is_loaded_safely() -> None:
    # A Python object tag must not be constructed; ruamel's safe round-trip loader refuses it.
    err = error_of(
        "name: !!python/object/apply:os.system ['echo hi']\ncodes: [{id: a, match: [x]}]\n"
    )
    assert err.code in ("E102", "E105")


def test_error_message_names_file_line_column_and_fix() -> None:
    err = error_of("name: T\ncodes:\n  - id: a\n    match: [x]\n    colour: red\n")
    text = str(err)
    assert text.startswith("cb.yaml:5:5: error E104")
    assert "how to fix:" in text


def test_empty_rule() -> None:
    err = error_of('name: T\ncodes:\n  - id: a\n    match: ["  "]\n')
    assert err.code == "E115" and err.where.line == 4
