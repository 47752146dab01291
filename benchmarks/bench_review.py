"""Benchmark the review workbench (`qualcode review`) on a large output folder.

    python benchmarks/bench_review.py                 # 100,000 answers
    python benchmarks/bench_review.py --n 10000 --decisions 300

Generates the synthetic survey of ``benchmarks/generate.py`` (n answers), codes it with
`qualcode apply` (once; the folder is reused from ``--out``), then starts the real server
(``qualcode review OUT --no-browser --port 0``) in a subprocess and measures, over HTTP:

- start to first page: from starting the process to the first page served, and from the URL
  being printed to that page;
- page render times (median of 5) of the start page, the by-code queue of the code with the
  most hits (first and last page), an answer, the uncoded list and a search;
- decision round trip: ``--decisions`` POSTs of accept/reject, each answered after the
  decision is committed to review.sqlite (WAL, synchronous=FULL): p50 and p95;
- the size of review.sqlite (and its WAL) afterwards, and the largest page's size (nothing
  on a page grows with the survey: the queues are paginated).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_folder(n: int, out: Path) -> Path:
    """Generate and code the survey of n answers into OUT (once)."""
    answers = out / f"answers_{n}.csv"
    folder = out / f"review_{n}"
    if not answers.is_file():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--n", str(n),
                        "--out", str(out)], check=True)  # fmt: skip
    if not (folder / "manifest.json").is_file():
        t = time.perf_counter()
        subprocess.run(["qualcode", "apply", str(out / "codebook.yaml"), str(answers),
                        "--text", "answer", "--id", "id", "-o", str(folder), "--quiet"],
                       check=True)  # fmt: skip
        print(f"apply: {time.perf_counter() - t:.1f} s")
    for stale in ("review.sqlite", "review.sqlite-wal", "review.sqlite-shm"):
        (folder / stale).unlink(missing_ok=True)
    return folder


def timed_get(url: str) -> tuple[float, int]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = resp.read()
    return time.perf_counter() - t, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    folder = ensure_folder(args.n, args.out)
    segments = sum(1 for _ in open(folder / "segments.csv", encoding="utf-8")) - 1
    print(f"folder: {folder} ({args.n:,} answers, {segments:,} segments)")

    started = time.perf_counter()
    proc = subprocess.Popen(
        ["qualcode", "review", str(folder), "--no-browser", "--port", "0", "--coder", "bench"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    url = ""
    for line in proc.stdout:
        if "open http" in line:
            url = line.split("open ", 1)[1].strip()
            break
    printed = time.perf_counter()
    base, _, query = url.partition("/?")
    token = query.removeprefix("token=")
    first, _ = timed_get(url)
    print(f"start to URL printed: {printed - started:.2f} s; URL to first page: "
          f"{first:.3f} s; start to first page: {time.perf_counter() - started:.2f} s")  # fmt: skip

    summary = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    import pandas as pd

    table = pd.read_csv(folder / "summary.csv")
    top = table.sort_values("segments", ascending=False).iloc[0]
    last_page = max(1, -(-int(top["segments"]) // 50))
    pages = {
        "start page (progress per code)": "/",
        f"by code {top['code']}, page 1": f"/code/{top['code']}",
        f"by code {top['code']}, page {last_page}": f"/code/{top['code']}?page={last_page}",
        "an answer": f"/answer/{args.n // 2}",
        "uncoded, page 1": "/uncoded",
        "search (glob)": "/search?q=crav*&mode=glob",
    }
    largest = 0
    for name, path in pages.items():
        sep = "&" if "?" in path else "?"
        times = []
        for _ in range(5):
            t, size = timed_get(f"{base}{path}{sep}token={token}")
            times.append(t)
            largest = max(largest, size)
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms ({size / 1024:.0f} KiB)")

    seg = pd.read_csv(folder / "segments.csv", nrows=args.decisions, dtype={"id": str})
    headers = {"Content-Type": "application/json", "X-Qualcode-Token": token, "Origin": base}
    trips = []
    for i, s in enumerate(seg.itertuples(index=False)):
        body = {"row": int(s.row), "question": s.question, "code": s.code,
                "start": int(s.start), "end": int(s.end),
                "decision": "accept" if i % 4 else "reject"}  # fmt: skip
        req = urllib.request.Request(base + "/api/decide", json.dumps(body).encode(), headers)
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
        trips.append(time.perf_counter() - t)
    trips.sort()
    p95 = trips[int(0.95 * (len(trips) - 1))]
    print(f"decision round trip over {len(trips)}: p50 {statistics.median(trips) * 1000:.1f} ms,"
          f" p95 {p95 * 1000:.1f} ms")  # fmt: skip
    after = [timed_get(f"{base}/?token={token}")[0] for _ in range(5)]
    print(
        f"start page after {len(trips)} decisions: first {after[0] * 1000:.0f} ms (indexes "
        f"built on first use), then median {statistics.median(after[1:]) * 1000:.0f} ms"
    )
    proc.send_signal(2)
    proc.wait(timeout=30)
    db = sum(
        (folder / f).stat().st_size
        for f in ("review.sqlite", "review.sqlite-wal")
        if (folder / f).exists()
    )
    print(f"review.sqlite after {len(trips)} decisions: {db / 1024:.0f} KiB; largest page "
          f"{largest / 1024:.0f} KiB; summary codes: {len(summary.get('codes', []))}")  # fmt: skip


if __name__ == "__main__":
    main()
