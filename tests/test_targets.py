"""Tests for ``_targets``: the one encoder of ``y``."""

import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_predict, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from sklearn_multilabel_nn import (
    IterativeStratifiedKFold,
    MultiLabelNNClassifier,
    TunedThresholdMultiLabelClassifierCV,
)
from sklearn_multilabel_nn._targets import TargetEncoder, is_label_sets

# ---------------------------------------------------------------------------
# Label sets in a pandas Series (issue 16, item 4)
# ---------------------------------------------------------------------------

TAGS = [["beach"], ["sunset"], ["beach", "sunset"], [], ["urban", "beach"]] * 4


@pytest.fixture
def pd():
    return pytest.importorskip("pandas")


@pytest.mark.parametrize("container", [list, tuple, set, frozenset])
def test_series_of_label_collections_encodes_like_a_list(pd, container):
    rows = [container(row) for row in TAGS]
    expected = TargetEncoder()
    Y_expected = expected.fit_transform(TAGS)
    encoder = TargetEncoder()
    series = pd.Series(rows, index=np.arange(100, 100 + len(rows)))
    Y = encoder.fit_transform(series)
    assert encoder.kind == "label-sets"
    assert list(encoder.classes_) == ["beach", "sunset", "urban"]
    np.testing.assert_array_equal(Y, Y_expected)
    np.testing.assert_array_equal(encoder.transform(series), Y_expected)
    assert encoder.decode(Y[:3], None) == [("beach",), ("sunset",), ("beach", "sunset")]


def test_series_rows_are_always_label_collections(pd):
    # A rectangular list of numeric rows is an indicator matrix, as in
    # scikit-learn; in a Series each row holds that sample's labels.
    encoder = TargetEncoder()
    Y = encoder.fit_transform(pd.Series([[0, 2], [1, 2], [2, 0]]))
    assert encoder.kind == "label-sets"
    np.testing.assert_array_equal(encoder.classes_, [0, 1, 2])
    np.testing.assert_array_equal(Y, [[1, 0, 1], [0, 1, 1], [1, 0, 1]])
    assert TargetEncoder().fit_transform([[0, 1], [1, 1]]).shape == (2, 2)


@pytest.mark.parametrize(
    "values, expected",
    [
        (["a", "b", "c"], "multiclass"),  # strings are 1-D labels
        (["a", "b", "b"], "binary"),
        ([0, 1, 1], "binary"),
        ({"a": [0, 1], "b": [1, 1]}, "multilabel"),
    ],
)
def test_other_pandas_targets_keep_their_kind(pd, values, expected):
    y = pd.DataFrame(values) if isinstance(values, dict) else pd.Series(values)
    encoder = TargetEncoder()
    encoder.fit_transform(y)
    assert encoder.kind == expected
    assert not is_label_sets(y)


def test_iterative_stratified_kfold_stratifies_label_sets_on_labels(pd):
    series = pd.Series(TAGS)
    Y = MultiLabelBinarizer().fit_transform(TAGS)
    cv = IterativeStratifiedKFold(n_splits=4, random_state=0)
    X = np.zeros((len(TAGS), 1))
    for (tr_a, te_a), (tr_b, te_b) in zip(
        cv.split(X, series), cv.split(X, Y), strict=True
    ):
        np.testing.assert_array_equal(te_a, te_b)
        np.testing.assert_array_equal(tr_a, tr_b)


@pytest.fixture
def tags_data(pd):
    rng = np.random.RandomState(0)
    X = rng.rand(len(TAGS), 3)
    return X, pd.Series(TAGS)


def _tuner():
    return TunedThresholdMultiLabelClassifierCV(
        KNeighborsClassifier(n_neighbors=3), cv=2, min_positives=1
    )


def test_scikit_learn_refuses_label_sets_with_an_int_cv(tags_data):
    # Documented in doc/user_guide/labels.rst: scikit-learn's check_cv calls
    # type_of_target before any of our code runs.
    X, tags = tags_data
    with pytest.raises(ValueError, match="legacy multi-label"):
        cross_val_score(_tuner(), X, tags, cv=5)


@pytest.mark.parametrize(
    "cv", [KFold(4), IterativeStratifiedKFold(4, random_state=0)], ids=repr
)
def test_cross_val_score_with_a_splitter_and_label_sets(tags_data, cv):
    # The default scoring, MultiLabelNNClassifier.score, encodes label sets.
    X, tags = tags_data
    clf = MultiLabelNNClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    scores = cross_val_score(clf, X, tags, cv=cv, error_score="raise")
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))


def test_binarized_label_sets_work_everywhere(tags_data):
    X, tags = tags_data
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(tags)
    scores = cross_val_score(
        _tuner(), X, Y, cv=4, scoring="f1_samples", error_score="raise"
    )
    assert scores.shape == (4,)
    pred = cross_val_predict(_tuner(), X, Y, cv=4)
    assert pred.shape == Y.shape
    assert len(binarizer.inverse_transform(pred)) == len(tags)
