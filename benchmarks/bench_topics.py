"""Benchmark `qualcode topics` against spaCy's bare tokenizer and a plain scikit-learn baseline.

    python benchmarks/bench_topics.py --n 100000            # generate if absent, then measure
    python benchmarks/bench_topics.py --n 10000 --k 8 --skip-auto

Data come from benchmarks/generate.py (``answers_<n>.csv`` in benchmarks/out/, column
``answer``). Each measurement runs in a fresh subprocess, so its peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``) is its own; times are wall-clock within the process,
after the answers are read:

- ``tokenizer``: ``spacy.blank("en").tokenizer.pipe`` over every answer (the floor for any
  spaCy-based preprocessing);
- ``sklearn``: the plain scikit-learn way: ``TfidfVectorizer()`` (its default regex
  tokenizer, no lemmas, no stop words, unigrams) + ``NMF`` with the same settings and k as
  qualcode (``init="nndsvda"``, Kullback-Leibler loss, ``solver="mu"``, 400 iterations);
- ``topics_k``: ``TopicModel(k=K).fit(answers)`` (lemmas, stop words, bigrams, min_df, NMF);
- ``topics_auto``: ``TopicModel(k="auto").fit(answers)``: the k sweep 2..10 (on a seeded
  sample of 20,000 answers when there are more, see docs/topics.md), then the chosen k on all.

Prints a table (wall s, answers/s, peak RSS MB) and the ratios to the tokenizer and to the
scikit-learn baseline measured in the same run; writes benchmarks/out/topics_<n>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MEASUREMENTS = ("tokenizer", "sklearn", "topics_k", "topics_auto")


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _texts(csv: Path) -> list[str]:
    import pandas as pd

    return pd.read_csv(csv)["answer"].fillna("").astype(str).tolist()


def work(name: str, csv: Path, k: int) -> dict[str, Any]:
    """One measurement, in this process."""
    texts = _texts(csv)
    base_rss = peak_rss_mb()
    if name == "tokenizer":
        import spacy

        nlp = spacy.blank("en")
        t0 = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=1000))
        return {"wall": time.perf_counter() - t0, "tokens": tokens, "rss_read": base_rss}
    if name == "sklearn":
        import warnings

        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        t0 = time.perf_counter()
        x = TfidfVectorizer().fit_transform(texts)
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            NMF(n_components=k, init="nndsvda", random_state=0, max_iter=400,
                beta_loss="kullback-leibler", solver="mu").fit_transform(x)  # fmt: skip
        t2 = time.perf_counter()
        return {"wall": t2 - t0, "vectorize": t1 - t0, "fit": t2 - t1,
                "vocabulary": x.shape[1], "rss_read": base_rss}  # fmt: skip
    from qualcode.analysis.topics import TopicModel

    model = TopicModel(k=k if name == "topics_k" else "auto", seed=0)
    t0 = time.perf_counter()
    model.fit(texts)
    wall = time.perf_counter() - t0
    return {
        "wall": wall, "k": model.k_, "vocabulary": len(model.vocabulary_),
        "fitted": model.n_fitted_, "sweep_sample": model.sweep_sample_,
        "coherence": model.coherence_.to_dict("list"), "rss_read": base_rss,
    }  # fmt: skip


def measure(name: str, csv: Path, k: int) -> dict[str, Any]:
    """Run `work(name)` in a fresh interpreter and return its result with its peak RSS."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import bench_topics as b; "
        f"r = b.work({name!r}, b.Path({str(csv)!r}), {k}); r['rss'] = b.peak_rss_mb(); "
        "print(json.dumps(r))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=8, help="k of the fixed-k runs")
    parser.add_argument("--skip-auto", action="store_true")
    args = parser.parse_args()
    csv = OUT / f"answers_{args.n}.csv"
    if not csv.is_file():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--n", str(args.n),
                        "--out", str(OUT)], check=True)  # fmt: skip
    results: dict[str, Any] = {}
    for name in MEASUREMENTS:
        if name == "topics_auto" and args.skip_auto:
            continue
        results[name] = measure(name, csv, args.k)
        r = results[name]
        print(f"{name:12s} {r['wall']:8.2f} s {args.n / r['wall']:>10,.0f} answers/s "
              f"peak RSS {r['rss']:7.0f} MB", flush=True)  # fmt: skip
    tok, skl = results["tokenizer"]["wall"], results["sklearn"]["wall"]
    print(f"\nn = {args.n:,}, fixed k = {args.k}")
    for name in ("topics_k", "topics_auto"):
        if name in results:
            r = results[name]
            print(f"{name}: {r['wall'] / tok:.1f}x the tokenizer, {r['wall'] / skl:.1f}x "
                  f"scikit-learn's TfidfVectorizer + NMF; k = {r['k']}, vocabulary "
                  f"{r['vocabulary']:,}, fitted on {r['fitted']:,} answers, k sweep on "
                  f"{r['sweep_sample'] or r['fitted']:,}")  # fmt: skip
    (OUT / f"topics_{args.n}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
