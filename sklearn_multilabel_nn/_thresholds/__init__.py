"""Per-label decision thresholds: pure NumPy, no Keras and no estimators.

- ``_decode``: predict time (:func:`resolve_thresholds`, :func:`apply_thresholds`,
  :func:`decode`);
- ``_search``: the input checks and the exact per-label search;
- ``_ascent``: coordinate ascent for the global objectives;
- here: :func:`tune_thresholds`, :func:`threshold_curves` and
  :func:`score_thresholds`, which pick between the two.
"""

import numbers

import numpy as np

from .._objectives import as_objective
from ._ascent import coordinate_ascent, global_curves
from ._decode import apply_thresholds, decode, resolve_thresholds
from ._search import (
    _check_default,
    _label_scores_at,
    _per_label_search,
    check_Y_proba,
    label_curves,
    label_proba,
)

__all__ = [
    "ThresholdTuningResult",
    "apply_thresholds",
    "check_Y_proba",
    "decode",
    "label_proba",
    "resolve_thresholds",
    "score_thresholds",
    "threshold_curves",
    "tune_thresholds",
]


class ThresholdTuningResult:
    """Outcome of :func:`tune_thresholds`.

    Attributes
    ----------
    thresholds : ndarray of shape (n_labels,)
        Decision threshold per label, used as ``proba >= thresholds``.
    label_scores : ndarray of shape (n_labels,)
        Per-label score at ``thresholds``: the per-label objective itself, or for
        a global objective (``"f1_micro"``, ``"f1_samples"``, ``"jaccard_samples"``)
        each label's own F1 (Jaccard for ``"jaccard_samples"``).
    score : float
        Overall score at ``thresholds`` (greater is better): the mean of
        ``label_scores`` (the sum for :class:`MisclassificationCost` or a
        ``CountObjective(aggregate="sum")``), or the global metric.
    tuned : ndarray of bool, shape (n_labels,)
        False where a label kept ``default_threshold`` (too few positives or
        negatives, see ``min_positives``).
    n_sweeps : int
        Coordinate-ascent sweeps run (0 for per-label objectives).
    """

    def __init__(self, thresholds, label_scores, score, tuned, n_sweeps=0):
        self.thresholds = thresholds
        self.label_scores = label_scores
        self.score = score
        self.tuned = tuned
        self.n_sweeps = n_sweeps

    def __iter__(self):  # allows ``thresholds, label_scores, score = ...[:3]``
        return iter((self.thresholds, self.label_scores, self.score))

    def __repr__(self):
        return (
            f"ThresholdTuningResult(score={self.score:.4g}, "
            f"n_labels={self.thresholds.shape[0]}, n_tuned={int(self.tuned.sum())})"
        )


