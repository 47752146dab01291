"""Foreign dictionaries: LIWC, quanteda, WordStat and Empath to codebooks, and back to quanteda.

Real files come from ../shared/data (skipped cleanly when absent); every quirk the readers
handle has a small synthetic file here.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode import QualcodeError, code, parse_codebook
from qualcode.cli import app
from qualcode.codebook.validate import check_examples
from qualcode.dictionaries import import_dictionary, read_dictionary
from qualcode.dictionaries.to_quanteda import codebook_to_quanteda
from qualcode.rules.dump import rule_spec
from qualcode.text.pipeline import make_pipeline
from tests.conftest import shared_file

MFD1 = "dictionaries/mfd/moral_foundations_dictionary.dic"
MFD2 = "dictionaries/mfd/mfd2.0.dic"
MFD_Q = "dictionaries/mfd/mfd_quanteda.yml"
GADARIAN = "gadarian/gadarian.csv"
TEXT = "open.ended.response"


def _codebook(path: Path, fmt: str):
    text, _notes = import_dictionary(path, fmt)
    return parse_codebook(text, f"{path.name}.yaml")


def _code_texts(codebook, texts: list[str]):
    frame = pd.DataFrame({"text": texts})
    return code(frame, codebook, text="text")


def _terms(code) -> set[str]:
    """A code's rules as a set, the words of an exact-form `IN` rule one by one (order in the
    source file is not meaning)."""
    out = set()
    for rule in code.match:
        spec = rule_spec(rule)
        tokens = spec.get("tokens") if isinstance(spec, dict) else None
        if tokens and len(tokens) == 1 and isinstance(tokens[0].get("LOWER"), dict):
            out.update(f"exact:{w}" for w in tokens[0]["LOWER"].get("IN", []))
        else:
            out.add(str(spec))
    return out


def _counts(coding) -> dict[str, tuple[int, int]]:
    summary = coding.summary_table
    return {row.label: (int(row.coded), int(row.segments)) for row in summary.itertuples()}


@pytest.fixture(scope="module")
def gadarian() -> list[str]:
    frame = pd.read_csv(shared_file(GADARIAN), dtype=str, keep_default_na=False)
    assert len(frame) == 341
    return frame[TEXT].tolist()


# --- the real dictionaries -----------------------------------------------------------------


def test_mfd2_dic_and_quanteda_yaml_are_one_dictionary_and_code_alike(gadarian) -> None:
    # mfd_quanteda.yml is MFD 2.0 (care.virtue ...), not v1 (HarmVirtue ...): compare it with
    # mfd2.0.dic, whose \r line endings the LIWC reader must handle.
    dic, yml = (
        read_dictionary(shared_file(MFD2), "liwc"),
        read_dictionary(shared_file(MFD_Q), "quanteda"),
    )
    assert b"\r" in shared_file(MFD2).read_bytes() and b"\n" not in shared_file(MFD2).read_bytes()
    as_sets = lambda d: {c.name: set(c.entries) for c in d.walk()}  # noqa: E731
    assert as_sets(dic) == as_sets(yml)
    assert len(as_sets(dic)) == 10 and sum(map(len, as_sets(dic).values())) == 2103
    a, b = _codebook(shared_file(MFD2), "liwc"), _codebook(shared_file(MFD_Q), "quanteda")
    assert a.ids == b.ids and [c.label for c in a.walk()] == [c.label for c in b.walk()]
    for ca, cb in zip(a.walk(), b.walk(), strict=True):
        assert _terms(ca) == _terms(cb)
    counts_a = _counts(_code_texts(a, gadarian))
    assert counts_a == _counts(_code_texts(b, gadarian))
    assert sum(n for n, _ in counts_a.values()) > 100  # the dictionary does code this data


def _liwc_reference(entries: list[str], tokens: list[str]) -> int:
    """LIWC's rule in plain Python: a word matches an entry as written, or its prefix when the
    entry ends in `*`; lower-case; no lemmas."""
    exact = {e for e in entries if not e.endswith("*")}
    prefixes = tuple(e[:-1] for e in entries if e.endswith("*"))
    return sum(1 for w in tokens if w in exact or w.startswith(prefixes))


def test_mfd1_globs_match_exactly_what_liwc_matches(gadarian) -> None:
    dictionary = read_dictionary(shared_file(MFD1), "liwc")
    assert [c.name for c in dictionary.categories][:2] == ["HarmVirtue", "HarmVice"]
    codebook = _codebook(shared_file(MFD1), "liwc")
    assert check_examples(codebook) == []  # validates: no examples needed
    coding = _code_texts(codebook, gadarian)
    segments = coding.segments
    per_row = collections.Counter(zip(segments["row"], segments["code"]))
    ids = dict(zip([c.name for c in dictionary.categories], codebook.ids, strict=True))
    # The reference splits on every non-letter, as LIWC splits on punctuation; spaCy keeps
    # a word glued to digits and punctuation ("1)immigrants", "3.legals", "5,immigration") in
    # one token, which no entry matches. Answers with such a token are set aside (and
    # counted); on all the others the definition is unambiguous and the counts must be equal.
    # The one multi-token entry, fair-*, is left out of the reference (LIWC's hyphen rules).
    tokenizer = make_pipeline("en").nlp.tokenizer
    glued = [
        i for i, t in enumerate(gadarian)
        for tok in tokenizer(t.lower())
        if re.search(r"[a-z]", tok.text) and re.search(r"[^a-z'\u2019-]", tok.text)
    ]  # fmt: skip
    kept = [i for i in range(len(gadarian)) if i not in set(glued)]
    assert 300 <= len(kept) < 341
    checked = 0
    for category in dictionary.categories:
        entries = [e for e in category.entries if "-" not in e]
        hits = coded = 0
        for i in kept:
            n = _liwc_reference(entries, re.findall(r"[a-z]+", gadarian[i].lower()))
            ours = per_row[(i + 1, ids[category.name])]  # segments' rows count from 1
            assert n == ours, (category.name, gadarian[i])
            hits, coded = hits + n, coded + (n > 0)
        checked += hits
    assert checked > 400  # hundreds of hits compared one answer at a time
    # Inflections are NOT matched: "care" is an exact entry (caring is listed separately).
    harm = _code_texts(codebook, ["They cared.", "I care.", "Safety first."])
    assert harm.matrix[ids["HarmVirtue"]].tolist() == [0, 1, 1]


def test_empath_imports_all_categories_and_validates() -> None:
    path = shared_file("dictionaries/empath/categories.tsv")
    text, notes = import_dictionary(path, "empath")
    codebook = parse_codebook(text, "empath.yaml")
    assert len(codebook.ids) == 194 and check_examples(codebook) == []
    emotion = codebook.get("negative_emotion")
    phrases = [[t["LOWER"] for t in r.tokens] for r in emotion.match if len(r.tokens) > 1]
    assert ["so", "much", "pain"] in phrases  # so_much_pain
    coding = _code_texts(codebook, ["So much pain today.", "My money is gone"])
    assert coding.matrix["negative_emotion"].tolist()[0] == 1
    assert coding.matrix["money"].tolist() == [0, 1]


# --- LIWC quirks ---------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


LIWC = "%\n1\tPosemo\n2\tNegemo\n%\nhappy\t1\ngood*\t1\nsad\t2\nkind of\t1 2\ndon't\t2\n"


@pytest.mark.parametrize(
    "variant",
    [
        LIWC.encode(),
        LIWC.replace("\n", "\r").encode(),  # old Mac
        LIWC.replace("\n", "\r\n").encode(),  # Windows
        b"\xef\xbb\xbf" + LIWC.encode(),  # BOM
        ("# my notes\n\n" + LIWC.replace("%\nhappy", "%\n\n// entries\nhappy")).encode(),
        LIWC.replace("\t1 2", "\tPosemo Negemo").replace("sad\t2", "sad\tnegemo").encode(),
        LIWC.replace("\t", "    ").replace("kind of    1 2", "kind of\t1 2").encode(),
        LIWC.replace("1\tPosemo", "01\tPosemo").encode(),  # "01" in the header, "1" in entries
    ],
    ids=["lf", "cr", "crlf", "bom", "comments", "named", "spaces", "zero-padded"],
)
def test_liwc_line_endings_comments_and_named_categories(tmp_path, variant) -> None:
    path = _write(tmp_path, "mini.dic", variant)
    dictionary = read_dictionary(path, "liwc")
    entries = {c.name: c.entries for c in dictionary.categories}
    assert entries == {
        "Posemo": ["happy", "good*", "kind of"],
        "Negemo": ["sad", "kind of", "don't"],
    }


def test_liwc_entries_match_as_liwc_matches(tmp_path) -> None:
    codebook = _codebook(_write(tmp_path, "mini.dic", LIWC.encode()), "liwc")
    texts = [
        "Happy days",  # exact word
        "happier days",  # not an inflection match: happy is exact
        "Goodness me",  # good* prefix
        "kind of sad",  # a phrase and a word
        "kind, of",  # punctuation breaks the phrase
        "I don't know",  # tokenised like the answer: do + n't
        "I don’t know",  # curly apostrophe
        "I do not know",
    ]
    matrix = _code_texts(codebook, texts).matrix
    assert matrix["posemo"].tolist() == [1, 0, 1, 1, 0, 0, 0, 0]
    assert matrix["negemo"].tolist() == [0, 0, 0, 1, 0, 1, 1, 0]


def test_liwc_repeated_entries_merge(tmp_path) -> None:
    path = _write(tmp_path, "dup.dic", b"%\n1\tA\n2\tB\n%\nx\t1\nx\t2\nx\t1\n")
    dictionary = read_dictionary(path, "liwc")
    assert [c.entries for c in dictionary.categories] == [["x"], ["x"]]
    assert any("repeated" in n for n in dictionary.notes)


def test_liwc_most_specific_entry_difference_is_reported(tmp_path) -> None:
    path = _write(tmp_path, "s.dic", b"%\n1\tA\n2\tB\n%\nshit*\t1\nshitty\t2\n")
    _text, notes = import_dictionary(path, "liwc")
    assert any("'shitty'" in n and "'shit*'" in n for n in notes)


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"%\n1\tA\n%\nhappy\t1\nsad\t7\n", "E743", 5),  # undefined category
        (b"%\n1\tA\n%\nhappy\t1\r\nsad\tNope\n", "E743", 5),  # undefined name
        (b"1\tA\n%\n", "E742", 1),  # no opening %
        (b"%\n1\tA\nhappy\t1\n", "E742", 3),  # header never closed
        (b"%\n1\tA\n1\tB\n%\n", "E742", 3),  # category defined twice
        (b"%\n1\tA\n%\nhappy\t1\nlonely\n", "E744", 5),  # no category
        (b"%\n1\tA\n2\tB\n%\nkind\t(02 134)1/2\n", "E745", 5),  # LIWC 2007 conditional
    ],
)
def test_liwc_errors_name_file_and_line(tmp_path, data, code, line) -> None:
    path = _write(tmp_path, "bad.dic", data)
    with pytest.raises(QualcodeError) as info:
        read_dictionary(path, "liwc")
    assert info.value.code == code and info.value.where.line == line
    assert str(path) in str(info.value)


def test_missing_and_empty_dictionaries(tmp_path) -> None:
    with pytest.raises(QualcodeError) as info:
        read_dictionary(tmp_path / "nope.dic", "liwc")
    assert info.value.code == "E741"
    with pytest.raises(QualcodeError) as info:
        import_dictionary(_write(tmp_path, "e.dic", b"%\n1\tA\n%\n"), "liwc")
    assert info.value.code == "E749"


# --- quanteda, WordStat, Empath quirks ----------------------------------------------------


QUANTEDA = """\
economy:
  positive: [growth, "boom*", job?]
  negative:
    - recession
    - "crisis of confidence"
