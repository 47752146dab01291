"""The decisions store (review.sqlite) and decisions applied to a real coding: no server."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pandas as pd
import pytest

import qualcode
from qualcode.errors import QualcodeError
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.decide import apply_decisions, resolve
from qualcode.review.finalize import finalize
from qualcode.review.store import SCHEMA_VERSION, STORE, WHOLE, open_store, text_sha256

CODEBOOK = """\
name: review test
language: en
defaults: {negation: exclude}
codes:
  - id: harms
    label: Harms
    codes:
      - id: bladder
        label: Bladder
        match: [bladder, pee]
      - id: cravings
        label: Cravings
        match: ["crav*"]
  - id: stigma
    label: Stigma
    match: [judged, shame]
"""

ANSWERS = [
    ("R1", "My bladder is wrecked. The cravings never stop."),
    ("R2", "I felt judged by my GP."),
    ("R3", "No bladder problems at all."),
    ("R4", "Nothing to say."),
    ("R5", "Cravings and shame, every day."),
]


def make_folder(tmp: Path, answers=ANSWERS, codebook=CODEBOOK, name="out") -> Path:
    """Apply a small codebook to a small answers file, the real way; return the folder."""
    (tmp / "codebook.yaml").write_text(codebook, encoding="utf-8")
    frame = pd.DataFrame(answers, columns=["rid", "answer"])
    frame.to_csv(tmp / "answers.csv", index=False)
    book = qualcode.load_codebook(tmp / "codebook.yaml")
    data, _ = qualcode.read_answers(tmp / "answers.csv")
    coding = qualcode.code(data, book, text=["answer"], id="rid")
    coding.manifest["codebook"]["path"] = str(tmp / "codebook.yaml")
    return coding.save(tmp / name)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


def hit(corpus: ReviewCorpus, respondent: str, code: str):
    return next(h for h in corpus.hits if h.respondent == respondent and h.code == code)


def test_store_is_append_only_and_the_latest_decision_wins(folder: Path) -> None:
    store = open_store(folder)
    text = ANSWERS[0][1]
    first = store.decide(coder="ann", respondent="R1", question="answer", code="bladder",
                         start=3, end=10, decision="accept", text=text)  # fmt: skip
    second = store.decide(coder="ann", respondent="R1", question="answer", code="bladder",
                          start=3, end=10, decision="reject", text=text)  # fmt: skip
    assert second.id > first.id
    assert [d.decision for d in store.history()] == ["accept", "reject"]
    [now] = store.current(coder="ann")
    assert now.decision == "reject" and now.text_sha256 == text_sha256(text)
    assert now.created_utc.endswith("Z")
    # the file is WAL, versioned, and holds both rows
    conn = sqlite3.connect(folder / STORE)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 2
    assert store.schema_version() == SCHEMA_VERSION


def test_undo_restores_the_state_before_and_can_be_repeated(folder: Path) -> None:
    store = open_store(folder)
    args = dict(coder="ann", respondent="R2", question="answer", code="stigma", text="x")
    store.decide(**args, decision="accept")
    store.decide(**args, decision="reject")
    assert store.undo("ann").decision == "accept"
    assert store.current(coder="ann")[0].decision == "accept"
    assert store.undo("ann").decision == "clear"
    assert store.current(coder="ann") == []
    assert store.undo("ann") is None
    assert store.count() == 4  # nothing was deleted


def test_two_coders_writing_at_once_lose_nothing(folder: Path) -> None:
    def write(coder: str) -> None:
        store = open_store(folder)
        for i in range(40):
            store.decide(coder=coder, respondent=f"R{i}", question="answer", code="bladder",
                         decision="add", text="t")  # fmt: skip
        store.close()

    threads = [threading.Thread(target=write, args=(c,)) for c in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = open_store(folder)
    assert store.count("ann") == 40 and store.count("bob") == 40
    assert store.coders() == ["ann", "bob"]


def test_a_corrupt_or_foreign_store_is_a_clear_error(folder: Path) -> None:
    (folder / STORE).write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(QualcodeError) as err:
        open_store(folder)
    assert err.value.code == "E803" and STORE in str(err.value)
    (folder / STORE).unlink()
    conn = sqlite3.connect(folder / STORE)
    conn.execute("CREATE TABLE other (x)")
    conn.close()
    with pytest.raises(QualcodeError, match="E803"):
        open_store(folder)
    (folder / STORE).unlink()
    open_store(folder)._connect().execute("UPDATE meta SET value = '99'")
    with pytest.raises(QualcodeError, match="E804"):
        open_store(folder)


def test_decisions_apply_accept_reject_add_and_whole_answer(folder: Path) -> None:
    corpus = ReviewCorpus.from_coding(qualcode.load_coding(folder))
    store = open_store(folder)
    b1 = hit(corpus, "R1", "bladder")
    store.decide(
        coder="ann",
        respondent="R1",
        question="answer",
        code="bladder",
        start=b1.start,
        end=b1.end,
        decision="reject",
        text=corpus.text(1, "answer"),
    )
    # R3's "No bladder problems" is negated (not counted): accepting it makes it count
    b3 = hit(corpus, "R3", "bladder")
    assert b3.negated and not b3.counts
    store.decide(
        coder="ann",
        respondent="R3",
        question="answer",
        code="bladder",
        start=b3.start,
        end=b3.end,
        decision="accept",
        text=corpus.text(3, "answer"),
    )
    # a manual span on R4, and stigma switched off for R5 as a whole
    text4 = corpus.text(4, "answer")
    store.decide(coder="ann", respondent="R4", question="answer", code="stigma", start=0,
                 end=7, decision="add", text=text4)  # fmt: skip
    store.decide(coder="ann", respondent="R5", question="answer", code="stigma",
                 decision="reject", text=corpus.text(5, "answer"))  # fmt: skip
    reviewed = apply_decisions(corpus, store.current(coder="ann"))
    m, p = reviewed.matrix, reviewed.provenance
    assert m.loc[0, "bladder"] == 0 and p.loc[0, "bladder"] == "human-rejected"
    assert m.loc[0, "cravings"] == 1 and p.loc[0, "cravings"] == "machine"
    assert m.loc[0, "harms"] == 1  # cravings still codes the parent
    assert m.loc[2, "bladder"] == 1 and p.loc[2, "bladder"] == "human-added"
    assert m.loc[3, "stigma"] == 1 and p.loc[3, "stigma"] == "human-added"
    assert m.loc[4, "stigma"] == 0 and p.loc[4, "stigma"] == "human-rejected"
    assert p.loc[1, "stigma"] == "machine"
    seg = reviewed.segments
    manual = seg[seg["origin"] == "human-added"].iloc[0]
    assert (manual["id"], manual["start"], manual["end"], manual["match"]) == (
        "R4",
        0,
        7,
        text4[:7],
    )
    assert manual["rule"] == "human: ann"


def test_decisions_survive_a_new_apply_and_stale_ones_are_listed(tmp_path: Path) -> None:
    old = make_folder(tmp_path, name="old")
    corpus = ReviewCorpus.from_coding(qualcode.load_coding(old))
    store = open_store(old)
    for respondent, row in (("R1", 1), ("R2", 2)):
        h = corpus.hits_of_answer(row, "answer")[0]
        store.decide(coder="ann", respondent=respondent, question="answer", code=h.code,
                     start=h.start, end=h.end, decision="reject",
                     text=corpus.text(row, "answer"))  # fmt: skip
    store.decide(coder="ann", respondent="R4", question="answer", code="cravings",
                 decision="add", text=corpus.text(4, "answer"))  # fmt: skip
    # rows reordered, R4's answer edited, and the code stigma dropped from the codebook
    answers = [ANSWERS[4], ANSWERS[0], ANSWERS[1], ANSWERS[2], ("R4", "Nothing more to say.")]
    book = CODEBOOK.split("  - id: stigma")[0]
    new = make_folder(tmp_path, answers=answers, codebook=book, name="new")
    new_corpus = ReviewCorpus.from_coding(qualcode.load_coding(new))
    res = resolve(new_corpus, store.current(coder="ann"))
    assert [(d.respondent, d.code) for d in res.stale] == [("R4", "cravings")]
    assert [(d.respondent, d.code) for d in res.orphaned] == [("R2", "stigma")]
    [(key, [applied])] = res.applicable.items()
    assert key == (2, "answer") and applied.respondent == "R1"  # R1 moved to row 2
    reviewed = apply_decisions(new_corpus, store.current(coder="ann"))
    assert reviewed.matrix.loc[1, "bladder"] == 0  # applied to R1 on its new row
    assert reviewed.matrix.loc[4, "cravings"] == 0  # the stale add is not applied


def test_finalize_writes_an_output_folder_other_verbs_read(folder: Path) -> None:
    corpus = ReviewCorpus.from_coding(qualcode.load_coding(folder))
    store = open_store(folder)
    store.decide(coder="ann", respondent="R2", question="answer", code="stigma",
                 decision="reject", text=corpus.text(2, "answer"))  # fmt: skip
    store.decide(coder="ann", respondent="R2", question="answer", code="",
                 decision="done", text=corpus.text(2, "answer"))  # fmt: skip
    done = finalize(folder, folder.parent / "final")
    final = qualcode.load_coding(done.outdir)
    assert final.matrix.loc[1, "stigma"] == 0
    summary = final.summary_table.set_index("code")
    assert summary.loc["stigma", "coded"] == 1  # R5 only
    prov = pd.read_csv(done.outdir / "provenance.csv", dtype=str)
    assert prov.loc[1, "stigma"] == "human-rejected" and list(prov.columns)[0] == "rid"
    gold = pd.read_csv(done.outdir / "gold.csv", dtype=str)
    assert gold[["id", "question", "stigma"]].values.tolist() == [["R2", "answer", "0"]]
    assert final.manifest["review"]["decisions_applied"] == 2
    from qualcode.analysis.methods import methods_statement

    text = methods_statement(final)
    assert "A person (coder ann) then reviewed the machine coding of 1 answer from 1" in text
    assert "0 confirmed" not in text and "1 rejected" in text
    with pytest.raises(QualcodeError, match="E808"):
        finalize(folder, folder)
    store.decide(coder="bob", respondent="R1", question="answer", code="stigma",
                 decision="add", text=corpus.text(1, "answer"))  # fmt: skip
    with pytest.raises(QualcodeError, match="E805"):
        finalize(folder, folder.parent / "f2")
    with pytest.raises(QualcodeError, match="E806"):
        finalize(folder, folder.parent / "f2", coder="anne")
    assert WHOLE == -1


def test_carry_over_reports_stale_and_orphaned_decisions(tmp_path: Path) -> None:
    from qualcode.review.carry import carry_over

    old = make_folder(tmp_path, name="old")
    store = open_store(old)
    store.decide(coder="ann", respondent="R1", question="answer", code="bladder",
                 decision="reject", text=ANSWERS[0][1])  # fmt: skip
    store.decide(coder="ann", respondent="R4", question="answer", code="cravings",
                 decision="add", text=ANSWERS[3][1])  # fmt: skip
    store.decide(coder="ann", respondent="R2", question="answer", code="stigma",
                 decision="reject", text=ANSWERS[1][1])  # fmt: skip
    answers = [*ANSWERS[:3], ("R4", "Nothing more to say."), ANSWERS[4]]
    new = make_folder(tmp_path, answers=answers, codebook=CODEBOOK.split("  - id: stigma")[0],
                      name="new")  # fmt: skip
    report = carry_over(old, new)
    assert report.splitlines() == [
        f"carried 3 decision(s) from {old / STORE} to {new / STORE}",
        "  ann: 1 apply, 1 stale (answer text changed or gone), 1 about codes no longer in "
        "the codebook",
        "    stale: R4 / answer / cravings (add)",
        "    orphaned: R2 / answer / stigma (reject)",
    ]
    assert carry_over(old, new).startswith("carried 0 decision(s)")  # idempotent
    assert open_store(new).count() == 3


@pytest.mark.parametrize("validator", ["xmlschema", "lxml"])
def test_export_qdpx_of_a_finalized_folder_has_the_coder_as_a_user(
    folder: Path, validator: str
) -> None:
    import io
    import zipfile

    import defusedxml.ElementTree as DET

    from qualcode.refi.qdpx import project_zip

    from .test_refi import _schema, _validate

    corpus = ReviewCorpus.from_coding(qualcode.load_coding(folder))
    store = open_store(folder)
    store.decide(coder="ann", respondent="R4", question="answer", code="stigma", start=0,
                 end=7, decision="add", text=corpus.text(4, "answer"))  # fmt: skip
    b1 = hit(corpus, "R1", "bladder")
    store.decide(
        coder="ann",
        respondent="R1",
        question="answer",
        code="bladder",
        start=b1.start,
        end=b1.end,
        decision="accept",
        text=corpus.text(1, "answer"),
    )
    done = finalize(folder, folder.parent / "final")
    final = qualcode.load_coding(done.outdir)
    export = project_zip(final, final.load_codebook())
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    qde = archive.read("project.qde")
    _validate(validator, _schema("Project.xsd"), qde)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = DET.fromstring(qde)
    users = {u.get("name"): u.get("guid") for u in root.iterfind(".//q:User", ns)}
    assert set(users) == {"qualcode", "ann"}
    by_user: dict[str, list[str]] = {"qualcode": [], "ann": []}
    for sel in root.iterfind(".//q:PlainTextSelection", ns):
        for coding in sel.iterfind("q:Coding", ns):
            name = next(n for n, g in users.items() if g == coding.get("creatingUser"))
            by_user[name].append(sel.get("name"))
    assert sorted(by_user["ann"]) == sorted([corpus.text(4, "answer")[:7], b1.match])
    assert b1.match in by_user["qualcode"]  # the accepted hit: the machine's and ann's
    assert corpus.text(4, "answer")[:7] not in by_user["qualcode"]


def test_no_store_and_bad_blind_sheets_are_clear_errors(folder: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from qualcode.review.server import read_blind_sheet

    with pytest.raises(QualcodeError) as err:
        finalize(folder)
    assert err.value.code == "E802" and STORE in str(err.value)
    corpus = ReviewCorpus.from_coding(qualcode.load_coding(folder))
    not_xlsx = tmp_path / "sheet.xlsx"
    not_xlsx.write_text("row,id\n", encoding="utf-8")
    with pytest.raises(QualcodeError) as err:
        read_blind_sheet(not_xlsx, corpus)
    assert err.value.code == "E807"
    book = Workbook()
    book.active.title = "coding"
    book.active.append(["row", "id", "question", "answer"])
    book.active.append([2, "R9", "answer", "someone else's"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(QualcodeError, match="row 2 \\(R9, answer\\) is not an answer") as err:
        read_blind_sheet(tmp_path / "other.xlsx", corpus)
    assert err.value.code == "E807"
    book.active.delete_rows(2)
    book.active.append([2, "R2", "answer", "I felt judged by my GP."])
    book.save(tmp_path / "good.xlsx")
    assert read_blind_sheet(tmp_path / "good.xlsx", corpus) == [(2, "answer")]


def test_codings_made_in_a_qda_program_come_back_as_decisions(folder: Path, tmp_path: Path) -> None:
    """A qdpx exported, coded "by hand" (the XML edited to add codings as another user, as
    QualCoder would), imported back: the decisions equal the added codings."""
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    from typer.testing import CliRunner

    from qualcode.cli import app
    from qualcode.refi.guids import code_guid

    runner = CliRunner()
    project = tmp_path / "project.qdpx"
    result = runner.invoke(app, ["export", "qdpx", str(folder), "-o", str(project)])
    assert result.exit_code == 0, result.output
    ns = "urn:QDA-XML:project:1.0"
    ET.register_namespace("", ns)
    with zipfile.ZipFile(project) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    root = ET.fromstring(entries["project.qde"])
    users = root.find(f"{{{ns}}}Users")
    ET.SubElement(users, f"{{{ns}}}User", guid="5c1e0000-0000-4000-8000-000000000001",
                  name="Zoe")  # fmt: skip
    zoe = "5c1e0000-0000-4000-8000-000000000001"

    def add_coding(source: ET.Element, n: int, start: int, end: int, path: str) -> None:
        sel = ET.SubElement(source, f"{{{ns}}}PlainTextSelection", creatingUser=zoe,
                            guid=f"5c1e0000-0000-4000-8000-0000000001{n:02d}",
                            startPosition=str(start), endPosition=str(end))  # fmt: skip
        coding = ET.SubElement(sel, f"{{{ns}}}Coding", creatingUser=zoe,
                               guid=f"5c1e0000-0000-4000-8000-0000000002{n:02d}")  # fmt: skip
        ET.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=code_guid(path))

    wanted = {"R2": (2, 7, "stigma"), "R4": (0, 7, "harms/cravings")}
    for n, source in enumerate(root.iter(f"{{{ns}}}TextSource")):
        rid = source.get("name").split(" ")[0]
        if rid in wanted:
            add_coding(source, n, *wanted[rid])
        if rid == "R5":  # a source whose answer has changed since: reported, not guessed
            source.set("guid", "5c1e0000-0000-4000-8000-000000000999")
            add_coding(source, n, 0, 4, "stigma")
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    edited = tmp_path / "coded.qdpx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    edited.write_bytes(buffer.getvalue())
    args = ["import", "codings", str(edited), str(folder), "--coder", "zoe"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "imported 2 coding(s)" in result.output and "by user: Zoe (2)" in result.output
    assert "1 coding(s) on sources this folder does not have" in result.output
    decisions = open_store(folder).current(coder="zoe")
    got = {(d.respondent, d.code, d.start, d.end, d.decision) for d in decisions}
    assert got == {("R2", "stigma", 2, 7, "add"), ("R4", "cravings", 0, 7, "add")}
    assert {d.match for d in decisions} == {ANSWERS[1][1][2:7], ANSWERS[3][1][0:7]}
    result = runner.invoke(app, args)  # again: nothing new
    assert "imported 0 coding(s)" in result.output and "(2 already there)" in result.output


def test_open_reads_the_same_corpus_as_load_coding(tmp_path: Path) -> None:
    """ReviewCorpus.open (Arrow, only the columns the workbench needs) gives what
    from_coding(load_coding()) gives, on answers with newlines, quotes, commas, empty cells,
    negations and spreadsheet triggers (=, +, @, -) that the CSV writer escapes."""
    tricky = [
        ("=R1", 'My bladder is wrecked,\nand the "cravings" never stop.'),
        ("R2", "=no bladder problems, I felt judged"),
        ("+R3", ""),
        ("R4", "@shame\r\nand more shame"),
        ("-5", "'quoted' bladder"),
        ("R6", "No bladder problems at all."),
    ]
    folder = make_folder(tmp_path, answers=tricky)
    fast = ReviewCorpus.open(folder)
    slow = ReviewCorpus.from_coding(qualcode.load_coding(folder))
    assert fast._coding is None  # the full coding is not read to serve pages
    assert fast.respondents == slow.respondents == [r for r, _ in tricky]
    assert fast._texts == slow._texts and fast._texts["answer"][0] == tricky[0][1]
    assert fast.codes == slow.codes and fast.manifest == slow.coding.manifest
    assert list(fast.hits) == list(slow.hits) and any(h.negated for h in fast.hits)
    assert [h.counts for h in fast.hits] == [h.counts for h in slow.hits]
    assert fast._hits_by_code == slow._hits_by_code
    assert fast.rows_of("R2", "answer") == slow.rows_of("R2", "answer") == [2]
    assert fast.hits_of_answer(1, "answer") == slow.hits_of_answer(1, "answer")
    assert fast.uncoded_rows() == slow.uncoded_rows()
    # the full coding on first use, for what needs it (finalize, a blind sample)
    assert fast.machine_matrix().equals(slow.machine_matrix())
    # another format takes the load_coding path
    book = qualcode.load_codebook(tmp_path / "codebook.yaml")
    data, _ = qualcode.read_answers(tmp_path / "answers.csv")
    parquet = qualcode.code(data, book, text=["answer"], id="rid").save(
        tmp_path / "pq", fmt="parquet"
    )
    other = ReviewCorpus.open(parquet)
    assert other._coding is not None and list(other.hits) == list(slow.hits)


def test_the_review_server_never_imports_spacy_nor_pandas(folder: Path) -> None:
    """Start-up of `qualcode review` reads the folder without the NLP stack (issue 17) and
    without pandas (0.35 s of imports: the corpus is built with pyarrow and numpy)."""
    import subprocess
    import sys

    code = (
        "import sys; import qualcode.cli, qualcode.review.server, qualcode.review.app; "
        "from qualcode.review.corpus import ReviewCorpus; "
        f"c = ReviewCorpus.open({str(folder)!r}); c.hits_of_answer(1, 'answer'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc', 'pandas')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"


def test_open_with_repeated_ids_finds_every_row(tmp_path: Path) -> None:
    answers = [("R1", "bladder"), ("R2", "shame"), ("R1", "judged and pee")]
    corpus = ReviewCorpus.open(make_folder(tmp_path, answers=answers))
    assert corpus.rows_of("R1", "answer") == [1, 3] and corpus.rows_of("R9", "answer") == []
    assert [h.code for h in corpus.hits_of_answer(3, "answer")] == ["stigma", "bladder"]
    assert corpus.hits_of_answer(3, "other") == []


def test_search_matches_as_kwic_does(folder: Path) -> None:
    """A word or glob is matched by the engine, as `qualcode kwic` matches it (lemmas:
    "craving" finds "cravings"); the same hits as kwic's; a regex is searched as written."""
    from qualcode.analysis.kwic import kwic, pattern_codebook
    from qualcode.review.pages import search

    corpus = ReviewCorpus.open(folder)
    found, total, problem = search(corpus, "craving", "word")
    assert problem is None and total == 2
    pairs = [(f["respondent"], f["match"]) for f in found]
    assert pairs == [("R1", "cravings"), ("R5", "Cravings")]
    assert found[0]["start"] == ANSWERS[0][1].index("cravings")
    data = pd.DataFrame(ANSWERS, columns=["rid", "answer"])
    expected = kwic(data, pattern_codebook("craving"), text="answer", id="rid")
    assert pairs == list(zip(expected["id"], expected["match"]))
    assert search(corpus, "crav?ngs", "glob")[1] == 2
    assert search(corpus, "craving", "regex")[1] == 2  # a regex is a regex: within words
    assert search(corpus, r"\bcraving\b", "regex")[1] == 0
    assert search(corpus, "felt judged", "word")[1] == 1
    assert search(corpus, "(", "regex")[2] is not None
