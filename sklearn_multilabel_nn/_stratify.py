"""Iterative stratification of multi-label data (Sechidis et al., 2011).

A compact implementation rather than a dependency: the ``iterative-stratification``
package is a small single-maintainer project, and the algorithm needs only a few
dozen lines of NumPy here.

Sechidis, Tsoumakas and Vlahavas, "On the Stratification of Multi-Label Data",
ECML PKDD 2011.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._targets import TargetEncoder, is_label_sets


def iterative_stratification(Y, proportions, random_state=None):
    """Assign each sample to a fold so every label is spread as ``proportions``.

    Labels are handled rarest first: each sample holding the current label goes
    to the fold that most lacks that label (ties: the fold that most lacks
    samples, then at random). Samples without labels fill the folds last.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_labels)
        Binary label-indicator matrix.
    proportions : array-like of shape (n_folds,)
        Desired fraction of the samples in each fold (normalised to sum to 1).
    random_state : int, RandomState instance or None, default=None
        Breaks ties and orders samples.

    Returns
    -------
    folds : ndarray of shape (n_samples,)
        Fold index of each sample.

    Examples
    --------
    >>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 0]])
    >>> np.bincount(iterative_stratification(Y, [0.5, 0.5], random_state=0))
    array([3, 3])
    """
    rng = check_random_state(random_state)
    Y = np.asarray(Y).astype(bool)
    r = np.asarray(proportions, dtype=float)
    r = r / r.sum()
    n, n_labels = Y.shape
    perm = rng.permutation(n)  # random order of samples within each label
    Y = Y[perm]
    need = r * n  # samples each fold still lacks
    need_label = np.outer(r, Y.sum(axis=0))  # (n_folds, n_labels)
    left = Y.sum(axis=0).astype(float)  # unassigned positives per label
    folds = np.full(n, -1)
    rows_of = [np.flatnonzero(Y[:, j]) for j in range(n_labels)]
    while True:
        active = np.flatnonzero(left > 0)
        if active.size == 0:
            break
        j = active[np.argmin(left[active])]
        for i in rows_of[j]:
            if folds[i] >= 0:
                continue
            cand = np.flatnonzero(need_label[:, j] == need_label[:, j].max())
            if cand.size > 1:
                cand = cand[need[cand] == need[cand].max()]
            f = cand[rng.randint(cand.size)] if cand.size > 1 else cand[0]
            folds[i] = f
            labels = Y[i]
            need[f] -= 1
            need_label[f, labels] -= 1
            left[labels] -= 1
    for i in np.flatnonzero(folds < 0):
        cand = np.flatnonzero(need == need.max())
        f = cand[rng.randint(cand.size)] if cand.size > 1 else cand[0]
        folds[i] = f
        need[f] -= 1
    out = np.empty(n, dtype=int)
    out[perm] = folds
    return out


class IterativeStratifiedKFold:
    """K-fold cross-validation stratified for multi-label targets.

    Folds come from :func:`iterative_stratification`, so each label's positives
    are spread as evenly as the data allow, rare labels included; plain
    ``KFold`` can leave a rare label with no positive in a fold. A 1-D ``y`` is
    one-hot encoded first (stratified k-fold on its classes); label sets (such
    as a pandas Series of lists) are binarized first, so each label is
    stratified.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (at least 2).
    random_state : int, RandomState instance or None, default=None
        Controls the sample order and tie breaks.

    Examples
    --------
    >>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 0]] * 2)
    >>> cv = IterativeStratifiedKFold(n_splits=2, random_state=0)
    >>> [Y[test].sum(axis=0).tolist() for _, test in cv.split(np.zeros(12), Y)]
    [[3, 3], [3, 3]]
    """

    def __init__(self, n_splits=5, *, random_state=None):
        if not (isinstance(n_splits, Integral) and n_splits >= 2):
            raise ValueError(f"n_splits must be an int >= 2; got {n_splits!r}.")
        self.n_splits = n_splits
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of splits, ``n_splits``.

        Parameters
        ----------
        X : object, default=None
            Ignored; present for compatibility with scikit-learn's splitters.
        y : object, default=None
            Ignored; present for compatibility with scikit-learn's splitters.
        groups : object, default=None
            Ignored; present for compatibility with scikit-learn's splitters.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        return self.n_splits

    def split(self, X, y, groups=None):
        """Generate the indices of the training and test set of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; only its length is used.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            Binary label-indicator matrix, or 1-D class labels (one-hot
            encoded before stratifying).
        groups : object, default=None
            Ignored; present for compatibility with scikit-learn's splitters.

        Yields
        ------
        train : ndarray
            The training indices of the fold.
        test : ndarray
            The test indices of the fold.
        """
        Y = _as_indicator(y)
        n = Y.shape[0]
        if self.n_splits > n:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater "
                f"than the number of samples: n_samples={n}."
            )
        folds = iterative_stratification(
            Y, np.full(self.n_splits, 1 / self.n_splits), self.random_state
        )
        idx = np.arange(n)
        for f in range(self.n_splits):
            yield idx[folds != f], idx[folds == f]

    def __repr__(self):
        return (
            f"IterativeStratifiedKFold(n_splits={self.n_splits}, "
            f"random_state={self.random_state!r})"
        )


def iterative_train_test_split(y, test_size, random_state=None):
    """Indices of one stratified train/test split (``test_size`` in (0, 1))."""
    Y = _as_indicator(y)
    folds = iterative_stratification(Y, [1 - test_size, test_size], random_state)
    idx = np.arange(Y.shape[0])
    return idx[folds == 0], idx[folds == 1]


def _as_indicator(y):
    if is_label_sets(y):  # stratify on the labels, not on whole label sets
        return TargetEncoder().fit_transform(y).astype(bool)
    y = np.asarray(y)
    if y.ndim == 1:
        _, inv = np.unique(y, return_inverse=True)
        return np.eye(inv.max() + 1 if inv.size else 1, dtype=bool)[inv]
    return y.astype(bool)