health:
  - doctor*
  - nurse
"""


def test_quanteda_nesting_becomes_hierarchy_and_globs_work(tmp_path) -> None:
    path = _write(tmp_path, "d.yml", QUANTEDA.encode())
    codebook = _codebook(path, "quanteda")
    assert [c.path_str for c in codebook.walk()] == [
        "economy", "economy/positive", "economy/negative", "health",
    ]  # fmt: skip
    texts = ["Booming growth", "jobs jobs", "job", "a crisis of confidence", "Doctors", "nurses"]
    matrix = _code_texts(codebook, texts).matrix
    assert matrix["positive"].tolist() == [1, 1, 0, 0, 0, 0]  # job? needs one more letter
    assert matrix["negative"].tolist() == [0, 0, 0, 1, 0, 0]
    assert matrix["economy"].tolist() == [1, 1, 0, 1, 0, 0]  # roll-up
    assert matrix["health"].tolist() == [0, 0, 0, 0, 1, 0]  # nurse is exact: not nurses


@pytest.mark.parametrize(
    ("data", "line"),
    [("a: [x\n", 2), ("- just\n- a list\n", 1), ("a:\n  - x\n  - [1, 2]\n", 3), ("a: true\n", 1)],
)
def test_quanteda_errors(tmp_path, data, line) -> None:
    with pytest.raises(QualcodeError) as info:
        read_dictionary(_write(tmp_path, "bad.yml", data.encode()), "quanteda")
    assert info.value.code == "E746" and info.value.where.line == line


WORDSTAT = (
    "ECONOMY\n\tTAXES\n\t\tTAX* (1)\n\t\tVALUE_ADDED (1)\n\tJOBS\n\t\tEMPLOY* (1)\n"
    "\t\tJOB (2)\nHEALTH\n\tDOCTOR (1)\n\n"
)


def test_wordstat_outline_weights_and_phrases(tmp_path) -> None:
    path = _write(tmp_path, "d.cat", WORDSTAT.replace("\n", "\r\n").encode("cp1252"))
    dictionary = read_dictionary(path, "wordstat")
    tree = {c.name: (c.entries, [k.name for k in c.children]) for c in dictionary.walk()}
    assert tree == {
        "ECONOMY": ([], ["TAXES", "JOBS"]),
        "TAXES": (["tax*", "value added"], []),
        "JOBS": (["employ*", "job"], []),
        "HEALTH": (["doctor"], []),
    }
    codebook = _codebook(path, "wordstat")
    assert codebook.ids == ["economy", "taxes", "jobs", "health"]
    matrix = _code_texts(codebook, ["Value added taxes", "employment", "jobs"]).matrix
    assert matrix["taxes"].tolist() == [1, 0, 0] and matrix["jobs"].tolist() == [0, 1, 0]


def test_wordstat_entry_before_category(tmp_path) -> None:
    with pytest.raises(QualcodeError) as info:
        read_dictionary(_write(tmp_path, "bad.cat", b"TAX (1)\n"), "wordstat")
    assert info.value.code == "E747" and info.value.where.line == 1


@pytest.mark.parametrize("indent", ["  \t", " ", "\t "])
def test_wordstat_space_indent_is_refused_with_its_line(tmp_path, indent: str) -> None:
    """A category indented with spaces would silently become a top-level category."""
    data = f"ECONOMY\n\tVAT (1)\n{indent}TAXES\n\t\tTAX* (1)\n".encode()
    with pytest.raises(QualcodeError) as info:
        read_dictionary(_write(tmp_path, "odd.cat", data), "wordstat")
    assert info.value.code == "E747" and info.value.where.line == 3
    assert "spaces" in str(info.value)


def test_empath_merges_and_errors(tmp_path) -> None:
    path = _write(tmp_path, "c.tsv", b"pain\tpain\thurt\npain\tache\n\nmoney\tcash\n")
    dictionary = read_dictionary(path, "empath")
    assert [(c.name, c.entries) for c in dictionary.categories] == [
        ("pain", ["pain", "hurt", "ache"]), ("money", ["cash"]),
    ]  # fmt: skip
    with pytest.raises(QualcodeError) as info:
        read_dictionary(_write(tmp_path, "bad.tsv", b"pain\tpain\nlonely\n"), "empath")
    assert info.value.code == "E748" and info.value.where.line == 2


def test_ids_are_valid_unique_and_readable(tmp_path) -> None:
    data = "%\n1\tHarmVirtue\n2\t2nd try\n3\tcare.virtue\n4\tcare virtue\n5\tÉmotion\n%\n"
    data += "".join(f"w{i}\t{i}\n" for i in range(1, 6))
    codebook = _codebook(_write(tmp_path, "ids.dic", data.encode()), "liwc")
    assert codebook.ids == ["harm_virtue", "c_2nd_try", "care_virtue", "care_virtue_2", "emotion"]
    assert [c.label for c in codebook.walk()][-1] == "Émotion"


# --- export quanteda -----------------------------------------------------------------------


def test_export_quanteda_round_trip_of_globs_words_and_phrases(tmp_path) -> None:
    original = _codebook(_write(tmp_path, "d.yml", QUANTEDA.encode()), "quanteda")
    exported = codebook_to_quanteda(original)
    assert exported.warnings == []
    back = _codebook(_write(tmp_path, "back.yml", exported.text.encode()), "quanteda")
    assert back.ids == original.ids
    for a, b in zip(original.walk(), back.walk(), strict=True):
        assert _terms(a) == _terms(b)


def test_export_quanteda_of_mfd_round_trips_and_codes_alike(tmp_path, gadarian) -> None:
    original = _codebook(shared_file(MFD1), "liwc")  # has the tokens pattern for fair-*
    exported = codebook_to_quanteda(original)
    assert "fair-*" in exported.text and exported.warnings == []
    back = _codebook(_write(tmp_path, "mfd.yml", exported.text.encode()), "quanteda")
    assert [_terms(c) for c in back.walk()] == [_terms(c) for c in original.walk()]
    ours, theirs = _counts(_code_texts(original, gadarian)), _counts(_code_texts(back, gadarian))
    assert list(ours.values()) == list(theirs.values())


def test_export_quanteda_expands_words_and_reports_what_is_lost() -> None:
    codebook = parse_codebook(
        """\
