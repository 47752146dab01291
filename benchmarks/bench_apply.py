"""Benchmark `qualcode apply` against spaCy's bare tokenizer and a naive regex baseline.

    python benchmarks/bench_apply.py --n 100000            # generate if absent, then measure
    python benchmarks/bench_apply.py --n 10000 --repeat 3  # best of 3 runs per measurement
    python benchmarks/bench_apply.py --n 100000 1000000    # the scale run of issue #4
    python benchmarks/bench_apply.py --n 100000 --skip-cli

Data come from benchmarks/generate.py (into benchmarks/out/, git-ignored). For each n, on the
same file, each measurement runs in a fresh subprocess, so its peak RSS is its own:

- ``read_csv``: ``pandas.read_csv`` of the answers file;
- ``read_answers``: ``qualcode.read_answers`` of the same file (encoding check, delimiter
  sniffing, strict field counts with line numbers, NFC and line-ending normalisation);
- ``tokenizer``: ``spacy.blank("en")`` over all answers with ``nlp.pipe(batch_size=1000)``;
- ``qualcode``: ``qualcode.load_codebook`` and ``qualcode.code(df, codebook, ...)``, timed
  separately (``code`` includes compiling the codebook);
- ``cli_jobs1``, ``cli_jobs2``, ``cli_dask``: ``qualcode apply CODEBOOK ANSWERS ... -o TMP
  --quiet`` as a subprocess with ``--jobs 1``, ``--jobs 2`` and ``--engine dask --jobs 2`` (a
  LocalCluster of 2 worker processes). Wall time includes interpreter start-up, reading the
  file and writing the outputs. Memory is measured twice (see `TreeSampler`): the peak RSS of
  the ``qualcode`` process alone (its own ``getrusage(RUSAGE_SELF)``, written at exit by a
  small wrapper, `CLI_SHIM`), and the highest summed RSS (and PSS) of that process and all
  its descendants, sampled every 0.2 s. The output tables of the three runs (every file but
  manifest.json) must be byte-identical: their SHA-256 digests are compared;
- ``naive``: one ``str.contains(regex, case=False)`` per code on a
  ``pd.ArrowDtype(pa.string())`` column, which pandas hands to pyarrow's RE2 (see
  benchmarks/naive.py for how the regexes are written). This is the baseline of the targets;
- ``naive_str``: the same on the column ``read_csv`` gives by default (pandas 3's ``str``
  dtype, also pyarrow-backed). pandas 3.1 runs such a regex with Python's ``re`` instead of
  RE2 whenever it uses ``\\s``, or ``\\b``/``\\w`` on non-ASCII data (an emoji is enough),
  so on real answers this is the slow path a researcher actually gets. It takes ~5 minutes
  at 1M answers, so it is skipped from n = 1M on unless ``--naive-str`` is given.

Prints, per n, a table (wall s, answers/s, peak RSS), the ratios and the issue #2 targets,
how often qualcode and the naive baseline agree per code, and whether the three CLI runs
wrote the same tables; writes benchmarks/out/results_<n>.json. Then, over all n, a summary
and the issue #4 (scale) targets, PASS/MISS, written to results_scale_<n1>_<n2>...json.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
GB_KB = 1024 * 1024  # ru_maxrss is in KiB on Linux
PARALLEL_JOBS = 2
CLI_RUNS: dict[str, tuple[str, ...]] = {  # measurement -> `qualcode apply` options
    "cli_jobs1": ("--jobs", "1"),
    "cli_jobs2": ("--jobs", str(PARALLEL_JOBS)),
    "cli_dask": ("--engine", "dask", "--jobs", str(PARALLEL_JOBS)),
}
PEERS = ("peer_phrasematcher", "peer_liwc", "peer_re2")  # benchmarks/peers.py
MEASUREMENTS = ("read_csv", "read_answers", "tokenizer", "qualcode", *CLI_RUNS, "naive",
                "naive_str", *PEERS)  # fmt: skip
NAIVE_STR_MAX_N = 1_000_000  # from here on naive_str only runs with --naive-str
SAMPLE_EVERY = 0.2  # seconds between two samples of the CLI's process tree
# Issue #2, per n
TARGET_TOKENIZER_RATIO = 2.0
# Issue #4 (scale) and issue 15, over the whole run, at the largest n. The one-process
# ratios are judged on CPU seconds (the machine is shared; load stretches wall time only),
# the --jobs speed-up on wall time (CPU time cannot show it).
SCALE_TOKENIZER_RATIO = 1.5  # CLI --jobs 1 / tokenizer-only
SCALE_SPEEDUP = 1.8  # CLI --jobs 1 / CLI --jobs 2 (issue 15; issue #4 asked 1.7)
SCALE_RSS_MB = 600  # peak RSS of CLI --jobs 1
SCALE_RSS_DRIFT = 0.20  # ... and how far it may move from the 100k (or smallest n) figure


# --------------------------------------------------------------------------------------
# Workers: each runs in its own process and writes one JSON result
# --------------------------------------------------------------------------------------
def peak_rss_kb(who: int = resource.RUSAGE_SELF) -> int:
    """Peak resident set size in KiB of this process (or its waited-for children)."""
    return maxrss_kb(resource.getrusage(who).ru_maxrss)


def cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (or of its waited-for children). On a
    shared machine this is the honest figure for one process: other users' load stretches
    wall time, not CPU time."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def maxrss_kb(maxrss: int) -> int:
    """`ru_maxrss` in KiB: Linux reports KiB, macOS bytes."""
    return maxrss // 1024 if sys.platform == "darwin" else maxrss


def work_read_csv(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """pandas.read_csv of the answers file."""
    import pandas as pd

    c0, t0 = cpu_s(), time.perf_counter()
    df = pd.read_csv(csv)
    wall = time.perf_counter() - t0
    return {"wall": wall, "cpu": cpu_s() - c0, "rows": len(df)}


def work_read_answers(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """qualcode.read_answers of the answers file."""
    from qualcode.io.read import read_answers

    c0, t0 = cpu_s(), time.perf_counter()
    df, _ = read_answers(csv)
    wall = time.perf_counter() - t0
    return {"wall": wall, "cpu": cpu_s() - c0, "rows": len(df)}


def work_tokenizer(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """spaCy's blank English tokenizer over every answer; the floor for any spaCy coder."""
    import pandas as pd
    import spacy

    nlp = spacy.blank("en")
    texts = pd.read_csv(csv)["answer"].fillna("").tolist()
    n_tokens = 0
    c0, t0 = cpu_s(), time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=1000):
        n_tokens += len(doc)  # O(1); keeps the loop honest without a second pass
    wall = time.perf_counter() - t0
    return {"wall": wall, "cpu": cpu_s() - c0, "tokens": n_tokens}


