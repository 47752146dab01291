"""Benchmark writing output tables with `qualcode.io.tables.TableWriter`.

    python benchmarks/bench_write.py                      # 1,000,000 rows, chunks of 10,000
    python benchmarks/bench_write.py --rows 100000 --xlsx-rows 5000 --repeat 3

Builds two synthetic tables in memory, shaped like `qualcode apply`'s outputs:

- ``coded``: an id, three answer columns of about 200 characters (commas, double quotes,
  some line feeds and carriage returns, some answers starting with ``=``, ``-`` or ``@``),
  and 40 int8 code columns;
- ``segments``: row, id, question, code, code_path, start, end, match, a quote of about 80
  characters, negated (bool) and rule.

and writes each (into a temporary folder) with:

- ``pandas.to_csv``: ``DataFrame.to_csv(index=False, lineterminator="\\n")`` of the same frame,
  the reference (it does not neutralise formulas);
- ``old write_table``: what ``write_table`` did before ``TableWriter`` (a Python call per
  text cell to neutralise it, then ``to_csv``);
- ``csv``: ``TableWriter`` in one ``write`` call, and ``csv/chunks``: in chunks of
  ``--chunk`` rows, as the streaming ``apply`` does;
- ``parquet`` and ``parquet/chunks``: the same for Parquet;
- ``xlsx/chunks``: the first ``--xlsx-rows`` rows only (openpyxl is slow; rows/s is what
  matters).

Prints seconds, rows/s and MB written per measurement (best of ``--repeat``) and checks that
the chunked and the one-call files are byte-identical.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.io.tables import TableWriter, _is_text, _safe_texts  # noqa: E402

WORDS = (
    "pain bladder craving sleep anxious better worse doctor dose week month never always "
    "often sometimes tired energy mood appetite weight friends family work money help "
    "because although however really quite very little much more less than about after"
).split()
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str"


def _texts(rng: np.random.Generator, n: int, pieces: int, pool: int = 2000) -> pd.Series:
    """`n` mostly distinct answers of `pieces` fragments (~65 characters each)."""
    fragments = []
    for i in range(pool):
        words = rng.choice(WORDS, size=10)
        text = " ".join(words)
        if i % 7 == 0:
            text += ", and"
        if i % 53 == 0:
            text = f'"{text}" she said'
        if i % 97 == 0:
            text += "\nnext line"
        if i % 211 == 0:
            text += "\r\nwindows line"
        fragments.append(text[:65])
    frags = pa.array(fragments, type=pa.large_string())
    parts = [frags.take(pa.array(rng.integers(0, pool, n))) for _ in range(pieces)]
    space = pa.scalar(" ", type=pa.large_string())
    joined = pc.binary_join_element_wise(*parts, space)
    lead = rng.integers(0, 100, n)  # some answers start like formulas or signed numbers
    prefix = np.where(lead == 0, "=", np.where(lead == 1, "-", np.where(lead == 2, "@", "")))
    empty = pa.scalar("", type=pa.large_string())
    joined = pc.binary_join_element_wise(pa.array(prefix, type=pa.large_string()), joined, empty)
    return pd.Series(joined.to_pandas(types_mapper={pa.large_string(): STR}.get), dtype=STR)


def coded_frame(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {"id": pd.Series([f"r{i:07d}" for i in range(n)], dtype=STR)}
    for name in ("answer_1", "answer_2", "answer_3"):
        data[name] = _texts(rng, n, 3)
    for j in range(40):
        data[f"code_{j:02d}"] = (rng.random(n) < 0.05).astype("int8")
    return pd.DataFrame(data)


def segments_frame(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.integers(0, n, n))
    codes = np.array([f"code_{j:02d}" for j in range(40)], dtype=object)
    code = codes[rng.integers(0, 40, n)]
    start = rng.integers(0, 180, n)
    return pd.DataFrame({
        "row": rows.astype("int64"),
        "id": pd.Series([f"r{i:07d}" for i in rows], dtype=STR),
        "question": pd.Series(np.array(["answer_1", "answer_2", "answer_3"])[rows % 3], dtype=STR),
        "code": pd.Series(code, dtype=STR),
        "code_path": pd.Series(["harms/" + c for c in code], dtype=STR),
        "start": start.astype("int64"),
        "end": (start + rng.integers(3, 12, n)).astype("int64"),
        "match": pd.Series(np.array(WORDS)[rng.integers(0, len(WORDS), n)], dtype=STR),
        "quote": _texts(rng, n, 1).str.slice(0, 80),
        "negated": rng.random(n) < 0.1,
        "rule": pd.Series(np.array(["match", "regex", "lemma"])[rng.integers(0, 3, n)], dtype=STR),
    })  # fmt: skip


def streamed(frame: pd.DataFrame, path: Path, fmt: str, chunk: int) -> None:
    with TableWriter(path, fmt) as writer:
        for start in range(0, len(frame), chunk):
            writer.write(frame.iloc[start : start + chunk])


def old_csv(frame: pd.DataFrame, path: Path) -> None:
    """What write_table did before TableWriter: neutralise cell by cell, then to_csv."""
    out = pd.DataFrame(
        {
            i: pd.Series(_safe_texts(col), dtype=object) if _is_text(col) else col
            for i, (_name, col) in enumerate(frame.items())
        }
    )
    out.columns = list(frame.columns)
    out.to_csv(path, index=False, lineterminator="\n")


def best(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def measurements(
    frame: pd.DataFrame, table: str, out: Path, chunk: int, xlsx_rows: int
) -> list[tuple[str, pd.DataFrame, Path, Callable[[], None]]]:
    """(label, rows written, file, run) of every measurement of one table."""
    small = frame.iloc[:xlsx_rows]

    def file(kind: str, fmt: str) -> Path:
        return out / f"{table}.{kind}.{fmt}"

    return [
        ("pandas.to_csv", frame, file("pandas", "csv"),
         lambda: frame.to_csv(file("pandas", "csv"), index=False, lineterminator="\n")),
        ("old write_table", frame, file("old", "csv"), lambda: old_csv(frame, file("old", "csv"))),
        ("csv", frame, file("one", "csv"),
         lambda: streamed(frame, file("one", "csv"), "csv", len(frame) or 1)),
        ("csv/chunks", frame, file("chunks", "csv"),
         lambda: streamed(frame, file("chunks", "csv"), "csv", chunk)),
        ("parquet", frame, file("one", "parquet"),
         lambda: streamed(frame, file("one", "parquet"), "parquet", len(frame) or 1)),
        ("parquet/chunks", frame, file("chunks", "parquet"),
         lambda: streamed(frame, file("chunks", "parquet"), "parquet", chunk)),
        ("xlsx/chunks", small, file("chunks", "xlsx"),
         lambda: streamed(small, file("chunks", "xlsx"), "xlsx", chunk)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--xlsx-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    began = time.perf_counter()
    frames = {"coded": coded_frame(args.rows), "segments": segments_frame(args.rows)}
    print(f"built {args.rows:,}-row frames in {time.perf_counter() - began:.1f} s")
    print(f"{'table':<9} {'writer':<16} {'rows':>10} {'seconds':>8} {'rows/s':>11} {'MB':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-write-") as folder:
        out = Path(folder)
        for table, frame in frames.items():
            for label, data, path, run in measurements(
                frame, table, out, args.chunk, args.xlsx_rows
            ):
                seconds = best(run, args.repeat)
                rate = len(data) / seconds
                megabytes = path.stat().st_size / 1e6
                print(
                    f"{table:<9} {label:<16} {len(data):>10,} {seconds:>8.2f} {rate:>11,.0f}"
                    f" {megabytes:>8.1f}"
                )
            for fmt in ("csv", "parquet"):
                one = (out / f"{table}.one.{fmt}").read_bytes()
                same = one == (out / f"{table}.chunks.{fmt}").read_bytes()
                print(f"{table:<9} {fmt}: one call == chunks of {args.chunk:,}: {same}")
            for path in out.iterdir():
                path.unlink()


if __name__ == "__main__":
    main()
