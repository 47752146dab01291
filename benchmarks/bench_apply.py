"""Benchmark `qualcode apply` against spaCy's bare tokenizer and a naive regex baseline.

    python benchmarks/bench_apply.py --n 100000            # generate if absent, then measure
    python benchmarks/bench_apply.py --n 10000 --repeat 3  # best of 3 runs per measurement
    python benchmarks/bench_apply.py --n 100000 --skip-cli

Data come from benchmarks/generate.py (into benchmarks/out/, git-ignored). In one run, on the
same file, each measurement runs in a fresh subprocess, so its peak RSS is its own:

- ``read_csv``: ``pandas.read_csv`` of the answers file;
- ``read_answers``: ``qualcode.read_answers`` of the same file (encoding check, delimiter
  sniffing, strict field counts with line numbers, NFC and line-ending normalisation);
- ``tokenizer``: ``spacy.blank("en")`` over all answers with ``nlp.pipe(batch_size=1000)``;
- ``qualcode``: ``qualcode.load_codebook`` and ``qualcode.code(df, codebook, ...)``, timed
  separately (``code`` includes compiling the codebook);
- ``cli``: ``qualcode apply CODEBOOK ANSWERS ... -o TMP --quiet`` as a subprocess (wall time
  includes interpreter start-up, reading the file and writing the outputs);
- ``naive``: one ``str.contains(regex, case=False)`` per code on a
  ``pd.ArrowDtype(pa.string())`` column, which pandas hands to pyarrow's RE2 (see
  benchmarks/naive.py for how the regexes are written). This is the baseline of the targets;
- ``naive_str``: the same on the column ``read_csv`` gives by default (pandas 3's ``str``
  dtype, also pyarrow-backed). pandas 3.1 runs such a regex with Python's ``re`` instead of
  RE2 whenever it uses ``\\s``, or ``\\b``/``\\w`` on non-ASCII data (an emoji is enough),
  so on real answers this is the slow path a researcher actually gets.

Prints a table (wall s, answers/s, peak RSS), the ratios and targets (PASS/MISS), and how
often qualcode and the naive baseline agree per code; writes benchmarks/out/results_<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
MEASUREMENTS = ("read_csv", "read_answers", "tokenizer", "qualcode", "cli", "naive", "naive_str")
GB_KB = 1024 * 1024  # ru_maxrss is in KiB on Linux
TARGET_TOKENIZER_RATIO = 2.0


# --------------------------------------------------------------------------------------
# Workers: each runs in its own process and writes one JSON result
# --------------------------------------------------------------------------------------
def peak_rss_kb(who: int = resource.RUSAGE_SELF) -> int:
    """Peak resident set size in KiB of this process (or its waited-for children)."""
    rss = resource.getrusage(who).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # macOS reports bytes


def work_read_csv(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """pandas.read_csv of the answers file."""
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(csv)
    wall = time.perf_counter() - t0
    return {"wall": wall, "rows": len(df)}


def work_read_answers(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """qualcode.read_answers of the answers file."""
    from qualcode.io.read import read_answers

    t0 = time.perf_counter()
    df, _ = read_answers(csv)
    wall = time.perf_counter() - t0
    return {"wall": wall, "rows": len(df)}


def work_tokenizer(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """spaCy's blank English tokenizer over every answer; the floor for any spaCy coder."""
    import pandas as pd
    import spacy

    nlp = spacy.blank("en")
    texts = pd.read_csv(csv)["answer"].fillna("").tolist()
    n_tokens = 0
    t0 = time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=1000):
        n_tokens += len(doc)  # O(1); keeps the loop honest without a second pass
    wall = time.perf_counter() - t0
    return {"wall": wall, "tokens": n_tokens}


