"""Prototype (issue 15, speed): tokenise through a cache of whitespace-delimited runs.

    python benchmarks/proto_runs.py benchmarks/out/answers_100000.csv benchmarks/out/codebook.yaml

spaCy's tokenizer cuts a text into runs of non-space and of space characters and tokenises
each run on its own (its `_tokenize_affixes`; a run's tokens are cached by the run's hash),
dropping one ``' '`` between runs. Only `_apply_special_cases` looks across runs, and it keeps
no match whose text holds a space, though such a match can shadow an overlapping one. So an
answer's tokens are the concatenation of its runs' tokens, except perhaps where a run ending
in a token that is a non-last piece of a multi-token special case meets a run starting with a
non-first piece: an engine built on this would send those answers to spaCy (this prototype
does not look for them; it compares every answer's tokens with spaCy's instead).

This prototype measures, on one file, in one process, CPU seconds of:

- spaCy's tokenizer over every answer (``nlp.tokenizer.pipe``), and ``to_array(LOWER)``;
- the run cache: ``text.split(" ")`` for answers whose only whitespace is single spaces
  between runs (one RE2 test per chunk finds the others, which are split by a regex), one
  dict lookup per run, and `any` over the runs' flags "holds a token that starts a sequence
  a match rule needs": the answers that can have a word, phrase, glob or near hit, decided
  without a Doc (a superset: a phrase's first word alone passes);
- the run cache building every answer's (token text, offset) list in Python, which is
  what the engine would need from it for the answers that do have hits;

and checks that for every answer the run cache gives spaCy's tokens (text and offset).
"""

from __future__ import annotations

import re
import resource
import sys


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# Every character str.isspace() accepts (spaCy's test), as one class for Python's re.
SPACES = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
RUNS = re.compile(f"[{re.escape(SPACES)}]+|[^{re.escape(SPACES)}]+")
# Answers needing the general split: any whitespace but ' ', two spaces, or a space at an edge.
OTHER_SPACE = "".join(c for c in SPACES if c != " ")
COMPLEX_RE2 = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in OTHER_SPACE) + "]|  |^ | $"


class RunCache(dict):
    """run text -> (token texts, offsets in the run, holds a piece) from spaCy, once per run."""

    def __init__(self, nlp, piece_of) -> None:
        super().__init__()
        self.nlp = nlp
        self.piece_of = piece_of  # lower-case token text -> truthy when it satisfies a piece

    def __missing__(self, run: str):
        doc = self.nlp.tokenizer(run)
        texts = tuple(t.text for t in doc)
        value = (texts, tuple(t.idx for t in doc), any(self.piece_of(t.lower()) for t in texts))
        self[run] = value
        return value


def runs_of(text: str, simple: bool) -> list[str]:
    """The runs spaCy tokenises one by one (a single ' ' between two runs dropped)."""
    if simple:
        return text.split(" ")
    out: list[str] = []
    for m in RUNS.finditer(text):
        run = m.group()
        if run.isspace() and run[0] == " " and m.start() > 0:
            run = run[1:]  # spaCy's trailing space of the token before
            if not run:
                continue
        out.append(run)
    return out


def tokens_via_runs(text: str, simple: bool, cache: RunCache) -> list[tuple[str, int]]:
    """(text, offset) of each token, from the run cache."""
    out: list[tuple[str, int]] = []
    if simple:
        pos = 0
        for run in text.split(" "):
            texts, offs, _ = cache[run]
            out.extend(zip(texts, (pos + o for o in offs)))
            pos += len(run) + 1
        return out
    for m in RUNS.finditer(text):
        run, pos = m.group(), m.start()
        if run.isspace() and run[0] == " " and pos > 0:
            run, pos = run[1:], pos + 1
            if not run:
                continue
        texts, offs, _ = cache[run]
        out.extend(zip(texts, (pos + o for o in offs)))
    return out


def main(csv: str, book: str, *extra: str) -> int:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from qualcode.codebook.load import load_codebook
    from qualcode.coding.compile import compile_codebook

    compiled = compile_codebook(load_codebook(book))
    nlp = compiled.pipeline.nlp
    lemma = compiled.pipeline.lemma

    from qualcode.coding.engine import Engine

    # Pieces that start a sequence some `match` rule needs: a token without one cannot
    # begin a word, phrase, glob or near hit (regex rules are screened apart).
    firsts = {compiled.seqs[sid][0] for sid in Engine(compiled).by_seq}

    def piece_of(lower: str) -> bool:
        return not lower.isspace() and not firsts.isdisjoint(compiled.classify(lower, lemma(lower)))

    files = [(csv, "answer"), *[(extra[i], extra[i + 1]) for i in range(0, len(extra), 2)]]
    for path, column in files:
        texts = pd.read_csv(path)[column].fillna("").astype(str).tolist()
        c0 = cpu()
        n_tok = 0
        for doc in nlp.tokenizer.pipe(texts, batch_size=1000):
            n_tok += len(doc.to_array("LOWER"))
        c_spacy = cpu() - c0

        cache = RunCache(nlp, piece_of)
        c0 = cpu()
        arr = pa.array(texts, type=pa.large_string())
        complex_ = np.asarray(
            pc.match_substring_regex(arr, COMPLEX_RE2).to_numpy(zero_copy_only=False), dtype=bool
        ).tolist()
        get = cache.__getitem__
        candidates = 0
        for text, cx in zip(texts, complex_):
            if any(e[2] for e in map(get, runs_of(text, not cx))):
                candidates += 1
        c_runs = cpu() - c0
        c0 = cpu()
        cache2 = RunCache(nlp, piece_of)
        cache2.update(cache)
        for text, cx in zip(texts, complex_):
            tokens_via_runs(text, not cx, cache2)
        c_full = cpu() - c0

        bad = 0
        for text, cx, doc in zip(texts, complex_, nlp.tokenizer.pipe(texts, batch_size=1000)):
            mine = tokens_via_runs(text, not cx, cache)
            if mine != [(t.text, t.idx) for t in doc]:
                bad += 1
                if bad <= 3:
                    print("DIFF", repr(text[:200]))
        print(f"{path}: {len(texts):,} answers, {n_tok:,} tokens, {sum(complex_):,} not simple")
        print(f"  spaCy tokenizer + to_array: {c_spacy:.2f} CPU s")
        print(f"  run cache, decide (split, lookups, any): {c_runs:.2f} CPU s "
              f"({len(cache):,} runs; {candidates:,} answers may hold a piece)")  # fmt: skip
        print(f"  run cache, all tokens with offsets (Python tuples): {c_full:.2f} CPU s")
        print(f"  answers whose tokens differ from spaCy's: {bad}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
