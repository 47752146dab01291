"""CodebookVectorizer: the codebook as a scikit-learn transformer."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks as checks

import qualcode
from qualcode import QualcodeError
from qualcode.sklearn import CodebookVectorizer

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return qualcode.read_answers(SURVEY)[0]


@pytest.fixture(scope="module")
def coding(survey):
    return qualcode.code(survey, CODEBOOK, text="q1_harms", id="respondent_id")


def test_binary_matrix_equals_the_coded_matrix_of_code(survey, coding) -> None:
    vec = CodebookVectorizer(str(CODEBOOK))
    X = vec.fit_transform(survey["q1_harms"])
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.int32
    assert vec.get_feature_names_out().tolist() == list(coding.matrix.columns)
    assert vec.get_feature_names_out().dtype == object
    np.testing.assert_array_equal(X.toarray(), coding.matrix.to_numpy())
    assert X.sum() > 500


def test_counts_are_counted_segments_rolled_up(survey, coding) -> None:
    vec = CodebookVectorizer(qualcode.load_codebook(CODEBOOK), binary=False)
    counts = vec.fit_transform(survey["q1_harms"].to_numpy()).toarray()
    seg = coding.segments
    counted = seg[~seg["negated"]]  # the ketamine codebook's negation is `exclude`
    ids = vec.get_feature_names_out().tolist()
    for j, code_id in enumerate(ids):
        mine = counted[counted["code_path"].str.split("/").apply(lambda p, c=code_id: c in p)]
        per_row = mine.groupby("row").size()
        want = np.zeros(len(survey), dtype=int)
        want[per_row.index.to_numpy() - 1] = per_row.to_numpy()
        np.testing.assert_array_equal(counts[:, j], want, err_msg=code_id)
    np.testing.assert_array_equal(counts > 0, coding.matrix.to_numpy() == 1)
    assert counts.max() > 1


def test_input_kinds_and_missing_values() -> None:
    vec = CodebookVectorizer(CODEBOOK).fit(None)
    texts = ["My bladder is wrecked.", None, float("nan"), "I never had kidney pain."]
    bladder, kidney = vec.vocabulary_["bladder"], vec.vocabulary_["kidney"]
    for X in (texts, np.array(texts, dtype=object), pd.Series(texts), pd.DataFrame({"a": texts})):
        dense = vec.transform(X).toarray()
        assert dense.shape == (4, len(vec.vocabulary_))
        assert dense[:, bladder].tolist() == [1, 0, 0, 0]
        assert dense[:, kidney].tolist() == [0, 0, 0, 0]  # negated under `exclude`
    flagged = CodebookVectorizer(CODEBOOK, negation="flag").fit_transform(texts).toarray()
    assert flagged[:, kidney].tolist() == [0, 0, 0, 1]
    assert vec.transform([]).shape == (0, len(vec.vocabulary_))


def test_bad_input_and_parameters_are_qualcode_errors(tmp_path) -> None:
    vec = CodebookVectorizer(CODEBOOK).fit([])
    with pytest.raises(QualcodeError) as info:
        vec.transform("one text")
    assert info.value.code == "E752"
    with pytest.raises(QualcodeError) as info:
        vec.transform(pd.DataFrame({"a": ["x"], "b": ["y"]}))
    assert info.value.code == "E753" and "1 x 2" in str(info.value)
    with pytest.raises(QualcodeError) as info:
        CodebookVectorizer().fit(["x"])
    assert info.value.code == "E754"
    with pytest.raises(QualcodeError) as info:
        CodebookVectorizer(tmp_path / "missing.yaml").fit(["x"])
    assert info.value.code == "E101"
    with pytest.raises(QualcodeError) as info:
        CodebookVectorizer(CODEBOOK, negation="drop").fit(["x"])
    assert info.value.code == "E113"
    with pytest.raises(NotFittedError):
        CodebookVectorizer(CODEBOOK).transform(["x"])


def test_in_a_pipeline_with_logistic_regression(survey, coding) -> None:
    # The target is one of the features, so a working pipeline scores 1.0; what is tested is
    # fitting, predicting and cloning through the pipeline end to end.
    y = coding.matrix["bladder"].to_numpy()
    pipe = Pipeline([("codes", CodebookVectorizer(CODEBOOK)), ("clf", LogisticRegression())])
    pipe.fit(survey["q1_harms"], y)
    assert pipe.score(survey["q1_harms"], y) == 1.0  # bladder is a feature of itself
    assert pipe[:-1].get_feature_names_out().tolist()[0] == "physical_harms"
    again = clone(pipe).fit(survey["q1_harms"], y)
    np.testing.assert_array_equal(
        again.predict(survey["q1_harms"]), pipe.predict(survey["q1_harms"])
    )


def test_in_a_column_transformer_by_column_name(survey, coding) -> None:
    ct = ColumnTransformer(
        [
            ("harms", CodebookVectorizer(CODEBOOK), "q1_harms"),
            ("treatment", CodebookVectorizer(CODEBOOK, binary=False), "q2_treatment"),
        ]
    )
    X = ct.fit_transform(survey)
    k = len(coding.matrix.columns)
    assert X.shape == (len(survey), 2 * k)
    np.testing.assert_array_equal(X[:, :k].toarray(), coding.matrix.to_numpy())
    names = ct.get_feature_names_out()
    assert names[0] == "harms__physical_harms" and names[k] == "treatment__physical_harms"
    one = ColumnTransformer([("harms", CodebookVectorizer(CODEBOOK), ["q1_harms"])])
    np.testing.assert_array_equal(one.fit_transform(survey).toarray(), X[:, :k].toarray())


def test_pickle_round_trip_recompiles(survey) -> None:
    vec = CodebookVectorizer(CODEBOOK).fit(survey["q1_harms"])
    before = vec.transform(survey["q1_harms"]).toarray()
    data = pickle.dumps(vec)
    assert len(data) < 200_000  # the codebook, not a spaCy pipeline
    loaded = pickle.loads(data)
    np.testing.assert_array_equal(loaded.transform(survey["q1_harms"]).toarray(), before)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(CodebookVectorizer(CODEBOOK))).fit(
        survey["q1_harms"]).transform(survey["q1_harms"]).toarray(), before)  # fmt: skip


# scikit-learn's estimator checks. `check_estimator` runs none of its data checks on an
# estimator tagged `two_d_array=False` (text vectorizers; it warns and returns), because
# they feed numeric 2-D arrays. These API checks need no data, so they are run one by one.
API_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_repr,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_no_attributes_set_in_init,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
    checks.check_get_params_invariance,
    checks.check_set_params,
    checks.check_parameters_default_constructible,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_scikit_learn_api_checks(check) -> None:
    check("CodebookVectorizer", CodebookVectorizer(CODEBOOK))


def test_check_estimator_skips_the_data_checks_for_text_input() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks.check_estimator(CodebookVectorizer(CODEBOOK))
    assert any(issubclass(w.category, SkipTestWarning) for w in caught)


def test_data_checks_redone_with_texts(survey) -> None:
    """What check_fit_idempotent, check_estimators_overwrite_params,
    check_dont_overwrite_parameters, check_estimators_fit_returns_self and
    check_transformer_general check, on texts instead of numbers."""
    texts = survey["q1_harms"]
    vec = CodebookVectorizer(CODEBOOK, binary=False)
    params = vec.get_params()
    assert vec.fit(texts) is vec
    assert vec.get_params() == params  # fit changed no parameter
    public = {k for k in vars(vec) if not k.startswith("_")}
    assert public == set(params) | {"codebook_", "vocabulary_"}  # fitted ones end in "_"
    first = vec.transform(texts)
    np.testing.assert_array_equal(vec.fit(texts).transform(texts).toarray(), first.toarray())
    np.testing.assert_array_equal(
        clone(vec).fit_transform(texts).toarray(), first.toarray()
    )  # fit_transform == fit().transform()
    assert list(texts) == list(survey["q1_harms"])  # input untouched


def test_every_kind_of_missing_value_is_no_answer_not_its_repr(tmp_path) -> None:
    # "nan" (a grandmother) and "NA" (Narcotics Anonymous) are words a codebook may hold:
    # a missing value must not become the text "nan" or "<NA>" and be coded.
    book = tmp_path / "family.yaml"
    book.write_text(
        'name: Family\nversion: "1"\ncodes:\n  - id: family\n    match: [nan, na, nat]\n',
        encoding="utf-8",
    )
    vec = CodebookVectorizer(book).fit()
    assert vec.transform(["my nan helped", "NA meetings"]).toarray().ravel().tolist() == [1, 1]
    missing = [np.float32("nan"), np.float64("nan"), pd.NA, pd.NaT, None]
    for X in (missing, np.array(missing, dtype=object), pd.Series(missing, dtype=object),
              pd.Series(["my nan", None], dtype="string")):  # fmt: skip
        dense = vec.transform(X).toarray().ravel().tolist()
        assert dense == ([1, 0] if len(dense) == 2 else [0] * len(missing)), (X, dense)
    with pytest.raises(QualcodeError) as info:
        vec.transform(np.array("my nan"))  # one text as a 0-d array, not 7 one-letter texts
    assert info.value.code == "E752"