def work_qualcode(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """The library: load the codebook, then code every answer; saves matrices to compare."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(csv)
    t0 = time.perf_counter()
    import qualcode

    t1 = time.perf_counter()
    book = qualcode.load_codebook(codebook)
    c2, t2 = cpu_s(), time.perf_counter()
    coding = qualcode.code(df, book, text="answer", id="id")
    c3, t3 = cpu_s(), time.perf_counter()
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
        "cpu": c3 - c2,
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


# `qualcode apply` run as `python -c CLI_SHIM PEAK_FILE apply ...`: what the console script
# does, plus, at exit, this process's own peak RSS into PEAK_FILE. Workers do not write it:
# pool workers leave with os._exit, spawned ones do not have the hook, and the pid is checked.
CLI_SHIM = """\
import atexit, os, resource, sys
peak_file, main_pid = sys.argv.pop(1), os.getpid()
def write_peak():
    if os.getpid() == main_pid:
        with open(peak_file, "w") as fh:
            fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(write_peak)
sys.argv[0] = "qualcode"
from qualcode.cli import main
sys.exit(main())
"""


class TreeSampler:
    """While in the `with` block: every `every` s, the summed memory of process `pid` and of
    all its descendants (workers, their children), with psutil if installed, else /proc.

    Two sums: RSS, which counts a page shared by several processes once per process (forked
    workers share the parent's copy-on-write pages, so this overstates), and PSS, which
    splits each shared page among its sharers (so it is counted once). A peak between two
    samples is missed: both are lower bounds of the true peaks.
    """

    def __init__(self, pid: int, every: float = SAMPLE_EVERY) -> None:
        self.pid, self.every = pid, every
        self.source = "psutil" if importlib.util.find_spec("psutil") else "/proc"
        self.peak_rss_kb = self.peak_pss_kb = self.max_processes = self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        read = tree_memory_psutil if self.source == "psutil" else tree_memory_proc
        while True:
            procs = read(self.pid)
            if procs:
                self.samples += 1
                self.peak_rss_kb = max(self.peak_rss_kb, sum(rss for rss, _ in procs))
                self.peak_pss_kb = max(self.peak_pss_kb, sum(pss for _, pss in procs))
                self.max_processes = max(self.max_processes, len(procs))
            if self._stop.wait(self.every):
                return


def tree_memory_psutil(pid: int) -> list[tuple[int, int]]:
    """(RSS KiB, PSS KiB) of `pid` and each live descendant, with psutil."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:  # already gone
        return []
    out: list[tuple[int, int]] = []
    for proc in procs:
        try:
            mem = proc.memory_full_info()  # reads /proc/PID/smaps_rollup on Linux
        except psutil.AccessDenied:
            mem = proc.memory_info()
        except psutil.Error:  # exited (or a zombie) meanwhile
            continue
        out.append((mem.rss // 1024, getattr(mem, "pss", mem.rss) // 1024))
    return out


def tree_memory_proc(pid: int) -> list[tuple[int, int]]:
    """(RSS KiB, PSS KiB) of `pid` and each live descendant, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])  # the name may hold spaces
            children.setdefault(ppid, []).append(int(entry.name))
    out: list[tuple[int, int]] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        fields: dict[str, int] = {}
        for name in ("status", "smaps_rollup"):
            try:
                lines = Path(f"/proc/{current}/{name}").read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "Pss"):
                    fields[key] = int(value.split()[0])
        if "VmRSS" in fields:  # a zombie has none
            out.append((fields["VmRSS"], fields.get("Pss", fields["VmRSS"])))
    return out


def table_digests(outdir: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of each output file but manifest.json (which records jobs, engine,
    times and paths, so differs by design)."""
    digests: dict[str, dict[str, Any]] = {}
    for path in sorted(outdir.iterdir()):
        if path.name == "manifest.json" or not path.is_file():
            continue
        sha = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
        digests[path.name] = {"sha256": sha.hexdigest(), "bytes": path.stat().st_size}
    return digests


def work_cli(csv: Path, codebook: Path, scratch: Path, name: str) -> dict[str, Any]:
    """`qualcode apply` as a user runs it, with the options of CLI_RUNS[name]; memory of the
    `qualcode` process alone and of its whole process tree."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=scratch))
    outdir, peak_file = run_dir / "coding", run_dir / "main_peak"
    args = ["apply", str(codebook), str(csv), "--text", "answer", "--id", "id",
            "-o", str(outdir), "--quiet", *CLI_RUNS[name]]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CLI_SHIM, str(peak_file), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    c0 = cpu_s(resource.RUSAGE_CHILDREN)
    with TreeSampler(proc.pid) as tree:
        _, stderr = proc.communicate()
        wall = time.perf_counter() - t0
    # The CLI and every worker it waited for (pool processes; Dask's are its grandchildren,
    # waited for by their nannies): the whole CPU cost of the run, start-up included.
    cpu = cpu_s(resource.RUSAGE_CHILDREN) - c0
    if proc.returncode != 0:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise RuntimeError(f"exit {proc.returncode}: {stderr.strip()[-800:]}")
    main_kb = maxrss_kb(int(peak_file.read_text()))
    tables = table_digests(outdir)
    shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_kb": main_kb,  # the `qualcode` process alone
        # Sampled sums over the tree; when the main process peaked between two samples, the
        # sum was at least its peak then.
        "all_rss_kb": max(tree.peak_rss_kb, main_kb),
        "all_pss_kb": tree.peak_pss_kb,
        # The largest peak of any one process of the tree (RUSAGE_CHILDREN of this worker,
        # which waited for the CLI, which waited for its workers): a max, not a sum.
        "largest_process_kb": peak_rss_kb(resource.RUSAGE_CHILDREN),
        "processes": tree.max_processes,
        "samples": tree.samples,
        "sampler": tree.source,
        "command": " ".join([*cli_command(), *args]),
        "tables": tables,
    }


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
    c0, t0 = cpu_s(), time.perf_counter()
    patterns = naive_patterns(book)
    hits = np.zeros((len(answers), len(patterns)), dtype=bool)
    for j, pattern in enumerate(patterns.values()):
        found = answers.str.contains(pattern, case=False, regex=True)
        hits[:, j] = found.fillna(False).to_numpy(dtype=bool)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    name = "naive" if arrow else "naive_str"
    np.savez_compressed(scratch / f"{name}.npz", codes=np.array(list(patterns)), hits=hits)
    return {"wall": wall, "cpu": cpu, "dtype": str(answers.dtype),
            "coded_any": int(hits.any(axis=1).sum())}  # fmt: skip


def work_naive_str(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """The same on pandas' default string dtype (Python `re` fallback in pandas 3.1)."""
    return work_naive(csv, codebook, scratch, arrow=False)


def _peer_setup(csv: Path, codebook: Path) -> tuple[list[str], dict[str, list[str]], Any]:
    """Answers, the codebook's surface forms per code (benchmarks/peers.py), the codebook."""
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from naive import read_codebook
    from peers import surface_forms

    texts = pd.read_csv(csv)["answer"].fillna("").tolist()
    book = read_codebook(codebook)
    return texts, surface_forms(book), book


def _peer_result(name: str, hits: Any, forms: dict[str, list[str]], scratch: Path,
                 **extra: Any) -> dict[str, Any]:  # fmt: skip
    import numpy as np

    np.savez_compressed(scratch / f"{name}.npz", codes=np.array(list(forms)), hits=hits)
    n_forms = len({f for fs in forms.values() for f in fs})
    return {"coded_any": int(hits.any(axis=1).sum()), "forms": n_forms, **extra}


def work_peer_phrasematcher(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """spaCy's tokenizer and one PhraseMatcher (LOWER) over every surface form."""
    import numpy as np
    import spacy
    from spacy.matcher import PhraseMatcher

    texts, forms, _ = _peer_setup(csv, codebook)
    nlp = spacy.blank("en")
    c0, t0 = cpu_s(), time.perf_counter()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    column = {}
    for j, (code, fs) in enumerate(forms.items()):
        matcher.add(code, list(nlp.tokenizer.pipe(fs)))
        column[nlp.vocab.strings[code]] = j
    hits = np.zeros((len(texts), len(forms)), dtype=bool)
    for i, doc in enumerate(nlp.pipe(texts, batch_size=1000)):
        for match_id, _start, _end in matcher(doc):
            hits[i, column[match_id]] = True
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    return {"wall": wall, "cpu": cpu, **_peer_result("peer_phrasematcher", hits, forms, scratch)}


def work_peer_liwc(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """A LIWC-style dictionary counter in plain Python (counts per code, then 0/1)."""
    import re

    import numpy as np
    from peers import liwc_dictionary

    texts, forms, book = _peer_setup(csv, codebook)
    c0, t0 = cpu_s(), time.perf_counter()
    d = liwc_dictionary(forms, book)
    exact, prefix, lengths, phrases = d["exact"], d["prefix"], d["prefix_lengths"], d["phrases"]
    words_of = re.compile(r"[\w']+").findall
    counts = np.zeros((len(texts), len(forms)), dtype=np.int32)
    for i, text in enumerate(texts):
        words = words_of(text.lower())
        row = counts[i]
        found: list[int] = []
        for k, w in enumerate(words):
            cats = exact.get(w)
            if cats:
                found.extend(cats)
            for n in lengths:
                if n > len(w):
                    break
                cats = prefix.get(w[:n])
                if cats:
                    found.extend(cats)
            for entry, j in phrases.get(w, ()):
                if tuple(words[k : k + len(entry)]) == entry:
                    found.append(j)
        for j in found:
            row[j] += 1
    hits = counts > 0
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    return {"wall": wall, "cpu": cpu, **_peer_result("peer_liwc", hits, forms, scratch)}


def work_peer_re2(csv: Path, codebook: Path, scratch: Path) -> dict[str, Any]:
    """One RE2 pass for every surface form at once (matches per answer; no per-code answer)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from peers import re2_pattern

    texts, forms, _ = _peer_setup(csv, codebook)
    arr = pa.array(texts, type=pa.large_string())
    c0, t0 = cpu_s(), time.perf_counter()
    found = pc.count_substring_regex(arr, re2_pattern(forms), ignore_case=True)
    matches = np.asarray(found.to_numpy(zero_copy_only=False))
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    n_forms = len({f for fs in forms.values() for f in fs})
    return {"wall": wall, "cpu": cpu, "coded_any": int((matches > 0).sum()), "forms": n_forms,
            "matches": int(matches.sum())}  # fmt: skip


WORKERS: dict[str, Callable[[Path, Path, Path], dict[str, Any]]] = {
    "read_csv": work_read_csv,
    "read_answers": work_read_answers,
    "tokenizer": work_tokenizer,
    "qualcode": work_qualcode,
    **{name: functools.partial(work_cli, name=name) for name in CLI_RUNS},
    "naive": work_naive,
    "naive_str": work_naive_str,
    "peer_phrasematcher": work_peer_phrasematcher,
    "peer_liwc": work_peer_liwc,
    "peer_re2": work_peer_re2,
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
# The parent, per n: data, subprocesses, table, ratios, agreement
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
    """Run one measurement `repeat` times in fresh processes: best wall, highest memory."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        result = scratch / f"{name}.json"
        cmd = [sys.executable, __file__, "--worker", name, "--csv", str(csv), "--codebook",
               str(book), "--scratch", str(scratch), "--result", str(result)]  # fmt: skip
        proc = subprocess.run(cmd, env=child_env(), capture_output=True, text=True)
        if proc.returncode != 0 or not result.exists():
            return {"error": f"worker exit {proc.returncode}: {proc.stderr.strip()[-800:]}"}
        runs.append(json.loads(result.read_text(encoding="utf-8")))
        result.unlink()
        if "error" in runs[-1]:
            return runs[-1]
    best = dict(min(runs, key=lambda r: r["wall"]))
    for key in ("rss_kb", "all_rss_kb", "all_pss_kb", "largest_process_kb", "processes"):
        if key in best:
            best[key] = max(r[key] for r in runs)
    if "load" in best:
        best["load"] = min(r["load"] for r in runs)
    if "cpu" in best:  # best of R for CPU too (it varies less than wall, but does vary)
        best["cpu"] = min(r["cpu"] for r in runs)
    best["walls"] = [r["wall"] for r in runs]
    return best


def wall_of(res: dict[str, dict[str, Any]], key: str) -> float | None:
    """A measurement's wall time, or None when it failed, was skipped or not run."""
    r = res.get(key) or {}
    return r.get("wall")


def cpu_of(res: dict[str, dict[str, Any]], key: str) -> float | None:
    """A measurement's CPU seconds (see `cpu_s`), or None."""
    r = res.get(key) or {}
    return r.get("cpu") if "wall" in r else None


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing."""
    return a / b if a and b else None


def times(value: float | None) -> str:
    """A ratio as '1.23x', or '-'."""
    return "-" if value is None else f"{value:.2f}x"


def cli_label(key: str) -> str:
    """A CLI run's label in the tables: 'CLI apply --jobs 2'."""
    return "CLI apply " + " ".join(CLI_RUNS[key])


TABLE_ROWS = (  # (label, measurement, which wall)
    ("pandas.read_csv", "read_csv", "wall"),
    ("qualcode.read_answers", "read_answers", "wall"),
    ("spaCy blank('en') tokenizer only", "tokenizer", "wall"),
    ("qualcode.load_codebook", "qualcode", "load"),
    ("qualcode.code (library)", "qualcode", "wall"),
    *((cli_label(key), key, "wall") for key in CLI_RUNS),
    ("naive str.contains, ArrowDtype", "naive", "wall"),
    ("naive str.contains, default str", "naive_str", "wall"),
    ("peer: spaCy PhraseMatcher", "peer_phrasematcher", "wall"),
    ("peer: LIWC-style counter", "peer_liwc", "wall"),
    ("peer: one RE2 pass, all forms", "peer_re2", "wall"),
)


def step_note(key: str, wall_key: str, r: dict[str, Any], n: int) -> str:
    """The last column of a table row."""
    if key == "read_answers":
        return "sniff, strict rows, NFC"
    if key == "tokenizer":
        return f"{r['tokens']:,} tokens, {r['tokens'] / r['wall'] / 1e6:.2f}M tokens/s"
    if key == "qualcode":
        if wall_key == "load":
            return f"import {r['import']:.2f} s"
        return f"{r['segments']:,} segments; coded {r['coded_any'] / n:.1%}"
    if key in CLI_RUNS:
        return (f"{r['processes']} proc(s); PSS sum {r['all_pss_kb'] / 1024:,.0f} MB; "
                f"largest one {r['largest_process_kb'] / 1024:,.0f} MB")  # fmt: skip
    if key == "naive":
        return f"{r['dtype']}; coded {r['coded_any'] / n:.1%}"
    if key == "naive_str":
        return f"{r['dtype']} (re fallback)"
    if key in PEERS:
        return f"{r['forms']:,} surface forms; coded {r['coded_any'] / n:.1%}"
    return ""


def print_table(n: int, res: dict[str, dict[str, Any]], repeat: int) -> list[dict[str, Any]]:
    """The main table; returns its rows for the JSON."""
    rows: list[dict[str, Any]] = []
    for label, key, wall_key in TABLE_ROWS:
        r = res.get(key)
        if r is None:
            continue
        if "error" in r or "skipped" in r:
            rows.append({"step": label, **{k: r[k] for k in ("error", "skipped") if k in r}})
            continue
        wall = r[wall_key]
        cpu = r.get("cpu") if wall_key == "wall" else None
        row = {"step": label, "wall_s": round(wall, 4),
               "cpu_s": None if cpu is None else round(cpu, 4), "answers_per_s": round(n / wall),
               "peak_rss_mb": round(r["rss_kb"] / 1024, 1)}  # fmt: skip
        if "all_rss_kb" in r:
            row["all_processes_rss_mb"] = round(r["all_rss_kb"] / 1024, 1)
            row["all_processes_pss_mb"] = round(r["all_pss_kb"] / 1024, 1)
            row["largest_process_mb"] = round(r["largest_process_kb"] / 1024, 1)
        row["note"] = step_note(key, wall_key, r, n)
        rows.append(row)

    print(f"\n{n:,} answers  (one process per row; best of {repeat} run(s))\n")
    head = (f"{'step':<34} {'wall s':>8} {'CPU s':>8} {'answers/s':>11} {'main peak MB':>13} "
            f"{'all procs MB':>13}  note")  # fmt: skip
    print(head)
    print("-" * (len(head) + 40))
    for row in rows:
        if "error" in row:
            print(f"{row['step']:<34} ERROR {row['error'][:200]}")
        elif "skipped" in row:
            print(f"{row['step']:<34} skipped: {row['skipped']}")
        else:
            every = row.get("all_processes_rss_mb")
            cpu = "-" if row["cpu_s"] is None else f"{row['cpu_s']:.3f}"
            print(f"{row['step']:<34} {row['wall_s']:>8.3f} {cpu:>8} {row['answers_per_s']:>11,} "
                  f"{row['peak_rss_mb']:>13,.1f} {'' if every is None else f'{every:,.1f}':>13}"
                  f"  {row['note']}")  # fmt: skip
    if any(key in res for key in CLI_RUNS):
        sampler = next((res[k]["sampler"] for k in CLI_RUNS if "sampler" in res.get(k, {})), "-")
        print(
            f"main peak MB: peak RSS of the measured process alone (getrusage RUSAGE_SELF; "
            f"for CLI rows, the `qualcode`\n  process without its workers). all procs MB "
            f"(CLI rows): highest sum of RSS over the `qualcode` process and all its\n  "
            f"descendants, sampled every {SAMPLE_EVERY:g} s ({sampler}); pages forked workers "
            f"share with it count once per process there,\n  once in the PSS sum (note)."
        )
    return rows


def ratios_and_targets(res: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Print the ratios and the issue #2 targets (PASS/MISS); return both for the JSON."""
    tok, lib, naive = wall_of(res, "tokenizer"), wall_of(res, "qualcode"), wall_of(res, "naive")
    cli, cli2, dask = (wall_of(res, key) for key in CLI_RUNS)
    ratios: dict[str, float | None] = {
        "qualcode_library / tokenizer_only": ratio(lib, tok),
        "qualcode_library / naive": ratio(lib, naive),
        "qualcode_library / naive_default_str": ratio(lib, wall_of(res, "naive_str")),
        "qualcode_cli / tokenizer_only": ratio(cli, tok),
        "qualcode_cli / naive": ratio(cli, naive),
        f"cli_jobs1 / cli_jobs{PARALLEL_JOBS} (speed-up)": ratio(cli, cli2),
        "cli_dask / cli_jobs1": ratio(dask, cli),
        f"cli_dask / cli_jobs{PARALLEL_JOBS}": ratio(dask, cli2),
    }
    # CPU seconds: what one process costs, unstretched by other load on the machine.
    ctok, cnaive = cpu_of(res, "tokenizer"), cpu_of(res, "naive")
    for key, label in (("qualcode", "qualcode_library"), ("cli_jobs1", "cli_jobs1"),
                       *((peer, peer) for peer in PEERS)):  # fmt: skip
        ratios[f"CPU {label} / tokenizer_only"] = ratio(cpu_of(res, key), ctok)
        ratios[f"CPU {label} / naive"] = ratio(cpu_of(res, key), cnaive)
    print("\nratios (wall, then CPU seconds)")
    for name, value in ratios.items():
        print(f"  {name:<40} {times(value)}")

    rss = [res[k]["rss_kb"] for k in ("qualcode", "cli_jobs1") if "rss_kb" in res.get(k, {})]
    peak = max(rss) / GB_KB if rss else None
    limit = TARGET_TOKENIZER_RATIO
    targets: dict[str, dict[str, Any]] = {
        f"qualcode apply (library) <= {limit:g}x tokenizer-only":
            verdict(ratios["qualcode_library / tokenizer_only"], lambda v: v <= limit, "x"),
        f"qualcode apply (CLI) <= {limit:g}x tokenizer-only":
            verdict(ratios["qualcode_cli / tokenizer_only"], lambda v: v <= limit, "x"),
        "qualcode apply (library) no slower than naive (ArrowDtype)":
            verdict(ratios["qualcode_library / naive"], lambda v: v <= 1.0, "x"),
        "peak memory < 1 GB (library and CLI --jobs 1)":
            verdict(peak, lambda v: v < 1.0, " GB"),
    }  # fmt: skip
    print_targets("targets (issue #2)", targets)
    return ratios, targets


def verdict(
    value: float | None, ok: Callable[[float], bool], unit: str, shown: str = ""
) -> dict[str, Any]:
    """A target's entry for the JSON: the figure, PASS (True), MISS (False) or n/a (None)."""
    if value is None:
        return {"value": None, "ok": None, "shown": "-"}
    return {"value": value, "ok": bool(ok(value)), "shown": shown or f"{value:.2f}{unit}"}


def print_targets(title: str, targets: dict[str, dict[str, Any]]) -> None:
    """One line per target: PASS/MISS/n/a, the target, the measured figure."""
    print(f"\n{title}")
    width = max(len(name) for name in targets)
    for name, t in targets.items():
        print(f"  {({True: 'PASS', False: 'MISS', None: 'n/a '})[t['ok']]}  {name:<{width}}  "
              f"{t['shown']}")  # fmt: skip


def compare_tables(res: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Whether the CLI runs wrote byte-identical tables (manifest.json aside); prints it."""
    runs = {key: res[key]["tables"] for key in CLI_RUNS if "tables" in res.get(key, {})}
    if len(runs) < 2:
        return {"identical": None, "runs": list(runs)}
    (first, reference), *others = runs.items()
    differ = {key: sorted(f for f in {*reference, *tables} if reference.get(f) != tables.get(f))
              for key, tables in others if tables != reference}  # fmt: skip
    files = ", ".join(reference)
    labels = ", ".join(cli_label(key).removeprefix("CLI apply ") for key in runs)
    if differ:
        what = "; ".join(f"{cli_label(k)}: {', '.join(names)}" for k, names in differ.items())
        print(f"\noutput tables DIFFER from {cli_label(first)}: {what}")
    else:
        print(f"\noutput tables byte-identical across {labels} ({files}; manifest.json aside)")
    return {"identical": not differ, "runs": list(runs), "files": reference, "differ": differ}


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
    from importlib.metadata import PackageNotFoundError, version

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    for package in ("numpy", "pandas", "pyarrow", "spacy", "dask", "distributed", "psutil"):
        try:
            env[package] = version(package)
        except PackageNotFoundError:
            env[package] = None
    return env


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temp file + rename), as every qualcode output is."""
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def naive_str_skipped(n: int) -> str:
    """Why naive_str was not run at n."""
    if n >= NAIVE_STR_MAX_N:
        return f"slow (~5 min at 1M answers); --naive-str runs it at n >= {NAIVE_STR_MAX_N:,}"
    return "--no-naive-str"


def run_n(n: int, args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Every measurement at n, the per-n report, and results_<n>.json; returns the results."""
    csv, book = ensure_data(n, args.regenerate)
    OUT.mkdir(parents=True, exist_ok=True)
    naive_str = args.naive_str if args.naive_str is not None else n < NAIVE_STR_MAX_N
    res: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-", dir=OUT) as tmp:
        scratch = Path(tmp)
        for name in MEASUREMENTS:
            if name in CLI_RUNS and (args.skip_cli or (args.skip_parallel and name != "cli_jobs1")):
                continue
            if name == "naive_str" and not naive_str:
                res[name] = {"skipped": naive_str_skipped(n)}
                continue
            print(f"  [n={n:,}] measuring {name} ...", file=sys.stderr, flush=True)
            res[name] = measure(name, csv, book, args.repeat, scratch)
        rows = print_table(n, res, args.repeat)
        ratios, targets = ratios_and_targets(res)
        agree = agreement(csv, book, scratch)
        same = compare_tables(res)

    out = OUT / f"results_{n}.json"
    write_json(out, {
        "n": n,
        "repeat": args.repeat,
        "answers": str(csv.relative_to(REPO)),
        "codebook": str(book.relative_to(REPO)),
        "command": command,
        "environment": environment(),
        "table": rows,
        "measurements": res,
        "ratios": ratios,
        "targets": targets,
        "agreement": agree,
        "cli_tables": same,
    })  # fmt: skip
    print(f"\nwrote {out.relative_to(REPO)}")
    return {"res": res, "identical": same["identical"], "file": str(out.relative_to(REPO))}


# --------------------------------------------------------------------------------------
# Over all n: the scale summary and the issue #4 targets
# --------------------------------------------------------------------------------------
def scale_summary(runs: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per n: tokenizer and CLI walls, their ratios, memory; printed and returned."""

    def mb(r: dict[str, Any], key: str) -> float | None:
        return round(r[key] / 1024, 1) if key in r else None

    lines: list[dict[str, Any]] = []
    for n, run in sorted(runs.items()):
        res = run["res"]
        tok, j1, j2, dask = (wall_of(res, k) for k in ("tokenizer", *CLI_RUNS))
        ctok, cj1 = cpu_of(res, "tokenizer"), cpu_of(res, "cli_jobs1")
        lines.append({
            "n": n, "tokenizer_s": tok, "cli_jobs1_s": j1, "cli_jobs2_s": j2, "cli_dask_s": dask,
            "tokenizer_cpu_s": ctok, "cli_jobs1_cpu_s": cj1, "jobs1_over_tokenizer_cpu":
            ratio(cj1, ctok), **{f"{p}_cpu_s": cpu_of(res, p) for p in PEERS},
            "naive_cpu_s": cpu_of(res, "naive"),
            "jobs1_over_tokenizer": ratio(j1, tok), "speedup_jobs2": ratio(j1, j2),
            "dask_over_jobs1": ratio(dask, j1),
            "jobs1_main_mb": mb(res.get("cli_jobs1", {}), "rss_kb"),
            "jobs2_all_mb": mb(res.get("cli_jobs2", {}), "all_rss_kb"),
            "dask_all_mb": mb(res.get("cli_dask", {}), "all_rss_kb"),
            "identical": run["identical"],
        })  # fmt: skip

    def cell(value: Any, spec: str, width: int) -> str:
        if value is None:
            return f"{'-':>{width}}"
        if isinstance(value, bool):
            return f"{'yes' if value else 'NO':>{width}}"
        return f"{format(value, spec):>{width}}"

    columns = (  # header, key, format, width
        ("n", "n", ",", 10), ("tok s", "tokenizer_s", ".2f", 8), ("j1 s", "cli_jobs1_s", ".2f", 8),
        ("tok CPU", "tokenizer_cpu_s", ".2f", 8), ("j1 CPU", "cli_jobs1_cpu_s", ".2f", 8),
        ("CPU j1/tok", "jobs1_over_tokenizer_cpu", ".2f", 10),
        ("j2 s", "cli_jobs2_s", ".2f", 8), ("dask s", "cli_dask_s", ".2f", 8),
        ("j1/tok", "jobs1_over_tokenizer", ".2f", 7), ("j1/j2", "speedup_jobs2", ".2f", 6),
        ("dask/j1", "dask_over_jobs1", ".2f", 8), ("j1 main MB", "jobs1_main_mb", ",.0f", 11),
        ("j2 all MB", "jobs2_all_mb", ",.0f", 10), ("dask all MB", "dask_all_mb", ",.0f", 12),
        ("identical", "identical", "", 10),
    )  # fmt: skip
    print(f"\n{'=' * 30} scale: CLI apply over n {'=' * 30}")
    print(" ".join(f"{h:>{w}}" for h, _, _, w in columns))
    for line in lines:
        print(" ".join(cell(line[k], spec, w) for _, k, spec, w in columns))
    jobs = PARALLEL_JOBS
    print(f"  j1, j2: --jobs 1, --jobs {jobs}; dask: --engine dask --jobs {jobs}. main MB: "
          f"the `qualcode` process's own peak RSS;\n  all MB: peak summed RSS of it "
          f"and its workers; identical: the runs' tables, byte for byte. Chunks are 10,000\n"
          f"  answers: below 20,000 there is nothing to share between workers.")  # fmt: skip
    return lines


def scale_targets(runs: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The issue #4 targets, at the largest n of this run (memory drift: against 100k if
    measured, else the smallest n); printed and returned."""
    ns = sorted(runs)
    top = ns[-1]
    res = runs[top]["res"]
    tok, naive = wall_of(res, "tokenizer"), wall_of(res, "naive")
    j1, j2, dask = (wall_of(res, k) for k in CLI_RUNS)
    ctok, cnaive, cj1 = (cpu_of(res, k) for k in ("tokenizer", "naive", "cli_jobs1"))
    at = f"(n={top:,})"
    ref = 100_000 if 100_000 in ns and top != 100_000 else ns[0]

    def main_mb(n: int) -> float | None:
        r = runs[n]["res"].get("cli_jobs1", {})
        return r["rss_kb"] / 1024 if "rss_kb" in r else None

    rss_top, rss_ref = main_mb(top), main_mb(ref)
    drift = rss_top / rss_ref - 1 if rss_top and rss_ref and ref != top else None
    drift_shown = "needs a second n" if ref == top else ""
    if drift is not None:
        drift_shown = f"{drift:+.1%} ({rss_top:,.0f} vs {rss_ref:,.0f} MB)"
    identical = [runs[n]["identical"] for n in ns]
    same = None if None in identical else all(identical)
    targets = {
        f"CLI --jobs 1 <= {SCALE_TOKENIZER_RATIO:g}x tokenizer-only, CPU s {at}":
            verdict(ratio(cj1, ctok), lambda v: v <= SCALE_TOKENIZER_RATIO, "x",
                    f"{times(ratio(cj1, ctok))} (wall {times(ratio(j1, tok))})"),
        f"CLI --jobs 1 faster than naive, ArrowDtype, CPU s {at}":
            verdict(ratio(cj1, cnaive), lambda v: v < 1.0, "x",
                    f"{times(ratio(cj1, cnaive))} (wall {times(ratio(j1, naive))})"),
        f"CLI --jobs {PARALLEL_JOBS} >= {SCALE_SPEEDUP:g}x faster than --jobs 1 {at}":
            verdict(ratio(j1, j2), lambda v: v >= SCALE_SPEEDUP, "x"),
        f"peak RSS of CLI --jobs 1 <= {SCALE_RSS_MB} MB {at}":
            verdict(rss_top, lambda v: v <= SCALE_RSS_MB, "", f"{rss_top or 0:,.0f} MB"),
        f"peak RSS of CLI --jobs 1 within {SCALE_RSS_DRIFT:.0%} of n={ref:,} {at}":
            verdict(drift, lambda v: abs(v) <= SCALE_RSS_DRIFT, "", drift_shown),
        "CLI tables byte-identical across its runs (every n)":
            verdict(same, bool, "", {True: "yes", False: "no", None: ""}[same]),
    }  # fmt: skip
    print_targets("targets (issue #4 and issue 15, scale)", targets)
    peers = {p: cpu_of(res, p) for p in PEERS if cpu_of(res, p)}
    if peers:
        shown = ", ".join(f"{p.removeprefix('peer_')} {v:.2f} s ({times(ratio(v, ctok))})"
                          for p, v in peers.items())  # fmt: skip
        print(f"  info: peers' CPU s {at} (x tokenizer-only): {shown}")
    print(f"  info: dask / --jobs 1 {at}: {times(ratio(dask, j1))}; "
          f"dask / --jobs {PARALLEL_JOBS}: {times(ratio(dask, j2))}")  # fmt: skip
    return targets


def main(argv: list[str] | None = None) -> int:
    """CLI: measure, print, save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000],
                        help="number(s) of answers, e.g. --n 100000 1000000")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="best of R runs per measurement")
    parser.add_argument("--skip-cli", action="store_true", help="do not time `qualcode apply`")
    parser.add_argument("--skip-parallel", action="store_true",
                        help=f"time only `qualcode apply --jobs 1`, not --jobs {PARALLEL_JOBS} "
                        "or dask")  # fmt: skip
    parser.add_argument("--naive-str", action=argparse.BooleanOptionalAction, default=None,
                        help=f"time the naive baseline on pandas' default str column [only "
                        f"below n={NAIVE_STR_MAX_N:,}: it is slow]")  # fmt: skip
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data first")
    for hidden in ("--worker", "--csv", "--codebook", "--scratch", "--result"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args.worker, Path(args.csv), Path(args.codebook), Path(args.scratch),
                          Path(args.result))  # fmt: skip
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if any(n < 1 for n in args.n):
        parser.error("--n must be at least 1")

    command = " ".join(["python", "benchmarks/bench_apply.py", *sys.argv[1:]])
    ns = sorted(set(args.n))
    runs = {n: run_n(n, args, command) for n in ns}
    lines = scale_summary(runs)
    targets = scale_targets(runs)
    out = OUT / f"results_scale_{'_'.join(str(n) for n in ns)}.json"
    write_json(out, {
        "n": ns,
        "repeat": args.repeat,
        "command": command,
        "environment": environment(),
        "per_n": {str(n): runs[n]["file"] for n in ns},
        "summary": lines,
        "targets": targets,
    })  # fmt: skip
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
