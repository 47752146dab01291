"""`qualcode diff`: two real `apply` runs on the ketamine example, one with an edited codebook
(a rule removed, a rule added, a code relabelled, a code removed and one added), checked
against the two coded tables read independently with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.analysis.diff import diff_codings, diff_outputs
from qualcode.cli import DIFF_CHANGED_EXIT, app
from qualcode.coding.result import load_coding
from qualcode.errors import QualcodeError

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
runner = CliRunner()


def edited_codebook(path: Path) -> Path:
    """A copy of the ketamine codebook: `renal` removed from kidney (and kidney relabelled),
    `angry` added to irritability, policy_change replaced by a new code `fines`."""
    text = CODEBOOK.read_text(encoding="utf-8")

    def sub(old: str, new: str) -> None:
        nonlocal text
        assert text.count(old) == 1, old
        text = text.replace(old, new)

    sub("          - renal\n", "")
    sub("          - snappy\n", "          - snappy\n          - angry\n")
    sub("        label: Kidney problems\n", "        label: Kidney and renal problems\n")
    sub('version: "1.0"', 'version: "1.1"')
    start = text.index("      - id: policy_change\n")
    end = text.index("\n", text.index('"The clinic was brilliant."', start)) + 1
    fines = ("      - id: fines\n        label: Fines and penalties\n"
             "        match: [fine, fined, penalty]\n")  # fmt: skip
    text = text[:start] + fines + text[end:]
    path.write_text(text, encoding="utf-8")
    return path


def apply(codebook: Path, answers: Path, outdir: Path, *extra: str) -> Path:
    result = runner.invoke(app, ["apply", str(codebook), str(answers), "-o", str(outdir), *extra])
    assert result.exit_code == 0, result.output
    return outdir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """old: the codebook as shipped; new: the edited copy; again: the shipped codebook once
    more (as parquet); other: the shipped codebook on the first 50 answers only."""
    tmp = tmp_path_factory.mktemp("diff")
    first50 = tmp / "first50.csv"
    pd.read_csv(SURVEY, dtype=str, keep_default_na=False).head(50).to_csv(first50, index=False)
    return {
        "old": apply(CODEBOOK, SURVEY, tmp / "old"),
        "new": apply(edited_codebook(tmp / "k11.yaml"), SURVEY, tmp / "new"),
        "again": apply(CODEBOOK, SURVEY, tmp / "again", "--format", "parquet"),
        "other": apply(CODEBOOK, first50, tmp / "other"),
    }


def coded(outdir: Path) -> pd.DataFrame:
    """coded.csv read with pandas alone, and the code ids from the manifest."""
    codes = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))["codes"]
    frame = pd.read_csv(outdir / "coded.csv", dtype=str, keep_default_na=False)
    return frame, codes


def test_counts_and_respondent_sets_match_the_two_coded_tables(runs: dict[str, Path]) -> None:
    (old, old_codes), (new, new_codes) = coded(runs["old"]), coded(runs["new"])
    diff = diff_outputs(runs["old"], runs["new"])
    removed = [c for c in old_codes if c not in new_codes]
    assert diff.codes["code"].tolist() == new_codes + removed
    assert removed == ["policy_change"] and "fines" in new_codes
    changes = diff.changes
    for r in diff.codes.to_dict("records"):
        c = r["code"]
        was = set(old.loc[old[c] == "1", "respondent_id"]) if c in old_codes else set()
        now = set(new.loc[new[c] == "1", "respondent_id"]) if c in new_codes else set()
        assert pd.isna(r["before"]) if c not in old_codes else r["before"] == len(was), c
        assert pd.isna(r["after"]) if c not in new_codes else r["after"] == len(now), c
        assert r["change"] == len(now) - len(was)
        mine = changes[changes["code"] == c]
        assert set(mine.loc[mine["change"] == "gained", "id"]) == now - was, c
        assert set(mine.loc[mine["change"] == "lost", "id"]) == was - now, c
        assert (r["gained"], r["lost"]) == (len(now - was), len(was - now))
        assert r["changed"] == bool(now ^ was or c in removed or c not in old_codes)
    status = diff.codes.set_index("code")["status"]
    assert status["fines"] == "added" and status["policy_change"] == "removed"
    assert status["kidney"] == "relabelled, rules −1"
    assert status["irritability"] == "rules +1"
    assert status["bladder"] == ""
    assert diff.changed
    assert diff.summary_line() == (f"{int(diff.codes['changed'].sum())} codes changed, "
                                   f"+{len(changes[changes['change'] == 'gained'])}/"
                                   f"−{len(changes[changes['change'] == 'lost'])} "
                                   "respondent codings")  # fmt: skip


def test_each_change_is_explained_by_a_segment_of_the_right_run(runs: dict[str, Path]) -> None:
    diff = diff_outputs(runs["old"], runs["new"])
    segs = {side: pd.read_csv(runs[side] / "segments.csv", dtype=str, keep_default_na=False)
            for side in ("old", "new")}  # fmt: skip
    assert len(diff.changes) == int(diff.codes["gained"].sum() + diff.codes["lost"].sum()) > 0
    for r in diff.changes.to_dict("records"):
        seg = segs["new" if r["change"] == "gained" else "old"]
        here = seg[(seg["row"] == str(r["row"])) & (seg["code"] == r["via"])]
        assert ((here["quote"] == r["quote"]) & (here["rule"] == r["rule"])).any(), r
        path = here["code_path"].iloc[0].split("/")
        assert r["code"] in path  # a parent is explained by a code below it
    # The only rule kidney lost is `renal`, the only one irritability gained is `angry`.
    changes = diff.changes.set_index("code")
    assert set(changes.loc[["kidney"], "rule"]) == {"renal"}
    assert set(changes.loc[["irritability"], "rule"]) == {"angry"}
    assert set(changes.loc[["fines"], "change"]) == {"gained"}
    assert set(changes.loc[["policy_change"], "change"]) == {"lost"}


def test_examples_are_the_first_n_per_code_and_direction(runs: dict[str, Path]) -> None:
    diff = diff_outputs(runs["old"], runs["new"])
    shown = diff.examples(2)
    for (code, change), group in diff.changes.groupby(["code", "change"]):
        picked = shown[(shown["code"] == code) & (shown["change"] == change)]
        assert picked["row"].tolist() == group["row"].tolist()[:2]
    order = diff.codes["code"].tolist()
    assert shown["code"].map(order.index).is_monotonic_increasing


def test_identical_runs_show_no_change_even_across_formats(runs: dict[str, Path]) -> None:
    diff = diff_outputs(runs["old"], runs["again"])
    assert not diff.changed and diff.changes.empty
    assert diff.codes["before"].tolist() == diff.codes["after"].tolist()
    result = runner.invoke(app, ["diff", str(runs["old"]), str(runs["again"]),
                                 "--fail-on-change"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "0 codes changed, +0/−0 respondent codings" in result.output


def test_cli_table_quotes_and_fail_on_change_status(runs: dict[str, Path]) -> None:
    args = ["diff", str(runs["old"]), str(runs["new"]), "--quotes", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for text in ("before", "after", "gained", "Kidney and renal problems", "removed", "added",
                 "renal damage", "Ketamine addiction survey 1.1"):  # fmt: skip
        assert text in result.output
    failing = runner.invoke(app, [*args, "--fail-on-change"])
    assert failing.exit_code == DIFF_CHANGED_EXIT == 3
    # --code narrows what counts: bladder did not change.
    only = runner.invoke(app, [*args, "--fail-on-change", "--code", "bladder"])
    assert only.exit_code == 0, only.output
    assert "0 codes changed" in only.output


def test_outputs_are_machine_readable_and_deterministic(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    diff = diff_outputs(runs["old"], runs["new"])
    base = ["diff", str(runs["old"]), str(runs["new"])]
    for suffix in ("csv", "json", "md", "xlsx"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        for target in (first, second):
            result = runner.invoke(app, [*base, "-o", str(target)])
            assert result.exit_code == 0, result.output
        assert first.read_bytes() == second.read_bytes(), suffix
    table = pd.read_csv(tmp_path / "a.csv", dtype={"id": str}, keep_default_na=False)
    assert len(table) == len(diff.changes)
    assert table[["row", "code", "change"]].values.tolist() == \
        diff.changes[["row", "code", "change"]].values.tolist()  # fmt: skip
    sheet = pd.read_excel(tmp_path / "a.xlsx", "changes", dtype=str, keep_default_na=False)
    assert sheet["quote"].tolist() == diff.changes["quote"].tolist()
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["summary"]["gained"] == diff.gained and data["summary"]["lost"] == diff.lost
    assert [c["code"] for c in data["codes"]] == diff.codes["code"].tolist()
    assert data["new"]["codebook_version"] == "1.1" and data["old"]["codebook_version"] == "1.0"
    assert "| code | label | before | after |" in (tmp_path / "a.md").read_text(encoding="utf-8")
    refused = runner.invoke(app, [*base, "-o", str(runs["old"] / "coded.csv")])
    assert refused.exit_code == 1 and "E402" in refused.output


def test_different_data_is_refused_with_e755(runs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["diff", str(runs["old"]), str(runs["other"])])
    assert result.exit_code == 1
    assert "E755" in result.output and "274 rows against 50" in result.output
    assert str(runs["old"]) in result.output and "Traceback" not in result.output
    # Same rows, one answer edited: named by row and column.
    old, new = load_coding(runs["old"]), load_coding(runs["new"])
    new.data = new.data.copy()
    new.data.loc[6, "q2_treatment"] = "edited"
    with pytest.raises(QualcodeError) as caught:
        diff_codings(old, new, old_name="A", new_name="B")
    assert caught.value.code == "E755" and "row 7, column 'q2_treatment'" in str(caught.value)


def test_bad_folders_and_codes_are_user_errors(runs: dict[str, Path], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["diff", str(runs["old"]), str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "E404" in missing.output
    unknown = runner.invoke(app, ["diff", str(runs["old"]), str(runs["new"]), "--code", "kidny"])
    assert unknown.exit_code == 1 and "E501" in unknown.output and "kidney" in unknown.output
    nofile = runner.invoke(app, ["diff", str(runs["old"]), str(runs["new"]), "-f", "xlsx"])
    assert nofile.exit_code == 2


def test_duplicate_ids_are_matched_by_row(tmp_path: Path) -> None:
    book = ('name: Mini\nversion: "{v}"\ncodes:\n  - id: bladder\n    match: [{rules}]\n'
            "  - id: cravings\n    match: [craving]\n")  # fmt: skip
    (tmp_path / "a.yaml").write_text(book.format(v="1", rules="bladder"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(book.format(v="2", rules="bladder, pee"), encoding="utf-8")
    pd.DataFrame({
        "respondent_id": ["P1", "P1", "P2"],
        "answer": ["my bladder hurts", "I pee all night", "cravings daily"],
    }).to_csv(tmp_path / "answers.csv", index=False)  # fmt: skip
    a = apply(tmp_path / "a.yaml", tmp_path / "answers.csv", tmp_path / "a")
    b = apply(tmp_path / "b.yaml", tmp_path / "answers.csv", tmp_path / "b")
    diff = diff_outputs(a, b)
    assert diff.changes[["row", "id", "code", "change", "match"]].values.tolist() == [
        [2, "P1", "bladder", "gained", "pee"]
    ]
    assert diff.codes.set_index("code").loc["bladder", ["before", "after"]].tolist() == [1, 2]


def test_a_folder_that_is_not_an_apply_output_is_e757_not_a_traceback(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    # A `qualcode topics` folder has a qualcode manifest.json but no coding in it.
    topics = tmp_path / "topics"
    made = runner.invoke(app, ["topics", str(SURVEY), "--k", "3", "-o", str(topics)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["diff", str(runs["old"]), str(topics)])
    assert result.exit_code == 1 and "E757" in result.output and "topics" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    result = runner.invoke(app, ["topics", str(SURVEY), "--uncoded", str(topics), "--k", "2",
                                 "-o", str(tmp_path / "residue")])  # fmt: skip
    assert result.exit_code == 1 and "E757" in result.output
    # An apply folder with a core table deleted.
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("manifest.json", "coded.csv", "summary.csv"):
        (broken / name).write_bytes((runs["old"] / name).read_bytes())
    result = runner.invoke(app, ["diff", str(runs["old"]), str(broken)])
    assert result.exit_code == 1 and "E757" in result.output and "segments.csv" in result.output


# --- per question: the unit is one answer (row, question) -------------------------------


def answer_sets(outdir: Path) -> dict[str, set[tuple[str, str]]]:
    """Per code: the (row, question) answers a code or one below it is counted for, from
    segments.csv and summary.csv read with pandas alone (a segment counts unless it is
    negated and its code's negation mode, or the run's --negation, is "exclude")."""
    seg = pd.read_csv(outdir / "segments.csv", dtype=str, keep_default_na=False)
    summary = pd.read_csv(outdir / "summary.csv", dtype=str, keep_default_na=False)
    override = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))["options"]
    modes = dict(zip(summary["code"], summary["negation"]))
    out: dict[str, set[tuple[str, str]]] = {}
    for r in seg.to_dict("records"):
        mode = override.get("negation") or modes[r["code"]]
        if r["negated"] == "True" and mode == "exclude":
            continue
        for code in r["code_path"].split("/"):
            out.setdefault(code, set()).add((r["row"], r["question"]))
    return out


@pytest.fixture(scope="module")
def flagged(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped codebook with `--negation flag`: negated segments count for every code."""
    return apply(CODEBOOK, SURVEY, tmp_path_factory.mktemp("flag") / "flag", "--negation", "flag")


