"""TargetEncoder: every accepted form of ``y``, its errors, and the way back.

Pure NumPy (no Keras): the encoder is what the classifier uses to turn ``y``
into the 0/1 matrix the networks train on, and predictions back into ``y``'s
form.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import KFold, cross_val_predict, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from sklearn_multilabel_nn import (
    IterativeStratifiedKFold,
    MultiLabelNNClassifier,
    TunedThresholdMultiLabelClassifierCV,
)
from sklearn_multilabel_nn._targets import TargetEncoder, is_label_sets

Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])


def _round_trip(enc, Y01):
    """decode() of encoded 0/1 decisions, with scores equal to the decisions."""
    return enc.decode(Y01, Y01.astype(float))


@pytest.mark.parametrize(
    "dtype", [np.int64, np.int8, np.uint8, np.float32, np.float64, bool, object]
)
def test_indicator_of_any_dtype(dtype):
    enc = TargetEncoder()
    out = enc.fit_transform(Y.astype(dtype))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, Y)
    assert enc.kind == "multilabel"
    np.testing.assert_array_equal(enc.classes_, [0, 1, 2])
    assert enc.n_outputs() == 3
    np.testing.assert_array_equal(_round_trip(enc, out), Y)
    np.testing.assert_array_equal(enc.transform(Y.astype(dtype)), Y)


def test_uint8_indicator_is_used_without_a_copy():
    # Large label matrices are not held twice during fit.
    Y8 = Y.astype(np.uint8)
    assert np.shares_memory(TargetEncoder().fit_transform(Y8), Y8)


def test_indicator_as_nested_list():
    # As in scikit-learn, y.tolist() means the same as y.
    enc = TargetEncoder()
    np.testing.assert_array_equal(enc.fit_transform(Y.tolist()), Y)
    assert enc.kind == "multilabel"


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil"])
def test_sparse_indicator(fmt):
    enc = TargetEncoder()
    out = enc.fit_transform(sp.csr_matrix(Y).asformat(fmt))
    np.testing.assert_array_equal(out, Y)
    assert enc.kind == "multilabel"
    np.testing.assert_array_equal(enc.transform(sp.csr_matrix(Y).asformat(fmt)), Y)


def test_sparse_must_be_2d_with_columns():
    with pytest.raises(ValueError, match="sparse y must be a 2-D"):
        TargetEncoder().fit_transform(sp.csr_matrix((3, 0)))


def test_dataframe_keeps_column_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(Y, columns=["a", "b", "c"])
    enc = TargetEncoder()
    np.testing.assert_array_equal(enc.fit_transform(df), Y)
    assert enc.kind == "multilabel"
    assert enc.classes_.dtype == object
    assert enc.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(enc.transform(df), Y)
    np.testing.assert_array_equal(enc.transform(Y), Y)


def test_dataframe_of_booleans_and_nullable_ints():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(Y.astype(bool), columns=["a", "b", "c"])
    np.testing.assert_array_equal(TargetEncoder().fit_transform(df), Y)
    df = pd.DataFrame(Y, columns=["a", "b", "c"]).astype("Int64")
    np.testing.assert_array_equal(TargetEncoder().fit_transform(df), Y)


@pytest.mark.parametrize(
    "label_sets",
    [
        [{"cat"}, {"dog", "cat"}, set(), {"bird"}],
        [("cat",), ("dog", "cat"), (), ("bird",)],
        [["cat"], ["dog", "cat"], [], ["bird"]],  # ragged lists
        np.array([["cat"], ["dog", "cat"], [], ["bird"]], dtype=object),
    ],
    ids=["sets", "tuples", "ragged-lists", "object-array"],
)
def test_label_sets(label_sets):
    enc = TargetEncoder()
    out = enc.fit_transform(label_sets)
    assert enc.kind == "label-sets"
    assert enc.classes_.tolist() == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(out, [[0, 1, 0], [0, 1, 1], [0, 0, 0], [1, 0, 0]])
    assert out.dtype == np.uint8
    decoded = _round_trip(enc, out)
    assert decoded == [("cat",), ("cat", "dog"), (), ("bird",)]
    np.testing.assert_array_equal(enc.transform(decoded), out)


def test_rectangular_non_numeric_lists_are_label_sets():
    enc = TargetEncoder()
    out = enc.fit_transform([["a", "b"], ["b", "c"]])
    assert enc.kind == "label-sets"
    np.testing.assert_array_equal(out, [[1, 1, 0], [0, 1, 1]])


def test_label_sets_with_given_classes():
    enc = TargetEncoder()
    out = enc.fit_transform([{2}, {0, 2}], classes=[0, 1, 2])
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 1]])
    assert enc.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "y, classes",
    [
        (np.array([0, 1, 1, 0]), [0, 1]),
        (np.array(["no", "yes", "yes", "no"]), ["no", "yes"]),
        (np.array([True, False, False, True]), [False, True]),
        (np.array([[0], [1], [1], [0]]), [0, 1]),  # (n, 1) is 1-D
        ([-1, 1, 1, -1], [-1, 1]),
    ],
    ids=["int", "str", "bool", "column", "list"],
)
def test_binary(y, classes):
    enc = TargetEncoder()
    out = enc.fit_transform(y)
    assert enc.kind == "binary"
    assert enc.n_outputs() == 1
    assert out.shape == (4, 1) and out.dtype == np.uint8
    assert enc.classes_.tolist() == classes
    np.testing.assert_array_equal(out, enc.transform(y))
    scores = out.astype(float)
    np.testing.assert_array_equal(enc.decode(out, scores), np.ravel(y))
    proba = enc.proba(np.array([[0.25], [0.75]]))
    np.testing.assert_allclose(proba, [[0.75, 0.25], [0.25, 0.75]])


def test_single_class_is_binary():
    enc = TargetEncoder()
    out = enc.fit_transform(np.array(["a", "a"]))
    assert enc.kind == "binary"
    np.testing.assert_array_equal(out, [[0], [0]])


@pytest.mark.parametrize(
    "y",
    [
        np.array([2, 0, 1, 2]),
        np.array(["c", "a", "b", "c"]),
        np.array([[2], [0], [1], [2]]),
    ],
    ids=["int", "str", "column"],
)
def test_multiclass(y):
    enc = TargetEncoder()
    out = enc.fit_transform(y)
    assert enc.kind == "multiclass"
    assert enc.n_outputs() == 3
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.uint8)[[2, 0, 1, 2]])
    np.testing.assert_array_equal(enc.transform(y), out)
    # decode takes the argmax of the scores, not the 0/1 decisions
    scores = np.array([[0.1, 0.2, 0.9], [0.8, 0.1, 0.1], [0.1, 0.6, 0.5], [0, 0, 1]])
    np.testing.assert_array_equal(enc.decode(out * 0, scores), np.ravel(y))


def test_multiclass_proba_is_normalised():
    enc = TargetEncoder()
    enc.fit_transform(np.array([0, 1, 2]))
    proba = enc.proba(np.array([[0.2, 0.2, 0.4], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(proba, [[0.25, 0.25, 0.5], [0.0, 0.0, 0.0]])


def test_multilabel_proba_is_unchanged():
    enc = TargetEncoder()
    enc.fit_transform(Y)
    scores = np.array([[0.2, 0.9, 0.4]])
    assert enc.proba(scores) is scores


def test_one_d_with_classes_from_partial_fit():
    enc = TargetEncoder()
    out = enc.fit_transform(np.array([0, 0]), classes=[0, 1, 2])
    assert enc.kind == "multiclass"
    np.testing.assert_array_equal(out, [[1, 0, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match="not in `classes`"):
        TargetEncoder().fit_transform(np.array([0, 3]), classes=[0, 1, 2])


@pytest.mark.parametrize(
    "y, match",
    [
        (None, "requires y to be passed"),
        (np.zeros((4, 0)), "no label columns"),
        (np.zeros((2, 2, 2)), "1-D or 2-D"),
        (np.array([[0, 2], [1, 0]]), r"0 and 1; it also holds 2"),
        (np.array([[0.5, 1.0], [1.0, 0.0]]), r"it also holds 0.5"),
        (np.array([[-1, 1], [1, -1]]), r"it also holds -1"),
        (np.array([[0, "x"], [1, 0]], dtype=object), "non-numeric"),
        (np.array([0.5, 1.5, 2.5]), "Unknown label type"),
    ],
    ids=[
        "none",
        "no-columns",
        "3d",
        "multiclass-multioutput",
        "float",
        "minus-one",
        "non-numeric",
        "continuous",
    ],
)
def test_errors(y, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder().fit_transform(y)


def test_transform_errors():
    enc = TargetEncoder()
    enc.fit_transform(Y)
    with pytest.raises(ValueError, match="2 label column"):
        enc.transform(Y[:, :2])
    with pytest.raises(ValueError, match="1 label column"):
        enc.transform(Y[:, 0])
    with pytest.raises(ValueError, match="0 and 1"):
        enc.transform(Y * 2)
    enc = TargetEncoder()
    enc.fit_transform(np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="not seen in fit"):
        enc.transform(np.array(["a", "d"]))


@pytest.mark.parametrize(
    "y, expected",
    [
        ([{1}, {2}], True),
        ([[1], [1, 2]], True),
        ([["a"], ["b"]], True),
        ([[0, 1], [1, 0]], False),
        (np.array([[0, 1], [1, 0]]), False),
        (np.array([0, 1]), False),
        ([0, 1], False),
        (["ab", "cd"], False),
        ([], False),
    ],
)
def testis_label_sets(y, expected):
    assert is_label_sets(y) is expected


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


@pytest.mark.slow  # cross-validates networks
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
