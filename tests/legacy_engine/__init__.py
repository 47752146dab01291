"""A frozen copy of the engine before issue 15 (engine.py, compile.py and prefilter.py as of
commit 53484b6, with only their imports pointed here), kept as a test oracle.

Why it exists: issue 15 rebuilt the engine (rule kinds as classes, find-then-record, explicit
units, compilation without tokenizer mutation) on the promise that outputs stay identical.
tests/test_engine_oracle.py codes random answers built from the shipped codebooks' terms
with both engines and requires the same segments and matrix. Do not fix or tidy this copy:
its value is that it does not change. Delete it (and that test) once the new engine has
diverged on purpose, e.g. when a new matching behaviour is meant to change results.
"""
