"""Iterative stratification: partitions, spread of every label, determinism.

Pure NumPy (no Keras).
"""

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import cross_val_score

from sklearn_multilabel_nn import IterativeStratifiedKFold
from sklearn_multilabel_nn._stratify import (
    iterative_stratification,
    iterative_train_test_split,
)


@pytest.fixture(scope="module")
def Y():
    """120 samples, 6 labels, one of them rare (5 positives), a few empty rows."""
    _, Y = make_multilabel_classification(
        n_samples=120, n_classes=6, n_labels=2, allow_unlabeled=True, random_state=0
    )
    Y[:, 5] = 0
    Y[[3, 17, 40, 77, 101], 5] = 1
    return Y


@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_folds_partition_the_samples(Y, n_splits):
    X = np.zeros((len(Y), 1))
    cv = IterativeStratifiedKFold(n_splits, random_state=0)
    assert cv.get_n_splits() == n_splits
    splits = list(cv.split(X, Y))
    assert len(splits) == n_splits
    tests = np.concatenate([test for _, test in splits])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(Y)))
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        np.testing.assert_array_equal(np.union1d(train, test), np.arange(len(Y)))
    sizes = [len(test) for _, test in splits]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_every_label_reaches_every_fold(Y, n_splits):
    # The rare label has 5 positives: one in each of up to 5 folds.
    cv = IterativeStratifiedKFold(n_splits, random_state=0)
    for _, test in cv.split(np.zeros(len(Y)), Y):
        assert (Y[test].sum(axis=0) > 0).all()


def test_positives_are_spread_evenly(Y):
    n_splits = 4
    cv = IterativeStratifiedKFold(n_splits, random_state=0)
    counts = np.array([Y[test].sum(axis=0) for _, test in cv.split(Y, Y)])
    expected = Y.sum(axis=0) / n_splits
    # each fold holds its share of every label's positives, to within one
    assert (np.abs(counts - expected) <= 1).all()


def test_every_label_in_every_fold_where_plain_kfold_misses(Y):
    from sklearn.model_selection import KFold

    # a label whose 5 positives sit together: KFold leaves folds without it
    Y = Y.copy()
    Y[:, 5] = 0
    Y[:5, 5] = 1
    kfold = [Y[test, 5].sum() for _, test in KFold(5).split(Y)]
    assert 0 in kfold
    iterative = IterativeStratifiedKFold(5, random_state=0).split(Y, Y)
    assert [Y[test, 5].sum() for _, test in iterative] == [1] * 5


def test_same_random_state_same_folds(Y):
    def folds(seed):
        cv = IterativeStratifiedKFold(3, random_state=seed)
        return [test.tolist() for _, test in cv.split(Y, Y)]

    assert folds(0) == folds(0)
    assert folds(np.random.RandomState(1)) == folds(np.random.RandomState(1))
    assert folds(0) != folds(1)


def test_split_can_be_repeated(Y):
    cv = IterativeStratifiedKFold(3, random_state=0)
    first = [test.tolist() for _, test in cv.split(Y, Y)]
    assert [test.tolist() for _, test in cv.split(Y, Y)] == first


def test_one_d_y_is_stratified_on_its_classes():
    y = np.array([0] * 10 + [1] * 5 + [2] * 15)
    cv = IterativeStratifiedKFold(5, random_state=0)
    for _, test in cv.split(np.zeros(len(y)), y):
        np.testing.assert_array_equal(np.bincount(y[test]), [2, 1, 3])


def test_string_classes():
    y = np.array(["a", "b", "c"] * 4)
    cv = IterativeStratifiedKFold(4, random_state=0)
    for _, test in cv.split(y, y):
        assert sorted(y[test]) == ["a", "b", "c"]


def test_unlabelled_samples_fill_the_folds():
    Y = np.zeros((10, 3), dtype=int)
    Y[:2, 0] = 1
    cv = IterativeStratifiedKFold(2, random_state=0)
    tests = [test for _, test in cv.split(Y, Y)]
    assert [len(t) for t in tests] == [5, 5]
    assert [Y[t, 0].sum() for t in tests] == [1, 1]


@pytest.mark.parametrize("n_splits", [1, 0, 2.0, "3"])
def test_bad_n_splits(n_splits):
    with pytest.raises(ValueError, match="n_splits must be an int >= 2"):
        IterativeStratifiedKFold(n_splits)


def test_more_splits_than_samples():
    Y = np.eye(3, dtype=int)
    with pytest.raises(ValueError, match="greater than the number of samples"):
        list(IterativeStratifiedKFold(4).split(Y, Y))


def test_repr():
    assert repr(IterativeStratifiedKFold(3, random_state=7)) == (
        "IterativeStratifiedKFold(n_splits=3, random_state=7)"
    )


def test_works_as_cv_of_a_search():
    # an sklearn `cv` object: get_n_splits + split(X, y, groups)
    from sklearn.dummy import DummyClassifier

    X, Y = make_multilabel_classification(n_samples=40, random_state=0)
    y = Y[:, 0]
    scores = cross_val_score(
        DummyClassifier(), X, y, cv=IterativeStratifiedKFold(4, random_state=0)
    )
    assert scores.shape == (4,)


@pytest.mark.parametrize("test_size", [0.2, 0.25, 0.5])
def test_train_test_split(Y, test_size):
    train, test = iterative_train_test_split(Y, test_size, random_state=0)
    np.testing.assert_array_equal(
        np.sort(np.concatenate([train, test])), np.arange(len(Y))
    )
    assert abs(len(test) - test_size * len(Y)) <= 1
    assert (Y[test].sum(axis=0) > 0).all()
    assert (Y[train].sum(axis=0) > 0).all()
    again = iterative_train_test_split(Y, test_size, random_state=0)
    np.testing.assert_array_equal(again[1], test)


def test_iterative_stratification_proportions(Y):
    folds = iterative_stratification(Y, [3, 1], random_state=0)  # normalised
    assert set(np.unique(folds)) == {0, 1}
    assert abs(np.mean(folds == 1) - 0.25) <= 1 / len(Y)
    np.testing.assert_array_equal(
        folds, iterative_stratification(Y, [0.75, 0.25], random_state=0)
    )
