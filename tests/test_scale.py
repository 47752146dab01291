"""Streaming, worker processes and Dask give the same files as one process, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qualcode import code, load_codebook, load_coding
from qualcode.coding.apply import apply_file
from qualcode.io.read import read_answers

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 answers: the bundled survey repeated with fresh ids, split into two partitions."""
    survey = pd.read_csv(ROOT / "examples" / "ketamine_survey.csv", dtype=str,
                         keep_default_na=False)  # fmt: skip
    copies = []
    for k in range(11):
        copy = survey.copy()
        copy["respondent_id"] = [f"{k}-{i}" for i in copy["respondent_id"]]
        copies.append(copy)
    frame = pd.concat(copies, ignore_index=True).iloc[:3000]
    folder = tmp_path_factory.mktemp("scale")
    frame.iloc[:1700].to_csv(folder / "part-0.csv", index=False)
    frame.iloc[1700:].to_csv(folder / "part-1.csv", index=False)
    frame.to_csv(folder / "all.csv", index=False)
    return folder


def run(answers: Path, out: Path, **options: object):  # type: ignore[no-untyped-def]
    """Small chunks (400 rows), so 3,000 answers make several chunks per worker."""
    options.setdefault("chunk_rows", 400)
    return apply_file(CODEBOOK, answers, out, text=["q1_harms", "q2_treatment", "q3_awareness"],
                      id="respondent_id", per_question=True, **options)  # fmt: skip


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


def comparable(manifest: dict) -> dict:  # type: ignore[type-arg]
    manifest = json.loads(json.dumps(manifest))
    for key in ("created_utc",):
        manifest.pop(key)
    for key in ("jobs", "engine"):
        manifest["options"].pop(key)
    return manifest


def test_streamed_output_equals_coding_in_memory(answers: Path, tmp_path: Path) -> None:
    applied = run(answers / "all.csv", tmp_path / "stream")
    assert applied.manifest["counts"]["rows"] == 3000
    data, source = read_answers(answers / "all.csv")
    coding = code(data, load_codebook(CODEBOOK), text=["q1_harms", "q2_treatment", "q3_awareness"],
                  id="respondent_id", per_question=True, source=source.describe())  # fmt: skip
    coding.save(tmp_path / "memory")
    assert files_of(tmp_path / "stream") == files_of(tmp_path / "memory")
    loaded = load_coding(tmp_path / "stream")
    pd.testing.assert_frame_equal(loaded.summary_table, coding.summary_table)
    saved = json.loads((tmp_path / "memory" / "manifest.json").read_text(encoding="utf-8"))
    for key in ("tables", "counts", "questions", "codes", "format"):
        assert applied.manifest[key] == saved[key], key


def test_jobs_2_gives_the_same_bytes_as_jobs_1(answers: Path, tmp_path: Path) -> None:
    one = run(answers / "all.csv", tmp_path / "one", jobs=1)
    two = run(answers / "all.csv", tmp_path / "two", jobs=2)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    assert comparable(one.manifest) == comparable(two.manifest)
    assert two.manifest["options"]["jobs"] == 2


def test_dask_local_cluster_gives_the_same_bytes(answers: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    one = run(answers / "part-*.csv", tmp_path / "one")
    dask = run(answers / "part-*.csv", tmp_path / "dask", engine="dask", jobs=2)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "dask")
    assert comparable(one.manifest) == comparable(dask.manifest)
    assert [f["rows"] for f in dask.manifest["input"]["files"]] == [1700, 1300]
    assert dask.manifest["counts"]["rows"] == 3000


def test_a_partition_glob_equals_the_whole_file(answers: Path, tmp_path: Path) -> None:
    run(answers / "all.csv", tmp_path / "whole", chunk_rows=10_000)
    run(answers / "part-*.csv", tmp_path / "parts", chunk_rows=10_000)
    assert files_of(tmp_path / "whole") == files_of(tmp_path / "parts")


def test_an_error_midway_leaves_no_output(answers: Path, tmp_path: Path) -> None:
    from qualcode import QualcodeError

    frame = pd.read_csv(answers / "all.csv", dtype=str, keep_default_na=False)
    head = frame.iloc[:2400].to_csv(index=False)  # past the first chunks: coded and written
    broken = tmp_path / "broken.csv"
    broken.write_text(head + "bad,row\n" + frame.iloc[2400:].to_csv(index=False, header=False),
                      encoding="utf-8")  # fmt: skip
    with pytest.raises(QualcodeError) as info:
        run(broken, tmp_path / "out")
    assert info.value.code == "E310" and info.value.where.line == head.count("\n") + 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_unreachable_scheduler_is_a_clear_error(answers: Path, tmp_path: Path) -> None:
    dask = pytest.importorskip("dask")
    from qualcode import QualcodeError

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(QualcodeError) as info:
            run(answers / "all.csv", tmp_path / "out", engine="dask",
                scheduler="tcp://127.0.0.1:9")  # fmt: skip
    assert info.value.code == "E315" and "tcp://127.0.0.1:9" in str(info.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_dask_not_installed_says_how_to_install(
    answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from qualcode import QualcodeError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(QualcodeError) as info:
        run(answers / "all.csv", tmp_path / "out", engine="dask")
    assert info.value.code == "E312" and "pip install 'qualcode[dask]'" in str(info.value)
    assert "--engine dask needs the 'distributed' package" in str(info.value)


def test_cli_jobs_and_engine_options(answers: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from qualcode.cli import app

    runner = CliRunner()
    base = ["apply", str(CODEBOOK), str(answers / "part-*.csv"), "--id", "respondent_id", "-q",
            "--text", "q*"]  # fmt: skip
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "a"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["jobs"] == 2 and manifest["counts"]["rows"] == 3000
    result = runner.invoke(app, [*base, "--scheduler", "tcp://x:8786"])
    assert result.exit_code == 2 and "--engine dask" in result.output
