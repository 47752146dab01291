"""REFI-QDA: `export qdc`, `export qdpx` and `import qdc`, validated against the official
schemas (../shared/refi) with xmlschema and lxml, and checked for what a schema cannot see."""

from __future__ import annotations

import io
import re
import stat
import zipfile
from pathlib import Path

import defusedxml.ElementTree as DET
import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode import QualcodeError, load_codebook, load_coding, parse_codebook
from qualcode.cli import app
from qualcode.refi import safezip
from qualcode.refi.qdc import codebook_xml, unique_names
from qualcode.refi.qdpx import plain_text, project_zip, variable_type
from qualcode.refi.read import make_id, read_refi_codebook

ROOT = Path(__file__).resolve().parents[1]
REFI = ROOT.parent / "shared" / "refi"
KETAMINE = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
NS = {"p": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
runner = CliRunner()


def invoke(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def ketamine_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("apply") / "out"
    result = invoke("apply", KETAMINE, SURVEY, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def ketamine_qdpx(ketamine_out: Path) -> Path:
    target = ketamine_out.parent / "project.qdpx"
    result = invoke("export", "qdpx", ketamine_out, "-o", target)
    assert result.exit_code == 0, result.output
    return target


def _schema(name: str) -> Path:
    path = REFI / name
    if not path.is_file():
        pytest.skip(f"REFI-QDA schemas not available: {path} (only present in the dev sandbox)")
    return path


def _validate(validator: str, xsd: Path, document: bytes) -> None:
    if validator == "xmlschema":
        import xmlschema

        xmlschema.XMLSchema(str(xsd)).validate(io.BytesIO(document))
    else:
        from lxml import etree

        schema = etree.XMLSchema(etree.parse(str(xsd)))
        doc = etree.fromstring(document)
        assert schema.validate(doc), schema.error_log


def _project(path: Path) -> tuple[zipfile.ZipFile, object]:
    archive = zipfile.ZipFile(path)
    return archive, DET.fromstring(archive.read("project.qde"))


# -- export qdc ------------------------------------------------------------------------


@pytest.mark.parametrize("validator", ["xmlschema", "lxml"])
def test_qdc_of_the_ketamine_codebook_is_schema_valid(validator: str, tmp_path: Path) -> None:
    xsd = _schema("Codebook.xsd")
    target = tmp_path / "k.qdc"
    result = invoke("export", "qdc", KETAMINE, "-o", target)
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    _validate(validator, xsd, data)
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    root = DET.fromstring(data)
    codes = root.findall(".//c:Code", NS)
    book = load_codebook(KETAMINE)
    assert len(codes) == len(book.ids)
    names = [c.get("name") for c in codes]
    assert len({n.casefold() for n in names}) == len(names)
    assert all(GUID.match(c.get("guid")) for c in codes)
    assert {c.get("isCodable") for c in codes} == {"true"}
    # nesting follows the hierarchy: the first top-level code holds its children
    top = root.find("c:Codes", NS).findall("c:Code", NS)
    assert [c.get("name") for c in top] == [book.codes[i].label for i in range(len(top))]
    assert len(top[0].findall("c:Code", NS)) == len(book.codes[0].children)


def test_duplicate_labels_get_unique_names_and_xml_invalid_characters_go(tmp_path: Path) -> None:
    book = parse_codebook(
        "name: Dups\ncodes:\n"
        "  - {id: a, label: Other, codes: [{id: b, label: other, match: [x]}]}\n"
        '  - {id: c, label: "Other", match: [y], definition: "bad \\x01 char"}\n',
        "dups.yaml",
    )
    names = unique_names(book)
    assert names == {"a": "Other", "b": "other (b)", "c": "Other (c)"}
    data = codebook_xml(book)
    assert b"\x01" not in data and "bad \ufffd char".encode() in data
    if REFI.is_dir():
        _validate("xmlschema", REFI / "Codebook.xsd", data)


def test_export_qdc_default_path_and_refusal(tmp_path: Path) -> None:
    book = tmp_path / "mine.yaml"
    book.write_text(KETAMINE.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("export", "qdc", book)
    assert result.exit_code == 0 and (tmp_path / "mine.qdc").is_file()
    result = invoke("export", "qdc", book, "-o", book)
    assert result.exit_code == 1 and "E402" in result.output


# -- export qdpx -----------------------------------------------------------------------


@pytest.mark.parametrize("validator", ["xmlschema", "lxml"])
def test_qdpx_project_is_schema_valid(validator: str, ketamine_qdpx: Path) -> None:
    xsd = _schema("Project.xsd")
    with zipfile.ZipFile(ketamine_qdpx) as archive:
        _validate(validator, xsd, archive.read("project.qde"))


def test_qdpx_selections_match_segments_and_references_resolve(
    ketamine_out: Path, ketamine_qdpx: Path
) -> None:
    coding = load_coding(ketamine_out)
    archive, root = _project(ketamine_qdpx)
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert all(GUID.match(g) for g in guids) and len(guids) == len(set(guids))
    codes = {c.get("guid"): c for c in root.findall(".//p:CodeBook//p:Code", NS)}
    names = [c.get("name") for c in codes.values()]
    assert len(set(names)) == len(names) == len(coding.manifest["codes"])
    users = {u.get("guid") for u in root.findall(".//p:User", NS)}
    assert len(users) == 1 and root.find(".//p:User", NS).get("name") == "qualcode"
    assert root.get("origin", "").startswith("qualcode ")
    assert root.get("creationDateTime") == coding.manifest["created_utc"]
    entries = set(archive.namelist())
    sources = root.findall(".//p:TextSource", NS)
    exported = set()
    by_guid = {}
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        raw = archive.read(f"sources/{source.get('guid')}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
        rid, question = source.get("name").split(" – ")
        by_guid[source.get("guid")] = (rid, question)
        row = coding.data.index[coding.data["respondent_id"] == rid][0]
        assert text == coding.data.at[row, question]
        assert source.find("p:PlainTextContent", NS) is None
        for selection in source.findall("p:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text)
            (coding_el,) = selection.findall("p:Coding", NS)
            assert coding_el.get("creatingUser") in users
            target = coding_el.find("p:CodeRef", NS).get("targetGUID")
            assert target in codes
            code_id = selection.find("p:Description", NS).text.split("\n")[0][len("code: ") :]
            exported.add((rid, question, code_id, start, end, text[start:end]))
        assert f"sources/{source.get('guid')}.txt" in entries
    assert len(entries) == len(sources) + 1
    # every case's source refs resolve, and the attributes are typed variables
    variables = {v.get("guid"): v for v in root.findall(".//p:Variable", NS)}
    assert {v.get("name") for v in variables.values()} == {"region", "age_band", "sought_treatment"}
    for case in root.findall(".//p:Case", NS):
        for ref in case.findall("p:SourceRef", NS):
            assert by_guid[ref.get("targetGUID")][0] == case.get("name")
        for value in case.findall("p:VariableValue", NS):
            assert value.find("p:VariableRef", NS).get("targetGUID") in variables
    assert len(root.findall(".//p:Case", NS)) == len(coding.data)
    # the selections are exactly the segments that coded an answer (default: not negated)
    segs = coding.segments[~coding.segments["negated"]]
    expected = {
        (s.id, s.question, s.code, int(s.start), int(s.end), s.match)
        for s in segs.itertuples(index=False)
    }
    assert exported == expected


def test_qdpx_is_byte_identical_across_exports(ketamine_out: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    assert invoke("export", "qdpx", ketamine_out, "-o", first).exit_code == 0
    assert invoke("export", "qdpx", ketamine_out, "-o", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # and the codes keep the GUIDs of the .qdc
    qdc = DET.fromstring(codebook_xml(load_codebook(KETAMINE)))
    _, root = _project(first)
    assert [c.get("guid") for c in qdc.iter("{urn:QDA-XML:codebook:1.0}Code")] == [
        c.get("guid") for c in root.findall(".//p:CodeBook//p:Code", NS)
    ]


def test_include_negated_adds_the_negated_hits_marked(ketamine_out: Path, tmp_path: Path) -> None:
    target = tmp_path / "neg.qdpx"
    result = invoke("export", "qdpx", ketamine_out, "-o", target, "--include-negated")
    assert result.exit_code == 0, result.output
    _, root = _project(target)
    descriptions = [d.text for d in root.findall(".//p:PlainTextSelection/p:Description", NS)]
    negated = sum("negated: true" in d for d in descriptions)
    segments = load_coding(ketamine_out).segments
    distinct = segments[segments["negated"]].drop_duplicates(
        ["row", "question", "code", "start", "end"]
    )
    assert negated == len(distinct) > 0


ANSWERS = (
    "id,age,member,joined,score,note,answer\r\n"
    'a1,34,true,2024-01-31,1.5,x,"Café 😞 crème — my bladder hurts.\r\nAlso the K cramps."\r\n'
    'a2,41,FALSE,2023-12-01,2,,"no problems here"\r\n'
    'a3,,true,,,y,"👩‍👩‍👧 family first; bladder pain again, never had cramps"\r\n'
)
SMALL_BOOK = """\
name: Small book
codes:
  - id: harms
    label: Harms
    color: "#aa0000"
    codes:
      - id: bladder
        label: Bladder
        match: [bladder]
      - id: cramps
        label: Cramps
        negation: flag
        match: [cramps, k cramps]
"""


def test_emoji_accents_and_crlf_keep_offsets_and_types(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    answers.write_bytes(ANSWERS.encode("utf-8"))
    book = tmp_path / "small.yaml"
    book.write_text(SMALL_BOOK, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("apply", book, answers, "-o", out, "--text", "answer", "--id", "id", "-q")
    assert result.exit_code == 0, result.output
    target = tmp_path / "small.qdpx"
    assert invoke("export", "qdpx", out, "-o", target).exit_code == 0
    if REFI.is_dir():
        with zipfile.ZipFile(target) as archive:
            _validate("xmlschema", REFI / "Project.xsd", archive.read("project.qde"))
            _validate("lxml", REFI / "Project.xsd", archive.read("project.qde"))
    archive, root = _project(target)
    hits = []
    for source in root.findall(".//p:TextSource", NS):
        text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
        for sel in source.findall("p:PlainTextSelection", NS):
            hits.append(text[int(sel.get("startPosition")) : int(sel.get("endPosition"))])
    # code points, not bytes or UTF-16 units: the emoji and accents come before the hits
    assert sorted(hits) == sorted(["bladder", "K cramps", "bladder", "cramps"])
    text = archive.read(f"sources/{root.find('.//p:TextSource', NS).get('guid')}.txt")
    assert "\n" in text.decode() and b"\r" not in text
    kinds = {v.get("name"): v.get("typeOfVariable") for v in root.findall(".//p:Variable", NS)}
    assert kinds == {"age": "Integer", "member": "Boolean", "joined": "Date", "score": "Float",
                     "note": "Text"}  # fmt: skip
    values = [v.text for v in root.findall(".//p:BooleanValue", NS)]
    assert values == ["true", "false", "true"]
    # "never had cramps" is negated, but `cramps` flags (codes the answer): it is exported
    descriptions = [d.text for d in root.findall(".//p:PlainTextSelection/p:Description", NS)]
    assert sum("negated: true" in d for d in descriptions) == 1
    assert root.find(".//p:CodeBook//p:Code", NS).get("color") == "#aa0000"


def test_plain_text_and_variable_types() -> None:
    assert plain_text("a\r\nb\rc") == ("a\nb\nc", [0, 1, 1, 2, 3, 4, 5])
    assert plain_text("\ufeffab") == ("ab", [0, 0, 1, 2])
    assert plain_text("ok") == ("ok", None)
    assert variable_type(["1", "-2", "0"]) == "Integer"
    assert variable_type(["007", "12"]) == "Text"
    assert variable_type(["1.5", "2"]) == "Float"
    assert variable_type(["1e5"]) == "Text"
    assert variable_type(["True", "false"]) == "Boolean"
    assert variable_type(["2024-02-30"]) == "Text"
    assert variable_type([]) == "Text"


def test_qdpx_errors(ketamine_out: Path, tmp_path: Path) -> None:
    # E656: the manifest's codebook is gone
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in ketamine_out.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    manifest = (copy / "manifest.json").read_text(encoding="utf-8")
    (copy / "manifest.json").write_text(
        manifest.replace(str(KETAMINE), str(tmp_path / "gone.yaml")), encoding="utf-8"
    )
    result = invoke("export", "qdpx", copy, "-o", tmp_path / "x.qdpx")
    assert result.exit_code == 1 and "E656" in result.output
    # E738: a codebook without the folder's codes; the changed sha is noted
    other = tmp_path / "other.yaml"
    other.write_text(SMALL_BOOK, encoding="utf-8")
    result = invoke("export", "qdpx", copy, "-c", other, "-o", tmp_path / "x.qdpx")
    assert result.exit_code == 1 and "E738" in result.output
    assert "has changed since" in result.output
    # E737: segments that no longer match the coded answers
    segments = (copy / "segments.csv").read_text(encoding="utf-8")
    (copy / "segments.csv").write_text(segments.replace(",11,14,pee,", ",12,15,pee,", 1),
                                       encoding="utf-8")  # fmt: skip
    result = invoke("export", "qdpx", copy, "-c", KETAMINE, "-o", tmp_path / "x.qdpx")
    assert result.exit_code == 1 and "E737" in result.output
    assert not (tmp_path / "x.qdpx").exists()
    # E402: never over a file of the folder
    result = invoke("export", "qdpx", copy, "-o", copy / "coded.csv")
    assert result.exit_code == 1 and "E402" in result.output


# -- import qdc ------------------------------------------------------------------------


def _walk(codes):  # type: ignore[no-untyped-def]
    for code in codes:
        yield code
        yield from _walk(code.children)


def test_round_trip_ketamine_qdc_and_qdpx(ketamine_qdpx: Path, tmp_path: Path) -> None:
    qdc = tmp_path / "k.qdc"
    assert invoke("export", "qdc", KETAMINE, "-o", qdc).exit_code == 0
    original = load_codebook(KETAMINE)
    for source in (qdc, ketamine_qdpx):
        target = tmp_path / f"{source.suffix[1:]}.yaml"
        result = invoke("import", "qdc", source, "-o", target)
        assert result.exit_code == 0, result.output
        back = load_codebook(target)
        pairs = list(zip(original.walk(), back.walk(), strict=True))
        for a, b in pairs:
            assert (a.path, a.label, a.definition, a.include, a.exclude) == (
                b.path, b.label, b.definition, b.include, b.exclude
            )  # fmt: skip
            assert (a.examples, a.non_examples, a.color, a.negation) == (
                b.examples, b.non_examples, b.color, b.negation
            )  # fmt: skip
            assert [r.source for r in a.match] == [r.source for r in b.match]
            assert [r.source for r in a.unless] == [r.source for r in b.unless]
    assert back.name == original.name  # the project keeps the codebook's name
    result = invoke("validate", tmp_path / "qdc.yaml")
    assert result.exit_code == 0, result.output
    # -o exists: refused without --force
    result = invoke("import", "qdc", qdc, "-o", tmp_path / "qdc.yaml")
    assert result.exit_code == 1 and "E403" in result.output
    assert invoke("import", "qdc", qdc, "-o", tmp_path / "qdc.yaml", "--force").exit_code == 0


FOREIGN = """\
<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder 3.6">
  <Codes>
    <Code guid="{6F1A3B0C-0000-4000-8000-000000000001}" name="Harms" isCodable="false" color="#F00">
      <Description>Anything harmful.
Second line.</Description>
      <Code guid="6f1a3b0c-0000-4000-8000-000000000002" name="Bladder / urinary" isCodable="true"
            color="#12ab34"/>
      <Code guid="6f1a3b0c-0000-4000-8000-000000000003" name="Mood" isCodable="true">
        <Description>Low mood.</Description>
      </Code>
    </Code>
    <Code guid="6f1a3b0c-0000-4000-8000-000000000004" name="mood" isCodable="true" color="#zzzzzz"/>
    <Code guid="6f1a3b0c-0000-4000-8000-000000000005" name="2nd wave" isCodable="true"/>
    <Code guid="6f1a3b0c-0000-4000-8000-000000000006" name="Émotions fortes" isCodable="true"/>
  </Codes>
</CodeBook>
"""


def test_foreign_qdc_imports_with_todo_codes_validate_reports(tmp_path: Path) -> None:
    source = tmp_path / "nvivo.qdc"
    source.write_text(FOREIGN, encoding="utf-8")
    target = tmp_path / "imported.yaml"
    result = invoke("import", "qdc", source, "-o", target)
    assert result.exit_code == 0, result.output
    assert "6 codes, 5 without rules" in result.output
    text = target.read_text(encoding="utf-8")
    assert text.count("# TODO: no match rules (imported from nvivo.qdc)") == 5
    draft = read_refi_codebook(source)
    codes = list(_walk(draft.codes))
    assert [c.id for c in codes] == ["harms", "bladder_urinary", "mood", "mood_2",
                                     "code_2nd_wave", "emotions_fortes"]  # fmt: skip
    assert [c.label for c in codes][:3] == ["Harms", "Bladder / urinary", "Mood"]
    assert codes[0].definition == "Anything harmful.\nSecond line."
    assert [c.color for c in codes[:4]] == ["#FF0000", "#12ab34", None, None]
    assert [len(c.children) for c in codes[:2]] == [2, 0]
    # validate stops at the first rule-less leaf, naming it and its line in the file
    result = invoke("validate", target)
    assert result.exit_code == 1 and "E108" in result.output
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "id: bladder_urinary" in t)
    assert f"{target}:{line}:" in result.output.replace("\n", "")
    assert "bladder_urinary" in result.output


def test_make_id() -> None:
    assert make_id("Café au lait!") == "cafe_au_lait"
    assert make_id("42") == "code_42"
    assert make_id("😞") == "code"


def test_a_broken_rules_block_is_reported(tmp_path: Path) -> None:
    data = codebook_xml(load_codebook(KETAMINE)).decode()
    broken = data.replace('match: "bladder"\n', "match: bladder\n", 1)
    path = tmp_path / "broken.qdc"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(path)
    assert info.value.code == "E736" and "Bladder" in str(info.value)


def test_a_description_edited_in_another_program_stays_the_definition(tmp_path: Path) -> None:
    book = parse_codebook(
        "name: T\ncodes:\n  - id: a\n    definition: D.\n    include: I.\n    match: [x]\n", "t"
    )
    data = codebook_xml(book).decode().replace("Include: I.", "Included (edited): I.")
    path = tmp_path / "edited.qdc"
    path.write_text(data, encoding="utf-8")
    (code,) = read_refi_codebook(path).codes
    assert (code.id, code.definition, code.include, code.match) == (
        "a", "D.\n\nIncluded (edited): I.", "", ["x"]
    )  # fmt: skip


# -- hostile input ---------------------------------------------------------------------


def _zip_with(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    path = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/project.qde", "an absolute path"),
        ("sources/../../project.qde", "'..'"),
        ("sources\\x.txt", "a backslash"),
        ("C:/project.qde", "a drive letter"),
        (None, "a symbolic link"),
    ],
)
def test_unsafe_zip_entries_are_refused(tmp_path: Path, name: str | None, problem: str) -> None:
    entry = _symlink("sources/link.txt") if name is None else name
    path = _zip_with(tmp_path, [("project.qde", b"<x/>"), (entry, b"/etc/passwd")])
    result = invoke("import", "qdc", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and "E731" in result.output and problem in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_zip_bombs_and_too_many_entries_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = _zip_with(tmp_path, [("project.qde", b"\0" * (40 << 20))])
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(bomb)
    assert info.value.code == "E732" and "compressed" in str(info.value)
    many = _zip_with(tmp_path, [(f"sources/{i}.txt", b"") for i in range(6)])
    monkeypatch.setattr(safezip, "MAX_ENTRIES", 5)
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(many)
    assert info.value.code == "E732" and "6 entries" in str(info.value)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="6f1a3b0c-0000-4000-8000-000000000001" name="&lol4;" isCodable="true"/>
</Codes></CodeBook>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="6f1a3b0c-0000-4000-8000-000000000001" name="&secret;" isCodable="true"/>
</Codes></CodeBook>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL], ids=["bomb", "external"])
def test_entities_are_refused(tmp_path: Path, document: str) -> None:
    path = tmp_path / "evil.qdc"
    path.write_text(document, encoding="utf-8")
    result = invoke("import", "qdc", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and "E734" in result.output
    assert "root:" not in result.output  # nothing of /etc/passwd
    # inside a project too
    qdpx = _zip_with(tmp_path, [("project.qde", document.encode())])
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(qdpx)
    assert info.value.code == "E734" and "project.qde" in str(info.value)


def test_not_refi_files(tmp_path: Path) -> None:
    cases = {
        "broken.qdc": (b"<CodeBook><Codes>", "E735"),
        "other.qdc": (b"<html><body/></html>", "E733"),
        "empty.qdc": (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "E733"),
    }
    for name, (data, code) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(QualcodeError) as info:
            read_refi_codebook(tmp_path / name)
        assert info.value.code == code, name
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(tmp_path / "broken.qdc")
    assert info.value.where.line == 1
    no_project = _zip_with(tmp_path, [("readme.txt", b"hello")])
    with pytest.raises(QualcodeError) as info:
        read_refi_codebook(no_project)
    assert info.value.code == "E733" and "project.qde" in str(info.value)


def test_export_of_an_empty_answer_set_is_valid(tmp_path: Path) -> None:
    """No answer coded: a project with codes, cases and sources but no selections."""
    book = parse_codebook("name: T\ncodes: [{id: a, match: [zebra]}]\n", "t.yaml")
    from qualcode import code

    coding = code(pd.DataFrame({"t": ["hello", ""]}), book, text="t")
    made = project_zip(coding, book)
    assert (made.sources, made.selections, made.cases) == (1, 0, 2)
    if REFI.is_dir():
        with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
            _validate("xmlschema", REFI / "Project.xsd", archive.read("project.qde"))


def _guids(made: bytes) -> dict[str, set[str]]:
    """Kind of element -> the GUIDs of that kind in a project."""
    root = DET.fromstring(zipfile.ZipFile(io.BytesIO(made)).read("project.qde"))
    kinds = ("Case", "TextSource", "PlainTextSelection", "Coding")
    return {k: {e.get("guid") for e in root.iter(f"{{{NS['p']}}}{k}")} for k in kinds}


def test_editing_one_answer_changes_only_its_guids() -> None:
    """GUIDs follow the respondent and the answer, not the whole input file: a re-export
    after one answer was edited keeps every other case, source and coding GUID."""
    from qualcode import code

    book = parse_codebook(SMALL_BOOK, "small.yaml")
    answers = {"id": ["a1", "a2", "a3"], "answer": ["bladder", "k cramps", "bladder again"]}
    before = project_zip(code(pd.DataFrame(answers), book, text="answer", id="id"), book)
    answers["answer"][1] = "k cramps and bladder"
    edited = code(pd.DataFrame(answers), book, text="answer", id="id")
    edited.manifest["input"] = {"sha256": "0" * 64}  # another file: must not matter
    after = project_zip(edited, book)
    old, new = _guids(before.data), _guids(after.data)
    assert old["Case"] == new["Case"]
    assert len(old["TextSource"] - new["TextSource"]) == 1  # only a2's answer
    assert len(old["TextSource"] & new["TextSource"]) == 2
    assert old["Coding"] - new["Coding"] and len(old["Coding"] & new["Coding"]) == 2


def test_blank_and_repeated_ids_give_unique_case_and_source_names() -> None:
    """QualCoder keeps source and case names unique: a repeated id is told apart by its
    row, a blank one named by its row (never an empty or leading-space name)."""
    from qualcode import code

    book = parse_codebook(SMALL_BOOK, "small.yaml")
    answers = pd.DataFrame({"id": ["p1", "p1", "", " ", "p5"], "answer": ["bladder"] * 5})
    made = project_zip(code(answers, book, text="answer", id="id"), book)
    root = DET.fromstring(zipfile.ZipFile(io.BytesIO(made.data)).read("project.qde"))
    cases = [c.get("name") for c in root.iter(f"{{{NS['p']}}}Case")]
    sources = [s.get("name") for s in root.iter(f"{{{NS['p']}}}TextSource")]
    assert cases == ["p1 (row 1)", "p1 (row 2)", "row 3", "row 4", "p5"]
    assert sources == [f"{c} – answer" for c in cases]
    assert len(set(_guids(made.data)["Case"])) == 5
