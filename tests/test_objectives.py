"""Tests for the objective protocol and the built-in objectives (no Keras)."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, fbeta_score, hamming_loss, jaccard_score

from sklearn_multilabel_nn import Objective
from sklearn_multilabel_nn._objectives import (
    THRESHOLD_SCORINGS,
    CountObjective,
    FBetaScore,
    GlobalObjective,
    MicroMacroF1,
    MisclassificationCost,
    SampleAverage,
    as_objective,
)
from sklearn_multilabel_nn._thresholds import score_thresholds, tune_thresholds


def _data(seed, n=50, n_labels=4):
    rng = np.random.default_rng(seed)
    Y = rng.random((n, n_labels)) < rng.uniform(0.1, 0.5, n_labels)
    Y[:, -1] = False  # a label without positives
    Y[:5] = False  # samples without labels
    P = np.round(np.clip(0.35 * Y + 0.65 * rng.random((n, n_labels)), 0, 1), 2)
    return Y.astype(int), P


class BalancedAccuracy(Objective):
    """A user's objective: the mean of recall and specificity."""

    def label_scores(self, tp, fp, fn, tn, labels):
        return (tp / np.maximum(tp + fn, 1) + tn / np.maximum(tn + fp, 1)) / 2


class WeightedRecallAtPrecision(Objective):
    """Per-label weights (reads ``labels``), checks them, sums the scores."""

    monotone = True

    def __init__(self, weights):
        self.weights = np.asarray(weights, dtype=float)

    def validate(self, n_labels):
        if self.weights.shape != (n_labels,):
            raise ValueError("one weight per label")

    def label_scores(self, tp, fp, fn, tn, labels):
        w = self.weights[labels].reshape(labels.shape + (1,) * (np.ndim(tp) - 1))
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
        recall = tp / np.maximum(tp + fn, 1)
        return w * np.where(precision >= 0.5, recall, 0.0)

    def aggregate(self, label_scores):
        return float(np.sum(label_scores))


def _brute_force(Y, P, objective):
    """Best per-label score over every distinct cut (and "predict nothing")."""
    best = []
    for j in range(Y.shape[1]):
        y, p = Y[:, j] == 1, P[:, j]
        cands = list(np.unique(p)) + ([np.nextafter(p.max(), 2)] if p.max() < 1 else [])
        scores = []
        for t in cands:
            d = p >= t
            counts = [np.sum(d & y), np.sum(d & ~y), np.sum(~d & y), np.sum(~d & ~y)]
            scores.append(objective.label_scores(*counts, np.array(j)))
        best.append(max(scores))
    return np.array(best, dtype=float)


def test_protocol_defaults():
    obj = Objective()
    assert obj.monotone is False and obj.is_global is False
    assert obj.zero_division == 0.0
    assert obj.aggregate(np.array([1.0, 2.0])) == 1.5
    assert obj.validate(3) is None
    with pytest.raises(NotImplementedError, match="label_scores"):
        obj.label_scores(0, 0, 0, 0, np.arange(1))
    copy = FBetaScore(2.0).with_zero_division(1)
    assert copy.zero_division == 1.0 and copy.beta == 2.0
    assert FBetaScore().zero_division == 0.0  # the original is left alone


def test_builtins_follow_the_protocol():
    for name in THRESHOLD_SCORINGS:
        obj = as_objective(name)
        assert isinstance(obj, Objective)
        coupled = name in (
            "f1_micro",
            "f1_micro_macro",
            "f1_samples",
            "jaccard_samples",
        )
        assert obj.is_global is coupled is isinstance(obj, GlobalObjective)
        if coupled:
            assert not obj.label_objective.is_global
    assert isinstance(as_objective("f1_micro_macro"), MicroMacroF1)
    assert isinstance(as_objective("jaccard_samples"), SampleAverage)
    for obj in (FBetaScore(), MisclassificationCost(), CountObjective(np.add)):
        assert isinstance(obj, Objective) and not obj.is_global
    assert isinstance(as_objective(lambda tp, fp, fn, tn: tp), CountObjective)
    assert as_objective("f1", zero_division=1).zero_division == 1.0
    with pytest.raises(ValueError, match="scoring must be"):
        as_objective(object())
    with pytest.raises(ValueError, match="zero_division"):
        as_objective("f1", zero_division=2)


@pytest.mark.parametrize("seed", range(3))
def test_user_subclass_is_tuned_exactly(seed):
    Y, P = _data(seed)
    obj = BalancedAccuracy()
    res = tune_thresholds(Y, P, obj, min_positives=0)
    np.testing.assert_allclose(res.label_scores, _brute_force(Y, P, obj), atol=1e-12)
    assert res.score == pytest.approx(np.mean(res.label_scores))
    assert score_thresholds(Y, P, res.thresholds, obj)[1] == pytest.approx(res.score)


