"""`CodebookVectorizer`: a codebook as a scikit-learn transformer (texts in, codes out).

>>> from qualcode.sklearn import CodebookVectorizer
>>> vec = CodebookVectorizer("codebooks/ketamine.yaml")
>>> X = vec.fit_transform(["My bladder is wrecked.", "I never had kidney pain."])
>>> vec.get_feature_names_out()  # code ids, in codebook order

Like `TfidfVectorizer`, it takes a 1-D sequence of texts (a list, an array, a pandas Series
or a DataFrame column selected by name in a ColumnTransformer) and returns a scipy CSR matrix
with one column per code. Cells are exactly what `qualcode.code` gives: `binary=True` the
0/1 coded matrix (parents rolled up, negated hits not counting under `negation: exclude`);
`binary=False` the number of counted segments of the code and its descendants.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import NEGATION_MODES, Codebook, segment_counts
from qualcode.coding.chunk import code_chunk
from qualcode.coding.compile import CompiledCodebook, compile_codebook
from qualcode.errors import QualcodeError


class CodebookVectorizer(TransformerMixin, BaseEstimator):
    """Code texts with a qualcode codebook; one output column per code.

    Parameters
    ----------
    codebook : str, Path or Codebook
        A codebook YAML file or a loaded :class:`qualcode.Codebook`.
    binary : bool, default=True
        True: 1 when the text is coded (as in `coded.csv`); False: counted segments.
    negation : {"exclude", "flag", "ignore"} or None, default=None
        Overrides the codebook's negation mode for every code (as `--negation`).
    model : str or None, default=None
        An installed spaCy pipeline to use instead of the offline default (as `--model`).

    Attributes
    ----------
    codebook_ : Codebook
        The loaded codebook.
    vocabulary_ : dict[str, int]
        Code id -> column index (codebook order, parents before their children).
    """

    def __init__(
        self,
        codebook: str | Path | Codebook | None = None,
        binary: bool = True,
        negation: str | None = None,
        model: str | None = None,
    ) -> None:
        # scikit-learn convention: store the parameters as given, do no work here.
        self.codebook = codebook
        self.binary = binary
        self.negation = negation
        self.model = model

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: Iterable[Any] | None = None, y: Any = None) -> CodebookVectorizer:
        """Load and compile the codebook (X is not looked at: the codebook is the model)."""
        if isinstance(self.codebook, Codebook):
            codebook = self.codebook
        elif isinstance(self.codebook, (str, Path)):
            codebook = load_codebook(self.codebook)
        else:
            raise QualcodeError("E754", got=type(self.codebook).__name__)
        if self.negation is not None and self.negation not in NEGATION_MODES:
            allowed = ", ".join(NEGATION_MODES)
            raise QualcodeError("E113", key="negation", allowed=allowed, got=self.negation)
        self.codebook_ = codebook
        self.vocabulary_ = {code_id: i for i, code_id in enumerate(codebook.ids)}
        self._compiled: CompiledCodebook | None = None
        return self

    def compiled_codebook(self) -> CompiledCodebook:
        """The compiled codebook, built on first use (and again after unpickling)."""
        check_is_fitted(self, "vocabulary_")
        compiled: CompiledCodebook | None = getattr(self, "_compiled", None)
        if compiled is None:
            compiled = compile_codebook(self.codebook_, model=self.model, negation=self.negation)
            self._compiled = compiled
        return compiled

    def __getstate__(self) -> dict[str, Any]:
        # A compiled codebook holds a spaCy Language and Matcher: pickle the codebook only.
        state = super().__getstate__()
        state = dict(state)
        state.pop("_compiled", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if "vocabulary_" in state:
            self._compiled = None

    # -- transforming ----------------------------------------------------------------------
    def transform(self, X: Iterable[Any]) -> sp.csr_matrix:
        """Texts -> a CSR matrix, one row per text and one column per code (int32)."""
        check_is_fitted(self, "vocabulary_")
        texts = _texts(X)
        compiled = self.compiled_codebook()
        n, k = len(texts), len(self.vocabulary_)
        if n == 0:
            return sp.csr_matrix((0, k), dtype=np.int32)
        result = code_chunk(compiled, [texts])
        if self.binary:
            return sp.csr_matrix(result.matrices[0].astype(np.int32))
        return sp.csr_matrix(_counts(compiled, result.segments, n))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The code ids, as an object array in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.asarray(list(self.vocabulary_), dtype=object)


def _texts(X: Any) -> list[str]:
    """A 1-D sequence of texts as Python strings; None and NaN become "" (no answer)."""
    if isinstance(X, (str, bytes)):
        raise QualcodeError("E752", got=type(X).__name__)
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 0:  # a 0-d array holds one text, not a sequence
        raise QualcodeError("E752", got=f"0-d {type(X).__name__}")
    if shape is not None and len(shape) == 2:
        if shape[1] != 1:
            raise QualcodeError("E753", shape=f"{shape[0]} x {shape[1]}")
        # One column (e.g. ColumnTransformer given ["answer"]): take it.
        X = X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0]
    values = X.tolist() if hasattr(X, "tolist") else list(X)
    out = []
    for v in values:
        # pd.isna, not `float`: numpy float32 NaN, pd.NA and NaT would otherwise become the
        # texts "nan", "<NA>" and "NaT", which a codebook's rules may match.
        if v is None or (not isinstance(v, str) and np.ndim(v) == 0 and bool(pd.isna(v))):
            out.append("")
        else:
            out.append(str(v))
    return out


def _counts(compiled: CompiledCodebook, segments: dict[str, list], n: int) -> np.ndarray:
    """Counted segments per row and code, each also counted for every ancestor."""
    counts = np.zeros((n, len(compiled.codes)), dtype=np.int32)
    codes = compiled.codes
    for row, code, negated in zip(segments["row"], segments["code"], segments["negated"]):
        if not segment_counts(negated, codes[code].negation):
            continue  # does not code the answer, so does not count
        index: int | None = code
        while index is not None:
            counts[row, index] += 1
            index = codes[index].parent
    return counts