name: T
codes:
  - id: craving
    label: Cravings
    match: [crave, "k cramp*", {regex: "\\\\bk ?hole\\\\b"}, {near: [pain, pee]}]
    unless: [no craving]
  - id: parent
    codes:
      - id: child
        negation: ignore
        match: [{tokens: [{LEMMA: go}]}]
""",
        "t.yaml",
    )
    exported = codebook_to_quanteda(codebook)
    text = exported.text
    for form in ("- crave\n", "- craved\n", "- craves\n", "- craving\n", "- k cramp*\n"):
        assert form in text
    lost = "\n".join(exported.warnings)
    assert "craving: regex" in lost and "craving: near" in lost and "craving: `unless`" in lost
    assert "craving: negation 'exclude'" in lost and "child: tokens" in lost
    assert "child: negation" not in lost
    assert "# Not expressed (6):" in text and "craving:  # Cravings" in text
    plain = codebook_to_quanteda(codebook, inflections=False).text
    assert "- craved\n" not in plain and "- crave\n" in plain


# --- CLI ------------------------------------------------------------------------------------


def test_cli_import_validate_apply_and_export(tmp_path) -> None:
    runner = CliRunner()
    dic = _write(tmp_path, "mini.dic", LIWC.replace("\n", "\r").encode())
    out = tmp_path / "mini.yaml"
    result = runner.invoke(app, ["import", "liwc", str(dic), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Imported by `qualcode import liwc`")
    again = runner.invoke(app, ["import", "liwc", str(dic)])
    assert again.exit_code == 0 and again.stdout == out.read_text(encoding="utf-8")  # same bytes
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    answers = _write(tmp_path, "a.csv", b"id,text\n1,happy and good\n2,sad\n3,nothing\n")
    applied = runner.invoke(
        app, ["apply", str(out), str(answers), "--text", "text", "-o", str(tmp_path / "o"), "-q"]
    )
    assert applied.exit_code == 0, applied.output
    coded = pd.read_csv(tmp_path / "o" / "coded.csv")
    assert coded["posemo"].tolist() == [1, 0, 0] and coded["negemo"].tolist() == [0, 1, 0]
    yml = tmp_path / "mini.yml"
    exported = runner.invoke(app, ["export", "quanteda", str(out), "-o", str(yml)])
    assert exported.exit_code == 0 and "good*" in yml.read_text(encoding="utf-8")
    assert "- don't" in yml.read_text(encoding="utf-8")
    for fmt, name, data in [
        ("quanteda", "q.yml", QUANTEDA.encode()),
        ("wordstat", "w.cat", WORDSTAT.encode()),
        ("empath", "e.tsv", b"pain\thurt\n"),
    ]:
        result = runner.invoke(app, ["import", fmt, str(_write(tmp_path, name, data))])
        assert result.exit_code == 0 and "codes:" in result.stdout


def test_cli_errors_and_warnings(tmp_path) -> None:
    runner = CliRunner()
    bad = _write(tmp_path, "bad.dic", b"%\n1\tA\n%\nhappy\t1\nsad\t7\n")
    result = runner.invoke(app, ["import", "liwc", str(bad), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1 and "E743" in result.output and "bad.dic:5" in result.output
    assert not (tmp_path / "x.yaml").exists()
    book = _write(tmp_path, "b.yaml", b"name: T\ncodes: [{id: a, match: [{regex: 'x+'}]}]\n")
    result = runner.invoke(app, ["export", "quanteda", str(book)])
    assert result.exit_code == 0 and "warning: not expressed: a: regex: x+" in result.output
    same = runner.invoke(app, ["export", "quanteda", str(book), "-o", str(book)])
    assert same.exit_code == 1 and "E403" in same.output


def test_windows_1252_fallback_is_reported(tmp_path) -> None:
    text = "HEALTH\r\n\tDOCTOR (1)\r\n\tCAFÉ* (1)\r\n"
    path = _write(tmp_path, "d.cat", text.encode("cp1252"))
    dictionary = read_dictionary(path, "wordstat")
    assert dictionary.categories[0].entries == ["doctor", "café*"]
    assert any(
        "d.cat is not UTF-8 (byte 0xc9 on line 3)" in note and "Windows-1252" in note
        for note in dictionary.notes
    ), dictionary.notes
    utf8 = _write(tmp_path, "u.cat", text.encode("utf-8"))
    assert not any("UTF-8" in note for note in read_dictionary(utf8, "wordstat").notes)