def work_qualcode(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """The library: load the codebook, then code every answer; saves matrices to compare."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(csv)
    t0 = time.perf_counter()
    import qualcode

    t1 = time.perf_counter()
    book = qualcode.load_codebook(codebook)
    t2 = time.perf_counter()
    coding = qualcode.code(df, book, text="answer", id="id")
    t3 = time.perf_counter()
    rss = peak_rss_kb()  # before the untimed bookkeeping below adds its own allocations

    # For the agreement check (untimed): leaf codes, coded (as qualcode reports it) and
    # "any segment" (negated hits included), which is closer to what the naive regex sees.
    leaves = [c.id for c in book.walk() if c.match]
    coded = coding.matrix[leaves].to_numpy(dtype=bool)
    anyseg = np.zeros_like(coded)
    seg = coding.segments
    if len(seg):
        col = {code: j for j, code in enumerate(leaves)}
        rows = seg["row"].to_numpy(dtype=np.int64) - 1  # segments number rows from 1
        which = seg["code"].map(col)
        keep = which.notna().to_numpy()
        anyseg[rows[keep], which[keep].to_numpy(dtype=np.int64)] = True
    np.savez_compressed(scratch / "qualcode.npz", codes=np.array(leaves), coded=coded,
                        anyseg=anyseg)  # fmt: skip
    if len(seg):  # for the examples of disagreements
        columns = ["row", "code", "start", "end", "match", "negated", "rule"]
        seg[columns].to_parquet(scratch / "segments.parquet")
    counts = coding.manifest.get("counts", {})
    return {
        "wall": t3 - t2,
        "rss_kb": rss,
        "load": t2 - t1,
        "import": t1 - t0,
        "segments": int(len(seg)),
        "coded_any": int(counts.get("coded_any", coded.any(axis=1).sum())),
        "answered": int(counts.get("answered", len(df))),
        "pipeline": coding.manifest.get("pipeline", {}).get("name"),
    }


def cli_command() -> list[str]:
    """The console script next to this interpreter, else `python -m qualcode`."""
    script = Path(sys.executable).parent / "qualcode"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]


def work_cli(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """`qualcode apply` as a user runs it; memory is the child's peak (RUSAGE_CHILDREN)."""
    outdir = Path(tempfile.mkdtemp(prefix="qualcode-bench-", dir=scratch)) / "coding"
    cmd = [*cli_command(), "apply", str(codebook), str(csv), "--text", "answer", "--id", "id",
           "-o", str(outdir), "--quiet"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rss = peak_rss_kb(resource.RUSAGE_CHILDREN)
    written = sorted(p.name for p in outdir.iterdir()) if outdir.exists() else []
    shutil.rmtree(outdir.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}")
    return {"wall": wall, "rss_kb": rss, "command": " ".join(cmd), "written": written}


def work_naive(csv: Path, codebook: Path, scratch: Path, arrow: bool = True) -> dict[str, Any]:
    """One case-insensitive `str.contains` per code on a pyarrow-backed string column."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    sys.path.insert(0, str(HERE))
    from naive import naive_patterns, read_codebook

    answers = pd.read_csv(csv)["answer"]
    if arrow:  # ArrowExtensionArray: str.contains goes straight to RE2
        answers = answers.astype(pd.ArrowDtype(pa.string()))
    book = read_codebook(codebook)
    t0 = time.perf_counter()
    patterns = naive_patterns(book)
    hits = np.zeros((len(answers), len(patterns)), dtype=bool)
    for j, pattern in enumerate(patterns.values()):
        found = answers.str.contains(pattern, case=False, regex=True)
        hits[:, j] = found.fillna(False).to_numpy(dtype=bool)
    wall = time.perf_counter() - t0
    name = "naive" if arrow else "naive_str"
    np.savez_compressed(scratch / f"{name}.npz", codes=np.array(list(patterns)), hits=hits)
    return {"wall": wall, "dtype": str(answers.dtype), "coded_any": int(hits.any(axis=1).sum())}


def work_naive_str(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """The same on pandas' default string dtype (Python `re` fallback in pandas 3.1)."""
    return work_naive(csv, codebook, scratch, arrow=False)


WORKERS = {
    "read_csv": work_read_csv,
    "read_answers": work_read_answers,
    "tokenizer": work_tokenizer,
    "qualcode": work_qualcode,
    "cli": work_cli,
    "naive": work_naive,
    "naive_str": work_naive_str,
}


def run_worker(name: str, csv: Path, codebook: Path, scratch: Path, result: Path) -> int:
    """Entry point of a measurement subprocess."""
    try:
        out = WORKERS[name](csv, codebook, scratch)
        out.setdefault("rss_kb", peak_rss_kb())
    except Exception as exc:  # the parent reports it and carries on with the rest
        out = {"error": f"{type(exc).__name__}: {exc}"}
    result.write_text(json.dumps(out), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------------------
# The parent: data, subprocesses, table, ratios, agreement
# --------------------------------------------------------------------------------------
def ensure_data(n: int, regenerate: bool) -> tuple[Path, Path]:
    """The answers and codebook for n, generated when absent."""
    csv, book = OUT / f"answers_{n}.csv", OUT / "codebook.yaml"
    if regenerate or not (csv.exists() and book.exists()):
        sys.path.insert(0, str(HERE))
        from generate import generate

        t0 = time.perf_counter()
        csv, book = generate(n, OUT)
        print(f"generated {csv.name} and {book.name} in {time.perf_counter() - t0:.1f} s")
    return csv, book


def child_env() -> dict[str, str]:
    """The environment for measurement processes: this working tree's qualcode first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def measure(name: str, csv: Path, book: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    """Run one measurement `repeat` times in fresh processes: best wall, highest peak RSS."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        result = scratch / f"{name}.json"
        cmd = [sys.executable, __file__, "--worker", name, "--csv", str(csv), "--codebook",
               str(book), "--scratch", str(scratch), "--result", str(result)]  # fmt: skip
        proc = subprocess.run(cmd, env=child_env(), capture_output=True, text=True)
        if proc.returncode != 0 or not result.exists():
            return {"error": f"worker exit {proc.returncode}: {proc.stderr.strip()[-800:]}"}
        runs.append(json.loads(result.read_text(encoding="utf-8")))
        if "error" in runs[-1]:
            return runs[-1]
    best = dict(min(runs, key=lambda r: r["wall"]))
    best["rss_kb"] = max(r["rss_kb"] for r in runs)
    if "load" in best:
        best["load"] = min(r["load"] for r in runs)
    best["walls"] = [r["wall"] for r in runs]
    return best


def fmt_rate(n: float, seconds: float | None) -> str:
    """answers/s with thousands separators."""
    return f"{n / seconds:,.0f}" if seconds else "-"


def print_table(n: int, res: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The main table; returns its rows for the JSON."""
    rows: list[dict[str, Any]] = []

    def add(label: str, key: str, wall_key: str = "wall", note: str = "") -> None:
        r = res.get(key)
        if r is None:
            return
        if "error" in r:
            rows.append({"step": label, "error": r["error"]})
            return
        wall = r[wall_key]
        rows.append({
            "step": label, "wall_s": round(wall, 4), "answers_per_s": round(n / wall),
            "peak_rss_mb": round(r["rss_kb"] / 1024, 1), "note": note,
        })  # fmt: skip

    tok = res.get("tokenizer", {})
    qc = res.get("qualcode", {})
    naive = res.get("naive", {})
    add("pandas.read_csv", "read_csv")
    add("qualcode.read_answers", "read_answers", note="sniff, strict rows, NFC")
    tok_note = (f"{tok['tokens']:,} tokens, {tok['tokens'] / tok['wall'] / 1e6:.2f}M tokens/s"
                if "tokens" in tok else "")  # fmt: skip
    add("spaCy blank('en') tokenizer only", "tokenizer", note=tok_note)
    if "load" in qc:
        add("qualcode.load_codebook", "qualcode", "load", note=f"import {qc['import']:.2f} s")
    qc_note = (f"{qc['segments']:,} segments; coded {qc['coded_any'] / n:.1%}"
               if "segments" in qc else "")  # fmt: skip
    add("qualcode.code (library)", "qualcode", note=qc_note)
    add("qualcode apply (CLI, subprocess)", "cli", note="incl. start-up, read, write")
    naive_note = (f"{naive['dtype']}; coded {naive['coded_any'] / n:.1%}"
                  if "dtype" in naive else "")  # fmt: skip
    add("naive str.contains, ArrowDtype", "naive", note=naive_note)
    naive_str = res.get("naive_str", {})
    add("naive str.contains, default str", "naive_str",
        note=f"{naive_str['dtype']} (re fallback)" if "dtype" in naive_str else "")  # fmt: skip

    print(f"\n{n:,} answers  (one process per row; best of {res['_repeat']} run(s))\n")
    head = f"{'step':<34} {'wall s':>8} {'answers/s':>11} {'peak RSS MB':>12}  note"
    print(head)
    print("-" * len(head) + "-" * 30)
    for row in rows:
        if "error" in row:
            print(f"{row['step']:<34} ERROR {row['error'][:200]}")
            continue
        print(f"{row['step']:<34} {row['wall_s']:>8.3f} {row['answers_per_s']:>11,} "
              f"{row['peak_rss_mb']:>12,.1f}  {row['note']}")  # fmt: skip
    return rows


def ratios_and_targets(res: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Print the ratios and the PASS/MISS targets; return both for the JSON."""

    def wall(key: str) -> float | None:
        r = res.get(key) or {}
        return r.get("wall") if "error" not in r else None

    tok, lib, cli, naive = wall("tokenizer"), wall("qualcode"), wall("cli"), wall("naive")
    naive_str = wall("naive_str")
    ratios: dict[str, float | None] = {
        "qualcode_library / tokenizer_only": lib / tok if lib and tok else None,
        "qualcode_library / naive": lib / naive if lib and naive else None,
        "qualcode_library / naive_default_str": lib / naive_str if lib and naive_str else None,
        "qualcode_cli / tokenizer_only": cli / tok if cli and tok else None,
        "qualcode_cli / naive": cli / naive if cli and naive else None,
    }
    print("\nratios")
    for name, value in ratios.items():
        print(f"  {name:<40} {'-' if value is None else f'{value:.2f}x'}")

    rss = [res[k]["rss_kb"] for k in ("qualcode", "cli") if "rss_kb" in res.get(k, {})]
    peak = max(rss) if rss else None
    lib_tok = ratios["qualcode_library / tokenizer_only"]
    cli_tok = ratios["qualcode_cli / tokenizer_only"]
    lib_naive = ratios["qualcode_library / naive"]
    targets: dict[str, dict[str, Any]] = {
        f"qualcode apply (library) <= {TARGET_TOKENIZER_RATIO:g}x tokenizer-only": {
            "value": lib_tok, "ok": None if lib_tok is None else lib_tok <= TARGET_TOKENIZER_RATIO,
        },
        f"qualcode apply (CLI) <= {TARGET_TOKENIZER_RATIO:g}x tokenizer-only": {
            "value": cli_tok, "ok": None if cli_tok is None else cli_tok <= TARGET_TOKENIZER_RATIO,
        },
        "qualcode apply (library) no slower than naive (ArrowDtype)": {
            "value": lib_naive, "ok": None if lib_naive is None else lib_naive <= 1.0,
        },
        "peak memory < 1 GB (library and CLI)": {
            "value": None if peak is None else peak / GB_KB, "ok": None if peak is None
            else peak < GB_KB,
        },
    }  # fmt: skip
    print("\ntargets")
    for name, t in targets.items():
        verdict = {True: "PASS", False: "MISS", None: "n/a "}[t["ok"]]
        if t["value"] is None:
            shown = "-"
        elif "memory" in name:
            shown = f"{t['value']:.2f} GB"
        else:
            shown = f"{t['value']:.2f}x"
        print(f"  {verdict}  {name:<52} {shown}")
    return ratios, targets


def context(text: str, start: int, end: int, width: int = 45) -> str:
    """The match with `width` characters either side, on one line."""
    left = ("..." if start > width else "") + text[max(0, start - width) : start]
    right = text[end : end + width] + ("..." if end + width < len(text) else "")
    return f"{left}[{text[start:end]}]{right}".replace("\n", " ")


def explain(
    code: str, row: int, kind: str, text: str, naive_re: Any, segs: dict[tuple[int, str], list]
) -> str:
    """One disagreement: where each side matched (or that it did not)."""
    mine = segs.get((row, code), [])
    if kind == "qualcode_only":
        start, end, _match, rule, negated = mine[0]
        neg = ", negated" if negated else ""
        return f"qualcode rule `{rule}`{neg}: {context(text, start, end)}; naive: no match"
    m = naive_re.search(text)
    where = context(text, m.start(), m.end()) if m else "?"
    ours = "negated segment" if mine else "no segment"
    return f"naive: {where}; qualcode: {ours}"


def agreement(csv: Path, book: Path, scratch: Path, n_examples: int = 2) -> dict[str, Any] | None:
    """Per code: share of answers where qualcode and the naive regex agree (a sanity check)."""
    import re

    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from naive import naive_patterns, read_codebook

    qpath, npath = scratch / "qualcode.npz", scratch / "naive.npz"
    if not (qpath.exists() and npath.exists()):
        return None
    q, nv = np.load(qpath), np.load(npath)
    codes = [str(c) for c in q["codes"]]
    naive_col = {str(c): j for j, c in enumerate(nv["codes"])}
    texts = pd.read_csv(csv)["answer"].fillna("").tolist()
    per_code: list[dict[str, Any]] = []
    for j, code in enumerate(codes):
        if code not in naive_col:
            continue
        qc, qa, nh = q["coded"][:, j], q["anyseg"][:, j], nv["hits"][:, naive_col[code]]
        per_code.append({
            "code": code,
            "qualcode": int(qc.sum()),
            "naive": int(nh.sum()),
            "agree": float((qc == nh).mean()),
            "agree_ignoring_negation": float((qa == nh).mean()),
            "qualcode_only": int((qc & ~nh).sum()),
            "naive_only": int((~qc & nh).sum()),
            "naive_only_not_negated": int((~qa & nh).sum()),
            "rows_qualcode_only": np.flatnonzero(qa & ~nh)[:n_examples].tolist(),
            "rows_naive_only": np.flatnonzero(~qa & nh)[:n_examples].tolist(),
        })  # fmt: skip
    if not per_code:
        return None
    same_engines = None
    if (scratch / "naive_str.npz").exists():  # RE2 and Python re should find the same
        same_engines = float((np.load(scratch / "naive_str.npz")["hits"] == nv["hits"]).mean())
    mean = float(np.mean([c["agree"] for c in per_code]))
    mean_neg = float(np.mean([c["agree_ignoring_negation"] for c in per_code]))
    worst = sorted(per_code, key=lambda c: c["agree"])
    print(f"\nagreement with the naive baseline over {len(per_code)} codes: mean {mean:.2%} of "
          f"answers per code, lowest {worst[0]['agree']:.2%} ({worst[0]['code']}); "
          f"counting negated hits as coded: mean {mean_neg:.2%}")  # fmt: skip
    print(f"  {'code':<22} {'agree':>7} {'agree*':>7} {'qualcode':>9} {'naive':>7} "
          f"{'q-only':>7} {'n-only':>7} {'n-only*':>8}")  # fmt: skip
    for c in worst[:6]:
        print(f"  {c['code']:<22} {c['agree']:>7.2%} {c['agree_ignoring_negation']:>7.2%} "
              f"{c['qualcode']:>9,} {c['naive']:>7,} {c['qualcode_only']:>7,} "
              f"{c['naive_only']:>7,} {c['naive_only_not_negated']:>8,}")  # fmt: skip
    print("  (* counting negated hits as coded; n-only* = naive hits with no qualcode segment)")
    if same_engines is not None:
        print(f"  naive via RE2 (ArrowDtype) and via re (default str) agree on "
              f"{same_engines:.4%} of answer x code cells")  # fmt: skip
    # Examples from the codes that disagree most once negation is set aside: those show
    # lemmas, globs, `unless` and tokenisation, not the (expected) negation difference.
    segs: dict[tuple[int, str], list] = {}
    if (scratch / "segments.parquet").exists():
        frame = pd.read_parquet(scratch / "segments.parquet")
        for r, code, start, end, match, negated, rule in frame.itertuples(index=False):
            segs.setdefault((int(r) - 1, code), []).append((start, end, match, rule, negated))
    patterns = naive_patterns(read_codebook(book))
    print("  examples (codes with the lowest agree*):")
    for c in sorted(per_code, key=lambda c: c["agree_ignoring_negation"])[:4]:
        naive_re = re.compile(patterns[c["code"]], re.IGNORECASE)
        c["examples"] = []
        for kind in ("qualcode_only", "naive_only"):
            for row in c[f"rows_{kind}"]:
                line = explain(c["code"], row, kind, texts[row], naive_re, segs)
                c["examples"].append({"row": row + 1, "kind": kind, "explain": line})
                print(f"    {c['code']} {kind.replace('_', '-')} (row {row + 1}): {line}")
    return {
        "mean_agree": mean,
        "mean_agree_ignoring_negation": mean_neg,
        "naive_re2_vs_re_cells_equal": same_engines,
        "codes": per_code,
    }


def environment() -> dict[str, Any]:
    """Versions and machine, for the JSON."""
    import numpy
    import pandas
    import pyarrow
    import spacy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "spacy": spacy.__version__,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temp file + rename), as every qualcode output is."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """CLI: measure, print, save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of answers")
    parser.add_argument("--repeat", type=int, default=1, help="best of R runs per measurement")
    parser.add_argument("--skip-cli", action="store_true", help="do not time `qualcode apply`")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data first")
    for hidden in ("--worker", "--csv", "--codebook", "--scratch", "--result"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args.worker, Path(args.csv), Path(args.codebook), Path(args.scratch),
                          Path(args.result))  # fmt: skip
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    csv, book = ensure_data(args.n, args.regenerate)
    OUT.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"_repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="bench-", dir=OUT) as tmp:
        scratch = Path(tmp)
        for name in MEASUREMENTS:
            if name == "cli" and args.skip_cli:
                continue
            print(f"  measuring {name} ...", file=sys.stderr, flush=True)
            res[name] = measure(name, csv, book, args.repeat, scratch)
        rows = print_table(args.n, res)
        ratios, targets = ratios_and_targets(res)
        agree = agreement(csv, book, scratch)

    out = OUT / f"results_{args.n}.json"
    write_json(out, {
        "n": args.n,
        "repeat": args.repeat,
        "answers": str(csv.relative_to(REPO)),
        "codebook": str(book.relative_to(REPO)),
        "command": " ".join(["python", "benchmarks/bench_apply.py", *sys.argv[1:]]),
        "environment": environment(),
        "table": rows,
        "measurements": {k: v for k, v in res.items() if not k.startswith("_")},
        "ratios": ratios,
        "targets": targets,
        "agreement": agree,
    })  # fmt: skip
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
