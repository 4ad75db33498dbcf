"""Turning every accepted form of ``y`` into a 0/1 matrix, and back.

Accepted: a 0/1 indicator matrix of any dtype (dense, scipy sparse or a pandas
DataFrame), label sets with hashable labels (a list, tuple, 1-D object array or
pandas Series of lists, tuples or sets), and 1-D binary or multiclass targets
(as MLPClassifier accepts them).
"""

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
from sklearn.utils.multiclass import check_classification_targets

from ._validation import only_zeros_and_ones


def _series_values(y):
    """The values of a 1-D pandas Series (or Index) of objects, else ``y``."""
    if (
        hasattr(y, "to_numpy")
        and not hasattr(y, "columns")
        and getattr(y, "ndim", None) == 1
        and getattr(getattr(y, "dtype", None), "kind", None) == "O"
    ):
        return y.to_numpy()
    return y


def is_label_sets(y):
    """Whether ``y`` is a sequence of label collections rather than a matrix.

    Sets and tuples of labels, ragged lists and non-numeric labels are label
    sets, in a list, a tuple, a 1-D object array or a pandas Series; a
    rectangular list of numeric rows is an indicator matrix (as in
    scikit-learn, where ``y.tolist()`` means the same as ``y``).

    Parameters
    ----------
    y : object
        A target in any form.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_label_sets([["cat"], ["cat", "dog"], []])
    True
    >>> is_label_sets([[1, 0], [0, 1]])
    False
    """
    y = _series_values(y)
    if isinstance(y, np.ndarray):
        if y.dtype != object or y.ndim != 1:
            return False
    elif not isinstance(y, (list, tuple)):
        return False
    if len(y) == 0 or not all(
        isinstance(item, Iterable) and not isinstance(item, (str, bytes)) for item in y
    ):
        return False
    if any(isinstance(item, (set, frozenset, tuple)) for item in y):
        return True
    try:
        matrix = np.asarray(y)
    except ValueError:  # ragged
        return True
    return matrix.ndim != 2 or matrix.dtype.kind not in "biuf"


class TargetEncoder:
    """Remembers the form of ``y`` seen in fit and maps predictions back to it.

    Encoded targets are uint8 0/1 matrices (a quarter of float32's memory);
    the engine casts them batch by batch.

    ``kind`` is one of ``"multilabel"`` (indicator matrix in, indicator matrix
    out), ``"label-sets"`` (lists of labels in, a list of tuples out),
    ``"binary"`` and ``"multiclass"`` (1-D in, 1-D out).
    """

    def fit_transform(self, y, classes=None):
        if y is None:
            raise ValueError(
                "This estimator requires y to be passed, but the target y is None."
            )
        if is_label_sets(y):
            self.kind = "label-sets"
            self._binarizer = MultiLabelBinarizer(classes=classes)
            Y = self._binarizer.fit_transform(list(_series_values(y)))
            self.classes_ = self._binarizer.classes_
            if Y.shape[1] == 0:
                raise ValueError(
                    "y has no labels: every label set is empty. Pass `classes` "
                    "(partial_fit) or at least one sample with a label."
                )
            return Y.astype(np.uint8)
        if hasattr(y, "columns") and getattr(y, "ndim", 1) == 2:  # DataFrame
            self.classes_ = np.asarray(y.columns, dtype=object)
            return self._check_indicator(y.to_numpy(), named=True)
        if sp.issparse(y):
            if y.ndim != 2 or y.shape[1] < 1:
                raise ValueError("A sparse y must be a 2-D label indicator matrix.")
            return self._check_indicator(y.toarray())
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim == 1:
            return self._encode_1d(y, classes)
        if y.ndim != 2:
            raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
        return self._check_indicator(y)

    def _check_indicator(self, Y, named=False):
        if Y.shape[1] == 0:
            raise ValueError("y has no label columns.")
        if Y.dtype == object:
            try:
                Y = Y.astype(float)
            except (TypeError, ValueError):
                raise ValueError(
                    "A 2-D y must be a 0/1 label indicator matrix; it holds "
                    "non-numeric values."
                ) from None
        if not only_zeros_and_ones(Y):
            shown = ", ".join(map(str, np.unique(Y[(Y != 0) & (Y != 1)])[:5]))
            raise ValueError(
                "A 2-D y must be a label indicator matrix of 0 and 1; it also "
                f"holds {shown}. For several multiclass outputs "
                "(multiclass-multioutput), use one classifier per output."
            )
        self.kind = "multilabel"
        if not named:
            self.classes_ = np.arange(Y.shape[1])
        return Y.astype(np.uint8, copy=False)  # uint8 input is used as it is

    def _encode_1d(self, y, classes):
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y if classes is None else classes)
        if classes is not None and not np.all(np.isin(np.unique(y), encoder.classes_)):
            raise ValueError(
                "y holds labels that are not in `classes` given to partial_fit."
            )
        self._encoder = encoder
        self.classes_ = encoder.classes_
        codes = encoder.transform(y)
        if len(self.classes_) <= 2:
            self.kind = "binary"
            return codes.reshape(-1, 1).astype(np.uint8)
        self.kind = "multiclass"
        return np.eye(len(self.classes_), dtype=np.uint8)[codes]

    def transform(self, y):
        """Encode ``y`` with what fit learned (partial_fit, score)."""
        if self.kind == "label-sets":
            y = list(_series_values(y))
            return self._binarizer.transform(y).astype(np.uint8)
        if self.kind == "multilabel":
            if hasattr(y, "to_numpy"):
                y = y.to_numpy()
            Y = y.toarray() if sp.issparse(y) else np.asarray(y)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {Y.shape[1] if Y.ndim == 2 else 1} label column(s); "
                    f"the estimator was fitted with {len(self.classes_)}."
                )
            return self._check_indicator(Y, named=True)
        y = np.asarray(y).ravel()
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds labels not seen in fit: {np.unique(y[unknown])[:5]}."
            )
        codes = self._encoder.transform(y)
        if self.kind == "binary":
            return codes.reshape(-1, 1).astype(np.uint8)
        return np.eye(len(self.classes_), dtype=np.uint8)[codes]

    def n_outputs(self):
        return 1 if self.kind == "binary" else len(self.classes_)

    def proba(self, scores):
        """Network sigmoid scores -> the shape ``predict_proba`` returns."""
        if self.kind == "binary" and len(self.classes_) == 1:
            return np.ones((scores.shape[0], 1))  # the one class seen in fit
        if self.kind == "binary":
            return np.hstack([1.0 - scores, scores])
        if self.kind == "multiclass":
            # One sigmoid per class, normalised as OneVsRestClassifier does.
            total = scores.sum(axis=1, keepdims=True)
            total[total == 0] = 1.0
            return scores / total
        return scores

    def decode(self, Y_pred, scores):
        """0/1 decisions (multi-label) or scores (1-D) -> the form of y."""
        if self.kind == "binary" and len(self.classes_) == 1:
            return np.repeat(self.classes_, Y_pred.shape[0])  # one class seen
        if self.kind == "binary":
            return self.classes_[Y_pred[:, 0]]
        if self.kind == "multiclass":
            return self.classes_[np.argmax(scores, axis=1)]
        if self.kind == "label-sets":
            return self._binarizer.inverse_transform(Y_pred)
        return Y_pred
