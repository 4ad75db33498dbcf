"""The out-of-fold threshold core: one implementation for both faces.

``MultiLabelNNClassifier(threshold="auto")`` and
``TunedThresholdMultiLabelClassifierCV`` both (1) plan folds of the training
data, repeated with new partitions, (2) collect out-of-fold scores of models
that did not see the rows they score, and (3) tune one threshold per label on
each repeat's scores, bagged over bootstrap resamples, and average them. What
is trained on a fold (a network that stops early on its held-out fold, or a
clone of any classifier) is the face's business; this module never fits.

Pure NumPy and scikit-learn: no Keras here.
"""

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
from sklearn.model_selection import check_cv

from ._stratify import IterativeStratifiedKFold, iterative_train_test_split
from ._thresholds import tune_thresholds

#: The default objective of both faces (chosen by cross-validation inside the
#: training splits of yeast and scene, see ``benchmarks/``).
DEFAULT_SCORING = "f1_micro_macro"


class Fold(NamedTuple):
    """One fold of a plan: its repeat, its rows and the seed of its model."""

    repeat: int
    train: np.ndarray
    test: np.ndarray
    seed: int


def plan_folds(Y, cv, *, n_repeats=1, seed=0, X=None, y=None, groups=None):
    """The folds out-of-fold scores come from.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        Encoded 0/1 targets (iterative stratification works on them).
    cv : int, float, cross-validation generator or iterable
        An int k: ``n_repeats`` partitions into k iteratively stratified folds,
        repeat ``r`` drawn with ``seed + r * (k + 1)`` and its folds' models
        seeded with the k values after it, so no two draws share a seed. A
        float in (0, 1): one stratified train/test split with that test
        fraction. Anything else goes through :func:`~sklearn.model_selection.
        check_cv` on ``X`` and ``y`` (one repeat).
    n_repeats : int, default=1
        Partitions drawn (int ``cv`` only).
    seed : int, default=0
        Base seed.
    X, y, groups : default=None
        Passed to a user's splitter.

    Returns
    -------
    folds : list of Fold
    """
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        folds = []
        for repeat in range(n_repeats):
            base = seed + repeat * (cv + 1)
            splitter = IterativeStratifiedKFold(n_splits=cv, random_state=base)
            for k, (train, test) in enumerate(splitter.split(Y, Y)):
                folds.append(Fold(repeat, train, test, base + k + 1))
        return folds
    if n_repeats != 1:
        raise ValueError(
            f"Repeated folds need an int cv; got cv={cv!r} with {n_repeats} repeats."
        )
    if isinstance(cv, Real):
        train, test = iterative_train_test_split(Y, cv, seed)
        return [Fold(0, train, test, seed + 1)]
    splitter = check_cv(cv, y, classifier=True)
    return [
        Fold(0, train, test, seed + k + 1)
        for k, (train, test) in enumerate(splitter.split(X, y, groups))
    ]


def pool_scores(folds, fold_scores, shape):
    """Per repeat, every held-out row's score from the model that did not see
    it (NaN for rows no fold held out, e.g. with one train/test split)."""
    n_repeats = 1 + max(fold.repeat for fold in folds)
    pooled = [np.full(shape, np.nan) for _ in range(n_repeats)]
    for fold, scores in zip(folds, fold_scores, strict=True):
        pooled[fold.repeat][fold.test] = scores
    return pooled


def held_out_rows(Y, pooled):
    """Per repeat, the targets and scores of the rows some fold held out (the
    arrays themselves, not copies, when every row was)."""
    for scores in pooled:
        seen = ~np.isnan(scores[:, 0])
        yield (Y, scores) if seen.all() else (Y[seen], scores[seen])


@dataclass(frozen=True)
class ThresholdSearch:
    """How thresholds are tuned on held-out scores (both faces' options).

    ``bootstrap`` > 0 tunes on that many bootstrap resamples of the scores and
    averages the thresholds (bagging, which steadies cut points that a few
    samples decide); the rare-label rule (``min_positives``) is decided on
    the real samples. ``tune`` averages over the repeats of a fold plan.
    """

    scoring: Any = DEFAULT_SCORING
    min_positives: int = 5
    default_threshold: float = 0.5
    zero_division: int = 0
    bootstrap: int = 0
    n_jobs: Any = None

    def search(self, Y, scores):
        """One exact search: a :class:`ThresholdTuningResult`."""
        return tune_thresholds(
            Y,
            scores,
            self.scoring,
            min_positives=self.min_positives,
            default_threshold=self.default_threshold,
            zero_division=self.zero_division,
            n_jobs=self.n_jobs,
        )

    def bagged(self, Y, scores, seed):
        """Thresholds for one set of scores, bagged when ``bootstrap`` > 0;
        returns ``(thresholds, full_result)``."""
        result = self.search(Y, scores)
        if not self.bootstrap:
            return result.thresholds, result
        rng = np.random.default_rng(seed)
        n = Y.shape[0]
        resamples = [rng.integers(0, n, n) for _ in range(self.bootstrap)]
        bagged = np.mean(
            [self.search(Y[i], scores[i]).thresholds for i in resamples], axis=0
        )
        # The rare-label rule counts the real samples, not a resample's.
        return np.where(result.tuned, bagged, result.thresholds), result

    def tune(self, Y, pooled, seed):
        """Thresholds averaged over the repeats' pooled scores (rows that no
        fold held out are left out); returns ``(thresholds, results)`` with
        each repeat's full search result."""
        per_repeat, results = [], []
        for Y_seen, scores in held_out_rows(Y, pooled):
            thresholds, result = self.bagged(Y_seen, scores, seed)
            per_repeat.append(thresholds)
            results.append(result)
        # Each repeat's thresholds are a noisy estimate; their mean transfers
        # better (to the ensemble of fold networks, or to the refit model).
        return np.mean(per_repeat, axis=0), results
