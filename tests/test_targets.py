"""TargetEncoder: every accepted form of ``y``, its errors, and the way back.

Pure NumPy (no Keras): the encoder is what the classifier uses to turn ``y``
into the 0/1 matrix the networks train on, and predictions back into ``y``'s
form.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_multilabel_nn._targets import TargetEncoder, _is_label_sets

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
def test_is_label_sets(y, expected):
    assert _is_label_sets(y) is expected