def tune_thresholds(
    Y_true,
    proba,
    scoring="f1",
    *,
    min_positives=5,
    default_threshold=0.5,
    max_sweeps=5,
    zero_division=0,
    n_jobs=None,
):
    """Find the decision threshold of every label that maximises ``scoring``.

    Per-label objectives are solved exactly: each label's scores are sorted once
    and every distinct cut point is scored from cumulative counts, O(n log n) per
    label, vectorised over blocks of labels. Global objectives start from the
    per-label optimum (F1, or Jaccard for ``"jaccard_samples"``) and are improved
    by coordinate ascent: each sweep visits every tuned label and moves it to its
    best cut with the other labels fixed, which never lowers the score.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_labels)
        Binary label-indicator matrix.
    proba : array-like of shape (n_samples, n_labels) or list of array-like
        Scores in [0, 1] (e.g. out-of-fold ``predict_proba``). scikit-learn's
        multi-output forms work too: a list of ``(n_samples, 2)`` arrays, one
        per label (``RandomForestClassifier().predict_proba``), whose column 1
        is taken (``cross_val_predict(..., method="predict_proba")`` gives
        such a list for these classifiers), and their stacked
        ``(n_labels, n_samples, 2)`` form (``np.asarray`` of the list).
    scoring : str, Objective or callable, default="f1"
        A name in :data:`THRESHOLD_SCORINGS`, an :class:`Objective` (such as
        :class:`FBetaScore`, :class:`MisclassificationCost`,
        :class:`CountObjective` or a subclass of your own), or a callable
        ``func(tp, fp, fn, tn)`` of one label's confusion counts (greater is
        better; wrapped in :class:`CountObjective`).
    min_positives : int, default=5
        Rare-label rule: a label with fewer than ``min_positives`` positive *or*
        fewer than ``min_positives`` negative samples keeps ``default_threshold``
        (its ``tuned`` entry is False) instead of a threshold fitted to a handful
        of samples. It is also left out of coordinate ascent. ``0`` tunes every
        label.
    default_threshold : float, default=0.5
        Threshold for labels that are not tuned.
    max_sweeps : int, default=5
        Most coordinate-ascent sweeps for global objectives (stops earlier when a
        sweep changes nothing).
    zero_division : {0, 1}, default=0
        Value of a 0/0 score: a label (or, for ``"f1_samples"`` and
        ``"jaccard_samples"``, a sample) with no true and no predicted
        positive. ``0`` is scikit-learn's default; ``1`` (the MULAN convention)
        rewards predicting nothing for a sample with no labels. Use the value
        the model will be evaluated with. Ignored by callables.
    n_jobs : int, default=None
        Threads for the per-label search (``None``: 1, ``-1``: all cores).

    Returns
    -------
    result : ThresholdTuningResult
        ``result.thresholds`` (n_labels,), ``result.label_scores`` (n_labels,),
        ``result.score``, ``result.tuned``; unpacks as
        ``thresholds, label_scores, score = result``.

    Notes
    -----
    A cut is reported as the midpoint between the lowest score kept and the
    highest score left out (0 and 1 act as outer bounds), so ``proba >= t``
    reproduces it on the tuning data and the threshold sits in the gap rather
    than on a training score. Exact ties between cuts go to the threshold nearest
    ``default_threshold``. When a label's top score is exactly 1, "predict
    nothing" is not reachable with a threshold in [0, 1] and is not a candidate.

    Examples
    --------
    >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])
    >>> proba = np.array([[0.9, 0.2], [0.3, 0.4], [0.35, 0.1], [0.2, 0.3]])
    >>> res = tune_thresholds(Y, proba, "f1", min_positives=1)
    >>> res.thresholds
    array([0.325, 0.35 ])
    >>> res.score
    1.0
    """
    Y, P = check_Y_proba(Y_true, proba)
    default = _check_tune_args(default_threshold, min_positives, max_sweeps)
    objective = as_objective(scoring, zero_division)
    n_samples, n_labels = P.shape
    objective.validate(n_labels)

    n_pos = np.count_nonzero(Y, axis=0)
    tuned = (n_pos >= min_positives) & (n_samples - n_pos >= min_positives)
    labels = np.flatnonzero(tuned)
    thresholds = np.full(n_labels, default)
    if objective.is_global:
        thresholds, n_sweeps = coordinate_ascent(
            objective, Y, P, thresholds, labels, default, max_sweeps, n_jobs
        )
        label_scores, score = _scores_at(Y, P, thresholds, objective)
        return ThresholdTuningResult(thresholds, label_scores, score, tuned, n_sweeps)
    label_scores = np.empty(n_labels)
    thresholds[labels], label_scores[labels] = _per_label_search(
        Y, P, objective, labels, default, n_jobs
    )
    # The search's scores are those at its thresholds; add the untuned labels.
    rest = np.flatnonzero(~tuned)
    label_scores[rest] = _label_scores_at(
        Y[:, rest], P[:, rest], thresholds[rest], objective, rest
    )
    score = objective.aggregate(label_scores)
    return ThresholdTuningResult(thresholds, label_scores, score, tuned)