@pytest.mark.parametrize("pair", [("old", "new"), ("old", "flag")])
def test_per_question_counts_match_the_two_segments_tables(
    runs: dict[str, Path], flagged: Path, pair: tuple[str, str]
) -> None:
    dirs = {**runs, "flag": flagged}
    old_dir, new_dir = dirs[pair[0]], dirs[pair[1]]
    was_all, now_all = answer_sets(old_dir), answer_sets(new_dir)
    diff = diff_outputs(old_dir, new_dir, unit="answer")
    assert diff.unit == "answer" and diff.summary_line().endswith(" answer codings")
    (_, old_codes), (_, new_codes) = coded(old_dir), coded(new_dir)
    changes = diff.changes
    assert (changes["question"] != "").all() and len(changes) == diff.gained + diff.lost > 0
    for r in diff.codes.to_dict("records"):
        c = r["code"]
        was, now = was_all.get(c, set()), now_all.get(c, set())
        assert pd.isna(r["before"]) if c not in old_codes else r["before"] == len(was), c
        assert pd.isna(r["after"]) if c not in new_codes else r["after"] == len(now), c
        mine = changes[changes["code"] == c]
        got = {kind: {(str(x), q) for x, q in mine.loc[mine["change"] == kind,
                                                       ["row", "question"]].values.tolist()}
               for kind in ("gained", "lost")}  # fmt: skip
        assert got == {"gained": now - was, "lost": was - now}, c
        assert (r["gained"], r["lost"]) == (len(now - was), len(was - now))
    # Each quote is a segment of that very answer, of the run that has the code there.
    segs = {d: pd.read_csv(d / "segments.csv", dtype=str, keep_default_na=False)
            for d in (old_dir, new_dir)}  # fmt: skip
    for r in changes.to_dict("records"):
        seg = segs[new_dir if r["change"] == "gained" else old_dir]
        here = seg[(seg["row"] == str(r["row"])) & (seg["question"] == r["question"])
                   & (seg["code"] == r["via"]) & (seg["quote"] == r["quote"])]  # fmt: skip
        assert len(here) and r["code"] in here["code_path"].iloc[0].split("/"), r
    if pair == ("old", "flag"):  # flag only adds: negated answers of exclude codes now count
        assert diff.lost == 0 and diff.gained > 0 and changes["negated"].all()