def test_user_subclass_labels_validate_and_aggregate():
    Y, P = _data(0)
    obj = WeightedRecallAtPrecision([1.0, 2.0, 0.5, 3.0])
    res = tune_thresholds(Y, P, obj, min_positives=0)
    np.testing.assert_allclose(res.label_scores, _brute_force(Y, P, obj), atol=1e-12)
    assert res.score == pytest.approx(np.sum(res.label_scores))
    with pytest.raises(ValueError, match="one weight per label"):
        tune_thresholds(Y, P, WeightedRecallAtPrecision([1.0]))


def test_custom_global_objective_is_refused():
    class Coupled(GlobalObjective):
        label_objective = FBetaScore()

        def score(self, Y_true, Y_pred):
            return 0.0

    Y, P = _data(0)
    with pytest.raises(ValueError, match="No coordinate ascent"):
        tune_thresholds(Y, P, Coupled())


def _sk_per_label(metric, **kw):
    def per_label(Y, D, zd):
        return metric(Y, D, average=None, zero_division=zd, **kw)

    return per_label


def _sk_global(metric, average, **kw):
    def overall(Y, D, zd):
        return metric(Y, D, average=average, zero_division=zd, **kw)

    return overall


PER_LABEL = [
    ("f1", _sk_per_label(f1_score)),
    ("f1_macro", _sk_per_label(f1_score)),
    ("jaccard", _sk_per_label(jaccard_score)),
    ("jaccard_macro", _sk_per_label(jaccard_score)),
    (FBetaScore(2.0), _sk_per_label(fbeta_score, beta=2.0)),
]
GLOBAL = [
    ("f1_micro", _sk_global(f1_score, "micro")),
    ("f1_samples", _sk_global(f1_score, "samples")),
    ("jaccard_samples", _sk_global(jaccard_score, "samples")),
]


@pytest.mark.parametrize("zd", [0, 1])
@pytest.mark.parametrize("scoring, metric", PER_LABEL)
def test_per_label_objectives_match_sklearn(scoring, metric, zd):
    Y, P = _data(1)
    t = np.array([0.3, 0.5, 0.6, 0.7])
    label_scores, score = score_thresholds(Y, P, t, scoring, zero_division=zd)
    expected = metric(Y, P >= t, zd)
    np.testing.assert_allclose(label_scores, expected, atol=1e-12)
    assert score == pytest.approx(np.mean(expected))


@pytest.mark.parametrize("zd", [0, 1])
@pytest.mark.parametrize("scoring, metric", GLOBAL)
def test_global_objectives_match_sklearn(scoring, metric, zd):
    Y, P = _data(2)
    t = np.array([0.3, 0.5, 0.6, 0.7])
    label_scores, score = score_thresholds(Y, P, t, scoring, zero_division=zd)
    assert score == pytest.approx(metric(Y, P >= t, zd), abs=1e-12)
    per_label = jaccard_score if scoring == "jaccard_samples" else f1_score
    expected = per_label(Y, P >= t, average=None, zero_division=zd)
    np.testing.assert_allclose(label_scores, expected, atol=1e-12)


@pytest.mark.parametrize("zd", [0, 1])
def test_micro_macro_blend_matches_sklearn(zd):
    Y, P = _data(3)
    t = np.array([0.2, 0.5, 0.6, 0.7])
    _, score = score_thresholds(Y, P, t, "f1_micro_macro", zero_division=zd)
    D = P >= t
    micro = f1_score(Y, D, average="micro", zero_division=zd)
    macro = f1_score(Y, D, average="macro", zero_division=zd)
    assert score == pytest.approx((micro + macro) / 2, abs=1e-12)


def test_hamming_and_cost_match_sklearn():
    Y, P = _data(4)
    t = np.array([0.3, 0.5, 0.6, 0.7])
    loss = hamming_loss(Y, P >= t)
    _, score = score_thresholds(Y, P, t, "neg_hamming_loss")
    assert score == pytest.approx(-loss, abs=1e-12)
    _, score = score_thresholds(Y, P, t, MisclassificationCost())
    assert score == pytest.approx(-Y.shape[1] * loss, abs=1e-12)
    count = CountObjective(lambda tp, fp, fn, tn: -(fp + fn) / (tp + fp + fn + tn))
    _, score = score_thresholds(Y, P, t, count)
    assert score == pytest.approx(-loss, abs=1e-12)