def threshold_curves(
    Y_true, proba, scoring="f1", *, thresholds=None, labels=None, zero_division=0
):
    """Score against threshold for each label, over every distinct cut point.

    For a per-label objective a label's curve is its own score; for a global one
    it is the global score as that label's threshold moves with the other labels
    held at ``thresholds`` (tuned with :func:`tune_thresholds` when None).

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_labels)
        As for :func:`tune_thresholds`.
    proba : array-like of shape (n_samples, n_labels) or list of array-like
        As for :func:`tune_thresholds`, multi-output forms included.
    scoring : str, objective or callable, default="f1"
        As for :func:`tune_thresholds`.
    thresholds : array-like of shape (n_labels,), default=None
        Other labels' thresholds for global objectives (ignored otherwise).
    labels : array-like of int, default=None
        Label indices to compute (all when None).
    zero_division : {0, 1}, default=0
        As for :func:`tune_thresholds`.

    Returns
    -------
    curve_thresholds : list of ndarray
        Increasing thresholds of each requested label, one per distinct cut.
    curve_scores : list of ndarray
        The score at each of those thresholds.

    Examples
    --------
    >>> ts, ss = threshold_curves([[1], [0]], [[0.8], [0.2]])
    >>> ts[0], ss[0]
    (array([0.1, 0.5, 0.9]), array([0.66666667, 1.        , 0.        ]))
    """
    Y, P = check_Y_proba(Y_true, proba)
    objective = as_objective(scoring, zero_division)
    n_labels = P.shape[1]
    objective.validate(n_labels)
    labels = np.arange(n_labels) if labels is None else np.asarray(labels, dtype=int)
    if labels.ndim != 1 or np.any((labels < 0) | (labels >= n_labels)):
        raise ValueError(f"labels must be indices in [0, {n_labels}); got {labels}.")
    if not objective.is_global:
        return label_curves(Y, P, objective, labels)
    if thresholds is None:
        thresholds = tune_thresholds(
            Y, P, scoring, zero_division=zero_division
        ).thresholds
    return global_curves(
        objective, Y, P, resolve_thresholds(thresholds, n_labels), labels
    )


def score_thresholds(Y_true, proba, thresholds, scoring="f1", *, zero_division=0):
    """Per-label and overall scores of ``scoring`` at fixed thresholds.

    Parameters
    ----------
    Y_true, proba : array-like of shape (n_samples, n_labels)
        As for :func:`tune_thresholds`.
    thresholds : float or array-like of shape (n_labels,)
        Decision thresholds (``proba >= thresholds`` predicts a label).
    scoring : str, Objective or callable, default="f1"
        As for :func:`tune_thresholds`.
    zero_division : {0, 1}, default=0
        As for :func:`tune_thresholds`.

    Returns
    -------
    label_scores : ndarray of shape (n_labels,)
        Each label's score: the per-label objective, or for a global objective
        the label's own F1 (Jaccard for ``"jaccard_samples"``), as in
        :class:`ThresholdTuningResult`.
    score : float
        The overall score: ``label_scores`` aggregated, or the global metric.

    Examples
    --------
    >>> Y = np.array([[1, 0], [0, 1], [1, 1]])
    >>> proba = np.array([[0.9, 0.2], [0.3, 0.6], [0.6, 0.4]])
    >>> label_scores, score = score_thresholds(Y, proba, 0.5, "f1_micro")
    >>> label_scores, round(score, 4)
    (array([1.        , 0.66666667]), 0.8571)
    """
    Y, P = check_Y_proba(Y_true, proba)
    objective = as_objective(scoring, zero_division)
    objective.validate(P.shape[1])
    return _scores_at(Y, P, resolve_thresholds(thresholds, P.shape[1]), objective)


def _scores_at(Y, P, thresholds, objective):
    label_scores = _label_scores_at(Y, P, thresholds, objective)
    if objective.is_global:
        return label_scores, objective.score(Y, P >= thresholds)
    return label_scores, objective.aggregate(label_scores)


def _check_tune_args(default_threshold, min_positives, max_sweeps):
    default = _check_default(default_threshold)
    if not (isinstance(min_positives, numbers.Integral) and min_positives >= 0):
        raise ValueError(
            f"min_positives must be a non-negative int; got {min_positives!r}."
        )
    if not (isinstance(max_sweeps, numbers.Integral) and max_sweeps >= 0):
        raise ValueError(f"max_sweeps must be a non-negative int; got {max_sweeps!r}.")
    return default