def test_answers_roll_up_to_the_respondent_matrix(runs: dict[str, Path], flagged: Path) -> None:
    """A respondent is coded exactly when one of their answers is, as the engine codes."""
    for outdir in (runs["old"], runs["new"], flagged):
        frame, codes = coded(outdir)
        sets = answer_sets(outdir)
        for code in codes:
            rows = {int(row) for row, _ in sets.get(code, set())}
            assert rows == {i + 1 for i in np.flatnonzero(frame[code] == "1")}, (outdir, code)


def test_gain_in_one_question_and_loss_in_another(tmp_path: Path) -> None:
    book = ('name: Mini\nversion: "{v}"\ncodes:\n  - id: physical\n    codes:\n'
            "      - id: bladder\n        match: [{rules}]\n"
            "  - id: cravings\n    match: [craving]\n")  # fmt: skip
    (tmp_path / "a.yaml").write_text(book.format(v="1", rules="bladder"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(book.format(v="2", rules="pee"), encoding="utf-8")
    pd.DataFrame({
        "respondent_id": ["P1", "P2"],
        "q1": ["I pee all night", "cravings daily"],
        "q2": ["my bladder hurts", "nothing else"],
    }).to_csv(tmp_path / "answers.csv", index=False)  # fmt: skip
    answers = tmp_path / "answers.csv"
    a = apply(tmp_path / "a.yaml", answers, tmp_path / "a", "--text", "q1", "--text", "q2")
    b = apply(tmp_path / "b.yaml", answers, tmp_path / "b", "--text", "q1", "--text", "q2")
    by_respondent = diff_outputs(a, b)
    assert by_respondent.changes.empty and not by_respondent.changed
    assert by_respondent.summary_line() == "0 codes changed, +0/−0 respondent codings"
    by_answer = diff_outputs(a, b, unit="answer")
    assert by_answer.changes[["row", "id", "code", "change", "question", "via", "quote",
                              "rule"]].values.tolist() == [
        [1, "P1", "physical", "gained", "q1", "bladder", "I pee all night", "pee"],
        [1, "P1", "bladder", "gained", "q1", "bladder", "I pee all night", "pee"],
        [1, "P1", "physical", "lost", "q2", "bladder", "my bladder hurts", "bladder"],
        [1, "P1", "bladder", "lost", "q2", "bladder", "my bladder hurts", "bladder"],
    ]  # fmt: skip
    counts = by_answer.codes.set_index("code")
    assert counts.loc["bladder", ["before", "after", "gained", "lost"]].tolist() == [1, 1, 1, 1]
    assert by_answer.summary_line() == "2 codes changed, +2/−2 answer codings"
    # The CLI: the flag changes the unit, and what --fail-on-change sees.
    same = runner.invoke(app, ["diff", str(a), str(b), "--fail-on-change"])
    assert same.exit_code == 0, same.output
    per = runner.invoke(app, ["diff", str(a), str(b), "--per-question", "--fail-on-change"])
    assert per.exit_code == DIFF_CHANGED_EXIT, per.output
    for text in ("Answers coded, before and after", "+2/−2 answer codings",
                 "P1 (q1): I pee all night", "P1 (q2): my bladder hurts"):  # fmt: skip
        assert text in per.output, text


def test_per_question_files_are_deterministic(runs: dict[str, Path], tmp_path: Path) -> None:
    base = ["diff", str(runs["old"]), str(runs["new"]), "--per-question"]
    for suffix in ("csv", "json", "md"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        for target in (first, second):
            result = runner.invoke(app, [*base, "-o", str(target)])
            assert result.exit_code == 0, result.output
        assert first.read_bytes() == second.read_bytes(), suffix
    diff = diff_outputs(runs["old"], runs["new"], unit="answer")
    table = pd.read_csv(tmp_path / "a.csv", dtype={"id": str}, keep_default_na=False)
    assert table[["row", "question", "code", "change"]].values.tolist() == \
        diff.changes[["row", "question", "code", "change"]].values.tolist()  # fmt: skip
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["summary"]["unit"] == "answer" and data["summary"]["gained"] == diff.gained
    with pytest.raises(ValueError):
        diff_outputs(runs["old"], runs["new"], unit="question")
