"""Threshold objectives: what ``tune_thresholds`` maximises.

Every objective is "greater is better". Per-label objectives are functions of
one label's confusion counts (tp, fp, fn, tn); they are maximised exactly, label
by label. Global objectives couple the labels and are improved by coordinate
ascent (in ``_thresholds``). 0/0 counts as 0, as scikit-learn's metrics do by
default.
"""

import copy
from numbers import Real

import numpy as np


def _safe_div(num, den, fill=0.0):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, float(fill))
    np.divide(num, den, out=out, where=den != 0)
    return out


def _rows(values, like):
    """Reshape per-label ``values`` so they broadcast along ``like``'s rows."""
    return values.reshape(values.shape + (1,) * (np.ndim(like) - 1))


class FBetaScore:
    """Per-label F-beta score; maximising it per label maximises macro F-beta.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of recall relative to precision (``beta > 1`` favours recall).

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> Y = np.array([[1], [0], [1]])
    >>> proba = np.array([[0.9], [0.6], [0.4]])
    >>> tune_thresholds(Y, proba, FBetaScore(2.0), min_positives=1).thresholds
    array([0.2])
    """

    def __init__(self, beta=1.0):
        if not (isinstance(beta, Real) and beta > 0 and np.isfinite(beta)):
            raise ValueError(f"beta must be a positive finite number; got {beta!r}.")
        self.beta = float(beta)

    _monotone = True
    _zero_division = 0.0

    def _label_scores(self, tp, fp, fn, tn, labels):
        b2 = self.beta**2
        return _safe_div(
            (1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, self._zero_division
        )

    _aggregate = staticmethod(np.mean)

    def __repr__(self):
        return f"FBetaScore(beta={self.beta!r})"


class MisclassificationCost:
    """Per-label cost of errors; the score is minus the mean cost per sample.

    The cost of one sample is ``sum_j fp_cost[j] * FP_j + fn_cost[j] * FN_j`` over
    the labels, so the per-label optimum is the global optimum. With unit costs
    the score is ``-n_labels * hamming_loss``.

    Parameters
    ----------
    fp_cost : float or array-like of shape (n_labels,), default=1.0
        Cost of predicting a label that is absent (a false positive).
    fn_cost : float or array-like of shape (n_labels,), default=1.0
        Cost of missing a label that is present (a false negative).

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> Y = np.array([[1], [0], [1], [0]])
    >>> proba = np.array([[0.9], [0.6], [0.4], [0.1]])
    >>> res = tune_thresholds(Y, proba, MisclassificationCost(1.0, 5.0),
    ...                       min_positives=1)
    >>> res.thresholds, res.score
    (array([0.25]), -0.25)
    """

    def __init__(self, fp_cost=1.0, fn_cost=1.0):
        self.fp_cost = fp_cost
        self.fn_cost = fn_cost
        for name, value in (("fp_cost", fp_cost), ("fn_cost", fn_cost)):
            arr = np.asarray(value, dtype=float)
            if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(
                    f"{name} must be a non-negative float or a 1-D array of them "
                    f"(one per label); got {value!r}."
                )

    _monotone = True

    def _validate(self, n_labels):
        for name in ("fp_cost", "fn_cost"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.ndim == 1 and arr.shape[0] != n_labels:
                raise ValueError(
                    f"{name} has {arr.shape[0]} values but there are {n_labels} labels."
                )

    def _label_scores(self, tp, fp, fn, tn, labels):
        costs = []
        for name in ("fp_cost", "fn_cost"):
            arr = np.asarray(getattr(self, name), dtype=float)
            costs.append(_rows(arr[labels], tp) if arr.ndim else arr)
        n = tp + fp + fn + tn
        return -_safe_div(costs[0] * fp + costs[1] * fn, n)

    _aggregate = staticmethod(np.sum)

    def __repr__(self):
        return (
            f"MisclassificationCost(fp_cost={self.fp_cost!r}, fn_cost={self.fn_cost!r})"
        )


class CountObjective:
    """Wrap a function of one label's confusion counts as a per-label objective.

    Parameters
    ----------
    func : callable
        ``func(tp, fp, fn, tn) -> score``, applied element-wise to integer arrays
        of equal shape and returning a float array of that shape; greater is
        better. It must not depend on which label it is given. Plain callables
        passed as ``scoring`` are wrapped in this class.
    aggregate : {"mean", "sum"}, default="mean"
        How per-label scores combine into the overall score.
    monotone : bool, default=False
        Declare that the score never rises with fp when tp is fixed (true of
        F-beta, Jaccard, costs). The search then only scores the cuts at the
        top of runs of equal scores holding a positive, which is faster and
        gives the same optimum; leave False if unsure.

    Examples
    --------
    >>> from sklearn_multilabel_nn import tune_thresholds
    >>> youden = CountObjective(lambda tp, fp, fn, tn: tp / (tp + fn) - fp / (fp + tn))
    >>> Y = np.array([[1], [0], [1], [0]])
    >>> tune_thresholds(Y, np.array([[0.9], [0.6], [0.4], [0.1]]), youden,
    ...                 min_positives=1).label_scores
    array([0.5])
    """

    def __init__(self, func, *, aggregate="mean", monotone=False):
        if not callable(func):
            raise ValueError(f"func must be callable; got {func!r}.")
        if aggregate not in ("mean", "sum"):
            raise ValueError(f"aggregate must be 'mean' or 'sum'; got {aggregate!r}.")
        self.func = func
        self.aggregate = aggregate
        self._monotone = bool(monotone)

    def _label_scores(self, tp, fp, fn, tn, labels):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(self.func(tp, fp, fn, tn), dtype=float)
        return np.where(np.isnan(out), -np.inf, out)

    def _aggregate(self, scores):
        return float(np.sum(scores) if self.aggregate == "sum" else np.mean(scores))

    def __repr__(self):
        return f"CountObjective({self.func!r}, aggregate={self.aggregate!r})"


class _Jaccard:
    _monotone = True
    _zero_division = 0.0

    def _label_scores(self, tp, fp, fn, tn, labels):
        return _safe_div(tp, tp + fp + fn, self._zero_division)

    _aggregate = staticmethod(np.mean)


class _NegHamming:
    _monotone = True

    def _label_scores(self, tp, fp, fn, tn, labels):
        return -_safe_div(fp + fn, tp + fp + fn + tn)

    _aggregate = staticmethod(np.mean)


class _Global:
    """Marker for objectives that couple labels (solved by coordinate ascent)."""

    _zero_division = 0.0

    def __init__(self, name):
        self.name = name


_PER_LABEL = {
    "f1": FBetaScore(1.0),
    "f1_macro": FBetaScore(1.0),
    "jaccard": _Jaccard(),
    "jaccard_macro": _Jaccard(),
    "neg_hamming_loss": _NegHamming(),
}
_GLOBAL = {
    "f1_micro": _Global("f1_micro"),
    "f1_micro_macro": _Global("f1_micro_macro"),
    "f1_samples": _Global("f1_samples"),
    "jaccard_samples": _Global("jaccard_samples"),
}

#: Valid strings for ``scoring`` (for ``StrOptions`` in ``_parameter_constraints``).
#: ``"f1"``/``"f1_macro"`` and ``"jaccard"``/``"jaccard_macro"`` are per-label and
#: solved exactly (each label's optimum maximises the macro average), as is
#: ``"neg_hamming_loss"``. ``"f1_micro"``, ``"f1_micro_macro"`` (the mean of
#: micro- and macro-F1), ``"f1_samples"`` and ``"jaccard_samples"`` couple the
#: labels and are improved by coordinate ascent.
THRESHOLD_SCORINGS = frozenset(_PER_LABEL) | frozenset(_GLOBAL)


def _check_scoring(scoring, zero_division=0.0):
    """The objective for ``scoring``, with the value ``0/0`` takes."""
    if zero_division not in (0, 1):
        raise ValueError(f"zero_division must be 0 or 1; got {zero_division!r}.")
    objective = copy.copy(_lookup_scoring(scoring))
    objective._zero_division = float(zero_division)
    return objective


def _lookup_scoring(scoring):
    if isinstance(scoring, str):
        if scoring in _PER_LABEL:
            return _PER_LABEL[scoring]
        if scoring in _GLOBAL:
            return _GLOBAL[scoring]
        raise ValueError(
            f"Unknown scoring {scoring!r}; choose one of "
            f"{sorted(THRESHOLD_SCORINGS)}, an FBetaScore / MisclassificationCost "
            "object, or a callable func(tp, fp, fn, tn)."
        )
    if isinstance(scoring, FBetaScore | MisclassificationCost | CountObjective):
        return scoring
    if callable(scoring):
        return CountObjective(scoring)
    raise ValueError(
        f"scoring must be a string, an FBetaScore / MisclassificationCost / "
        f"CountObjective object or a callable; got {scoring!r}."
    )
